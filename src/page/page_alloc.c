/* SPDX-License-Identifier: MIT */
/*
 * page/page_alloc.c - the zoned page frame allocator: which zone and node
 * serve a request, under which watermark, and what happens on failure.
 *
 * alloc path (__alloc_pages):
 *   1. The gfp mask is checked (unknown bits, invalid zone modifiers,
 *      MOVABLE|RECLAIMABLE together) and the order bounded by MAX_ORDER.
 *   2. Fast path: walk the preferred node's zonelist (local zones highest
 *      first, then other nodes by distance), skipping zones above
 *      gfp_zone(gfp) and nodes outside the nodemask, and take from the
 *      first zone whose free pages stay above its low watermark plus the
 *      lowmem reserve (get_page_from_freelist, rmqueue). Orders up to
 *      PAGE_ALLOC_COSTLY_ORDER come from this CPU's page lists (page/pcp.c)
 *      when the machine has them, the rest from the buddy lists.
 *   3. Slow path: wake kswapd (counted; reclaim is a later layer), retry at
 *      the min watermark with the caller's reserve rights (__GFP_HIGH: half
 *      of min; cannot block: three eighths; __GFP_MEMALLOC: no watermark),
 *      then, if the caller may block, direct reclaim (counted, drains the
 *      per-CPU lists, runs the machine's reclaim hook), and retry as
 *      __GFP_NORETRY / __GFP_RETRY_MAYFAIL / __GFP_NOFAIL say.
 *   4. Failure prints the kernel's "page allocation failure" warning unless
 *      __GFP_NOWARN and returns NULL.
 *
 * free path (kmm_free_pages): the descriptor is validated first (inside
 * this machine, a block head, allocated, freed with the order it was
 * allocated with); a bad one is reported and nothing changes. The
 * reference is dropped and at zero the block returns to this CPU's page
 * list of its zone (orders up to PAGE_ALLOC_COSTLY_ORDER, hot end, or cold
 * end for free_cold_page) or to the buddy lists (__free_one_page), on its
 * pageblock's migratetype.
 *
 * Lock order: pcp lock -> zone->lock; zone->lock is a leaf; nothing logs
 * while holding either (log.h).
 */
#include "page/deferred.h"
#include "page/internal.h"
#include "boot/late_init.h"
#include "trace/trace.h"
#include "page/pcp.h"
#include "reclaim/reclaim.h"
#include "platform/platform.h"
#include "smp/cpu.h"
#include <kmm/percpu.h>

struct alloc_context {
	struct zone *const *zonelist;
	const uint64_t *nodemask;
	int highest_zoneidx;
	int migratetype;
	int preferred_nid;
};

int numa_node_id_m(struct kmm_machine *m)
{
	return smp_this_node(m);
}

static inline bool node_allowed(const uint64_t *nodemask, int nid)
{
	return !nodemask || (*nodemask >> nid) & 1;
}

static void prep_compound_page(struct kmm_machine *m, struct page *page, unsigned int order)
{
	unsigned long head_pfn = page_to_pfn(m, page);
	unsigned long nr = 1ul << order;

	page_set(page, PG_head);
	for (unsigned long i = 1; i < nr; i++) {
		struct page *p = page + i;

		page_set(p, PG_tail);
		p->private = head_pfn;
	}
	page[1].u.compound_order = (uint8_t)order;
}

/*
 * Zero a block (clear_highpage per page in Linux): lowmem through the
 * direct map, highmem through a temporary mapping (highmem/tmpmap.c). If
 * the host refuses that mapping the frames are handed back to it instead,
 * which reads as zeroes just the same; a host that can do neither leaves
 * the block as it was, and that is reported.
 */
static void clear_pages(struct kmm_machine *m, struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(m, page), nr = 1ul << order;
	void *p = frames_map_m(m, pfn, nr);

	if (likely(p)) {
		kmm_memset(p, 0, m->page_size << order);
		frames_unmap_m(m, p, nr);
	} else if (kmm_os_phys_discard(m->phys_handle, (uint64_t)pfn << m->page_shift,
				       (uint64_t)m->page_size << order) != 1) {
		kmm_log(m,
			"page allocator: pfn %#lx order %u not cleared: the host can neither map "
			"nor discard it\n",
			pfn, order);
	}
}

static inline void prep_new_page(struct kmm_machine *m, struct page *page, unsigned int order,
				 gfp_t gfp, int mt)
{
	/* a block leaving the free lists is unreferenced and no longer marked free */
	VM_BUG_ON_PAGE(m, page_ref_count(page) != 0, page);
	VM_BUG_ON_PAGE(m, page_test(page, PG_buddy) || page_test(page, PG_pcp), page);
	bool zeroed = page_zeroed(page);

	set_page_alloc_info(page, order, (unsigned int)mt); /* clears the zeroed mark */
	set_page_count(page, 1);
	if (((gfp & __GFP_ZERO) || m->desc.init_on_alloc) && !zeroed)
		clear_pages(m, page, order);
	else if (zeroed && ((gfp & __GFP_ZERO) || m->desc.init_on_alloc))
		count_vm_events(m, PGZERO_SKIPPED, 1ul << order);
	if ((gfp & __GFP_COMP) && order > 0)
		prep_compound_page(m, page, order);
}

