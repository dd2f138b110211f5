/* SPDX-License-Identifier: MIT */
/*
 * page/buddy.c - the binary buddy system of one zone.
 *
 * Free memory of a zone is kept as blocks of 2^order pages (order 0..10),
 * each aligned to its size, on free_area[order].free_list[migratetype].
 * The buddy of the block at pfn is the block at pfn ^ (1 << order): the
 * two halves of the aligned block of the next order.
 *
 *  - Allocation (__rmqueue_smallest) takes the first block of the smallest
 *    order that is large enough and splits it (expand): the upper half goes
 *    back to the list of the next lower order, until the block has the size
 *    asked for. Pages come from the head of the list (the hot end).
 *  - Free (__free_one_page) merges the block with its buddy while the buddy
 *    is a free block (PG_buddy) of the same order in the same zone, then
 *    puts the result on the list of its order: at the tail when the next
 *    larger buddy is free too, so it gets a chance to merge further.
 *
 * Anti-fragmentation: each pageblock (2^pageblock_order pages) has a
 * migratetype. A request that finds nothing of its own type steals from
 * another type (__rmqueue_fallback), preferring the largest block, and
 * claims the whole pageblock when the request is unmovable or reclaimable
 * or large, converting the block's type once at least half of it is free or
 * compatible - Linux's rules, so unmovable pages cluster in few blocks.
 *
 * Everything here runs with zone->lock held. Counters: NR_FREE_PAGES moves
 * with every block that enters or leaves the free lists through
 * __free_one_page and __rmqueue (not with moves between lists).
 */
#include "page/internal.h"
#include "reclaim/reclaim.h"

static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

static inline void add_to_free_list(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				    unsigned int order, int mt, bool tail, bool zeroed)
{
	struct page *page = pfn_to_page(m, pfn);
	struct free_area *area = &zone->free_area[order];

	/* a block joins one list once, whole, aligned, unreferenced, inside its zone */
	VM_BUG_ON_PAGE(m, page_test(page, PG_buddy) || page_test(page, PG_pcp), page);
	VM_BUG_ON_PAGE(m, pfn & ((1ul << order) - 1), page);
	VM_BUG_ON_PAGE(m, page_ref_count(page) != 0, page);
	KMM_BUG_ON(m, !zone_spans_pfn(zone, pfn) || pfn + (1ul << order) > zone_end_pfn(zone));
	page->private = order;
	page->u.buddy_mt = (uint8_t)mt;
	page_flags_store(page, (page_flags(page) & ~(1u << PAGE_ZEROED_BIT)) | (1u << PG_buddy) |
				       ((uint32_t)zeroed << PAGE_ZEROED_BIT));
	if (tail)
		page_list_add_tail(m->vmemmap, &area->free_list[mt], (uint32_t)pfn);
	else
		page_list_add(m->vmemmap, &area->free_list[mt], (uint32_t)pfn);
	WRITE_ONCE(area->nr_free, area->nr_free + 1); /* read unlocked by the watermark check */
}

/* Returns whether the block read as zeroes; the mark goes with the block's free state. */
static inline bool del_from_free_list(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				      unsigned int order)
{
	struct page *page = pfn_to_page(m, pfn);
	struct free_area *area = &zone->free_area[order];
	bool zeroed = page_zeroed(page);

	/* only a free block of exactly this order leaves this order's lists */
	VM_BUG_ON_PAGE(m, !page_test(page, PG_buddy) || buddy_order(page) != order, page);
	KMM_BUG_ON(m, area->nr_free == 0);
	page_list_del(m->vmemmap, &area->free_list[page->u.buddy_mt], (uint32_t)pfn);
	if (unlikely(page_test(page, PG_reported))) {
		/* allocated or merged: its memory is in use again (page_reporting.c) */
		page_clear(page, PG_reported);
		WRITE_ONCE(zone->nr_reported, zone->nr_reported - (1ul << order));
		count_vm_events(m, PAGE_REPORTING_REUSED, 1ul << order);
	}
	page_flags_store(page, page_flags(page) & ~((1u << PG_buddy) | (1u << PAGE_ZEROED_BIT)));
	page->private = 0;
	page->u.raw = 0;
	WRITE_ONCE(area->nr_free, area->nr_free - 1);
	return zeroed;
}

