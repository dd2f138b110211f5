/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_slab.c - the `slab` suite: kmem_cache and kmalloc against the
 * user-space allocators.
 *
 * Results (one op = one alloc + free pair unless said otherwise; the first
 * byte of every object is written so the work cannot be dropped):
 *
 *   cache_pair_64, cache_pair_256   kmm: kmm_kmem_cache_alloc + kmm_kmem_cache_free
 *                                   on a cache of that object size; peers:
 *                                   malloc + free of that size.
 *   cache_bulk16_64                 per object: kmm: kmm_kmem_cache_alloc_bulk of
 *                                   16 objects + kmm_kmem_cache_free_bulk; peers:
 *                                   16 mallocs then 16 frees.
 *   kmalloc_pair_N                  N = 8, 16, ..., 8192: kmm_kmalloc(N, GFP_KERNEL)
 *                                   + kmm_kfree; peers: malloc(N) + free.
 *
 * Every pattern runs with 1 thread and with T threads (T = --threads, or 2):
 * each thread does the same ops on the same cache (kmm) or heap (peers), and
 * ns/op is per-thread time. The T threads are one persistent pool
 * (bench/pool.c) made before the first measurement and shared by every
 * impl, so no thread is created inside a timed repetition; each thread's
 * allocator is warmed by the harness's calibration on those same threads,
 * so kmm's per-CPU arrays and the peers' thread caches are both in their
 * steady state when timing starts.
 *
 * Figure: slab_efficiency_min_pct, over the kmalloc-* caches, the smallest
 * objects_per_slab * object_size / slab_bytes, in percent.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/slab.h>

#include "bench.h"
#include "pool.h"

#define SLAB_MAX_IMPLS 8
#define SLAB_BULK 16

enum slab_pattern { PAT_CACHE, PAT_BULK, PAT_KMALLOC };

struct slab_ctx {
	enum slab_pattern pat;
	int threads;
	size_t size;
	kmm_machine *m;		       /* kmm */
	struct kmem_cache *cache;      /* kmm, PAT_CACHE / PAT_BULK */
	const struct bench_peer *peer; /* peers */
	struct bench_pool *pool;       /* threads > 1: the suite's pool */
};

/* ---- the timed loops ----------------------------------------------------------- */

static int kmm_cache_loop(const struct slab_ctx *c, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		volatile char *p = kmm_kmem_cache_alloc(c->m, c->cache, GFP_KERNEL);

		if (!p) {
			fprintf(stderr, "bench: kmm_kmem_cache_alloc failed\n");
			return -1;
		}
		*p = (char)i;
		kmm_kmem_cache_free(c->m, c->cache, (void *)p);
	}
	return 0;
}

static int kmm_bulk_loop(const struct slab_ctx *c, uint64_t iters)
{
	void *obj[SLAB_BULK];

	for (uint64_t i = 0; i < iters; i += SLAB_BULK) {
		size_t n = iters - i < SLAB_BULK ? (size_t)(iters - i) : SLAB_BULK;

		if (kmm_kmem_cache_alloc_bulk(c->m, c->cache, GFP_KERNEL, n, obj) != (int)n) {
			fprintf(stderr, "bench: kmm_kmem_cache_alloc_bulk failed\n");
			return -1;
		}
		for (size_t j = 0; j < n; j++)
			*(volatile char *)obj[j] = (char)j;
		kmm_kmem_cache_free_bulk(c->m, c->cache, n, obj);
	}
	return 0;
}

static int kmm_kmalloc_loop(const struct slab_ctx *c, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		volatile char *p = kmm_kmalloc(c->m, c->size, GFP_KERNEL);

		if (!p) {
			fprintf(stderr, "bench: kmm_kmalloc(%zu) failed\n", c->size);
			return -1;
		}
		*p = (char)i;
		kmm_kfree(c->m, (void *)p);
	}
	return 0;
}

