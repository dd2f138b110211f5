/* SPDX-License-Identifier: MIT */
/*
 * compaction/check.c - kmm_check's walker for the compaction layer.
 *
 * With no migration, contig range, isolation or putback in progress when
 * the walk starts and none begun by its end (the counts are then exact:
 * kmm_compact.changes), the initialized memmap of every populated zone is
 * walked and:
 *  - every page marked with a movable_operations id is an allocated
 *    order-0 page (not free, not slab, not compound), and its owner is
 *    registered: so a page that migrated away left no mark on its old
 *    frame, which is free (free frames never carry an id);
 *  - the pages marked with each id equal that owner's count, and the
 *    isolated pages (PG_movable_ops_isolated) equal nr_isolated;
 *  - every pageblock skip byte is 0 or 1;
 *  - the CMA area's pageblocks are MIGRATE_CMA (or isolated by a
 *    cma_alloc in progress), its bitmap count equals `allocated`, and every
 *    page there that cma_alloc did not hand out but is allocated was
 *    allocated movable (only movable allocations may borrow CMA).
 * The walk reads only the atomic words of each descriptor (flags,
 * refcount) and stops at each node's first deferred pfn.
 */
#include "compaction/compaction.h"
#include "log.h"

#define CHECK_MSGS 6

struct ccheck {
	int problems, nmsgs;
	char msgs[CHECK_MSGS][200];
};

#define PROBLEM(c, ...)                                                             \
	do {                                                                        \
		if ((c)->nmsgs < CHECK_MSGS)                                        \
			kmm_snprintf((c)->msgs[(c)->nmsgs++], sizeof((c)->msgs[0]), \
				     "kmm_check: compaction: " __VA_ARGS__);        \
		(c)->problems++;                                                    \
	} while (0)

static bool cma_bit(const struct cma_area *cma, unsigned long pfn)
{
	unsigned long i = pfn - cma->base_pfn;

	return (cma->bitmap[i / (8 * sizeof(long))] >> (i % (8 * sizeof(long)))) & 1;
}

