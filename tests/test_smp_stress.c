/* SPDX-License-Identifier: MIT */
/*
 * tests/test_smp_stress.c - many threads against one machine, more threads
 * than it has CPUs. Each thread runs a seeded random mix of allocations of
 * orders 0..6 from every zone type (DMA, DMA32, Normal; movable,
 * reclaimable, unmovable; compound, zeroed, cold), frees (hot, cold, by
 * address, put_page), drains, get_cpu sections and this_cpu counters. Every
 * page of every block carries cookies naming the block and its owner,
 * written after allocation and checked before the free, so a block handed
 * to two owners, or freed memory reused while still held, is caught. After
 * the threads finish: kmm_check, the per-CPU counter totals, and a drain
 * that must give back every page (buddyinfo equal to the boot state).
 *
 * The machines cover both locking modes (rseq, and compare-and-swap with
 * KMM_RSEQ=0), fewer machine CPUs than host CPUs, NUMA, pcp=0, and a small
 * machine where allocations fail and the slow path drains the lists.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/percpu.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define STRESS_SLOW 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define STRESS_SLOW 1
#endif
#endif
#ifndef STRESS_SLOW
#define STRESS_SLOW 0
#endif

#define HELD_MAX 48

static struct test_log log_;

KMM_DEFINE_PER_CPU(long, stress_events);

struct block {
	struct page *page;
	unsigned int order;
	bool comp;
};

struct stress {
	kmm_machine *m;
	int id;
	uint64_t seed;
	int iters;
	int max_order;
	long events; /* this_cpu increments made */
	long allocs, failures;
	char error[160]; /* the first problem seen (cmocka cannot fail from a thread) */
	struct block held[HELD_MAX];
};

static uint64_t cookie(const struct stress *s, const struct page *page, unsigned long i)
{
	return ((uint64_t)(uintptr_t)page << 8) ^ ((uint64_t)s->id << 56) ^
	       (i * 0x9e3779b97f4a7c15ull);
}

/* Cookies at both ends of every page of the block (lowmem only: highmem has no address). */
static void write_cookies(struct stress *s, struct block *b)
{
	char *base = kmm_page_address(s->m, b->page);
	unsigned long psz = kmm_page_size(s->m);

	if (!base)
		return;
	for (unsigned long i = 0; i < (1ul << b->order); i++) {
		uint64_t c = cookie(s, b->page, i);

		memcpy(base + i * psz, &c, sizeof(c));
		memcpy(base + (i + 1) * psz - sizeof(c), &c, sizeof(c));
	}
}

static void check_cookies(struct stress *s, struct block *b)
{
	char *base = kmm_page_address(s->m, b->page);
	unsigned long psz = kmm_page_size(s->m);

	if (!base)
		return;
	for (unsigned long i = 0; i < (1ul << b->order); i++) {
		uint64_t c = cookie(s, b->page, i), head, tail;

		memcpy(&head, base + i * psz, sizeof(head));
		memcpy(&tail, base + (i + 1) * psz - sizeof(tail), sizeof(tail));
		if ((head != c || tail != c) && !s->error[0])
			snprintf(s->error, sizeof(s->error),
				 "thread %d: cookie of pfn %#lx page %lu overwritten", s->id,
				 kmm_page_to_pfn(s->m, b->page), i);
	}
}

static unsigned int pick_order(struct stress *s)
{
	uint64_t r = test_rand(&s->seed) % 100;

	if (r < 50)
		return 0;
	if (r < 85)
		return 1 + (unsigned int)(r % 3);
	return (unsigned int)(4 + r % (unsigned int)(s->max_order - 3));
}

