/* SPDX-License-Identifier: MIT */
/*
 * compaction/compaction.c - memory compaction of one zone (mm/compaction.c):
 * compact_control, the two scanners, compaction_suitable with the
 * fragmentation index, deferral, pageblock skip bits, direct compaction's
 * try_to_compact_pages, kmm_compact_memory / kmm_compact_node, and the
 * layer's boot.
 *
 * compact_zone runs two scanners toward each other: the migration scanner
 * from the zone's start upward, a pageblock at a time, isolating movable
 * pages (movable.c) up to COMPACT_CLUSTER_MAX, and the free scanner from
 * the zone's end downward, isolating free blocks of movable pageblocks
 * as targets. migrate_pages moves the first into the second, so free
 * memory gathers at the start of the zone. It ends when the scanners meet
 * (COMPACT_COMPLETE after a whole-zone pass, else COMPACT_PARTIAL_SKIPPED),
 * when a free block of the order asked for exists on a list the request
 * may use (COMPACT_SUCCESS; for proactive compaction: when the zone's
 * fragmentation score is below the low mark), or when the free scanner
 * finds no more target pages (COMPACT_CONTENDED).
 *
 * Rules the kernel has and kmm keeps:
 *  - compaction_suitable: an order-0 watermark (low for costly orders,
 *    else min) plus compact_gap (2 << order) must be met, or compaction
 *    is skipped (it needs free pages to migrate into); for costly orders
 *    a fragmentation index in [0, extfrag_threshold] means the failure is
 *    lack of memory, not fragmentation: not suitable.
 *  - deferral: a sync compaction that fails defers the zone for the order
 *    for 1 << compact_defer_shift attempts (shift up to 6); an allocation
 *    that succeeds after compaction resets it; compact_order_failed is the
 *    lowest order that failed.
 *  - skip bits: a pageblock where a scanner isolated nothing is marked and
 *    skipped by later scans until the bits are reset (scanners met in a
 *    direct compaction set blockskip_flush; kswapd going to sleep, or a
 *    deferral that ran out, resets them); compact_memory ignores them.
 *  - MIGRATE_ASYNC scans only movable pageblocks (suitable_migration_source).
 *
 * Locks: zone->lock while a scanner walks one pageblock's descriptors and
 * takes free blocks; none while movable-ops callbacks or migrate_pages
 * run. Deferred struct pages (page/deferred.c) are never scanned: the
 * scanners stop at the node's first deferred pfn.
 */
#include "compaction/compaction.h"
#include "vmalloc/vmalloc.h"
#include "boot/late_init.h"
#include "page/deferred.h"
#include "page/pcp.h"
#include "reclaim/reclaim.h"
#include "trace/trace.h"

static inline unsigned long pageblock_start_pfn(unsigned long pfn)
{
	return ALIGN_DOWN(pfn, pageblock_nr_pages);
}

static inline unsigned long pageblock_end_pfn(unsigned long pfn)
{
	return pageblock_start_pfn(pfn) + pageblock_nr_pages;
}

/* The zone's scannable end: its span, cut at the first descriptor not yet initialized. */
static unsigned long zone_scan_end(struct kmm_machine *m, const struct zone *zone)
{
	unsigned long end = zone_end_pfn(zone);
	unsigned long first_deferred =
		__atomic_load_n(&m->node_data[zone->node]->first_deferred_pfn, __ATOMIC_ACQUIRE);

	return MIN(end, first_deferred);
}

/* ---- skip bits ------------------------------------------------------------------ */

static bool get_pageblock_skip(const struct compact_control *cc, unsigned long pfn)
{
	return READ_ONCE(cc->cz->skip[pageblock_index(cc->zone, pfn)]) != 0;
}

static void set_pageblock_skip(struct compact_control *cc, unsigned long pfn)
{
	if (cc->ignore_skip_hint)
		return;
	WRITE_ONCE(cc->cz->skip[pageblock_index(cc->zone, pfn)], 1);
}

static void __reset_isolation_suitable(struct kmm_machine *m, struct zone *zone)
{
	struct compact_zone *cz = compact_zone_of(m, zone);
	unsigned long first, last;

	zone_skip_range(zone, &first, &last);
	for (unsigned long i = first; i <= last; i++)
		WRITE_ONCE(cz->skip[i], 0);
	WRITE_ONCE(cz->cached_migrate_pfn[0], zone->zone_start_pfn);
	WRITE_ONCE(cz->cached_migrate_pfn[1], zone->zone_start_pfn);
	WRITE_ONCE(cz->cached_free_pfn, pageblock_start_pfn(zone_end_pfn(zone) - 1));
	WRITE_ONCE(cz->blockskip_flush, false);
}

void reset_isolation_suitable(struct kmm_machine *m, int nid)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &m->node_data[nid]->node_zones[z];

		if (!zone_is_populated(zone))
			continue;
		if (READ_ONCE(compact_zone_of(m, zone)->blockskip_flush))
			__reset_isolation_suitable(m, zone);
	}
}

/* ---- deferral ----------------------------------------------------------------------- */

