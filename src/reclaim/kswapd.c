/* SPDX-License-Identifier: MIT */
/*
 * reclaim/kswapd.c - one kswapd thread per node (mm/vmscan.c's kswapd,
 * wakeup_kswapd, balance_pgdat, kswapd_try_to_sleep) and watermark
 * boosting (boost_watermark).
 *
 * Life of kswapd<nid>: started by the last row of the late-init table
 * (machine key kswapd=0 leaves it out), it runs with PF_MEMALLOC |
 * PF_KSWAPD in its thread flags and loops:
 *   sleep   if the node is balanced (some eligible zone above its high
 *           watermark for the order asked, pgdat_balanced) or hopeless
 *           (kswapd_failures >= MAX_RECLAIM_RETRIES): a nap of HZ/10;
 *           woken during it, the sleep was premature
 *           (kswapd_low_wmark_hit_quickly); otherwise, still balanced, a
 *           full sleep until woken; not balanced after the nap:
 *           kswapd_high_wmark_hit_quickly;
 *   balance balance_pgdat for the highest order and zone index asked
 *           since the last run: reclaim passes (vmscan.c shrink_node) at
 *           priority DEF_PRIORITY, lowered after every pass that did not
 *           free its target (the high watermarks of the eligible zones),
 *           until balanced or priority 1; a run that freed nothing counts
 *           one kswapd_failure, any progress (by kswapd or direct reclaim)
 *           clears them.
 * wakeup_kswapd records the order and zone index, and wakes the thread
 * unless the node is hopeless or balanced and not boosted; the wakeup is
 * a futex bump (kswapd_wait) seen by a sleeper whatever the interleaving:
 * the sleeper announces itself (kswapd_sleeping) before it reads the word
 * and re-checks the node, the waker bumps the word before it reads the
 * announcement.
 *
 * Watermark boosting: a fallback that takes a block of another
 * migratetype smaller than a pageblock (fragmentation) raises the zone's
 * watermark_boost by a pageblock, up to watermark_boost_factor / 10000 of
 * the high watermark, and wakes kswapd, which then reclaims the boost
 * (balance_pgdat's boost pass) and removes it. kmm boosts only zones whose
 * node has a running kswapd: nothing else would ever remove the boost.
 *
 * Teardown (kmm_machine_destroy): every thread is told to stop, woken and
 * joined before the machine's memory goes.
 */
#include "page/deferred.h"
#include "reclaim/reclaim.h"

/* ---- balance ------------------------------------------------------------------------ */

bool pgdat_balanced(struct kmm_machine *m, int nid, unsigned int order, int highest_zoneidx)
{
	struct pglist_data *pgdat = m->node_data[nid];
	bool any = false;

	for (int z = 0; z <= highest_zoneidx && z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!zone_is_managed(zone))
			continue;
		any = true;
		if (__zone_watermark_ok(zone, order, high_wmark_pages(zone), highest_zoneidx, 0,
					zone_free_pages_wmark(zone)))
			return true;
	}
	/* no eligible zone: nothing kswapd could do, so it is balanced */
	return !any;
}

static bool pgdat_watermark_boosted(struct kmm_machine *m, int nid, int highest_zoneidx)
{
	for (int z = highest_zoneidx; z >= 0; z--)
		if (READ_ONCE(m->node_data[nid]->node_zones[z].watermark_boost))
			return true;
	return false;
}

bool boost_watermark(struct kmm_machine *m, struct zone *zone)
{
	unsigned long max_boost;

	if (!m->desc.watermark_boost_factor || !m->reclaim ||
	    !READ_ONCE(reclaim_node(m, zone->node)->running))
		return false;
	/* small zones would go out of memory at once */
	if (pageblock_nr_pages * 4 > zone->managed_pages)
		return false;
	max_boost = (unsigned long)((uint64_t)zone->_watermark[WMARK_HIGH] *
				    (unsigned int)m->desc.watermark_boost_factor / 10000);
	if (!max_boost)
		return false;
	max_boost = MAX(pageblock_nr_pages, max_boost);
	WRITE_ONCE(zone->watermark_boost,
		   MIN(zone->watermark_boost + pageblock_nr_pages, max_boost));
	return true;
}

