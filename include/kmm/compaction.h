/* SPDX-License-Identifier: MIT */
/*
 * kmm/compaction.h - page migration, compaction and contiguous allocation.
 *
 * Pages that can really move. A program that owns pages and can follow
 * them to a new frame registers movable_operations (the kernel's interface
 * for balloon and zsmalloc pages) and marks each page it allocated with
 * __GFP_MOVABLE:
 *
 *	static const struct kmm_movable_operations ops = {
 *		.isolate_page = my_isolate,	// under my lock: still mine? then busy, true
 *		.migrate_page = my_migrate,	// copy src to dst, point at dst: 0 or -EAGAIN
 *		.putback_page = my_putback,	// migration gave up: the page is mine again
 *	};
 *	int id = kmm_register_movable_ops(m, &ops, my_pool);
 *	struct page *p = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_MOVABLE, 0);
 *	kmm_page_set_movable_ops(m, p, id);
 *
 * Compaction (kmm_compact_memory, the allocator's direct compaction,
 * kcompactd) and contiguous allocation then move such pages out of the
 * way: isolate_page is called first (the owner says whether the page is
 * still its own and promises not to free it), then migrate_page with a new
 * frame, or putback_page when the move is abandoned. A page whose
 * migrate_page succeeded is freed by kmm; the owner keeps dst. Every other
 * allocated page is unmovable and is skipped, as the kernel skips it.
 * Freeing a page while it is isolated is a bug, reported, and nothing
 * changes.
 *
 * The callbacks take the machine and the registration's context first
 * (the kernel's take the page only); they are called with no kmm lock
 * held and may allocate (not with direct reclaim).
 */
#ifndef KMM_COMPACTION_H
#define KMM_COMPACTION_H

#include <kmm/highmem.h>
#include <kmm/kmm.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- movable pages ----------------------------------------------------------- */

/* How hard a migration may try (the kernel's enum migrate_mode). */
enum kmm_migrate_mode {
	KMM_MIGRATE_ASYNC,	/* never block: busy pages are skipped */
	KMM_MIGRATE_SYNC_LIGHT, /* may block on locks, not on long waits */
	KMM_MIGRATE_SYNC,	/* may block */
};

/* Why pages are migrated (the kernel's enum migrate_reason, the reasons kmm has). */
enum kmm_migrate_reason {
	KMM_MR_COMPACTION,
	KMM_MR_MEMORY_FAILURE,
	KMM_MR_MEMORY_HOTPLUG,
	KMM_MR_SYSCALL,
	KMM_MR_MEMPOLICY_MBIND,
	KMM_MR_NUMA_MISPLACED,
	KMM_MR_CONTIG_RANGE,
	KMM_MR_LONGTERM_PIN,
	KMM_MR_DEMOTION,
	KMM_MR_DAMON,
	KMM_MR_TYPES
};

/* isolate_mode_t: the bits an isolate_page callback is given. */
typedef unsigned int kmm_isolate_mode_t;
#define KMM_ISOLATE_ASYNC_MIGRATE 0x4u /* the migration that asks is MIGRATE_ASYNC */

/* The errors a migrate_page callback returns. */
#define KMM_EAGAIN (-11) /* busy now: try again later (sync modes retry) */
#define KMM_EBUSY (-16)

struct kmm_movable_operations {
	/* Is page still the owner's, and may it move? Then hold it for migration: true. */
	bool (*isolate_page)(kmm_machine *m, struct page *page, kmm_isolate_mode_t mode, void *ctx);
	/* Copy src into dst and make dst the owner's page: 0, KMM_EAGAIN, or another error. */
	int (*migrate_page)(kmm_machine *m, struct page *dst, struct page *src,
			    enum kmm_migrate_mode mode, void *ctx);
	/* The migration gave up: page is the owner's again, as before isolate_page. */
	void (*putback_page)(kmm_machine *m, struct page *page, void *ctx);
};

/*
 * Register an owner of movable pages: its id (1..6), or KMM_EINVAL / KMM_ENOMEM (all
 * taken). Id 7 is the vmalloc layer's own (pages of movable vmalloc areas).
 */
