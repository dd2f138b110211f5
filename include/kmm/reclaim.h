/* SPDX-License-Identifier: MIT */
/*
 * kmm/reclaim.h - memory pressure: shrinkers, the per-thread allocation
 * scopes, the OOM killer's hooks, fault injection and kswapd's state.
 *
 * Shrinkers have the 6.x API (include/linux/shrinker.h):
 *
 *	struct shrinker *s = kmm_shrinker_alloc(m, 0, "my-cache");
 *	s->count_objects = my_count;	// objects that could be freed, or SHRINK_EMPTY
 *	s->scan_objects = my_scan;	// free up to sc->nr_to_scan: freed, or SHRINK_STOP
 *	s->seeks = DEFAULT_SEEKS;
 *	s->private_data = cache;
 *	kmm_shrinker_register(s);
 *	...
 *	kmm_shrinker_free(s);		// waits for a running scan to finish
 *
 * kswapd and direct reclaim call every registered shrinker of the machine
 * (the slab layer's empty-slab release is one of them). kmm adds two flags
 * a shrinker may declare: SHRINKER_NEEDS_FS / SHRINKER_NEEDS_IO, and then
 * it is not called for a reclaim whose gfp mask lacks __GFP_FS / __GFP_IO
 * (the kernel's shrinkers test sc->gfp_mask themselves; they still may).
 *
 * The memalloc scopes are per thread, for every machine, as current->flags
 * are: inside memalloc_nofs_save() ... restore() every allocation loses
 * __GFP_FS; noio loses __GFP_IO and __GFP_FS; noreclaim (PF_MEMALLOC)
 * never enters direct reclaim and may use the reserves below min.
 */
#ifndef KMM_RECLAIM_H
#define KMM_RECLAIM_H

#include <kmm/kmm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shrinkers ----------------------------------------------------------- */

#define SHRINK_STOP (~0UL)
#define SHRINK_EMPTY (~0UL - 1)
#define DEFAULT_SEEKS 2
#define SHRINK_BATCH 128

#define SHRINKER_REGISTERED (1u << 0)
#define SHRINKER_ALLOCATED (1u << 1)
#define SHRINKER_NUMA_AWARE (1u << 2)
#define SHRINKER_MEMCG_AWARE (1u << 3) /* accepted, ignored: kmm has no memory cgroups */
#define SHRINKER_NONSLAB (1u << 4)     /* accepted, ignored */
#define SHRINKER_NEEDS_FS (1u << 8)    /* kmm: call only when the reclaim may use __GFP_FS */
#define SHRINKER_NEEDS_IO (1u << 9)    /* kmm: call only when the reclaim may use __GFP_IO */

struct shrink_control {
	kmm_gfp_t gfp_mask;
	int nid;		  /* node being reclaimed (0 unless SHRINKER_NUMA_AWARE) */
	unsigned long nr_to_scan; /* objects to scan in this call */
	unsigned long nr_scanned; /* objects scanned: the shrinker may lower it */
	void *memcg;		  /* always NULL */
};

struct shrinker {
	unsigned long (*count_objects)(struct shrinker *s, struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *s, struct shrink_control *sc);
	long batch; /* objects per scan_objects call; 0 = SHRINK_BATCH */
	int seeks;  /* cost to recreate an object; 0 = trim aggressively */
	unsigned int flags;
	void *private_data;

	/* kmm's bookkeeping: read-only for users. */
	kmm_machine *machine;
	char name[40];
	struct shrinker *next, *prev;
	unsigned int refcount; /* the list's reference plus one per running walker */
	unsigned int state;    /* futex word: 1 once unlinked */
	unsigned long freed;   /* objects freed over its life (debugfs shrinker "count") */
	long *nr_deferred;     /* per node: work carried to the next call */
};

KMM_API struct shrinker *kmm_shrinker_alloc(kmm_machine *m, unsigned int flags, const char *fmt,
					    ...) __attribute__((format(printf, 3, 4)));
