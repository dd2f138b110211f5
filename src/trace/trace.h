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
#define trace_enabled(m) (KMM_TRACEPOINTS && unlikely((m)->trace_fn != NULL))

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

#endif /* KMM_TRACE_TRACE_H */
