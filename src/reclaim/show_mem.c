/* SPDX-License-Identifier: MIT */
/*
 * reclaim/show_mem.c - show_mem, the "Mem-Info:" block the OOM report and
 * kmm_show_mem print, in the layout of Linux 6.18's mm/show_mem.c
 * (x86_64 with THP, CMA and memory-failure support built in):
 *   the machine-wide counters (active_anon ... free free_pcp free_cma),
 *   one "Node N ..." line per node with all_unreclaimable? (kswapd gave up),
 *   per zone "Node N Zone free: boost: min: low: high: ... local_pcp:" and
 *   its "lowmem_reserve[]:" line,
 *   per zone the free areas "Node 0 Normal: 3*4kB (UME) ... = 12kB",
 *   the page cache and swap lines, then the RAM / HighMem / reserved /
 *   cma / hwpoisoned page totals.
 * kmm has no page cache, anonymous memory, swap, page tables or hugetlb:
 * those figures print as 0 (and the hugetlb per-node lines not at all).
 * Slab figures come from the slab layer (m->meminfo_extra).
 */
#include "page/pcp.h"
#include "reclaim/reclaim.h"
#include "slab/slab.h"

#define K(m, x) ((unsigned long)(x) << ((m)->page_shift - 10))

static bool node_skip(const uint64_t *nodemask, int nid)
{
	return nodemask && !((*nodemask >> nid) & 1);
}

static unsigned long zone_free_pcp(struct kmm_machine *m, struct zone *zone)
{
	unsigned long n = 0;

	if (zone->pcp)
		for (int cpu = 0; cpu < m->nr_cpus; cpu++)
			n += (unsigned long)pcp_pages(pcp_ptr(m, zone, cpu));
	return n;
}

static void show_migration_types(struct kmm_out *o, unsigned int types)
{
	static const char letters[MIGRATE_TYPES] = { 'U', 'M', 'E', 'H', 'C', 'I' };
	char tmp[MIGRATE_TYPES + 1];
	int n = 0;

	for (int i = 0; i < MIGRATE_TYPES; i++)
		if (types & (1u << i))
			tmp[n++] = letters[i];
	tmp[n] = '\0';
	kmm_out_printf(o, "(%s) ", tmp);
}