/* Take a block from the buddy lists of one zone (rmqueue_buddy). */
static struct page *rmqueue_buddy(struct kmm_machine *m, struct zone *zone, unsigned int order,
				  int mt, unsigned int alloc_flags, int preferred_nid)
{
	unsigned long pfn = KMM_NIL_PFN;
	int local = m->nr_nodes > 1 ? numa_node_id_m(m) : 0;

	kmm_spin_lock(&zone->lock);
	if ((alloc_flags & ALLOC_HIGHATOMIC) && order > 0)
		pfn = __rmqueue_smallest(m, zone, order, MIGRATE_HIGHATOMIC);
	if (pfn == KMM_NIL_PFN && unlikely(mt == MIGRATE_HIGHATOMIC)) {
		/* MOVABLE|RECLAIMABLE: the reserve's lists first, then as Unmovable does */
		pfn = __rmqueue_smallest(m, zone, order, MIGRATE_HIGHATOMIC);
		mt = MIGRATE_UNMOVABLE;
	}
	if (pfn == KMM_NIL_PFN)
		pfn = __rmqueue(m, zone, order, mt, alloc_flags);
	if (pfn == KMM_NIL_PFN && (alloc_flags & (ALLOC_OOM | ALLOC_NO_WATERMARKS)))
		pfn = __rmqueue_smallest(m, zone, order, MIGRATE_HIGHATOMIC);
	if (pfn == KMM_NIL_PFN) {
		kmm_spin_unlock(&zone->lock);
		return NULL;
	}
	/* counters are read by reports without the lock: relaxed stores */
	__mod_zone_free_pages(zone, -(1l << order));
	WRITE_ONCE(zone->pgalloc, zone->pgalloc + (1ul << order));
	if (zone->node == preferred_nid)
		WRITE_ONCE(zone->vm_stat[NUMA_HIT], zone->vm_stat[NUMA_HIT] + 1);
	else
		WRITE_ONCE(zone->vm_stat[NUMA_MISS], zone->vm_stat[NUMA_MISS] + 1);
	if (zone->node == local)
		WRITE_ONCE(zone->vm_stat[NUMA_LOCAL], zone->vm_stat[NUMA_LOCAL] + 1);
	else
		WRITE_ONCE(zone->vm_stat[NUMA_OTHER], zone->vm_stat[NUMA_OTHER] + 1);
	kmm_spin_unlock(&zone->lock);
	if (zone->node != preferred_nid) {
		struct zone *pz = &m->node_data[preferred_nid]->node_zones[zone->idx];

		fp_count_atomic();
		__atomic_add_fetch(&pz->vm_stat[NUMA_FOREIGN], 1, __ATOMIC_RELAXED);
	}
	return pfn_to_page(m, pfn);
}

/*
 * Take a block from one zone (rmqueue): orders up to PAGE_ALLOC_COSTLY_ORDER
 * from this CPU's page lists (page/pcp.c), the rest - and anything the lists
 * cannot give (busy, or nothing to refill from) - from the buddy lists.
 */
static inline struct page *rmqueue(struct kmm_machine *m, struct zone *zone, unsigned int order,
				   gfp_t gfp, int mt, unsigned int alloc_flags, int preferred_nid)
{
	/* only the three pcp types have per-CPU lists (HighAtomic: MOVABLE|RECLAIMABLE) */
	if (likely(pcp_allowed_order(order)) && likely(zone->pcp) &&
	    likely(mt < MIGRATE_PCPTYPES)) {
		struct page *page;

		/* order 0, hot end, preferred node: this CPU's array first (pcp_hot.h) */
		if (likely(order == 0) && likely(!(gfp & __GFP_COLD)) &&
		    likely(zone->node == preferred_nid)) {
			page = pcp_hot_alloc(m, zone, mt);
			if (likely(page))
				return page;
		}
		page = rmqueue_pcplist(m, zone, order, mt, alloc_flags, gfp & __GFP_COLD,
				       preferred_nid);

		if (likely(page))
			return page;
	}
	return rmqueue_buddy(m, zone, order, mt, alloc_flags, preferred_nid);
}

/*
 * The watermark check of the fast path (Linux's zone_watermark_fast): an
 * order-0 request without reserve rights that leaves the zone clearly
 * above the mark is decided inline; everything else takes the full check.
 */
static inline bool zone_watermark_fast(const struct zone *z, unsigned int order, unsigned long mark,
				       int highest_zoneidx, unsigned int alloc_flags)
{
	long free_pages = zone_free_pages_wmark(z);

	if (likely(order == 0 && !(alloc_flags & ALLOC_RESERVES)) &&
	    free_pages - (long)READ_ONCE(z->nr_reserved_highatomic) >
		    (long)mark + READ_ONCE(z->lowmem_reserve[highest_zoneidx]))
		return true;
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}

static struct page *get_page_from_freelist(struct kmm_machine *m, gfp_t gfp, unsigned int order,
					   unsigned int alloc_flags, const struct alloc_context *ac)
{
	struct zone *zone;

	for (struct zone *const *zp = ac->zonelist; (zone = READ_ONCE(*zp)) != NULL; zp++) {
		struct page *page;

		if ((int)zone->idx > ac->highest_zoneidx || !node_allowed(ac->nodemask, zone->node))
			continue;
		/*
		 * 6.18: note a zone that fell below its high watermark, so the
		 * per-CPU free path shrinks pcp high and hands pages back
		 * (nr_pcp_high); done here rather than on the hotter free path.
		 */
		if (!zone_test_flag(zone, ZONE_BELOW_HIGH)) {
			if (zone_watermark_fast(zone, order, high_wmark_pages(zone),
						ac->highest_zoneidx, alloc_flags))
				goto try_this_zone;
			zone_set_flag(zone, ZONE_BELOW_HIGH);
		}
		if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
			/*
			 * A boost raises low, where kswapd is woken; kmm does not let
			 * it fail allocations at min (docs/reclaim.md).
			 */
			unsigned long mark =
				READ_ONCE(zone->_watermark[alloc_flags & ALLOC_WMARK_MASK]) +
				((alloc_flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_LOW
					 ? READ_ONCE(zone->watermark_boost)
					 : 0);

			if (!zone_watermark_fast(zone, order, mark, ac->highest_zoneidx,
						 alloc_flags)) {
				/* low, or no block of the order: grow, then try (Linux) */
				if (unlikely(zone_has_deferred(zone)) &&
				    deferred_grow_zone(m, zone, order))
					goto try_this_zone;
				continue;
			}
		}
	try_this_zone:
		page = rmqueue(m, zone, order, gfp, ac->migratetype, alloc_flags,
			       ac->preferred_nid);
		if (page) {
			/* a fragmenting fallback boosted the watermark: kswapd undoes it */
			if (unlikely(READ_ONCE(zone->boosted_wmark))) {
				WRITE_ONCE(zone->boosted_wmark, false);
				wakeup_kswapd(m, zone, 0, 0, (int)zone->idx);
			}
			prep_new_page(m, page, order, gfp, ac->migratetype);
			if (unlikely((alloc_flags & ALLOC_HIGHATOMIC) && order > 0))
				reserve_highatomic_pageblock(m, page, zone);
			return page;
		}
		if (unlikely(zone_has_deferred(zone)) && deferred_grow_zone(m, zone, order))
			goto try_this_zone;
	}
	return NULL;
}

