/* SPDX-License-Identifier: MIT */
/*
 * page/show_mem.c - show_mem, the "Mem-Info:" block that warn_alloc, the
 * OOM report and kmm_show_mem print, in the layout of Linux 6.18's
 * mm/show_mem.c on x86_64 (THP and hugetlb built in; no CMA or memory
 * failure, as the kernel these machines run: its meminfo has neither
 * CmaTotal nor HardwareCorrupted):
 *   the machine-wide counters (active_anon ... free free_pcp free_cma),
 *   one "Node N ..." line per node with a managed zone up to max_zone_idx,
 *   all_unreclaimable? from the node's kswapd_failures,
 *   per zone "Node N Zone free: boost: min: ... local_pcp: free_cma:" and
 *   its "lowmem_reserve[]:" line, then its free areas
 *   ("Node 0 Normal: 3*4kB (UME) ... = 12kB"),
 *   the per-node hugetlb lines, the page cache and swap lines, and the
 *   RAM / HighMem / reserved page totals.
 * Filters (__show_mem's): zones above max_zone_idx are left out, and with
 * filter_nodes so are nodes outside the nodemask (no nodemask: the root
 * cpuset, every node). Counters kmm does not model (LRU lists, page
 * cache, swap, page tables, hugetlb pools, zsmalloc, balloon) print 0;
 * slab figures come from the slab layer through m->meminfo_extra.
 * The layout's sources and what could not be pinned down: docs/zones.md.
 */
#include "log.h"
#include "page/internal.h"
#include "page/pcp.h"
#include "smp/cpu.h"

#include <kmm/reclaim.h>

static unsigned long zone_free_pcp(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long sum = 0;

	if (!zone->pcp)
		return 0;
	for (int slot = 0; slot < m->nr_slots; slot++)
		sum += (unsigned long)pcp_pages(pcp_ptr(m, zone, slot));
	return sum;
}

/* Free pages on the HighAtomic lists (6.18's zone->nr_free_highatomic). zone->lock held. */
static unsigned long zone_free_highatomic(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long sum = 0;

	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++)
		for (uint32_t pfn = zone->free_area[order].free_list[MIGRATE_HIGHATOMIC].head;
		     pfn != KMM_NIL_PFN; pfn = m->vmemmap[pfn].lru_next)
			sum += 1ul << order;
	return sum;
}