static void show_free_areas(struct kmm_machine *m, struct kmm_out *o, const uint64_t *nodemask,
			    int max_zone_idx)
{
	struct kmm_meminfo_extra slab = { 0, 0 };
	unsigned long free_pcp = 0, free = 0;

	if (m->meminfo_extra)
		m->meminfo_extra(m, &slab);
	for_each_zone_m (m, zone) {
		if (!zone_is_populated(zone) || (int)zone->idx > max_zone_idx ||
		    node_skip(nodemask, zone->node))
			continue;
		free_pcp += zone_free_pcp(m, zone);
	}
	for_each_zone_m (m, zone)
		free += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]);
	kmm_out_printf(o,
		       "active_anon:%lu inactive_anon:%lu isolated_anon:%lu\n"
		       " active_file:%lu inactive_file:%lu isolated_file:%lu\n"
		       " unevictable:%lu dirty:%lu writeback:%lu\n"
		       " slab_reclaimable:%lu slab_unreclaimable:%lu\n"
		       " mapped:%lu shmem:%lu pagetables:%lu\n"
		       " sec_pagetables:%lu\n"
		       " kernel_misc_reclaimable:%lu\n"
		       " free:%lu free_pcp:%lu free_cma:%lu\n",
		       0ul, 0ul, 0ul, 0ul, 0ul, 0ul, 0ul, 0ul, 0ul, slab.slab_reclaimable_pages,
		       slab.slab_unreclaimable_pages, 0ul, 0ul, 0ul, 0ul, 0ul, free, free_pcp, 0ul);
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		bool managed = false;
		int failures = m->reclaim ? __atomic_load_n(&reclaim_node(m, nid)->kswapd_failures,
							    __ATOMIC_RELAXED)
					  : 0;

		if (node_skip(nodemask, nid))
			continue;
		for (int z = 0; z <= max_zone_idx; z++)
			managed |= zone_is_managed(&m->node_data[nid]->node_zones[z]);
		if (!managed)
			continue;
		kmm_out_printf(o,
			       "Node %d active_anon:0kB inactive_anon:0kB active_file:0kB "
			       "inactive_file:0kB unevictable:0kB isolated(anon):0kB "
			       "isolated(file):0kB mapped:0kB dirty:0kB writeback:0kB shmem:0kB "
			       "shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB writeback_tmp:0kB "
			       "kernel_stack:0kB pagetables:0kB sec_pagetables:0kB "
			       "all_unreclaimable? %s\n",
			       nid, failures >= MAX_RECLAIM_RETRIES ? "yes" : "no");
	}
	for_each_zone_m (m, zone) {
		int this_cpu = kmm_this_cpu(m);

		if (!zone_is_populated(zone) || (int)zone->idx > max_zone_idx ||
		    node_skip(nodemask, zone->node))
			continue;
		kmm_out_printf(
			o,
			"Node %d %s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB "
			"reserved_highatomic:%luKB active_anon:0kB inactive_anon:0kB "
			"active_file:0kB inactive_file:0kB unevictable:%lukB "
			"writepending:%lukB present:%lukB managed:%lukB mlocked:%lukB "
			"free_pcp:%lukB local_pcp:%ukB free_cma:%lukB\n",
			zone->node, zone->name, K(m, READ_ONCE(zone->vm_stat[NR_FREE_PAGES])),
			K(m, READ_ONCE(zone->watermark_boost)), K(m, min_wmark_pages(zone)),
			K(m, low_wmark_pages(zone)), K(m, high_wmark_pages(zone)),
			K(m, READ_ONCE(zone->nr_reserved_highatomic)),
			K(m, READ_ONCE(zone->vm_stat[NR_ZONE_UNEVICTABLE])),
			K(m, READ_ONCE(zone->vm_stat[NR_ZONE_WRITE_PENDING])),
			K(m, zone->present_pages), K(m, zone->managed_pages),
			K(m, READ_ONCE(zone->vm_stat[NR_MLOCK])), K(m, zone_free_pcp(m, zone)),
			zone->pcp ? (unsigned int)K(m, pcp_pages(pcp_ptr(m, zone, this_cpu))) : 0u,
			K(m, READ_ONCE(zone->vm_stat[NR_FREE_CMA_PAGES])));
		kmm_out_printf(o, "lowmem_reserve[]:");
		for (int i = 0; i < MAX_NR_ZONES; i++)
			kmm_out_printf(o, " %ld", zone->lowmem_reserve[i]);
		kmm_out_printf(o, "\n");
	}
	for_each_zone_m (m, zone) {
		unsigned long nr[NR_PAGE_ORDERS], total = 0;
		unsigned int types[NR_PAGE_ORDERS];

		if (!zone_is_populated(zone) || (int)zone->idx > max_zone_idx ||
		    node_skip(nodemask, zone->node))
			continue;
		kmm_spin_lock(&zone->lock);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			const struct free_area *area = &zone->free_area[order];

			nr[order] = area->nr_free;
			total += nr[order] << order;
			types[order] = 0;
			for (int t = 0; t < MIGRATE_TYPES; t++)
				if (!page_list_empty(&area->free_list[t]))
					types[order] |= 1u << t;
		}
		kmm_spin_unlock(&zone->lock);
		kmm_out_printf(o, "Node %d %s: ", zone->node, zone->name);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			kmm_out_printf(o, "%lu*%lukB ", nr[order], K(m, 1ul) << order);
			if (nr[order])
				show_migration_types(o, types[order]);
		}
		kmm_out_printf(o, "= %lukB\n", K(m, total));
	}
	kmm_out_printf(o, "%ld total pagecache pages\n", 0l);
	kmm_out_printf(o, "%lu pages in swap cache\n", 0ul);
	kmm_out_printf(o, "Free swap  = %ldkB\n", 0l);
	kmm_out_printf(o, "Total swap = %lukB\n", 0ul);
}

void show_mem(struct kmm_machine *m, struct kmm_out *o, const uint64_t *nodemask, int max_zone_idx)
{
	unsigned long total = 0, reserved = 0, highmem = 0;

	kmm_out_printf(o, "Mem-Info:\n");
	show_free_areas(m, o, nodemask, max_zone_idx);
	for_each_zone_m (m, zone) {
		if (!zone_is_populated(zone))
			continue;
		total += zone->present_pages;
		reserved += zone->present_pages - zone->managed_pages;
		if (zone->idx == KMM_ZONE_HIGHMEM)
			highmem += zone->present_pages;
	}
	kmm_out_printf(o, "%lu pages RAM\n", total);
	kmm_out_printf(o, "%lu pages HighMem/MovableOnly\n", highmem);
	kmm_out_printf(o, "%lu pages reserved\n", reserved);
	kmm_out_printf(o, "%lu pages cma reserved\n", 0ul);
	kmm_out_printf(o, "%lu pages hwpoisoned\n", 0ul);
}

void kmm_show_mem(kmm_machine *m)
{
	struct kmm_out o;

	kmm_log_begin(m, &o);
	show_mem(m, &o, NULL, MAX_NR_ZONES - 1);
	kmm_log_end(m, &o);
}