/* Reserve rights of a slow-path allocation (gfp_to_alloc_flags). */
static unsigned int gfp_to_alloc_flags(gfp_t gfp, unsigned int order)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	if (gfp & __GFP_HIGH)
		alloc_flags |= ALLOC_MIN_RESERVE;
	if (gfp & __GFP_KSWAPD_RECLAIM)
		alloc_flags |= ALLOC_KSWAPD;
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC)) {
			alloc_flags |= ALLOC_NON_BLOCK;
			if (order > 0)
				alloc_flags |= ALLOC_HIGHATOMIC;
		}
		alloc_flags &= ~ALLOC_CPUSET;
	}
	return alloc_flags;
}

/* __gfp_pfmemalloc_flags: __GFP_MEMALLOC, or a thread in reclaim (PF_MEMALLOC). */
static unsigned int gfp_pfmemalloc_flags(gfp_t gfp, unsigned int pflags)
{
	if (gfp & __GFP_NOMEMALLOC)
		return 0;
	if (gfp & __GFP_MEMALLOC)
		return ALLOC_NO_WATERMARKS;
	if (pflags & PF_MEMALLOC)
		return ALLOC_NO_WATERMARKS;
	return 0;
}

/*
 * Direct reclaim (__alloc_pages_direct_reclaim): the shrinkers
 * (reclaim/vmscan.c), then, if that was not enough, every layer's shrink
 * op (the per-CPU page lists) and the highatomic reserves, once.
 */
static struct page *alloc_pages_direct_reclaim(struct kmm_machine *m, gfp_t gfp, unsigned int order,
					       unsigned int alloc_flags,
					       const struct alloc_context *ac,
					       unsigned long *progress)
{
	struct page *page;

	*progress = try_to_free_pages(m, gfp, order, ac->highest_zoneidx, ac->nodemask,
				      ac->preferred_nid);
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	if (!page) {
		unreserve_highatomic_pageblock(m, ac->preferred_nid, false);
		kmm_layers_shrink(m, gfp, order);
		page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	}
	return page;
}

/*
 * should_reclaim_retry: reclaim that makes progress resets the count of
 * no-progress rounds (not for costly orders, whose progress may not help
 * their order); more than MAX_RECLAIM_RETRIES of them end it. Otherwise
 * retry while some zone would meet its min watermark with its free pages
 * plus what could still be reclaimed there - for kmm, the pages on the
 * zone's per-CPU lists (shrinker objects have no zone). Before giving up
 * (and the OOM path), the highatomic reserves are released. A round
 * without progress on a node whose kswapd is still working waits for
 * memory to be freed (reclaim_throttle) instead of spinning.
 */
static bool should_reclaim_retry(struct kmm_machine *m, gfp_t gfp, unsigned int order,
				 const struct alloc_context *ac, unsigned int alloc_flags,
				 bool did_some_progress, int *no_progress_loops)
{
	bool ret = false;
	struct zone *zone;

	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		goto out;
	for (struct zone *const *zp = ac->zonelist; (zone = READ_ONCE(*zp)) != NULL; zp++) {
		unsigned long available = 0;

		if ((int)zone->idx > ac->highest_zoneidx || !node_allowed(ac->nodemask, zone->node))
			continue;
		if (zone->pcp)
			for (int slot = 0; slot < m->nr_slots; slot++)
				available += (unsigned long)pcp_pages(pcp_ptr(m, zone, slot));
		available += (unsigned long)zone_free_pages_wmark(zone);
		if (__zone_watermark_ok(zone, order, READ_ONCE(zone->_watermark[WMARK_MIN]),
					ac->highest_zoneidx, alloc_flags, (long)available)) {
			ret = true;
			break;
		}
	}
	if (!did_some_progress) {
		struct kmm_kswapd_info ki;

		if (kmm_kswapd_info(m, ac->preferred_nid, &ki) == KMM_OK && ki.running &&
		    ki.failures < MAX_RECLAIM_RETRIES &&
		    reclaim_wait_for_free(m, RECLAIM_THROTTLE_NS))
			ret = true; /* memory came back while we waited */
	}
out:
	if (!ret)
		return unreserve_highatomic_pageblock(m, ac->preferred_nid, true);
	(void)gfp;
	return ret;
}

/*
 * __alloc_pages_may_oom: one OOM at a time (oom_lock, tried: a thread
 * that finds it taken waits for frees and counts as progress), a last try
 * at the high watermark, then out_of_memory - not for costly orders,
 * __GFP_RETRY_MAYFAIL, __GFP_THISNODE or requests below ZONE_NORMAL.
 */
static struct page *alloc_pages_may_oom(struct kmm_machine *m, gfp_t gfp, unsigned int order,
					const struct alloc_context *ac, unsigned long *progress)
{
	struct kmm_reclaim *r = m->reclaim;
	struct oom_control oc = { .nodemask = ac->nodemask, .gfp_mask = gfp, .order = (int)order };
	bool exiting = false, wait = false;
	struct page *page;

	*progress = 0;
	if (!kmm_spin_trylock(&r->oom_lock)) {
		*progress = 1;
		reclaim_wait_for_free(m, RECLAIM_THROTTLE_NS);
		return NULL;
	}
	page = get_page_from_freelist(m, gfp & ~__GFP_DIRECT_RECLAIM, order,
				      ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac);
	if (page)
		goto out;
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		goto out;
	if (gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE))
		goto out;
	if (ac->highest_zoneidx < KMM_ZONE_NORMAL)
		goto out;
	if (out_of_memory(m, &oc, &exiting) || (gfp & __GFP_NOFAIL)) {
		*progress = 1;
		/* IO-less reclaim without a kill, a victim still freeing, NOFAIL: wait for memory
		 */
		wait = exiting || (gfp & __GFP_NOFAIL);
		if (gfp & __GFP_NOFAIL)
			page = get_page_from_freelist(m, gfp, order, ALLOC_NO_WATERMARKS, ac);
	}
out:
	kmm_spin_unlock(&r->oom_lock);
	if (!page && wait) {
		bool freed = reclaim_wait_for_free(m, exiting ? 10 * RECLAIM_THROTTLE_NS
							      : RECLAIM_THROTTLE_NS);

		/*
		 * IO-less reclaim without a kill: the kernel loops, relying on
		 * other tasks' OOM kills. A kmm program may have no other
		 * allocator (a trace replay): when nothing was freed while it
		 * waited and no kswapd may still free, the allocation fails.
		 */
		if (!freed && !(gfp & (__GFP_FS | __GFP_NOFAIL)) && !reclaim_kswapd_hopeful(m))
			*progress = 0;
	}
	return page;
}

