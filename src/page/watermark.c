/* SPDX-License-Identifier: MIT */
/*
 * page/watermark.c - the reserves that keep a zone from running dry.
 *
 *  - min_free_kbytes = clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144),
 *    lowmem_kbytes being the managed memory of DMA, DMA32 and NORMAL, unless
 *    the machine string sets min_free_kbytes=.
 *  - Per zone (__setup_per_zone_wmarks): min is the zone's share of
 *    min_free_kbytes by managed pages among lowmem zones; HighMem and
 *    Movable zones get clamp(managed / 1024, 32, 128) instead. low and high
 *    sit one and two steps above min, a step being
 *    max(share / 4, managed * watermark_scale_factor / 10000).
 *  - lowmem_reserve[j] of zone i (j > i): the managed pages of zones
 *    i+1..j divided by lowmem_reserve_ratio[i], so an allocation that could
 *    have used zone j leaves that much of zone i alone; 0 only when the
 *    ratio is 0 or zone i itself manages nothing (an empty zone j does not
 *    clear it: DMA's protection on a 24 GiB x86-64 machine reads
 *    (0, 3018, 12618, 12618, 12618) with Movable and Device empty).
 *  - promo = min + 3 * step (the NUMA-balancing promotion mark zoneinfo
 *    prints; kmm does not promote).
 *  - __zone_watermark_ok is the check every allocation makes against them.
 *
 * The formulas are the kernel's (mm/page_alloc.c); tests recompute them
 * independently for several machine sizes.
 */
#include "page/internal.h"

#define SWAP_CLUSTER_MAX 32ul

static unsigned long lowmem_managed_pages(const struct kmm_machine *m, bool with_movable)
{
	unsigned long n = 0;

	for_each_zone_m (m, zone) {
		if (zone->idx == KMM_ZONE_HIGHMEM)
			continue;
		if (zone->idx == KMM_ZONE_MOVABLE && !with_movable)
			continue;
		n += zone_managed_final(zone);
	}
	return n;
}

long calculate_min_free_kbytes(const struct kmm_machine *m)
{
	unsigned long lowmem_kbytes = lowmem_managed_pages(m, false) * (m->page_size >> 10);
	unsigned long v = int_sqrt(lowmem_kbytes * 16);

	return (long)MIN(MAX(v, 128ul), 262144ul);
}

/* (x / d) * n + ((x % d) * n) / d, without overflow (mult_frac). */
static unsigned long mult_frac(unsigned long x, unsigned long n, unsigned long d)
{
	return (x / d) * n + ((x % d) * n) / d;
}

void setup_per_zone_wmarks(struct kmm_machine *m)
{
	long kbytes = m->desc.min_free_kbytes >= 0 ? m->desc.min_free_kbytes
						   : calculate_min_free_kbytes(m);
	unsigned long pages_min = (unsigned long)kbytes >> (m->page_shift - 10);
	unsigned long lowmem_pages = lowmem_managed_pages(m, false);

	m->desc.min_free_kbytes = kbytes;
	for_each_zone_m (m, zone) {
		uint64_t tmp =
			lowmem_pages ? (uint64_t)pages_min * zone_managed_final(zone) / lowmem_pages
				     : 0;
		unsigned long wmin;

		kmm_spin_lock(&zone->lock);
		/* allocations read the marks without the lock (memory hotplug recomputes them) */
		if (zone->idx == KMM_ZONE_HIGHMEM || zone->idx == KMM_ZONE_MOVABLE) {
			unsigned long min_pages = zone_managed_final(zone) / 1024;

			wmin = MIN(MAX(min_pages, SWAP_CLUSTER_MAX), 128ul);
		} else {
			wmin = (unsigned long)tmp;
		}
		tmp = MAX(tmp >> 2, (uint64_t)mult_frac(
					    zone_managed_final(zone),
					    (unsigned long)m->desc.watermark_scale_factor, 10000));
		WRITE_ONCE(zone->watermark_boost, 0ul);
		WRITE_ONCE(zone->_watermark[WMARK_MIN], wmin);
		WRITE_ONCE(zone->_watermark[WMARK_LOW], wmin + (unsigned long)tmp);
		WRITE_ONCE(zone->_watermark[WMARK_HIGH], wmin + (unsigned long)tmp * 2);
		WRITE_ONCE(zone->_watermark[WMARK_PROMO], wmin + (unsigned long)tmp * 3);
		kmm_spin_unlock(&zone->lock);
	}
}

void setup_per_zone_lowmem_reserve(struct kmm_machine *m)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pgdat = m->node_data[n];

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			int ratio = m->desc.lowmem_reserve_ratio[i];
			bool clear = ratio == 0 || zone_managed_final(zone) == 0;
			unsigned long managed = 0;

			for (int j = 0; j <= i; j++)
				WRITE_ONCE(zone->lowmem_reserve[j], 0l);
			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				struct zone *upper = &pgdat->node_zones[j];

				/* an empty upper zone does not clear the entry (6.x) */
				managed += zone_managed_final(upper);
				WRITE_ONCE(zone->lowmem_reserve[j],
					   clear ? 0l : (long)(managed / (unsigned long)ratio));
			}
		}
	}
}

unsigned long calculate_totalreserve_pages(const struct kmm_machine *m)
{
	unsigned long total = 0;

	for_each_zone_m (m, zone) {
		long max = 0;

		for (int j = 0; j < MAX_NR_ZONES; j++)
			max = MAX(max, READ_ONCE(zone->lowmem_reserve[j]));
		max += (long)high_wmark_pages(zone);
		if ((unsigned long)max > zone_managed_final(zone))
			max = (long)zone_managed_final(zone);
		total += (unsigned long)max;
	}
	return total;
}

bool __zone_watermark_ok(const struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, long free_pages)
{
	long min = (long)mark;

	/* Pages a caller cannot use: the rest of its own block, and the highatomic reserve. */
	free_pages -= (1l << order) - 1;
	if (likely(!(alloc_flags & ALLOC_RESERVES)))
		free_pages -= (long)READ_ONCE(z->nr_reserved_highatomic);
	if (unlikely(alloc_flags & ALLOC_RESERVES)) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + READ_ONCE(z->lowmem_reserve[highest_zoneidx]))
		return false;
	if (order == 0)
		return true;
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		const struct free_area *area = &z->free_area[o];

		if (READ_ONCE(area->nr_free) == 0)
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (!page_list_empty(&area->free_list[mt]))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    !page_list_empty(&area->free_list[MIGRATE_HIGHATOMIC]))
			return true;
	}
	return false;
}
