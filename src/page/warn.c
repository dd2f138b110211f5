/* SPDX-License-Identifier: MIT */
/*
 * page/warn.c - what the page allocator says when something is wrong:
 *  - bad_page: a descriptor in a state the operation forbids (double free,
 *    tail page, wrong order ...), in the kernel's "BUG: Bad page state"
 *    format with a dump of the descriptor;
 *  - warn_alloc: an allocation failed, in the kernel's "page allocation
 *    failure: order:N, mode:0x...(...)" format, followed by the free areas
 *    of every zone as show_free_areas prints them; rate limited (10 per
 *    5 seconds) as the kernel's is;
 *  - kmm_report_bad_call: an argument that is wrong before any page is
 *    involved (a pointer outside the machine, an invalid gfp mask).
 */
#include "log.h"
#include "page/internal.h"
#include "page/pcp.h"
#include "platform/platform.h"
#include "smp/cpu.h"

#define WARN_RATELIMIT_BURST 10
#define WARN_RATELIMIT_NS 5000000000ull

const char *const pageflag_names[NR_PAGEFLAGS] = {
	[PG_reserved] = "reserved",
	[PG_buddy] = "buddy",
	[PG_head] = "head",
	[PG_tail] = "tail",
	[PG_slab] = "slab",
	[PG_pcp] = "pcp",
	[PG_highmem] = "highmem",
	[PG_vmalloc] = "vmalloc",
	[PG_guard] = "guard",
	[PG_hwpoison] = "hwpoison",
	[PG_owner_priv] = "owner_priv",
	[PG_reported] = "reported",
	[PG_movable_ops_isolated] = "movable_ops_isolated",
};

static void print_flag_names(struct kmm_out *o, uint32_t flags)
{
	bool first = true;

	for (int f = 0; f < NR_PAGEFLAGS; f++) {
		if (!(flags & (1u << f)))
			continue;
		kmm_out_printf(o, "%s%s", first ? "" : "|", pageflag_names[f]);
		first = false;
	}
	/* 6.18's PG_movable_ops: the page's owner registered movable_operations */
	if (flags & (PAGE_MOVABLE_MASK << PAGE_MOVABLE_SHIFT))
		kmm_out_printf(o, "%smovable_ops", first ? "" : "|");
}

void dump_page(struct kmm_machine *m, struct kmm_out *o, const struct page *page,
	       const char *reason)
{
	unsigned long pfn = page_to_pfn(m, page);

	kmm_out_printf(o, "page:%p refcount:%d order:%d pfn:%#lx node:%u zone:%s\n",
		       (const void *)page, page_ref_count(page),
		       page_test(page, PG_buddy) ? (int)buddy_order(page) : page_alloc_order(page),
		       pfn, page_nid(page), zone_names[page_zonenum(page)]);
	kmm_out_printf(o, "flags: %#x(", page->flags & PAGE_FLAGS_MASK);
	print_flag_names(o, page->flags & PAGE_FLAGS_MASK);
	kmm_out_printf(o, ")\n");
	kmm_out_printf(o, "raw: %08x %08x %08x %08x %016lx %016llx\n", page->flags,
		       (unsigned int)page->_refcount, page->lru_next, page->lru_prev,
		       (unsigned long)page->private, (unsigned long long)page->u.raw);
	if (reason)
		kmm_out_printf(o, "page dumped because: %s\n", reason);
}

void bad_page(struct kmm_machine *m, const struct page *page, const char *reason)
{
	struct kmm_out o;
	char comm[32];

	count_vm_event(m, BAD_PAGE_REPORTS);
	kmm_os_task_name(comm, sizeof(comm));
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "BUG: Bad page state in process %s  pfn:%05lx\n", comm,
		       page_to_pfn(m, page));
	dump_page(m, &o, page, reason);
	kmm_out_printf(&o, "kmm: the page was left as it was; allocator state is unchanged\n");
	kmm_log_end(m, &o);
	kmm_log_maybe_fatal(m);
}