/*
 * __alloc_pages_direct_compact: compaction through the layer's hook
 * (compaction/compaction.c try_to_compact_pages) with PF_MEMALLOC set, as
 * memalloc_noreclaim_save does, then one more try at the free lists.
 * compact_stall / compact_success / compact_fail count what it did; a
 * skipped compaction (no zone was suitable) counts nothing.
 */
static struct page *alloc_pages_direct_compact(struct kmm_machine *m, gfp_t gfp, unsigned int order,
					       unsigned int alloc_flags,
					       const struct alloc_context *ac, int prio,
					       int *compact_result)
{
	const struct kmm_compact_ops *cops = __atomic_load_n(&m->compact_ops, __ATOMIC_ACQUIRE);
	unsigned int pflags;
	struct page *page;

	if (!order || !cops)
		return NULL;
	pflags = current_flags();
	current_flags_set(pflags | PF_MEMALLOC);
	*compact_result = cops->try_to_compact_pages(m, gfp, order, alloc_flags, ac->zonelist,
						     ac->highest_zoneidx, ac->nodemask, prio);
	current_flags_set(pflags);
	if (*compact_result == COMPACT_SKIPPED)
		return NULL;
	count_vm_event(m, COMPACTSTALL);
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	if (page) {
		cops->defer_reset(m, page_zone(m, page), order);
		count_vm_event(m, COMPACTSUCCESS);
		return page;
	}
	count_vm_event(m, COMPACTFAIL);
	return NULL;
}

/* should_compact_retry: 6.18's rules for another round after compaction failed. */
static bool should_compact_retry(struct kmm_machine *m, const struct alloc_context *ac,
				 unsigned int order, unsigned int alloc_flags, int compact_result,
				 int *compact_priority, int *compaction_retries)
{
	const struct kmm_compact_ops *cops = __atomic_load_n(&m->compact_ops, __ATOMIC_ACQUIRE);
	int max_retries = MAX_COMPACT_RETRIES, min_priority;

	if (!order || !cops)
		return false;
	/* skipped for lack of free order-0 targets: retry if reclaim can help */
	if (compact_result == COMPACT_SKIPPED)
		return cops->zonelist_suitable(m, order, alloc_flags, ac->zonelist,
					       ac->highest_zoneidx, ac->nodemask);
	/* blocks were made but another allocation took them: retry some */
	if (compact_result == COMPACT_SUCCESS) {
		if (order > PAGE_ALLOC_COSTLY_ORDER)
			max_retries /= 4;
		if (++(*compaction_retries) <= max_retries)
			return true;
	}
	/* compaction failed: retry harder */
	min_priority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY
						       : MIN_COMPACT_PRIORITY;
	if (*compact_priority > min_priority) {
		(*compact_priority)--;
		*compaction_retries = 0;
		return true;
	}
	return false;
}

static struct page *alloc_pages_slowpath(struct kmm_machine *m, gfp_t gfp, unsigned int order,
					 const struct alloc_context *ac)
{
	int compact_result = COMPACT_SKIPPED, compact_priority = DEF_COMPACT_PRIORITY;
	int compaction_retries = 0;
	bool can_compact;
	unsigned int pflags = m->reclaim ? current_flags() : 0;
	bool can_direct_reclaim, costly = order > PAGE_ALLOC_COSTLY_ORDER;
	unsigned int alloc_flags, reserve_flags;
	unsigned long progress = 0;
	int no_progress_loops = 0;
	uint64_t start_ns = 0, last_warn_ns = 0;
	struct page *page;

	/* scoped constraints (memalloc_nofs/noio_save) narrow every allocation inside them */
	if (pflags & (PF_MEMALLOC_NOFS | PF_MEMALLOC_NOIO))
		gfp = kmm_current_gfp_context(gfp);
	can_direct_reclaim = gfp & __GFP_DIRECT_RECLAIM;
	alloc_flags = gfp_to_alloc_flags(gfp, order);
	count_vm_event(m, PGALLOC_SLOWPATH);
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, order, gfp, ac->zonelist, ac->highest_zoneidx, ac->nodemask);
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	if (page)
		return page;
	/* gfp_compaction_allowed: compaction needs __GFP_IO */
	can_compact = (gfp & __GFP_IO) != 0;
	/*
	 * Costly orders, and unmovable high orders, try async compaction
	 * before reclaim: there are likely enough base pages. Not for
	 * allocations allowed to ignore watermarks (that try comes first).
	 */
	if (can_direct_reclaim && can_compact &&
	    (costly || (order > 0 && ac->migratetype != MIGRATE_MOVABLE)) &&
	    !gfp_pfmemalloc_flags(gfp, pflags) && !(pflags & PF_MEMALLOC)) {
		page = alloc_pages_direct_compact(m, gfp, order, alloc_flags, ac,
						  INIT_COMPACT_PRIORITY, &compact_result);
		if (page)
			return page;
		if (costly && (gfp & __GFP_NORETRY)) {
			/* whole pageblocks, compaction skipped or deferred: reclaim would not help
			 */
			if (compact_result == COMPACT_SKIPPED || compact_result == COMPACT_DEFERRED)
				goto nopage;
			/* reclaim then compaction may work, but stay with async compaction */
			compact_priority = INIT_COMPACT_PRIORITY;
		}
	}
retry:
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, order, gfp, ac->zonelist, ac->highest_zoneidx, ac->nodemask);
	reserve_flags = gfp_pfmemalloc_flags(gfp, pflags);
	if (reserve_flags) {
		page = get_page_from_freelist(m, gfp, order,
					      reserve_flags | (alloc_flags & ALLOC_KSWAPD), ac);
		if (page)
			return page;
	}
	if (!can_direct_reclaim)
		goto nopage;
	/* reclaim does not recurse: a shrinker's own allocations end here */
	if (pflags & PF_MEMALLOC)
		goto nopage;
	page = alloc_pages_direct_reclaim(m, gfp, order, alloc_flags, ac, &progress);
	if (page)
		return page;
	page = alloc_pages_direct_compact(m, gfp, order, alloc_flags, ac, compact_priority,
					  &compact_result);
	if (page)
		return page;
	if (gfp & __GFP_NORETRY)
		goto nopage;
	/* a costly order retries only when the caller asks to and compaction may run */
	if (costly && (!can_compact || !(gfp & (__GFP_RETRY_MAYFAIL | __GFP_NOFAIL))))
		goto nopage;
	if (should_reclaim_retry(m, gfp, order, ac, alloc_flags, progress > 0, &no_progress_loops))
		goto retry;
	/* order-0 reclaim made no progress: compaction, which needs free pages, would not either */
	if (progress > 0 && can_compact &&
	    should_compact_retry(m, ac, order, alloc_flags, compact_result, &compact_priority,
				 &compaction_retries))
		goto retry;
	page = alloc_pages_may_oom(m, gfp, order, ac, &progress);
	if (page)
		return page;
	if (progress) {
		no_progress_loops = 0;
		goto retry;
	}
