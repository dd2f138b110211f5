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
#include "page/pcp_hot.h"
#include "percpu/percpu.h"
#include "smp/cpu_lock.h"

#define NR_PCP_ORDERS (PAGE_ALLOC_COSTLY_ORDER + 1)
#define NR_PCP_LISTS (MIGRATE_PCPTYPES * NR_PCP_ORDERS)
/* CONFIG_PCP_BATCH_SCALE_MAX: refills and bulk frees scale up to batch << 5. */
#define PCP_BATCH_SCALE_MAX 5

/* per_cpu_pages.flags */
#define PCPF_PREV_FREE_HIGH_ORDER 0x01 /* the previous free was of order > 0 */
#define PCPF_FREE_HIGH_BATCH 0x02      /* the CPU's cache slice holds > 3 batches (never set) */

struct per_cpu_pages {
	kmm_cpu_lock lock; /* everything below but high_min, high_max, batch, stat_threshold */
	/* hot order-0 pages per pcp migratetype, in front of the lists (pcp_hot.h) */
	struct pcp_hot hot[MIGRATE_PCPTYPES];
	bool hot_local; /* the zone is on this CPU's node: the arrays are used */
	int count;	/* pages on the lists (a block of order k counts 2^k), not the arrays */
	int high;	/* tuned in [high_min, high_max]: 0 until the lists are first used */
	int high_min;	/* zone_highsize: the low watermark split over the node's CPUs */
	int high_max;	/* zone_highsize with fraction 8: managed / 8 over the CPUs */
	int batch;	/* the base number of pages moved to or from the buddy lists */
	int free_count; /* pages freed lately; halved by every allocation */
	uint8_t alloc_factor; /* refills take batch << alloc_factor; halved by every free */
	uint8_t flags;	      /* PCPF_* */
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

/* Pages on the lists and in the arrays: what zoneinfo's count shows. */
static inline int pcp_pages(const struct per_cpu_pages *pcp)
{
	int n = READ_ONCE(pcp->count);

	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		n += (int)pcp_hot_avail(&pcp->hot[mt]);
	return n;
}

/* CPU cpu's pages of zone: its own slot's and its extra slots' (CAS mode, smp/cpu.h). */
static inline int pcp_cpu_pages(const struct kmm_machine *m, const struct zone *zone, int cpu)
{
	int n = 0, slot;

	for_each_cpu_slot_m(m, cpu, slot) n += pcp_pages(pcp_ptr(m, zone, slot));
	return n;
}

/* Boot (a row of the late-init table): batch and high of every zone, the lists. */
int pcp_init(struct kmm_machine *m);
/* The layer's ops (boot/late_init.c): kmm_check walker, report fold, shrink (drain). */
int pcp_check(struct kmm_machine *m);
void pcp_vmstat_fold(struct kmm_machine *m);
unsigned long pcp_shrink(struct kmm_machine *m, gfp_t gfp, unsigned int order);

/* Return slot `cpu`'s pages of zone (NULL: every zone) to the buddy lists. */
void drain_pages_m(struct kmm_machine *m, int cpu, struct zone *zone);
void drain_all_pages_m(struct kmm_machine *m, struct zone *zone);
/* Resize the zone's pagesets for its managed pages and watermarks (memory hotplug). */
void zone_pcp_update(struct kmm_machine *m, struct zone *zone);
/* End of boot (kmem_cache_init): every list drained, every pageset as fresh as pcp_init left it. */
void pcp_boot_done(struct kmm_machine *m);

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
/* Refill an empty list with nr_pcp_alloc blocks; returns the blocks taken. */
int pcp_refill(struct kmm_machine *m, struct zone *zone, unsigned int order, struct page_list *list,
	       int mt, unsigned int alloc_flags, int cpu, struct per_cpu_pages *pcp);
void free_pcppages_bulk(struct kmm_machine *m, struct zone *zone, int count,
			struct per_cpu_pages *pcp, unsigned int pindex);
/* count reached high on a free: give nr_pcp_free pages back, maybe clear ZONE_BELOW_HIGH. */
void pcp_free_high(struct kmm_machine *m, struct zone *zone, struct per_cpu_pages *pcp,
		   unsigned int pindex, int batch, int high, bool free_high);
/* decay_pcp_high: lower high by an eighth towards high_min and drain above it. */
bool decay_pcp_high(struct kmm_machine *m, struct zone *zone, struct per_cpu_pages *pcp);
void free_one_page(struct kmm_machine *m, struct zone *zone, unsigned long pfn, unsigned int order,
		   int mt);
/* The arrays' pop and push counts into the pcp counters. pcp lock held. */
void pcp_hot_fold(struct per_cpu_pages *pcp);
/* This CPU's arrays of zone: fold their counters (a sequence found one full). */
void pcp_hot_fold_this_cpu(struct kmm_machine *m, struct zone *zone);
/* Move every array page of pcp (CPU cpu) to the lists. pcp lock held. */
void pcp_hot_flush(struct kmm_machine *m, struct per_cpu_pages *pcp, int cpu);
/* A popped page that is not free: reported (a double free that raced). */
void pcp_hot_bad(struct kmm_machine *m, struct page *page);

/* ---- high auto-tuning (6.18), the part the free fast path needs ------------------------ */

/*
 * The kernel's clamp(): min(max(v, lo), hi). When lo > hi (a low watermark
 * so large that high_min exceeds high_max) the result is hi, as in Linux.
 */
static inline int pcp_clamp(int v, int lo, int hi)
{
	int x = v < lo ? lo : v;

	return x > hi ? hi : x;
}

/*
 * nr_pcp_high: the count at which this free hands pages back, tuning
 * pcp->high on the way. high is first clamped into [high_min, high_max];
 * a burst of high-order frees (free_high) or reclaim in the zone lower it;
 * a zone below its high watermark lowers it by the pages freed lately and
 * frees down to what the list holds; otherwise a list that fills up raises
 * high so it can hold what is being freed plus a batch.
 */
static inline int nr_pcp_high(struct per_cpu_pages *pcp, const struct zone *zone, int batch,
			      bool free_high)
{
	int high_min = pcp->high_min, high_max = pcp->high_max;
	int high = pcp_clamp(pcp->high, high_min, high_max);

	/* high is written with relaxed stores: reports read it from other threads */
	WRITE_ONCE(pcp->high, high);

	if (unlikely(!high))
		return 0;
	if (unlikely(free_high)) {
		WRITE_ONCE(pcp->high, MAX(high - (batch << PCP_BATCH_SCALE_MAX), high_min));
		return 0;
	}
	if (unlikely(zone_test_flag(zone, ZONE_RECLAIM_ACTIVE))) {
		WRITE_ONCE(pcp->high, MAX(high - MAX(pcp->free_count, batch), high_min));
		return MIN(batch << 2, pcp->high);
	}
	if (high_min == high_max)
		return high;
	if (unlikely(zone_test_flag(zone, ZONE_BELOW_HIGH))) {
		WRITE_ONCE(pcp->high, MAX(high - MAX(pcp->free_count, batch), high_min));
		high = MAX(pcp->count, high_min);
	} else if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;

		/* high should be large enough to hold the pages being freed */
		if (pcp->high < need_high)
			WRITE_ONCE(pcp->high, pcp_clamp(need_high, high_min, high_max));
	}
	return high;
}

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