void defer_compaction(struct kmm_machine *m, struct zone *zone, int order)
{
	struct compact_zone *cz = compact_zone_of(m, zone);
	unsigned int shift = READ_ONCE(cz->compact_defer_shift);

	/* racy updates by concurrent compactions are hints, as the kernel's (no lock) */
	WRITE_ONCE(cz->compact_considered, 0);
	if (shift < COMPACT_MAX_DEFER_SHIFT)
		WRITE_ONCE(cz->compact_defer_shift, shift + 1);
	if (order < READ_ONCE(cz->compact_order_failed))
		WRITE_ONCE(cz->compact_order_failed, order);
	trace_mm_compaction_defer_compaction(m, zone, order);
}

bool compaction_deferred(struct kmm_machine *m, struct zone *zone, int order)
{
	struct compact_zone *cz = compact_zone_of(m, zone);
	unsigned int limit = 1u << READ_ONCE(cz->compact_defer_shift);
	unsigned int considered = READ_ONCE(cz->compact_considered);

	if (order < READ_ONCE(cz->compact_order_failed))
		return false;
	if (considered + 1 >= limit) {
		WRITE_ONCE(cz->compact_considered, limit);
		return false;
	}
	WRITE_ONCE(cz->compact_considered, considered + 1);
	trace_mm_compaction_deferred(m, zone, order);
	return true;
}

void compaction_defer_reset(struct kmm_machine *m, struct zone *zone, int order, bool success)
{
	struct compact_zone *cz = compact_zone_of(m, zone);

	if (success) {
		WRITE_ONCE(cz->compact_considered, 0);
		WRITE_ONCE(cz->compact_defer_shift, 0);
	}
	if (order >= READ_ONCE(cz->compact_order_failed))
		WRITE_ONCE(cz->compact_order_failed, order + 1);
	trace_mm_compaction_defer_reset(m, zone, order);
}

/* Deferral ran its course at the longest shift: the skip bits are stale (compaction_restarting). */
static bool compaction_restarting(struct kmm_machine *m, struct zone *zone, int order)
{
	struct compact_zone *cz = compact_zone_of(m, zone);
	unsigned int shift = READ_ONCE(cz->compact_defer_shift);

	if (order < READ_ONCE(cz->compact_order_failed))
		return false;
	return shift == COMPACT_MAX_DEFER_SHIFT && READ_ONCE(cz->compact_considered) >= 1u << shift;
}

/* ---- fragmentation ------------------------------------------------------------------ */

struct contig_info {
	unsigned long free_pages, free_blocks_total, free_blocks_suitable;
};

static void fill_contig_info(const struct zone *zone, unsigned int order, struct contig_info *info)
{
	info->free_pages = info->free_blocks_total = info->free_blocks_suitable = 0;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long blocks = READ_ONCE(zone->free_area[o].nr_free);

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= order)
			info->free_blocks_suitable += blocks << (o - order);
	}
}

/* The kernel's fragmentation_index: -1000 when a block is free, else 0..1000. */
int compaction_fragmentation_index(const struct zone *zone, unsigned int order)
{
	struct contig_info info;

	fill_contig_info(zone, order, &info);
	if (!info.free_blocks_total)
		return 0;
	if (info.free_blocks_suitable)
		return -1000;
	return 1000 -
	       (int)((1000 + info.free_pages * 1000ull / (1ul << order)) / info.free_blocks_total);
}

/* extfrag_for_order: the percentage of free memory unusable for order. */
static unsigned int extfrag_for_order(const struct zone *zone, unsigned int order)
{
	struct contig_info info;

	fill_contig_info(zone, order, &info);
	if (!info.free_pages)
		return 0;
	return (unsigned int)((info.free_pages - (info.free_blocks_suitable << order)) * 100 /
			      info.free_pages);
}

unsigned int fragmentation_score_zone(struct kmm_machine *m, struct zone *zone)
{
	(void)m;
	return extfrag_for_order(zone, COMPACTION_HPAGE_ORDER);
}

unsigned int fragmentation_score_node(struct kmm_machine *m, int nid)
{
	struct pglist_data *pgdat = m->node_data[nid];
	unsigned long score = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!zone_is_populated(zone))
			continue;
		/* fragmentation_score_zone_weighted: by the zone's share of the node */
		/* present pages change under memory hotplug: read once */
		score += (unsigned long)fragmentation_score_zone(m, zone) *
			 READ_ONCE(zone->present_pages) /
			 (READ_ONCE(pgdat->node_present_pages) + 1);
	}
	return (unsigned int)score;
}

unsigned int fragmentation_score_wmark(struct kmm_machine *m, bool low)
{
	unsigned int wmark_low =
		MAX(100u - (unsigned int)READ_ONCE(m->compact->compaction_proactiveness), 5u);

	return low ? wmark_low : MIN(wmark_low + 10, 100u);
}

/* ---- suitability ---------------------------------------------------------------------- */

static unsigned long compact_gap(unsigned int order)
{
	return 2ul << order;
}

/* __compaction_suitable and the extfrag test of compaction_suitable. */
bool compaction_suitable(struct kmm_machine *m, struct zone *zone, int order, int highest_zoneidx)
{
	unsigned long watermark;

	if (order <= 0)
		return true;
	watermark =
		(order > PAGE_ALLOC_COSTLY_ORDER) ? low_wmark_pages(zone) : min_wmark_pages(zone);
	watermark += compact_gap((unsigned int)order);
	if (!__zone_watermark_ok(zone, 0, watermark, highest_zoneidx, 0,
				 READ_ONCE(zone->vm_stat[NR_FREE_PAGES]))) {
		trace_mm_compaction_suitable(m, zone, order, COMPACT_SKIPPED);
		return false;
	}
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = compaction_fragmentation_index(zone, (unsigned int)order);

		if (fragindex >= 0 && fragindex <= READ_ONCE(m->compact->extfrag_threshold)) {
			trace_mm_compaction_suitable(m, zone, order, COMPACT_NOT_SUITABLE_ZONE);
			return false;
		}
	}
	trace_mm_compaction_suitable(m, zone, order, COMPACT_CONTINUE);
	return true;
}