static int peer_pair_loop(const struct slab_ctx *c, uint64_t iters)
{
	void *(*alloc)(size_t) = c->peer->malloc_fn;
	void (*release)(void *) = c->peer->free_fn;

	for (uint64_t i = 0; i < iters; i++) {
		volatile char *p = alloc(c->size);

		if (!p) {
			fprintf(stderr, "bench: %s malloc(%zu) failed\n", c->peer->name, c->size);
			return -1;
		}
		*p = (char)i;
		release((void *)p);
	}
	return 0;
}

static int peer_bulk_loop(const struct slab_ctx *c, uint64_t iters)
{
	void *(*alloc)(size_t) = c->peer->malloc_fn;
	void (*release)(void *) = c->peer->free_fn;
	void *obj[SLAB_BULK];

	for (uint64_t i = 0; i < iters; i += SLAB_BULK) {
		size_t n = iters - i < SLAB_BULK ? (size_t)(iters - i) : SLAB_BULK;

		for (size_t j = 0; j < n; j++) {
			obj[j] = alloc(c->size);
			if (!obj[j]) {
				fprintf(stderr, "bench: %s malloc(%zu) failed\n", c->peer->name,
					c->size);
				while (j--)
					release(obj[j]);
				return -1;
			}
			*(volatile char *)obj[j] = (char)j;
		}
		for (size_t j = 0; j < n; j++)
			release(obj[j]);
	}
	return 0;
}

static int slab_one(const struct slab_ctx *c, uint64_t iters)
{
	if (c->peer)
		return c->pat == PAT_BULK ? peer_bulk_loop(c, iters) : peer_pair_loop(c, iters);
	switch (c->pat) {
	case PAT_CACHE:
		return kmm_cache_loop(c, iters);
	case PAT_BULK:
		return kmm_bulk_loop(c, iters);
	default:
		return kmm_kmalloc_loop(c, iters);
	}
}

/* ---- threads -------------------------------------------------------------------- */

static int slab_one_fn(void *ctx, uint64_t iters)
{
	return slab_one(ctx, iters);
}

/*
 * One run of an impl: on the calling thread, or with threads > 1 on every
 * thread of the suite's persistent pool at once (bench/pool.c), so no
 * thread is created or joined inside a timed repetition and every impl runs
 * on the same, already warm, threads.
 */
static int slab_run(void *ctx, uint64_t iters)
{
	const struct slab_ctx *c = ctx;

	if (c->threads <= 1)
		return slab_one(c, iters);
	return bench_pool_run(c->pool, slab_one_fn, ctx, iters);
}

/* ---- patterns ------------------------------------------------------------------- */

static int slab_measure(struct bench *b, const char *name, const struct slab_ctx *kmm, int threads,
			struct bench_pool *pool)
{
	struct slab_ctx ctx[SLAB_MAX_IMPLS];
	struct bench_impl impls[SLAB_MAX_IMPLS];
	int nr = 0;

	ctx[nr] = *kmm;
	ctx[nr].threads = threads;
	ctx[nr].pool = pool;
	impls[nr] = (struct bench_impl){
		.impl = "kmm", .run = slab_run, .ctx = &ctx[nr], .threads = threads
	};
	nr++;
	for (int i = 0; i < bench_nr_peers() && nr < SLAB_MAX_IMPLS; i++) {
		const struct bench_peer *peer = bench_peer(i);

		ctx[nr] = (struct slab_ctx){ .pat = kmm->pat,
					     .threads = threads,
					     .size = kmm->size,
					     .peer = peer,
					     .pool = pool };
		impls[nr] = (struct bench_impl){
			.impl = peer->name,
			.run = peer->present ? slab_run : NULL,
			.ctx = &ctx[nr],
			.threads = threads,
		};
		nr++;
	}
	return bench_measure(b, name, impls, nr);
}

