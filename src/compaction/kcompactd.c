/* SPDX-License-Identifier: MIT */
/*
 * compaction/kcompactd.c - one kcompactd thread per node (mm/compaction.c's
 * kcompactd, wakeup_kcompactd, kcompactd_do_work) and proactive compaction
 * (proactive_compact_node, the fragmentation score).
 *
 * Life of kcompactd<nid>: started by the "kcompactd" row of the late-init
 * table (machine key kcompactd=0 leaves it out, as does a host without
 * threads), it sleeps on kcompactd_wait for up to 500 ms
 * (HPAGE_FRAG_CHECK_INTERVAL_MSEC) and then
 *   woken    (kswapd is about to sleep after balancing the node for an
 *            order > 0: wakeup_kcompactd): kcompactd_do_work compacts
 *            every zone up to the zone index asked for at the order asked
 *            for, MIGRATE_SYNC_LIGHT, skipping deferred zones and zones where
 *            compaction_suit_allocation_order says it cannot help; a zone
 *            that fails is drained and deferred, one that succeeds reset;
 *   timeout  if vm.compaction_proactiveness is not 0, kswapd is not running
 *            and the node's fragmentation score is above the high mark,
 *            proactive_compact_node compacts every zone whole until its
 *            score is below the low mark; a run that did not lower the
 *            score backs off for 1 << COMPACT_MAX_DEFER_SHIFT intervals.
 * Counters: compact_daemon_wake for each run, compact_daemon_migrate_scanned
 * and compact_daemon_free_scanned for what its scanners walked.
 *
 * The wakeup is the kswapd protocol (reclaim/kswapd.c): the sleeper
 * announces itself before it reads the futex word, the waker bumps the
 * word before it reads the announcement.
 */
#include "compaction/compaction.h"
#include "page/pcp.h"
#include "reclaim/reclaim.h"
#include "trace/trace.h"

static bool kcompactd_node_suitable(struct kmm_machine *m, struct compact_node *cn)
{
	int highest = READ_ONCE(cn->kcompactd_highest_zoneidx);
	unsigned int order = (unsigned int)READ_ONCE(cn->kcompactd_max_order);

	for (int z = 0; z <= highest && z < MAX_NR_ZONES; z++) {
		struct zone *zone = &m->node_data[cn->nid]->node_zones[z];

		if (!zone_is_populated(zone))
			continue;
		if (compaction_suit_allocation_order(m, zone, order, highest, ALLOC_WMARK_MIN) ==
		    COMPACT_CONTINUE)
			return true;
	}
	return false;
}