enum compact_result compaction_suit_allocation_order(struct kmm_machine *m, struct zone *zone,
						     unsigned int order, int highest_zoneidx,
						     unsigned int alloc_flags)
{
	unsigned long watermark = zone->_watermark[alloc_flags & ALLOC_WMARK_MASK];

	if (__zone_watermark_ok(zone, order, watermark, highest_zoneidx, alloc_flags,
				READ_ONCE(zone->vm_stat[NR_FREE_PAGES])))
		return COMPACT_SUCCESS;
	if (!compaction_suitable(m, zone, (int)order, highest_zoneidx))
		return COMPACT_SKIPPED;
	return COMPACT_CONTINUE;
}

/* ---- the free scanner ---------------------------------------------------------------- */

/* Free pages of cc are kept as whole blocks and split as compaction_alloc hands them out. */
struct free_block {
	unsigned long pfn;
	unsigned int order;
};

#define CC_FREE_BLOCKS COMPACT_CLUSTER_MAX
#define CC_BLOCKS(cc) ((struct free_block *)(cc)->freepages)

_Static_assert(sizeof(struct free_block) <= 2 * sizeof(unsigned long), "free_block");

/* A pageblock the free scanner may take pages from (suitable_migration_target). */
static bool suitable_migration_target(struct compact_control *cc, unsigned long pfn)
{
	struct kmm_machine *m = cc->m;
	const struct page *page = pfn_to_page(m, pfn);
	int mt;

	/* a free pageblock is what compaction wants to create: leave it whole */
	if (page_test(page, PG_buddy) && buddy_order(page) >= pageblock_order)
		return false;
	mt = get_pageblock_migratetype(cc->zone, pfn);
	return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
}

/* Blocks kept in cc->freepages: at most CC_FREE_BLOCKS / 2 of them (two longs each). */
static unsigned int nr_free_blocks(const struct compact_control *cc, unsigned int *pages)
{
	unsigned int n = 0, p = 0;

	for (unsigned int i = 0; i < CC_FREE_BLOCKS / 2; i++)
		if (CC_BLOCKS(cc)[i].pfn != KMM_NIL_PFN) {
			n++;
			p += 1u << CC_BLOCKS(cc)[i].order;
		}
	if (pages)
		*pages = p;
	return n;
}

static bool push_free_block(struct compact_control *cc, unsigned long pfn, unsigned int order)
{
	for (unsigned int i = 0; i < CC_FREE_BLOCKS / 2; i++)
		if (CC_BLOCKS(cc)[i].pfn == KMM_NIL_PFN) {
			CC_BLOCKS(cc)[i] = (struct free_block){ pfn, order };
			cc->nr_freepages += 1u << order;
			return true;
		}
	return false;
}

static void isolate_freepages(struct compact_control *cc)
{
	struct kmm_machine *m = cc->m;
	struct zone *zone = cc->zone;
	unsigned long low_pfn = pageblock_end_pfn(cc->migrate_pfn);
	unsigned long block_start = cc->free_pfn;
	unsigned long scanned = 0;

	for (; block_start >= low_pfn && block_start >= zone->zone_start_pfn;
	     block_start -= pageblock_nr_pages) {
		unsigned long start = MAX(block_start, zone->zone_start_pfn);
		unsigned long end = MIN(block_start + pageblock_nr_pages, zone_scan_end(m, zone));
		unsigned int isolated = 0;
		unsigned long block_scanned = scanned, pfn = start;
		bool full = false;

		if (start >= end || !pfn_valid(m, start))
			goto next;
		if (!cc->ignore_skip_hint && get_pageblock_skip(cc, start))
			goto next;
		if (!suitable_migration_target(cc, start))
			goto next;
		kmm_spin_lock(&zone->lock);
		for (; pfn < end;) {
			const struct page *page = pfn_to_page(m, pfn);
			unsigned int got;

			scanned++;
			if (!page_test(page, PG_buddy)) {
				pfn++;
				continue;
			}
			if (nr_free_blocks(cc, NULL) == CC_FREE_BLOCKS / 2) {
				full = true;
				break;
			}
			got = __isolate_free_page(m, zone, pfn, true);
			if (!got) {
				full = true; /* below the watermark: stop taking */
				break;
			}
			push_free_block(cc, pfn, got - 1);
			isolated += 1u << (got - 1);
			pfn += 1ul << (got - 1);
			if (cc->nr_freepages >= cc->migratepages.nr)
				break;
		}
		kmm_spin_unlock(&zone->lock);
		trace_mm_compaction_isolate_freepages(m, start, pfn, scanned - block_scanned,
						      isolated);
		if (isolated)
			count_vm_events(m, COMPACTISOLATED, isolated);
		else
			set_pageblock_skip(cc, start);
		if (cc->nr_freepages >= cc->migratepages.nr || full) {
			/* resume in this block next time: it may hold more */
			cc->free_pfn = block_start;
			goto out;
		}
	next:
		if (block_start < pageblock_nr_pages)
			break;
	}
	/* the scanners met: let compact_finished see it */
	cc->free_pfn = pageblock_start_pfn(cc->migrate_pfn);
out:
	cc->total_free_scanned += scanned;
	count_vm_events(m, COMPACTFREE_SCANNED, scanned);
}

