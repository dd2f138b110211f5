/* SPDX-License-Identifier: MIT */
/*
 * report/pagetypeinfo.c - /proc/pagetypeinfo: free blocks per order and
 * migratetype, then the number of pageblocks of each type, per populated
 * zone, in the kernel's format.
 */
#include "report/report.h"

void report_pagetypeinfo(struct kmm_machine *m, struct kmm_out *o)
{
	kmm_out_printf(o, "Page block order: %d\n", pageblock_order);
	kmm_out_printf(o, "Pages per block:  %lu\n", pageblock_nr_pages);
	kmm_out_printf(o, "\n");
	kmm_out_printf(o, "%-43s ", "Free pages count per migrate type at order");
	for (int order = 0; order < NR_PAGE_ORDERS; order++)
		kmm_out_printf(o, "%6d ", order);
	kmm_out_printf(o, "\n");
	for_each_zone_m (m, zone) {
		unsigned long counts[MIGRATE_TYPES][NR_PAGE_ORDERS];

		if (!zone_is_populated(zone))
			continue;
		kmm_spin_lock(&zone->lock);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			for (int order = 0; order < NR_PAGE_ORDERS; order++) {
				const struct page_list *l = &zone->free_area[order].free_list[mt];
				unsigned long n = 0;
				uint32_t pfn;

				page_list_for_each (m->vmemmap, l, pfn)
					n++;
				counts[mt][order] = n;
			}
		}
		kmm_spin_unlock(&zone->lock);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			kmm_out_printf(o, "Node %4d, zone %8s, type %12s ", zone->node, zone->name,
				       migratetype_names[mt]);
			for (int order = 0; order < NR_PAGE_ORDERS; order++)
				kmm_out_printf(o, "%6lu ", counts[mt][order]);
			kmm_out_printf(o, "\n");
		}
	}
	kmm_out_printf(o, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		kmm_out_printf(o, "%12s ", migratetype_names[mt]);
	kmm_out_printf(o, "\n");
	for_each_zone_m (m, zone) {
		unsigned long nblocks[MIGRATE_TYPES] = { 0 };
		unsigned long first, last;

		if (!zone_is_populated(zone))
			continue;
		first = zone->zone_start_pfn >> pageblock_order;
		last = (zone_end_pfn(zone) - 1) >> pageblock_order;
		kmm_spin_lock(&zone->lock);
		for (unsigned long b = first; b <= last; b++)
			nblocks[zone->pageblock_mt[b - first]]++;
		kmm_spin_unlock(&zone->lock);
		kmm_out_printf(o, "Node %d, zone %8s ", zone->node, zone->name);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			kmm_out_printf(o, "%12lu ", nblocks[mt]);
		kmm_out_printf(o, "\n");
	}
}