unsigned long balance_pgdat(struct kmm_machine *m, int nid, unsigned int order, int highest_zoneidx)
{
	struct reclaim_node *rn = reclaim_node(m, nid);
	struct pglist_data *pgdat = m->node_data[nid];
	unsigned long zone_boosts[MAX_NR_ZONES] = { 0 };
	unsigned long nr_boost_reclaim = 0, total = 0;
	bool boosted, grew = false;
	int priority;

	count_vm_event(m, PAGEOUTRUN);
	__atomic_add_fetch(&rn->runs, 1, __ATOMIC_RELAXED);
	for (int z = 0; z <= highest_zoneidx; z++) {
		zone_boosts[z] = READ_ONCE(pgdat->node_zones[z].watermark_boost);
		nr_boost_reclaim += zone_boosts[z];
	}
	boosted = nr_boost_reclaim != 0;
	/*
	 * Memory whose struct pages are not initialized yet (page/deferred.c)
	 * is free memory: bring it in before reclaiming anybody's cache, as
	 * Linux's allocations grow deferred zones before they wake kswapd.
	 */
	for (int z = highest_zoneidx; z >= 0; z--) {
		struct zone *zone = &pgdat->node_zones[z];

		while (zone_has_deferred(zone) && !pgdat_balanced(m, nid, order, highest_zoneidx) &&
		       deferred_grow_zone(m, zone, order))
			grew = true;
	}
	if (grew) {
		__atomic_store_n(kswapd_failures(rn), 0, __ATOMIC_RELAXED);
		reclaim_wake_waiters(m);
		if (!boosted && pgdat_balanced(m, nid, order, highest_zoneidx))
			return 0; /* balanced by growth alone: nothing to reclaim */
	}
restart:
	priority = DEF_PRIORITY;
	do {
		bool balanced = pgdat_balanced(m, nid, order, highest_zoneidx);
		unsigned long target = 0, got;

		/* boosting must not turn into a full reclaim: drop it when truly unbalanced */
		if (!balanced && nr_boost_reclaim) {
			nr_boost_reclaim = 0;
			goto restart;
		}
		if (!nr_boost_reclaim && balanced)
			goto out;
		for (int z = 0; z <= highest_zoneidx; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (zone_is_managed(zone))
				target += MAX(high_wmark_pages(zone), SWAP_CLUSTER_MAX);
		}
		count_vm_events(m, PGSCAN_KSWAPD, target);
		got = shrink_node(m, nid, GFP_KERNEL, priority, NULL);
		total += got;
		if (got)
			reclaim_wake_waiters(m);
		nr_boost_reclaim -= MIN(nr_boost_reclaim, got);
		if (nr_boost_reclaim && !got)
			break;
		if (got < target)
			priority--;
		if (__atomic_load_n(&rn->kswapd_stop, __ATOMIC_ACQUIRE))
			break;
	} while (priority >= 1);
	if (!total)
		__atomic_add_fetch(kswapd_failures(rn), 1, __ATOMIC_RELAXED);
out:
	if (boosted) {
		for (int z = 0; z <= highest_zoneidx; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (!zone_boosts[z])
				continue;
			kmm_spin_lock(&zone->lock);
			WRITE_ONCE(zone->watermark_boost,
				   zone->watermark_boost -
					   MIN(zone->watermark_boost, zone_boosts[z]));
			kmm_spin_unlock(&zone->lock);
		}
	}
	count_vm_events(m, PGSTEAL_KSWAPD, total);
	__atomic_add_fetch(&rn->reclaimed, total, __ATOMIC_RELAXED);
	return total;
}

/* ---- wakeups ---------------------------------------------------------------------------- */

