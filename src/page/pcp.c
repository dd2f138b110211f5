/* SPDX-License-Identifier: MIT */
/*
 * page/pcp.c - per-CPU page lists: the cache of free pages in front of the
 * buddy allocator (Linux's struct per_cpu_pages).
 *
 * For every zone and every CPU there are lists of free blocks of orders
 * 0..PAGE_ALLOC_COSTLY_ORDER, one per (order, migratetype) for the three
 * pcp types. Allocation of such an order pops from the current CPU's list
 * without touching zone->lock; an empty list is refilled from the buddy
 * lists under one zone->lock hold (rmqueue_bulk). A free pushes onto the
 * list; once `count` reaches the high mark, pages go back to the buddy
 * lists under one lock hold (free_pcppages_bulk), the overflowing list
 * first, from its cold end. drain_local_pages and drain_all_pages return
 * everything (the page allocator calls the latter before it fails).
 *
 *   batch    = zone_batchsize: min(managed >> 10, 1 MiB of pages) / 4, at
 *              least 1, then rounddown_pow_of_two(batch + batch / 2) - 1
 *              (and at least 1, as zone_set_pageset_high_and_batch makes it);
 *   high_min = zone_highsize: the zone's low watermark divided among the CPUs
 *              of its node (all CPUs if the node has none), at least 4 * batch;
 *   high_max = the same with managed / 8 in place of the low watermark
 *              (MIN_PERCPU_PAGELIST_HIGH_FRACTION).
 *
 * High auto-tuning, as Linux 6.18 does it (6.7 onwards). `high` starts at 0
 * (a pageset nobody has used, which zoneinfo shows as "high: 0") and is
 * clamped into [high_min, high_max] whenever the lists are used:
 *  - growth: a refill (nr_pcp_alloc) raises high by the refill size while
 *    the zone is above its high watermark, and each refill not separated
 *    by a free doubles the next one (alloc_factor, up to
 *    batch << PCP_BATCH_SCALE_MAX), so a CPU that allocates a lot keeps
 *    more pages close;
 *  - a free that fills the list (nr_pcp_high) raises high to hold the
 *    pages freed lately (free_count, halved by every allocation) plus a
 *    batch, and the bulk free then returns free_count pages (nr_pcp_free:
 *    between batch and high - batch) instead of one batch;
 *  - decay on free: while the zone is below its high watermark
 *    (ZONE_BELOW_HIGH, noted by the allocator) or reclaim is active in it,
 *    every free lowers high by free_count and hands back what is above it;
 *    a run of high-order frees (free_high) frees the lists outright;
 *  - periodic decay (decay_pcp_high, the vmstat worker's every second in
 *    Linux): high loses an eighth, not below high_min, and the pages above
 *    it go back. kmm has no worker: kmm_vmstat_refresh() runs this step,
 *    when the program calls it (docs/smp.md).
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
#include "page/deferred.h"
#include "page/pcp.h"
#include <kmm/percpu.h>

#define PCP_CHECK_MSGS 8
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8

/* ---- sizes ------------------------------------------------------------------ */

/* Linux's zone_batchsize. */
static int zone_batchsize(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long batch = MIN(zone_managed_final(zone) >> 10, (1ul << 20) >> m->page_shift);

	batch /= 4; /* we effectively *= 4 below */
	if (batch < 1)
		batch = 1;
	/* Clamp to 2^n - 1: power-of-two batches alias badly in caches. */
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	return (int)MAX(batch, 1ul);
}

/* Linux's zone_highsize: fraction 0 splits the low watermark, else managed / fraction. */
static int zone_highsize(const struct kmm_machine *m, const struct zone *zone, int batch,
			 int high_fraction)
{
	unsigned long total = high_fraction
				      ? zone_managed_final(zone) / (unsigned long)high_fraction
				      : low_wmark_pages(zone);
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
	unsigned long mem = zone_managed_final(zone) >> (27 - m->page_shift); /* 128 MiB units */
	int threshold = 2 * fls_ul((unsigned long)m->nr_cpus) * (1 + fls_ul(mem));

	return MIN(threshold, 125);
}

