/* SPDX-License-Identifier: MIT */
/*
 * bench/pool.c - the persistent thread pool of the threaded suites (see
 * pool.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

static void *bench_pool_worker(void *p)
{
	struct bench_pool *pool = p;

	for (;;) {
		pthread_barrier_wait(&pool->start);
		if (pool->quit)
			return NULL;
		if (pool->fn(pool->arg, pool->iters))
			__atomic_store_n(&pool->failed, 1, __ATOMIC_RELAXED);
		pthread_barrier_wait(&pool->done);
	}
}

int bench_pool_start(struct bench_pool *pool, int nr)
{
	memset(pool, 0, sizeof(*pool));
	if (nr < 1 || nr > BENCH_POOL_MAX) {
		fprintf(stderr, "bench: a pool of %d threads is not supported (1..%d)\n", nr,
			BENCH_POOL_MAX);
		return -1;
	}
	pool->nr = nr;
	pthread_barrier_init(&pool->start, NULL, (unsigned int)nr + 1);
	pthread_barrier_init(&pool->done, NULL, (unsigned int)nr + 1);
	for (int i = 0; i < nr; i++) {
		if (pthread_create(&pool->thread[i], NULL, bench_pool_worker, pool)) {
			fprintf(stderr, "bench: cannot create thread %d of %d\n", i, nr);
			/* the started threads wait on a barrier counting nr + 1: cannot go on */
			exit(1);
		}
	}
	return 0;
}

int bench_pool_run(struct bench_pool *pool, bench_run_fn fn, void *arg, uint64_t iters)
{
	pool->fn = fn;
	pool->arg = arg;
	pool->iters = iters;
	pool->failed = 0;
	pthread_barrier_wait(&pool->start);
	pthread_barrier_wait(&pool->done);
	return pool->failed ? -1 : 0;
}

void bench_pool_stop(struct bench_pool *pool)
{
	if (!pool->nr)
		return;
	pool->quit = true;
	pthread_barrier_wait(&pool->start);
	for (int i = 0; i < pool->nr; i++)
		pthread_join(pool->thread[i], NULL);
	pthread_barrier_destroy(&pool->start);
	pthread_barrier_destroy(&pool->done);
	pool->nr = 0;
}