void kmm_report_bad_call(struct kmm_machine *m, const char *fmt, ...)
{
	struct kmm_out o;
	char line[384];
	va_list ap;

	count_vm_event(m, BAD_PAGE_REPORTS);
	va_start(ap, fmt);
	kmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "kmm: BUG: %s\n", line);
	kmm_log_end(m, &o);
	kmm_log_maybe_fatal(m);
}

void warn_gfp_migratetype(struct kmm_machine *m, gfp_t gfp)
{
	struct kmm_out o;
	char comm[32], flags[256];
	int cpu = kmm_this_cpu(m);

	kmm_os_task_name(comm, sizeof(comm));
	kmm_format_gfp(flags, sizeof(flags), gfp);
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "------------[ cut here ]------------\n");
	kmm_out_printf(&o, "WARNING: CPU: %d at include/linux/gfp.h:22 gfp_migratetype\n", cpu);
	kmm_out_printf(&o, "CPU: %d Comm: %s\n", cpu, comm);
	kmm_out_printf(&o, "kmm: mode:%#x(%s) has both mobility bits: allocated as HighAtomic\n",
		       gfp, flags);
	kmm_out_printf(&o, "---[ end trace 0000000000000000 ]---\n");
	kmm_log_end(m, &o);
}

static bool warn_ratelimit(struct kmm_machine *m)
{
	static const uint64_t interval = WARN_RATELIMIT_NS;
	uint64_t now = kmm_os_now_ns();
	bool ok;

	kmm_spin_lock(&m->log_lock);
	if (m->warn_window_ns == 0 || now - m->warn_window_ns >= interval) {
		m->warn_window_ns = now;
		m->warn_count = 0;
	}
	ok = m->warn_count++ < WARN_RATELIMIT_BURST;
	kmm_spin_unlock(&m->log_lock);
	return ok;
}

/* The kernel's %*pbl of a node mask: "0", "0-3", "0,2-3". */
static void print_node_list(struct kmm_out *o, uint64_t mask, int nr_nodes)
{
	bool first = true;

	for (int n = 0; n < nr_nodes && n < 64; n++) {
		int end = n;

		if (!((mask >> n) & 1))
			continue;
		while (end + 1 < nr_nodes && end + 1 < 64 && ((mask >> (end + 1)) & 1))
			end++;
		if (end > n)
			kmm_out_printf(o, "%s%d-%d", first ? "" : ",", n, end);
		else
			kmm_out_printf(o, "%s%d", first ? "" : ",", n);
		first = false;
		n = end;
	}
}

