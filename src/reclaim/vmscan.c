/* SPDX-License-Identifier: MIT */
/*
 * reclaim/vmscan.c - the reclaim engine (mm/vmscan.c's shrink_node and
 * do_try_to_free_pages, reduced to what a kmm machine holds), the waits
 * of allocations that cannot be served yet, the per-thread allocation
 * scopes, and the layer's boot (its checker is reclaim/check.c).
 *
 * A reclaim pass over a node at a priority (shrink_node) runs every
 * shrinker allowed by the gfp mask (shrinker.c) and measures what came
 * back: the node's free pages plus the pages on its per-CPU lists, before
 * and after. Concurrent allocations and frees make that an estimate (the
 * kernel counts reclaim_state->reclaimed for the same purpose); it is used
 * for progress and counters only, never for an invariant.
 *
 * Direct reclaim (try_to_free_pages) runs with PF_MEMALLOC set, so what
 * shrinkers allocate cannot recurse into reclaim and may use reserves,
 * and walks priorities DEF_PRIORITY..0 until SWAP_CLUSTER_MAX pages came
 * back, over every node the allocation may use. It counts
 * allocstall_<zone>, pgscan_direct (pages it set out to free) and
 * pgsteal_direct (pages that came back), and any progress clears the
 * node's kswapd_failures as shrink_node does in the kernel.
 *
 * Waiting for memory (reclaim_wait_for_free): a waiter announces itself
 * in m->alloc_waiters, then sleeps on the futex word r->free_seq with a
 * timeout; the page free path, kswapd's and direct reclaim's progress and
 * an OOM kill bump free_seq and wake the waiters when there are any. The
 * timeout bounds a missed wakeup (a free between the announcement and
 * the sleep), so nothing ever spins and nothing sleeps for nothing.
 *
 * The scopes (memalloc_nofs_save ...) are bits in the calling thread's
 * last platform thread word, the kmm equivalent of current->flags: they
 * hold for every machine the thread uses, as the kernel's hold for every
 * allocation of the task.
 */
#include "boot/late_init.h"
#include "page/pcp.h"
#include "smp/cpu.h"
#include "reclaim/reclaim.h"

/* ---- per-thread scopes ------------------------------------------------------ */

static unsigned int scope_save(unsigned int bit)
{
	unsigned int f = current_flags();

	current_flags_set(f | bit);
	return f & bit;
}

static void scope_restore(unsigned int bit, unsigned int saved)
{
	current_flags_set((current_flags() & ~bit) | (saved & bit));
}

unsigned int kmm_memalloc_nofs_save(void)
{
	return scope_save(PF_MEMALLOC_NOFS);
}

void kmm_memalloc_nofs_restore(unsigned int flags)
{
	scope_restore(PF_MEMALLOC_NOFS, flags);
}

unsigned int kmm_memalloc_noio_save(void)
{
	return scope_save(PF_MEMALLOC_NOIO);
}

void kmm_memalloc_noio_restore(unsigned int flags)
{
	scope_restore(PF_MEMALLOC_NOIO, flags);
}

unsigned int kmm_memalloc_noreclaim_save(void)
{
	return scope_save(PF_MEMALLOC);
}

void kmm_memalloc_noreclaim_restore(unsigned int flags)
{
	scope_restore(PF_MEMALLOC, flags);
}

gfp_t kmm_current_gfp_context(gfp_t gfp)
{
	unsigned int pflags = current_flags();

	if (pflags & PF_MEMALLOC_NOIO)
		gfp &= ~(__GFP_IO | __GFP_FS);
	else if (pflags & PF_MEMALLOC_NOFS)
		gfp &= ~__GFP_FS;
	return gfp;
}

/* ---- waiting for memory ----------------------------------------------------- */

