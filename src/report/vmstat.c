/* SPDX-License-Identifier: MIT */
/*
 * report/vmstat.c - /proc/vmstat-style counters, "name value" per line:
 * the zone counters summed over zones, pgalloc_<zone> per zone type, pgfree,
 * then the machine-wide events (allocstall, kswapd wakeups, failures ...).
 * Names that Linux has keep Linux's meaning; kmm's own are listed in
 * docs/reports.md.
 */
#include "report/report.h"

#define KMM_STAT_NAME(id, name) name,
static const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = { KMM_ZONE_STAT_ITEMS(
	KMM_STAT_NAME) };

void report_vmstat(struct kmm_machine *m, struct kmm_out *o)
{
	static const char *const pgalloc_names[MAX_NR_ZONES] = { "pgalloc_dma", "pgalloc_dma32",
								 "pgalloc_normal", "pgalloc_high",
								 "pgalloc_movable" };
	unsigned long pgalloc[MAX_NR_ZONES] = { 0 }, pgfree = 0;

	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++) {
		long sum = 0;

		for_each_zone_m (m, zone)
			sum += READ_ONCE(zone->vm_stat[i]);
		kmm_out_printf(o, "%s %ld\n", zone_stat_names[i], sum);
	}
	for_each_zone_m (m, zone) {
		pgalloc[zone->idx] += READ_ONCE(zone->pgalloc);
		pgfree += READ_ONCE(zone->pgfree);
	}
	for (int z = 0; z < MAX_NR_ZONES; z++)
		kmm_out_printf(o, "%s %lu\n", pgalloc_names[z], pgalloc[z]);
	kmm_out_printf(o, "pgfree %lu\n", pgfree);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		kmm_out_printf(o, "%s %lu\n", vm_event_names[i],
			       __atomic_load_n(&m->events[i], __ATOMIC_RELAXED));
}
