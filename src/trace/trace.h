/* SPDX-License-Identifier: MIT */
/*
 * trace/trace.h - the tracepoints of kmm's allocation paths.
 *
 * Each hook is a static inline that tests one field of the machine
 * (m->trace_fn, NULL unless someone called kmm_trace_set_callback) under
 * unlikely(), so with tracing off an allocation pays one predicted branch
 * and the arguments are never formatted. The out-of-line __trace_*
 * functions (trace/trace.c) build the record and the kernel-format text
 * and call the callback; they run after the allocator has dropped every
 * lock, so a callback may take its own locks and write files.
 *
 * Hooks are written so that each call site in the allocator files is one
 * line: the allocating hooks take the result and return it
 * (return trace_kmalloc(m, size, gfp, nid, __kmalloc(...));).
 *
 * Where the hooks sit (and where that departs from Linux, docs/replay.md):
 *  - mm_page_alloc: the public page API (kmm_alloc_pages*, __get_free_pages),
 *    failures included (pfn -1 as the kernel prints it). The slab layer's
 *    own page allocations call __alloc_pages directly and are not traced,
 *    so a kmm trace replays without counting slab pages twice.
 *  - mm_page_free: the public free calls, when the reference dropped is
 *    the last one (the block is really freed).
 *  - kmalloc / kmem_cache_alloc: after the allocation (ptr NULL on failure),
 *    krealloc/kmemdup/kstrdup included; kfree / kmem_cache_free: before the
 *    free, NULL included; bulk calls: one event per object.
 *  - compaction and migration (trace/compaction.c): where mm/compaction.c
 *    and mm/migrate.c fire them; docs/compaction.md lists the places.
 */
#ifndef KMM_TRACE_TRACE_H
#define KMM_TRACE_TRACE_H

/*
 * KMM_TRACEPOINTS=0 (cmake -DKMM_TRACEPOINTS=OFF, and libkmm-notrace.so)
 * compiles every hook out: the test below is constant false and the call
 * and its arguments vanish, so `kmm bench trace` can measure what the
 * disabled hooks cost against code without them.
 */
#ifndef KMM_TRACEPOINTS
#define KMM_TRACEPOINTS 1
#endif
/* A relaxed atomic load (a plain load on x86): kcompactd's thread tests it while
 * kmm_trace_set_callback may change it. */
#define trace_enabled(m) \
	(KMM_TRACEPOINTS && unlikely(__atomic_load_n(&(m)->trace_fn, __ATOMIC_RELAXED) != NULL))

#include "lib/compiler.h"
#include "machine.h"
#include <kmm/trace.h>

struct kmem_cache;

void __trace_page_alloc(struct kmm_machine *m, struct page *page, unsigned int order, gfp_t gfp);
void __trace_page_free(struct kmm_machine *m, struct page *page, unsigned int order);
void __trace_kmalloc(struct kmm_machine *m, const void *ptr, size_t size, gfp_t gfp, int nid);
void __trace_kfree(struct kmm_machine *m, const void *ptr);
void __trace_cache_alloc(struct kmm_machine *m, struct kmem_cache *s, const void *ptr, gfp_t gfp,
			 int nid);
void __trace_cache_free(struct kmm_machine *m, struct kmem_cache *s, const void *ptr);
/* Fill in cpu, time and text of r and hand it to the callback (trace.c). */
void trace_emit(struct kmm_machine *m, struct kmm_trace_record *r, char *text, int len);

/* ---- compaction and migration (trace/compaction.c) ---- */
struct zone;
void __trace_compaction_range(struct kmm_machine *m, int kind, unsigned long zone_start,
			      unsigned long migrate_pfn, unsigned long free_pfn,
			      unsigned long zone_end, bool sync, int status);
void __trace_compaction_isolate(struct kmm_machine *m, int kind, unsigned long start_pfn,
				unsigned long end_pfn, unsigned long nr_scanned,
				unsigned long nr_taken);
