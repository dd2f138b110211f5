/* SPDX-License-Identifier: MIT */
/*
 * report/meminfo.c - /proc/meminfo, the lines kmm has: MemTotal, MemFree,
 * MemAvailable, the HighTotal/HighFree/LowTotal/LowFree group when the
 * machine has highmem, and the slab lines once the slab layer reports.
 * Each line is a label padded to 16 columns and "%8lu kB", as the kernel's.
 *
 * MemAvailable follows si_mem_available: free pages minus the pages the
 * kernel keeps in reserve (high watermarks and lowmem protection), plus
 * the half of reclaimable slab that could be freed. kmm has no page cache.
 */
#include "report/report.h"

static void line(struct kmm_out *o, const char *label, unsigned long kb)
{
	char buf[32];

	kmm_snprintf(buf, sizeof(buf), "%s:", label);
	kmm_out_printf(o, "%-16s%8lu kB\n", buf, kb);
}

void report_meminfo(struct kmm_machine *m, struct kmm_out *o)
{
	unsigned long kb = m->page_size >> 10;
	unsigned long free = 0, high_free = 0, reserve = calculate_totalreserve_pages(m);
	long avail;
	struct kmm_meminfo_extra extra = { 0, 0 };

	for_each_zone_m (m, zone) {
		unsigned long f = (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]);

		free += f;
		if (zone->idx == KMM_ZONE_HIGHMEM)
			high_free += f;
	}
	if (m->meminfo_extra)
		m->meminfo_extra(m, &extra);
	avail = (long)free - (long)reserve;
	avail += (long)extra.slab_reclaimable_pages -
		 (long)MIN(extra.slab_reclaimable_pages / 2, reserve);
	if (avail < 0)
		avail = 0;
	line(o, "MemTotal", m->totalram_pages * kb);
	line(o, "MemFree", free * kb);
	line(o, "MemAvailable", (unsigned long)avail * kb);
	if (m->totalhigh_pages) {
		line(o, "HighTotal", m->totalhigh_pages * kb);
		line(o, "HighFree", high_free * kb);
		line(o, "LowTotal", (m->totalram_pages - m->totalhigh_pages) * kb);
		line(o, "LowFree", (free - high_free) * kb);
	}
	if (m->meminfo_extra) {
		line(o, "Slab",
		     (extra.slab_reclaimable_pages + extra.slab_unreclaimable_pages) * kb);
		line(o, "SReclaimable", extra.slab_reclaimable_pages * kb);
		line(o, "SUnreclaim", extra.slab_unreclaimable_pages * kb);
	}
}
