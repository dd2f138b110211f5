/* SPDX-License-Identifier: MIT */
/*
 * hotplug/offline.c - offlining a memory block whose pages are all free
 * (Linux's offline_pages without its migration step).
 *
 * Linux offlines a block by isolating its pageblocks, migrating every
 * movable page away and then taking the free pages off the lists. kmm has
 * no migration yet (it comes with compaction), so a block offlines only
 * when every page of it is free: otherwise -EBUSY, the pageblocks go back
 * to Movable and nothing else has changed. The steps:
 *  1. MEM_GOING_OFFLINE (a notifier may veto: -EBUSY, MEM_CANCEL_OFFLINE);
 *  2. under zone->lock the block's pageblocks become MIGRATE_ISOLATE and
 *     their free blocks move to the isolate lists: no allocation takes
 *     them from now on, and a page freed into them goes straight to the
 *     buddy lists, never to a per-CPU list (free_unref_page);
 *  3. every CPU's lists of the zone are drained (drain_all_pages);
 *  4. under zone->lock again: if a page of the block is not inside a free
 *     block it is in use (allocated, on a per-CPU list taken between 2
 *     and 3, or held by free page reporting), and the isolation is undone;
 *     otherwise the free blocks leave the lists, the descriptors become
 *     reserved, present and managed pages and the spans shrink;
 *  5. zonelists (if the zone is now empty), min_free_kbytes, watermarks,
 *     reserves and pagesets are recomputed and MEM_OFFLINE is sent.
 */
#include "hotplug/hotplug.h"
#include "log.h"
#include "page/internal.h"
#include "page/pcp.h"

#define BLOCK_PAGEBLOCKS (PAGES_PER_SECTION / pageblock_nr_pages)

/*
 * Isolate the pageblocks of [start, end), remembering their types (6.18
 * keeps isolation apart from the migratetype, so undoing it gives each
 * pageblock its own type back), or undo that from saved[].
 */
static void isolate_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
			  unsigned long end, uint8_t *saved)
{
	for (unsigned long pfn = start, i = 0; pfn < end; pfn += pageblock_nr_pages, i++) {
		saved[i] = (uint8_t)get_pageblock_migratetype(zone, pfn);
		set_pageblock_migratetype(zone, pfn, MIGRATE_ISOLATE);
		move_freepages_block(m, zone, pfn, MIGRATE_ISOLATE, NULL);
	}
}

static void undo_isolate_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
			       unsigned long end, const uint8_t *saved)
{
	for (unsigned long pfn = start, i = 0; pfn < end; pfn += pageblock_nr_pages, i++) {
		set_pageblock_migratetype(zone, pfn, saved[i]);
		move_freepages_block(m, zone, pfn, saved[i], NULL);
	}
}

/* The first pfn of [start, end) outside a free block, or end. zone->lock held. */
static unsigned long first_busy_pfn(struct kmm_machine *m, unsigned long start, unsigned long end)
{
	unsigned long pfn = start;

	while (pfn < end) {
		const struct page *p = pfn_to_page(m, pfn);

		if (!page_test(p, PG_buddy))
			return pfn;
		pfn += 1ul << buddy_order(p);
	}
	return end;
}

static void offline_failed(struct kmm_machine *m, unsigned long start, unsigned long end,
			   const char *reason)
{
	kmm_log(m, "memory offlining [mem %#010llx-%#010llx] failed due to %s\n",
		(unsigned long long)start << m->page_shift,
		((unsigned long long)end << m->page_shift) - 1, reason);
}

int offline_block_locked(struct kmm_machine *m, unsigned long block)
{
	struct kmm_hotplug *hp = m->hotplug;
	struct mem_block *b = &hp->blocks[block];
	unsigned long start = block_start_pfn(block), end = start + PAGES_PER_SECTION;
	unsigned long first_free = start + hp->memmap_pages, managed = end - first_free;
	unsigned long busy;
	uint8_t saved[BLOCK_PAGEBLOCKS];
	struct pglist_data *pgdat;
	struct zone *zone;
	int ret;

	if (b->boot) {
		kmm_log(m, "kmm: memory%lu is boot memory: kmm offlines hot-added blocks only\n",
			block);
		return KMM_EINVAL;
	}
	if (b->state != MEM_ONLINE)
		return KMM_EINVAL; /* offline already, or never added */
	zone = &m->node_data[b->nid]->node_zones[b->zone];
	pgdat = zone->zone_pgdat;
	ret = memory_notify(m, KMM_MEM_GOING_OFFLINE, start, PAGES_PER_SECTION);
	if (ret) {
		memory_notify(m, KMM_MEM_CANCEL_OFFLINE, start, PAGES_PER_SECTION);
		offline_failed(m, start, end, "notifier failure");
		return ret;
	}
	kmm_spin_lock(&zone->lock);
	isolate_range(m, zone, first_free, end, saved);
	kmm_spin_unlock(&zone->lock);
	drain_all_pages_m(m, zone);
	kmm_spin_lock(&zone->lock);
	busy = first_busy_pfn(m, first_free, end);
	if (busy != end) {
		undo_isolate_range(m, zone, first_free, end, saved);
		kmm_spin_unlock(&zone->lock);
		memory_notify(m, KMM_MEM_CANCEL_OFFLINE, start, PAGES_PER_SECTION);
		/* kmm cannot migrate: any page in use is one Linux would have had to move */
		offline_failed(m, start, end, "unmovable page");
		return KMM_EBUSY;
	}
	for (unsigned long pfn = first_free; pfn < end;) {
		unsigned int order = buddy_order(pfn_to_page(m, pfn));

		__take_free_block(m, zone, pfn, order);
		pfn += 1ul << order;
	}
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(m, pfn);

		page_set(p, PG_reserved);
		set_page_count(p, 1);
	}
	for (unsigned long pfn = start; pfn < end; pfn += pageblock_nr_pages)
		set_pageblock_migratetype(zone, pfn, MIGRATE_UNMOVABLE);
	b->state = MEM_OFFLINE;
	WRITE_ONCE(zone->present_pages, zone->present_pages - PAGES_PER_SECTION);
	__atomic_sub_fetch(&zone->managed_pages, managed, __ATOMIC_RELAXED);
	hotplug_resize_spans(m, zone);
	kmm_spin_unlock(&zone->lock);
	WRITE_ONCE(pgdat->node_present_pages, pgdat->node_present_pages - PAGES_PER_SECTION);
	__atomic_sub_fetch(&m->totalram_pages, managed, __ATOMIC_RELAXED);
	hotplug_recompute_limits(m, !zone_is_managed(zone));
	memory_notify(m, KMM_MEM_OFFLINE, start, PAGES_PER_SECTION);
	return KMM_OK;
}
