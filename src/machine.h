/* SPDX-License-Identifier: MIT */
/*
 * machine.h - struct kmm_machine, the one state struct of a machine.
 *
 * Everything a machine owns hangs off this struct, and the struct itself,
 * like every other piece of metadata (node data, memmap, pageblock types,
 * per-CPU structures), is carved out of the machine's own physical memory
 * by the boot allocator (boot/memblock.c). Nothing comes from malloc.
 *
 * Address spaces:
 *   phys      the direct map: pfn p < max_low_pfn lives at
 *             phys + (p << page_shift), aligned to 2^MAX_ORDER pages. When
 *             kmm owns physical memory (a memfd) the highmem part of the
 *             range is reserved but unmapped: a highmem frame's bytes are
 *             reached only through src/highmem/ (kmap, kmap_local, the
 *             page allocator's temporary maps) or a vmap. Over caller memory
 *             (can_remap = 0) the whole region stays mapped (the fallback
 *             of docs/highmem.md).
 *   vmemmap   struct page array indexed by pfn, [0, max_pfn).
 */
#ifndef KMM_MACHINE_H
#define KMM_MACHINE_H

#include "boot/cmdline.h"
#include "boot/layout.h"
#include "lib/format.h"
#include "lib/lock.h"
#include "page/mmzone.h"
#include "page/vmstat.h"

struct kmm_slab;
struct kmm_stackdepot;
struct kmm_reclaim;
struct kmm_trace_record;
struct kmm_movable_operations;
struct kmm_compact;
struct kmm_compact_ops;

/*
 * A registered owner of movable pages (compaction/movable.c): the
 * callbacks through which migration isolates, moves and gives back its
 * pages, and how many allocated pages carry its id (page_movable_id).
 */
struct kmm_movable_client {
	const struct kmm_movable_operations *ops;
	void *ctx;
	unsigned long pages; /* atomic */
};

/* What upper layers add to /proc/meminfo (slab layer). */
struct kmm_meminfo_extra {
	unsigned long slab_reclaimable_pages;
	unsigned long slab_unreclaimable_pages;
};

struct kmm_machine {
	uint32_t magic;
	struct kmm_machine_desc desc;
	char cmdline[4096];

	unsigned int page_shift;
	unsigned long page_size;
	unsigned long max_pfn;	   /* pfns are [0, max_pfn) */
	unsigned long max_low_pfn; /* first pfn that is not in the direct map */

	char *phys;
	size_t phys_size;     /* bytes of physical memory the host backs (grows with hotplug) */
	size_t phys_reserved; /* address space held for phys when it can grow (maxmem=), or 0 */
	intptr_t phys_handle; /* host handle when kmm created the memory, else -1 */
	bool owns_phys;
	/*
	 * Memory the machine never wrote reads as zeroes: kmm's own memfd
	 * (kmm_os_phys_create's object is sparse) or a region given to
	 * kmm_machine_create_on_zeroed. Free blocks of such memory are marked
	 * (page.h, PAGE_ZEROED_BIT) and __GFP_ZERO does not clear them again.
	 */
	bool phys_zeroed;
	/* The direct map's reservation: phys lies inside, aligned to 2^MAX_ORDER pages. */
	void *direct_reserve;
	size_t direct_reserve_size;

	struct page *vmemmap;
	size_t vmemmap_reserved; /* bytes of address space reserved for it, or 0 */

	struct kmm_layout layout;
	/*
	 * Bit s set: section s (PAGES_PER_SECTION pfns) has a backed memmap.
	 * Memory hotplug (hotplug/) sets bits at run time, with a release
	 * store once the section's descriptors are written: read with pfn_valid.
	 */
	uint8_t *section_present;
	/*
	 * With maxmem= (hotplug): one pageblock type array for every pfn below
	 * the limit, which every zone indexes from pfn 0 (zone->pageblock_base),
	 * so zones can grow without moving it. NULL otherwise.
	 */
	uint8_t *pageblock_mt;
	/* Memory hotplug's state (hotplug/hotplug.h); NULL without maxmem=. */
	struct kmm_hotplug *hotplug;
	/* min_free_kbytes= as the user gave it (-1: computed), for recomputing it. */
	long user_min_free_kbytes;

	int nr_nodes;
	struct pglist_data *node_data[KMM_MAX_NUMNODES];
	uint8_t node_distance[KMM_MAX_NUMNODES][KMM_MAX_NUMNODES];
	int nr_cpus;
	/*
	 * Slots of the per-CPU arrays (the pcp lists and hot arrays, the slab
	 * arrays; smp/cpu.h): slot s < nr_cpus is CPU s's own; in CAS mode a
	 * host CPU h >= nr_cpus has slot h (up to KMM_MAX_CPUS) under machine
	 * CPU h % nr_cpus. cpu_to_node covers every slot.
	 */
	int nr_slots;
	uint8_t cpu_to_node[KMM_MAX_CPUS];

