/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_smp.c - the `smp` suite: the per-CPU page lists, alone and
 * with a second thread.
 *
 * Results (one op = one alloc + free pair of a 4 KiB page, a byte of it
 * written in between), each at threads 1 and 2 (or --threads N); with
 * threads > 1 every thread runs the loop at once and ns/op is per thread:
 *
 *   page4k_pair        kmm: kmm_alloc_pages(GFP_KERNEL, 0) + kmm_free_pages
 *                      on the machine under test (pcp on; the machine picks
 *                      its locking mode, rseq on a host with no more CPUs
 *                      than the machine); glibc, jemalloc, mimalloc,
 *                      tcmalloc: malloc(4096) + free.
 *   page4k_pair_cas    kmm only: the same machine booted with KMM_RSEQ=0,
 *                      so the per-CPU locks are compare-and-swap locks.
 *   page4k_pair_nopcp  kmm only: the same machine with pcp=0, every pair
 *                      through zone->lock and the buddy lists.
 *   page4k_bulk16      per page, one thread: kmm: kmm_alloc_pages_bulk of 16
 *                      pages + kmm_release_pages of them; peers: 16
 *                      malloc(4096), then 16 frees.
 *
 * Figures: scaling_2t (aggregate throughput of the threaded run over the
 * single-thread run, 2 * ns(1 thread) / ns(N threads), for kmm page4k_pair;
 * the same for the other patterns and peers as scaling_2t_<name>), and two
 * costs of this host that explain the kmm numbers: cas_pair_ns (an
 * uncontended compare-and-swap lock + release store) and atomic_rmw_ns (one
 * atomic add), measured in this process.
 *
 * Threads come from a pool made once per pattern set and released together
 * by a barrier for each run (bench/pool.c), so thread creation is never timed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "pool.h"

#define SMP_MAX_THREADS BENCH_POOL_MAX
#define SMP_MAX_IMPLS 16
#define SMP_MAX_SAMPLES 256

/* ---- the loops ------------------------------------------------------------- */

typedef int (*smp_loop_fn)(void *arg, uint64_t iters);

static int smp_kmm_loop(void *arg, uint64_t iters)
{
	kmm_machine *m = arg;

	for (uint64_t i = 0; i < iters; i++) {
		struct page *page = kmm_alloc_pages(m, GFP_KERNEL, 0);
		volatile char *p;

		if (!page) {
			fprintf(stderr, "bench: kmm_alloc_pages(order 0) failed\n");
			return -1;
		}
		p = kmm_page_address(m, page);
		*p = (char)i;
		kmm_free_pages(m, page, 0);
	}
	return 0;
}

static int smp_malloc_loop(void *arg, uint64_t iters)
{
	const struct bench_peer *peer = arg;

	for (uint64_t i = 0; i < iters; i++) {
		volatile char *p = peer->malloc_fn(4096);

		if (!p) {
			fprintf(stderr, "bench: %s malloc(4096) failed\n", peer->name);
			return -1;
		}
		*p = (char)i;
		peer->free_fn((void *)p);
	}
	return 0;
}

#define BULK 16

/* alloc_pages_bulk + release_pages, BULK pages a round: iters counts pages. */
static int smp_kmm_bulk_loop(void *arg, uint64_t iters)
{
	kmm_machine *m = arg;
	struct page *pages[BULK];

	for (uint64_t i = 0; i < iters; i += BULK) {
		memset(pages, 0, sizeof(pages));
		if (kmm_alloc_pages_bulk(m, GFP_KERNEL, BULK, pages) != BULK) {
			fprintf(stderr, "bench: kmm_alloc_pages_bulk(%d) came back short\n", BULK);
			kmm_release_pages(m, pages, BULK);
			return -1;
		}
		for (int j = 0; j < BULK; j++)
			*(volatile char *)kmm_page_address(m, pages[j]) = (char)j;
		kmm_release_pages(m, pages, BULK);
	}
	return 0;
}

static int smp_malloc_bulk_loop(void *arg, uint64_t iters)
{
	const struct bench_peer *peer = arg;
	char *p[BULK];

	for (uint64_t i = 0; i < iters; i += BULK) {
		for (int j = 0; j < BULK; j++) {
			p[j] = peer->malloc_fn(4096);
			if (!p[j]) {
				fprintf(stderr, "bench: %s malloc(4096) failed\n", peer->name);
				return -1;
			}
			*(volatile char *)p[j] = (char)j;
		}
		for (int j = 0; j < BULK; j++)
			peer->free_fn(p[j]);
	}
	return 0;
}