static gfp_t pick_gfp(struct stress *s, bool *comp)
{
	static const gfp_t zones[] = { GFP_KERNEL,
				       GFP_KERNEL | __GFP_MOVABLE,
				       GFP_KERNEL | __GFP_RECLAIMABLE,
				       GFP_DMA32,
				       GFP_DMA,
				       GFP_HIGHUSER_MOVABLE,
				       GFP_NOWAIT,
				       GFP_KERNEL | __GFP_MOVABLE };
	uint64_t r = test_rand(&s->seed);
	gfp_t gfp = zones[r % 8] | __GFP_NOWARN;

	*comp = (r >> 8) % 5 == 0;
	if (*comp)
		gfp |= __GFP_COMP;
	if ((r >> 12) % 7 == 0)
		gfp |= __GFP_COLD;
	if ((r >> 16) % 11 == 0)
		gfp |= __GFP_ZERO;
	return gfp;
}

static void free_block(struct stress *s, struct block *b)
{
	check_cookies(s, b);
	if (b->comp && b->order > 0) {
		kmm_put_page(s->m, b->page); /* frees the whole compound page */
	} else if (b->order == 0 && (s->seed & 3) == 0) {
		kmm_free_cold_page(s->m, b->page);
	} else if (b->order == 0 && (s->seed & 3) == 1 && kmm_page_address(s->m, b->page)) {
		kmm_free_pages_addr(s->m, (unsigned long)kmm_page_address(s->m, b->page), 0);
	} else {
		kmm_free_pages(s->m, b->page, b->order);
	}
	b->page = NULL;
}

static void *stress_thread(void *p)
{
	struct stress *s = p;

	for (int i = 0; i < s->iters; i++) {
		struct block *b = &s->held[test_rand(&s->seed) % HELD_MAX];
		uint64_t r = test_rand(&s->seed) % 1000;

		if (r < 2) {
			kmm_drain_local_pages(s->m, NULL);
		} else if (r < 3) {
			kmm_drain_all_pages(s->m, NULL);
		} else if (r < 60) {
			int cpu = kmm_get_cpu(s->m);
			long *ev = kmm_per_cpu_ptr_of(s->m, &stress_events, cpu);

			*ev += 1;
			kmm_put_cpu(s->m);
			kmm_this_cpu_inc(s->m, stress_events);
			s->events += 2;
		} else if (b->page) {
			free_block(s, b);
		} else {
			bool comp;
			gfp_t gfp = pick_gfp(s, &comp);

			b->order = pick_order(s);
			b->comp = comp;
			b->page = kmm_alloc_pages(s->m, gfp, b->order);
			if (!b->page) {
				s->failures++;
				continue;
			}
			s->allocs++;
			if ((gfp & __GFP_ZERO) && kmm_page_address(s->m, b->page)) {
				const char *z = kmm_page_address(s->m, b->page);

				for (unsigned long k = 0; k < kmm_page_size(s->m) << b->order;
				     k += 512)
					if (z[k] && !s->error[0])
						snprintf(s->error, sizeof(s->error),
							 "thread %d: __GFP_ZERO block at pfn %#lx "
							 "is not zero",
							 s->id, kmm_page_to_pfn(s->m, b->page));
			}
			write_cookies(s, b);
		}
	}
	for (int i = 0; i < HELD_MAX; i++)
		if (s->held[i].page)
			free_block(s, &s->held[i]);
	return NULL;
}

struct stress_run {
	const char *cmdline;
	bool cas;    /* KMM_RSEQ=0 */
	int threads; /* 0: 2 * nr_cpus + 3 */
	int iters;
	int max_order;
	bool expect_failures;
};

