/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/reclaim_test.h - what the reclaim tests share: a user
 * cache of pages behind a shrinker (the "program's own cache" of the
 * issue), with a gate that makes its scans refuse work, and waiting for
 * a condition with a timeout (tests never sleep a fixed time to let a
 * thread run: they poll the condition and fail after the timeout).
 */
#ifndef KMM_RECLAIM_TEST_H
#define KMM_RECLAIM_TEST_H

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <kmm/percpu.h>
#include <kmm/reclaim.h>

#include "machine.h"

/* ---- waiting for a condition --------------------------------------------------- */

static inline uint64_t rt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void rt_nap(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

/* Poll `cond` every millisecond for up to ms milliseconds; evaluates to its last value. */
#define wait_until(cond, ms)                                         \
	({                                                           \
		uint64_t __deadline = rt_now_ms() + (ms);            \
		bool __ok;                                           \
		while (!(__ok = (cond)) && rt_now_ms() < __deadline) \
			rt_nap();                                    \
		__ok;                                                \
	})

/* ---- no page lost ----------------------------------------------------------------- */

/*
 * The machine's free pages once nothing is held in caches: empty slabs
 * dropped (kmm_drop_slab) and the per-CPU lists drained. A scenario takes
 * it after boot and again after it has freed everything: the two agree
 * unless a page was lost (kmm_check cannot see a block nobody references).
 */
static inline unsigned long rt_settled_free(kmm_machine *m)
{
	kmm_drop_slab(m);
	kmm_drain_all_pages(m, NULL);
	return test_free_pages(m);
}

/*
 * kmm_drop_slab never waits for a lock: while kswapd is inside a slab
 * flush, a CPU's array may be skipped and its slab stay partial for a
 * moment. So the count is retried until it agrees (at most 5 s); a page
 * really lost never comes back and fails the test with both figures.
 */
#define assert_no_page_lost(m, baseline)                                                      \
	do {                                                                                  \
		unsigned long __want = (baseline), __got = 0;                                 \
		bool __same = wait_until((__got = rt_settled_free(m)) == __want, 5000);       \
		if (!__same)                                                                  \
			fail_msg("page lost: %lu free pages, %lu after boot", __got, __want); \
	} while (0)

/* ---- a user cache of pages with a shrinker ------------------------------------------ */

struct user_cache {
	kmm_machine *m;
	pthread_mutex_t lock;
	struct page **pages;
	long n, cap;
	int gate_closed; /* scans return SHRINK_STOP */
	unsigned long scans, counts, freed;
	unsigned long last_nr_to_scan;
	int last_nid;
	struct shrinker *shrinker;
};

static inline unsigned long uc_count(struct shrinker *s, struct shrink_control *sc)
{
	struct user_cache *c = s->private_data;
	long n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	c->counts++;
	c->last_nid = sc->nid;
	pthread_mutex_unlock(&c->lock);
	return n ? (unsigned long)n : SHRINK_EMPTY;
}

static inline unsigned long uc_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct user_cache *c = s->private_data;
	unsigned long freed = 0;

	pthread_mutex_lock(&c->lock);
	c->scans++;
	c->last_nr_to_scan = sc->nr_to_scan;
	if (c->gate_closed) {
		pthread_mutex_unlock(&c->lock);
		return SHRINK_STOP;
	}
	while (freed < sc->nr_to_scan && c->n > 0) {
		kmm_free_pages(c->m, c->pages[--c->n], 0);
		freed++;
	}
	c->freed += freed;
	pthread_mutex_unlock(&c->lock);
	return freed;
}

static inline struct user_cache *uc_create(kmm_machine *m, long cap, unsigned int flags, int seeks)
{
	struct user_cache *c = calloc(1, sizeof(*c));

	c->m = m;
	pthread_mutex_init(&c->lock, NULL);
	c->cap = cap;
	c->pages = calloc((size_t)cap, sizeof(*c->pages));
	c->shrinker = kmm_shrinker_alloc(m, flags, "user-cache");
	c->shrinker->count_objects = uc_count;
	c->shrinker->scan_objects = uc_scan;
	c->shrinker->seeks = seeks;
	c->shrinker->private_data = c;
	kmm_shrinker_register(c->shrinker);
	return c;
}

static inline long uc_size(struct user_cache *c)
{
	long n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Add one page allocated with gfp; false when the allocation failed or the cache is full. */
static inline bool uc_add(struct user_cache *c, gfp_t gfp)
{
	struct page *p;
	bool full;

	/* the allocation runs unlocked: its direct reclaim may scan this cache */
	if (uc_size(c) >= c->cap)
		return false;
	p = kmm_alloc_pages(c->m, gfp, 0);
	if (!p)
		return false;
	pthread_mutex_lock(&c->lock);
	full = c->n >= c->cap;
	if (!full)
		c->pages[c->n++] = p;
	pthread_mutex_unlock(&c->lock);
	if (full)
		kmm_free_pages(c->m, p, 0);
	return !full;
}

static inline unsigned long uc_freed(struct user_cache *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->lock);
	n = c->freed;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static inline unsigned long uc_scans(struct user_cache *c, bool reset)
{
	unsigned long n;

	pthread_mutex_lock(&c->lock);
	n = c->scans;
	if (reset)
		c->scans = 0;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static inline void uc_gate(struct user_cache *c, int closed)
{
	pthread_mutex_lock(&c->lock);
	c->gate_closed = closed;
	pthread_mutex_unlock(&c->lock);
}

static inline void uc_destroy(struct user_cache *c)
{
	kmm_shrinker_free(c->shrinker);
	while (c->n > 0)
		kmm_free_pages(c->m, c->pages[--c->n], 0);
	free(c->pages);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static inline unsigned long rt_event(kmm_machine *m, int item)
{
	return __atomic_load_n(&m->events[item], __ATOMIC_RELAXED);
}

/* allocstall_<zone> summed: every direct reclaim (6.18 has no plain allocstall) */
static inline unsigned long rt_allocstalls(kmm_machine *m)
{
	unsigned long n = 0;

	for (int z = 0; z < KMM_NR_ZONES; z++)
		n += rt_event(m, ALLOCSTALL_DMA + z);
	return n;
}

static inline struct zone *rt_zone(kmm_machine *m, int nid, int z)
{
	return &m->node_data[nid]->node_zones[z];
}

#endif /* KMM_RECLAIM_TEST_H */
