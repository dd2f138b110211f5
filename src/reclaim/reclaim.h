/* SPDX-License-Identifier: MIT */
/*
 * reclaim/reclaim.h - the reclaim layer: what a kmm machine does when its
 * free memory runs short (Linux's mm/vmscan.c, shrinker.c, oom_kill.c,
 * page_reporting.c, fail_page_alloc and failslab), grouped by the file
 * that owns each function.
 *
 * What is reclaimable on a kmm machine: objects of the registered
 * shrinkers (the slab layer's empty slabs are one; a program registers its
 * own caches) and pages cached on per-CPU lists (the pcp layer's shrink
 * op). There is no page cache or anonymous memory, so no LRU: "scanning"
 * is calling shrinkers, and progress is the pages that came back to the
 * buddy lists while they ran.
 *
 * State: struct kmm_reclaim, carved from the machine's pages at boot (the
 * "reclaim" row of the late-init table), with one struct reclaim_node per
 * node (the kswapd half of Linux's pglist_data).
 *
 * Locks (docs/architecture.md has the whole order):
 *   shrinker_lock  the shrinker list and each shrinker's refcount; a leaf,
 *                  never held while a shrinker runs (walkers hold a
 *                  reference instead, as the kernel's RCU walk does);
 *   oom_lock       one OOM kill at a time (mutex_trylock(&oom_lock));
 *                  held while the report prints (takes log_lock, zone locks)
 *                  and while the victim callback runs;
 *   notifier_lock  the OOM notifier table, a leaf;
 *   fault lock     each fault_attr's counters, a leaf;
 *   report_lock    free page reporting's pass, one at a time; takes zone
 *                  locks inside.
 * Futex words (kmm_os_wait): each node's kswapd_wait, the machine's
 * free_seq (allocations waiting for memory), each shrinker's state.
 */
#ifndef KMM_RECLAIM_RECLAIM_H
#define KMM_RECLAIM_RECLAIM_H

#include "page/internal.h"
#include "platform/platform.h"
#include <kmm/reclaim.h>

#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32ul
#define KSWAPD_NAP_NS 100000000ull	/* HZ/10: the short nap before full sleep */
#define RECLAIM_THROTTLE_NS 10000000ull /* a no-progress reclaimer's wait (2 jiffies at 200 Hz) */
#define OOM_NOTIFIERS_MAX 8

/* The task flags of this thread (current->flags), in its last thread word. */
#define PF_MEMALLOC 0x00000800u
#define PF_KSWAPD 0x00020000u
#define PF_MEMALLOC_NOFS 0x00040000u
#define PF_MEMALLOC_NOIO 0x00080000u
#define KMM_TW_TASK_FLAGS (KMM_OS_THREAD_WORDS - 1)

static inline unsigned int current_flags(void)
{
	return (unsigned int)kmm_os_thread_words()[KMM_TW_TASK_FLAGS];
}

static inline void current_flags_set(unsigned int flags)
{
	kmm_os_thread_words()[KMM_TW_TASK_FLAGS] = flags;
}

struct reclaim_node {
	struct kmm_machine *m;
	int nid;
	uint32_t kswapd_wait;	    /* futex word: bumped by every wakeup */
	uint32_t kswapd_sleeping;   /* kswapd waits on kswapd_wait (waitqueue_active) */
	int kswapd_order;	    /* highest order asked for since it last ran */
	int kswapd_highest_zoneidx; /* MAX_NR_ZONES: nobody asked */
	bool kswapd_stop;
	bool running;
	kmm_os_thread thread;
	unsigned long runs, reclaimed, sleeps;
};

/* The node's count of fruitless balance_pgdat runs (kept on the pgdat, as in Linux). */
static inline int *kswapd_failures(const struct reclaim_node *rn)
{
	return &rn->m->node_data[rn->nid]->kswapd_failures;
}

struct fault_attr {
	const char *name;
	kmm_spinlock lock;
	unsigned long probability; /* percent */
	unsigned long interval;
	long times; /* -1: no limit */
	long space;
	unsigned long verbose;
	unsigned long ratelimit_interval_ms;
	unsigned long ratelimit_burst;
	bool task_filter;	 /* accepted, ignored */
	bool ignore_gfp_reclaim; /* ignore-gfp-wait */
	bool ignore_gfp_highmem; /* fail_page_alloc only */
	bool cache_filter;	 /* failslab only */
	unsigned int min_order;	 /* fail_page_alloc only */
	unsigned long count;	 /* calls that passed the filters, for interval */
	uint64_t rand;
	unsigned long injected;
	uint64_t rl_window_ns;
	unsigned long rl_count;
};

struct oom_notifier {
	kmm_oom_notifier_fn fn;
	void *ctx;
};

struct kmm_reclaim {
	unsigned int state_order; /* the pages this struct lives in */

	/* shrinker.c */
	kmm_spinlock shrinker_lock;
	struct shrinker *shrinkers; /* head; registration order, kmm_last ones at the end */
	unsigned int nr_shrinkers;
	/* the slab layer's shrinker lives here: booting allocates no object for it */
	struct shrinker slab_shrinker;
	long slab_shrinker_deferred[KMM_MAX_NUMNODES];

	/* vmscan.c: allocations waiting for memory (reclaim_throttle, NOFAIL, exiting victim) */
	uint32_t free_seq;

	/* oom_kill.c */
	kmm_spinlock oom_lock;
	kmm_spinlock notifier_lock;
	struct oom_notifier notifiers[OOM_NOTIFIERS_MAX];
	kmm_oom_victim_fn victim_fn;
	void *victim_ctx;
	unsigned long oom_kills;
	bool nofail_warned;