void __trace_compaction_migratepages(struct kmm_machine *m, unsigned long nr_migratepages,
				     unsigned long nr_succeeded);
void __trace_compaction_try(struct kmm_machine *m, int order, gfp_t gfp, int prio);
void __trace_compaction_zone_result(struct kmm_machine *m, int kind, const struct zone *zone,
				    int order, int ret);
void __trace_compaction_defer(struct kmm_machine *m, int kind, const struct zone *zone, int order);
void __trace_kcompactd(struct kmm_machine *m, int kind, int nid, int order, int highest_zoneidx);
void __trace_migrate_pages(struct kmm_machine *m, int kind, unsigned long succeeded,
			   unsigned long failed, int mode, int reason);

static inline struct page *trace_page_alloc(struct kmm_machine *m, struct page *page,
					    unsigned int order, gfp_t gfp)
{
	if (trace_enabled(m))
		__trace_page_alloc(m, page, order, gfp);
	return page;
}

static inline void trace_page_free(struct kmm_machine *m, struct page *page, unsigned int order)
{
	if (trace_enabled(m))
		__trace_page_free(m, page, order);
}

static inline void *trace_kmalloc(struct kmm_machine *m, size_t size, gfp_t gfp, int nid, void *ptr)
{
	if (trace_enabled(m))
		__trace_kmalloc(m, ptr, size, gfp, nid);
	return ptr;
}

static inline void trace_kfree(struct kmm_machine *m, const void *ptr)
{
	if (trace_enabled(m))
		__trace_kfree(m, ptr);
}

static inline void *trace_cache_alloc(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp,
				      int nid, void *ptr)
{
	if (trace_enabled(m))
		__trace_cache_alloc(m, s, ptr, gfp, nid);
	return ptr;
}

static inline void trace_cache_free(struct kmm_machine *m, struct kmem_cache *s, const void *ptr)
{
	if (trace_enabled(m))
		__trace_cache_free(m, s, ptr);
}

/* Bulk calls: one event per object, so that a recording replays (docs/replay.md). */
static inline void trace_cache_alloc_bulk(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp,
					  size_t nr, void **p)
{
	if (trace_enabled(m))
		for (size_t i = 0; i < nr; i++)
			__trace_cache_alloc(m, s, p[i], gfp, -1);
}

static inline void trace_cache_free_bulk(struct kmm_machine *m, struct kmem_cache *s, size_t nr,
					 void **p)
{
	if (trace_enabled(m))
		for (size_t i = 0; i < nr; i++)
			if (p[i])
				__trace_cache_free(m, s, p[i]);
}

/*
 * Compaction and migration: one hook per kernel event, named as the
 * kernel's trace_mm_* calls are; the fields are the kernel's.
 */
static inline void trace_mm_compaction_begin(struct kmm_machine *m, unsigned long zone_start,
					     unsigned long migrate_pfn, unsigned long free_pfn,
					     unsigned long zone_end, bool sync)
{
	if (trace_enabled(m))
		__trace_compaction_range(m, KMM_EV_MM_COMPACTION_BEGIN, zone_start, migrate_pfn,
					 free_pfn, zone_end, sync, 0);
}

static inline void trace_mm_compaction_end(struct kmm_machine *m, unsigned long zone_start,
					   unsigned long migrate_pfn, unsigned long free_pfn,
					   unsigned long zone_end, bool sync, int status)
{
	if (trace_enabled(m))
		__trace_compaction_range(m, KMM_EV_MM_COMPACTION_END, zone_start, migrate_pfn,
					 free_pfn, zone_end, sync, status);
}

static inline void trace_mm_compaction_isolate_migratepages(struct kmm_machine *m,
							    unsigned long start_pfn,
							    unsigned long end_pfn,
							    unsigned long nr_scanned,
							    unsigned long nr_taken)
{
	if (trace_enabled(m))
		__trace_compaction_isolate(m, KMM_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES, start_pfn,
					   end_pfn, nr_scanned, nr_taken);
}

