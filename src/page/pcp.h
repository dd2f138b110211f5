/* SPDX-License-Identifier: MIT */
/*
 * page/pcp.h - per-CPU page lists (struct per_cpu_pages), see pcp.c for
 * the design. The two fast paths, rmqueue_pcplist and free_unref_page, are
 * inline here so the page allocator's paths carry them without a call;
 * everything that takes zone->lock stays out of line in pcp.c.
 *
 * zone->pcp is a per-CPU pointer (percpu/percpu.h): CPU c's lists for the
 * zone are at pcp_ptr(m, zone, c). NULL when the machine runs with pcp=0
 * or the zone manages no pages.
 */
#ifndef KMM_PAGE_PCP_H
#define KMM_PAGE_PCP_H

#include "page/internal.h"
#include "percpu/percpu.h"
#include "smp/cpu_lock.h"

#define NR_PCP_ORDERS (PAGE_ALLOC_COSTLY_ORDER + 1)
#define NR_PCP_LISTS (MIGRATE_PCPTYPES * NR_PCP_ORDERS)
/* zone_batchsize never exceeds 63 (1 MiB of 4 KiB pages, / 4, rounded to 2^n - 1). */
#define PCP_MAX_BATCH 64

struct per_cpu_pages {
	kmm_cpu_lock lock; /* everything below but high, batch, stat_threshold */
	int count;	   /* pages on the lists (a block of order k counts 2^k) */
	int high;	   /* a free that brings count to high returns a batch */
	int batch;	   /* pages moved between these lists and the buddy lists at once */
	int stat_threshold;
	/*
	 * vm counters not yet folded into the zone (Linux's per-CPU diffs):
	 * pages allocated and freed, allocations, and the NUMA exceptions;
	 * numa_hit is allocs - numa_miss, numa_local is allocs - numa_other.
	 */
	int pgalloc, pgfree;
	int allocs, numa_miss, numa_other;
	/* [order * MIGRATE_PCPTYPES + migratetype]: head = hot end, tail = cold end */
	struct page_list lists[NR_PCP_LISTS];
};

static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER;
}

static inline unsigned int order_to_pindex(int mt, unsigned int order)
{
	return order * MIGRATE_PCPTYPES + (unsigned int)mt;
}

static inline unsigned int pindex_to_order(unsigned int pindex)
{
	return pindex / MIGRATE_PCPTYPES;
}

static inline struct per_cpu_pages *pcp_ptr(const struct kmm_machine *m, const struct zone *zone,
					    int cpu)
{
	return per_cpu_ptr_m(m, zone->pcp, cpu);
}

/* Boot (a row of the late-init table): batch and high of every zone, the lists. */
int pcp_init(struct kmm_machine *m);
/* The layer's ops (boot/late_init.c): kmm_check walker, report fold, shrink (drain). */
int pcp_check(struct kmm_machine *m);
void pcp_vmstat_fold(struct kmm_machine *m);
unsigned long pcp_shrink(struct kmm_machine *m, gfp_t gfp, unsigned int order);

/* Return CPU cpu's pages of zone (NULL: every zone) to the buddy lists. */
void drain_pages_m(struct kmm_machine *m, int cpu, struct zone *zone);
void drain_all_pages_m(struct kmm_machine *m, struct zone *zone);

/* ---- pcp.c: the slow paths behind the inline fast paths ---------------------------- */

/*
 * Per-CPU counters are folded into the zone when the lists take zone->lock
 * anyway, when a report asks (the layer's report op), and at the latest after this
 * many events. Folding more often costs scaling: every fold moves the
 * zone's counter and lock cache lines between CPUs (docs/smp.md: folding
 * every stat_threshold events halved 2-thread speed).
 */
#define PCP_STAT_FOLD_MAX (1 << 14)

void pcp_fold_stats_locked(struct zone *zone, struct per_cpu_pages *pcp);
int rmqueue_bulk(struct kmm_machine *m, struct zone *zone, unsigned int order, int count,
		 struct page_list *list, int mt, unsigned int alloc_flags, int cpu,
		 struct per_cpu_pages *pcp);
void free_pcppages_bulk(struct kmm_machine *m, struct zone *zone, int count,
			struct per_cpu_pages *pcp, unsigned int pindex);
void free_one_page(struct kmm_machine *m, struct zone *zone, unsigned long pfn, unsigned int order,
		   int mt);

/* ---- the fast paths ------------------------------------------------------------------ */

static inline void pcp_mark(struct page *page, unsigned int order, int cpu, bool cold)
{
	typeof(page->u) u = { .raw = 0 };

	u.pcp_order = (uint8_t)order;
	u.pcp_cold = cold;
	u.pcp_cpu = (uint32_t)cpu;
	page->u.raw = u.raw;
	page_set(page, PG_pcp);
}

static inline void pcp_unmark(struct page *page)
{
	page_clear(page, PG_pcp);
	page->u.raw = 0;
}

