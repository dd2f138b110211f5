/* SPDX-License-Identifier: MIT */
/*
 * page/internal.h - cross-file interface of the page allocator layer,
 * grouped by the file that owns each function (as Linux's mm/internal.h).
 */
#ifndef KMM_PAGE_INTERNAL_H
#define KMM_PAGE_INTERNAL_H

#include "machine.h"
#include "page/page_list.h"

#define pageblock_order 9
#define pageblock_nr_pages (1ul << pageblock_order)

/* alloc_flags: how hard an allocation may dig (Linux's ALLOC_*). */
#define ALLOC_WMARK_MIN WMARK_MIN
#define ALLOC_WMARK_LOW WMARK_LOW
#define ALLOC_WMARK_HIGH WMARK_HIGH
#define ALLOC_NO_WATERMARKS 0x04
#define ALLOC_WMARK_MASK (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM 0x08
#define ALLOC_NON_BLOCK 0x10   /* caller cannot reclaim: dips further into reserves */
#define ALLOC_MIN_RESERVE 0x20 /* __GFP_HIGH: may use half of min */
#define ALLOC_CPUSET 0x40
#define ALLOC_HIGHATOMIC 0x200 /* may use the HighAtomic reserve */
#define ALLOC_KSWAPD 0x800
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

#define MAX_COMPACT_RETRIES 16

/* The kernel's enum compact_result, in its order (a larger value means more progress). */
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE,
	COMPACT_SKIPPED,
	COMPACT_DEFERRED,
	COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE,
	COMPACT_COMPLETE,
	COMPACT_PARTIAL_SKIPPED,
	COMPACT_CONTENDED,
	COMPACT_SUCCESS,
};

/* The kernel's enum compact_priority: lower is harder. */
enum compact_priority {
	COMPACT_PRIO_SYNC_FULL,
	MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL,
	COMPACT_PRIO_SYNC_LIGHT,
	MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	COMPACT_PRIO_ASYNC,
	INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC
};

/*
 * The compaction layer's hooks (compaction/), set when its row of the
 * late-init table starts: the slow path's direct compaction and kswapd's
 * wakeup of kcompactd go through them, so the page layer never calls up.
 */
struct kmm_compact_ops {
	/* try_to_compact_pages over the allocation's zonelist: an enum compact_result */
	int (*try_to_compact_pages)(struct kmm_machine *m, gfp_t gfp, unsigned int order,
				    unsigned int alloc_flags, struct zone *const *zonelist,
				    int highest_zoneidx, const uint64_t *nodemask, int prio);
	/* an allocation of order succeeded in zone after compaction (compaction_defer_reset) */
	void (*defer_reset)(struct kmm_machine *m, struct zone *zone, unsigned int order);
	/* could compaction still help some zone of the zonelist (compaction_zonelist_suitable)? */
	bool (*zonelist_suitable)(struct kmm_machine *m, unsigned int order,
				  unsigned int alloc_flags, struct zone *const *zonelist,
				  int highest_zoneidx, const uint64_t *nodemask);
	/* kswapd is going to sleep: reset the skip bits, compact node nid for order */
	void (*kswapd_wakeup_kcompactd)(struct kmm_machine *m, int nid, unsigned int order,
					int highest_zoneidx);
	/* a wakeup_kswapd with nothing to reclaim: compact node nid for order */
	void (*wakeup_kcompactd)(struct kmm_machine *m, int nid, unsigned int order,
				 int highest_zoneidx);
};

/* ---- buddy.c: free areas, split and merge, migratetype fallback ---------- */

static inline unsigned int pageblock_index(const struct zone *z, unsigned long pfn)
{
	return (unsigned int)((pfn >> pageblock_order) - (z->pageblock_base >> pageblock_order));
}

/* Read without zone->lock on the free path (as Linux reads pageblock flags); set under it. */
static inline int get_pageblock_migratetype(const struct zone *z, unsigned long pfn)
{
	return READ_ONCE(z->pageblock_mt[pageblock_index(z, pfn)]);
}