static unsigned long zone_free_pcp(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long sum = 0;

	if (!zone->pcp)
		return 0;
	for (int cpu = 0; cpu < m->nr_cpus; cpu++)
		sum += (unsigned long)pcp_pages(pcp_ptr(m, zone, cpu));
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

/*
 * 6.18's __show_mem as warn_alloc_show_mem calls it (mm/show_mem.c): zones
 * above gfp_zone(gfp) are left out, and so are nodes outside the nodemask
 * of a request that may reclaim. Counters kmm does not model (LRU lists,
 * page cache, swap, page tables, hugetlb pools) print 0.
 */
static void show_mem(struct kmm_machine *m, struct kmm_out *o, gfp_t gfp, const uint64_t *nodemask,
		     const struct kmm_meminfo_extra *slab)
{
	static const char mt_letter[MIGRATE_TYPES] = { 'U', 'M', 'E', 'H', 'C', 'I' };
	int max_zone_idx = gfp_zone(gfp);
	bool filter = nodemask && (gfp & __GFP_DIRECT_RECLAIM);
	unsigned long kb = m->page_size >> 10, free = 0, free_pcp = 0;
	unsigned long total = 0, reserved = 0, highmem = 0;
	int cpu = kmm_this_cpu(m);

#define SKIP(zone)                                                      \
	(!zone_is_populated(zone) || (int)(zone)->idx > max_zone_idx || \
	 (filter && !((*nodemask >> (zone)->node) & 1)))
	for_each_zone_m (m, zone) {
		if (!zone_is_populated(zone))
			continue;
		free += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]);
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
		       " free:%lu free_pcp:%lu free_cma:0\n",
		       slab->slab_reclaimable_pages, slab->slab_unreclaimable_pages, free,
		       free_pcp);
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		bool managed = false;

		if (filter && !((*nodemask >> nid) & 1))
			continue;
		for (int z = 0; z <= max_zone_idx && z < MAX_NR_ZONES; z++)
			managed |= m->node_data[nid]->node_zones[z].managed_pages != 0;
		if (!managed)
			continue;
		kmm_out_printf(o,
			       "Node %d active_anon:0kB inactive_anon:0kB active_file:0kB "
			       "inactive_file:0kB unevictable:0kB isolated(anon):0kB "
			       "isolated(file):0kB mapped:0kB dirty:0kB writeback:0kB shmem:0kB "
			       "shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB kernel_stack:0kB "
			       "pagetables:0kB sec_pagetables:0kB all_unreclaimable? no "
			       "Balloon:0kB\n",
			       nid);
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
			"bounce:0kB free_pcp:%lukB local_pcp:%lukB free_cma:0kB\n",
			zone->node, zone->name,
			(unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]) * kb,
			zone->watermark_boost * kb, min_wmark_pages(zone) * kb,
			low_wmark_pages(zone) * kb, high_wmark_pages(zone) * kb,
			zone->nr_reserved_highatomic * kb, free_ha * kb, zone->present_pages * kb,
			zone->managed_pages * kb, zone_free_pcp(m, zone) * kb,
			zone->pcp ? (unsigned long)pcp_pages(pcp_ptr(m, zone, cpu)) * kb : 0ul);
		kmm_out_printf(o, "lowmem_reserve[]:");
		for (int z = 0; z < MAX_NR_ZONES; z++)
			kmm_out_printf(o, " %ld", zone->lowmem_reserve[z]);
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
		total += zone->present_pages;
		reserved += zone->present_pages - zone->managed_pages;
		if (is_highmem_idx((enum kmm_zone_type)zone->idx))
			highmem += zone->present_pages;
	}
	kmm_out_printf(o, "%lu pages RAM\n", total);
	kmm_out_printf(o, "%lu pages HighMem/MovableOnly\n", highmem);
	kmm_out_printf(o, "%lu pages reserved\n", reserved);
}

static bool has_managed_dma(const struct kmm_machine *m)
{
	for (int nid = 0; nid < m->nr_nodes; nid++)
		if (m->node_data[nid]->node_zones[KMM_ZONE_DMA].managed_pages)
			return true;
	return false;
}

/*
 * 6.18's warn_alloc: "%s: %pV, mode:%#x(%pGg), nodemask=%*pbl", the
 * cpuset line (kmm's task is in the root cpuset, allowed every node), then
 * __show_mem. The kernel's dump_stack between them has no kmm equivalent.
 */
void warn_alloc(struct kmm_machine *m, gfp_t gfp, unsigned int order, const uint64_t *nodemask,
		const char *fmt, ...)
{
	struct kmm_meminfo_extra slab = { 0, 0 };
	struct kmm_out o;
	char comm[32], what[128], flags[256];
	uint64_t all = m->nr_nodes >= 64 ? ~0ull : (1ull << m->nr_nodes) - 1;
	va_list ap;

	if ((gfp & __GFP_NOWARN) || !warn_ratelimit(m) ||
	    ((gfp & __GFP_DMA) && !has_managed_dma(m)))
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kmm_os_task_name(comm, sizeof(comm));
	kmm_format_gfp(flags, sizeof(flags), gfp);
	if (m->meminfo_extra)
		m->meminfo_extra(m, &slab);
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "%s: %s, mode:%#x(%s), nodemask=", comm, what, gfp, flags);
	if (nodemask)
		print_node_list(&o, *nodemask, m->nr_nodes);
	else
		kmm_out_printf(&o, "(null)");
	kmm_out_printf(&o, ",cpuset=/,mems_allowed=");
	print_node_list(&o, all, m->nr_nodes);
	kmm_out_printf(&o, "\n");
	show_mem(m, &o, gfp, nodemask, &slab);
	kmm_log_end(m, &o);
	(void)order;
}
