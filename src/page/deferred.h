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

/*
 * Is pfn's descriptor still deferred (not initialized, or being initialized
 * by a growing allocation)? For walkers of the whole memmap, which must not
 * read such descriptors: growth publishes a section only once it is written.
 * The answer holds for [pfn, *run_end): to the end of pfn's section or
 * node, or to the first deferred pfn, whichever comes first (a node need
 * not start on a section; its first deferred pfn is on a chunk boundary).
 */
static inline bool pfn_deferred_any(const struct kmm_machine *m, unsigned long pfn,
				    unsigned long *run_end)
{
	unsigned long end = ALIGN_DOWN(pfn, PAGES_PER_SECTION) + PAGES_PER_SECTION;

	for (int n = 0; n < m->nr_nodes; n++) {
		const struct pglist_data *pgdat = m->node_data[n];
		unsigned long node_end = pgdat->node_start_pfn + pgdat->node_spanned_pages;

		if (pfn >= pgdat->node_start_pfn && pfn < node_end) {
			unsigned long fdp =
				__atomic_load_n(&pgdat->first_deferred_pfn, __ATOMIC_ACQUIRE);

			*run_end = MIN(end, node_end);
			if (pfn >= fdp)
				return true;
			/* a chunk smaller than a section defers inside one */
			*run_end = MIN(*run_end, fdp);
			return false;
		}
	}
	*run_end = end;
	return false;
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
