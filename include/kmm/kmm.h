/* SPDX-License-Identifier: MIT */
/*
 * kmm/kmm.h - the instance API: every call names the machine it acts on.
 *
 * A machine (struct kmm_machine) is a simulated computer: physical memory
 * split into NUMA nodes and zones, a memmap of page descriptors, and the
 * allocators that manage it. It is described by a kernel-command-line-style
 * string ("mem=8G nr_cpus=4 numa=fake=2 ...", see docs/machine.md) and is
 * backed either by a sparse memfd (kmm_machine_create) or by memory the
 * caller already mapped (kmm_machine_create_on).
 *
 * Errors are negative errno-style codes (KMM_E*). Allocation failures return
 * NULL / 0 and print a Linux-style warning through the machine's log sink
 * unless __GFP_NOWARN is given. Misuse (double free, foreign pointers, bad
 * orders) is reported through the log sink and changes nothing.
 *
 * <kmm/linux.h> binds the kernel's names to a default machine.
 *
 * Kernel names in these headers (gfp_t, __GFP_*, GFP_*, slab_flags_t,
 * SLAB_*, ZERO_SIZE_PTR) can be left out: define KMM_NO_LINUX_NAMES before
 * the first kmm header and only kmm_ / KMM_ names are declared (kmm_gfp_t
 * and KMM_GFP_KERNEL, kmm_slab_flags_t and KMM_SLAB_HWCACHE_ALIGN ...), so
 * a program with kernel-style headers of its own can use the instance API.
 */
#ifndef KMM_KMM_H
#define KMM_KMM_H

#include <stddef.h>
#include <stdint.h>

#include <kmm/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KMM_API __attribute__((visibility("default")))
#else
#define KMM_API
#endif

typedef struct kmm_machine kmm_machine;
struct page;

/* Error codes (negated errno values, so they read naturally in messages). */
#define KMM_OK 0
#define KMM_E2BIG (-7)
#define KMM_ENOMEM (-12)
#define KMM_EBUSY (-16)
#define KMM_EEXIST (-17)
#define KMM_EINVAL (-22)
#define KMM_ERANGE (-34)
#define KMM_ENOSYS (-38)
#define KMM_EOPNOTSUPP (-95)

/* Orders 0..KMM_MAX_ORDER: the largest block is 2^10 pages (4 MiB with 4 KiB pages). */
#define KMM_MAX_ORDER 10
#define KMM_NR_ORDERS (KMM_MAX_ORDER + 1)

/* Zones, in the kernel's order. A machine populates a subset of them. */
enum kmm_zone_type {
	KMM_ZONE_DMA,
	KMM_ZONE_DMA32,
	KMM_ZONE_NORMAL,
	KMM_ZONE_HIGHMEM,
	KMM_ZONE_MOVABLE,
	KMM_ZONE_DEVICE, /* never populated: ZONE_DEVICE memory is not buddy memory */
	KMM_NR_ZONES
};

/* The built-in default machine (documented in docs/machine.md). */
#define KMM_DEFAULT_CMDLINE "mem=4G nr_cpus=2"

/*
 * Output sink: every report and log line goes through one. `text` is not
 * NUL-terminated; `len` bytes are valid. The sink must not call back into
 * the machine that is printing.
 */
typedef void (*kmm_sink_fn)(void *ctx, const char *text, size_t len);

/*
 * The version of the running library, "MAJOR.MINOR.PATCH" (a constant
 * string). <kmm/version.h> has the version of the headers as macros.
 */
KMM_API const char *kmm_version(void);

/* ---- machine lifetime ------------------------------------------------- */

/*
 * Boot a machine described by `cmdline` (NULL or "" means the default
 * machine) over a sparse memfd. On error returns a KMM_E* code and writes a
 * message naming the offending token into err (if err_len > 0).
 */
KMM_API int kmm_machine_create(const char *cmdline, kmm_machine **out, char *err, size_t err_len);

/*
 * Boot a machine over caller-supplied memory [mem, mem + size): physical
 * address 0 of the machine is `mem`. The layout from `cmdline` must fit in
 * `size` bytes. mem must be page aligned. The caller keeps ownership of the
 * memory; kmm_machine_destroy does not unmap it.
 *
 * With maxmem= the machine grows by memory hotplug inside the region
 * (<kmm/hotplug.h>, docs/hotplug.md): `size` must cover maxmem=, only the
 * boot memory must be accessible, and the rest is address space the caller
 * reserved with no access (mmap PROT_NONE), which kmm_add_memory commits and
 * kmm_remove_memory gives back to no access. libkmm-malloc's machine is one.
 *
 * kmm never touches the region under a hole of the memory map (below the
 * first RAM range of memmap=exactmap, say), so that part need not be
 * mapped: libkmm-malloc's RAM starts at 4G and it maps nothing below.
 */
KMM_API int kmm_machine_create_on(const char *cmdline, void *mem, size_t size, kmm_machine **out,
				  char *err, size_t err_len);