/*
 * The pcp lock, tracked by the lock-order checker (lib/lockdep.h): remote
 * acquisition waits, release from anywhere. Macros, for the caller's line.
 */
static inline void __pcp_lock_remote(struct kmm_machine *m, struct per_cpu_pages *pcp, int cpu,
				     const char *file, int line)
{
	kmm_lockdep_acquire(&pcp->lock, KMM_LOCK_PCP, false, file, line);
	cpu_lock_remote(m, &pcp->lock, cpu);
}

static inline void __pcp_unlock(struct per_cpu_pages *pcp, const char *file, int line)
{
	kmm_lockdep_release(&pcp->lock, KMM_LOCK_PCP, file, line);
	cpu_unlock(&pcp->lock);
}

#define pcp_lock_remote(m, pcp, cpu) __pcp_lock_remote((m), (pcp), (cpu), KMM_SITE)
#define pcp_unlock(pcp) __pcp_unlock((pcp), KMM_SITE)

/* Lock this CPU's lists of zone; NULL when busy or without a local CPU. */
static inline struct per_cpu_pages *pcp_trylock_this_cpu(struct kmm_machine *m, struct zone *zone,
							 int *cpup)
{
	for (;;) {
		int cpu = smp_local_slot(m);
		struct per_cpu_pages *pcp;
		enum cpu_lock_result r;

		if (unlikely(cpu < 0))
			return NULL;
		pcp = pcp_ptr(m, zone, cpu);
		r = cpu_trylock_local(m, &pcp->lock, cpu);
		if (likely(r == CPU_LOCK_TAKEN)) {
			kmm_lockdep_acquire(&pcp->lock, KMM_LOCK_PCP, true, KMM_SITE);
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
 * CPU's lists for zone, refilling an empty list from the buddy lists
 * (nr_pcp_alloc blocks: a batch, doubled for each refill not separated by
 * a free, up to batch << PCP_BATCH_SCALE_MAX); from the cold end when `cold`.
 * Every allocation halves free_count. NULL when the lists are busy (the
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
	pcp->free_count >>= 1;
	list = &pcp->lists[order_to_pindex(mt, order)];
	if (unlikely(page_list_empty(list))) {
		int got = pcp_refill(m, zone, order, list, mt, alloc_flags, cpu, pcp);

		if (unlikely(!got)) {
			pcp_unlock(pcp);
			return NULL;
		}
		WRITE_ONCE(pcp->count, pcp->count + (got << order));
	}
	pfn = cold ? list->tail : list->head;
	page = pfn_to_page(m, pfn);
	/* a listed block is marked for this CPU and order, and counted */
	VM_BUG_ON_PAGE(m, !page_test(page, PG_pcp) || page->u.pcp_order != order, page);
	KMM_BUG_ON(m, pcp->count < (1 << order));
	page_list_del(m->vmemmap, list, pfn);
	WRITE_ONCE(pcp->count, pcp->count - (1 << order));
	pcp_unmark(page);
	pcp->pgalloc += 1 << order;
	pcp->allocs++;
	if (unlikely(zone->node != preferred_nid))
		pcp->numa_miss++;
	if (unlikely(zone->node != cpu_to_node_m(m, cpu)))
		pcp->numa_other++;
	if (unlikely(pcp->pgalloc >= PCP_STAT_FOLD_MAX))
		pcp_fold_stats_locked(zone, pcp);
	pcp_unlock(pcp);
	if (unlikely(zone->node != preferred_nid)) {
		struct zone *pz = &m->node_data[preferred_nid]->node_zones[zone->idx];

		fp_count_atomic();
		__atomic_add_fetch(&pz->vm_stat[NUMA_FOREIGN], 1, __ATOMIC_RELAXED);
	}
	return page;
}

/*
 * Free a block whose reference count is zero and whose descriptor has been
 * prepared (free_pages_prepare) to this CPU's lists, at the hot or the cold
 * end (free_frozen_page_commit); pages go back to the buddy lists when count
 * reaches nr_pcp_high, as many as nr_pcp_free says. Falls
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
	bool free_high = false;
	int cpu, batch, high;

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
	VM_BUG_ON_PAGE(m,
		       page_ref_count(page) != 0 || page_test(page, PG_pcp) ||
			       page_test(page, PG_buddy),
		       page);
	pcp_mark(page, order, cpu, cold);
	if (cold)
		page_list_add_tail(m->vmemmap, &pcp->lists[pindex], (uint32_t)pfn);
	else
		page_list_add(m->vmemmap, &pcp->lists[pindex], (uint32_t)pfn);
	WRITE_ONCE(pcp->count, pcp->count + (1 << order));
	pcp->pgfree += 1 << order;
	/* a free shrinks the next refill */
	pcp->alloc_factor >>= 1;
	batch = pcp->batch;
	/*
	 * High-order pages on the lists fragment the zone: after a run of
	 * high-order frees with no allocation between, free them at once.
	 */
	if (order) {
		free_high = pcp->free_count >= batch && (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) &&
			    (!(pcp->flags & PCPF_FREE_HIGH_BATCH) || pcp->count >= batch);
		pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else if (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) {
		pcp->flags &= (uint8_t)~PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < (batch << PCP_BATCH_SCALE_MAX))
		pcp->free_count += 1 << order;
	high = nr_pcp_high(pcp, zone, batch, free_high);
	if (unlikely(pcp->count >= high))
		pcp_free_high(m, zone, pcp, pindex, batch, high, free_high);
	else if (unlikely(pcp->pgfree >= PCP_STAT_FOLD_MAX))
		pcp_fold_stats_locked(zone, pcp);
	pcp_unlock(pcp);
}

/* ---- the hot arrays (pcp_hot.h) ------------------------------------------------------- */

#define PCP_HOT_BUSY_FLAGS                                                                         \
	((1u << PG_buddy) | (1u << PG_pcp) | (1u << PG_slab) | (1u << PG_head) | (1u << PG_tail) | \
	 (1u << PG_reserved) | (PAGE_ORDER_MASK << PAGE_ORDER_SHIFT))

/* Is this the state a page in an array has (free, unlisted)? */
static inline bool pcp_hot_page_free(const struct page *page)
{
	return likely(!(page_flags(page) & PCP_HOT_BUSY_FLAGS)) &&
	       likely(page_ref_count(page) == 0);
}

/*
 * An order-0 page of `zone` and pcp migratetype mt from this CPU's array,
 * or NULL (not rseq mode, no local CPU, the zone not on this CPU's node,
 * the array empty or locked). The caller has checked that zone is on the
 * preferred node, so the pop counts as numa_hit and numa_local.
 */
static inline struct page *pcp_hot_alloc(struct kmm_machine *m, struct zone *zone, int mt)
{
#if KMM_HAVE_RSEQ
	if (unlikely(m->smp_mode != KMM_SMP_RSEQ))
		return NULL;
	for (;;) {
		int cpu = smp_local_slot(m);
		struct per_cpu_pages *pcp;
		enum pcp_hot_result r;
		uint32_t pfn;

		if (unlikely(cpu < 0))
			return NULL;
		pcp = pcp_ptr(m, zone, cpu);
		if (unlikely(!pcp->hot_local))
			return NULL;
		r = pcp_hot_pop_seq(&pcp->lock.owner, &pcp->hot[mt], (uint32_t)cpu, m->rseq_offset,
				    &pfn);
		if (likely(r == PCP_HOT_DONE)) {
			struct page *page = pfn_to_page(m, pfn);

			if (likely(pcp_hot_page_free(page)))
				return page;
			pcp_hot_bad(m, page);
			continue;
		}
		if (r == PCP_HOT_BUSY) {
			if (unlikely(pcp_hot_word(&pcp->hot[mt]) & PCP_HOT_OVERFLOW))
				pcp_hot_fold_this_cpu(m, zone);
			return NULL;
		}
	}
#else
	(void)m;
	(void)zone;
	(void)mt;
	return NULL;
#endif
}

/*
 * Free an order-0 page the caller holds the only reference to (validated
 * by free_page_is_valid; pfn's pageblock of pcp migratetype mt) into this
 * CPU's array: true if done. False leaves the page as it was: the caller
 * takes the lists' path.
 */
static inline bool pcp_hot_free(struct kmm_machine *m, struct zone *zone, struct page *page,
				unsigned long pfn, int mt)
{
#if KMM_HAVE_RSEQ
	uint32_t flags = page_flags(page);

	if (unlikely(m->smp_mode != KMM_SMP_RSEQ))
		return false;
	/* the state of an array page, written before the push commits it */
	page->private = 0;
	page->u.raw = 0;
	page_flags_store(page, flags & ~((PAGE_ORDER_MASK << PAGE_ORDER_SHIFT) |
					 (PAGE_MT_MASK << PAGE_MT_SHIFT)));
	set_page_count(page, 0);
	for (;;) {
		int cpu = smp_local_slot(m);
		struct per_cpu_pages *pcp;
		enum pcp_hot_result r;

		if (unlikely(cpu < 0))
			break;
		pcp = pcp_ptr(m, zone, cpu);
		if (unlikely(!pcp->hot_local))
			break;
		r = pcp_hot_push_seq(&pcp->lock.owner, &pcp->hot[mt], (uint32_t)cpu, m->rseq_offset,
				     (uint32_t)pfn);
		if (likely(r == PCP_HOT_DONE))
			return true;
		if (r == PCP_HOT_BUSY) {
			if (unlikely(pcp_hot_word(&pcp->hot[mt]) & PCP_HOT_OVERFLOW))
				pcp_hot_fold_this_cpu(m, zone);
			break;
		}
	}
	/* back to the allocated state (private and u the list path clears anyway) */
	set_page_count(page, 1);
	page_flags_store(page, flags);
	return false;
#else
	(void)m;
	(void)zone;
	(void)page;
	(void)pfn;
	(void)mt;
	return false;
#endif
}

#endif /* KMM_PAGE_PCP_H */