void show_mem(struct kmm_machine *m, struct kmm_out *o, bool filter_nodes, const uint64_t *nodemask,
	      int max_zone_idx)
{
	struct kmm_meminfo_extra slab_pages = { 0, 0 };
	const struct kmm_meminfo_extra *slab = &slab_pages;
	static const char mt_letter[MIGRATE_TYPES] = { 'U', 'M', 'E', 'H', 'C', 'I' };
	bool filter = filter_nodes && nodemask; /* no nodemask: the root cpuset's, every node */
	unsigned long kb = m->page_size >> 10, free = 0, free_pcp = 0, free_cma = 0;
	unsigned long total = 0, reserved = 0, highmem = 0;
	int cpu = kmm_this_cpu(m);

	if (m->meminfo_extra)
		m->meminfo_extra(m, &slab_pages);

#define SKIP(zone)                                                      \
	(!zone_is_populated(zone) || (int)(zone)->idx > max_zone_idx || \
	 (filter && !((*nodemask >> (zone)->node) & 1)))
	for_each_zone_m (m, zone) {
		if (!zone_is_populated(zone))
			continue;
		free += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]);
		free_cma += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_CMA_PAGES]);
		if (!SKIP(zone))
			free_pcp += zone_free_pcp(m, zone);
	}
	kmm_out_printf(o, "Mem-Info:\n");
	kmm_out_printf(o,
		       "active_anon:0 inactive_anon:0 isolated_anon:0\n"
		       " active_file:0 inactive_file:0 isolated_file:0\n"
		       " unevictable:0 dirty:0 writeback:0\n"
		       " slab_reclaimable:%lu slab_unreclaimable:%lu\n"
		       " mapped:0 shmem:0 pagetables:0\n"
		       " sec_pagetables:0 bounce:0\n"
		       " kernel_misc_reclaimable:0\n"
		       " free:%lu free_pcp:%lu free_cma:%lu\n",
		       slab->slab_reclaimable_pages, slab->slab_unreclaimable_pages, free, free_pcp,
		       free_cma);
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		bool managed = false, hopeless;

		if (filter && !((*nodemask >> nid) & 1))
			continue;
		for (int z = 0; z <= max_zone_idx && z < MAX_NR_ZONES; z++)
			managed |= __atomic_load_n(&m->node_data[nid]->node_zones[z].managed_pages,
						   __ATOMIC_RELAXED) != 0;
		if (!managed)
			continue;
		hopeless = __atomic_load_n(&m->node_data[nid]->kswapd_failures, __ATOMIC_RELAXED) >=
			   MAX_RECLAIM_RETRIES;
		kmm_out_printf(o,
			       "Node %d active_anon:0kB inactive_anon:0kB active_file:0kB "
			       "inactive_file:0kB unevictable:0kB isolated(anon):0kB "
			       "isolated(file):0kB mapped:0kB dirty:0kB writeback:0kB shmem:0kB "
			       "shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB kernel_stack:0kB "
			       "pagetables:0kB sec_pagetables:0kB all_unreclaimable? %s "
			       "Balloon:0kB\n",
			       nid, hopeless ? "yes" : "no");
	}
	for_each_zone_m (m, zone) {
		unsigned long free_ha;

		if (SKIP(zone))
			continue;
		kmm_spin_lock(&zone->lock);
		free_ha = zone_free_highatomic(m, zone);
		kmm_spin_unlock(&zone->lock);
		kmm_out_printf(
			o,
			"Node %d %s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB "
			"reserved_highatomic:%luKB free_highatomic:%luKB active_anon:0kB "
			"inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB "
			"writepending:0kB zspages:0kB present:%lukB managed:%lukB mlocked:0kB "
			"bounce:0kB free_pcp:%lukB local_pcp:%lukB free_cma:%lukB\n",
			zone->node, zone->name,
			(unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]) * kb,
			/* boost, the reserve and the sizes change under zone->lock: read once */
			READ_ONCE(zone->watermark_boost) * kb, min_wmark_pages(zone) * kb,
			low_wmark_pages(zone) * kb, high_wmark_pages(zone) * kb,
			READ_ONCE(zone->nr_reserved_highatomic) * kb, free_ha * kb,
			READ_ONCE(zone->present_pages) * kb,
			__atomic_load_n(&zone->managed_pages, __ATOMIC_RELAXED) * kb,
			zone_free_pcp(m, zone) * kb,
			zone->pcp ? (unsigned long)pcp_pages(pcp_ptr(m, zone, cpu)) * kb : 0ul,
			(unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_CMA_PAGES]) * kb);
		kmm_out_printf(o, "lowmem_reserve[]:");
		for (int z = 0; z < MAX_NR_ZONES; z++)
			kmm_out_printf(o, " %ld", READ_ONCE(zone->lowmem_reserve[z]));
		kmm_out_printf(o, "\n");
	}
	for_each_zone_m (m, zone) {
		unsigned long nr[NR_PAGE_ORDERS], sum = 0;
		unsigned int types[NR_PAGE_ORDERS];

		if (SKIP(zone))
			continue;
		kmm_spin_lock(&zone->lock);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			const struct free_area *area = &zone->free_area[order];

			nr[order] = area->nr_free;
			sum += nr[order] << order;
			types[order] = 0;
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				if (!page_list_empty(&area->free_list[mt]))
					types[order] |= 1u << mt;
		}
		kmm_spin_unlock(&zone->lock);
		kmm_out_printf(o, "Node %d %s: ", zone->node, zone->name);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			char t[MIGRATE_TYPES + 1];
			int nt = 0;

			kmm_out_printf(o, "%lu*%lukB ", nr[order], kb << order);
			if (!nr[order])
				continue;
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				if (types[order] & (1u << mt))
					t[nt++] = mt_letter[mt];
			t[nt] = '\0';
			kmm_out_printf(o, "(%s) ", t);
		}
		kmm_out_printf(o, "= %lukB\n", sum * kb);
	}
#undef SKIP
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		if (filter && !((*nodemask >> nid) & 1))
			continue;
		/* x86_64's two hstates, 1 GiB then 2 MiB (with 4K pages) */
		if (m->page_size == 4096)
			kmm_out_printf(
				o,
				"Node %d hugepages_total=0 hugepages_free=0 hugepages_surp=0 "
				"hugepages_size=1048576kB\n",
				nid);
		kmm_out_printf(o,
			       "Node %d hugepages_total=0 hugepages_free=0 hugepages_surp=0 "
			       "hugepages_size=%lukB\n",
			       nid, (m->page_size / sizeof(void *)) * kb);
	}
	kmm_out_printf(o, "0 total pagecache pages\n");
	kmm_out_printf(o, "0 pages in swap cache\nFree swap  = 0kB\nTotal swap = 0kB\n");
	for_each_zone_m (m, zone) {
		if (!zone_is_populated(zone))
			continue;
		unsigned long present = READ_ONCE(zone->present_pages);

		total += present;
		reserved += present - __atomic_load_n(&zone->managed_pages, __ATOMIC_RELAXED);
		if (is_highmem_idx((enum kmm_zone_type)zone->idx))
			highmem += present;
	}
	kmm_out_printf(o, "%lu pages RAM\n", total);
	kmm_out_printf(o, "%lu pages HighMem/MovableOnly\n", highmem);
	kmm_out_printf(o, "%lu pages reserved\n", reserved);
}

void kmm_show_mem(kmm_machine *m)
{
	struct kmm_out o;

	if (!m)
		return;
	kmm_log_begin(m, &o);
	show_mem(m, &o, false, NULL, MAX_NR_ZONES - 1);
	kmm_log_end(m, &o);
}