static inline void trace_mm_compaction_isolate_freepages(struct kmm_machine *m,
							 unsigned long start_pfn,
							 unsigned long end_pfn,
							 unsigned long nr_scanned,
							 unsigned long nr_taken)
{
	if (trace_enabled(m))
		__trace_compaction_isolate(m, KMM_EV_MM_COMPACTION_ISOLATE_FREEPAGES, start_pfn,
					   end_pfn, nr_scanned, nr_taken);
}

static inline void trace_mm_compaction_migratepages(struct kmm_machine *m,
						    unsigned long nr_migratepages,
						    unsigned long nr_succeeded)
{
	if (trace_enabled(m))
		__trace_compaction_migratepages(m, nr_migratepages, nr_succeeded);
}

static inline void trace_mm_compaction_try_to_compact_pages(struct kmm_machine *m, int order,
							    gfp_t gfp, int prio)
{
	if (trace_enabled(m))
		__trace_compaction_try(m, order, gfp, prio);
}

static inline void trace_mm_compaction_finished(struct kmm_machine *m, const struct zone *zone,
						int order, int ret)
{
	if (trace_enabled(m))
		__trace_compaction_zone_result(m, KMM_EV_MM_COMPACTION_FINISHED, zone, order, ret);
}

static inline void trace_mm_compaction_suitable(struct kmm_machine *m, const struct zone *zone,
						int order, int ret)
{
	if (trace_enabled(m))
		__trace_compaction_zone_result(m, KMM_EV_MM_COMPACTION_SUITABLE, zone, order, ret);
}

static inline void trace_mm_compaction_deferred(struct kmm_machine *m, const struct zone *zone,
						int order)
{
	if (trace_enabled(m))
		__trace_compaction_defer(m, KMM_EV_MM_COMPACTION_DEFERRED, zone, order);
}

static inline void trace_mm_compaction_defer_compaction(struct kmm_machine *m,
							const struct zone *zone, int order)
{
	if (trace_enabled(m))
		__trace_compaction_defer(m, KMM_EV_MM_COMPACTION_DEFER_COMPACTION, zone, order);
}

static inline void trace_mm_compaction_defer_reset(struct kmm_machine *m, const struct zone *zone,
						   int order)
{
	if (trace_enabled(m))
		__trace_compaction_defer(m, KMM_EV_MM_COMPACTION_DEFER_RESET, zone, order);
}

static inline void trace_mm_compaction_kcompactd_sleep(struct kmm_machine *m, int nid)
{
	if (trace_enabled(m))
		__trace_kcompactd(m, KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP, nid, 0, 0);
}

static inline void trace_mm_compaction_wakeup_kcompactd(struct kmm_machine *m, int nid, int order,
							int highest_zoneidx)
{
	if (trace_enabled(m))
		__trace_kcompactd(m, KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD, nid, order,
				  highest_zoneidx);
}

static inline void trace_mm_compaction_kcompactd_wake(struct kmm_machine *m, int nid, int order,
						      int highest_zoneidx)
{
	if (trace_enabled(m))
		__trace_kcompactd(m, KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE, nid, order,
				  highest_zoneidx);
}

static inline void trace_mm_migrate_pages_start(struct kmm_machine *m, int mode, int reason)
{
	if (trace_enabled(m))
		__trace_migrate_pages(m, KMM_EV_MM_MIGRATE_PAGES_START, 0, 0, mode, reason);
}

static inline void trace_mm_migrate_pages(struct kmm_machine *m, unsigned long succeeded,
					  unsigned long failed, int mode, int reason)
{
	if (trace_enabled(m))
		__trace_migrate_pages(m, KMM_EV_MM_MIGRATE_PAGES, succeeded, failed, mode, reason);
}

#endif /* KMM_TRACE_TRACE_H */