static inline void move_to_free_list(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				     unsigned int order, int mt)
{
	struct page *page = pfn_to_page(m, pfn);
	struct free_area *area = &zone->free_area[order];

	page_list_del(m->vmemmap, &area->free_list[page->u.buddy_mt], (uint32_t)pfn);
	page->u.buddy_mt = (uint8_t)mt;
	page_list_add_tail(m->vmemmap, &area->free_list[mt], (uint32_t)pfn);
}

/* Is the page at buddy_pfn a free block of exactly `order` in this zone? */
static inline bool page_is_buddy(const struct kmm_machine *m, const struct zone *zone,
				 unsigned long buddy_pfn, unsigned int order)
{
	const struct page *buddy;

	if (!zone_spans_pfn(zone, buddy_pfn))
		return false;
	buddy = pfn_to_page(m, buddy_pfn);
	return page_test(buddy, PG_buddy) && buddy_order(buddy) == order &&
	       page_zonenum(buddy) == (unsigned int)zone->idx &&
	       page_nid(buddy) == (unsigned int)zone->node;
}

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

static void free_one_page_notify(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				 unsigned int order, int mt, bool report_notify)
{
	bool to_tail = false;
	/* the caller marks a block it frees that reads as zeroes (page.h) */
	bool zeroed = page_zeroed(pfn_to_page(m, pfn));

	KMM_BUG_ON(m, !kmm_spin_is_locked(&zone->lock));
	KMM_BUG_ON(m, order > MAX_ORDER);
	set_page_zeroed(pfn_to_page(m, pfn), false);
	__mod_zone_free_pages(zone, 1l << order);
	while (order < MAX_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1ul << order);

		if (!page_is_buddy(m, zone, buddy_pfn, order))
			break;
		/* Above a pageblock, do not merge isolated or highatomic blocks into others. */
		if (unlikely(order >= pageblock_order)) {
			int buddy_mt = get_pageblock_migratetype(zone, buddy_pfn);

			if (mt != buddy_mt &&
			    (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		/* the merged block reads as zeroes only if both halves do */
		zeroed &= del_from_free_list(m, zone, buddy_pfn, order);
		pfn &= buddy_pfn;
		order++;
		/* the merged block starts at the lower buddy: aligned to its new order */
		KMM_BUG_ON(m, pfn & ((1ul << order) - 1));
	}
	/* If the next larger buddy is free, the block may merge soon: keep it cold. */
	if (order < MAX_ORDER - 1) {
		unsigned long higher = (pfn & ~((2ul << order) - 1)) ^ (2ul << order);

		to_tail =
			zone_spans_pfn(zone, higher) && page_test(pfn_to_page(m, higher), PG_buddy);
	}
	add_to_free_list(m, zone, pfn, order, mt, to_tail, zeroed);
	/* a block big enough to hand back to the host (page_reporting_notify_free) */
	if (unlikely(order >= (unsigned int)m->desc.page_reporting_order) && report_notify)
		page_reporting_notify_free(m, order);
}

void __free_one_page(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
		     unsigned int order, int mt)
{
	free_one_page_notify(m, zone, pfn, order, mt, true);
}

/*
 * Free page reporting (reclaim/page_reporting.c): take up to max free
 * blocks of order/mt that are not yet reported off the lists (they leave
 * NR_FREE_PAGES until put back); zone->lock held.
 */
unsigned int __isolate_unreported(struct kmm_machine *m, struct zone *zone, unsigned int order,
				  int mt, unsigned long *pfns, unsigned int max)
{
	struct page_list *list = &zone->free_area[order].free_list[mt];
	unsigned int n = 0, walked = 0;
	uint32_t pfn;

	page_list_for_each (m->vmemmap, list, pfn) {
		if (n == max || ++walked > 4 * max)
			break;
		if (!page_test(pfn_to_page(m, pfn), PG_reported))
			pfns[n++] = pfn;
	}
	for (unsigned int i = 0; i < n; i++) {
		del_from_free_list(m, zone, pfns[i], order);
		__mod_zone_free_pages(zone, -(1l << order));
	}
	return n;
}

/*
 * Put an isolated block back (merging, without a new notification) and mark
 * it reported; zeroed: the host said its memory now reads as zeroes.
 */
void __putback_reported(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
			unsigned int order, int mt, bool zeroed)
{
	struct page *page = pfn_to_page(m, pfn);

	set_page_zeroed(page, zeroed);
	free_one_page_notify(m, zone, pfn, order, mt, false);
	if (page_test(page, PG_buddy) && buddy_order(page) == order) {
		page_set(page, PG_reported);
		WRITE_ONCE(zone->nr_reported, zone->nr_reported + (1ul << order));
	}
}

/* Memory hotplug (hotplug/offline.c): a free block leaves the free lists for good. */
void __take_free_block(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
		       unsigned int order)
{
	KMM_BUG_ON(m, !kmm_spin_is_locked(&zone->lock));
	del_from_free_list(m, zone, pfn, order);
	__mod_zone_free_pages(zone, -(1l << order));
}

/*
 * Take the free block at pfn off the lists for compaction or a contig range
 * (__isolate_free_page): its order, or 0 after taking nothing (not a free
 * block, or taking it would push the zone below its min watermark).
 * Returns order + 1 so that an order-0 block is told from a refusal. A
 * block of at least half a pageblock turns its pageblocks movable, as
 * compaction's free pages will hold movable pages. zone->lock held.
 */
unsigned int __isolate_free_page(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				 bool check_wmark)
{
	struct page *page = pfn_to_page(m, pfn);
	unsigned int order;
	int mt;

	if (!page_test(page, PG_buddy))
		return 0;
	order = buddy_order(page);
	mt = get_pageblock_migratetype(zone, pfn);
	if (check_wmark && mt != MIGRATE_ISOLATE &&
	    !__zone_watermark_ok(zone, 0, zone->_watermark[WMARK_MIN] + (1ul << order), 0, 0,
				 zone->vm_stat[NR_FREE_PAGES]))
		return 0;
	del_from_free_list(m, zone, pfn, order);
	__mod_zone_free_pages(zone, -(1l << order));
	if (order >= pageblock_order - 1) {
		for (unsigned long p = pfn; p < pfn + (1ul << order); p += pageblock_nr_pages) {
			int bmt = get_pageblock_migratetype(zone, p);

			if (bmt < MIGRATE_PCPTYPES)
				set_pageblock_migratetype(zone, p, MIGRATE_MOVABLE);
		}
	}
	return order + 1;
}

/* Boot and deferred init: memory nobody wrote, zero if the machine's memory started so. */
void __free_boot_block(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
		       unsigned int order)
{
	__mod_zone_free_pages(zone, 1l << order);
	add_to_free_list(m, zone, pfn, order, get_pageblock_migratetype(zone, pfn), true,
			 m->phys_zeroed);
}

/*
 * Split a block of order `high` at pfn down to order `low`: the upper halves
 * go back on the lists of their orders (Linux's expand()).
 */
static inline void expand(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
			  unsigned int low, unsigned int high, int mt, bool zeroed)
{
	unsigned long size = 1ul << high;

	KMM_BUG_ON(m, low > high || (pfn & (size - 1)));
	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(m, zone, pfn + size, high, mt, false, zeroed);
	}
}

unsigned long __rmqueue_smallest(struct kmm_machine *m, struct zone *zone, unsigned int order,
				 int mt)
{
	for (unsigned int cur = order; cur < NR_PAGE_ORDERS; cur++) {
		struct page_list *list = &zone->free_area[cur].free_list[mt];
		unsigned long pfn = list->head;

		if (pfn == KMM_NIL_PFN)
			continue;
		bool zeroed = del_from_free_list(m, zone, pfn, cur);

		expand(m, zone, pfn, order, cur, mt, zeroed);
		/* the taker's head keeps the mark until prep_new_page reads it */
		set_page_zeroed(pfn_to_page(m, pfn), zeroed);
		return pfn;
	}
	return KMM_NIL_PFN;
}

unsigned long move_freepages_block(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				   int mt, unsigned long *num_movable)
{
	unsigned long start = ALIGN_DOWN(pfn, pageblock_nr_pages);
	unsigned long end = start + pageblock_nr_pages;
	unsigned long moved = 0;

	if (num_movable)
		*num_movable = 0;
	start = MAX(start, zone->zone_start_pfn);
	end = MIN(end, zone_end_pfn(zone));
	for (pfn = start; pfn < end;) {
		struct page *page = pfn_to_page(m, pfn);
		unsigned int order;

		if (!page_test(page, PG_buddy)) {
			int ao = page_alloc_order(page);

			if (ao >= 0 && page_alloc_mt(page) == MIGRATE_MOVABLE && num_movable)
				*num_movable += 1ul << ao;
			pfn += ao > 0 ? 1ul << ao : 1;
			continue;
		}
		order = buddy_order(page);
		move_to_free_list(m, zone, pfn, order, mt);
		pfn += 1ul << order;
		moved += 1ul << order;
	}
	return moved;
}

static bool can_steal_fallback(const struct kmm_machine *m, unsigned int order, int start_mt)
{
	if (order >= pageblock_order)
		return true;
	return order >= pageblock_order / 2 || start_mt == MIGRATE_RECLAIMABLE ||
	       start_mt == MIGRATE_UNMOVABLE || !m->desc.mobility_grouping;
}

/* First fallback type with a free block of this order, or -1 (find_suitable_fallback). */
static int find_suitable_fallback(const struct kmm_machine *m, const struct free_area *area,
				  unsigned int order, int mt, bool *can_steal)
{
	*can_steal = false;
	if (area->nr_free == 0)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];

		if (page_list_empty(&area->free_list[fmt]))
			continue;
		*can_steal = can_steal_fallback(m, order, mt);
		return fmt;
	}
	return -1;
}