static void run_stress(const struct stress_run *run, uint64_t seed)
{
	struct free_snapshot boot, now;
	struct stress *s;
	pthread_t *t;
	kmm_machine *m;
	long events = 0, counted = 0, allocs = 0, failures = 0;
	unsigned long free_boot;
	int nthreads;

	if (run->cas)
		setenv("KMM_RSEQ", "0", 1);
	m = test_boot(run->cmdline, &log_);
	unsetenv("KMM_RSEQ");
	nthreads = run->threads ? run->threads : 2 * kmm_nr_cpus(m) + 3;
	kmm_drain_all_pages(m, NULL); /* what boot-time users left on the lists */
	test_snapshot(m, &boot);
	free_boot = test_free_pages(m);
	s = calloc((size_t)nthreads, sizeof(*s));
	t = calloc((size_t)nthreads, sizeof(*t));
	for (int i = 0; i < nthreads; i++) {
		s[i].m = m;
		s[i].id = i;
		s[i].seed = seed * 1000 + (uint64_t)i + 1;
		s[i].iters = STRESS_SLOW ? run->iters / 2 : run->iters * 3;
		s[i].max_order = run->max_order;
		assert_int_equal(pthread_create(&t[i], NULL, stress_thread, &s[i]), 0);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (s[i].error[0])
			fail_msg("%s: %s", run->cmdline, s[i].error);
		events += s[i].events;
		allocs += s[i].allocs;
		failures += s[i].failures;
	}
	assert_true(allocs > 0);
	if (run->expect_failures)
		assert_true(failures > 0);
	assert_consistent(m, &log_);
	for (int c = 0; c < kmm_nr_cpus(m); c++)
		counted += kmm_per_cpu(m, stress_events, c);
	assert_int_equal(counted, events);
	/* nothing is held: after a drain every page is back on the buddy lists */
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(test_free_pages(m), free_boot);
	test_snapshot(m, &now);
	/* Under pressure the slow path may set pageblocks aside as HighAtomic,
	 * which do not merge with others above pageblock order (Linux's rule),
	 * so only the page count must match there. */
	if (!run->expect_failures && !test_snapshot_equal(&boot, &now))
		fail_msg("%s: free lists differ from boot after the drain", run->cmdline);
	assert_consistent(m, &log_);
	assert_false(test_log_contains(&log_, "BUG"));
	kmm_machine_destroy(m);
	free(s);
	free(t);
}

static void test_stress_rseq_or_best(void **state)
{
	const struct stress_run run = { "mem=2G nr_cpus=2", false, 0, 20000, 6, false };

	(void)state;
	run_stress(&run, 1);
}

static void test_stress_cas(void **state)
{
	const struct stress_run run = { "mem=2G nr_cpus=2", true, 0, 20000, 6, false };

	(void)state;
	run_stress(&run, 2);
}

/* Fewer machine CPUs than host CPUs: host CPUs share machine CPUs. */
static void test_stress_one_cpu(void **state)
{
	const struct stress_run run = { "mem=1G nr_cpus=1", false, 6, 15000, 5, false };

	(void)state;
	run_stress(&run, 3);
}

static void test_stress_numa_highmem(void **state)
{
	const struct stress_run numa = {
		"mem=2G nr_cpus=3 numa=fake=2", false, 0, 12000, 6, false
	};
	const struct stress_run high = {
		"mem=2G highmem=512M nr_cpus=4", false, 0, 10000, 5, false
	};

	(void)state;
	run_stress(&numa, 4);
	run_stress(&high, 5);
}

static void test_stress_pcp_off(void **state)
{
	const struct stress_run run = { "mem=1G nr_cpus=2 pcp=0", false, 7, 15000, 6, false };

	(void)state;
	run_stress(&run, 6);
}

/* 16 MiB: threads run the machine dry, the slow path drains the lists, allocations fail. */
static void test_stress_pressure(void **state)
{
	const struct stress_run run = {
		"memmap=exactmap memmap=16M@0 nr_cpus=2", false, 7, 15000, 9, true
	};
	const struct stress_run cas = {
		"memmap=exactmap memmap=16M@0 nr_cpus=2", true, 7, 15000, 9, true
	};

	(void)state;
	run_stress(&run, 7);
	run_stress(&cas, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_rseq_or_best),
		cmocka_unit_test(test_stress_cas),
		cmocka_unit_test(test_stress_one_cpu),
		cmocka_unit_test(test_stress_numa_highmem),
		cmocka_unit_test(test_stress_pcp_off),
		cmocka_unit_test(test_stress_pressure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
