/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_reclaim.c - the `reclaim` suite: what memory pressure costs.
 * kmm only (peers have no reclaim). Machine: one 64 MiB zone, pcp=0; a
 * program's own cache of pages behind a shrinker holds everything it
 * allocates, so every allocation past the machine's memory needs reclaim.
 *
 * Results (one op = one order-0 allocation kept in the cache):
 *   alloc_direct_reclaim   kswapd=0, GFP_KERNEL: the allocating thread
 *                          reclaims itself (direct reclaim every time the
 *                          zone hits min, SWAP_CLUSTER_MAX pages a round).
 *   alloc_waits_kswapd     kswapd on, GFP_NOFS and a shrinker that needs
 *                          __GFP_FS: the allocating thread cannot reclaim
 *                          the cache, so below min it waits (futex) until
 *                          kswapd has freed memory.
 *   alloc_with_kswapd      kswapd on, GFP_KERNEL: kswapd reclaims in the
 *                          background, the thread only when it overtakes.
 * Figures:
 *   kswapd_min_to_high_us  time from the wakeup (one allocation below low
 *                          with the zone just above min) until kswapd has
 *                          the zone above high again, median of 9.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <kmm/reclaim.h>

#include "bench.h"

#define MACHINE "memmap=exactmap memmap=64M@16M nr_cpus=2 pcp=0 page_reporting=0"

struct rcache {
	kmm_machine *m;
	pthread_mutex_t lock;
	struct page **pages;
	long n, cap;
	gfp_t gfp;
	struct shrinker *s;
};

static unsigned long rc_count(struct shrinker *s, struct shrink_control *sc)
{
	struct rcache *c = s->private_data;
	long n;

	(void)sc;
	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n ? (unsigned long)n : SHRINK_EMPTY;
}

static unsigned long rc_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct rcache *c = s->private_data;
	unsigned long freed = 0;

	pthread_mutex_lock(&c->lock);
	while (freed < sc->nr_to_scan && c->n > 0) {
		kmm_free_pages(c->m, c->pages[--c->n], 0);
		freed++;
	}
	pthread_mutex_unlock(&c->lock);
	return freed;
}

static int rc_init(struct rcache *c, const char *cmdline, gfp_t gfp, unsigned int flags)
{
	if (bench_boot(cmdline, &c->m))
		return -1;
	pthread_mutex_init(&c->lock, NULL);
	c->cap = 1 << 16;
	c->n = 0;
	c->gfp = gfp;
	c->pages = calloc((size_t)c->cap, sizeof(*c->pages));
	c->s = kmm_shrinker_alloc(c->m, flags, "bench-cache");
	if (!c->pages || !c->s)
		return -1;
	c->s->count_objects = rc_count;
	c->s->scan_objects = rc_scan;
	c->s->seeks = DEFAULT_SEEKS;
	c->s->private_data = c;
	kmm_shrinker_register(c->s);
	return 0;
}

static void rc_fini(struct rcache *c)
{
	kmm_shrinker_free(c->s);
	while (c->n > 0)
		kmm_free_pages(c->m, c->pages[--c->n], 0);
	free(c->pages);
	pthread_mutex_destroy(&c->lock);
	kmm_machine_destroy(c->m);
}

static int rc_run(void *ctx, uint64_t iters)
{
	struct rcache *c = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		struct page *p = kmm_alloc_pages(c->m, c->gfp, 0);

		if (!p) {
			fprintf(stderr, "bench: reclaim: allocation failed\n");
			return -1;
		}
		pthread_mutex_lock(&c->lock);
		if (c->n == c->cap) /* the program drops the older half itself */
			while (c->n > c->cap / 2)
				kmm_free_pages(c->m, c->pages[--c->n], 0);
		c->pages[c->n++] = p;
		pthread_mutex_unlock(&c->lock);
	}
	return 0;
}

static int measure_one(struct bench *b, const char *name, const char *cmdline, gfp_t gfp,
		       unsigned int flags)
{
	struct rcache c;
	struct bench_impl impl = { .impl = "kmm", .run = rc_run, .ctx = &c };
	int ret;

	if (rc_init(&c, cmdline, gfp, flags))
		return -1;
	bench_set_machine(b, kmm_machine_cmdline(c.m));
	ret = bench_measure(b, name, &impl, 1);
	rc_fini(&c);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* kswapd_min_to_high_us */
static int restore_figure(struct bench *b)
{
	struct rcache c;
	double us[9];
	int n = 0;

	if (rc_init(&c, MACHINE " watermark_boost_factor=0", GFP_KERNEL, 0))
		return -1;
	for (int round = 0; round < 9; round++) {
		unsigned long min, high, freep;
		uint64_t t0, deadline;
		/* fill to just above min without waking kswapd */
		c.gfp = __GFP_IO | __GFP_FS |
			__GFP_NOWARN; /* no reclaim, no kswapd: stops at min */
		while (1) {
			struct page *p = kmm_alloc_pages(c.m, c.gfp, 0);

			if (!p)
				break;
			pthread_mutex_lock(&c.lock);
			if (c.n < c.cap)
				c.pages[c.n++] = p;
			else
				kmm_free_pages(c.m, p, 0);
			pthread_mutex_unlock(&c.lock);
		}
		min = kmm_zone_free_pages(c.m, 0, KMM_ZONE_DMA32);
		/* high = min + 2 * max(min / 4, managed * 10 / 10000): min * 1.5 for this zone */
		high = min + min / 2;
		t0 = bench_now_ns();
		c.gfp = GFP_KERNEL;
		if (rc_run(&c, 1))
			break;
		deadline = t0 + 5000000000ull;
		do {
			freep = kmm_zone_free_pages(c.m, 0, KMM_ZONE_DMA32);
		} while (freep < high && bench_now_ns() < deadline);
		if (freep < high)
			break;
		us[n++] = (double)(bench_now_ns() - t0) / 1000.0;
	}
	rc_fini(&c);
	if (n) {
		qsort(us, (size_t)n, sizeof(us[0]), cmp_double);
		bench_figure(b, "kswapd_min_to_high_us", us[n / 2]);
	}
	return 0;
}

static int reclaim_run(struct bench *b)
{
	if (measure_one(b, "alloc_direct_reclaim", MACHINE " kswapd=0", GFP_KERNEL, 0))
		return -1;
	if (measure_one(b, "alloc_waits_kswapd", MACHINE, GFP_NOFS, SHRINKER_NEEDS_FS))
		return -1;
	if (measure_one(b, "alloc_with_kswapd", MACHINE, GFP_KERNEL, 0))
		return -1;
	bench_note(b, "one op: an order-0 allocation kept in a shrinker-backed cache past the "
		      "machine's 64 MiB");
	return restore_figure(b);
}

const struct bench_suite bench_suite_reclaim = {
	.name = "reclaim",
	.desc = "memory pressure: direct reclaim, waiting for kswapd, kswapd's restore time",
	.threaded = false,
	.run = reclaim_run,
};
