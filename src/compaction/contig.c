/* SPDX-License-Identifier: MIT */
/*
 * compaction/contig.c - contiguous allocation: alloc_contig_range,
 * alloc_contig_pages and free_contig_range (mm/page_alloc.c and
 * mm/page_isolation.c).
 *
 * alloc_contig_range(start, end):
 *   1. the bounds are checked (start < end, inside one zone, every pfn
 *      with a descriptor, none deferred); bad bounds are reported and
 *      nothing changes;
 *   2. the pageblocks covering the range are isolated
 *      (start_isolate_page_range): each must hold only free pages and
 *      movable pages (has_unmovable_pages), else nothing is isolated and
 *      the call fails with KMM_EBUSY; an isolated pageblock's free blocks
 *      move to the MIGRATE_ISOLATE lists, and pages freed into it later go
 *      there too, so no allocation can take them; the per-CPU lists are
 *      drained;
 *   3. the movable pages of the range are migrated out (MIGRATE_SYNC,
 *      MR_CONTIG_RANGE), their new frames allocated outside the range, up
 *      to five rounds;
 *   4. every page of the range must now be free (test_pages_isolated); the
 *      free blocks are taken off the lists, split at the range's ends (the
 *      pieces outside go back), and each page of the range becomes an
 *      allocated order-0 page with one reference;
 *   5. the pageblocks get their type back (MIGRATE_MOVABLE, or MIGRATE_CMA
 *      for a CMA range) and their remaining free blocks return to it.
 *   On failure after step 2 every isolated page is put back and the
 *   isolation undone: the zone's free pages are what they were, less only
 *   what concurrent users took.
 * alloc_contig_pages(nr, gfp, nid, nodemask) tries ranges of nr pages,
 * aligned to nr rounded up to a power of two, from the start of each zone
 * of the zonelist, skipping ranges where a quick look sees an unmovable
 * page. free_contig_range frees nr order-0 pages - after checking every one
 * of them first, so a bad range changes nothing.
 */
#include "compaction/compaction.h"
#include "page/deferred.h"
#include "page/pcp.h"
#include "trace/trace.h"

#define CONTIG_MIGRATE_TRIES 5

static inline unsigned long pb_start(unsigned long pfn)
{
	return ALIGN_DOWN(pfn, pageblock_nr_pages);
}

/* The zone all of [start, end) is in, or NULL (reported as bad bounds by the caller). */
static struct zone *range_zone(struct kmm_machine *m, unsigned long start, unsigned long end)
{
	unsigned long run_end;
	struct zone *zone;

	if (start >= end || end > m->max_pfn || !pfn_valid(m, start) || !pfn_valid(m, end - 1))
		return NULL;
	for (unsigned long sec = start; sec < end; sec += PAGES_PER_SECTION)
		if (!pfn_valid(m, sec))
			return NULL;
	if (pfn_deferred_any(m, end - 1, &run_end) || pfn_deferred_any(m, start, &run_end))
		return NULL;
	zone = page_zone(m, pfn_to_page(m, start));
	if (!zone_spans_pfn(zone, start) || !zone_spans_pfn(zone, end - 1) ||
	    page_zone(m, pfn_to_page(m, end - 1)) != zone)
		return NULL;
	return zone;
}

/* has_unmovable_pages for [start, end) of a pageblock; zone->lock held. */
static bool block_has_unmovable(struct kmm_machine *m, struct zone *zone, unsigned long start,
				unsigned long end)
{
	for (unsigned long pfn = start; pfn < end;) {
		const struct page *page = pfn_to_page(m, pfn);
		uint32_t f = page_flags(page);

		if (f & (1u << PG_buddy)) {
			pfn += 1ul << buddy_order(page);
			continue;
		}
		if (f & (1u << PG_pcp)) { /* free, on a per-CPU list: drained below */
			pfn++;
			continue;
		}
		if (page_zonenum(page) != (unsigned int)zone->idx ||
		    page_nid(page) != (unsigned int)zone->node || (f & (1u << PG_reserved)))
			return true;
		if (!page_is_movable(m, page) && !(f & (1u << PG_movable_ops_isolated)))
			return true;
		pfn++;
	}
	return false;
}

static void undo_isolate_page_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
				    unsigned long end, int mt)
{
	kmm_spin_lock(&zone->lock);
	for (unsigned long pfn = pb_start(start); pfn < end; pfn += pageblock_nr_pages) {
		if (get_pageblock_migratetype(zone, pfn) != MIGRATE_ISOLATE)
			continue;
		set_pageblock_migratetype(zone, pfn, mt);
		move_freepages_block(m, zone, pfn, mt, NULL);
	}
	kmm_spin_unlock(&zone->lock);
}

