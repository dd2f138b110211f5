/* SPDX-License-Identifier: MIT */
/*
 * page/pcp.c - per-CPU page lists: the cache of free pages in front of the
 * buddy allocator (Linux's struct per_cpu_pages).
 *
 * For every zone and every CPU there are lists of free blocks of orders
 * 0..PAGE_ALLOC_COSTLY_ORDER, one per (order, migratetype) for the three
 * pcp types. Allocation of such an order pops from the current CPU's list
 * without touching zone->lock; an empty list is refilled with `batch`
 * pages (max(batch >> order, 2) blocks above order 0) taken from the buddy
 * lists under one zone->lock hold (rmqueue_bulk). A free pushes onto the
 * list; once `count` reaches `high`, `batch` pages go back to the buddy
 * lists under one lock hold (free_pcppages_bulk), the overflowing list
 * first, from its cold end. drain_local_pages and drain_all_pages return
 * everything (the page allocator calls the latter before it fails).
 *
 *   batch = zone_batchsize: min(managed >> 10, 1 MiB of pages) / 4, at least
 *           1, then rounddown_pow_of_two(batch + batch / 2) - 1 (and at
 *           least 1, as zone_set_pageset_high_and_batch makes it);
 *   high  = zone_highsize: the zone's low watermark divided among the CPUs
 *           of its node (all CPUs if the node has none), at least 4 * batch.
 *
 * Hot and cold: each list's head is its hot end, its tail the cold end, as
 * in 2.6 kernels after the hot and cold lists merged. Allocation takes the
 * head, __GFP_COLD the tail; a free goes to the head, a cold free
 * (free_cold_page) to the tail; refills append in the order the buddy
 * allocator hands pages out, bulk frees take from the tail.
 *
 * Pages on the lists carry PG_pcp (u.pcp_order, u.pcp_cpu, u.pcp_cold),
 * have refcount 0 and are not free pages as far as the zone is concerned:
 * they are not in NR_FREE_PAGES nor in buddyinfo, as on Linux; zoneinfo's
 * pagesets show them.
 *
 * Concurrency: each per_cpu_pages has a per-CPU lock (smp/cpu_lock.h). The
 * fast paths try the lock of the CPU the thread runs on and, if another
 * thread holds it (a preempted owner, a drain), use the buddy lists
 * directly, as Linux does when pcp_spin_trylock fails. Drains and kmm_check
 * take other CPUs' locks remotely. Lock order: pcp lock -> zone->lock.
 *
 * Counters: pgalloc, pgfree and the NUMA events of pcp allocations are
 * kept per CPU and folded into the zone under zone->lock whenever the
 * lists take that lock anyway, when a report asks (the layer's report op), and
 * after PCP_STAT_FOLD_MAX events; numa_foreign goes straight to the
 * preferred zone with an atomic add, as the buddy path does. The "vm
 * stats threshold" zoneinfo prints is Linux's calculate_normal_threshold.
 */
#include "log.h"
#include "page/pcp.h"
#include <kmm/percpu.h>

#define PCP_CHECK_MSGS 8

/* ---- sizes ------------------------------------------------------------------ */

/* Linux's zone_batchsize. */
static int zone_batchsize(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long batch = MIN(zone->managed_pages >> 10, (1ul << 20) >> m->page_shift);

	batch /= 4; /* we effectively *= 4 below */
	if (batch < 1)
		batch = 1;
	/* Clamp to 2^n - 1: power-of-two batches alias badly in caches. */
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	return (int)MAX(batch, 1ul);
}

/* Linux's zone_highsize (5.14 - 6.6: no auto-tuning). */
static int zone_highsize(const struct kmm_machine *m, const struct zone *zone, int batch)
{
	unsigned long total = low_wmark_pages(zone);
	int nr_split_cpus = 0;
	long high;

	for (int cpu = 0; cpu < m->nr_cpus; cpu++)
		if (cpu_to_node_m(m, cpu) == zone->node)
			nr_split_cpus++;
	if (!nr_split_cpus)
		nr_split_cpus = m->nr_cpus;
	high = (long)(total / (unsigned long)nr_split_cpus);
	return (int)MAX(high, (long)batch << 2);
}

static int fls_ul(unsigned long x)
{
	return x ? (int)ilog2_ul(x) + 1 : 0;
}

