/* SPDX-License-Identifier: MIT */
/*
 * hotplug/online.c - onlining a memory block: the zone choice, handing
 * its pages to the buddy allocator, and the limits that depend on how
 * much memory a zone manages (Linux's online_pages, zone_for_pfn_range,
 * init_per_zone_wmark_min).
 *
 * The zone, as 6.18 chooses it:
 *  - online_kernel: the first of DMA, DMA32, Normal whose span meets the
 *    block, else Normal (default_kernel_zone_for_pfn);
 *  - online_movable: Movable;
 *  - online: the zone the block already lies in when exactly one of the
 *    kernel zone and Movable spans it, else Movable with movable_node and
 *    the kernel zone without (default_zone_for_pfn).
 * kmm keeps zone spans disjoint (Linux lets them overlap): a choice that
 * would make the zone's span meet another zone's, or the node's span meet
 * another node's, is refused with -EINVAL and a message.
 *
 * Onlining, in Linux's order: MEM_GOING_ONLINE (a notifier may veto), the
 * descriptors get their zone (the block's own memmap pages stay reserved,
 * as memmap_on_memory's vmemmap pages), then under zone->lock the zone's
 * span grows, the pageblocks become Movable (the memmap's Unmovable) and
 * the pages are freed in blocks of MAX_ORDER; present and managed pages,
 * the node's span and totalram_pages grow; then zonelists are rebuilt if
 * the zone was empty, min_free_kbytes, watermarks, lowmem reserves and
 * every zone's pagesets are recomputed, and MEM_ONLINE is sent. An
 * allocation on another thread sees the new pages from the moment they are
 * on the free lists; until the zonelists list a new zone it does not try it.
 */
#include "hotplug/hotplug.h"
#include "log.h"
#include "page/deferred.h"
#include "page/internal.h"
#include "page/pcp.h"
#include "reclaim/reclaim.h"

static bool zone_intersects(const struct zone *zone, unsigned long start, unsigned long nr)
{
	return zone->spanned_pages && start < zone_end_pfn(zone) &&
	       start + nr > zone->zone_start_pfn;
}

static struct zone *default_kernel_zone_for_pfn(struct kmm_machine *m, int nid, unsigned long start,
						unsigned long nr)
{
	struct pglist_data *pgdat = m->node_data[nid];

	for (int z = 0; z <= KMM_ZONE_NORMAL; z++)
		if (zone_intersects(&pgdat->node_zones[z], start, nr))
			return &pgdat->node_zones[z];
	return &pgdat->node_zones[KMM_ZONE_NORMAL];
}

static struct zone *default_zone_for_pfn(struct kmm_machine *m, int nid, unsigned long start,
					 unsigned long nr)
{
	struct zone *kernel_zone = default_kernel_zone_for_pfn(m, nid, start, nr);
	struct zone *movable_zone = &m->node_data[nid]->node_zones[KMM_ZONE_MOVABLE];
	bool in_kernel = zone_intersects(kernel_zone, start, nr);
	bool in_movable = zone_intersects(movable_zone, start, nr);

	if (in_kernel ^ in_movable)
		return in_kernel ? kernel_zone : movable_zone;
	return m->desc.movable_node ? movable_zone : kernel_zone;
}

static struct zone *zone_for_pfn_range(struct kmm_machine *m, int online_type, int nid,
				       unsigned long start, unsigned long nr)
{
	if (online_type == KMM_MMOP_ONLINE_KERNEL)
		return default_kernel_zone_for_pfn(m, nid, start, nr);
	if (online_type == KMM_MMOP_ONLINE_MOVABLE)
		return &m->node_data[nid]->node_zones[KMM_ZONE_MOVABLE];
	return default_zone_for_pfn(m, nid, start, nr);
}

static bool ranges_meet(unsigned long s1, unsigned long e1, unsigned long s2, unsigned long e2)
{
	return s1 < e2 && s2 < e1;
}

