/* SPDX-License-Identifier: MIT */
/*
 * bench/pool.h - a persistent thread pool for the threaded suites (smp,
 * slab).
 *
 * The threads are created once, before any measurement, and stay alive
 * until the suite ends; for each run they are released together by a
 * barrier, each calls fn(arg, iters), and the caller returns when all of
 * them are done. So thread creation and exit are never timed, and every
 * implementation - kmm and each peer - keeps the same threads, with their
 * thread caches (the peers') and CPU placement (kmm's per-CPU arrays)
 * warm from the harness's warm-up into the timed repetitions.
 */
#ifndef KMM_BENCH_POOL_H
#define KMM_BENCH_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

#define BENCH_POOL_MAX 64

struct bench_pool {
	int nr;
	pthread_t thread[BENCH_POOL_MAX];
	pthread_barrier_t start, done;
	/* the current job, set before `start` */
	bench_run_fn fn;
	void *arg;
	uint64_t iters;
	bool quit;
	int failed;
};

/* Start nr (1..BENCH_POOL_MAX) threads; 0, or -1 after printing why. */
int bench_pool_start(struct bench_pool *pool, int nr);

/* Every thread runs fn(arg, iters) at once; returns when all are done (-1 if one failed). */
int bench_pool_run(struct bench_pool *pool, bench_run_fn fn, void *arg, uint64_t iters);

/* Release and join the threads. */
void bench_pool_stop(struct bench_pool *pool);

#endif /* KMM_BENCH_POOL_H */