int compaction_check(struct kmm_machine *m)
{
	struct kmm_compact *c = m->compact;
	struct cma_area *cma = &c->cma;
	unsigned long marked[KMM_MOVABLE_IDS] = { 0 }, isolated = 0;
	unsigned long changes = __atomic_load_n(&c->changes, __ATOMIC_ACQUIRE);
	bool exact = !__atomic_load_n(&c->migrating, __ATOMIC_ACQUIRE) &&
		     !__atomic_load_n(&c->contig_in_progress, __ATOMIC_ACQUIRE);
	/* what only an exact walk may report, kept apart until the walk is known exact */
	struct ccheck ck = { 0 }, ex = { 0 };

	for_each_zone_m (m, zone) {
		struct compact_zone *cz = compact_zone_of(m, zone);
		unsigned long end, first, last;

		if (!zone_is_populated(zone))
			continue;
		zone_skip_range(zone, &first, &last);
		for (unsigned long i = first; i <= last; i++) {
			uint8_t v = READ_ONCE(cz->skip[i]);

			if (v > 1)
				PROBLEM(&ck, "Node %d, zone %s: pageblock %lu skip byte %u\n",
					zone->node, zone->name, i, v);
		}
		end = MIN(zone_end_pfn(zone),
			  __atomic_load_n(&m->node_data[zone->node]->first_deferred_pfn,
					  __ATOMIC_ACQUIRE));
		for (unsigned long pfn = zone->zone_start_pfn; pfn < end; pfn++) {
			const struct page *page;
			uint32_t f;
			unsigned int id;

			if ((pfn & (PAGES_PER_SECTION - 1)) == 0 || pfn == zone->zone_start_pfn) {
				if (!pfn_valid(m, pfn)) {
					pfn = ALIGN_UP(pfn + 1, PAGES_PER_SECTION) - 1;
					continue;
				}
			}
			page = pfn_to_page(m, pfn);
			f = page_flags(page);
			if (page_zonenum(page) != (unsigned int)zone->idx ||
			    page_nid(page) != (unsigned int)zone->node)
				continue;
			id = (f >> PAGE_MOVABLE_SHIFT) & PAGE_MOVABLE_MASK;
			if (f & (1u << PG_movable_ops_isolated))
				isolated++;
			if (!id) {
				if (exact && (f & (1u << PG_movable_ops_isolated)))
					PROBLEM(&ex, "pfn %#lx is isolated but has no owner\n",
						pfn);
				continue;
			}
			marked[id]++;
			if (!exact)
				continue;
			if (f & ((1u << PG_buddy) | (1u << PG_pcp)))
				PROBLEM(&ex, "pfn %#lx is free but still carries movable id %u\n",
					pfn, id);
			else if ((f & ((1u << PG_slab) | (1u << PG_head) | (1u << PG_tail))) ||
				 page_alloc_order(page) != 0 || page_ref_count(page) <= 0)
				PROBLEM(&ex,
					"pfn %#lx carries movable id %u but is not an allocated "
					"order-0 page\n",
					pfn, id);
			if (!__atomic_load_n(&m->movable[id].ops, __ATOMIC_ACQUIRE))
				PROBLEM(&ex,
					"pfn %#lx carries movable id %u, which is not registered\n",
					pfn, id);
		}
	}
	if (exact) {
		for (unsigned int id = 1; id < KMM_MOVABLE_IDS; id++) {
			unsigned long n = __atomic_load_n(&m->movable[id].pages, __ATOMIC_RELAXED);

			if (n != marked[id])
				PROBLEM(&ex,
					"movable id %u counts %lu pages, the memmap marks %lu\n",
					id, n, marked[id]);
		}
		if (isolated != __atomic_load_n(&c->nr_isolated, __ATOMIC_RELAXED))
			PROBLEM(&ex, "%lu pages isolated, nr_isolated says %lu\n", isolated,
				__atomic_load_n(&c->nr_isolated, __ATOMIC_RELAXED));
	}
	if (cma->count && exact) {
		struct zone *zone = page_zone(m, pfn_to_page(m, cma->base_pfn));
		unsigned long bits = 0;

		kmm_spin_lock(&cma->lock);
		for (unsigned long pfn = cma->base_pfn; pfn < cma->base_pfn + cma->count; pfn++) {
			const struct page *page = pfn_to_page(m, pfn);
			bool bit = cma_bit(cma, pfn);

			bits += bit;
			if ((pfn & (pageblock_nr_pages - 1)) == 0 &&
			    get_pageblock_migratetype(zone, pfn) != MIGRATE_CMA)
				PROBLEM(&ex, "CMA pageblock at pfn %#lx is %s\n", pfn,
					migratetype_names[get_pageblock_migratetype(zone, pfn)]);
			if (!bit && page_alloc_order(page) >= 0 && page_ref_count(page) > 0 &&
			    !(page_flags(page) & (1u << PG_tail)) &&
			    page_alloc_mt(page) != MIGRATE_MOVABLE)
				PROBLEM(&ex, "pfn %#lx of the CMA area holds a %s allocation\n",
					pfn, migratetype_names[page_alloc_mt(page)]);
		}
		if (bits != cma->allocated)
			PROBLEM(&ex, "CMA bitmap holds %lu pages, allocated says %lu\n", bits,
				cma->allocated);
		kmm_spin_unlock(&cma->lock);
	}
	/* a change begun during the walk (kcompactd, kswapd) may have moved what it counted */
	if (exact && __atomic_load_n(&c->changes, __ATOMIC_ACQUIRE) == changes &&
	    !__atomic_load_n(&c->migrating, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&c->contig_in_progress, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < ex.nmsgs && ck.nmsgs < CHECK_MSGS; i++)
			kmm_snprintf(ck.msgs[ck.nmsgs++], sizeof(ck.msgs[0]), "%s", ex.msgs[i]);
		ck.problems += ex.problems;
	}
	for (int i = 0; i < ck.nmsgs; i++)
		kmm_log(m, "%s", ck.msgs[i]);
	return ck.problems;
}
