/* SPDX-License-Identifier: MIT */
/*
 * report/zoneinfo.c - /proc/zoneinfo in Linux 6.18's layout
 * (mm/vmstat.c, zoneinfo_show_print), node by node, every zone the
 * machine's kernel is built with (machine.h, zone_idx_configured),
 * populated or not:
 *
 *   Node N, zone NAME          the name right-aligned in 8 columns
 *     per-node stats           only in the node's first populated zone:
 *         <node counter>       "%-12s %lu", the 6.18 node_stat_item list
 *     pages free / boost / min / low / high / promo / spanned / present /
 *     managed / cma            one value each
 *     protection: (a, b, ...)  lowmem_reserve, one column per zone
 *   and, for populated zones only,
 *         <zone counter>       zone_stat_item then the NUMA events
 *     pagesets                 per CPU: count, high, batch, high_min,
 *                              high_max, "vm stats threshold" (page/pcp.c)
 *     node_unreclaimable / start_pfn
 *
 * Every number is either kmm's own state or 0 for a mechanism kmm does
 * not have (docs/reports.md has the table): boost is zone->watermark_boost
 * (raised by boost_watermark after fragmenting fallbacks, removed by
 * kswapd), cma is 0 (no CMA), node_unreclaimable is 6.18's
 * kswapd_test_hopeless: the node's kswapd_failures reached
 * MAX_RECLAIM_RETRIES.
 */
#include "compaction/compaction.h"
#include "report/report.h"

#define KMM_STAT_NAME(id, name) name,
static const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = { KMM_ZONE_STAT_ITEMS(
	KMM_STAT_NAME) };
static const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS] = { KMM_NODE_STAT_ITEMS(
	KMM_STAT_NAME) };

const char *zone_stat_name(int item)
{
	return zone_stat_names[item];
}

const char *node_stat_name(int item)
{
	return node_stat_names[item];
}

static bool is_zone_first_populated(const struct pglist_data *pgdat, const struct zone *zone)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (zone_is_populated(&pgdat->node_zones[z]))
			return zone == &pgdat->node_zones[z];
	return false;
}

static void print_zone(struct kmm_machine *m, struct kmm_out *o, struct pglist_data *pgdat,
		       struct zone *zone)
{
	const char *sep = "(";

	kmm_out_printf(o, "Node %d, zone %8s", pgdat->node_id, zone->name);
	if (is_zone_first_populated(pgdat, zone)) {
		kmm_out_printf(o, "\n  per-node stats");
		for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
			kmm_out_printf(o, "\n      %-12s %lu", node_stat_names[i],
				       node_stat_value(m, pgdat->node_id, i));
	}
	kmm_out_printf(o,
		       "\n  pages free     %lu"
		       "\n        boost    %lu"
		       "\n        min      %lu"
		       "\n        low      %lu"
		       "\n        high     %lu"
		       "\n        promo    %lu"
		       "\n        spanned  %lu"
		       "\n        present  %lu"
		       "\n        managed  %lu"
		       "\n        cma      %lu",
		       zone_stat_value(zone, NR_FREE_PAGES), zone->watermark_boost,
		       min_wmark_pages(zone), low_wmark_pages(zone), high_wmark_pages(zone),
		       promo_wmark_pages(zone), zone->spanned_pages, zone->present_pages,
		       zone->managed_pages, cma_zone_pages(m, zone));
	kmm_out_printf(o, "\n        protection: ");
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		if (!zone_idx_configured(m, i))
			continue;
		kmm_out_printf(o, "%s%ld", sep, zone->lowmem_reserve[i]);
		sep = ", ";
	}
	kmm_out_printf(o, ")");
	/* if unpopulated, no other information is useful */
	if (!zone_is_populated(zone)) {
		kmm_out_printf(o, "\n");
		return;
	}
	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		kmm_out_printf(o, "\n      %-12s %lu", zone_stat_names[i],
			       zone_stat_value(zone, i));
	if (m->pageset_printer)
		m->pageset_printer(m, zone, o);
	kmm_out_printf(o,
		       "\n  node_unreclaimable:  %u"
		       "\n  start_pfn:           %lu",
		       (unsigned int)(__atomic_load_n(&m->node_data[zone->node]->kswapd_failures,
						      __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES),
		       zone->zone_start_pfn);
	kmm_out_printf(o, "\n");
}

void report_zoneinfo(struct kmm_machine *m, struct kmm_out *o)
{
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = m->node_data[nid];

		for (int z = 0; z < MAX_NR_ZONES; z++)
			if (zone_idx_configured(m, z))
				print_zone(m, o, pgdat, &pgdat->node_zones[z]);
	}
}