/* Turn the free page at pfn into an allocated order-0 page (the migration target). */
static struct page *prep_target(struct kmm_machine *m, unsigned long pfn)
{
	struct page *page = pfn_to_page(m, pfn);

	set_page_count(page, 1);
	set_page_alloc_info(page, 0, MIGRATE_MOVABLE);
	return page;
}

/* compaction_alloc: the next free page of cc, isolating more when none is left. */
static struct page *compaction_alloc(struct kmm_machine *m, struct page *src, void *priv)
{
	struct compact_control *cc = priv;
	struct free_block *b = NULL;

	(void)src;
	if (!nr_free_blocks(cc, NULL))
		isolate_freepages(cc);
	for (unsigned int i = 0; i < CC_FREE_BLOCKS / 2; i++)
		if (CC_BLOCKS(cc)[i].pfn != KMM_NIL_PFN &&
		    (!b || CC_BLOCKS(cc)[i].order < b->order))
			b = &CC_BLOCKS(cc)[i];
	if (!b)
		return NULL;
	{
		unsigned long pfn = b->pfn;
		unsigned int order = b->order;

		b->pfn = KMM_NIL_PFN;
		cc->nr_freepages -= 1u << order;
		/* split: the upper halves stay in cc, or go back to the lists when cc is full */
		while (order > 0) {
			unsigned long half;

			order--;
			half = pfn + (1ul << order);
			if (!push_free_block(cc, half, order)) {
				struct zone *zone = cc->zone;

				kmm_spin_lock(&zone->lock);
				__free_one_page(m, zone, half, order,
						get_pageblock_migratetype(zone, half));
				kmm_spin_unlock(&zone->lock);
			}
		}
		return prep_target(m, pfn);
	}
}

/* compaction_free: a target the migration did not use goes back to cc. */
static void compaction_free(struct kmm_machine *m, struct page *dst, void *priv)
{
	struct compact_control *cc = priv;
	unsigned long pfn = page_to_pfn(m, dst);

	set_page_count(dst, 0);
	clear_page_alloc_info(dst);
	if (!push_free_block(cc, pfn, 0)) {
		struct zone *zone = cc->zone;

		kmm_spin_lock(&zone->lock);
		__free_one_page(m, zone, pfn, 0, get_pageblock_migratetype(zone, pfn));
		kmm_spin_unlock(&zone->lock);
	}
}

void release_freepages(struct compact_control *cc)
{
	struct kmm_machine *m = cc->m;
	struct zone *zone = cc->zone;
	unsigned long highest = 0;

	kmm_spin_lock(&zone->lock);
	for (unsigned int i = 0; i < CC_FREE_BLOCKS / 2; i++) {
		struct free_block *b = &CC_BLOCKS(cc)[i];

		if (b->pfn == KMM_NIL_PFN)
			continue;
		highest = MAX(highest, b->pfn);
		__free_one_page(m, zone, b->pfn, b->order, get_pageblock_migratetype(zone, b->pfn));
		b->pfn = KMM_NIL_PFN;
	}
	kmm_spin_unlock(&zone->lock);
	cc->nr_freepages = 0;
	/* the next compaction's free scanner starts where free pages were left */
	if (highest && cc->cz) {
		unsigned long free_pfn = pageblock_start_pfn(highest);

		if (free_pfn > READ_ONCE(cc->cz->cached_free_pfn))
			WRITE_ONCE(cc->cz->cached_free_pfn, free_pfn);
	}
}

static void init_free_blocks(struct compact_control *cc)
{
	for (unsigned int i = 0; i < CC_FREE_BLOCKS / 2; i++)
		CC_BLOCKS(cc)[i].pfn = KMM_NIL_PFN;
	cc->nr_freepages = 0;
}

/* ---- the migration scanner ---------------------------------------------------------- */

enum isolate_result { ISOLATE_ABORT, ISOLATE_NONE, ISOLATE_SUCCESS };

/* suitable_migration_source: async compaction only takes from movable pageblocks. */
static bool suitable_migration_source(struct compact_control *cc, unsigned long pfn)
{
	int mt;

	if (cc->mode != KMM_MIGRATE_ASYNC)
		return true;
	mt = get_pageblock_migratetype(cc->zone, pfn);
	if (cc->migratetype == MIGRATE_MOVABLE)
		return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
	return mt == cc->migratetype;
}

/*
 * Isolate movable pages of [start, end) into cc->migratepages; returns the
 * pfn where the scan stopped. Candidates are collected under zone->lock
 * (free blocks are skipped by their order, which only the lock holder may
 * read), the owners are asked after it is dropped.
 */