static void slab_efficiency(struct bench *b, kmm_machine *m)
{
	struct kmm_slab_info info[128];
	int n = kmm_slab_info(m, info, 128);
	double worst = 101.0;
	const char *worst_name = "";

	for (int i = 0; i < n && i < 128; i++) {
		double pct;

		if (strncmp(info[i].name, "kmalloc-", 8) ||
		    !strncmp(info[i].name, "kmalloc-rcl-", 12))
			continue;
		pct = 100.0 * info[i].objperslab * info[i].object_size /
		      ((double)info[i].pagesperslab * (double)kmm_page_size(m));
		if (pct < worst) {
			worst = pct;
			worst_name = info[i].name;
		}
	}
	bench_figure(b, "slab_efficiency_min_pct", worst);
	bench_note(b, "slab_efficiency_min_pct: the least efficient kmalloc class is %s (%.2f%%)",
		   worst_name, worst);
}

static int slab_run_suite(struct bench *b)
{
	static const size_t kmalloc_sizes[] = {
		8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192
	};
	const struct bench_opts *o = bench_opts(b);
	int thread_counts[2] = { 1, o->threads > 1 ? o->threads : 2 };
	struct kmem_cache *c64, *c256;
	struct bench_pool pool;
	kmm_machine *m;
	int rc = 0, problems;

	if (thread_counts[1] > BENCH_POOL_MAX)
		thread_counts[1] = BENCH_POOL_MAX;
	if (bench_boot(o->machine, &m))
		return -1;
	bench_set_machine(b, kmm_machine_cmdline(m));
	c64 = kmm_kmem_cache_create(m, "bench_64", 64, 0, 0, NULL);
	c256 = kmm_kmem_cache_create(m, "bench_256", 256, 0, 0, NULL);
	if (!c64 || !c256) {
		fprintf(stderr, "bench: cannot create the benchmark caches\n");
		kmm_machine_destroy(m);
		return -1;
	}
	if (bench_pool_start(&pool, thread_counts[1])) {
		kmm_kmem_cache_destroy(m, c64);
		kmm_kmem_cache_destroy(m, c256);
		kmm_machine_destroy(m);
		return -1;
	}
	for (int t = 0; t < 2 && !rc; t++) {
		int threads = thread_counts[t];
		struct bench_pool *p = t ? &pool : NULL;
		struct slab_ctx k = { .m = m };
		char name[64];

		k = (struct slab_ctx){ .pat = PAT_CACHE, .size = 64, .m = m, .cache = c64 };
		rc = slab_measure(b, "cache_pair_64", &k, threads, p);
		k = (struct slab_ctx){ .pat = PAT_CACHE, .size = 256, .m = m, .cache = c256 };
		if (!rc)
			rc = slab_measure(b, "cache_pair_256", &k, threads, p);
		k = (struct slab_ctx){ .pat = PAT_BULK, .size = 64, .m = m, .cache = c64 };
		if (!rc)
			rc = slab_measure(b, "cache_bulk16_64", &k, threads, p);
		for (size_t i = 0; i < sizeof(kmalloc_sizes) / sizeof(kmalloc_sizes[0]) && !rc;
		     i++) {
			k = (struct slab_ctx){ .pat = PAT_KMALLOC,
					       .size = kmalloc_sizes[i],
					       .m = m };
			snprintf(name, sizeof(name), "kmalloc_pair_%zu", kmalloc_sizes[i]);
			rc = slab_measure(b, name, &k, threads, p);
		}
	}
	bench_pool_stop(&pool);
	slab_efficiency(b, m);
	kmm_kmem_cache_destroy(m, c64);
	kmm_kmem_cache_destroy(m, c256);
	problems = kmm_check(m);
	if (problems) {
		fprintf(stderr, "bench: kmm_check found %d problems after the slab suite\n",
			problems);
		rc = -1;
	}
	kmm_machine_destroy(m);
	bench_note(b, "threads > 1: every thread of one persistent pool runs the pattern on the "
		      "same cache / heap; ns/op is per-thread time");
	return rc;
}

const struct bench_suite bench_suite_slab = {
	.name = "slab",
	.desc = "slab caches and kmalloc: alloc+free pairs and bulk vs malloc peers, 1 and 2 "
		"threads",
	.threaded = true,
	.run = slab_run_suite,
};