/*
 * Take the free block at pfn (order `order`, another migratetype) for
 * start_mt: claim its whole pageblock when allowed and worthwhile
 * (steal_suitable_fallback).
 */
static void steal_suitable_fallback(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
				    unsigned int order, int start_mt, bool whole_block)
{
	int old_mt = get_pageblock_migratetype(zone, pfn);
	unsigned long free_pages, movable_pages, alike_pages;

	if (old_mt == MIGRATE_HIGHATOMIC)
		goto single_page;
	if (order >= pageblock_order) {
		/* The block covers whole pageblocks: they all change type. */
		for (unsigned long p = pfn; p < pfn + (1ul << order); p += pageblock_nr_pages)
			set_pageblock_migratetype(zone, p, start_mt);
		count_vm_event(m, PGBLOCK_CLAIMED);
		goto single_page;
	}
	if (!whole_block)
		goto single_page;
	free_pages = move_freepages_block(m, zone, pfn, start_mt, &movable_pages);
	if (start_mt == MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (old_mt == MIGRATE_MOVABLE)
		alike_pages = pageblock_nr_pages - (free_pages + movable_pages);
	else
		alike_pages = 0;
	if (free_pages == 0)
		goto single_page;
	if (free_pages + alike_pages >= (1ul << (pageblock_order - 1)) ||
	    !m->desc.mobility_grouping) {
		set_pageblock_migratetype(zone, pfn, start_mt);
		count_vm_event(m, PGBLOCK_CLAIMED);
	}
	return;
single_page:
	move_to_free_list(m, zone, pfn, order, start_mt);
}

/*
 * Nothing of start_mt is free: steal from another type (__rmqueue_fallback).
 * The largest block is taken, so the pageblock it came from can be claimed
 * whole and later unmovable allocations do not scatter over many blocks.
 */
static bool __rmqueue_fallback(struct kmm_machine *m, struct zone *zone, unsigned int order,
			       int start_mt, unsigned int alloc_flags)
{
	bool can_steal;
	int fmt = -1;
	int cur;

	for (cur = MAX_ORDER; cur >= (int)order; cur--) {
		fmt = find_suitable_fallback(m, &zone->free_area[cur], (unsigned int)cur, start_mt,
					     &can_steal);
		if (fmt < 0)
			continue;
		/* A movable request that cannot claim the block takes the smallest one. */
		if (!can_steal && start_mt == MIGRATE_MOVABLE && cur > (int)order)
			goto find_smallest;
		goto do_steal;
	}
	return false;

find_smallest:
	for (cur = (int)order; cur < NR_PAGE_ORDERS; cur++) {
		fmt = find_suitable_fallback(m, &zone->free_area[cur], (unsigned int)cur, start_mt,
					     &can_steal);
		if (fmt >= 0)
			break;
	}
	if (fmt < 0)
		return false;
do_steal:
	count_vm_event(m, PGSTEAL_FALLBACK);
	/*
	 * A block of another type smaller than a pageblock: fragmentation.
	 * Boost the watermark so kswapd reclaims to undo it (the caller
	 * wakes kswapd after dropping the lock).
	 */
	if (cur < (int)pageblock_order && fmt != start_mt && boost_watermark(m, zone) &&
	    (alloc_flags & ALLOC_KSWAPD))
		WRITE_ONCE(zone->boosted_wmark, true);
	steal_suitable_fallback(m, zone, zone->free_area[cur].free_list[fmt].head,
				(unsigned int)cur, start_mt, can_steal);
	return true;
}

unsigned long __rmqueue(struct kmm_machine *m, struct zone *zone, unsigned int order, int mt,
			unsigned int alloc_flags)
{
	unsigned long pfn;

retry:
	pfn = __rmqueue_smallest(m, zone, order, mt);
	/* movable requests may borrow CMA pageblocks before stealing (__rmqueue_cma_fallback) */
	if (unlikely(pfn == KMM_NIL_PFN) && mt == MIGRATE_MOVABLE && unlikely(machine_has_cma(m)))
		pfn = __rmqueue_smallest(m, zone, order, MIGRATE_CMA);
	if (unlikely(pfn == KMM_NIL_PFN)) {
		if (mt < MIGRATE_PCPTYPES && __rmqueue_fallback(m, zone, order, mt, alloc_flags))
			goto retry;
		return KMM_NIL_PFN;
	}
	return pfn;
}

/*
 * After a high-order atomic allocation succeeds, set its pageblock aside as
 * MIGRATE_HIGHATOMIC so later atomic requests of high order find memory.
 * At most about 1% of the zone is reserved this way (Linux's limit).
 */
void reserve_highatomic_pageblock(struct kmm_machine *m, struct page *page, struct zone *zone)
{
	unsigned long pfn = page_to_pfn(m, page);
	unsigned long max_managed = zone_managed_final(zone) / 100 + pageblock_nr_pages;
	int mt;

	if (READ_ONCE(zone->nr_reserved_highatomic) >= max_managed)
		return;
	kmm_spin_lock(&zone->lock);
	if (zone->nr_reserved_highatomic >= max_managed)
		goto out;
	mt = get_pageblock_migratetype(zone, pfn);
	if (mt < MIGRATE_PCPTYPES) {
		WRITE_ONCE(zone->nr_reserved_highatomic,
			   zone->nr_reserved_highatomic + pageblock_nr_pages);
		set_pageblock_migratetype(zone, pfn, MIGRATE_HIGHATOMIC);
		move_freepages_block(m, zone, pfn, MIGRATE_HIGHATOMIC, NULL);
		count_vm_event(m, PGALLOC_HIGHATOMIC);
	}
out:
	kmm_spin_unlock(&zone->lock);
}

/*
 * Give HighAtomic pageblocks back to ordinary use when an allocation is
 * about to fail (unreserve_highatomic_pageblock). With force, the whole
 * reserve of each zone may go; otherwise one pageblock per zone is kept.
 */
bool unreserve_highatomic_pageblock(struct kmm_machine *m, int nid, bool force)
{
	bool done = false;
	struct pglist_data *pgdat = m->node_data[nid];

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		unsigned long reserved = READ_ONCE(zone->nr_reserved_highatomic);

		if (!force && reserved <= pageblock_nr_pages)
			continue;
		if (reserved == 0)
			continue;
		kmm_spin_lock(&zone->lock);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS && !done; o++) {
			struct page_list *l = &zone->free_area[o].free_list[MIGRATE_HIGHATOMIC];
			unsigned long pfn = l->head;

			if (pfn == KMM_NIL_PFN)
				continue;
			if (get_pageblock_migratetype(zone, pfn) == MIGRATE_HIGHATOMIC) {
				WRITE_ONCE(zone->nr_reserved_highatomic,
					   zone->nr_reserved_highatomic -
						   MIN(pageblock_nr_pages,
						       zone->nr_reserved_highatomic));
				set_pageblock_migratetype(zone, pfn, MIGRATE_MOVABLE);
			}
			move_freepages_block(m, zone, pfn, MIGRATE_MOVABLE, NULL);
			done = true;
		}
		kmm_spin_unlock(&zone->lock);
		if (done)
			break;
	}
	return done;
}