static unsigned long isolate_migratepages_block(struct compact_control *cc, unsigned long start,
						unsigned long end)
{
	struct kmm_machine *m = cc->m;
	struct zone *zone = cc->zone;
	unsigned long cand[COMPACT_CLUSTER_MAX];
	unsigned int ncand = 0, room = COMPACT_CLUSTER_MAX - cc->migratepages.nr;
	unsigned int before = cc->migratepages.nr;
	kmm_isolate_mode_t mode = cc->mode == KMM_MIGRATE_ASYNC ? KMM_ISOLATE_ASYNC_MIGRATE : 0;
	unsigned long pfn, scanned = 0;

	kmm_spin_lock(&zone->lock);
	for (pfn = start; pfn < end && ncand < room;) {
		const struct page *page = pfn_to_page(m, pfn);
		uint32_t f = page_flags(page);

		scanned++;
		if (f & (1u << PG_buddy)) {
			pfn += 1ul << buddy_order(page);
			continue;
		}
		if (page_is_movable(m, page))
			cand[ncand++] = pfn;
		pfn++;
	}
	kmm_spin_unlock(&zone->lock);
	pfn = MIN(pfn, end);
	for (unsigned int i = 0; i < ncand; i++) {
		struct page *page = pfn_to_page(m, cand[i]);

		if (isolate_movable_page(m, page, mode))
			cc->migratepages.pfn[cc->migratepages.nr++] = cand[i];
	}
	cc->total_migrate_scanned += scanned;
	count_vm_events(m, COMPACTMIGRATE_SCANNED, scanned);
	if (cc->migratepages.nr > before)
		count_vm_events(m, COMPACTISOLATED, cc->migratepages.nr - before);
	trace_mm_compaction_isolate_migratepages(m, start, pfn, scanned,
						 cc->migratepages.nr - before);
	return pfn;
}

static enum isolate_result isolate_migratepages(struct compact_control *cc)
{
	struct kmm_machine *m = cc->m;
	struct zone *zone = cc->zone;
	unsigned long low_pfn = MAX(cc->migrate_pfn, zone->zone_start_pfn);
	unsigned long scan_end = zone_scan_end(m, zone);

	while (low_pfn < scan_end && pageblock_start_pfn(low_pfn) < cc->free_pfn) {
		unsigned long block_end = MIN(pageblock_end_pfn(low_pfn), scan_end);
		bool block_start =
			low_pfn == pageblock_start_pfn(low_pfn) || low_pfn == zone->zone_start_pfn;

		if (!pfn_valid(m, low_pfn) ||
		    (block_start && !cc->ignore_skip_hint && get_pageblock_skip(cc, low_pfn)) ||
		    !suitable_migration_source(cc, low_pfn)) {
			low_pfn = block_end;
			continue;
		}
		low_pfn = isolate_migratepages_block(cc, low_pfn, block_end);
		if (low_pfn >= block_end && !cc->migratepages.nr && block_start)
			set_pageblock_skip(cc, block_end - 1);
		if (cc->migratepages.nr)
			break;
	}
	cc->migrate_pfn = low_pfn;
	/* the cached position moves up only (update_cached_migrate) */
	if (cc->cz && !cc->whole_zone) {
		int sync = cc->mode != KMM_MIGRATE_ASYNC;

		if (low_pfn > READ_ONCE(cc->cz->cached_migrate_pfn[sync]))
			WRITE_ONCE(cc->cz->cached_migrate_pfn[sync], pageblock_start_pfn(low_pfn));
	}
	return cc->migratepages.nr ? ISOLATE_SUCCESS : ISOLATE_NONE;
}

/* ---- compact_zone ----------------------------------------------------------------------- */

static bool compact_scanners_met(const struct compact_control *cc)
{
	return (cc->free_pfn >> pageblock_order) <= (cc->migrate_pfn >> pageblock_order);
}

/* A free block of order or more the request could use (the free-list part of __compact_finished).
 */
static bool zone_has_suitable_block(struct compact_control *cc)
{
	struct zone *zone = cc->zone;
	bool found = false;
	int mt = cc->migratetype;

	kmm_spin_lock(&zone->lock);
	for (unsigned int o = (unsigned int)cc->order; o < NR_PAGE_ORDERS && !found; o++) {
		const struct free_area *area = &zone->free_area[o];

		if (!page_list_empty(&area->free_list[mt]))
			found = true;
		else if (mt == MIGRATE_MOVABLE && o >= pageblock_order &&
			 !page_list_empty(&area->free_list[MIGRATE_CMA]))
			found = true;
		else if (mt < MIGRATE_PCPTYPES) {
			/* a block of another type the request may claim whole (can_steal) */
			bool can_steal = o >= pageblock_order / 2 || mt != MIGRATE_MOVABLE;

			for (int f = 0; f < MIGRATE_PCPTYPES && can_steal && !found; f++)
				if (f != mt && !page_list_empty(&area->free_list[f]))
					found = true;
		}
	}
	kmm_spin_unlock(&zone->lock);
	return found;
}

static enum compact_result __compact_finished(struct compact_control *cc)
{
	struct compact_zone *cz = cc->cz;

	if (compact_scanners_met(cc)) {
		/* reset_cached_positions */
		WRITE_ONCE(cz->cached_migrate_pfn[0], cc->zone->zone_start_pfn);
		WRITE_ONCE(cz->cached_migrate_pfn[1], cc->zone->zone_start_pfn);
		WRITE_ONCE(cz->cached_free_pfn, pageblock_start_pfn(zone_end_pfn(cc->zone) - 1));
		if (cc->direct_compaction)
			WRITE_ONCE(cz->blockskip_flush, true);
		return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->proactive_compaction) {
		if (fragmentation_score_zone(cc->m, cc->zone) >
		    fragmentation_score_wmark(cc->m, true))
			return COMPACT_CONTINUE;
		return COMPACT_SUCCESS;
	}
	if (cc->order < 0)
		return COMPACT_CONTINUE;
	if (zone_has_suitable_block(cc))
		return COMPACT_SUCCESS;
	return COMPACT_NO_SUITABLE_PAGE;
}

