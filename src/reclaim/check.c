/* SPDX-License-Identifier: MIT */
/*
 * reclaim/check.c - kmm_check's walker for the reclaim layer.
 *
 * Under the shrinker lock, the shrinker list: every back link, a reference
 * held by each registered shrinker, the owning machine, and the count.
 * Under each zone's lock, the page-reporting accounting: every page with
 * PG_reported is the head of a free block, and the reported blocks' pages
 * sum to zone->nr_reported. The memmap walk stops at the node's first
 * deferred pfn (those descriptors may be written concurrently) and tests
 * validity once per section. Last, each node's kswapd_failures is sane.
 */
#include "log.h"
#include "reclaim/reclaim.h"

int reclaim_check(struct kmm_machine *m)
{
	struct kmm_reclaim *r = m->reclaim;
	char msgs[4][160];
	int problems = 0, nmsgs = 0;
	unsigned int n = 0;

#define RECLAIM_PROBLEM(...)                                                       \
	do {                                                                       \
		if (nmsgs < 4)                                                     \
			kmm_snprintf(msgs[nmsgs++], sizeof(msgs[0]), __VA_ARGS__); \
		problems++;                                                        \
	} while (0)

	kmm_spin_lock(&r->shrinker_lock);
	for (struct shrinker *s = r->shrinkers, *prev = NULL; s; prev = s, s = s->next) {
		if (++n > r->nr_shrinkers + 1)
			break;
		if (s->prev != prev)
			RECLAIM_PROBLEM("shrinker %s: broken back link", s->name);
		if (s->refcount == 0)
			RECLAIM_PROBLEM("shrinker %s: on the list with no reference", s->name);
		if (s->machine != m)
			RECLAIM_PROBLEM("shrinker %s: belongs to another machine", s->name);
	}
	if (n != r->nr_shrinkers)
		RECLAIM_PROBLEM("%u shrinkers on the list, %u counted", n, r->nr_shrinkers);
	kmm_spin_unlock(&r->shrinker_lock);

	for_each_zone_m (m, zone) {
		unsigned long reported = 0;

		if (!zone_is_populated(zone))
			continue;
		unsigned long end;

		kmm_spin_lock(&zone->lock);
		/* descriptors not yet initialized (page/deferred.c) may be written now */
		end = MIN(zone_end_pfn(zone),
			  __atomic_load_n(&m->node_data[zone->node]->first_deferred_pfn,
					  __ATOMIC_ACQUIRE));
		for (unsigned long pfn = zone->zone_start_pfn; pfn < end; pfn++) {
			const struct page *p;

			/* validity is per section: test it at each section's first pfn */
			if (((pfn & (PAGES_PER_SECTION - 1)) == 0 || pfn == zone->zone_start_pfn) &&
			    !pfn_valid(m, pfn)) {
				pfn = ALIGN_UP(pfn + 1, PAGES_PER_SECTION) - 1;
				continue;
			}
			p = pfn_to_page(m, pfn);
			if (!page_test(p, PG_reported))
				continue;
			if (!page_test(p, PG_buddy)) {
				RECLAIM_PROBLEM("pfn %#lx: reported but not a free block head",
						pfn);
				continue;
			}
			reported += 1ul << buddy_order(p);
		}
		if (reported != zone->nr_reported)
			RECLAIM_PROBLEM("Node %d %s: %lu reported free pages, counter says %lu",
					zone->node, zone->name, reported, zone->nr_reported);
		kmm_spin_unlock(&zone->lock);
	}
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		const struct reclaim_node *rn = reclaim_node(m, nid);
		int failures = __atomic_load_n(kswapd_failures(rn), __ATOMIC_RELAXED);

		if (failures < 0 || failures > 1000000)
			RECLAIM_PROBLEM("node %d: kswapd_failures %d", nid, failures);
	}
#undef RECLAIM_PROBLEM
	for (int i = 0; i < nmsgs; i++)
		kmm_log(m, "kmm_check: reclaim: %s\n", msgs[i]);
	return problems;
}