/*
 * Same, over a region the caller promises reads as zeroes (a fresh
 * anonymous mapping), up to maxmem= (what kmm_os_commit commits later too):
 * boot then writes only the descriptors it initializes, so with deferred
 * struct page init the untouched memmap costs no memory, and a __GFP_ZERO
 * allocation does not clear memory nobody has written yet (docs/zones.md,
 * "Known-zero free blocks").
 */
KMM_API int kmm_machine_create_on_zeroed(const char *cmdline, void *mem, size_t size,
					 kmm_machine **out, char *err, size_t err_len);

KMM_API void kmm_machine_destroy(kmm_machine *m);

/* Where the machine's log goes (default: standard error). */
KMM_API void kmm_set_log(kmm_machine *m, kmm_sink_fn sink, void *ctx);

/* Canonical description of the machine ("mem=4G nr_cpus=2 ..."). */
KMM_API const char *kmm_machine_cmdline(const kmm_machine *m);

KMM_API unsigned long kmm_page_size(const kmm_machine *m);
KMM_API int kmm_nr_nodes(const kmm_machine *m);
KMM_API int kmm_nr_cpus(const kmm_machine *m);
/*
 * How the machine's per-CPU fast paths synchronise, chosen at boot
 * (docs/smp.md): "rseq" (restartable sequences) or "cas" (compare-and-swap).
 */
KMM_API const char *kmm_smp_mode(const kmm_machine *m);
/* Number of pages in the machine's pfn range [0, max_pfn). */
KMM_API unsigned long kmm_max_pfn(const kmm_machine *m);

/* ---- page allocator ----------------------------------------------------- */

/* 2^order contiguous pages from the current CPU's node, or NULL. */
KMM_API struct page *kmm_alloc_pages(kmm_machine *m, kmm_gfp_t gfp, unsigned int order);
/* Same, preferring node `nid` (-1: the current CPU's node). */
KMM_API struct page *kmm_alloc_pages_node(kmm_machine *m, int nid, kmm_gfp_t gfp,
					  unsigned int order);
/* Same, restricted to the nodes set in *nodemask (bit n = node n); NULL: any node. */
KMM_API struct page *kmm_alloc_pages_nodemask(kmm_machine *m, kmm_gfp_t gfp, unsigned int order,
					      int nid, const uint64_t *nodemask);
/* Drop a reference to a block of 2^order pages; free it when it reaches zero. */
KMM_API void kmm_free_pages(kmm_machine *m, struct page *page, unsigned int order);
/*
 * alloc_pages_bulk: fill the NULL entries of page_array[0, nr_pages) with
 * order-0 pages (entries already set are skipped); returns how many entries
 * are populated. The request is checked and its zone chosen once for the
 * batch; may return fewer than nr_pages (at least one more unless memory is
 * exhausted). _node prefers node nid (-1: the current CPU's).
 */
KMM_API unsigned long kmm_alloc_pages_bulk(kmm_machine *m, kmm_gfp_t gfp, unsigned long nr_pages,
					   struct page **page_array);
KMM_API unsigned long kmm_alloc_pages_bulk_node(kmm_machine *m, kmm_gfp_t gfp, int nid,
						unsigned long nr_pages, struct page **page_array);

/* Address-based variants (lowmem only): __get_free_pages / free_pages. */
KMM_API unsigned long kmm_get_free_pages(kmm_machine *m, kmm_gfp_t gfp, unsigned int order);
KMM_API void kmm_free_pages_addr(kmm_machine *m, unsigned long addr, unsigned int order);

/* Reference counting: get_page / put_page / page_ref_count. put_page frees at zero. */
KMM_API void kmm_get_page(kmm_machine *m, struct page *page);
KMM_API void kmm_put_page(kmm_machine *m, struct page *page);
/* release_pages: kmm_put_page on each of pages[0, nr) (NULL entries skipped). */
KMM_API void kmm_release_pages(kmm_machine *m, struct page **pages, int nr);
KMM_API int kmm_page_ref_count(const kmm_machine *m, const struct page *page);

/* ---- descriptors and addresses ------------------------------------------ */

KMM_API unsigned long kmm_page_to_pfn(const kmm_machine *m, const struct page *page);
/* Does pfn have a page descriptor (inside the machine, in a section with RAM)? */
KMM_API int kmm_pfn_valid(const kmm_machine *m, unsigned long pfn);
/* NULL when !kmm_pfn_valid(m, pfn). */
KMM_API struct page *kmm_pfn_to_page(const kmm_machine *m, unsigned long pfn);
/*
 * The direct-map address of a lowmem page. For a highmem page, Linux's
 * page_address: its kmap address while a kmap of it exists (which, as in
 * Linux, lingers after kunmap until the pkmap pool is flushed), and it maps
 * that one page only; else NULL.
 */