/* The vm statistics threshold of a zone (calculate_normal_threshold). */
static int zone_stat_threshold(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long mem = zone->managed_pages >> (27 - m->page_shift); /* 128 MiB units */
	int threshold = 2 * fls_ul((unsigned long)m->nr_cpus) * (1 + fls_ul(mem));

	return MIN(threshold, 125);
}

/* ---- moving pages between the lists and the buddy lists -------------------- */

/* The per-CPU counters into the zone. zone->lock held. */
static void pcp_fold_stats(struct zone *zone, struct per_cpu_pages *pcp)
{
	/* reports read these without the lock: relaxed stores */
	WRITE_ONCE(zone->pgalloc, zone->pgalloc + (unsigned long)pcp->pgalloc);
	WRITE_ONCE(zone->pgfree, zone->pgfree + (unsigned long)pcp->pgfree);
	WRITE_ONCE(zone->vm_stat[NUMA_HIT], zone->vm_stat[NUMA_HIT] + pcp->allocs - pcp->numa_miss);
	WRITE_ONCE(zone->vm_stat[NUMA_MISS], zone->vm_stat[NUMA_MISS] + pcp->numa_miss);
	WRITE_ONCE(zone->vm_stat[NUMA_LOCAL],
		   zone->vm_stat[NUMA_LOCAL] + pcp->allocs - pcp->numa_other);
	WRITE_ONCE(zone->vm_stat[NUMA_OTHER], zone->vm_stat[NUMA_OTHER] + pcp->numa_other);
	pcp->pgalloc = pcp->pgfree = 0;
	pcp->allocs = pcp->numa_miss = pcp->numa_other = 0;
}

KMM_NOINLINE void pcp_fold_stats_locked(struct zone *zone, struct per_cpu_pages *pcp)
{
	kmm_spin_lock(&zone->lock);
	pcp_fold_stats(zone, pcp);
	kmm_spin_unlock(&zone->lock);
}

/*
 * Take `count` blocks of 2^order pages for the list (rmqueue_bulk) under one
 * zone->lock hold. They are appended at the tail in the order the buddy
 * allocator hands them out, except that order-0 pages with odd pfns follow
 * all the even ones: two descriptors share a cache line (32 bytes each), so
 * a refill from one split block (ascending pfns) would otherwise put a page
 * next to its line-mate, and after one migration two CPUs would each have
 * one of the pair as their hottest page and bounce the line on every
 * operation (measured: 35 -> 70 ns per pair). Returns the number taken.
 */
int rmqueue_bulk(struct kmm_machine *m, struct zone *zone, unsigned int order, int count,
		 struct page_list *list, int mt, unsigned int alloc_flags, int cpu,
		 struct per_cpu_pages *pcp)
{
	uint32_t odd[PCP_MAX_BATCH];
	int i, nodd = 0;

	count = MIN(count, PCP_MAX_BATCH);
	kmm_spin_lock(&zone->lock);
	for (i = 0; i < count; i++) {
		unsigned long pfn = __rmqueue(m, zone, order, mt, alloc_flags);

		if (unlikely(pfn == KMM_NIL_PFN))
			break;
		pcp_mark(pfn_to_page(m, pfn), order, cpu, false);
		if (order == 0 && (pfn & 1))
			odd[nodd++] = (uint32_t)pfn;
		else
			page_list_add_tail(m->vmemmap, list, (uint32_t)pfn);
	}
	for (int j = 0; j < nodd; j++)
		page_list_add_tail(m->vmemmap, list, odd[j]);
	__mod_zone_free_pages(zone, -((long)i << order));
	pcp_fold_stats(zone, pcp);
	kmm_spin_unlock(&zone->lock);
	return i;
}

/*
 * Give `count` pages back to the buddy lists (free_pcppages_bulk): list
 * `pindex` first, then the others in turn, each from its cold end.
 * pcp lock held; takes zone->lock.
 */
