/* SPDX-License-Identifier: MIT */
/*
 * report/extfrag.c - external fragmentation, as Linux measures it
 * (mm/vmstat.c, debugfs extfrag/): for a zone and a request order,
 *  - the unusable free space index: the share of free memory that is in
 *    blocks too small for the order, 0..1000;
 *  - the fragmentation index: -1000 when a suitable block exists;
 *    otherwise towards 1000 the failure is due to fragmentation and
 *    towards 0 to a lack of memory.
 * Printed per populated zone as "Node %d, zone %8s " then "%d.%03d " per
 * order (extfrag_index uses "%2d.%03d ").
 */
#include "page/deferred.h"
#include "report/report.h"

struct contig_page_info {
	unsigned long free_pages;
	unsigned long free_blocks_total;
	unsigned long free_blocks_suitable;
};

static void fill_contig_page_info(const unsigned long counts[NR_PAGE_ORDERS],
				  unsigned int suitable_order, struct contig_page_info *info)
{
	info->free_pages = 0;
	info->free_blocks_total = 0;
	info->free_blocks_suitable = 0;
	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long blocks = counts[order];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << order;
		if (order >= suitable_order)
			info->free_blocks_suitable += blocks << (order - suitable_order);
	}
}

static int unusable_free_index(unsigned int order, const struct contig_page_info *info)
{
	if (info->free_pages == 0)
		return 1000;
	return (int)((info->free_pages - (info->free_blocks_suitable << order)) * 1000ull /
		     info->free_pages);
}

static int fragmentation_index(unsigned int order, const struct contig_page_info *info)
{
	unsigned long requested = 1ul << order;

	if (order > MAX_ORDER || info->free_blocks_total == 0)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	return 1000 -
	       (int)((1000 + info->free_pages * 1000ull / requested) / info->free_blocks_total);
}

/* The free block statistics of one zone for `order`; false for a bad zone/order. */
static bool zone_contig_info(kmm_machine *m, int nid, enum kmm_zone_type z, unsigned int order,
			     struct contig_page_info *info)
{
	unsigned long counts[NR_PAGE_ORDERS];

	if (nid < 0 || nid >= m->nr_nodes || (unsigned int)z >= MAX_NR_ZONES || order > MAX_ORDER)
		return false;
	deferred_init_all(m); /* the zone as Linux shows it after boot */
	zone_free_blocks(&m->node_data[nid]->node_zones[z], counts);
	fill_contig_page_info(counts, order, info);
	return true;
}

int kmm_zone_unusable_index(kmm_machine *m, int nid, enum kmm_zone_type z, unsigned int order)
{
	struct contig_page_info info;

	return zone_contig_info(m, nid, z, order, &info) ? unusable_free_index(order, &info)
							 : KMM_EINVAL;
}

int kmm_zone_fragmentation_index(kmm_machine *m, int nid, enum kmm_zone_type z, unsigned int order)
{
	struct contig_page_info info;

	return zone_contig_info(m, nid, z, order, &info) ? fragmentation_index(order, &info)
							 : KMM_EINVAL;
}

static void print_index(struct kmm_machine *m, struct kmm_out *o, bool extfrag)
{
	for_each_zone_m (m, zone) {
		unsigned long counts[NR_PAGE_ORDERS];

		if (!zone_is_populated(zone))
			continue;
		zone_free_blocks(zone, counts);
		kmm_out_printf(o, "Node %d, zone %8s ", zone->node, zone->name);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			struct contig_page_info info;
			int index;

			fill_contig_page_info(counts, order, &info);
			if (extfrag) {
				index = fragmentation_index(order, &info);
				kmm_out_printf(o, "%2d.%03d ", index / 1000,
					       MAX(index % 1000, -(index % 1000)));
			} else {
				index = unusable_free_index(order, &info);
				kmm_out_printf(o, "%d.%03d ", index / 1000, index % 1000);
			}
		}
		kmm_out_printf(o, "\n");
	}
}

void report_unusable_index(struct kmm_machine *m, struct kmm_out *o)
{
	print_index(m, o, false);
}

void report_extfrag_index(struct kmm_machine *m, struct kmm_out *o)
{
	print_index(m, o, true);
}