static inline void set_pageblock_migratetype(struct zone *z, unsigned long pfn, int mt)
{
	WRITE_ONCE(z->pageblock_mt[pageblock_index(z, pfn)], (uint8_t)mt);
}

/*
 * NR_FREE_PAGES changes under zone->lock and is read without it (the
 * watermark check, reports): a relaxed store keeps those reads race-free.
 */
static inline void __mod_zone_free_pages(struct zone *zone, long delta)
{
	WRITE_ONCE(zone->vm_stat[NR_FREE_PAGES], zone->vm_stat[NR_FREE_PAGES] + delta);
}

/* Free a block of 2^order pages at pfn into zone, merging buddies. zone->lock held. */
void __free_one_page(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
		     unsigned int order, int mt);
/* Take a block of 2^order pages of migratetype mt (with fallback). zone->lock held.
 * Returns the pfn or KMM_NIL_PFN. */
unsigned long __rmqueue(struct kmm_machine *m, struct zone *zone, unsigned int order, int mt,
			unsigned int alloc_flags);
unsigned long __rmqueue_smallest(struct kmm_machine *m, struct zone *zone, unsigned int order,
				 int mt);
/* Memory hotplug: take a free block (PG_buddy head of `order`) off the lists. zone->lock held. */
void __take_free_block(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
		       unsigned int order);
/* Take a free block off the lists (compaction, contig ranges): order + 1, or 0. zone->lock held. */
unsigned int __isolate_free_page(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				 bool check_wmark);
/*
 * discard.c: give the frames of the free block at pfn back to the host (no
 * lock needed; the caller keeps the block from being allocated). true when
 * the host says it now reads as zeroes (kmm_os_discard): the caller may mark
 * it known-zero.
 */
bool discard_block(struct kmm_machine *m, unsigned long pfn, unsigned int order);
/* Boot: put a whole aligned block on the free lists without merging. zone->lock held. */
void __free_boot_block(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
		       unsigned int order);
/* Move every free block of the pageblock holding pfn to mt's lists; pages moved. */
unsigned long move_freepages_block(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				   int mt, unsigned long *num_movable);
void reserve_highatomic_pageblock(struct kmm_machine *m, struct page *page, struct zone *zone);
bool unreserve_highatomic_pageblock(struct kmm_machine *m, int nid, bool force);

/* ---- gfp.c: gfp semantics ------------------------------------------------ */

#define ZONE_BAD (-1)

/*
 * The highest zone gfp may use, or ZONE_BAD for an invalid combination
 * (DMA|DMA32, DMA|HIGHMEM, DMA32|HIGHMEM). MOVABLE alone means NORMAL,
 * MOVABLE|HIGHMEM means MOVABLE, MOVABLE with DMA or DMA32 keeps those.
 */
static inline int gfp_zone(gfp_t gfp)
{
	switch (gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) {
	case 0:
		return KMM_ZONE_NORMAL;
	case __GFP_DMA:
		return KMM_ZONE_DMA;
	case __GFP_DMA32:
		return KMM_ZONE_DMA32;
	case __GFP_HIGHMEM:
		return (gfp & __GFP_MOVABLE) ? KMM_ZONE_MOVABLE : KMM_ZONE_HIGHMEM;
	default:
		return ZONE_BAD;
	}
}

/*
 * Every bit a caller may pass: the kernel's mask without its unused bit 9
 * (0x200), plus kmm's own flags. Anything else is refused with a report.
 */
#define GFP_KMM_VALID ((__GFP_BITS_MASK & ~0x200u) | KMM_GFP_KMM_MASK)
#define GFP_MOVABLE_MASK (__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT 3

/*
 * The migratetype for gfp (6.18's gfp_migratetype): the two mobility bits
 * shifted down, so MOVABLE -> Movable, RECLAIMABLE -> Reclaimable, neither
 * -> Unmovable, and both -> HighAtomic (3), which 6.18 also warns about
 * (VM_WARN_ON; the page allocator prints that warning, not this).
 */