/* start_isolate_page_range: KMM_OK, or KMM_EBUSY with nothing isolated. */
static int start_isolate_page_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
				    unsigned long end, bool cma)
{
	unsigned long first = MAX(pb_start(start), zone->zone_start_pfn);
	unsigned long pfn;
	int ret = KMM_OK;

	kmm_spin_lock(&zone->lock);
	for (pfn = pb_start(start); pfn < end; pfn += pageblock_nr_pages) {
		unsigned long s = MAX(pfn, first),
			      e = MIN(pfn + pageblock_nr_pages, zone_end_pfn(zone));
		int mt = get_pageblock_migratetype(zone, pfn);

		/* someone else isolates it (another contig range), or it is not ours to take */
		if (mt == MIGRATE_ISOLATE || mt == MIGRATE_HIGHATOMIC ||
		    (mt == MIGRATE_CMA) != cma || block_has_unmovable(m, zone, s, e)) {
			ret = KMM_EBUSY;
			break;
		}
		set_pageblock_migratetype(zone, pfn, MIGRATE_ISOLATE);
		move_freepages_block(m, zone, pfn, MIGRATE_ISOLATE, NULL);
	}
	kmm_spin_unlock(&zone->lock);
	if (ret)
		undo_isolate_page_range(m, zone, start, pfn, cma ? MIGRATE_CMA : MIGRATE_MOVABLE);
	return ret;
}

/* A new frame for a page leaving the range: anywhere but an isolated pageblock. */
static struct page *alloc_migration_target(struct kmm_machine *m, struct page *src, void *priv)
{
	(void)priv;
	return kmm_alloc_pages_node(m, (int)page_nid(src),
				    GFP_KERNEL | __GFP_MOVABLE | __GFP_NOWARN | __GFP_RETRY_MAYFAIL,
				    0);
}

static void free_migration_target(struct kmm_machine *m, struct page *dst, void *priv)
{
	(void)priv;
	kmm_free_pages(m, dst, 0);
}

/* __alloc_contig_migrate_range: 0 when no movable page is left in the range. */
static int migrate_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
			 unsigned long end)
{
	struct migrate_list list;

	for (int tries = 0; tries < CONTIG_MIGRATE_TRIES; tries++) {
		unsigned long pfn = start;
		bool left = false;

		while (pfn < end) {
			unsigned long cand[COMPACT_CLUSTER_MAX];
			unsigned int ncand = 0;

			kmm_spin_lock(&zone->lock);
			for (; pfn < end && ncand < COMPACT_CLUSTER_MAX;) {
				const struct page *page = pfn_to_page(m, pfn);

				if (page_test(page, PG_buddy)) {
					pfn += 1ul << buddy_order(page);
					continue;
				}
				if (page_is_movable(m, page))
					cand[ncand++] = pfn;
				pfn++;
			}
			kmm_spin_unlock(&zone->lock);
			list.nr = 0;
			for (unsigned int i = 0; i < ncand; i++)
				if (isolate_movable_page(m, pfn_to_page(m, cand[i]), 0))
					list.pfn[list.nr++] = cand[i];
			if (ncand > list.nr)
				left = true;
			if (!list.nr)
				continue;
			if (migrate_pages(m, &list, alloc_migration_target, free_migration_target,
					  NULL, KMM_MIGRATE_SYNC, KMM_MR_CONTIG_RANGE, NULL) != 0) {
				putback_movable_pages(m, &list);
				left = true;
			}
		}
		if (!left)
			return 0;
	}
	return KMM_EBUSY;
}

/* test_pages_isolated: every page of [start, end) is in a free block. zone->lock held. */
static bool range_free(struct kmm_machine *m, unsigned long start, unsigned long end);

/* Free [s, e) as the largest aligned blocks that fit. zone->lock held. */
static void free_pieces(struct kmm_machine *m, struct zone *zone, unsigned long s, unsigned long e)
{
	while (s < e) {
		unsigned int o = 0;

		while (o < MAX_ORDER && !(s & ((2ul << o) - 1)) && s + (2ul << o) <= e)
			o++;
		__free_one_page(m, zone, s, o, get_pageblock_migratetype(zone, s));
		s += 1ul << o;
	}
}

