/* SPDX-License-Identifier: MIT */
/*
 * report/counters.c - the values of the kernel's zone and node counters
 * as the reports print them (zoneinfo, vmstat, meminfo), in one place.
 *
 * A zone counter is zone->vm_stat[item], read without the lock as the
 * kernel's zone_page_state does (per-CPU deltas were folded first by
 * kmm_report) and clamped at 0, except nr_free_pages_blocks, which is
 * computed from the free areas: the free pages that sit in blocks of
 * pageblock order or more (6.18's NR_FREE_PAGES_BLOCKS).
 *
 * A node counter is pgdat->vm_stat[item], clamped at 0. The slab layer
 * keeps nr_slab_reclaimable and nr_slab_unreclaimable per node, on the node
 * of each slab page (slab/cache.c). Nothing else in kmm writes a node
 * counter yet: no LRU, page cache, swap or page tables.
 */
#include "report/report.h"

unsigned long zone_stat_value(const struct zone *zone, int item)
{
	long v;

	if (item == NR_FREE_PAGES_BLOCKS) {
		unsigned long pages = 0;

		for (unsigned int o = pageblock_order; o < NR_PAGE_ORDERS; o++)
			pages += READ_ONCE(zone->free_area[o].nr_free) << o;
		return pages;
	}
	v = READ_ONCE(zone->vm_stat[item]);
	return v < 0 ? 0 : (unsigned long)v;
}

unsigned long node_stat_value(struct kmm_machine *m, int nid, int item)
{
	long v;

	v = READ_ONCE(m->node_data[nid]->vm_stat[item]);
	return v < 0 ? 0 : (unsigned long)v;
}

unsigned long global_zone_stat(struct kmm_machine *m, int item)
{
	unsigned long sum = 0;

	for_each_zone_m (m, zone)
		sum += zone_stat_value(zone, item);
	return sum;
}

unsigned long global_node_stat(struct kmm_machine *m, int item)
{
	unsigned long sum = 0;

	for (int nid = 0; nid < m->nr_nodes; nid++)
		sum += node_stat_value(m, nid, item);
	return sum;
}

/*
 * si_mem_available: free pages beyond the reserves, plus the page cache and
 * the reclaimable kernel memory that could be freed without pushing the
 * zones below their low watermarks (half of each at most).
 */
long si_mem_available(struct kmm_machine *m)
{
	unsigned long wmark_low = 0, pagecache, reclaimable;
	long available;

	for_each_zone_m (m, zone)
		wmark_low += low_wmark_pages(zone);
	available =
		(long)global_zone_stat(m, NR_FREE_PAGES) - (long)calculate_totalreserve_pages(m);
	pagecache = global_node_stat(m, NR_ACTIVE_FILE) + global_node_stat(m, NR_INACTIVE_FILE);
	pagecache -= MIN(pagecache / 2, wmark_low);
	available += (long)pagecache;
	reclaimable = global_node_stat(m, NR_SLAB_RECLAIMABLE_B) +
		      global_node_stat(m, NR_KERNEL_MISC_RECLAIMABLE);
	reclaimable -= MIN(reclaimable / 2, wmark_low);
	available += (long)reclaimable;
	return available < 0 ? 0 : available;
}
