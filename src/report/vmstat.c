/* SPDX-License-Identifier: MIT */
/*
 * report/vmstat.c - /proc/vmstat in Linux 6.18's order (mm/vmstat.c,
 * vmstat_text): "name value" per line,
 *
 *   1. the zone counters summed over every zone, then the NUMA events;
 *   2. the node counters summed over the nodes;
 *   3. nr_dirty_threshold, nr_dirty_background_threshold (global_dirty_limits
 *      at the default vm.dirty_ratio 20 and dirty_background_ratio 10, over
 *      kmm's dirtyable memory: free pages above the reserves, no page cache),
 *      nr_memmap_pages (0: kmm never grows its memmap) and
 *      nr_memmap_boot_pages (the frames the boot memmap took);
 *   4. the vm events (page/vmstat.h), the per-zone ones only for the zones
 *      the machine is built with; pgalloc_<zone> and pgfree come from the
 *      zones' own counters;
 *   5. "nr_unstable 0", the deprecated line the kernel appends;
 *   6. kmm's own counters (docs/reports.md names each).
 *
 * What kmm counts and what prints 0 is the table in docs/reports.md.
 */
#include "report/report.h"

/* global_dirtyable_memory: free pages above the reserves, plus file pages. */
static unsigned long dirtyable_memory(struct kmm_machine *m)
{
	unsigned long x = global_zone_stat(m, NR_FREE_PAGES);
	unsigned long reserve = calculate_totalreserve_pages(m);

	x -= MIN(x, reserve);
	x += global_node_stat(m, NR_INACTIVE_FILE) + global_node_stat(m, NR_ACTIVE_FILE);
	if (m->desc.highmem_bytes) {
		/* vm_highmem_is_dirtyable = 0: memory above Normal does not count */
		unsigned long high = 0;

		for_each_zone_m (m, zone) {
			unsigned long n;

			if (zone->idx <= KMM_ZONE_NORMAL || !zone_is_populated(zone))
				continue;
			n = zone_stat_value(zone, NR_FREE_PAGES);
			n -= MIN(n, high_wmark_pages(zone));
			n += zone_stat_value(zone, NR_ZONE_INACTIVE_FILE) +
			     zone_stat_value(zone, NR_ZONE_ACTIVE_FILE);
			high += n;
		}
		x -= MIN(high, x);
	}
	return x + 1; /* never 0 */
}

static unsigned long zone_event_sum(struct kmm_machine *m, int item)
{
	unsigned long sum = 0;

	for_each_zone_m (m, zone) {
		if ((int)zone->idx != vm_event_zone[item])
			continue;
		sum += READ_ONCE(zone->pgalloc);
	}
	return sum;
}

void report_vmstat(struct kmm_machine *m, struct kmm_out *o)
{
	unsigned long avail = dirtyable_memory(m), pgfree = 0;
	/* domain_dirty_limits: ratio in units of 1/PAGE_SIZE, as the kernel scales it */
	unsigned long ratio = (20 * m->page_size) / 100, bg_ratio = (10 * m->page_size) / 100;
	unsigned long thresh = (unsigned long)((uint64_t)ratio * avail / m->page_size);
	unsigned long bg_thresh = (unsigned long)((uint64_t)bg_ratio * avail / m->page_size);

	if (bg_thresh >= thresh)
		bg_thresh = thresh / 2;
	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		kmm_out_printf(o, "%s %lu\n", zone_stat_name(i), global_zone_stat(m, i));
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
		kmm_out_printf(o, "%s %lu\n", node_stat_name(i), global_node_stat(m, i));
	kmm_out_printf(o, "nr_dirty_threshold %lu\n", thresh);
	kmm_out_printf(o, "nr_dirty_background_threshold %lu\n", bg_thresh);
	kmm_out_printf(o, "nr_memmap_pages %lu\n", 0ul);
	kmm_out_printf(o, "nr_memmap_boot_pages %lu\n", m->memmap_pages);
	for_each_zone_m (m, zone)
		pgfree += READ_ONCE(zone->pgfree);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++) {
		unsigned long v;

		if (i == NR_VM_LINUX_EVENT_ITEMS)
			kmm_out_printf(o, "nr_unstable 0\n");
		if (vm_event_zone[i] >= 0 && !zone_idx_configured(m, vm_event_zone[i]))
			continue;
		if (i >= PGALLOC_DMA && i <= PGALLOC_DEVICE)
			v = zone_event_sum(m, i);
		else if (i == PGFREE)
			v = pgfree;
		else
			v = __atomic_load_n(&m->events[i], __ATOMIC_RELAXED);
		kmm_out_printf(o, "%s %lu\n", vm_event_names[i], v);
	}
}