static enum compact_result compact_finished(struct compact_control *cc)
{
	enum compact_result ret = __compact_finished(cc);

	trace_mm_compaction_finished(cc->m, cc->zone, cc->order, (int)ret);
	/* COMPACT_NO_SUITABLE_PAGE: keep going */
	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

enum compact_result compact_zone(struct compact_control *cc)
{
	struct kmm_machine *m = cc->m;
	struct zone *zone = cc->zone;
	struct compact_zone *cz = compact_zone_of(m, zone);
	unsigned long start_pfn = zone->zone_start_pfn;
	unsigned long end_pfn = zone_scan_end(m, zone);
	int sync = cc->mode != KMM_MIGRATE_ASYNC;
	enum compact_result ret;

	cc->cz = cz;
	cc->migratepages.nr = 0;
	cc->total_migrate_scanned = cc->total_free_scanned = 0;
	cc->nr_migrated = 0;
	init_free_blocks(cc);
	if (end_pfn <= start_pfn)
		return COMPACT_SKIPPED;
	if (cc->order > 0 && !cc->proactive_compaction) {
		ret = compaction_suit_allocation_order(m, zone, (unsigned int)cc->order,
						       cc->highest_zoneidx, cc->alloc_flags);
		if (ret != COMPACT_CONTINUE)
			return ret;
	}
	if (cc->order > 0 && compaction_restarting(m, zone, cc->order))
		__reset_isolation_suitable(m, zone);
	if (cc->whole_zone) {
		cc->migrate_pfn = start_pfn;
		cc->free_pfn = pageblock_start_pfn(end_pfn - 1);
	} else {
		cc->migrate_pfn = READ_ONCE(cz->cached_migrate_pfn[sync]);
		cc->free_pfn = READ_ONCE(cz->cached_free_pfn);
		if (cc->free_pfn < start_pfn || cc->free_pfn >= end_pfn)
			cc->free_pfn = pageblock_start_pfn(end_pfn - 1);
		if (cc->migrate_pfn < start_pfn || cc->migrate_pfn >= end_pfn)
			cc->migrate_pfn = start_pfn;
		if (cc->migrate_pfn == start_pfn &&
		    cc->free_pfn == pageblock_start_pfn(end_pfn - 1))
			cc->whole_zone = true;
	}
	trace_mm_compaction_begin(m, start_pfn, cc->migrate_pfn, cc->free_pfn, end_pfn, sync);
	/* pages cached on per-CPU lists are neither free blocks nor movable: give them back */
	drain_all_pages_m(m, zone);
	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		unsigned int nr_succeeded = 0, nr_migratepages;
		int err;

		if (isolate_migratepages(cc) == ISOLATE_NONE)
			continue;
		nr_migratepages = cc->migratepages.nr;
		err = migrate_pages(m, &cc->migratepages, compaction_alloc, compaction_free, cc,
				    cc->mode, KMM_MR_COMPACTION, &nr_succeeded);
		trace_mm_compaction_migratepages(m, nr_migratepages, nr_succeeded);
		cc->nr_migrated += nr_succeeded;
		if (err) {
			putback_movable_pages(m, &cc->migratepages);
			/* no target pages left: the free scanner ran into the migration scanner */
			if (err == KMM_ENOMEM && !compact_scanners_met(cc)) {
				ret = COMPACT_CONTENDED;
				break;
			}
		}
		cc->migratepages.nr = 0;
	}
	release_freepages(cc);
	trace_mm_compaction_end(m, start_pfn, cc->migrate_pfn, cc->free_pfn, end_pfn, sync,
				(int)ret);
	return ret;
}

/* ---- direct compaction ----------------------------------------------------------------- */

static enum compact_result compact_zone_order(struct kmm_machine *m, struct zone *zone, int order,
					      gfp_t gfp, enum compact_priority prio,
					      unsigned int alloc_flags, int highest_zoneidx)
{
	struct compact_control cc = {
		.m = m,
		.zone = zone,
		.order = order,
		.gfp_mask = gfp,
		.migratetype = gfp_migratetype(m, gfp),
		.mode = prio == COMPACT_PRIO_ASYNC	  ? KMM_MIGRATE_ASYNC
			: prio == COMPACT_PRIO_SYNC_LIGHT ? KMM_MIGRATE_SYNC_LIGHT
							  : KMM_MIGRATE_SYNC,
		.alloc_flags = alloc_flags,
		.highest_zoneidx = highest_zoneidx,
		.direct_compaction = true,
		.whole_zone = prio == MIN_COMPACT_PRIORITY,
		.ignore_skip_hint = prio == MIN_COMPACT_PRIORITY,
	};

	if (cc.migratetype >= MIGRATE_PCPTYPES)
		cc.migratetype = MIGRATE_UNMOVABLE;
	return compact_zone(&cc);
}