KMM_API void kmm_shrinker_register(struct shrinker *s);
KMM_API void kmm_shrinker_free(struct shrinker *s);
/* Run every shrinker until nothing more is freed (drop_caches 2): objects freed. */
KMM_API unsigned long kmm_drop_slab(kmm_machine *m);

/* ---- per-thread scopes (memalloc_*_save) ------------------------------------ */

KMM_API unsigned int kmm_memalloc_nofs_save(void);
KMM_API void kmm_memalloc_nofs_restore(unsigned int flags);
KMM_API unsigned int kmm_memalloc_noio_save(void);
KMM_API void kmm_memalloc_noio_restore(unsigned int flags);
KMM_API unsigned int kmm_memalloc_noreclaim_save(void);
KMM_API void kmm_memalloc_noreclaim_restore(unsigned int flags);
/* gfp as an allocation of this thread sees it (current_gfp_context). */
KMM_API kmm_gfp_t kmm_current_gfp_context(kmm_gfp_t gfp);

/* ---- OOM ---------------------------------------------------------------------- */

/* What out_of_memory was asked (struct oom_control, the fields kmm has). */
struct oom_control {
	const uint64_t *nodemask;
	kmm_gfp_t gfp_mask;
	int order;
};

/*
 * The victim callback: the program's "kill". It frees memory of its
 * choice and says whom it killed (for the "Killed process" line); it
 * returns the pages it freed, 0 when there is nothing left to kill, or
 * KMM_OOM_VICTIM_EXITING when the memory will be freed by another thread
 * soon (the allocation then waits for frees and retries, as the kernel
 * waits for an exiting victim).
 */
struct kmm_oom_victim {
	char comm[32];
	int pid;
	unsigned long rss_pages; /* what the victim held, for total-vm and anon-rss */
};
#define KMM_OOM_VICTIM_EXITING (~0UL)
typedef unsigned long (*kmm_oom_victim_fn)(void *ctx, const struct oom_control *oc,
					   struct kmm_oom_victim *victim);
KMM_API void kmm_set_oom_victim(kmm_machine *m, kmm_oom_victim_fn fn, void *ctx);

/*
 * OOM notifiers (register_oom_notifier): called before a victim is
 * chosen, each adds the pages it freed to *freed; any progress makes the
 * allocation retry without killing. Up to 8 per machine; KMM_ENOMEM when
 * full, KMM_EINVAL for NULL or a duplicate.
 */
typedef int (*kmm_oom_notifier_fn)(void *ctx, unsigned long event, unsigned long *freed);
KMM_API int kmm_register_oom_notifier(kmm_machine *m, kmm_oom_notifier_fn fn, void *ctx);
KMM_API int kmm_unregister_oom_notifier(kmm_machine *m, kmm_oom_notifier_fn fn, void *ctx);
/* Invoke the OOM path as the page allocator does; 1 when it made progress. */
KMM_API int kmm_out_of_memory(kmm_machine *m, const struct oom_control *oc);
/* show_mem: the "Mem-Info:" block through the machine's log. */
KMM_API void kmm_show_mem(kmm_machine *m);

/* ---- fault injection (/sys/kernel/debug/fail_page_alloc, failslab) ---------- */

enum kmm_fault {
	KMM_FAULT_PAGE_ALLOC, /* fail_page_alloc */
	KMM_FAULT_SLAB,	      /* failslab */
	KMM_NR_FAULTS
};

/*
 * Read or write one debugfs attribute by its file name: "probability",
 * "interval", "times", "space", "verbose", "ignore-gfp-wait",
 * "ignore-gfp-highmem" (fail_page_alloc), "min-order" (fail_page_alloc),
 * "cache-filter" (failslab), "verbose_ratelimit_interval_ms",
 * "verbose_ratelimit_burst", "task-filter" (accepted, ignored). KMM_EINVAL
 * for an unknown name or a value out of range (nothing changes).
 */
