/* SPDX-License-Identifier: MIT */
/*
 * report/buddyinfo.c - /proc/buddyinfo: free blocks per order for every
 * populated zone of every node, in the kernel's format
 * ("Node %d, zone %8s " then "%6lu " per order).
 */
#include "report/report.h"

void report_buddyinfo(struct kmm_machine *m, struct kmm_out *o)
{
	for_each_zone_m (m, zone) {
		unsigned long counts[NR_PAGE_ORDERS];

		if (!zone_is_populated(zone))
			continue;
		zone_free_blocks(zone, counts);
		kmm_out_printf(o, "Node %d, zone %8s ", zone->node, zone->name);
		for (int i = 0; i < NR_PAGE_ORDERS; i++)
			kmm_out_printf(o, "%6lu ", counts[i]);
		kmm_out_printf(o, "\n");
	}
}
