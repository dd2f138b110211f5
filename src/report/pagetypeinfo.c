/* SPDX-License-Identifier: MIT */
/*
 * report/pagetypeinfo.c - /proc/pagetypeinfo as Linux 6.18 prints it
 * (mm/vmstat.c, pagetypeinfo_show), once per node with memory: the
 * pageblock header, the free blocks per order and migratetype of each
 * populated zone, then the number of pageblocks of each type.
 *
 * A free list is counted up to 100000 entries, as the kernel caps the walk
 * it does under the zone lock; a capped count prints as ">100000". Block
 * counts step through the zone span by pageblock_nr_pages from its start
 * pfn and skip pfns without a memmap (holes such as the PCI hole) and pfns
 * of another zone, as the kernel's pfn_to_online_page walk does.
 */
#include "report/report.h"

#define FREECOUNT_CAP 100000ul

static void showfree(struct kmm_machine *m, struct kmm_out *o, struct zone *zone)
{
	unsigned long counts[MIGRATE_TYPES][NR_PAGE_ORDERS];

	kmm_spin_lock(&zone->lock);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		for (int order = 0; order < NR_PAGE_ORDERS; order++) {
			const struct page_list *l = &zone->free_area[order].free_list[mt];
			unsigned long n = 0;
			uint32_t pfn;

			page_list_for_each (m->vmemmap, l, pfn)
				if (++n >= FREECOUNT_CAP)
					break;
			counts[mt][order] = n;
		}
	}
	kmm_spin_unlock(&zone->lock);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		if (mt == MIGRATE_CMA && !machine_has_cma(m))
			continue;
		kmm_out_printf(o, "Node %4d, zone %8s, type %12s ", zone->node, zone->name,
			       migratetype_names[mt]);
		for (int order = 0; order < NR_PAGE_ORDERS; order++)
			kmm_out_printf(o, "%s%6lu ", counts[mt][order] >= FREECOUNT_CAP ? ">" : "",
				       counts[mt][order]);
		kmm_out_printf(o, "\n");
	}
}

static void showblockcount(struct kmm_machine *m, struct kmm_out *o, struct zone *zone)
{
	unsigned long count[MIGRATE_TYPES] = { 0 };
	unsigned long end = zone_end_pfn(zone);

	kmm_spin_lock(&zone->lock);
	for (unsigned long pfn = zone->zone_start_pfn; pfn < end; pfn += pageblock_nr_pages) {
		const struct page *page;

		if (!pfn_valid(m, pfn))
			continue;
		page = pfn_to_page(m, pfn);
		if (page_zonenum(page) != (unsigned int)zone->idx ||
		    page_nid(page) != (unsigned int)zone->node)
			continue;
		count[get_pageblock_migratetype(zone, pfn)]++;
	}
	kmm_spin_unlock(&zone->lock);
	kmm_out_printf(o, "Node %d, zone %8s ", zone->node, zone->name);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (mt != MIGRATE_CMA || machine_has_cma(m))
			kmm_out_printf(o, "%12lu ", count[mt]);
	kmm_out_printf(o, "\n");
}

void report_pagetypeinfo(struct kmm_machine *m, struct kmm_out *o)
{
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = m->node_data[nid];

		/* a memoryless node prints nothing */
		if (!pgdat->node_present_pages)
			continue;
		kmm_out_printf(o, "Page block order: %d\n", pageblock_order);
		kmm_out_printf(o, "Pages per block:  %lu\n", pageblock_nr_pages);
		kmm_out_printf(o, "\n");
		kmm_out_printf(o, "%-43s ", "Free pages count per migrate type at order");
		for (int order = 0; order < NR_PAGE_ORDERS; order++)
			kmm_out_printf(o, "%6d ", order);
		kmm_out_printf(o, "\n");
		for (int z = 0; z < MAX_NR_ZONES; z++)
			if (zone_is_populated(&pgdat->node_zones[z]))
				showfree(m, o, &pgdat->node_zones[z]);
		kmm_out_printf(o, "\n%-23s", "Number of blocks type ");
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (mt != MIGRATE_CMA || machine_has_cma(m))
				kmm_out_printf(o, "%12s ", migratetype_names[mt]);
		kmm_out_printf(o, "\n");
		for (int z = 0; z < MAX_NR_ZONES; z++)
			if (zone_is_populated(&pgdat->node_zones[z]))
				showblockcount(m, o, &pgdat->node_zones[z]);
	}
}