static void atomic_max_int(int *p, int v)
{
	int cur = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (cur < v &&
	       !__atomic_compare_exchange_n(p, &cur, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void wakeup_kswapd(struct kmm_machine *m, struct zone *zone, gfp_t gfp, unsigned int order,
		   int highest_zoneidx)
{
	struct reclaim_node *rn;
	int cur;

	if (!m->reclaim || !zone_is_managed(zone))
		return;
	rn = reclaim_node(m, zone->node);
	if (!__atomic_load_n(&rn->running, __ATOMIC_ACQUIRE))
		return;
	cur = __atomic_load_n(&rn->kswapd_highest_zoneidx, __ATOMIC_RELAXED);
	if (cur == MAX_NR_ZONES || cur < highest_zoneidx)
		__atomic_store_n(&rn->kswapd_highest_zoneidx, highest_zoneidx, __ATOMIC_RELAXED);
	atomic_max_int(&rn->kswapd_order, (int)order);
	/*
	 * Hopeless: leave it to direct reclaim; balanced and not boosted: no
	 * reclaim to do. Either way the free memory may be too fragmented for
	 * the order asked, so an allocation that cannot compact by itself
	 * (no __GFP_DIRECT_RECLAIM) wakes kcompactd, as 6.18's wakeup_kswapd
	 * does; compaction_suitable and deferral decide whether it works.
	 */
	if (__atomic_load_n(kswapd_failures(rn), __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES ||
	    (pgdat_balanced(m, zone->node, order, highest_zoneidx) &&
	     !pgdat_watermark_boosted(m, zone->node, highest_zoneidx))) {
		const struct kmm_compact_ops *cops =
			__atomic_load_n(&m->compact_ops, __ATOMIC_ACQUIRE);

		if (cops && !(gfp & __GFP_DIRECT_RECLAIM))
			cops->wakeup_kcompactd(m, zone->node, order, highest_zoneidx);
		return;
	}
	__atomic_add_fetch(&rn->kswapd_wait, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&rn->kswapd_sleeping, __ATOMIC_SEQ_CST))
		kmm_os_wake(&rn->kswapd_wait, 1);
}

void wake_all_kswapds(struct kmm_machine *m, unsigned int order, gfp_t gfp,
		      struct zone *const *zonelist, int highest_zoneidx, const uint64_t *nodemask)
{
	uint64_t done = 0;

	count_vm_event(m, KSWAPD_WAKE);
	struct zone *zone;

	for (struct zone *const *zp = zonelist; (zone = READ_ONCE(*zp)) != NULL; zp++) {
		if ((int)zone->idx > highest_zoneidx || zone->node >= 64 ||
		    (done >> zone->node) & 1)
			continue;
		if (nodemask && !((*nodemask >> zone->node) & 1))
			continue;
		done |= 1ull << zone->node;
		wakeup_kswapd(m, zone, gfp, order, highest_zoneidx);
	}
}

/* ---- the thread -------------------------------------------------------------------------- */

static bool prepare_kswapd_sleep(struct kmm_machine *m, struct reclaim_node *rn, unsigned int order,
				 int highest_zoneidx)
{
	if (__atomic_load_n(kswapd_failures(rn), __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES)
		return true; /* hopeless: sleep until woken (by a reset) */
	/* a boost is work too (kmm: a boosting wakeup that raced with this check is not lost) */
	if (pgdat_watermark_boosted(m, rn->nid, MAX_NR_ZONES - 1))
		return false;
	return pgdat_balanced(m, rn->nid, order, highest_zoneidx);
}

static bool kswapd_should_stop(struct reclaim_node *rn)
{
	return __atomic_load_n(&rn->kswapd_stop, __ATOMIC_ACQUIRE);
}

static void kswapd_try_to_sleep(struct kmm_machine *m, struct reclaim_node *rn,
				unsigned int alloc_order, unsigned int order, int highest_zoneidx)
{
	bool premature = false;
	uint32_t seq;

	__atomic_store_n(&rn->kswapd_sleeping, 1, __ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&rn->kswapd_wait, __ATOMIC_SEQ_CST);
	if (kswapd_should_stop(rn))
		goto out;
	if (prepare_kswapd_sleep(m, rn, order, highest_zoneidx)) {
		const struct kmm_compact_ops *cops =
			__atomic_load_n(&m->compact_ops, __ATOMIC_ACQUIRE);

		/* the node is balanced: compaction may now build the order asked for */
		if (cops)
			cops->kswapd_wakeup_kcompactd(m, rn->nid, alloc_order, highest_zoneidx);
		/* a short nap first: a wakeup during it means the sleep would be premature */
		kmm_os_wait(&rn->kswapd_wait, seq, KSWAPD_NAP_NS);
		premature = __atomic_load_n(&rn->kswapd_wait, __ATOMIC_SEQ_CST) != seq;
		if (!premature) {
			seq = __atomic_load_n(&rn->kswapd_wait, __ATOMIC_SEQ_CST);
			if (prepare_kswapd_sleep(m, rn, order, highest_zoneidx)) {
				__atomic_add_fetch(&rn->sleeps, 1, __ATOMIC_RELAXED);
				while (__atomic_load_n(&rn->kswapd_wait, __ATOMIC_SEQ_CST) == seq &&
				       !kswapd_should_stop(rn))
					kmm_os_wait(&rn->kswapd_wait, seq, KMM_OS_WAIT_FOREVER);
				goto out;
			}
		}
	}
	count_vm_event(m, premature ? KSWAPD_LOW_WMARK_HIT_QUICKLY : KSWAPD_HIGH_WMARK_HIT_QUICKLY);
out:
	__atomic_store_n(&rn->kswapd_sleeping, 0, __ATOMIC_SEQ_CST);
}

static void kswapd_main(void *arg)
{
	struct reclaim_node *rn = arg;
	struct kmm_machine *m = rn->m;
	unsigned int order = 0, reclaim_order = 0;
	int highest = MAX_NR_ZONES - 1;

	current_flags_set(current_flags() | PF_MEMALLOC | PF_KSWAPD);
	for (;;) {
		int hz;

		kswapd_try_to_sleep(m, rn, order, reclaim_order, highest);
		if (kswapd_should_stop(rn))
			break;
		order = (unsigned int)__atomic_exchange_n(&rn->kswapd_order, 0, __ATOMIC_RELAXED);
		hz = __atomic_exchange_n(&rn->kswapd_highest_zoneidx, MAX_NR_ZONES,
					 __ATOMIC_RELAXED);
		highest = hz == MAX_NR_ZONES ? MAX_NR_ZONES - 1 : hz;
		/*
		 * Reclaim cannot build high-order blocks, compaction can: a node
		 * with the order-0 pages compaction needs is balanced for
		 * reclaim at order 0, and kcompactd is woken for the order
		 * (Linux drops sc->order once it reclaimed compact_gap pages).
		 */
		reclaim_order = order;
		if (order && __atomic_load_n(&m->compact_ops, __ATOMIC_ACQUIRE) &&
		    pgdat_balanced(m, rn->nid, 0, highest))
			reclaim_order = 0;
		balance_pgdat(m, rn->nid, reclaim_order, highest);
	}
}

int kswapd_run_all(struct kmm_machine *m)
{
	char name[16];

	if (m->desc.kswapd) {
		for (int nid = 0; nid < m->nr_nodes; nid++) {
			struct reclaim_node *rn = reclaim_node(m, nid);

			kmm_snprintf(name, sizeof(name), "kswapd%d", nid);
			/* a host without threads: this node is reclaimed directly only */
			if (kmm_os_thread_create(&rn->thread, name, kswapd_main, rn) == 0)
				__atomic_store_n(&rn->running, true, __ATOMIC_RELEASE);
		}
	}
	page_reporting_start(m);
	fault_arm(m);
	return KMM_OK;
}

void kswapd_stop_all(struct kmm_machine *m)
{
	page_reporting_stop(m);
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct reclaim_node *rn = reclaim_node(m, nid);

		if (!__atomic_load_n(&rn->running, __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&rn->kswapd_stop, true, __ATOMIC_RELEASE);
		__atomic_add_fetch(&rn->kswapd_wait, 1, __ATOMIC_SEQ_CST);
		kmm_os_wake(&rn->kswapd_wait, INT32_MAX);
		kmm_os_thread_join(rn->thread);
		__atomic_store_n(&rn->running, false, __ATOMIC_RELEASE);
	}
}

int kmm_kswapd_info(kmm_machine *m, int nid, struct kmm_kswapd_info *info)
{
	struct reclaim_node *rn;

	if (!m || !info || nid < 0 || nid >= m->nr_nodes || !m->reclaim)
		return KMM_EINVAL;
	rn = reclaim_node(m, nid);
	info->running = __atomic_load_n(&rn->running, __ATOMIC_ACQUIRE);
	info->failures = __atomic_load_n(kswapd_failures(rn), __ATOMIC_RELAXED);
	info->runs = __atomic_load_n(&rn->runs, __ATOMIC_RELAXED);
	info->reclaimed = __atomic_load_n(&rn->reclaimed, __ATOMIC_RELAXED);
	info->sleeps = __atomic_load_n(&rn->sleeps, __ATOMIC_RELAXED);
	return KMM_OK;
}