	/* SMP (smp/cpu.c): how a thread finds its CPU and takes per-CPU locks. */
	int smp_mode;	  /* enum kmm_smp_mode */
	long rseq_offset; /* thread pointer + rseq_offset: the thread's struct rseq; 0 none */
	struct cpu_state *cpu_state; /* per-CPU pointer: each CPU's get_cpu lock (smp/preempt.c) */
	/* Per-CPU areas (percpu/): CPU c's copy of per-CPU object x is at x + c * pcpu_unit_bytes.
	 */
	unsigned long pcpu_unit_bytes;
	struct pcpu_state *pcpu;

	/* The boot allocator's reservations, kept for deferred init (page/deferred.c). */
	struct memblock *memblock;

	/* Boot-time accounting, for meminfo and zoneinfo. */
	unsigned long memmap_pages;   /* frames spent on the memmap */
	unsigned long boot_pages;     /* all frames taken by the boot allocator */
	unsigned long totalram_pages; /* sum of managed pages */
	unsigned long totalhigh_pages;

	/* Machine-wide vm events (vmstat.h). */
	unsigned long events[NR_VM_EVENT_ITEMS];

	/*
	 * The layers above the buddy allocator are rows of one table
	 * (boot/late_init.c: init, check, report, shrink, teardown); this
	 * many of them have started.
	 */
	int layers_up;
	/* The reclaim layer's state (reclaim/reclaim.h): shrinkers, kswapd, OOM, fault injection.
	 */
	struct kmm_reclaim *reclaim;
	/* Fault injection armed (reclaim/fault_inject.c): bit 0 fail_page_alloc, bit 1 failslab. */
	uint8_t fault_armed;
	/* Someone waits for memory to be freed (reclaim/vmscan.c): frees wake them. */
	uint32_t alloc_waiters;

	/*
	 * Movable pages (compaction/movable.c): slot 0 unused, ids
	 * 1..KMM_MAX_MOVABLE_OPS registered by callers, MOVABLE_ID_VMALLOC the
	 * vmalloc layer's (installed by compaction_init).
	 */
	struct kmm_movable_client movable[KMM_MOVABLE_IDS];
	/*
	 * The compaction layer (compaction/): its state, and the hooks through
	 * which the page allocator's slow path and kswapd reach it (NULL until
	 * the layer's row of the late-init table has started).
	 */
	struct kmm_compact *compact;
	const struct kmm_compact_ops *compact_ops;

	/* Report printers the upper layers install. */
	void (*pageset_printer)(struct kmm_machine *m, struct zone *zone, struct kmm_out *o);
	void (*meminfo_extra)(struct kmm_machine *m, struct kmm_meminfo_extra *extra);

	/*
	 * High memory (highmem/highmem.h). direct_pfns: frames [0, direct_pfns)
	 * are mapped in phys (max_low_pfn when kmm owns the memory, max_pfn over
	 * caller memory). The highmem layer installs frames_map / frames_unmap
	 * (a temporary mapping of a run of frames for the page allocator's own
	 * use: zeroing, init_on_free) and highmem_address (page_address of a
	 * kmapped frame); lower layers reach highmem bytes only through them.
	 */
	unsigned long direct_pfns;
	struct kmm_highmem *highmem;
	void *(*frames_map)(struct kmm_machine *m, unsigned long pfn, unsigned long nr);
	void (*frames_unmap)(struct kmm_machine *m, void *addr, unsigned long nr);
	void *(*highmem_address)(const struct kmm_machine *m, unsigned long pfn);
	/* The vmalloc layer's state (vmalloc/vmalloc.h); NULL when it has none. */
	struct kmm_vmalloc *vmalloc;

	/* The slab allocator's state (slab/slab.h); NULL until kmem_cache_init. */
	struct kmm_slab *slab;
	/*
	 * The stack depot (lib/stackdepot.h): made by the first SLAB_STORE_USER
	 * cache, published with a release store; NULL until then.
	 */
	struct kmm_stackdepot *stackdepot;

	/* Tracepoints (trace/trace.h): NULL when off, tested once per allocation. */
	void (*trace_fn)(void *ctx, const struct kmm_trace_record *rec);
	void *trace_ctx;

	kmm_sink_fn log_sink;
	void *log_ctx;
	kmm_spinlock log_lock;
	bool reports_fatal;
	uint64_t warn_window_ns; /* warn_alloc rate limit, under log_lock */
	unsigned int warn_count;
};

#define KMM_MACHINE_MAGIC 0x6b6d6d21u /* "kmm!" */

static inline struct page *pfn_to_page(const struct kmm_machine *m, unsigned long pfn)
{
	return m->vmemmap + pfn;
}

static inline unsigned long page_to_pfn(const struct kmm_machine *m, const struct page *p)
{
	return (unsigned long)(p - m->vmemmap);
}