/* The free block holding pfn start, or start itself. zone->lock held. */
static unsigned long free_block_head(struct kmm_machine *m, unsigned long start)
{
	for (int o = MAX_ORDER; o >= 0; o--) {
		unsigned long head = ALIGN_DOWN(start, 1ul << o);
		const struct page *p = pfn_to_page(m, head);

		if (page_test(p, PG_buddy) && buddy_order(p) == (unsigned int)o)
			return head;
	}
	return start;
}

/* Take the free blocks of [start, end) off the lists; the parts outside go back. zone->lock held.
 */
static void take_free_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
			    unsigned long end)
{
	unsigned long pfn = free_block_head(m, start);

	while (pfn < end) {
		unsigned int order = __isolate_free_page(m, zone, pfn, false) - 1;
		unsigned long bend = pfn + (1ul << order);

		if (pfn < start)
			free_pieces(m, zone, pfn, start);
		if (bend > end)
			free_pieces(m, zone, end, bend);
		pfn = bend;
	}
}

static bool range_free(struct kmm_machine *m, unsigned long start, unsigned long end)
{
	unsigned long pfn = free_block_head(m, start);

	while (pfn < end) {
		const struct page *page = pfn_to_page(m, pfn);

		if (!page_test(page, PG_buddy))
			return false;
		pfn += 1ul << buddy_order(page);
	}
	return true;
}

static int __alloc_contig_range(struct kmm_machine *m, unsigned long start, unsigned long end,
				bool cma, const char *caller)
{
	struct zone *zone = range_zone(m, start, end);
	int mt = cma ? MIGRATE_CMA : MIGRATE_MOVABLE;
	int ret;

	if (!zone) {
		kmm_report_bad_call(m,
				    "%s: [%#lx, %#lx) is not a range of one zone of this machine",
				    caller, start, end);
		return KMM_EINVAL;
	}
	might_sleep();
	__atomic_add_fetch(&m->compact->contig_in_progress, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&m->compact->changes, 1, __ATOMIC_ACQ_REL);
	ret = start_isolate_page_range(m, zone, start, end, cma);
	if (ret)
		goto out;
	drain_all_pages_m(m, zone);
	ret = migrate_range(m, zone, start, end);
	if (!ret) {
		drain_all_pages_m(m, zone);
		kmm_spin_lock(&zone->lock);
		if (range_free(m, start, end))
			take_free_range(m, zone, start, end);
		else
			ret = KMM_EBUSY;
		kmm_spin_unlock(&zone->lock);
	}
	undo_isolate_page_range(m, zone, start, end, mt);
	if (!ret) {
		for (unsigned long pfn = start; pfn < end; pfn++) {
			struct page *page = pfn_to_page(m, pfn);

			set_page_count(page, 1);
			set_page_alloc_info(page, 0, MIGRATE_MOVABLE);
			trace_page_alloc(m, page, 0, GFP_KERNEL | __GFP_MOVABLE);
		}
		WRITE_ONCE(zone->pgalloc, zone->pgalloc + (end - start));
	}
out:
	__atomic_sub_fetch(&m->compact->contig_in_progress, 1, __ATOMIC_ACQ_REL);
	return ret;
}

int alloc_contig_range_m(struct kmm_machine *m, unsigned long start, unsigned long end, bool cma)
{
	return __alloc_contig_range(m, start, end, cma, cma ? "cma_alloc" : "alloc_contig_range");
}

int kmm_alloc_contig_range(kmm_machine *m, unsigned long start, unsigned long end,
			   unsigned int acr_flags, kmm_gfp_t gfp)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return KMM_EINVAL;
	if (!m->compact)
		return KMM_ENOSYS;
	if (acr_flags & ~KMM_ACR_FLAGS_CMA) {
		kmm_report_bad_call(m, "alloc_contig_range: unknown acr_flags %#x", acr_flags);
		return KMM_EINVAL;
	}
	(void)gfp;
	return __alloc_contig_range(m, start, end, acr_flags & KMM_ACR_FLAGS_CMA,
				    "alloc_contig_range");
}