KMM_API int kmm_register_movable_ops(kmm_machine *m, const struct kmm_movable_operations *ops,
				     void *ctx);
/* Forget an owner: KMM_EINVAL (reported) while pages still carry its id. */
KMM_API int kmm_unregister_movable_ops(kmm_machine *m, int id);
/* Mark an allocated order-0 page (allocated with __GFP_MOVABLE) as id's: KMM_OK or KMM_EINVAL. */
KMM_API int kmm_page_set_movable_ops(kmm_machine *m, struct page *page, int id);
/* Unmark it (it becomes unmovable again): KMM_OK or KMM_EINVAL (isolated, not marked). */
KMM_API int kmm_page_clear_movable_ops(kmm_machine *m, struct page *page);
/* The id a page is marked with, 0 when it is not a movable-ops page, -1 for a bad page. */
KMM_API int kmm_page_movable_ops(const kmm_machine *m, const struct page *page);
/* 1 while migration holds the page (between isolate_page and migrate/putback), else 0. */
KMM_API int kmm_page_isolated(const kmm_machine *m, const struct page *page);
/* kmm_copy_highpage (<kmm/highmem.h>) copies a page's contents, highmem too: what a
 * migrate_page callback usually does first. */

/* ---- compaction ------------------------------------------------------------------- */

/* Compact every zone of the machine (echo 1 > /proc/sys/vm/compact_memory): pages migrated. */
KMM_API long kmm_compact_memory(kmm_machine *m);
/* Compact one node (echo 1 > /sys/devices/system/node/nodeN/compact): pages migrated. */
KMM_API long kmm_compact_node(kmm_machine *m, int nid);
/* vm.extfrag_threshold (0-1000, default 500): KMM_OK or KMM_EINVAL (reported). */
KMM_API int kmm_set_extfrag_threshold(kmm_machine *m, int value);
/* vm.compaction_proactiveness (0-100, default 20; 0 turns proactive compaction off). */
KMM_API int kmm_set_compaction_proactiveness(kmm_machine *m, int value);

/* A zone's compaction state (the fields of the kernel's struct zone, and its scores). */
struct kmm_zone_compaction {
	unsigned int compact_considered;
	unsigned int compact_defer_shift;
	int compact_order_failed;
	unsigned int fragmentation_score; /* extfrag percentage at order 9 (proactive compaction) */
	int fragmentation_index;	  /* at order 9, in thousandths; -1000: a block is free */
	unsigned long skip_pageblocks;	  /* pageblocks with the skip bit set */
};
KMM_API int kmm_zone_compaction_info(kmm_machine *m, int nid, enum kmm_zone_type zone,
				     struct kmm_zone_compaction *info);
/* The node's fragmentation score (0-100) proactive compaction works against. */
KMM_API int kmm_node_fragmentation_score(kmm_machine *m, int nid);

/* kcompactd of a node. */
struct kmm_kcompactd_info {
	bool running;
	unsigned long runs;	      /* woken for an order (by kswapd) */
	unsigned long proactive_runs; /* proactive compactions */
};
KMM_API int kmm_kcompactd_info(kmm_machine *m, int nid, struct kmm_kcompactd_info *info);

/* ---- contiguous allocation ----------------------------------------------------------- */

/* acr_flags_t of alloc_contig_range. */
#define KMM_ACR_FLAGS_NONE 0u
#define KMM_ACR_FLAGS_CMA 1u /* the range is in a CMA area (its pageblocks stay MIGRATE_CMA) */

/*
 * Allocate the pfns [start, end) of one zone, migrating the movable pages
 * there out of the way: KMM_OK (each page an order-0 page with one
 * reference), KMM_EBUSY (an unmovable page, or a page that would not move:
 * nothing changed), KMM_EINVAL (bad bounds, reported).
 */
KMM_API int kmm_alloc_contig_range(kmm_machine *m, unsigned long start, unsigned long end,
				   unsigned int acr_flags, kmm_gfp_t gfp);