/* ---- moving pages between the lists and the buddy lists -------------------- */

/* The per-CPU counters into the zone. zone->lock held. */
static void pcp_fold_stats(struct zone *zone, struct per_cpu_pages *pcp)
{
	pcp_hot_fold(pcp);
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
	struct page_list odd;
	int i;

	page_list_init(&odd);
	kmm_spin_lock(&zone->lock);
	for (i = 0; i < count; i++) {
		unsigned long pfn = __rmqueue(m, zone, order, mt, alloc_flags);

		if (unlikely(pfn == KMM_NIL_PFN))
			break;
		pcp_mark(pfn_to_page(m, pfn), order, cpu, false);
		if (order == 0 && (pfn & 1))
			page_list_add_tail(m->vmemmap, &odd, (uint32_t)pfn);
		else
			page_list_add_tail(m->vmemmap, list, (uint32_t)pfn);
	}
	/* the odd pages after the even ones, in the order they came */
	if (!page_list_empty(&odd)) {
		if (page_list_empty(list)) {
			*list = odd;
		} else {
			m->vmemmap[list->tail].lru_next = odd.head;
			m->vmemmap[odd.head].lru_prev = list->tail;
			list->tail = odd.tail;
		}
	}
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

/*
 * nr_pcp_alloc: how many blocks a refill takes, growing high on the way
 * (see the top of the file). pcp lock held.
 */
static int nr_pcp_alloc(struct per_cpu_pages *pcp, const struct zone *zone, unsigned int order)
{
	int base_batch = pcp->batch, high_min = pcp->high_min, high_max = pcp->high_max;
	int high = pcp_clamp(pcp->high, high_min, high_max);
	int batch;

	WRITE_ONCE(pcp->high, high);
	/* a disabled pageset takes one block at a time */
	if (unlikely(high < base_batch))
		return 1;
	batch = order ? base_batch : base_batch << pcp->alloc_factor;
	/* a larger high would have saved this trip to the zone */
	if (high_min != high_max && !zone_test_flag(zone, ZONE_BELOW_HIGH)) {
		high = MIN(high + batch, high_max);
		WRITE_ONCE(pcp->high, high);
	}
	if (!order) {
		int max_nr_alloc = MAX(high - pcp->count - base_batch, base_batch);

		/* refills in a row, with no free between, double */
		if (batch <= max_nr_alloc && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		batch = MIN(batch, max_nr_alloc);
	}
	/* higher orders take batch pages' worth, at least two blocks */
	if (batch > 1)
		batch = MAX(batch >> order, 2);
	return batch;
}

KMM_NOINLINE int pcp_refill(struct kmm_machine *m, struct zone *zone, unsigned int order,
			    struct page_list *list, int mt, unsigned int alloc_flags, int cpu,
			    struct per_cpu_pages *pcp)
{
	return rmqueue_bulk(m, zone, order, nr_pcp_alloc(pcp, zone, order), list, mt, alloc_flags,
			    cpu, pcp);
}

/* nr_pcp_free: pages a full list gives back. */
static int nr_pcp_free(const struct per_cpu_pages *pcp, int batch, int high, bool free_high)
{
	/* a run of high-order frees: as much as possible */
	if (unlikely(free_high))
		return MIN(pcp->count, batch << PCP_BATCH_SCALE_MAX);
	/* a disabled pageset */
	if (unlikely(high < batch))
		return 1;
	/* the pages freed lately, leaving at least a batch on the lists */
	return pcp_clamp(pcp->free_count, batch, high - batch);
}

KMM_NOINLINE void pcp_free_high(struct kmm_machine *m, struct zone *zone, struct per_cpu_pages *pcp,
				unsigned int pindex, int batch, int high, bool free_high)
{
	free_pcppages_bulk(m, zone, nr_pcp_free(pcp, batch, high, free_high), pcp, pindex);
	if (zone_test_flag(zone, ZONE_BELOW_HIGH) &&
	    __zone_watermark_ok(zone, 0, high_wmark_pages(zone), KMM_ZONE_MOVABLE, 0,
				zone_free_pages_wmark(zone)))
		zone_clear_flag(zone, ZONE_BELOW_HIGH);
}

bool decay_pcp_high(struct kmm_machine *m, struct zone *zone, struct per_cpu_pages *pcp)
{
	int high_min = pcp->high_min, batch = pcp->batch, to_drain;
	bool todo = false;

	/* lower high to free idle pages, but not too many at once */
	if (pcp->high > high_min) {
		int h = MAX(pcp->count - (batch << PCP_BATCH_SCALE_MAX),
			    pcp->high - (pcp->high >> 3));

		WRITE_ONCE(pcp->high, MAX(h, high_min));
		if (pcp->high > high_min)
			todo = true;
	}
	to_drain = pcp->count - pcp->high;
	if (to_drain > 0) {
		free_pcppages_bulk(m, zone, to_drain, pcp, 0);
		todo = true;
	}
	return todo;
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

/* ---- the hot arrays (pcp_hot.h): what needs the lock -------------------------------- */

void pcp_hot_fold(struct per_cpu_pages *pcp)
{
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
		struct pcp_hot *h = &pcp->hot[mt];
		uint64_t w = pcp_hot_word(h);
		int pops = (int)((w >> PCP_HOT_POP_SHIFT) & PCP_HOT_FIELD_MASK);
		int pushes = (int)((w >> PCP_HOT_PUSH_SHIFT) & PCP_HOT_FIELD_MASK);

		if (!pops && !pushes)
			continue;
		/* array pages are order 0 on the preferred, local node: numa_hit and numa_local */
		pcp->pgalloc += pops;
		pcp->allocs += pops;
		pcp->pgfree += pushes;
		__atomic_store_n(&h->word, w & PCP_HOT_AVAIL_MASK, __ATOMIC_RELAXED);
	}
}

KMM_NOINLINE void pcp_hot_fold_this_cpu(struct kmm_machine *m, struct zone *zone)
{
	int cpu;
	struct per_cpu_pages *pcp = pcp_trylock_this_cpu(m, zone, &cpu);

	if (!pcp)
		return;
	pcp_fold_stats_locked(zone, pcp);
	pcp_unlock(pcp);
}

void pcp_hot_flush(struct kmm_machine *m, struct per_cpu_pages *pcp, int cpu)
{
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
		struct pcp_hot *h = &pcp->hot[mt];
		uint64_t w = pcp_hot_word(h);
		unsigned int n = (unsigned int)(w & PCP_HOT_AVAIL_MASK);

		if (!n)
			continue;
		/* bottom first, so the hottest page ends at the list's hot end */
		for (unsigned int i = 0; i < n && i < PCP_HOT_MAX; i++) {
			uint32_t pfn = h->pfn[i];

			pcp_mark(pfn_to_page(m, pfn), 0, cpu, false);
			page_list_add(m->vmemmap, &pcp->lists[order_to_pindex(mt, 0)], pfn);
		}
		WRITE_ONCE(pcp->count, pcp->count + (int)n);
		__atomic_store_n(&h->word, w & ~PCP_HOT_AVAIL_MASK, __ATOMIC_RELAXED);
	}
}

KMM_NOINLINE void pcp_hot_bad(struct kmm_machine *m, struct page *page)
{
	bad_page(m, page, "double free (concurrent): a page in a per-CPU array is in use");
}

/* ---- drains ------------------------------------------------------------------- */

static void drain_pages_zone(struct kmm_machine *m, int cpu, struct zone *zone)
{
	struct per_cpu_pages *pcp = pcp_ptr(m, zone, cpu);

	pcp_lock_remote(m, pcp, cpu);
	pcp_hot_flush(m, pcp, cpu);
	if (pcp->count)
		free_pcppages_bulk(m, zone, pcp->count, pcp, 0);
	else
		pcp_fold_stats_locked(zone, pcp);
	pcp_unlock(pcp);
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
	for (int cpu = 0; cpu < m->nr_slots; cpu++) {
		for_each_zone_m (m, zone) {
			if (!zone->pcp || (only && zone != only))
				continue;
			/* An empty list set costs nothing to skip (Linux's has_pcps). */
			if (pcp_pages(pcp_ptr(m, zone, cpu)) == 0)
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

/*
 * The end of boot. Linux boots its slab allocator through the boot
 * pagesets (high 0, batch 1: every page straight from and to the buddy
 * lists) and gives each CPU its real pageset afterwards, untouched: high 0,
 * no alloc_factor, no free_count. kmm's boot allocations went through the
 * lists of whichever host CPU the creating thread ran on; their pages go
 * back and that CPU's tuning is forgotten, so that a new machine is the
 * same whatever host CPU it booted on (a pinned replay repeats exactly).
 */
void pcp_boot_done(struct kmm_machine *m)
{
	drain_all_pages_m(m, NULL);
	for (int cpu = 0; cpu < m->nr_slots; cpu++) {
		for_each_zone_m (m, zone) {
			struct per_cpu_pages *pcp;

			if (!zone->pcp)
				continue;
			pcp = pcp_ptr(m, zone, cpu);
			pcp_lock_remote(m, pcp, cpu);
			WRITE_ONCE(pcp->high, 0);
			pcp->free_count = 0;
			pcp->alloc_factor = 0;
			pcp->flags = 0;
			pcp_unlock(pcp);
		}
	}
}

/* Fold every CPU's counters into the zones, for an exact report (refresh_cpu_vm_stats). */
void pcp_vmstat_fold(struct kmm_machine *m)
{
	for (int cpu = 0; cpu < m->nr_slots; cpu++) {
		for_each_zone_m (m, zone) {
			struct per_cpu_pages *pcp;

			if (!zone->pcp)
				continue;
			pcp = pcp_ptr(m, zone, cpu);
			pcp_lock_remote(m, pcp, cpu);
			pcp_fold_stats_locked(zone, pcp);
			pcp_unlock(pcp);
		}
	}
}

/*
 * The vmstat worker's step (refresh_cpu_vm_stats): every CPU's counters
 * folded into the zones and every pageset's high decayed. Returns whether
 * another step would still change something.
 */
int kmm_vmstat_refresh(kmm_machine *m)
{
	bool todo = false;

	for (int cpu = 0; cpu < m->nr_slots; cpu++) {
		for_each_zone_m (m, zone) {
			struct per_cpu_pages *pcp;

			if (!zone->pcp)
				continue;
			pcp = pcp_ptr(m, zone, cpu);
			cpu_lock_remote(m, &pcp->lock, cpu);
			todo |= decay_pcp_high(m, zone, pcp);
			pcp_fold_stats_locked(zone, pcp);
			cpu_unlock(&pcp->lock);
		}
	}
	return todo ? 1 : 0;
}

/* ---- zoneinfo: pagesets ----------------------------------------------------------- */

/*
 * The kernel's format (6.18: high_min and high_max after batch), "vm stats
 * threshold" after each CPU as Linux prints it. A machine with pcp=0 has
 * the kernel's disabled pagesets: count 0, high 0, batch 1, high_min and
 * high_max 0, and the zone's threshold.
 */
static void pcp_print_pagesets(struct kmm_machine *m, struct zone *zone, struct kmm_out *o)
{
	kmm_out_printf(o, "\n  pagesets");
	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		const struct per_cpu_pages *pcp = zone->pcp ? pcp_ptr(m, zone, cpu) : NULL;

		kmm_out_printf(o,
			       "\n    cpu: %i"
			       "\n              count:    %i"
			       "\n              high:     %i"
			       "\n              batch:    %i"
			       "\n              high_min: %i"
			       "\n              high_max: %i",
			       cpu, pcp ? pcp_cpu_pages(m, zone, cpu) : 0,
			       pcp ? READ_ONCE(pcp->high) : 0, pcp ? pcp->batch : 1,
			       pcp ? pcp->high_min : 0, pcp ? pcp->high_max : 0);
		kmm_out_printf(o, "\n  vm stats threshold: %d",
			       pcp ? pcp->stat_threshold : zone_stat_threshold(m, zone));
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
			if (++n > zone_managed_final(zone)) {
				pcp_problem(c, zone, cpu, "list %u has a cycle", pindex);
				break;
			}
			p = pfn_to_page(m, pfn);
			if (p->lru_prev != prev) { /* broken, or a cycle: stop here (check.c) */
				pcp_problem(
					c, zone, cpu,
					"pfn %#x: back link %#x, expected %#x: list %u is broken "
					"(or has a cycle)",
					pfn, p->lru_prev, prev, pindex);
				break;
			}
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
	if (pcp->high_min != zone->pcp_high_min || pcp->high_max != zone->pcp_high_max ||
	    pcp->batch != zone->pcp_batch)
		pcp_problem(c, zone, cpu,
			    "high_min %d high_max %d batch %d, the zone says %d %d %d",
			    pcp->high_min, pcp->high_max, pcp->batch, zone->pcp_high_min,
			    zone->pcp_high_max, zone->pcp_batch);
	/*
	 * high stays within 0..high_max, except that the lowering steps stop at
	 * high_min, which a very large low watermark can put above high_max
	 * (min_free_kbytes near the zone's size): as in Linux, high is then
	 * high_min.
	 */
	if (pcp->high < 0 || pcp->high > MAX(pcp->high_max, pcp->high_min))
		pcp_problem(c, zone, cpu, "high %d outside 0..high_max %d", pcp->high,
			    MAX(pcp->high_max, pcp->high_min));
	return pages;
}

/*
 * Walk one CPU's hot arrays of zone: every entry a free, unlisted order-0
 * page of the zone (its pageblock's type may have changed since, as for
 * the lists' pages), no pfn twice in the zone's arrays (a double free that raced between CPUs).
 * Returns the pages found. Every CPU's lock of the zone held.
 */
static unsigned long pcp_check_hot(struct pcp_checker *c, struct zone *zone, int cpu)
{
	struct kmm_machine *m = c->m;
	const struct per_cpu_pages *pcp = pcp_ptr(m, zone, cpu);
	unsigned long pages = 0;

	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
		const struct pcp_hot *h = &pcp->hot[mt];
		unsigned int n = pcp_hot_avail(h);

		if (n > PCP_HOT_MAX) {
			pcp_problem(c, zone, cpu, "array %d holds %u pages, more than %d", mt, n,
				    PCP_HOT_MAX);
			n = PCP_HOT_MAX;
		}
		if (n && (!pcp->hot_local || m->smp_mode != KMM_SMP_RSEQ))
			pcp_problem(c, zone, cpu, "array %d holds %u pages but is not in use", mt,
				    n);
		for (unsigned int i = 0; i < n; i++) {
			uint32_t pfn = h->pfn[i];
			const struct page *p;

			if (!zone_spans_pfn(zone, pfn) || !pfn_valid(m, pfn)) {
				pcp_problem(c, zone, cpu, "array %d holds pfn %#x outside the zone",
					    mt, pfn);
				continue;
			}
			p = pfn_to_page(m, pfn);
			if (!pcp_hot_page_free(p))
				pcp_problem(
					c, zone, cpu,
					"pfn %#x in array %d is not free (flags %#x refcount %d)",
					pfn, mt, p->flags, page_ref_count(p));
			if (page_zonenum(p) != (unsigned int)zone->idx ||
			    page_nid(p) != (unsigned int)zone->node)
				pcp_problem(c, zone, cpu, "pfn %#x belongs to node %u zone %u", pfn,
					    page_nid(p), page_zonenum(p));
			/* the same pfn anywhere else in the zone's arrays: CPUs before this one */
			for (int oc = 0; oc <= cpu; oc++) {
				const struct per_cpu_pages *o = pcp_ptr(m, zone, oc);

				for (int omt = 0; omt < MIGRATE_PCPTYPES; omt++) {
					unsigned int on = MIN(pcp_hot_avail(&o->hot[omt]),
							      (unsigned int)PCP_HOT_MAX);

					if (oc == cpu && omt == mt)
						on = i;
					else if (oc == cpu && omt > mt)
						break;
					for (unsigned int j = 0; j < on; j++)
						if (o->hot[omt].pfn[j] == pfn)
							pcp_problem(
								c, zone, cpu,
								"pfn %#x is in two arrays "
								"(cpu %d and %d): a double free",
								pfn, oc, cpu);
				}
			}
			pages++;
		}
	}
	return pages;
}

/* Every PG_pcp page of the zone must be on one of the lists. */
static unsigned long pcp_count_marked(const struct kmm_machine *m, const struct zone *zone)
{
	unsigned long n = 0, pfn = zone->zone_start_pfn, end = zone_end_pfn(zone);

	while (pfn < end) {
		/* one section at a time: a section's memmap is wholly there or not */
		unsigned long stop =
			MIN(ALIGN_DOWN(pfn, PAGES_PER_SECTION) + PAGES_PER_SECTION, end);

		unsigned long run_end;

		if (!pfn_valid(m, pfn)) {
			pfn = stop;
			continue;
		}
		/* a deferred run has no pcp page, and a growing one is being written */
		if (pfn_deferred_any(m, pfn, &run_end)) {
			pfn = MIN(stop, run_end);
			continue;
		}
		stop = MIN(stop, run_end);
		for (; pfn < stop; pfn++)
			n += page_test(pfn_to_page(m, pfn), PG_pcp);
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
		if (!zone->pcp) {
			marked = pcp_count_marked(m, zone);
			if (marked)
				pcp_problem(&c, zone, -1, "%lu PG_pcp pages but pcp is off",
					    marked);
			continue;
		}
		/*
		 * PG_pcp changes only under the lock of the CPU whose list the
		 * page joins or leaves, so with every CPU's lock of the zone
		 * held the memmap and the lists hold still together. The locks
		 * are taken in CPU order; nothing else holds two of them. The
		 * lock-order checker sees the first only (the others nest under
		 * it, as Linux's nest_lock): its held-lock stack is 14 deep and
		 * a machine may have 256 slots.
		 */
		pcp_lock_remote(m, pcp_ptr(m, zone, 0), 0);
		for (int cpu = 1; cpu < m->nr_slots; cpu++)
			cpu_lock_remote(m, &pcp_ptr(m, zone, cpu)->lock, cpu);
		marked = pcp_count_marked(m, zone);
		for (int cpu = 0; cpu < m->nr_slots; cpu++) {
			struct per_cpu_pages *pcp = pcp_ptr(m, zone, cpu);

			for (unsigned int i = 0; i < NR_PCP_LISTS; i++) {
				uint32_t pfn;

				page_list_for_each (m->vmemmap, &pcp->lists[i], pfn) {
					listed++; /* heads: only a block's head has PG_pcp */
					if (listed > zone_managed_final(zone))
						break;
				}
			}
			pcp_check_lists(&c, zone, cpu, pcp);
			pcp_check_hot(&c, zone, cpu);
		}
		for (int cpu = m->nr_slots - 1; cpu > 0; cpu--)
			cpu_unlock(&pcp_ptr(m, zone, cpu)->lock);
		pcp_unlock(pcp_ptr(m, zone, 0));
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
		int batch, high_min, high_max, threshold;

		zone->pcp = NULL;
		zone->pcp_high_min = zone->pcp_high_max = 0;
		zone->pcp_batch = 1; /* Linux's values for a zone whose pcp is disabled */
		/* a zone hotplug may populate gets its pagesets now (zone_pcp_update sizes them) */
		if ((!zone_is_managed(zone) && !zone_hotplug_target(m, zone)) || !m->desc.pcp)
			continue;
		batch = zone_batchsize(m, zone);
		high_min = zone_highsize(m, zone, batch, 0);
		high_max = zone_highsize(m, zone, batch, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
		threshold = zone_stat_threshold(m, zone);
		pcp = pcpu_alloc(m, sizeof(*pcp), 64, true);
		if (!pcp)
			return KMM_ENOMEM;
		for (int cpu = 0; cpu < m->nr_slots; cpu++) {
			struct per_cpu_pages *p = per_cpu_ptr_m(m, pcp, cpu);

			p->high = 0; /* as a fresh pageset: clamped on first use */
			p->high_min = high_min;
			p->high_max = high_max;
			p->batch = batch;
			p->stat_threshold = threshold;
			p->hot_local = cpu_to_node_m(m, cpu) == zone->node;
			for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
				p->hot[mt].word = 0;
			for (unsigned int i = 0; i < NR_PCP_LISTS; i++)
				page_list_init(&p->lists[i]);
		}
		zone->pcp_high_min = high_min;
		zone->pcp_high_max = high_max;
		zone->pcp_batch = batch;
		zone->pcp = pcp;
	}
	m->pageset_printer = pcp_print_pagesets;
	return KMM_OK;
}

/*
 * Linux's zone_pcp_update: size the zone's pagesets again for its managed
 * pages and watermarks (memory hotplug changed them). batch, high_min,
 * high_max and stat_threshold are written under each CPU's lock, which
 * every path that reads them holds; high is clamped on its next use.
 */
void zone_pcp_update(struct kmm_machine *m, struct zone *zone)
{
	int batch, high_min, high_max, threshold;

	if (!zone->pcp)
		return;
	batch = zone_batchsize(m, zone);
	high_min = zone_highsize(m, zone, batch, 0);
	high_max = zone_highsize(m, zone, batch, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
	threshold = zone_stat_threshold(m, zone);
	for (int cpu = 0; cpu < m->nr_slots; cpu++) {
		struct per_cpu_pages *p = pcp_ptr(m, zone, cpu);

		pcp_lock_remote(m, p, cpu);
		WRITE_ONCE(p->high_min, high_min);
		WRITE_ONCE(p->high_max, high_max);
		WRITE_ONCE(p->batch, batch);
		WRITE_ONCE(p->stat_threshold, threshold);
		pcp_unlock(p);
	}
	WRITE_ONCE(zone->pcp_high_min, high_min);
	WRITE_ONCE(zone->pcp_high_max, high_max);
	WRITE_ONCE(zone->pcp_batch, batch);
}

/* ---- public --------------------------------------------------------------------- */

void kmm_drain_local_pages(kmm_machine *m, struct zone *zone)
{
	int cpu = kmm_smp_processor_id(m), slot;

	/* this CPU's own lists and those of the host CPUs it has in CAS mode */
	for_each_cpu_slot_m(m, cpu, slot) drain_pages_m(m, slot, zone);
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
		info->high = 0;
		info->batch = zone->pcp_batch;
		info->high_min = zone->pcp_high_min;
		info->high_max = zone->pcp_high_max;
		return KMM_OK;
	}
	info->count = pcp_cpu_pages(m, zone, cpu);
	info->high = READ_ONCE(pcp_ptr(m, zone, cpu)->high);
	info->batch = pcp_ptr(m, zone, cpu)->batch;
	info->high_min = pcp_ptr(m, zone, cpu)->high_min;
	info->high_max = pcp_ptr(m, zone, cpu)->high_max;
	return KMM_OK;
}