void free_pcppages_bulk(struct kmm_machine *m, struct zone *zone, int count,
			struct per_cpu_pages *pcp, unsigned int pindex)
{
	count = MIN(count, pcp->count);
	kmm_spin_lock(&zone->lock);
	pindex = pindex ? pindex - 1 : NR_PCP_LISTS - 1;
	while (count > 0) {
		struct page_list *list;
		unsigned int order;

		do {
			if (++pindex >= NR_PCP_LISTS)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (page_list_empty(list));
		order = pindex_to_order(pindex);
		do {
			uint32_t pfn = list->tail;
			struct page *page = pfn_to_page(m, pfn);

			page_list_del(m->vmemmap, list, pfn);
			pcp_unmark(page);
			count -= 1 << order;
			WRITE_ONCE(pcp->count, pcp->count - (1 << order));
			__free_one_page(m, zone, pfn, order, get_pageblock_migratetype(zone, pfn));
		} while (count > 0 && !page_list_empty(list));
	}
	pcp_fold_stats(zone, pcp);
	kmm_spin_unlock(&zone->lock);
}

/* A block the lists cannot take goes to the buddy lists (free_one_page). */
void free_one_page(struct kmm_machine *m, struct zone *zone, unsigned long pfn, unsigned int order,
		   int mt)
{
	kmm_spin_lock(&zone->lock);
	__free_one_page(m, zone, pfn, order, mt);
	WRITE_ONCE(zone->pgfree, zone->pgfree + (1ul << order));
	kmm_spin_unlock(&zone->lock);
}

/* The fast paths, rmqueue_pcplist and free_unref_page, are inline in pcp.h. */

/* ---- drains ------------------------------------------------------------------- */

static void drain_pages_zone(struct kmm_machine *m, int cpu, struct zone *zone)
{
	struct per_cpu_pages *pcp = pcp_ptr(m, zone, cpu);

	cpu_lock_remote(m, &pcp->lock, cpu);
	if (pcp->count)
		free_pcppages_bulk(m, zone, pcp->count, pcp, 0);
	else
		pcp_fold_stats_locked(zone, pcp);
	cpu_unlock(&pcp->lock);
}

void drain_pages_m(struct kmm_machine *m, int cpu, struct zone *only)
{
	for_each_zone_m (m, zone)
		if (zone->pcp && (!only || zone == only))
			drain_pages_zone(m, cpu, zone);
}

void drain_all_pages_m(struct kmm_machine *m, struct zone *only)
{
	count_vm_event(m, DRAIN_ALL);
	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		for_each_zone_m (m, zone) {
			if (!zone->pcp || (only && zone != only))
				continue;
			/* An empty list set costs nothing to skip (Linux's has_pcps). */
			if (READ_ONCE(pcp_ptr(m, zone, cpu)->count) == 0)
				continue;
			drain_pages_zone(m, cpu, zone);
		}
	}
}

/* The layer's shrink op: every CPU's lists back to the buddy lists; the pages returned. */
unsigned long pcp_shrink(struct kmm_machine *m, gfp_t gfp, unsigned int order)
{
	unsigned long before = 0, after = 0;

	for_each_zone_m (m, zone)
		before += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]);
	drain_all_pages_m(m, NULL);
	for_each_zone_m (m, zone)
		after += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]);
	return after > before ? after - before : 0;
}

/* Fold every CPU's counters into the zones, for an exact report (refresh_cpu_vm_stats). */
void pcp_vmstat_fold(struct kmm_machine *m)
{
	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		for_each_zone_m (m, zone) {
			struct per_cpu_pages *pcp;

			if (!zone->pcp)
				continue;
			pcp = pcp_ptr(m, zone, cpu);
			cpu_lock_remote(m, &pcp->lock, cpu);
			pcp_fold_stats_locked(zone, pcp);
			cpu_unlock(&pcp->lock);
		}
	}
}

/* ---- zoneinfo: pagesets ----------------------------------------------------------- */

/*
 * The kernel's format, "vm stats threshold" after each CPU as Linux prints
 * it. A machine with pcp=0 has no page sets and prints no section.
 */
static void pcp_print_pagesets(struct kmm_machine *m, struct zone *zone, struct kmm_out *o)
{
	if (!zone->pcp)
		return;
	kmm_out_printf(o, "\n  pagesets");
	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		const struct per_cpu_pages *pcp = pcp_ptr(m, zone, cpu);

		kmm_out_printf(o,
			       "\n    cpu: %i"
			       "\n              count:    %i"
			       "\n              high:     %i"
			       "\n              batch:    %i",
			       cpu, READ_ONCE(pcp->count), pcp->high, pcp->batch);
		kmm_out_printf(o, "\n  vm stats threshold: %d", pcp->stat_threshold);
	}
}

/* ---- kmm_check: the lists ------------------------------------------------------- */