nopage:
	if (gfp & __GFP_NOFAIL) {
		uint64_t now = kmm_os_now_ns();

		/* a NOFAIL caller that cannot block cannot be helped (WARN_ON_ONCE_GFP) */
		if (!can_direct_reclaim)
			goto fail;
		if (!start_ns)
			start_ns = last_warn_ns = now;
		/* some access to the reserves, not all of them (__alloc_pages_cpuset_fallback) */
		page = get_page_from_freelist(m, gfp, order, ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE,
					      ac);
		if (page)
			return page;
		if (now - last_warn_ns >= 10000000000ull) {
			warn_alloc(m, gfp & ~__GFP_NOWARN, order, ac->nodemask,
				   "page allocation stalls for %llums, order:%u",
				   (unsigned long long)((now - start_ns) / 1000000), order);
			last_warn_ns = now;
		}
		/* wait for a free, kswapd's progress or an OOM kill, then retry */
		reclaim_wait_for_free(m, 10 * RECLAIM_THROTTLE_NS);
		goto retry;
	}
fail:
	count_vm_event(m, PGALLOC_FAIL);
	warn_alloc(m, gfp, order, ac->nodemask, "page allocation failure: order:%u", order);
	return NULL;
}

/*
 * prepare_alloc_pages: check the request (order, gfp, node, nodemask: each
 * refusal reported) and fill in its alloc_context; false when refused.
 */