/* try_to_compact_pages: every zone of the zonelist the allocation may use, until one succeeds. */
static int try_to_compact_pages(struct kmm_machine *m, gfp_t gfp, unsigned int order,
				unsigned int alloc_flags, struct zone *const *zonelist,
				int highest_zoneidx, const uint64_t *nodemask, int prio)
{
	enum compact_result rc = COMPACT_SKIPPED;

	trace_mm_compaction_try_to_compact_pages(m, (int)order, gfp, prio);
	/* the caller may not do I/O or FS work: kmm's migrations need neither, as the kernel's
	 * movable_ops pages do not */
	for (struct zone *const *zp = zonelist; *zp; zp++) {
		struct zone *zone = *zp;
		enum compact_result status;

		if ((int)zone->idx > highest_zoneidx ||
		    (nodemask && !((*nodemask >> zone->node) & 1)))
			continue;
		if (!zone_is_populated(zone))
			continue;
		if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(m, zone, (int)order)) {
			rc = MAX(rc, COMPACT_DEFERRED);
			continue;
		}
		status = compact_zone_order(m, zone, (int)order, gfp, (enum compact_priority)prio,
					    alloc_flags, highest_zoneidx);
		rc = MAX(status, rc);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(m, zone, (int)order, false);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC &&
		    (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(m, zone, (int)order);
	}
	return (int)rc;
}

static void hook_defer_reset(struct kmm_machine *m, struct zone *zone, unsigned int order)
{
	compaction_defer_reset(m, zone, (int)order, true);
}

/* compaction_zonelist_suitable: could reclaim plus compaction help some zone? */
static bool compaction_zonelist_suitable(struct kmm_machine *m, unsigned int order,
					 unsigned int alloc_flags, struct zone *const *zonelist,
					 int highest_zoneidx, const uint64_t *nodemask)
{
	(void)alloc_flags;
	for (struct zone *const *zp = zonelist; *zp; zp++) {
		struct zone *zone = *zp;

		if ((int)zone->idx > highest_zoneidx ||
		    (nodemask && !((*nodemask >> zone->node) & 1)))
			continue;
		if (compaction_suitable(m, zone, (int)order, highest_zoneidx))
			return true;
	}
	return false;
}

static const struct kmm_compact_ops compact_ops = {
	.try_to_compact_pages = try_to_compact_pages,
	.defer_reset = hook_defer_reset,
	.zonelist_suitable = compaction_zonelist_suitable,
	.kswapd_wakeup_kcompactd = kswapd_wakeup_kcompactd,
	.wakeup_kcompactd = wakeup_kcompactd,
};

/* ---- compact_memory / per node -------------------------------------------------------- */

/* compact_node: every populated zone of the node, whole, synchronously, skip bits ignored. */
static unsigned long compact_node_m(struct kmm_machine *m, int nid)
{
	unsigned long migrated = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &m->node_data[nid]->node_zones[z];
		struct compact_control cc = {
			.m = m,
			.zone = zone,
			.order = -1,
			.mode = KMM_MIGRATE_SYNC,
			.ignore_skip_hint = true,
			.whole_zone = true,
			.gfp_mask = GFP_KERNEL,
			.migratetype = MIGRATE_MOVABLE,
		};

		if (!zone_is_populated(zone))
			continue;
		compact_zone(&cc);
		migrated += cc.nr_migrated;
	}
	return migrated;
}

long kmm_compact_node(kmm_machine *m, int nid)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return KMM_EINVAL;
	if (nid < 0 || nid >= m->nr_nodes) {
		kmm_report_bad_call(m, "compact: node %d does not exist (nodes 0-%d)", nid,
				    m->nr_nodes - 1);
		return KMM_EINVAL;
	}
	if (!m->compact || !m->desc.compaction)
		return KMM_ENOSYS;
	might_sleep();
	return (long)compact_node_m(m, nid);
}

long kmm_compact_memory(kmm_machine *m)
{
	long migrated = 0;

	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return KMM_EINVAL;
	if (!m->compact || !m->desc.compaction)
		return KMM_ENOSYS;
	might_sleep();
	for (int nid = 0; nid < m->nr_nodes; nid++)
		migrated += (long)compact_node_m(m, nid);
	return migrated;
}

int kmm_set_extfrag_threshold(kmm_machine *m, int value)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC || !m->compact)
		return KMM_EINVAL;
	if (value < 0 || value > 1000) {
		kmm_report_bad_call(m, "vm.extfrag_threshold: %d is outside 0-1000", value);
		return KMM_EINVAL;
	}
	WRITE_ONCE(m->compact->extfrag_threshold, value);
	return KMM_OK;
}

int kmm_set_compaction_proactiveness(kmm_machine *m, int value)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC || !m->compact)
		return KMM_EINVAL;
	if (value < 0 || value > 100) {
		kmm_report_bad_call(m, "vm.compaction_proactiveness: %d is outside 0-100", value);
		return KMM_EINVAL;
	}
	WRITE_ONCE(m->compact->compaction_proactiveness, value);
	/* a new proactiveness takes effect at once (proc_dointvec_minmax_warn_rt_mode + wakeup) */
	for (int nid = 0; nid < m->nr_nodes && value; nid++) {
		struct compact_node *cn = compact_node(m, nid);

		WRITE_ONCE(cn->proactive_defer, 0);
		__atomic_add_fetch(&cn->kcompactd_wait, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&cn->kcompactd_sleeping, __ATOMIC_SEQ_CST))
			kmm_os_wake(&cn->kcompactd_wait, 1);
	}
	return KMM_OK;
}

