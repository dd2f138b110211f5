/* SPDX-License-Identifier: MIT */
/*
 * page/deferred.h - struct page initialization, at boot and deferred
 * (Linux's CONFIG_DEFERRED_STRUCT_PAGE_INIT): see deferred.c.
 */
#ifndef KMM_PAGE_DEFERRED_H
#define KMM_PAGE_DEFERRED_H

#include "machine.h"
#include "page/mmzone.h"

/* Does this zone still have descriptors waiting to be initialized? */
static inline bool zone_has_deferred(const struct zone *z)
{
	return __atomic_load_n(&z->deferred_pages, __ATOMIC_RELAXED) != 0;
}

/* Is pfn (of node nid) still uninitialized? */
static inline bool pfn_deferred(const struct kmm_machine *m, int nid, unsigned long pfn)
{
	return pfn >= __atomic_load_n(&m->node_data[nid]->first_deferred_pfn, __ATOMIC_ACQUIRE);
}

/* Boot: choose each node's first deferred pfn (all ULONG_MAX when off). */
void deferred_setup(struct kmm_machine *m);
/* Boot: descriptors of node nid's backed pfns in [start, end), reserved. */
void memmap_init_range(struct kmm_machine *m, int nid, unsigned long start, unsigned long end);
/*
 * Hand the RAM pages of [start, end) in `zone` that the boot allocator did
 * not take to the buddy lists, in the largest aligned blocks; returns how
 * many. The caller holds zone->lock when anything else may run.
 */
unsigned long memmap_free_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
				unsigned long end);

/*
 * Initialize at least 2^order more pages of zone (a section at a time) if
 * it has deferred ones; true when it grew (or another thread did), so the
 * caller retries. Linux's deferred_grow_zone.
 */
bool deferred_grow_zone(struct kmm_machine *m, struct zone *zone, unsigned int order);
/* Initialize the sections up to and including pfn's, if it is deferred. */
void deferred_init_pfn(struct kmm_machine *m, unsigned long pfn);
/* Initialize everything still deferred (Linux's deferred_init_memmap). */
void deferred_init_all(struct kmm_machine *m);
/* kmm_check's part: the deferred state of every node. Problems found. */
int deferred_check(struct kmm_machine *m);

#endif /* KMM_PAGE_DEFERRED_H */