static inline __attribute__((always_inline)) bool
prepare_alloc_pages(struct kmm_machine *m, gfp_t gfp, unsigned int order, int preferred_nid,
		    const uint64_t *nodemask, struct alloc_context *ac)
{
	int zidx, mt;

	/* might_alloc: a request that may block must not come under a spinning lock */
	if (gfp & __GFP_DIRECT_RECLAIM)
		might_sleep();
	if (unlikely(order > MAX_ORDER)) {
		if (!(gfp & __GFP_NOWARN))
			kmm_report_bad_call(
				m, "alloc_pages: order %u is above MAX_ORDER (%d): refused", order,
				MAX_ORDER);
		return false;
	}
	zidx = gfp_zone(gfp);
	if (unlikely(zidx == ZONE_BAD || (gfp & ~GFP_KMM_VALID))) {
		char name[256];

		kmm_format_gfp(name, sizeof(name), gfp);
		kmm_report_bad_call(m, "alloc_pages: invalid gfp mask 0x%x(%s): %s", gfp, name,
				    zidx == ZONE_BAD ? "conflicting zone modifiers"
						     : "unknown bits");
		return false;
	}
	mt = gfp_migratetype(m, gfp);
	if (unlikely((gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK))
		warn_gfp_migratetype(m, gfp);
	if (preferred_nid < 0 || preferred_nid >= m->nr_nodes) {
		if (preferred_nid != -1) {
			kmm_report_bad_call(m,
					    "alloc_pages_node: node %d does not exist (nodes 0-%d)",
					    preferred_nid, m->nr_nodes - 1);
			return false;
		}
		preferred_nid = m->nr_nodes > 1 ? numa_node_id_m(m) : 0;
	}
	if (nodemask) {
		uint64_t valid = m->nr_nodes >= 64 ? ~0ull : (1ull << m->nr_nodes) - 1;

		if ((*nodemask & valid) == 0) {
			kmm_report_bad_call(m,
					    "alloc_pages: nodemask %#llx has no node with memory",
					    (unsigned long long)*nodemask);
			return false;
		}
	}
	ac->zonelist = m->node_data[preferred_nid]
			       ->node_zonelists[(gfp & __GFP_THISNODE) ? ZONELIST_NOFALLBACK
								       : ZONELIST_FALLBACK]
			       .zones;
	ac->nodemask = nodemask;
	ac->highest_zoneidx = zidx;
	ac->migratetype = mt;
	ac->preferred_nid = preferred_nid;
	return true;
}

struct page *__alloc_pages(struct kmm_machine *m, gfp_t gfp, unsigned int order, int preferred_nid,
			   const uint64_t *nodemask)
{
	struct alloc_context ac;
	struct page *page;

	if (unlikely(!prepare_alloc_pages(m, gfp, order, preferred_nid, nodemask, &ac)))
		return NULL;
	if (unlikely(gfp & __GFP_NOFAIL) && order > 1)
		warn_nofail_order(m, gfp, order);
	if (unlikely(READ_ONCE(m->fault_armed) & 1) && should_fail_alloc_page(m, gfp, order))
		return NULL;
	page = get_page_from_freelist(
		m, gfp, order, ALLOC_WMARK_LOW | ((gfp & __GFP_KSWAPD_RECLAIM) ? ALLOC_KSWAPD : 0),
		&ac);
	if (likely(page))
		return page;
	return alloc_pages_slowpath(m, gfp, order, &ac);
}

void split_page(struct kmm_machine *m, struct page *page, unsigned int order)
{
	unsigned int mt = page_alloc_mt(page);

	VM_BUG_ON_PAGE(m, page_test(page, PG_head) || page_alloc_order(page) != (int)order, page);
	set_page_alloc_info(page, 0, mt);
	for (unsigned long i = 1; i < (1ul << order); i++) {
		set_page_count(page + i, 1);
		set_page_alloc_info(page + i, 0, mt);
	}
}

/* Undo compound state before a block goes back to the buddy lists. */
static bool free_pages_prepare(struct kmm_machine *m, struct page *page, unsigned int order)
{
	unsigned long head_pfn = page_to_pfn(m, page);
	bool bad = false;

	if (page_test(page, PG_head)) {
		for (unsigned long i = 1; i < (1ul << order); i++) {
			struct page *p = page + i;

			if (!page_test(p, PG_tail) || p->private != head_pfn) {
				if (!bad)
					bad_page(m, p, "corrupted compound tail");
				bad = true;
			}
			page_clear(p, PG_tail);
			p->private = 0;
		}
		page[1].u.raw = 0;
		page_clear(page, PG_head);
	}
	clear_page_alloc_info(page);
	page->private = 0;
	page->u.raw = 0;
	if (m->desc.init_on_free) {
		clear_pages(m, page, order);
		set_page_zeroed(page, true); /* and __GFP_ZERO need not clear it again */
	}
	return !bad;
}

void __free_pages_ok(struct kmm_machine *m, struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(m, page);
	struct zone *zone = page_zone(m, page);

	free_pages_prepare(m, page, order);
	kmm_spin_lock(&zone->lock);
	__free_one_page(m, zone, pfn, order, get_pageblock_migratetype(zone, pfn));
	WRITE_ONCE(zone->pgfree, zone->pgfree + (1ul << order));
	kmm_spin_unlock(&zone->lock);
}

/*
 * Is `page` something __free_pages(page, order) may be called on? Reports
 * the reason and returns false if not (the checks of free_page_is_bad and
 * the kernel's VM_BUG_ONs, turned into reports).
 */
static bool free_page_is_valid(struct kmm_machine *m, const struct page *page, unsigned int order,
			       const char *caller)
{
	int alloc_order;

	if (unlikely(!page_in_machine(m, page))) {
		kmm_report_bad_call(m, "%s: %p is not a page descriptor of this machine", caller,
				    (const void *)page);
		return false;
	}
	if (unlikely(order > MAX_ORDER)) {
		bad_page(m, page, "freed with an order above MAX_ORDER");
		return false;
	}
	if (unlikely(page->flags & ((1u << PG_buddy) | (1u << PG_pcp)))) {
		bad_page(m, page, "double free (page is already free)");
		return false;
	}
	if (unlikely(page_test(page, PG_tail))) {
		bad_page(m, page, "freeing a tail page of a compound page");
		return false;
	}
	if (unlikely(page_test(page, PG_reserved))) {
		bad_page(m, page, "freeing a reserved page");
		return false;
	}
	if (unlikely(page_test(page, PG_slab))) {
		bad_page(m, page, "freeing a slab page with __free_pages");
		return false;
	}
	if (unlikely(page_test(page, PG_movable_ops_isolated))) {
		/* migration holds it (compaction/movable.c): the owner promised not to free it */
		bad_page(m, page, "freeing a page isolated for migration");
		return false;
	}
	alloc_order = page_alloc_order(page);
	if (unlikely(alloc_order < 0)) {
		bad_page(m, page,
			 page_ref_count(page) <= 0
				 ? "page is not allocated (double free, or not the head of an "
				   "allocated block)"
				 : "freeing a page that is not the head of an allocated block");
		return false;
	}
	if (unlikely(page_ref_count(page) <= 0)) {
		bad_page(m, page, "double free (refcount is already zero)");
		return false;
	}
	if (unlikely((unsigned int)alloc_order != order)) {
		char why[96];

		kmm_snprintf(why, sizeof(why), "freed with order %u, allocated with order %d",
			     order, alloc_order);
		bad_page(m, page, why);
		return false;
	}
	return true;
}

/*
 * The caller holds the only reference to a plain (non-compound) block: the
 * reference is claimed under the zone lock instead of with an atomic, which
 * halves the atomics of a free. No one may take a reference to a page they
 * hold none of, so a count of 1 cannot rise under us; two racing frees of
 * the same block serialize on the lock and the second finds the block no
 * longer allocated and reports it.
 */
static void free_sole_reference(struct kmm_machine *m, struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(m, page);
	struct zone *zone = page_zone(m, page);

	kmm_spin_lock(&zone->lock);
	if (unlikely(page_ref_count(page) != 1 || page_alloc_order(page) != (int)order)) {
		kmm_spin_unlock(&zone->lock);
		bad_page(m, page, "double free (concurrent)");
		return;
	}
	set_page_count(page, 0);
	clear_page_alloc_info(page);
	page->private = 0;
	page->u.raw = 0;
	__free_one_page(m, zone, pfn, order, get_pageblock_migratetype(zone, pfn));
	WRITE_ONCE(zone->pgfree, zone->pgfree + (1ul << order));
	kmm_spin_unlock(&zone->lock);
}

/*
 * Drop the reference to a block of a zone with per-CPU lists; at zero it
 * goes to this CPU's list (free_unref_page). The reference is dropped with
 * an atomic: the per-CPU lock does not serialize two racing frees of one
 * block made from different CPUs, the page's count does.
 */
static void put_block_pcp(struct kmm_machine *m, struct zone *zone, struct page *page,
			  unsigned int order, bool cold)
{
	int ref;

	/*
	 * The only reference to an order-0 page: into this CPU's array without
	 * an atomic (pcp_hot.h). A count of 1 cannot rise under us (nobody may
	 * take a reference to a page they hold none of); a second free from a
	 * thread of this CPU finds the count 0 and is reported by the caller's
	 * validation; docs/smp.md says what a free racing from another CPU does.
	 */
	if (likely(order == 0) && likely(!cold) && likely(page_ref_count(page) == 1) &&
	    likely(!m->desc.init_on_free)) {
		unsigned long pfn = page_to_pfn(m, page);
		int mt = get_pageblock_migratetype(zone, pfn);

		if (likely(mt < MIGRATE_PCPTYPES) && pcp_hot_free(m, zone, page, pfn, mt))
			return;
	}
	ref = page_ref_dec_return(page);

	if (likely(ref == 0)) {
		free_pages_prepare(m, page, order);
		free_unref_page(m, zone, page, order, cold);
	} else if (unlikely(ref < 0)) {
		page_ref_inc(page);
		bad_page(m, page, "double free (concurrent)");
	}
}

static void put_block_locked_out(struct kmm_machine *m, struct page *page, unsigned int order,
				 bool cold);

/* Every free: the block goes back, then allocations waiting for memory are woken. */
static inline void put_block(struct kmm_machine *m, struct page *page, unsigned int order,
			     bool cold)
{
	/* the last reference of a movable-ops page: it leaves its owner's count */
	if (unlikely(page_movable_id(page)) && page_ref_count(page) == 1) {
		unsigned int id = page_movable_id(page);

		set_page_movable_id(page, 0);
		__atomic_sub_fetch(&m->movable[id].pages, 1, __ATOMIC_RELAXED);
	}
	put_block_locked_out(m, page, order, cold);
	if (unlikely(__atomic_load_n(&m->alloc_waiters, __ATOMIC_RELAXED)))
		reclaim_wake_waiters(m);
}

static void put_block_locked_out(struct kmm_machine *m, struct page *page, unsigned int order,
				 bool cold)
{
	struct zone *zone = page_zone(m, page);

	if (likely(pcp_allowed_order(order)) && likely(zone->pcp)) {
		put_block_pcp(m, zone, page, order, cold);
		return;
	}
	if (likely(page_ref_count(page) == 1 && !page_test(page, PG_head) &&
		   !m->desc.init_on_free)) {
		free_sole_reference(m, page, order);
		return;
	}

	int ref = page_ref_dec_return(page);

	if (likely(ref == 0)) {
		__free_pages_ok(m, page, order);
	} else if (unlikely(ref < 0)) {
		/* Lost a race with another free of the same block: undo and report. */
		page_ref_inc(page);
		bad_page(m, page, "double free (concurrent)");
	}
}

/* ---- public page API ------------------------------------------------------ */

struct page *kmm_alloc_pages(kmm_machine *m, gfp_t gfp, unsigned int order)
{
	return trace_page_alloc(m, __alloc_pages(m, gfp, order, -1, NULL), order, gfp);
}

struct page *kmm_alloc_pages_node(kmm_machine *m, int nid, gfp_t gfp, unsigned int order)
{
	return trace_page_alloc(m, __alloc_pages(m, gfp, order, nid, NULL), order, gfp);
}

struct page *kmm_alloc_pages_nodemask(kmm_machine *m, gfp_t gfp, unsigned int order, int nid,
				      const uint64_t *nodemask)
{
	return trace_page_alloc(m, __alloc_pages(m, gfp, order, nid, nodemask), order, gfp);
}

/*
 * alloc_pages_bulk (6.18's alloc_pages_bulk_noprof): fill the NULL entries
 * of page_array[0, nr_pages) with order-0 pages; the number of entries
 * populated (old and new). The request is checked, the zone chosen and its
 * watermark tested once for the whole batch (low mark + the pages wanted,
 * as the kernel does), fail_page_alloc asked once; then each page comes
 * from this CPU's hot array or page lists of that zone (the buddy lists
 * when they have none, or with pcp=0). Where the zone runs dry the batch
 * ends short; if it got nothing, or only one page was wanted, one ordinary
 * allocation (slow path included) is made instead - the kernel's "failed"
 * path. Each page is traced and counted as a single allocation would be.
 */
static unsigned long alloc_pages_bulk_m(struct kmm_machine *m, gfp_t gfp, int preferred_nid,
					unsigned long nr_pages, struct page **page_array)
{
	unsigned int alloc_flags =
		ALLOC_WMARK_LOW | ((gfp & __GFP_KSWAPD_RECLAIM) ? ALLOC_KSWAPD : 0);
	unsigned long nr_populated = 0, got = 0;
	struct alloc_context ac;
	struct zone *zone = NULL;
	struct page *page;

	if (unlikely(!page_array)) {
		kmm_report_bad_call(m, "alloc_pages_bulk: NULL page array");
		return 0;
	}
	while (nr_populated < nr_pages && page_array[nr_populated])
		nr_populated++;
	if (nr_populated == nr_pages)
		return nr_populated;
	if (unlikely(!prepare_alloc_pages(m, gfp, 0, preferred_nid, NULL, &ac)))
		return nr_populated;
	/* fail_page_alloc: one decision for the whole batch, as 6.18's prepare_alloc_pages */
	if (unlikely(READ_ONCE(m->fault_armed) & 1) && should_fail_alloc_page(m, gfp, 0))
		return nr_populated;
	if (nr_pages - nr_populated == 1 || (gfp & __GFP_COLD))
		goto failed;
	for (struct zone *const *zp = ac.zonelist; (zone = READ_ONCE(*zp)) != NULL; zp++) {
		unsigned long mark;

		if ((int)zone->idx > ac.highest_zoneidx)
			continue;
		mark = READ_ONCE(zone->_watermark[WMARK_LOW]) + (nr_pages - nr_populated);
		if (zone_watermark_fast(zone, 0, mark, ac.highest_zoneidx, alloc_flags))
			break;
	}
	if (!zone)
		goto failed;
	for (unsigned long i = nr_populated; i < nr_pages; i++) {
		if (page_array[i]) { /* already populated: the kernel skips it too */
			nr_populated++;
			continue;
		}
		/* this CPU's hot array and lists first, the buddy lists when they have none */
		page = rmqueue(m, zone, 0, gfp, ac.migratetype, alloc_flags, ac.preferred_nid);
		if (!page)
			break;
		prep_new_page(m, page, 0, gfp, ac.migratetype);
		page_array[i] = trace_page_alloc(m, page, 0, gfp);
		nr_populated++;
		got++;
	}
	if (got)
		return nr_populated;
failed:
	page = trace_page_alloc(m, __alloc_pages(m, gfp, 0, preferred_nid, NULL), 0, gfp);
	if (page) {
		while (nr_populated < nr_pages && page_array[nr_populated])
			nr_populated++;
		page_array[nr_populated++] = page;
	}
	return nr_populated;
}

unsigned long kmm_alloc_pages_bulk(kmm_machine *m, gfp_t gfp, unsigned long nr_pages,
				   struct page **page_array)
{
	if (!m)
		return 0;
	return alloc_pages_bulk_m(m, gfp, -1, nr_pages, page_array);
}

unsigned long kmm_alloc_pages_bulk_node(kmm_machine *m, gfp_t gfp, int nid, unsigned long nr_pages,
					struct page **page_array)
{
	if (!m)
		return 0;
	return alloc_pages_bulk_m(m, gfp, nid, nr_pages, page_array);
}

/* __free_pages; `traced` is false for the slab layer's own pages (free_pages_untraced). */
static inline void free_pages_checked(struct kmm_machine *m, struct page *page, unsigned int order,
				      bool traced)
{
	if (unlikely(!page)) {
		kmm_report_bad_call(m, "__free_pages: NULL page");
		return;
	}
	if (!free_page_is_valid(m, page, order, "__free_pages"))
		return;
	if (traced)
		trace_page_free(m, page, order);
	put_block(m, page, order, false);
}

void kmm_free_pages(kmm_machine *m, struct page *page, unsigned int order)
{
	free_pages_checked(m, page, order, true);
}

void free_pages_untraced(struct kmm_machine *m, struct page *page, unsigned int order)
{
	free_pages_checked(m, page, order, false);
}

/* __free_page, to the hot or the cold end of this CPU's list (2.6's free_hot_cold_page). */
static void free_hot_cold_page(kmm_machine *m, struct page *page, bool cold, const char *caller)
{
	if (unlikely(!page)) {
		kmm_report_bad_call(m, "%s: NULL page", caller);
		return;
	}
	if (!free_page_is_valid(m, page, 0, caller))
		return;
	trace_page_free(m, page, 0);
	put_block(m, page, 0, cold);
}

void kmm_free_hot_page(kmm_machine *m, struct page *page)
{
	free_hot_cold_page(m, page, false, "free_hot_page");
}

void kmm_free_cold_page(kmm_machine *m, struct page *page)
{
	free_hot_cold_page(m, page, true, "free_cold_page");
}

unsigned long kmm_get_free_pages(kmm_machine *m, gfp_t gfp, unsigned int order)
{
	/* As the modern kernel does, a highmem request is quietly served from lowmem. */
	gfp_t lowmem = gfp & ~__GFP_HIGHMEM;
	struct page *page =
		trace_page_alloc(m, __alloc_pages(m, lowmem, order, -1, NULL), order, lowmem);

	return page ? (unsigned long)page_to_virt_raw(m, page) : 0;
}

void kmm_free_pages_addr(kmm_machine *m, unsigned long addr, unsigned int order)
{
	struct page *page;

	if (addr == 0)
		return;
	page = kmm_virt_to_page(m, (const void *)addr);
	if (!page || (addr & (m->page_size - 1))) {
		kmm_report_bad_call(m, "free_pages: %#lx is not a page address of this machine",
				    addr);
		return;
	}
	if (!free_page_is_valid(m, page, order, "free_pages"))
		return;
	trace_page_free(m, page, order);
	put_block(m, page, order, false);
}

void kmm_get_page(kmm_machine *m, struct page *page)
{
	struct page *head;

	if (unlikely(!page_in_machine(m, page))) {
		kmm_report_bad_call(m, "get_page: %p is not a page of this machine", (void *)page);
		return;
	}
	head = kmm_compound_head(m, page);
	if (unlikely(page_ref_count(head) <= 0 || page_test(head, PG_buddy))) {
		bad_page(m, page, "get_page on a free page");
		return;
	}
	page_ref_inc(head);
}

/*
 * put_page drops one reference of the block `page` heads. A compound page
 * is freed at zero with its compound order. A plain (non-compound) block of
 * order > 0 is legal too: Linux's put_page only drops the extra reference a
 * get_page took, and __free_pages(page, order) frees it later. kmm frees
 * such a block with the order it was allocated with whichever call drops
 * the last reference (Linux, when put_page drops the last reference of a
 * plain block, frees the head alone; its __free_pages frees the rest
 * early when an extra reference is still held): the same pages come back,
 * at most a little later.
 */
void kmm_put_page(kmm_machine *m, struct page *page)
{
	struct page *head;
	unsigned int order;

	if (unlikely(!page_in_machine(m, page))) {
		kmm_report_bad_call(m, "put_page: %p is not a page of this machine", (void *)page);
		return;
	}
	head = kmm_compound_head(m, page);
	order = kmm_compound_order(m, head);
	if (!page_test(head, PG_head) && page_alloc_order(head) > 0)
		order = (unsigned int)page_alloc_order(head);
	if (!free_page_is_valid(m, head, order, "put_page"))
		return;
	trace_page_free(m, head, order);
	put_block(m, head, order, false);
}

/* release_pages: put_page on each of nr pages (NULL entries skipped). */
void kmm_release_pages(kmm_machine *m, struct page **pages, int nr)
{
	if (!m)
		return;
	if (unlikely(!pages && nr > 0)) {
		kmm_report_bad_call(m, "release_pages: NULL page array");
		return;
	}
	for (int i = 0; i < nr; i++)
		if (pages[i])
			kmm_put_page(m, pages[i]);
}

int kmm_page_ref_count(const kmm_machine *m, const struct page *page)
{
	if (!page_in_machine(m, page))
		return -1;
	return page_ref_count(page);
}

unsigned long kmm_page_to_pfn(const kmm_machine *m, const struct page *page)
{
	return page_to_pfn(m, page);
}

int kmm_pfn_valid(const kmm_machine *m, unsigned long pfn)
{
	return pfn_valid(m, pfn);
}

/* A lookup of a pfn whose descriptor is still deferred initializes it first. */
struct page *kmm_pfn_to_page(const kmm_machine *m, unsigned long pfn)
{
	if (!pfn_valid(m, pfn))
		return NULL;
	deferred_init_pfn((struct kmm_machine *)m, pfn);
	return pfn_to_page(m, pfn);
}

void *kmm_page_address(const kmm_machine *m, const struct page *page)
{
	unsigned long pfn;

	if (!page_in_machine(m, page))
		return NULL;
	pfn = page_to_pfn(m, page);
	if (pfn < m->max_low_pfn)
		return pfn_to_phys_virt(m, pfn);
	/* highmem: its kmap address while kmapped (page_address_htable), else NULL */
	return m->highmem_address ? m->highmem_address(m, pfn) : NULL;
}

struct page *kmm_virt_to_page(const kmm_machine *m, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)m->phys;

	if ((uintptr_t)addr < (uintptr_t)m->phys || (off >> m->page_shift) >= m->max_low_pfn)
		return NULL;
	return pfn_to_page(m, off >> m->page_shift);
}

int kmm_page_zonenum(const kmm_machine *m, const struct page *page)
{
	return page_in_machine(m, page) ? (int)page_zonenum(page) : -1;
}

int kmm_page_to_nid(const kmm_machine *m, const struct page *page)
{
	return page_in_machine(m, page) ? (int)page_nid(page) : -1;
}

struct page *kmm_compound_head(const kmm_machine *m, const struct page *page)
{
	if (page_test(page, PG_tail))
		return pfn_to_page(m, page->private);
	return (struct page *)page;
}

unsigned int kmm_compound_order(const kmm_machine *m, const struct page *page)
{
	const struct page *head = kmm_compound_head(m, page);

	return page_test(head, PG_head) ? head[1].u.compound_order : 0;
}