struct pcp_checker {
	struct kmm_machine *m;
	int problems;
	int nmsgs;
	char msgs[PCP_CHECK_MSGS][200];
};

static void pcp_problem(struct pcp_checker *c, const struct zone *zone, int cpu, const char *fmt,
			...) KMM_PRINTF(4, 5);
static void pcp_problem(struct pcp_checker *c, const struct zone *zone, int cpu, const char *fmt,
			...)
{
	char line[140];
	va_list ap;

	if (c->problems++ >= PCP_CHECK_MSGS)
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kmm_snprintf(c->msgs[c->nmsgs++], sizeof(c->msgs[0]),
		     "kmm_check: Node %d, zone %s, cpu %d pagesets: %s\n", zone->node, zone->name,
		     cpu, line);
}

/* Walk one CPU's lists of zone; returns the pages found. pcp lock held. */
static unsigned long pcp_check_lists(struct pcp_checker *c, struct zone *zone, int cpu,
				     const struct per_cpu_pages *pcp)
{
	struct kmm_machine *m = c->m;
	unsigned long pages = 0;

	for (unsigned int pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
		const struct page_list *l = &pcp->lists[pindex];
		unsigned int order = pindex_to_order(pindex);
		uint32_t prev = KMM_NIL_PFN, pfn;
		unsigned long n = 0;

		for (pfn = l->head; pfn != KMM_NIL_PFN; pfn = m->vmemmap[pfn].lru_next) {
			const struct page *p;

			if (!zone_spans_pfn(zone, pfn) || !pfn_valid(m, pfn)) {
				pcp_problem(c, zone, cpu, "list %u holds pfn %#x outside the zone",
					    pindex, pfn);
				break;
			}
			if (++n > zone->managed_pages) {
				pcp_problem(c, zone, cpu, "list %u has a cycle", pindex);
				break;
			}
			p = pfn_to_page(m, pfn);
			if (p->lru_prev != prev)
				pcp_problem(c, zone, cpu, "pfn %#x: back link %#x, expected %#x",
					    pfn, p->lru_prev, prev);
			if (!page_test(p, PG_pcp))
				pcp_problem(c, zone, cpu, "pfn %#x on list %u lacks PG_pcp", pfn,
					    pindex);
			if (page_test(p, PG_buddy) || page_test(p, PG_reserved) ||
			    page_test(p, PG_slab) || page_test(p, PG_head) || page_test(p, PG_tail))
				pcp_problem(c, zone, cpu, "pfn %#x on list %u has flags %#x", pfn,
					    pindex, p->flags & PAGE_FLAGS_MASK);
			if (page_ref_count(p) != 0)
				pcp_problem(c, zone, cpu, "pfn %#x on list %u has refcount %d", pfn,
					    pindex, page_ref_count(p));
			if (page_zonenum(p) != (unsigned int)zone->idx ||
			    page_nid(p) != (unsigned int)zone->node)
				pcp_problem(c, zone, cpu, "pfn %#x belongs to node %u zone %u", pfn,
					    page_nid(p), page_zonenum(p));
			if (p->u.pcp_order != order || p->u.pcp_cpu != (uint32_t)cpu)
				pcp_problem(c, zone, cpu,
					    "pfn %#x on list %u records order %u cpu %u", pfn,
					    pindex, p->u.pcp_order, p->u.pcp_cpu);
			if (pfn & ((1u << order) - 1))
				pcp_problem(c, zone, cpu, "pfn %#x is not aligned to order %u", pfn,
					    order);
			if (pfn + (1ul << order) > zone_end_pfn(zone))
				pcp_problem(c, zone, cpu, "block at pfn %#x crosses the zone end",
					    pfn);
			prev = pfn;
		}
		if (pfn == KMM_NIL_PFN && l->tail != prev)
			pcp_problem(c, zone, cpu, "list %u tail is %#x, last entry %#x", pindex,
				    l->tail, prev);
		pages += n << order;
	}
	if (pages != (unsigned long)pcp->count)
		pcp_problem(c, zone, cpu, "count is %d but the lists hold %lu pages", pcp->count,
			    pages);
	if (pcp->high != zone->pcp_high || pcp->batch != zone->pcp_batch)
		pcp_problem(c, zone, cpu, "high %d batch %d, the zone says %d and %d", pcp->high,
			    pcp->batch, zone->pcp_high, zone->pcp_batch);
	return pages;
}