static inline int gfp_migratetype(const struct kmm_machine *m, gfp_t gfp)
{
	_Static_assert((__GFP_MOVABLE >> GFP_MOVABLE_SHIFT) == MIGRATE_MOVABLE, "movable");
	_Static_assert((__GFP_RECLAIMABLE >> GFP_MOVABLE_SHIFT) == MIGRATE_RECLAIMABLE,
		       "reclaimable");
	_Static_assert((GFP_MOVABLE_MASK >> GFP_MOVABLE_SHIFT) == MIGRATE_HIGHATOMIC, "highatomic");
	if (unlikely(!m->desc.mobility_grouping))
		return MIGRATE_UNMOVABLE;
	return (int)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

/* One printed name of the %pGg table (page/gfp.c). */
struct gfp_name {
	gfp_t mask;
	const char *name;
};

/* The table itself, in the kernel's order (for the golden test). */
const struct gfp_name *kmm_gfp_names(size_t *nr);
/* "GFP_KERNEL|__GFP_ZERO" (the kernel's %pGg); returns the length. */
size_t kmm_format_gfp(char *buf, size_t len, gfp_t gfp);
/* page_alloc.c: kmm_free_pages without the mm_page_free tracepoint (the slab's own pages). */
void free_pages_untraced(struct kmm_machine *m, struct page *page, unsigned int order);

/* ---- watermark.c: min_free_kbytes, watermarks, lowmem reserves ----------- */

void setup_per_zone_wmarks(struct kmm_machine *m);
void setup_per_zone_lowmem_reserve(struct kmm_machine *m);
unsigned long calculate_totalreserve_pages(const struct kmm_machine *m);
long calculate_min_free_kbytes(const struct kmm_machine *m);
bool __zone_watermark_ok(const struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, long free_pages);

/* ---- zonelist.c ---------------------------------------------------------- */

void build_all_zonelists(struct kmm_machine *m);

/* ---- page_alloc.c -------------------------------------------------------- */

struct page *__alloc_pages(struct kmm_machine *m, gfp_t gfp, unsigned int order, int preferred_nid,
			   const uint64_t *nodemask);
/* Free a block whose refcount has dropped to zero. */
void __free_pages_ok(struct kmm_machine *m, struct page *page, unsigned int order);
/*
 * split_page: a plain (non-compound) block of 2^order pages the caller
 * holds becomes 2^order order-0 pages, each with its own reference and the
 * block's migratetype, each freed on its own (vmalloc's movable areas).
 */
void split_page(struct kmm_machine *m, struct page *page, unsigned int order);
int numa_node_id_m(struct kmm_machine *m);

/* ---- report.c: bad pages and allocation failures -------------------------- */

/* Printed names of the PG_* flags ("buddy", "slab" ...). */
extern const char *const pageflag_names[NR_PAGEFLAGS];

void bad_page(struct kmm_machine *m, const struct page *page, const char *reason);
/* The descriptor in the kernel's dump_page format. */
void dump_page(struct kmm_machine *m, struct kmm_out *o, const struct page *page,
	       const char *reason);
void warn_alloc(struct kmm_machine *m, gfp_t gfp, unsigned int order, const uint64_t *nodemask,
		const char *fmt, ...) KMM_PRINTF(5, 6);
void kmm_report_bad_call(struct kmm_machine *m, const char *fmt, ...) KMM_PRINTF(2, 3);
/*
 * 6.18's __show_mem (page/show_mem.c): zones above max_zone_idx left out,
 * and with filter_nodes the nodes outside *nodemask (when there is one).
 */
void show_mem(struct kmm_machine *m, struct kmm_out *o, bool filter_nodes, const uint64_t *nodemask,
	      int max_zone_idx);
/* 6.18's VM_WARN_ON in gfp_migratetype: __GFP_MOVABLE and __GFP_RECLAIMABLE together. */
void warn_gfp_migratetype(struct kmm_machine *m, gfp_t gfp);

#endif /* KMM_PAGE_INTERNAL_H */