/* kmm's rule: spans stay disjoint. The message names what would overlap. */
static int check_spans(struct kmm_machine *m, struct zone *zone, unsigned long start,
		       unsigned long end)
{
	struct pglist_data *pgdat = zone->zone_pgdat;
	unsigned long zs = zone->spanned_pages ? MIN(zone->zone_start_pfn, start) : start;
	unsigned long ze = zone->spanned_pages ? MAX(zone_end_pfn(zone), end) : end;
	unsigned long ns = pgdat->node_spanned_pages ? MIN(pgdat->node_start_pfn, start) : start;
	unsigned long ne = pgdat->node_spanned_pages
				   ? MAX(pgdat->node_start_pfn + pgdat->node_spanned_pages, end)
				   : end;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *other = &pgdat->node_zones[z];

		if (other == zone || !other->spanned_pages)
			continue;
		if (ranges_meet(zs, ze, other->zone_start_pfn, zone_end_pfn(other))) {
			kmm_log(m,
				"kmm: onlining [mem %#010llx-%#010llx] to zone %s would make it "
				"overlap zone %s of node %d (kmm keeps zone spans disjoint)\n",
				(unsigned long long)start << m->page_shift,
				((unsigned long long)end << m->page_shift) - 1, zone->name,
				other->name, zone->node);
			return KMM_EINVAL;
		}
	}
	for (int n = 0; n < m->nr_nodes; n++) {
		const struct pglist_data *o = m->node_data[n];

		if (o == pgdat || !o->node_spanned_pages)
			continue;
		if (ranges_meet(ns, ne, o->node_start_pfn,
				o->node_start_pfn + o->node_spanned_pages)) {
			kmm_log(m,
				"kmm: onlining [mem %#010llx-%#010llx] on node %d would make it "
				"overlap node %d (kmm keeps node spans disjoint)\n",
				(unsigned long long)start << m->page_shift,
				((unsigned long long)end << m->page_shift) - 1, pgdat->node_id, n);
			return KMM_EINVAL;
		}
	}
	return KMM_OK;
}

void hotplug_resize_spans(struct kmm_machine *m, struct zone *zone)
{
	struct kmm_hotplug *hp = m->hotplug;
	struct pglist_data *pgdat = zone->zone_pgdat;
	int nid = zone->node;
	struct kmm_pfn_range r = hp->boot_zone[nid][zone->idx];
	struct kmm_pfn_range nr = hp->boot_node[nid];

	/* the zone: its boot span and its online blocks (shrink_zone_span) */
	if (r.start >= r.end)
		r.start = r.end = 0;
	for (unsigned long b = 0; b < hp->nr_blocks; b++) {
		const struct mem_block *mb = &hp->blocks[b];
		unsigned long s = block_start_pfn(b);

		if (mb->state != MEM_ONLINE || mb->boot || mb->nid != nid || mb->zone != zone->idx)
			continue;
		if (r.start == r.end)
			r = (struct kmm_pfn_range){ s, s + PAGES_PER_SECTION };
		r.start = MIN(r.start, s);
		r.end = MAX(r.end, s + PAGES_PER_SECTION);
	}
	WRITE_ONCE(zone->zone_start_pfn, r.start);
	WRITE_ONCE(zone->spanned_pages, r.end - r.start);
	/* the node: its boot span and its zones' (update_pgdat_span) */
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zz = &pgdat->node_zones[z];

		if (!zz->spanned_pages)
			continue;
		if (nr.start >= nr.end)
			nr = (struct kmm_pfn_range){ zz->zone_start_pfn, zone_end_pfn(zz) };
		nr.start = MIN(nr.start, zz->zone_start_pfn);
		nr.end = MAX(nr.end, zone_end_pfn(zz));
	}
	WRITE_ONCE(pgdat->node_start_pfn, nr.start);
	WRITE_ONCE(pgdat->node_spanned_pages, nr.end - nr.start);
}

void hotplug_recompute_limits(struct kmm_machine *m, bool zonelists)
{
	if (zonelists)
		build_all_zonelists(m);
	/* init_per_zone_wmark_min: min_free_kbytes follows the memory unless the user set it */
	if (m->user_min_free_kbytes >= 0) {
		long fresh = calculate_min_free_kbytes(m);

		if (fresh > m->user_min_free_kbytes)
			m->desc.min_free_kbytes = -1;
		else if (fresh != m->user_min_free_kbytes)
			kmm_log(m,
				"min_free_kbytes is not updated to %ld because user defined value "
				"%ld is preferred\n",
				fresh, m->user_min_free_kbytes);
	} else {
		m->desc.min_free_kbytes = -1;
	}
	setup_per_zone_wmarks(m);
	setup_per_zone_lowmem_reserve(m);
	for_each_zone_m (m, zone)
		zone_pcp_update(m, zone);
}

