/* SPDX-License-Identifier: MIT */
/*
 * bench/probe/fastpath_time.c - where the nanoseconds of the fast paths go
 * in rseq mode, by subtraction (docs/smp.md, "Where the time goes").
 *
 * callgrind counts instructions but cannot run restartable sequences, so
 * fastpath_probe's counts are CAS mode's. This probe times, in the mode
 * the benchmarks run (rseq when the host allows it), each fast path and
 * the part of it that is the per-CPU core alone, called directly:
 *
 *   page_pair         kmm_alloc_pages(GFP_KERNEL, 0) + kmm_free_pages
 *   hot_array_pair    pcp_hot_alloc + pcp_hot_free on the same zone: the
 *                     two restartable sequences, the CPU lookup and the
 *                     descriptor's state, nothing else
 *   kmalloc64_pair    kmm_kmalloc(64) + kmm_kfree
 *   cache64_pair      kmm_kmem_cache_alloc + kmm_kmem_cache_free of a 64-byte cache
 *   slab_array_pair   array_pop_rseq + array_push on that cache: the slab's two
 *                     restartable sequences and the CPU lookups alone
 *
 * page_pair - hot_array_pair is the page allocator around its per-CPU
 * arrays (gfp and zonelist handling, the watermark check, prep_new_page,
 * free validation and dispatch); cache64_pair - slab_array_pair is the
 * cache API around its arrays (plausibility and debug checks, kfree-side
 * pointer to page to cache, the object-start check); kmalloc64_pair -
 * cache64_pair is what
 * kmalloc adds to a cache's pair (size to cache, kfree's pointer to page to
 * cache). Each figure is the median of 9 repetitions of N pairs
 * (argv[2], default 2000000) after a warm-up, on one thread pinned by the
 * caller (taskset). Not a benchmark against peers: `kmm bench` is.
 */
#include "machine.h"
#include "page/internal.h"
#include "page/pcp.h"
#include "slab/slab.h"

#include <kmm/kmm.h>
#include <kmm/slab.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define REPS 9

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct probe {
	kmm_machine *m;
	struct kmem_cache *s;
	struct zone *zone;
};

static __attribute__((noinline)) void page_pair(struct probe *p, long n)
{
	for (long i = 0; i < n; i++) {
		struct page *pg = kmm_alloc_pages(p->m, KMM_GFP_KERNEL, 0);

		if (!pg)
			abort();
		kmm_free_pages(p->m, pg, 0);
	}
}

static __attribute__((noinline)) void hot_array_pair(struct probe *p, long n)
{
	for (long i = 0; i < n; i++) {
		struct page *pg = pcp_hot_alloc(p->m, p->zone, MIGRATE_UNMOVABLE);

		if (!pg)
			abort();
		/* the allocated state prep_new_page gives it, as the free expects */
		set_page_count(pg, 1);
		set_page_alloc_info(pg, 0, MIGRATE_UNMOVABLE);
		if (!pcp_hot_free(p->m, p->zone, pg, page_to_pfn(p->m, pg), MIGRATE_UNMOVABLE))
			abort();
	}
}

static __attribute__((noinline)) void kmalloc64_pair(struct probe *p, long n)
{
	for (long i = 0; i < n; i++) {
		void *o = kmm_kmalloc(p->m, 64, KMM_GFP_KERNEL);

		if (!o)
			abort();
		kmm_kfree(p->m, o);
	}
}

static __attribute__((noinline)) void cache64_pair(struct probe *p, long n)
{
	for (long i = 0; i < n; i++) {
		void *o = kmm_kmem_cache_alloc(p->m, p->s, KMM_GFP_KERNEL);

		if (!o)
			abort();
		kmm_kmem_cache_free(p->m, p->s, o);
	}
}

static __attribute__((noinline)) void slab_array_pair(struct probe *p, long n)
{
	unsigned int shift = p->m->slab->array_shift;

	for (long i = 0; i < n; i++) {
		void *o = array_pop_rseq(p->m, p->s, shift);

		if (!o || !array_push(p->m, p->s, shift, virt_to_head_page_m(p->m, o), o))
			abort();
	}
}

static double median_ns(void (*fn)(struct probe *, long), struct probe *p, long n)
{
	double t[REPS];

	fn(p, n / 10); /* warm-up */
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ns();

		fn(p, n);
		t[r] = (now_ns() - t0) / (double)n;
	}
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	return t[REPS / 2];
}

int main(int argc, char **argv)
{
	const char *cmdline = argc > 1 ? argv[1] : "mem=4G nr_cpus=2";
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000000;
	struct probe p = { 0 };
	double page, hot, kmalloc, cache, sarr = 0;
	char err[256];
	struct page *pg;

	if (n <= 0 || kmm_machine_create(cmdline, &p.m, err, sizeof(err)) != 0) {
		fprintf(stderr, "fastpath_time: %s\n", n <= 0 ? "bad count" : err);
		return 2;
	}
	p.s = kmm_kmem_cache_create(p.m, "probe_64", 64, 0, 0, NULL);
	/* the zone GFP_KERNEL order-0 pages come from here */
	pg = kmm_alloc_pages(p.m, KMM_GFP_KERNEL, 0);
	if (!p.s || !pg)
		return 1;
	p.zone = page_zone(p.m, pg);
	kmm_free_pages(p.m, pg, 0);
	page_pair(&p, 1000); /* the array holds pages now */
	printf("machine '%s', smp mode %s, %ld pairs x %d repetitions, median ns per pair\n",
	       cmdline, kmm_smp_mode(p.m), n, REPS);
	page = median_ns(page_pair, &p, n);
	if (p.m->smp_mode == KMM_SMP_RSEQ) {
		hot = median_ns(hot_array_pair, &p, n);
	} else {
		hot = 0; /* no hot arrays without rseq */
	}
	kmalloc = median_ns(kmalloc64_pair, &p, n);
	cache = median_ns(cache64_pair, &p, n);
	if (p.m->smp_mode == KMM_SMP_RSEQ)
		sarr = median_ns(slab_array_pair, &p, n);
	printf("page_pair          %6.2f\n", page);
	if (hot > 0) {
		printf("hot_array_pair     %6.2f   (the per-CPU arrays alone)\n", hot);
		printf("  page front ends  %6.2f   (page_pair - hot_array_pair)\n", page - hot);
	}
	printf("kmalloc64_pair     %6.2f\n", kmalloc);
	printf("cache64_pair       %6.2f\n", cache);
	if (sarr > 0) {
		printf("slab_array_pair    %6.2f   (the per-CPU arrays alone)\n", sarr);
		printf("  cache front ends %6.2f   (cache64_pair - slab_array_pair)\n",
		       cache - sarr);
	}
	printf("  kmalloc's share  %6.2f   (kmalloc64_pair - cache64_pair)\n", kmalloc - cache);
	kmm_kmem_cache_destroy(p.m, p.s);
	if (kmm_check(p.m) != 0)
		return 1;
	kmm_machine_destroy(p.m);
	return 0;
}
