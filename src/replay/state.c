/* SPDX-License-Identifier: MIT */
/*
 * replay/state.c - what the pictures of `kmm replay --report` and
 * `kmm map` read from a machine: one pageblock at a time (its zone,
 * migratetype, free and reserved pages) and a zone's watermarks.
 *
 * A pageblock is 2^pageblock_order (512) frames. Its free pages are the
 * frames inside free buddy blocks: a free block of order >= 9 that
 * encloses the pageblock makes all of it free (its PG_buddy head may lie in
 * an earlier pageblock), otherwise the heads inside the pageblock are
 * summed. Pages on per-CPU lists are not free here, as in buddyinfo. The
 * walk takes the zone's lock, so the answer is one consistent moment of
 * that zone; it reads and changes nothing else.
 */
#include "page/deferred.h"
#include "page/internal.h"
#include <kmm/trace.h>

unsigned long kmm_pageblock_pages(const kmm_machine *m)
{
	return pageblock_nr_pages;
}

static struct zone *zone_of_pfn(struct kmm_machine *m, unsigned long pfn)
{
	for_each_zone_m (m, zone) {
		if (zone_is_populated(zone) && zone_spans_pfn(zone, pfn))
			return zone;
	}
	return NULL;
}

int kmm_pageblock_info(kmm_machine *m, unsigned long block, struct kmm_pageblock_info *out)
{
	unsigned long start = block << pageblock_order, end = start + pageblock_nr_pages, pfn;
	struct zone *zone = NULL;

	if (!m || !out || start >= machine_max_pfn(m))
		return KMM_EINVAL;
	if (end > machine_max_pfn(m))
		end = machine_max_pfn(m);
	deferred_init_pfn(
		m, end - 1); /* the block's descriptors as the kernel shows them after boot */
	*out = (struct kmm_pageblock_info){ .nid = -1, .zone = -1, .migratetype = -1 };
	out->total = (unsigned int)(end - start);
	for (pfn = start; pfn < end && !zone; pfn++)
		if (pfn_valid(m, pfn))
			zone = zone_of_pfn(m, pfn);
	if (!zone) {
		/* a hole: no RAM, or RAM outside every zone; count reserved frames */
		for (pfn = start; pfn < end; pfn++)
			if (pfn_valid(m, pfn) && page_test(pfn_to_page(m, pfn), PG_reserved))
				out->reserved++;
		return KMM_OK;
	}
	out->nid = kmm_zone_nid(zone);
	out->zone = kmm_zone_idx(zone);
	kmm_spin_lock(&zone->lock);
	out->migratetype = zone_spans_pfn(zone, start) ? get_pageblock_migratetype(zone, start)
						       : get_pageblock_migratetype(zone, pfn - 1);
	for (unsigned int k = pageblock_order + 1; k <= MAX_ORDER; k++) {
		unsigned long head = start & ~((1ul << k) - 1);
		struct page *hp;

		if (!zone_spans_pfn(zone, head) || !pfn_valid(m, head))
			continue;
		hp = pfn_to_page(m, head);
		if (page_test(hp, PG_buddy) && buddy_order(hp) == k) {
			out->free = out->total;
			kmm_spin_unlock(&zone->lock);
			return KMM_OK;
		}
	}
	for (pfn = start; pfn < end;) {
		struct page *p;

		if (!pfn_valid(m, pfn)) {
			pfn++;
			continue;
		}
		p = pfn_to_page(m, pfn);
		if (page_test(p, PG_buddy)) {
			unsigned long n = 1ul << buddy_order(p);

			out->free += (unsigned int)(n < end - pfn ? n : end - pfn);
			pfn += n;
			continue;
		}
		if (page_test(p, PG_reserved))
			out->reserved++;
		pfn++;
	}
	kmm_spin_unlock(&zone->lock);
	return KMM_OK;
}

void kmm_zone_watermarks(kmm_machine *m, int nid, enum kmm_zone_type zone, unsigned long wm[3])
{
	struct zone *z;

	wm[0] = wm[1] = wm[2] = 0;
	if (!m || nid < 0 || nid >= m->nr_nodes || (unsigned int)zone >= KMM_NR_ZONES)
		return;
	z = &m->node_data[nid]->node_zones[zone];
	if (!zone_is_populated(z))
		return;
	wm[0] = min_wmark_pages(z);
	wm[1] = low_wmark_pages(z);
	wm[2] = high_wmark_pages(z);
}