/* A quick, unlocked look: could [start, start + nr) be allocated (pfn_range_valid_contig)? */
static bool pfn_range_valid_contig(struct kmm_machine *m, struct zone *zone, unsigned long start,
				   unsigned long nr)
{
	for (unsigned long pfn = start; pfn < start + nr; pfn++) {
		const struct page *page;
		uint32_t f;

		if ((pfn & (PAGES_PER_SECTION - 1)) == 0 || pfn == start) {
			if (!pfn_valid(m, pfn))
				return false;
		}
		page = pfn_to_page(m, pfn);
		f = page_flags(page);
		if (page_zonenum(page) != (unsigned int)zone->idx ||
		    page_nid(page) != (unsigned int)zone->node || (f & (1u << PG_reserved)))
			return false;
		/* free (a block's head, its inner pages, a per-CPU page) or movable */
		if ((f & ((1u << PG_buddy) | (1u << PG_pcp))) || page_ref_count(page) == 0)
			continue;
		if (!page_movable_id(page))
			return false;
	}
	return true;
}

struct page *kmm_alloc_contig_pages(kmm_machine *m, unsigned long nr_pages, kmm_gfp_t gfp, int nid,
				    const uint64_t *nodemask)
{
	unsigned long align = 1;
	int zidx;

	if (!m || m->magic != KMM_MACHINE_MAGIC || !m->compact)
		return NULL;
	if (nr_pages == 0 || nr_pages > m->max_pfn) {
		kmm_report_bad_call(m, "alloc_contig_pages: %lu pages cannot be allocated",
				    nr_pages);
		return NULL;
	}
	if (nid < -1 || nid >= m->nr_nodes) {
		kmm_report_bad_call(m, "alloc_contig_pages: node %d does not exist (nodes 0-%d)",
				    nid, m->nr_nodes - 1);
		return NULL;
	}
	zidx = gfp_zone(gfp);
	if (zidx == ZONE_BAD) {
		kmm_report_bad_call(m, "alloc_contig_pages: invalid gfp mask %#x", gfp);
		return NULL;
	}
	while (align < nr_pages)
		align <<= 1;
	if (nid < 0)
		nid = numa_node_id_m(m);
	for (struct zone *const *zp = m->node_data[nid]->node_zonelists[ZONELIST_FALLBACK].zones;
	     *zp; zp++) {
		struct zone *zone = *zp;
		unsigned long end = zone_end_pfn(zone);
		unsigned long first_deferred = __atomic_load_n(
			&m->node_data[zone->node]->first_deferred_pfn, __ATOMIC_ACQUIRE);

		if ((int)zone->idx > zidx || (nodemask && !((*nodemask >> zone->node) & 1)))
			continue;
		end = MIN(end, first_deferred);
		for (unsigned long pfn = ALIGN_UP(zone->zone_start_pfn, align);
		     pfn + nr_pages <= end; pfn += align) {
			if (!pfn_range_valid_contig(m, zone, pfn, nr_pages))
				continue;
			if (__alloc_contig_range(m, pfn, pfn + nr_pages, false,
						 "alloc_contig_pages") == KMM_OK)
				return pfn_to_page(m, pfn);
		}
	}
	return NULL;
}

/* Every page of [pfn, pfn + nr) an allocated order-0 page with one reference? Reported if not. */
bool contig_range_freeable(struct kmm_machine *m, unsigned long pfn, unsigned long nr,
			   const char *caller)
{
	if (nr == 0 || pfn >= m->max_pfn || nr > m->max_pfn - pfn) {
		kmm_report_bad_call(m, "%s: [%#lx, +%lu) is not a range of this machine", caller,
				    pfn, nr);
		return false;
	}
	for (unsigned long p = pfn; p < pfn + nr; p++) {
		const struct page *page;

		if (((p & (PAGES_PER_SECTION - 1)) == 0 || p == pfn) && !pfn_valid(m, p)) {
			kmm_report_bad_call(m, "%s: pfn %#lx has no page", caller, p);
			return false;
		}
		page = pfn_to_page(m, p);
		if (page_alloc_order(page) != 0 || page_ref_count(page) != 1 ||
		    (page_flags(page) &
		     ((1u << PG_buddy) | (1u << PG_pcp) | (1u << PG_slab) | (1u << PG_head) |
		      (1u << PG_tail) | (1u << PG_movable_ops_isolated)))) {
			bad_page(m, page, "free_contig_range: not an allocated order-0 page");
			return false;
		}
	}
	return true;
}

void kmm_free_contig_range(kmm_machine *m, unsigned long pfn, unsigned long nr_pages)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return;
	if (!contig_range_freeable(m, pfn, nr_pages, "free_contig_range"))
		return;
	for (unsigned long p = pfn; p < pfn + nr_pages; p++)
		kmm_free_pages(m, pfn_to_page(m, p), 0);
}