/* resize_zone_range and resize_pgdat_range: the spans take the block in. zone->lock held. */
static void grow_spans(struct zone *zone, unsigned long start, unsigned long end)
{
	struct pglist_data *pgdat = zone->zone_pgdat;
	unsigned long s = start, e = end;

	if (zone->spanned_pages) {
		s = MIN(s, zone->zone_start_pfn);
		e = MAX(e, zone_end_pfn(zone));
	}
	WRITE_ONCE(zone->zone_start_pfn, s);
	WRITE_ONCE(zone->spanned_pages, e - s);
	if (pgdat->node_spanned_pages) {
		s = MIN(s, pgdat->node_start_pfn);
		e = MAX(e, pgdat->node_start_pfn + pgdat->node_spanned_pages);
	}
	WRITE_ONCE(pgdat->node_start_pfn, s);
	WRITE_ONCE(pgdat->node_spanned_pages, e - s);
}

/* Linux's online_pages_range: the block's pages in the largest aligned blocks. zone->lock held. */
static void online_pages_range(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
			       unsigned long end, bool zeroed)
{
	while (pfn < end) {
		unsigned int order =
			MIN((unsigned int)__builtin_ctzl(pfn), (unsigned int)MAX_ORDER);

		while (pfn + (1ul << order) > end)
			order--;
		set_page_zeroed(pfn_to_page(m, pfn), zeroed); /* memory the host gave zeroed */
		__free_one_page(m, zone, pfn, order, MIGRATE_MOVABLE);
		pfn += 1ul << order;
	}
}

int online_block_locked(struct kmm_machine *m, unsigned long block, int online_type)
{
	struct mem_block *b = &m->hotplug->blocks[block];
	unsigned long start = block_start_pfn(block);

	if (b->state != MEM_OFFLINE)
		return KMM_EINVAL; /* online already (sysfs answers -EINVAL), or never added */
	if (online_type < KMM_MMOP_ONLINE || online_type > KMM_MMOP_ONLINE_MOVABLE)
		return KMM_EINVAL;
	/* deferred init keeps its own idea of a node's top zone: finish it first */
	deferred_init_all(m);
	return online_block_zone(
		m, block, zone_for_pfn_range(m, online_type, b->nid, start, PAGES_PER_SECTION));
}

int online_block_zone(struct kmm_machine *m, unsigned long block, struct zone *zone)
{
	struct kmm_hotplug *hp = m->hotplug;
	struct mem_block *b = &hp->blocks[block];
	unsigned long start = block_start_pfn(block), end = start + PAGES_PER_SECTION;
	unsigned long first_free = start + hp->memmap_pages, managed = end - first_free;
	struct pglist_data *pgdat = zone->zone_pgdat;
	bool was_managed;
	int ret;

	if (b->state != MEM_OFFLINE || zone->node != b->nid)
		return KMM_EINVAL;
	ret = check_spans(m, zone, start, end);
	if (!ret)
		ret = memory_notify(m, KMM_MEM_GOING_ONLINE, start, PAGES_PER_SECTION);
	if (ret) {
		memory_notify(m, KMM_MEM_CANCEL_ONLINE, start, PAGES_PER_SECTION);
		kmm_log(m, "online_pages [mem %#010llx-%#010llx] failed\n",
			(unsigned long long)start << m->page_shift,
			((unsigned long long)end << m->page_shift) - 1);
		return ret;
	}
	/* move_pfn_range_to_zone: the descriptors first, nobody else looks at them yet */
	{
		struct page tmpl, *p = pfn_to_page(m, start);

		kmm_memset(&tmpl, 0, sizeof(tmpl));
		tmpl.flags = 1u << PG_reserved;
		set_page_links(&tmpl, (unsigned int)zone->idx, b->nid);
		tmpl._refcount = 1;
		tmpl.lru_next = KMM_NIL_PFN;
		tmpl.lru_prev = KMM_NIL_PFN;
		for (unsigned long i = 0; i < hp->memmap_pages; i++)
			p[i] = tmpl; /* the block's own memmap: reserved for good */
		tmpl.flags &= ~(1u << PG_reserved);
		tmpl._refcount = 0;
		for (unsigned long i = hp->memmap_pages; i < PAGES_PER_SECTION; i++)
			p[i] = tmpl;
	}
	was_managed = zone_is_managed(zone); /* zonelists list managed zones */
	kmm_spin_lock(&zone->lock);
	b->state = MEM_ONLINE;
	b->zone = (uint8_t)zone->idx;
	grow_spans(zone, start, end);
	for (unsigned long pfn = start; pfn < end; pfn += pageblock_nr_pages)
		set_pageblock_migratetype(zone, pfn,
					  pfn < first_free ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE);
	WRITE_ONCE(zone->present_pages, zone->present_pages + PAGES_PER_SECTION);
	online_pages_range(m, zone, first_free, end, b->fresh);
	b->fresh = 0;
	b->used = 1;
	__atomic_add_fetch(&zone->managed_pages, managed, __ATOMIC_RELAXED);
	kmm_spin_unlock(&zone->lock);
	WRITE_ONCE(pgdat->node_present_pages, pgdat->node_present_pages + PAGES_PER_SECTION);
	__atomic_add_fetch(&m->totalram_pages, managed, __ATOMIC_RELAXED);
	hotplug_recompute_limits(m, !was_managed);
	memory_notify(m, KMM_MEM_ONLINE, start, PAGES_PER_SECTION);
	/* allocations waiting for memory: here is some */
	if (__atomic_load_n(&m->alloc_waiters, __ATOMIC_RELAXED))
		reclaim_wake_waiters(m);
	return KMM_OK;
}

