/* SPDX-License-Identifier: MIT */
/*
 * report/report.c - kmm_report: dispatch to the report printers, and the
 * small zone queries of the public API.
 */
#include "boot/late_init.h"
#include "hotplug/hotplug.h"
#include "page/deferred.h"
#include "report/report.h"

static const struct {
	const char *name;
	void (*print)(struct kmm_machine *m, struct kmm_out *o);
} reports[KMM_NR_REPORTS] = {
	[KMM_REPORT_BUDDYINFO] = { "buddyinfo", report_buddyinfo },
	[KMM_REPORT_ZONEINFO] = { "zoneinfo", report_zoneinfo },
	[KMM_REPORT_MEMINFO] = { "meminfo", report_meminfo },
	[KMM_REPORT_PAGETYPEINFO] = { "pagetypeinfo", report_pagetypeinfo },
	[KMM_REPORT_VMSTAT] = { "vmstat", report_vmstat },
	[KMM_REPORT_UNUSABLE_INDEX] = { "unusable_index", report_unusable_index },
	[KMM_REPORT_EXTFRAG_INDEX] = { "extfrag_index", report_extfrag_index },
	[KMM_REPORT_SLABINFO] = { "slabinfo", report_slabinfo },
	[KMM_REPORT_VMALLOCINFO] = { "vmallocinfo", report_vmallocinfo },
	[KMM_REPORT_MEMORY] = { "memory", hotplug_print_blocks },
};

int kmm_report(kmm_machine *m, enum kmm_report which, kmm_sink_fn sink, void *ctx)
{
	struct kmm_out o;

	if ((unsigned int)which >= KMM_NR_REPORTS || !reports[which].print || !sink)
		return KMM_EINVAL;
	/* Linux's reports are read after its deferred init is done: finish ours. */
	deferred_init_all(m);
	/* per-CPU counter deltas are folded into the zones first, as /proc does */
	kmm_layers_report(m);
	kmm_out_init(&o, sink, ctx);
	reports[which].print(m, &o);
	kmm_out_flush(&o);
	return KMM_OK;
}

int kmm_report_by_name(const char *name)
{
	for (int i = 0; i < KMM_NR_REPORTS; i++)
		if (reports[i].name && kmm_strcmp(reports[i].name, name) == 0)
			return i;
	return -1;
}

const char *kmm_report_name(int which)
{
	return which >= 0 && which < KMM_NR_REPORTS ? reports[which].name : NULL;
}

void zone_free_blocks(struct zone *zone, unsigned long counts[NR_PAGE_ORDERS])
{
	kmm_spin_lock(&zone->lock);
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		counts[o] = zone->free_area[o].nr_free;
	kmm_spin_unlock(&zone->lock);
}

static struct zone *find_zone(kmm_machine *m, int nid, enum kmm_zone_type z)
{
	if (nid < 0 || nid >= m->nr_nodes || (unsigned int)z >= MAX_NR_ZONES)
		return NULL;
	deferred_init_all(m); /* the zone as Linux shows it after boot */
	return &m->node_data[nid]->node_zones[z];
}

unsigned long kmm_zone_free_pages(kmm_machine *m, int nid, enum kmm_zone_type z)
{
	struct zone *zone = find_zone(m, nid, z);

	return zone ? (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]) : 0;
}

int kmm_zone_free_blocks(kmm_machine *m, int nid, enum kmm_zone_type z,
			 unsigned long counts[KMM_NR_ORDERS])
{
	struct zone *zone = find_zone(m, nid, z);

	if (!zone)
		return KMM_EINVAL;
	zone_free_blocks(zone, counts);
	return KMM_OK;
}

unsigned long kmm_zone_managed_pages(kmm_machine *m, int nid, enum kmm_zone_type z)
{
	struct zone *zone = find_zone(m, nid, z);

	return zone ? zone->managed_pages : 0;
}

struct zone *kmm_page_zone(const kmm_machine *m, const struct page *page)
{
	return page_in_machine(m, page) ? page_zone(m, page) : NULL;
}

int kmm_zone_idx(const struct zone *zone)
{
	return (int)zone->idx;
}

int kmm_zone_nid(const struct zone *zone)
{
	return zone->node;
}

const char *kmm_zone_name(const struct zone *zone)
{
	return zone->name;
}

int kmm_node_distance(const kmm_machine *m, int from, int to)
{
	if (from < 0 || to < 0 || from >= m->nr_nodes || to >= m->nr_nodes)
		return -1;
	return m->node_distance[from][to];
}