/* nr_pages contiguous pages from the zones gfp allows on node nid's zonelist, or NULL. */
KMM_API struct page *kmm_alloc_contig_pages(kmm_machine *m, unsigned long nr_pages, kmm_gfp_t gfp,
					    int nid, const uint64_t *nodemask);
/* Free nr_pages pages from pfn (from either of the above); a bad range is reported, nothing freed.
 */
KMM_API void kmm_free_contig_range(kmm_machine *m, unsigned long pfn, unsigned long nr_pages);

/* ---- CMA ---------------------------------------------------------------------------------- */

/*
 * The machine's CMA area (machine key cma=SIZE): pageblocks of
 * MIGRATE_CMA that only movable allocations may borrow. cma_alloc takes
 * count pages aligned to 2^align pages, migrating borrowers out; NULL when
 * it cannot (reported unless no_warn). cma_release gives them back: false
 * (reported) for pages that are not an allocation of the area.
 */
KMM_API struct page *kmm_cma_alloc(kmm_machine *m, unsigned long count, unsigned int align,
				   bool no_warn);
KMM_API bool kmm_cma_release(kmm_machine *m, const struct page *pages, unsigned long count);
/* The area: first pfn, pages, pages allocated by cma_alloc; KMM_EINVAL without an area. */
KMM_API int kmm_cma_info(kmm_machine *m, unsigned long *base_pfn, unsigned long *count,
			 unsigned long *allocated);

#ifdef __cplusplus
}
#endif

#endif /* KMM_COMPACTION_H */

/*
 * The kernel's names, bound to the default machine, once <kmm/linux.h> is
 * included (before or after this header). cma_alloc and cma_release take
 * the kernel's struct cma *: kmm has one area per machine, so any value
 * (dma_contiguous_default_area, NULL) names it.
 */
#if defined(KMM_LINUX_H) && !defined(KMM_COMPACTION_LINUX_H)
#define KMM_COMPACTION_LINUX_H

#ifdef __cplusplus
extern "C" {
#endif

#define MIGRATE_ASYNC KMM_MIGRATE_ASYNC
#define MIGRATE_SYNC_LIGHT KMM_MIGRATE_SYNC_LIGHT
#define MIGRATE_SYNC KMM_MIGRATE_SYNC
#define MR_COMPACTION KMM_MR_COMPACTION
#define MR_CONTIG_RANGE KMM_MR_CONTIG_RANGE
#define ISOLATE_ASYNC_MIGRATE KMM_ISOLATE_ASYNC_MIGRATE
#define ACR_FLAGS_NONE KMM_ACR_FLAGS_NONE
#define ACR_FLAGS_CMA KMM_ACR_FLAGS_CMA
typedef kmm_isolate_mode_t isolate_mode_t;
typedef unsigned int acr_flags_t;
struct cma;
#define dma_contiguous_default_area ((struct cma *)0)

static inline int alloc_contig_range(unsigned long start, unsigned long end,
				     acr_flags_t alloc_flags, gfp_t gfp_mask)
{
	return kmm_alloc_contig_range(__kmm_m, start, end, alloc_flags, gfp_mask);
}

static inline struct page *alloc_contig_pages(unsigned long nr_pages, gfp_t gfp_mask, int nid,
					      const uint64_t *nodemask)
{
	return kmm_alloc_contig_pages(__kmm_m, nr_pages, gfp_mask, nid, nodemask);
}

static inline void free_contig_range(unsigned long pfn, unsigned long nr_pages)
{
	kmm_free_contig_range(__kmm_m, pfn, nr_pages);
}

static inline struct page *cma_alloc(struct cma *cma, unsigned long count, unsigned int align,
				     bool no_warn)
{
	(void)cma;
	return kmm_cma_alloc(__kmm_m, count, align, no_warn);
}

static inline bool cma_release(struct cma *cma, const struct page *pages, unsigned long count)
{
	(void)cma;
	return kmm_cma_release(__kmm_m, pages, count);
}

#ifdef __cplusplus
}
#endif

#endif /* KMM_LINUX_H && !KMM_COMPACTION_LINUX_H */