/* Lock this CPU's lists of zone; NULL when busy or without a local CPU. */
static inline struct per_cpu_pages *pcp_trylock_this_cpu(struct kmm_machine *m, struct zone *zone,
							 int *cpup)
{
	for (;;) {
		int cpu = smp_local_cpu(m);
		struct per_cpu_pages *pcp;
		enum cpu_lock_result r;

		if (unlikely(cpu < 0))
			return NULL;
		pcp = pcp_ptr(m, zone, cpu);
		r = cpu_trylock_local(m, &pcp->lock, cpu);
		if (likely(r == CPU_LOCK_TAKEN)) {
			*cpup = cpu;
			return pcp;
		}
		if (r == CPU_LOCK_BUSY)
			return NULL;
		/* CPU_LOCK_MOVED: preempted or migrated; look again */
	}
}

/*
 * Take a block of 2^order pages (order <= PAGE_ALLOC_COSTLY_ORDER) from this
 * CPU's lists for zone, refilling an empty list with a batch from the buddy
 * lists; from the cold end when `cold`. NULL when the lists are busy (the
 * CPU's lock is held) or the buddy lists have nothing: the caller then
 * tries the buddy lists itself. Counts pgalloc and the NUMA events.
 */
static inline struct page *rmqueue_pcplist(struct kmm_machine *m, struct zone *zone,
					   unsigned int order, int mt, unsigned int alloc_flags,
					   bool cold, int preferred_nid)
{
	struct per_cpu_pages *pcp;
	struct page_list *list;
	struct page *page;
	uint32_t pfn;
	int cpu;

	pcp = pcp_trylock_this_cpu(m, zone, &cpu);
	if (unlikely(!pcp))
		return NULL;
	list = &pcp->lists[order_to_pindex(mt, order)];
	if (unlikely(page_list_empty(list))) {
		int batch = order ? MAX(pcp->batch >> order, 2) : pcp->batch;
		int got = rmqueue_bulk(m, zone, order, batch, list, mt, alloc_flags, cpu, pcp);

		if (unlikely(!got)) {
			cpu_unlock(&pcp->lock);
			return NULL;
		}
		WRITE_ONCE(pcp->count, pcp->count + (got << order));
	}
	pfn = cold ? list->tail : list->head;
	page_list_del(m->vmemmap, list, pfn);
	WRITE_ONCE(pcp->count, pcp->count - (1 << order));
	page = pfn_to_page(m, pfn);
	pcp_unmark(page);
	pcp->pgalloc += 1 << order;
	pcp->allocs++;
	if (unlikely(zone->node != preferred_nid))
		pcp->numa_miss++;
	if (unlikely(zone->node != cpu_to_node_m(m, cpu)))
		pcp->numa_other++;
	if (unlikely(pcp->pgalloc >= PCP_STAT_FOLD_MAX))
		pcp_fold_stats_locked(zone, pcp);
	cpu_unlock(&pcp->lock);
	if (unlikely(zone->node != preferred_nid)) {
		struct zone *pz = &m->node_data[preferred_nid]->node_zones[zone->idx];

		__atomic_add_fetch(&pz->vm_stat[NUMA_FOREIGN], 1, __ATOMIC_RELAXED);
	}
	return page;
}

/*
 * Free a block whose reference count is zero and whose descriptor has been
 * prepared (free_pages_prepare) to this CPU's lists, at the hot or the cold
 * end; a batch goes back to the buddy lists when count reaches high. Falls
 * back to the buddy lists when the lists are busy or the pageblock is
 * isolated. Counts pgfree.
 */
static inline void free_unref_page(struct kmm_machine *m, struct zone *zone, struct page *page,
				   unsigned int order, bool cold)
{
	unsigned long pfn = page_to_pfn(m, page);
	int mt = get_pageblock_migratetype(zone, pfn);
	int pcp_mt = mt;
	struct per_cpu_pages *pcp;
	unsigned int pindex;
	int cpu;

	/* Isolated blocks go straight back; highatomic pages wait on the movable list. */
	if (unlikely(mt >= MIGRATE_PCPTYPES)) {
		if (mt == MIGRATE_ISOLATE) {
			free_one_page(m, zone, pfn, order, mt);
			return;
		}
		pcp_mt = MIGRATE_MOVABLE;
	}
	pcp = pcp_trylock_this_cpu(m, zone, &cpu);
	if (unlikely(!pcp)) {
		free_one_page(m, zone, pfn, order, mt);
		return;
	}
	pindex = order_to_pindex(pcp_mt, order);
	pcp_mark(page, order, cpu, cold);
	if (cold)
		page_list_add_tail(m->vmemmap, &pcp->lists[pindex], (uint32_t)pfn);
	else
		page_list_add(m->vmemmap, &pcp->lists[pindex], (uint32_t)pfn);
	WRITE_ONCE(pcp->count, pcp->count + (1 << order));
	pcp->pgfree += 1 << order;
	if (unlikely(pcp->count >= pcp->high))
		free_pcppages_bulk(m, zone, pcp->batch, pcp, pindex);
	else if (unlikely(pcp->pgfree >= PCP_STAT_FOLD_MAX))
		pcp_fold_stats_locked(zone, pcp);
	cpu_unlock(&pcp->lock);
}

#endif /* KMM_PAGE_PCP_H */