/* The block range of [start_pfn, +nr_pages), or -EINVAL with Linux's message. */
static int block_range(struct kmm_machine *m, unsigned long start_pfn, unsigned long nr_pages,
		       unsigned long *first, unsigned long *last)
{
	struct kmm_hotplug *hp = m->hotplug;

	if (!nr_pages || start_pfn % PAGES_PER_SECTION || nr_pages % PAGES_PER_SECTION ||
	    start_pfn + nr_pages < start_pfn ||
	    (start_pfn + nr_pages) >> PFN_SECTION_SHIFT > hp->nr_blocks) {
		kmm_log(m, "Block size [%#lx] unaligned hotplug range: start %#llx, size %#llx\n",
			kmm_memory_block_size_bytes(m),
			(unsigned long long)start_pfn << m->page_shift,
			(unsigned long long)nr_pages << m->page_shift);
		return KMM_EINVAL;
	}
	*first = start_pfn >> PFN_SECTION_SHIFT;
	*last = (start_pfn + nr_pages) >> PFN_SECTION_SHIFT;
	return KMM_OK;
}

int kmm_online_pages(kmm_machine *m, unsigned long start_pfn, unsigned long nr_pages,
		     int online_type)
{
	unsigned long first, last;
	int ret;

	if (!m || !m->hotplug)
		return KMM_EOPNOTSUPP;
	ret = block_range(m, start_pfn, nr_pages, &first, &last);
	if (ret)
		return ret;
	kmm_spin_lock(&m->hotplug->lock);
	for (unsigned long b = first; b < last && !ret; b++)
		ret = online_block_locked(m, b, online_type);
	kmm_spin_unlock(&m->hotplug->lock);
	return ret;
}

int kmm_offline_pages(kmm_machine *m, unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long first, last;
	int ret;

	if (!m || !m->hotplug)
		return KMM_EOPNOTSUPP;
	ret = block_range(m, start_pfn, nr_pages, &first, &last);
	if (ret)
		return ret;
	kmm_spin_lock(&m->hotplug->lock);
	for (unsigned long b = first; b < last && !ret; b++)
		ret = offline_block_locked(m, b);
	kmm_spin_unlock(&m->hotplug->lock);
	return ret;
}

int kmm_memory_block_online(kmm_machine *m, unsigned long block_id, int online_type)
{
	int ret;

	if (!m || !m->hotplug)
		return KMM_EOPNOTSUPP;
	if (block_id >= m->hotplug->nr_blocks)
		return KMM_EINVAL;
	kmm_spin_lock(&m->hotplug->lock);
	ret = online_block_locked(m, block_id, online_type);
	kmm_spin_unlock(&m->hotplug->lock);
	return ret;
}

int kmm_memory_block_offline(kmm_machine *m, unsigned long block_id)
{
	int ret;

	if (!m || !m->hotplug)
		return KMM_EOPNOTSUPP;
	if (block_id >= m->hotplug->nr_blocks)
		return KMM_EINVAL;
	kmm_spin_lock(&m->hotplug->lock);
	ret = offline_block_locked(m, block_id);
	kmm_spin_unlock(&m->hotplug->lock);
	return ret;
}