/* Every PG_pcp page of the zone must be on one of the lists. */
static unsigned long pcp_count_marked(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long n = 0, pfn = zone->zone_start_pfn, end = zone_end_pfn(zone);

	while (pfn < end) {
		if (!pfn_valid(m, pfn)) {
			pfn = ALIGN_DOWN(pfn, PAGES_PER_SECTION) + PAGES_PER_SECTION;
			continue;
		}
		if (page_test(pfn_to_page(m, pfn), PG_pcp))
			n++;
		pfn++;
	}
	return n;
}

int pcp_check(struct kmm_machine *m)
{
	struct pcp_checker c;

	c.m = m;
	c.problems = 0;
	c.nmsgs = 0;
	for_each_zone_m (m, zone) {
		unsigned long listed = 0, marked;

		if (!zone_is_populated(zone))
			continue;
		marked = pcp_count_marked(m, zone);
		if (!zone->pcp) {
			if (marked)
				pcp_problem(&c, zone, -1, "%lu PG_pcp pages but pcp is off",
					    marked);
			continue;
		}
		for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
			struct per_cpu_pages *pcp = pcp_ptr(m, zone, cpu);

			cpu_lock_remote(m, &pcp->lock, cpu);
			for (unsigned int i = 0; i < NR_PCP_LISTS; i++) {
				uint32_t pfn;

				page_list_for_each (m->vmemmap, &pcp->lists[i], pfn) {
					listed++;
					if (listed > zone->managed_pages)
						break;
				}
			}
			pcp_check_lists(&c, zone, cpu, pcp);
			cpu_unlock(&pcp->lock);
		}
		if (listed != marked)
			pcp_problem(&c, zone, -1, "%lu PG_pcp pages in the memmap but %lu listed",
				    marked, listed);
	}
	for (int i = 0; i < c.nmsgs; i++)
		kmm_log(m, "%s", c.msgs[i]);
	return c.problems;
}

/* ---- boot ------------------------------------------------------------------------- */

int pcp_init(struct kmm_machine *m)
{
	for_each_zone_m (m, zone) {
		struct per_cpu_pages *pcp;
		int batch, high, threshold;

		zone->pcp = NULL;
		zone->pcp_high = 0;
		zone->pcp_batch = 1; /* Linux's values for a zone whose pcp is disabled */
		if (!zone_is_managed(zone) || !m->desc.pcp)
			continue;
		batch = zone_batchsize(m, zone);
		high = zone_highsize(m, zone, batch);
		threshold = zone_stat_threshold(m, zone);
		pcp = pcpu_alloc(m, sizeof(*pcp), 64, true);
		if (!pcp)
			return KMM_ENOMEM;
		for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
			struct per_cpu_pages *p = per_cpu_ptr_m(m, pcp, cpu);

			p->high = high;
			p->batch = batch;
			p->stat_threshold = threshold;
			for (unsigned int i = 0; i < NR_PCP_LISTS; i++)
				page_list_init(&p->lists[i]);
		}
		zone->pcp_high = high;
		zone->pcp_batch = batch;
		zone->pcp = pcp;
	}
	m->pageset_printer = pcp_print_pagesets;
	return KMM_OK;
}

/* ---- public --------------------------------------------------------------------- */

void kmm_drain_local_pages(kmm_machine *m, struct zone *zone)
{
	drain_pages_m(m, kmm_smp_processor_id(m), zone);
}

void kmm_drain_all_pages(kmm_machine *m, struct zone *zone)
{
	drain_all_pages_m(m, zone);
}

int kmm_zone_pcp_info(kmm_machine *m, int nid, enum kmm_zone_type z, int cpu,
		      struct kmm_pcp_info *info)
{
	struct zone *zone;

	if (nid < 0 || nid >= m->nr_nodes || (unsigned int)z >= MAX_NR_ZONES || cpu < 0 ||
	    cpu >= m->nr_cpus || !info)
		return KMM_EINVAL;
	zone = &m->node_data[nid]->node_zones[z];
	if (!zone->pcp) {
		info->count = 0;
		info->high = zone->pcp_high;
		info->batch = zone->pcp_batch;
		return KMM_OK;
	}
	info->count = READ_ONCE(pcp_ptr(m, zone, cpu)->count);
	info->high = pcp_ptr(m, zone, cpu)->high;
	info->batch = pcp_ptr(m, zone, cpu)->batch;
	return KMM_OK;
}