/* ---- one implementation of a pattern ---------------------------------------- */

/* What bench_measure runs: the loop, on this thread or on the pool, timed here too. */
struct smp_impl {
	smp_loop_fn fn;
	void *arg;
	struct bench_pool *pool; /* NULL: run on the calling thread */
	int nr_samples;
	double ns[SMP_MAX_SAMPLES]; /* ns per op of each call, in order */
};

static int smp_impl_run(void *ctx, uint64_t iters)
{
	struct smp_impl *im = ctx;
	uint64_t t0 = bench_now_ns();
	int rc = im->pool ? bench_pool_run(im->pool, im->fn, im->arg, iters)
			  : im->fn(im->arg, iters);

	if (!rc && im->nr_samples < SMP_MAX_SAMPLES)
		im->ns[im->nr_samples++] = (double)(bench_now_ns() - t0) / (double)iters;
	return rc;
}

/* The median of the last `reps` calls: the timed repetitions (warm-up comes first). */
static double smp_impl_median(struct smp_impl *im, int reps)
{
	double v[SMP_MAX_SAMPLES];
	int n = im->nr_samples < reps ? im->nr_samples : reps;

	if (n == 0)
		return 0;
	memcpy(v, &im->ns[im->nr_samples - n], (size_t)n * sizeof(double));
	return bench_median(v, n);
}

/* ---- machines ----------------------------------------------------------------- */

static int smp_boot(const struct bench_opts *o, const char *extra, bool cas, kmm_machine **m)
{
	char cmdline[512];
	int rc;

	snprintf(cmdline, sizeof(cmdline), "%s%s%s", o->machine ? o->machine : KMM_DEFAULT_CMDLINE,
		 extra ? " " : "", extra ? extra : "");
	if (cas)
		setenv("KMM_RSEQ", "0", 1);
	rc = bench_boot(cmdline, m);
	if (cas)
		unsetenv("KMM_RSEQ");
	return rc;
}

/* Fill the page lists of every CPU the pool's threads may run on, so no refill is timed first. */
static void smp_warm(kmm_machine *m)
{
	smp_kmm_loop(m, 1000);
}

/* ---- host costs ------------------------------------------------------------------ */

static void smp_host_figures(struct bench *b)
{
	const uint64_t n = 20000000;
	uint32_t lock = 0;
	unsigned long counter = 0;
	uint64_t t0, t1, t2;

	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		uint32_t expected = 0;

		__atomic_compare_exchange_n(&lock, &expected, 1, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED);
		__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	}
	t1 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++)
		__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	t2 = bench_now_ns();
	bench_keep(&counter);
	bench_figure(b, "cas_pair_ns", (double)(t1 - t0) / (double)n);
	bench_figure(b, "atomic_rmw_ns", (double)(t2 - t1) / (double)n);
}

/* ---- the suite ---------------------------------------------------------------------- */