	/* fault_inject.c */
	struct fault_attr fault[KMM_NR_FAULTS];

	/* page_reporting.c */
	bool reporting;
	kmm_os_thread report_thread;
	bool report_running;
	bool report_stop;
	uint32_t report_wait;	 /* futex word */
	uint32_t report_pending; /* a block of reporting order was freed */
	kmm_spinlock report_lock;
	unsigned long reported_free; /* pages currently free and reported (PG_reported) */

	struct reclaim_node node[];
};

static inline struct reclaim_node *reclaim_node(struct kmm_machine *m, int nid)
{
	return &m->reclaim->node[nid];
}

/* ---- vmscan.c: the reclaim engine, the layer's boot ------------------------------ */

int reclaim_init(struct kmm_machine *m);
int reclaim_check(struct kmm_machine *m);
/* One reclaim pass over node nid at priority: pages that came back. */
unsigned long shrink_node(struct kmm_machine *m, int nid, gfp_t gfp, int priority,
			  unsigned long *scanned_objects);
/* Direct reclaim for an allocation (try_to_free_pages): pages freed. */
unsigned long try_to_free_pages(struct kmm_machine *m, gfp_t gfp, unsigned int order,
				int highest_zoneidx, const uint64_t *nodemask, int preferred_nid);
/* Wait (up to timeout_ns) for memory to be freed or reclaimed; true when it was. */
bool reclaim_wait_for_free(struct kmm_machine *m, uint64_t timeout_ns);
/* Wake allocations waiting for memory (after frees, kswapd progress, an OOM kill). */
void reclaim_wake_waiters(struct kmm_machine *m);
/* Free pages of node nid's zones up to highest_zoneidx. */
unsigned long node_free_pages(struct kmm_machine *m, int nid, int highest_zoneidx);

/* ---- shrinker.c -------------------------------------------------------------- */

/* Every shrinker allowed by gfp, at priority, for node nid: objects freed. */
unsigned long shrink_slab(struct kmm_machine *m, gfp_t gfp, int nid, int priority,
			  unsigned long *scanned);
/* Internal: a shrinker kept at the end of the list (the slab layer's). */
#define SHRINKER_KMM_LAST (1u << 16)
#define SHRINKER_KMM_EMBEDDED (1u << 17) /* lives in another struct: never kfree'd */
/* shrinker_alloc with its memory from node nid (-1: this CPU's), name already formatted. */
/* Set up a shrinker that lives in a struct of its layer (deferred: nr_nodes longs). */
struct shrinker *shrinker_init_embedded(struct kmm_machine *m, struct shrinker *s, long *deferred,
					unsigned int flags, const char *name);
struct shrinker *__shrinker_alloc(struct kmm_machine *m, unsigned int flags, int nid,
				  const char *name);

/* ---- kswapd.c ---------------------------------------------------------------- */

int kswapd_run_all(struct kmm_machine *m);
void kswapd_stop_all(struct kmm_machine *m);
/* An allocation found zone below its low watermark (wakeup_kswapd). */
void wakeup_kswapd(struct kmm_machine *m, struct zone *zone, gfp_t gfp, unsigned int order,
		   int highest_zoneidx);
/* The whole zonelist of an allocation, each node once (wake_all_kswapds). */
void wake_all_kswapds(struct kmm_machine *m, unsigned int order, gfp_t gfp,
		      struct zone *const *zonelist, int highest_zoneidx, const uint64_t *nodemask);
bool pgdat_balanced(struct kmm_machine *m, int nid, unsigned int order, int highest_zoneidx);
/* balance_pgdat, also callable without a thread (kswapd=0 machines in tests). */
unsigned long balance_pgdat(struct kmm_machine *m, int nid, unsigned int order,
			    int highest_zoneidx);
/* Boost zone's watermark after a fragmenting fallback (boost_watermark); zone->lock held. */
bool boost_watermark(struct kmm_machine *m, struct zone *zone);

/* ---- oom_kill.c ------------------------------------------------------- */

/* out_of_memory: true when memory was (or is being) freed and the caller should retry. */
bool out_of_memory(struct kmm_machine *m, const struct oom_control *oc, bool *victim_exiting);
/* The __GFP_NOFAIL order > 1 warning, once per machine. */
void warn_nofail_order(struct kmm_machine *m, gfp_t gfp, unsigned int order);

/* ---- fault_inject.c ------------------------------------------------------------------ */

void fault_init(struct kmm_machine *m);
void fault_arm(struct kmm_machine *m);
bool should_fail_alloc_page(struct kmm_machine *m, gfp_t gfp, unsigned int order);
struct kmem_cache;
bool should_failslab(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp);

/* ---- page_reporting.c ---------------------------------------------------------------- */

int page_reporting_start(struct kmm_machine *m);
void page_reporting_stop(struct kmm_machine *m);
/* A block of order >= the reporting order was freed; zone->lock held (page_reporting_notify_free).
 */
void page_reporting_notify_free(struct kmm_machine *m, unsigned int order);
/* One pass over every zone: pages reported. */
unsigned long page_reporting_process(struct kmm_machine *m);

/* Is some node's kswapd running and not hopeless (it may still free memory)? */
static inline bool reclaim_kswapd_hopeful(struct kmm_machine *m)
{
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct reclaim_node *rn = reclaim_node(m, nid);

		if (__atomic_load_n(&rn->running, __ATOMIC_ACQUIRE) &&
		    READ_ONCE(m->node_data[nid]->kswapd_failures) < MAX_RECLAIM_RETRIES)
			return true;
	}
	return false;
}

#endif /* KMM_RECLAIM_RECLAIM_H */
