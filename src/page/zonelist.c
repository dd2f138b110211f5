/* SPDX-License-Identifier: MIT */
/*
 * page/zonelist.c - the order in which an allocation tries zones.
 *
 * Each node has two zonelists (build_zonelists):
 *  - ZONELIST_FALLBACK: the local node's zones from the highest down, then
 *    every other node's, nearest (by node distance) first - node order, as
 *    Linux builds it. An allocation skips zones above its gfp_zone().
 *  - ZONELIST_NOFALLBACK: the local node's zones only (__GFP_THISNODE).
 * Only zones with managed pages are listed. Lists end with NULL.
 *
 * Memory hotplug rebuilds the lists while allocations walk them: a list is
 * built aside and published slot by slot (relaxed stores, read with
 * READ_ONCE), its new terminator first, so a walker sees each slot either
 * old or new - a zone met twice or missed once, never a torn pointer.
 */
#include "page/internal.h"

static int add_node_zones(struct pglist_data *pgdat, struct zone **list, int n)
{
	for (int z = MAX_NR_ZONES - 1; z >= 0; z--) {
		struct zone *zone = &pgdat->node_zones[z];

		if (zone_is_managed(zone))
			list[n++] = zone;
	}
	return n;
}

static void publish(struct zone **live, struct zone *const *built, int n)
{
	WRITE_ONCE(live[n], (struct zone *)NULL);
	for (int i = 0; i < n; i++)
		WRITE_ONCE(live[i], built[i]);
}

static void build_zonelists(struct kmm_machine *m, int nid)
{
	struct pglist_data *pgdat = m->node_data[nid];
	struct zone *fb[MAX_ZONELIST];
	bool used[KMM_MAX_NUMNODES] = { false };
	int n = 0;

	for (int i = 0; i < m->nr_nodes; i++) {
		int best = -1;

		/* nearest unused node; ties go to the lower id, the local node first */
		for (int c = 0; c < m->nr_nodes; c++) {
			if (used[c])
				continue;
			if (best < 0 || m->node_distance[nid][c] < m->node_distance[nid][best] ||
			    (c == nid && m->node_distance[nid][c] == m->node_distance[nid][best]))
				best = c;
		}
		used[best] = true;
		n = add_node_zones(m->node_data[best], fb, n);
	}
	publish(pgdat->node_zonelists[ZONELIST_FALLBACK].zones, fb, n);
	n = add_node_zones(pgdat, fb, 0);
	publish(pgdat->node_zonelists[ZONELIST_NOFALLBACK].zones, fb, n);
}

void build_all_zonelists(struct kmm_machine *m)
{
	for (int nid = 0; nid < m->nr_nodes; nid++)
		build_zonelists(m, nid);
}