KMM_API void *kmm_page_address(const kmm_machine *m, const struct page *page);
/* The page descriptor of a direct-map address; NULL when outside the map. */
KMM_API struct page *kmm_virt_to_page(const kmm_machine *m, const void *addr);
KMM_API int kmm_page_zonenum(const kmm_machine *m, const struct page *page);
KMM_API int kmm_page_to_nid(const kmm_machine *m, const struct page *page);
/* The zone a page belongs to, and that zone's index and name ("Normal"). */
struct zone;
KMM_API struct zone *kmm_page_zone(const kmm_machine *m, const struct page *page);
KMM_API int kmm_zone_idx(const struct zone *zone);
KMM_API int kmm_zone_nid(const struct zone *zone);
KMM_API const char *kmm_zone_name(const struct zone *zone);
/* The node of a CPU, and the node of the calling thread's current CPU. */
KMM_API int kmm_cpu_to_node(const kmm_machine *m, int cpu);
KMM_API int kmm_numa_node_id(kmm_machine *m);
/* The CPU the calling thread is placed on (0 .. nr_cpus - 1). */
KMM_API int kmm_smp_processor_id(kmm_machine *m);
/* Distance between two nodes (10 local, 20 remote by default). */
KMM_API int kmm_node_distance(const kmm_machine *m, int from, int to);

/* The head page of a compound page (the page itself otherwise). */
KMM_API struct page *kmm_compound_head(const kmm_machine *m, const struct page *page);
/* Order of a compound page (0 for a plain page). */
KMM_API unsigned int kmm_compound_order(const kmm_machine *m, const struct page *page);

/* ---- checking and reports ------------------------------------------------ */

/*
 * Walk every zone: free-list membership, block alignment, flags, nr_free
 * and free-page counters. Returns the number of problems found and reports
 * each through the log sink. 0 means consistent.
 */
KMM_API int kmm_check(kmm_machine *m);

enum kmm_report {
	KMM_REPORT_BUDDYINFO,
	KMM_REPORT_ZONEINFO,
	KMM_REPORT_MEMINFO,
	KMM_REPORT_PAGETYPEINFO,
	KMM_REPORT_VMSTAT,
	KMM_REPORT_UNUSABLE_INDEX, /* debugfs extfrag/unusable_index */
	KMM_REPORT_EXTFRAG_INDEX,  /* debugfs extfrag/extfrag_index */
	KMM_REPORT_SLABINFO,	   /* /proc/slabinfo */
	KMM_REPORT_VMALLOCINFO,	   /* /proc/vmallocinfo */
	KMM_REPORT_MEMORY,	   /* /sys/devices/system/memory: memory blocks (kmm/hotplug.h) */
	KMM_NR_REPORTS
};

/* Print a /proc-format report through `sink`. Returns KMM_OK or KMM_EINVAL. */
KMM_API int kmm_report(kmm_machine *m, enum kmm_report which, kmm_sink_fn sink, void *ctx);
/* Look a report up by its /proc name ("buddyinfo"); -1 when unknown. */
KMM_API int kmm_report_by_name(const char *name);
/* The /proc name of a report; NULL when `which` is out of range. */
KMM_API const char *kmm_report_name(int which);

/* Free pages in one zone of one node, and the per-order block counts. */
KMM_API unsigned long kmm_zone_free_pages(kmm_machine *m, int nid, enum kmm_zone_type zone);
KMM_API int kmm_zone_free_blocks(kmm_machine *m, int nid, enum kmm_zone_type zone,
				 unsigned long counts[KMM_NR_ORDERS]);
/*
 * Fragmentation of a zone for a request of `order`, in thousandths, as
 * Linux computes them: the unusable free space index (0 = every free page
 * is in a block of that order or larger, 1000 = none is) and the
 * fragmentation index (-1000 when a suitable block exists; towards 1000 the
 * failure is due to fragmentation, towards 0 to lack of memory).
 */
KMM_API int kmm_zone_unusable_index(kmm_machine *m, int nid, enum kmm_zone_type zone,
				    unsigned int order);
KMM_API int kmm_zone_fragmentation_index(kmm_machine *m, int nid, enum kmm_zone_type zone,
					 unsigned int order);
/*
 * Deferred struct page init (docs/machine.md, `deferred_struct_page_init=`):
 * at boot only part of each node's highest zone has initialized
 * descriptors; the rest is initialized as allocations need it. These
 * finish the work now, and count the RAM pages still waiting. Reports
 * finish it themselves, since they show the machine as Linux does after boot.
 */
KMM_API void kmm_deferred_init_all(kmm_machine *m);
KMM_API unsigned long kmm_deferred_pages(kmm_machine *m);

/*
 * Give the host frames of free blocks of at least `min_order` back (after
 * draining the per-CPU page lists): the blocks stay free, their memory reads
 * as zeroes when next used where the host frees it (kmm's own memory, a
 * caller's anonymous or shared region), and such blocks are then known-zero:
 * __GFP_ZERO does not clear them again. Returns the number of pages
 * discarded (page/discard.c; malloc_trim of libkmm-malloc).
 */
KMM_API unsigned long kmm_discard_free_pages(kmm_machine *m, unsigned int min_order);

/* Managed pages of a zone (0 when the zone is not populated). */
KMM_API unsigned long kmm_zone_managed_pages(kmm_machine *m, int nid, enum kmm_zone_type zone);

#ifdef __cplusplus
}
#endif

#endif /* KMM_KMM_H */