/* max_pfn grows when memory is hot-added above it (hotplug/add.c): read it once. */
static inline unsigned long machine_max_pfn(const struct kmm_machine *m)
{
	return __atomic_load_n(&m->max_pfn, __ATOMIC_ACQUIRE);
}

static inline bool pfn_in_machine(const struct kmm_machine *m, unsigned long pfn)
{
	return pfn < machine_max_pfn(m);
}

/* True when p points at a descriptor of this machine (a valid struct page address). */
static inline bool page_in_machine(const struct kmm_machine *m, const struct page *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)m->vmemmap;

	return (uintptr_t)p >= (uintptr_t)m->vmemmap &&
	       off / sizeof(struct page) < machine_max_pfn(m) && off % sizeof(struct page) == 0;
}

/* Does pfn have a descriptor one may read (Linux's pfn_valid)? */
static inline bool pfn_valid(const struct kmm_machine *m, unsigned long pfn)
{
	unsigned long sec = pfn >> PFN_SECTION_SHIFT;

	return pfn < machine_max_pfn(m) &&
	       ((__atomic_load_n(&m->section_present[sec / 8], __ATOMIC_ACQUIRE) >> (sec % 8)) & 1);
}

static inline void *pfn_to_phys_virt(const struct kmm_machine *m, unsigned long pfn)
{
	return m->phys + (pfn << m->page_shift);
}

/* The direct-map address of a lowmem page (callers know it is lowmem: slab, per-CPU, reclaim). */
static inline void *page_to_virt_raw(const struct kmm_machine *m, const struct page *p)
{
	return pfn_to_phys_virt(m, page_to_pfn(m, p));
}

/*
 * The bytes of frames [pfn, pfn + nr) (one buddy block at most), for the
 * page allocator's own use: the direct map when they are in it, otherwise
 * a temporary mapping of the highmem layer, given back with
 * frames_unmap_m. NULL when the host refused the mapping.
 */
struct kmm_machine;
static inline void *frames_map_m(struct kmm_machine *m, unsigned long pfn, unsigned long nr)
{
	if (pfn + nr <= m->direct_pfns)
		return pfn_to_phys_virt(m, pfn);
	return m->frames_map ? m->frames_map(m, pfn, nr) : NULL;
}

static inline void frames_unmap_m(struct kmm_machine *m, void *addr, unsigned long nr)
{
	if (addr != NULL &&
	    (uintptr_t)addr - (uintptr_t)m->phys >= (m->direct_pfns << m->page_shift))
		m->frames_unmap(m, addr, nr);
}

static inline struct zone *page_zone(const struct kmm_machine *m, const struct page *p)
{
	return &m->node_data[page_nid(p)]->node_zones[page_zonenum(p)];
}

static inline struct pglist_data *NODE_DATA(const struct kmm_machine *m, int nid)
{
	return m->node_data[nid];
}

#define for_each_online_node_m(m, nid) for ((nid) = 0; (nid) < (m)->nr_nodes; (nid)++)

/*
 * The zones the machine's kernel is built with, in the kernel's order
 * (enum kmm_zone_type): x86-64's DMA, DMA32, Normal, Movable, Device; a
 * machine that asks for highmem (highmem=) also has HighMem, between
 * Normal and Movable, as a kernel built with CONFIG_HIGHMEM. Reports print
 * exactly these zones and one protection column per zone (docs/machine.md).
 */
static inline bool zone_idx_configured(const struct kmm_machine *m, int idx)
{
	return idx != KMM_ZONE_HIGHMEM || m->desc.highmem_bytes != 0;
}

/* May memory hotplug (maxmem=) populate this zone? hotplug/online.c picks Normal or Movable. */
static inline bool zone_hotplug_target(const struct kmm_machine *m, const struct zone *z)
{
	return m->layout.maxmem_pfn && (z->idx == KMM_ZONE_NORMAL || z->idx == KMM_ZONE_MOVABLE);
}

/*
 * A machine with a cma= area is a kernel built with CONFIG_CMA: its
 * reports show the CMA migratetype and CmaTotal/CmaFree; without one they
 * print as this machine's 6.18 kernel (no CMA) does.
 */
static inline bool machine_has_cma(const struct kmm_machine *m)
{
	return m->desc.cma_bytes != 0;
}

/* Iterate every zone of every node, populated or not. */
#define for_each_zone_m(m, zone)                                          \
	for (int __n = 0; __n < (m)->nr_nodes; __n++)                     \
		for (struct zone *zone = (m)->node_data[__n]->node_zones; \
		     zone < (m)->node_data[__n]->node_zones + MAX_NR_ZONES; zone++)

/* Logging (page/report.c): through the machine's sink, one call per line. */
void kmm_log(struct kmm_machine *m, const char *fmt, ...) KMM_PRINTF(2, 3);

#endif /* KMM_MACHINE_H */