void reclaim_wake_waiters(struct kmm_machine *m)
{
	struct kmm_reclaim *r = m->reclaim;

	if (!r || !__atomic_load_n(&m->alloc_waiters, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&r->free_seq, 1, __ATOMIC_SEQ_CST);
	kmm_os_wake(&r->free_seq, INT32_MAX);
}

bool reclaim_wait_for_free(struct kmm_machine *m, uint64_t timeout_ns)
{
	struct kmm_reclaim *r = m->reclaim;
	uint32_t seq;

	if (!r)
		return false;
	__atomic_add_fetch(&m->alloc_waiters, 1, __ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&r->free_seq, __ATOMIC_SEQ_CST);
	kmm_os_wait(&r->free_seq, seq, timeout_ns);
	__atomic_sub_fetch(&m->alloc_waiters, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&r->free_seq, __ATOMIC_SEQ_CST) != seq;
}

/* ---- reclaim passes -------------------------------------------------------------- */

unsigned long node_free_pages(struct kmm_machine *m, int nid, int highest_zoneidx)
{
	struct pglist_data *pgdat = m->node_data[nid];
	unsigned long pages = 0;

	for (int z = 0; z <= highest_zoneidx && z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!zone_is_managed(zone))
			continue;
		pages += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]);
		if (zone->pcp)
			for (int cpu = 0; cpu < m->nr_cpus; cpu++)
				pages += (unsigned long)pcp_pages(pcp_ptr(m, zone, cpu));
	}
	return pages;
}

unsigned long shrink_node(struct kmm_machine *m, int nid, gfp_t gfp, int priority,
			  unsigned long *scanned_objects)
{
	unsigned long before = node_free_pages(m, nid, MAX_NR_ZONES - 1), after;

	shrink_slab(m, gfp, nid, priority, scanned_objects);
	after = node_free_pages(m, nid, MAX_NR_ZONES - 1);
	if (after <= before)
		return 0;
	/* reclaimable: the node is not hopeless (shrink_node clears kswapd_failures) */
	__atomic_store_n(&m->node_data[nid]->kswapd_failures, 0, __ATOMIC_RELAXED);
	return after - before;
}

static bool node_usable(struct kmm_machine *m, int nid, int highest_zoneidx,
			const uint64_t *nodemask)
{
	if (nodemask && !((*nodemask >> nid) & 1))
		return false;
	for (int z = 0; z <= highest_zoneidx; z++)
		if (zone_is_managed(&m->node_data[nid]->node_zones[z]))
			return true;
	return false;
}

unsigned long try_to_free_pages(struct kmm_machine *m, gfp_t gfp, unsigned int order,
				int highest_zoneidx, const uint64_t *nodemask, int preferred_nid)
{
	unsigned long reclaimed = 0, target = SWAP_CLUSTER_MAX;
	unsigned int noreclaim = kmm_memalloc_noreclaim_save();

	(void)order;
	count_zid_vm_events(m, ALLOCSTALL_DMA, highest_zoneidx, 1);
	for (int priority = DEF_PRIORITY; priority >= 0 && reclaimed < target; priority--) {
		for (int i = 0; i < m->nr_nodes && reclaimed < target; i++) {
			int nid = (preferred_nid + i) % m->nr_nodes;

			if (!node_usable(m, nid, highest_zoneidx, nodemask))
				continue;
			count_vm_events(m, PGSCAN_DIRECT, target - reclaimed);
			reclaimed += shrink_node(m, nid, gfp, priority, NULL);
		}
	}
	kmm_memalloc_noreclaim_restore(noreclaim);
	count_vm_events(m, PGSTEAL_DIRECT, reclaimed);
	if (reclaimed)
		reclaim_wake_waiters(m);
	return reclaimed;
}

/* ---- boot and check ------------------------------------------------------------------ */

int reclaim_init(struct kmm_machine *m)
{
	size_t bytes =
		sizeof(struct kmm_reclaim) + (size_t)m->nr_nodes * sizeof(struct reclaim_node);
	unsigned int order = 0;
	struct kmm_reclaim *r;
	struct page *page;

	while ((m->page_size << order) < bytes)
		order++;
	/* from the last CPU's node, as the slab and per-CPU layers boot: node 0 stays as it was */
	page = __alloc_pages(m, GFP_KERNEL | __GFP_ZERO, order, cpu_to_node_m(m, m->nr_cpus - 1),
			     NULL);
	if (!page)
		return KMM_ENOMEM;
	r = page_to_virt_raw(m, page);
	r->state_order = order;
	kmm_spin_init_class(&r->shrinker_lock, KMM_LOCK_SHRINKER);
	kmm_spin_init_class(&r->oom_lock, KMM_LOCK_OOM);
	kmm_spin_init_class(&r->notifier_lock, KMM_LOCK_OOM_NOTIFIER);
	kmm_spin_init_class(&r->report_lock, KMM_LOCK_REPORT);
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct reclaim_node *rn = &r->node[nid];

		rn->m = m;
		rn->nid = nid;
		rn->kswapd_highest_zoneidx = MAX_NR_ZONES;
	}
	m->reclaim = r;
	fault_init(m);
	return KMM_OK;
}