void wakeup_kcompactd(struct kmm_machine *m, int nid, unsigned int order, int highest_zoneidx)
{
	struct compact_node *cn;

	if (!order || !m->compact)
		return;
	cn = compact_node(m, nid);
	if (!__atomic_load_n(&cn->running, __ATOMIC_ACQUIRE))
		return;
	if (READ_ONCE(cn->kcompactd_max_order) < (int)order)
		WRITE_ONCE(cn->kcompactd_max_order, (int)order);
	/* as 6.18: the lowest zone index asked for since the last run (reset to the top) */
	if (READ_ONCE(cn->kcompactd_highest_zoneidx) > highest_zoneidx)
		WRITE_ONCE(cn->kcompactd_highest_zoneidx, highest_zoneidx);
	/* awake: it tests kcompactd_max_order before it sleeps (kcompactd_main's fence) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&cn->kcompactd_sleeping, __ATOMIC_SEQ_CST))
		return;
	if (!kcompactd_node_suitable(m, cn))
		return;
	trace_mm_compaction_wakeup_kcompactd(m, nid, (int)order, highest_zoneidx);
	__atomic_add_fetch(&cn->kcompactd_wait, 1, __ATOMIC_SEQ_CST);
	kmm_os_wake(&cn->kcompactd_wait, 1);
}

/* kswapd balanced the node and goes to sleep (kswapd_try_to_sleep's two calls). */
void kswapd_wakeup_kcompactd(struct kmm_machine *m, int nid, unsigned int order,
			     int highest_zoneidx)
{
	if (!m->compact)
		return;
	reset_isolation_suitable(m, nid);
	wakeup_kcompactd(m, nid, order, highest_zoneidx);
}

static void kcompactd_do_work(struct kmm_machine *m, struct compact_node *cn)
{
	int order = READ_ONCE(cn->kcompactd_max_order);
	int highest = READ_ONCE(cn->kcompactd_highest_zoneidx);

	trace_mm_compaction_kcompactd_wake(m, cn->nid, order, highest);
	count_vm_event(m, KCOMPACTD_WAKE);
	__atomic_add_fetch(&cn->runs, 1, __ATOMIC_RELAXED);
	for (int z = 0; z <= highest && z < MAX_NR_ZONES; z++) {
		struct zone *zone = &m->node_data[cn->nid]->node_zones[z];
		struct compact_control cc = {
			.m = m,
			.zone = zone,
			.order = order,
			.highest_zoneidx = highest,
			.mode = KMM_MIGRATE_SYNC_LIGHT,
			.gfp_mask = GFP_KERNEL,
			.migratetype = MIGRATE_MOVABLE,
			.alloc_flags = ALLOC_WMARK_MIN,
		};
		enum compact_result status;

		if (!zone_is_populated(zone) || order <= 0)
			continue;
		if (compaction_deferred(m, zone, order))
			continue;
		if (compaction_suit_allocation_order(m, zone, (unsigned int)order, highest,
						     ALLOC_WMARK_MIN) != COMPACT_CONTINUE)
			continue;
		if (__atomic_load_n(&cn->kcompactd_stop, __ATOMIC_ACQUIRE))
			return;
		status = compact_zone(&cc);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(m, zone, order, false);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			drain_all_pages_m(m, zone);
			defer_compaction(m, zone, order);
		}
		count_vm_events(m, KCOMPACTD_MIGRATE_SCANNED, cc.total_migrate_scanned);
		count_vm_events(m, KCOMPACTD_FREE_SCANNED, cc.total_free_scanned);
	}
	/* the work asked for is done: later wakeups ask afresh */
	if (READ_ONCE(cn->kcompactd_max_order) <= order)
		WRITE_ONCE(cn->kcompactd_max_order, 0);
	if (READ_ONCE(cn->kcompactd_highest_zoneidx) >= highest)
		WRITE_ONCE(cn->kcompactd_highest_zoneidx, MAX_NR_ZONES - 1);
}

bool should_proactive_compact_node(struct kmm_machine *m, int nid)
{
	if (!READ_ONCE(m->compact->compaction_proactiveness))
		return false;
	/* kswapd is reclaiming: compaction would fight it (kswapd_is_running) */
	if (m->reclaim) {
		struct reclaim_node *rn = reclaim_node(m, nid);

		if (__atomic_load_n(&rn->running, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&rn->kswapd_sleeping, __ATOMIC_SEQ_CST))
			return false;
	}
	return fragmentation_score_node(m, nid) > fragmentation_score_wmark(m, false);
}

void proactive_compact_node(struct kmm_machine *m, int nid)
{
	struct compact_node *cn = compact_node(m, nid);

	__atomic_add_fetch(&cn->proactive_runs, 1, __ATOMIC_RELAXED);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &m->node_data[nid]->node_zones[z];
		struct compact_control cc = {
			.m = m,
			.zone = zone,
			.order = -1,
			.mode = KMM_MIGRATE_SYNC_LIGHT,
			.ignore_skip_hint = true,
			.whole_zone = true,
			.gfp_mask = GFP_KERNEL,
			.migratetype = MIGRATE_MOVABLE,
			.proactive_compaction = true,
		};

		if (!zone_is_populated(zone))
			continue;
		compact_zone(&cc);
		count_vm_events(m, KCOMPACTD_MIGRATE_SCANNED, cc.total_migrate_scanned);
		count_vm_events(m, KCOMPACTD_FREE_SCANNED, cc.total_free_scanned);
	}
}