KMM_API int kmm_fault_attr_set(kmm_machine *m, enum kmm_fault which, const char *attr, long value);
KMM_API int kmm_fault_attr_get(kmm_machine *m, enum kmm_fault which, const char *attr, long *value);
/* failslab's per-cache opt-in for cache-filter (/sys/kernel/slab/<cache>/failslab). */
#ifndef SLAB_FAILSLAB
#define SLAB_FAILSLAB 0x02000000u
#endif
struct kmem_cache;
KMM_API int kmm_kmem_cache_set_failslab(kmm_machine *m, struct kmem_cache *s, int on);
/* Failures injected so far. */
KMM_API unsigned long kmm_fault_injected(kmm_machine *m, enum kmm_fault which);

/* ---- kswapd and page reporting state ------------------------------------------ */

struct kmm_kswapd_info {
	int running;		 /* a kswapd thread serves this node */
	int failures;		 /* kswapd_failures */
	unsigned long runs;	 /* balance_pgdat calls */
	unsigned long reclaimed; /* pages it freed */
	unsigned long sleeps;	 /* times it went to full sleep */
};
KMM_API int kmm_kswapd_info(kmm_machine *m, int nid, struct kmm_kswapd_info *info);
/* Pages handed back to the host by free page reporting, and still reported (free). */
KMM_API unsigned long kmm_pages_reported(kmm_machine *m);

#ifdef __cplusplus
}
#endif

#endif /* KMM_RECLAIM_H */

/* ---- kernel names, bound to the default machine (with kmm/linux.h) ---------- */
#if defined(KMM_LINUX_H) && !defined(KMM_RECLAIM_LINUX_H)
#define KMM_RECLAIM_LINUX_H
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define shrinker_alloc(flags, ...) kmm_shrinker_alloc(__kmm_m, (flags), __VA_ARGS__)

static inline void shrinker_register(struct shrinker *s)
{
	kmm_shrinker_register(s);
}

static inline void shrinker_free(struct shrinker *s)
{
	kmm_shrinker_free(s);
}

static inline unsigned int memalloc_nofs_save(void)
{
	return kmm_memalloc_nofs_save();
}
static inline void memalloc_nofs_restore(unsigned int flags)
{
	kmm_memalloc_nofs_restore(flags);
}
static inline unsigned int memalloc_noio_save(void)
{
	return kmm_memalloc_noio_save();
}
static inline void memalloc_noio_restore(unsigned int flags)
{
	kmm_memalloc_noio_restore(flags);
}
static inline unsigned int memalloc_noreclaim_save(void)
{
	return kmm_memalloc_noreclaim_save();
}
static inline void memalloc_noreclaim_restore(unsigned int flags)
{
	kmm_memalloc_noreclaim_restore(flags);
}
static inline gfp_t current_gfp_context(gfp_t gfp)
{
	return kmm_current_gfp_context(gfp);
}

/* The kernel's notifier_block, reduced to what an OOM notifier uses. */
struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long event, void *data);
};
static inline int __kmm_oom_nb_call(void *ctx, unsigned long event, unsigned long *freed)
{
	struct notifier_block *nb = (struct notifier_block *)ctx;

	return nb->notifier_call(nb, event, freed);
}
static inline int register_oom_notifier(struct notifier_block *nb)
{
	return kmm_register_oom_notifier(__kmm_m, __kmm_oom_nb_call, nb);
}
static inline int unregister_oom_notifier(struct notifier_block *nb)
{
	return kmm_unregister_oom_notifier(__kmm_m, __kmm_oom_nb_call, nb);
}
#define NOTIFY_DONE 0x0000
#define NOTIFY_OK 0x0001

static inline bool out_of_memory(struct oom_control *oc)
{
	return kmm_out_of_memory(__kmm_m, oc) != 0;
}

static inline void show_mem(void)
{
	kmm_show_mem(__kmm_m);
}

#ifdef __cplusplus
}
#endif
#endif /* KMM_LINUX_H && !KMM_RECLAIM_LINUX_H */