static int smp_run(struct bench *b)
{
	const struct bench_opts *o = bench_opts(b);
	int nt = o->threads > 1 ? o->threads : 2;
	kmm_machine *m = NULL, *cas = NULL, *nopcp = NULL;
	struct smp_impl *im = calloc(SMP_MAX_IMPLS, sizeof(*im));
	struct bench_impl impls[SMP_MAX_IMPLS];
	struct bench_pool pool;
	int nr = 0, rc = -1, first_peer;
	char key[64];

	if (nt > SMP_MAX_THREADS)
		nt = SMP_MAX_THREADS;
	if (!im || smp_boot(o, NULL, false, &m) || smp_boot(o, NULL, true, &cas) ||
	    smp_boot(o, "pcp=0", false, &nopcp))
		goto out;
	bench_set_machine(b, kmm_machine_cmdline(m));
	if (kmm_nr_cpus(m) < nt)
		bench_note(b, "the machine has %d CPUs for %d threads: threads share CPUs",
			   kmm_nr_cpus(m), nt);
	if (bench_pool_start(&pool, nt))
		goto out;
	smp_warm(m);
	smp_warm(cas);

	/* kmm first, then the peers; each at 1 thread and at nt threads */
	for (int t = 0; t < 2; t++) {
		struct bench_pool *p = t ? &pool : NULL;
		int threads = t ? nt : 1;

		im[nr] = (struct smp_impl){ .fn = smp_kmm_loop, .arg = m, .pool = p };
		impls[nr] = (struct bench_impl){ "kmm", smp_impl_run, &im[nr], threads };
		nr++;
	}
	first_peer = nr;
	for (int t = 0; t < 2; t++) {
		for (int i = 0; i < bench_nr_peers() && nr < SMP_MAX_IMPLS; i++) {
			const struct bench_peer *peer = bench_peer(i);

			im[nr] = (struct smp_impl){ .fn = smp_malloc_loop,
						    .arg = (void *)peer,
						    .pool = t ? &pool : NULL };
			impls[nr] = (struct bench_impl){ peer->name,
							 peer->present ? smp_impl_run : NULL,
							 &im[nr], t ? nt : 1 };
			nr++;
		}
	}
	if (bench_measure(b, "page4k_pair", impls, nr))
		goto stop;

	/* the locking mode and pcp=0, kmm only */
	{
		struct bench_impl alt[4];
		struct smp_impl *ai = &im[nr];

		for (int t = 0; t < 2; t++) {
			ai[t] = (struct smp_impl){ .fn = smp_kmm_loop,
						   .arg = cas,
						   .pool = t ? &pool : NULL };
			alt[t] = (struct bench_impl){ "kmm", smp_impl_run, &ai[t], t ? nt : 1 };
			ai[2 + t] = (struct smp_impl){ .fn = smp_kmm_loop,
						       .arg = nopcp,
						       .pool = t ? &pool : NULL };
			alt[2 + t] =
				(struct bench_impl){ "kmm", smp_impl_run, &ai[2 + t], t ? nt : 1 };
		}
		if (bench_measure(b, "page4k_pair_cas", alt, 2) ||
		    bench_measure(b, "page4k_pair_nopcp", alt + 2, 2))
			goto stop;
		bench_figure(b, "scaling_2t",
			     nt * smp_impl_median(&im[0], o->reps) /
				     smp_impl_median(&im[1], o->reps));
		bench_figure(b, "scaling_2t_cas",
			     nt * smp_impl_median(&ai[0], o->reps) /
				     smp_impl_median(&ai[1], o->reps));
		bench_figure(b, "scaling_2t_nopcp",
			     nt * smp_impl_median(&ai[2], o->reps) /
				     smp_impl_median(&ai[3], o->reps));
	}
	/* bulk, one thread: kmm and the peers */
	{
		struct smp_impl bi[1 + 8];
		struct bench_impl bulk[1 + 8];
		int nb = 0;

		bi[nb] = (struct smp_impl){ .fn = smp_kmm_bulk_loop, .arg = m };
		bulk[nb] = (struct bench_impl){ "kmm", smp_impl_run, &bi[nb], 1 };
		nb++;
		for (int i = 0; i < bench_nr_peers() && nb < 9; i++, nb++) {
			const struct bench_peer *peer = bench_peer(i);

			bi[nb] = (struct smp_impl){ .fn = smp_malloc_bulk_loop,
						    .arg = (void *)peer };
			bulk[nb] = (struct bench_impl){ peer->name,
							peer->present ? smp_impl_run : NULL,
							&bi[nb], 1 };
		}
		if (bench_measure(b, "page4k_bulk16", bulk, nb))
			goto stop;
	}
	for (int i = first_peer; i < first_peer + bench_nr_peers(); i++) {
		int j = i + bench_nr_peers();

		if (!impls[i].run || j >= SMP_MAX_IMPLS)
			continue;
		snprintf(key, sizeof(key), "scaling_2t_%s", impls[i].impl);
		bench_figure(b, key,
			     nt * smp_impl_median(&im[i], o->reps) /
				     smp_impl_median(&im[j], o->reps));
	}
	smp_host_figures(b);
	if (nt != 2)
		bench_note(b, "scaling_2t figures compare 1 thread with %d threads (--threads)",
			   nt);
	bench_note(b, "kmm locking mode: page4k_pair as the machine chose it; page4k_pair_cas "
		      "with KMM_RSEQ=0 (compare-and-swap per-CPU locks)");
	rc = 0;
stop:
	bench_pool_stop(&pool);
out:
	if (m && kmm_check(m)) {
		fprintf(stderr, "bench: kmm_check found problems after the smp suite\n");
		rc = -1;
	}
	kmm_machine_destroy(m);
	kmm_machine_destroy(cas);
	kmm_machine_destroy(nopcp);
	free(im);
	return rc;
}

const struct bench_suite bench_suite_smp = {
	.name = "smp",
	.desc = "per-CPU page lists: order-0 alloc+free at 1 and 2 threads vs malloc(4096) peers",
	.threaded = true,
	.run = smp_run,
};