int kmm_zone_compaction_info(kmm_machine *m, int nid, enum kmm_zone_type z,
			     struct kmm_zone_compaction *info)
{
	struct compact_zone *cz;
	struct zone *zone;
	unsigned long skip = 0;

	if (!m || m->magic != KMM_MACHINE_MAGIC || !info || !m->compact || nid < 0 ||
	    nid >= m->nr_nodes || (unsigned int)z >= MAX_NR_ZONES)
		return KMM_EINVAL;
	zone = &m->node_data[nid]->node_zones[z];
	cz = compact_zone_of(m, zone);
	info->compact_considered = READ_ONCE(cz->compact_considered);
	info->compact_defer_shift = READ_ONCE(cz->compact_defer_shift);
	info->compact_order_failed = READ_ONCE(cz->compact_order_failed);
	info->fragmentation_score = zone_is_populated(zone) ? fragmentation_score_zone(m, zone) : 0;
	info->fragmentation_index =
		zone_is_populated(zone)
			? compaction_fragmentation_index(zone, COMPACTION_HPAGE_ORDER)
			: 0;
	if (zone_is_populated(zone)) {
		unsigned long first, last;

		zone_skip_range(zone, &first, &last);
		for (unsigned long i = first; i <= last; i++)
			skip += READ_ONCE(cz->skip[i]) != 0;
	}
	info->skip_pageblocks = skip;
	return KMM_OK;
}

int kmm_node_fragmentation_score(kmm_machine *m, int nid)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC || !m->compact || nid < 0 || nid >= m->nr_nodes)
		return KMM_EINVAL;
	return (int)fragmentation_score_node(m, nid);
}

/* ---- boot ---------------------------------------------------------------------------------- */

int compaction_init(struct kmm_machine *m)
{
	size_t bytes =
		sizeof(struct kmm_compact) + (size_t)m->nr_nodes * sizeof(struct compact_node);
	size_t skip_off, skip_bytes = 0;
	unsigned int order = 0;
	struct kmm_compact *c;
	struct page *page;
	uint8_t *skip;

	if (m->layout.maxmem_pfn)
		skip_bytes =
			ALIGN_UP(m->layout.maxmem_pfn, pageblock_nr_pages) / pageblock_nr_pages;
	else
		for_each_zone_m (m, zone)
			if (zone_is_populated(zone))
				skip_bytes += (zone_end_pfn(zone) - 1) / pageblock_nr_pages -
					      zone->zone_start_pfn / pageblock_nr_pages + 1;
	skip_off = ALIGN_UP(bytes, 64);
	bytes = skip_off + skip_bytes;
	while ((m->page_size << order) < bytes)
		order++;
	if (order > MAX_ORDER)
		return KMM_ENOMEM;
	page = __alloc_pages(m, GFP_KERNEL | __GFP_ZERO, order, cpu_to_node_m(m, m->nr_cpus - 1),
			     NULL);
	if (!page)
		return KMM_ENOMEM;
	c = page_to_virt_raw(m, page);
	c->state_order = order;
	c->extfrag_threshold = m->desc.extfrag_threshold;
	c->compaction_proactiveness = m->desc.compaction_proactiveness;
	skip = (uint8_t *)c + skip_off;
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct compact_node *cn = &c->node[nid];

		cn->m = m;
		cn->nid = nid;
		cn->kcompactd_highest_zoneidx = MAX_NR_ZONES - 1;
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->node_data[nid]->node_zones[z];
			struct compact_zone *cz = &cn->zone[z];

			cz->compact_order_failed = 0;
			if (m->layout.maxmem_pfn) {
				cz->skip = skip; /* shared, indexed from pfn 0 */
				if (!zone_is_populated(zone))
					continue;
			} else {
				if (!zone_is_populated(zone))
					continue;
				cz->skip = skip - pageblock_index(zone, zone->zone_start_pfn);
				skip += (zone_end_pfn(zone) - 1) / pageblock_nr_pages -
					zone->zone_start_pfn / pageblock_nr_pages + 1;
			}
			cz->cached_migrate_pfn[0] = cz->cached_migrate_pfn[1] =
				zone->zone_start_pfn;
			cz->cached_free_pfn = pageblock_start_pfn(zone_end_pfn(zone) - 1);
		}
	}
	m->compact = c;
	/* the vmalloc layer's pages are one more owner's (vmalloc/migrate.c) */
	if (m->vmalloc) {
		WRITE_ONCE(m->movable[MOVABLE_ID_VMALLOC].ctx, m->vmalloc);
		__atomic_store_n(&m->movable[MOVABLE_ID_VMALLOC].ops, &vmalloc_movable_ops,
				 __ATOMIC_RELEASE);
	}
	if (cma_init(m) != KMM_OK) {
		m->compact = NULL;
		kmm_free_pages(m, page, order);
		return KMM_EINVAL;
	}
	/* compaction=0: a kernel without CONFIG_COMPACTION (migration and contig ranges stay) */
	if (m->desc.compaction)
		__atomic_store_n(&m->compact_ops, &compact_ops, __ATOMIC_RELEASE);
	return KMM_OK;
}

void compaction_teardown(struct kmm_machine *m)
{
	__atomic_store_n(&m->compact_ops, NULL, __ATOMIC_RELEASE);
}