static void kcompactd_main(void *arg)
{
	struct compact_node *cn = arg;
	struct kmm_machine *m = cn->m;

	while (!__atomic_load_n(&cn->kcompactd_stop, __ATOMIC_ACQUIRE)) {
		uint32_t seq;
		int rc;

		__atomic_store_n(&cn->kcompactd_sleeping, 1, __ATOMIC_SEQ_CST);
		seq = __atomic_load_n(&cn->kcompactd_wait, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&cn->kcompactd_stop, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&cn->kcompactd_sleeping, 0, __ATOMIC_SEQ_CST);
			break;
		}
		/*
		 * Work asked for while this thread was not yet asleep (a waker
		 * that found it awake only raised kcompactd_max_order): do it
		 * now rather than sleep on it, as kcompactd_work_requested is
		 * tested before the kernel's kcompactd sleeps. The fence pairs
		 * with wakeup_kcompactd's: one of the two sees the other.
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (READ_ONCE(cn->kcompactd_max_order) > 0) {
			__atomic_store_n(&cn->kcompactd_sleeping, 0, __ATOMIC_SEQ_CST);
			kcompactd_do_work(m, cn);
			continue;
		}
		trace_mm_compaction_kcompactd_sleep(m, cn->nid);
		rc = kmm_os_wait(&cn->kcompactd_wait, seq, HPAGE_FRAG_CHECK_INTERVAL_NS);
		__atomic_store_n(&cn->kcompactd_sleeping, 0, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&cn->kcompactd_stop, __ATOMIC_ACQUIRE))
			break;
		if (__atomic_load_n(&cn->kcompactd_wait, __ATOMIC_SEQ_CST) != seq ||
		    rc != KMM_OS_TIMEDOUT) {
			if (READ_ONCE(cn->kcompactd_max_order) > 0)
				kcompactd_do_work(m, cn);
			continue;
		}
		/* the interval passed: proactive compaction, backing off after a useless run */
		if (should_proactive_compact_node(m, cn->nid)) {
			unsigned int prev, score, defer = READ_ONCE(cn->proactive_defer);

			if (defer) {
				WRITE_ONCE(cn->proactive_defer, defer - 1);
				continue;
			}
			count_vm_event(m, KCOMPACTD_WAKE);
			prev = fragmentation_score_node(m, cn->nid);
			proactive_compact_node(m, cn->nid);
			score = fragmentation_score_node(m, cn->nid);
			WRITE_ONCE(cn->proactive_defer,
				   score < prev ? 0 : 1u << COMPACT_MAX_DEFER_SHIFT);
		}
	}
}

int kcompactd_run_all(struct kmm_machine *m)
{
	char name[16];

	if (!m->compact || !m->desc.kcompactd || !m->desc.compaction)
		return KMM_OK;
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct compact_node *cn = compact_node(m, nid);

		kmm_snprintf(name, sizeof(name), "kcompactd%d", nid);
		/* a host without threads: this node is compacted directly only */
		if (kmm_os_thread_create(&cn->thread, name, kcompactd_main, cn) == 0)
			__atomic_store_n(&cn->running, true, __ATOMIC_RELEASE);
	}
	return KMM_OK;
}

void kcompactd_stop_all(struct kmm_machine *m)
{
	if (!m->compact)
		return;
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct compact_node *cn = compact_node(m, nid);

		if (!__atomic_load_n(&cn->running, __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&cn->kcompactd_stop, true, __ATOMIC_RELEASE);
		__atomic_add_fetch(&cn->kcompactd_wait, 1, __ATOMIC_SEQ_CST);
		kmm_os_wake(&cn->kcompactd_wait, INT32_MAX);
		kmm_os_thread_join(cn->thread);
		__atomic_store_n(&cn->running, false, __ATOMIC_RELEASE);
	}
}

int kmm_kcompactd_info(kmm_machine *m, int nid, struct kmm_kcompactd_info *info)
{
	struct compact_node *cn;

	if (!m || !info || nid < 0 || nid >= m->nr_nodes || !m->compact)
		return KMM_EINVAL;
	cn = compact_node(m, nid);
	info->running = __atomic_load_n(&cn->running, __ATOMIC_ACQUIRE);
	info->runs = __atomic_load_n(&cn->runs, __ATOMIC_RELAXED);
	info->proactive_runs = __atomic_load_n(&cn->proactive_runs, __ATOMIC_RELAXED);
	return KMM_OK;
}
