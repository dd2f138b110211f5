/* SPDX-License-Identifier: MIT */
/*
 * report/zoneinfo.c - /proc/zoneinfo: per zone its free pages, watermarks,
 * spanned/present/managed pages, lowmem protection, counters, per-CPU page
 * sets (once the pcp layer installs a printer), node_unreclaimable and
 * start_pfn, in the kernel's format. Unpopulated zones stop after the
 * protection line, as the kernel's do.
 */
#include "report/report.h"

#define KMM_STAT_NAME(id, name) name,
static const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = { KMM_ZONE_STAT_ITEMS(
	KMM_STAT_NAME) };

void report_zoneinfo(struct kmm_machine *m, struct kmm_out *o)
{
	for_each_zone_m (m, zone) {
		kmm_out_printf(o, "Node %d, zone %8s", zone->node, zone->name);
		kmm_out_printf(o,
			       "\n  pages free     %lu"
			       "\n        min      %lu"
			       "\n        low      %lu"
			       "\n        high     %lu"
			       "\n        spanned  %lu"
			       "\n        present  %lu"
			       "\n        managed  %lu",
			       (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]),
			       min_wmark_pages(zone), low_wmark_pages(zone), high_wmark_pages(zone),
			       zone->spanned_pages, zone->present_pages, zone->managed_pages);
		kmm_out_printf(o, "\n        protection: (%ld", zone->lowmem_reserve[0]);
		for (int i = 1; i < MAX_NR_ZONES; i++)
			kmm_out_printf(o, ", %ld", zone->lowmem_reserve[i]);
		kmm_out_printf(o, ")");
		if (!zone_is_populated(zone)) {
			kmm_out_printf(o, "\n");
			continue;
		}
		for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
			kmm_out_printf(o, "\n      %-12s %lu", zone_stat_names[i],
				       (unsigned long)READ_ONCE(zone->vm_stat[i]));
		if (m->pageset_printer)
			m->pageset_printer(m, zone, o);
		kmm_out_printf(o,
			       "\n  node_unreclaimable:  %u"
			       "\n  start_pfn:           %lu",
			       0u, zone->zone_start_pfn);
		kmm_out_printf(o, "\n");
	}
}
