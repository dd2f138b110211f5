/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fault_inject.c - fail_page_alloc and failslab as
 * Documentation/fault-injection/fault-injection.rst describes them: the
 * boot syntax <interval>,<probability>,<space>,<times>, and the effect of
 * each debugfs attribute (probability, interval, times, space, verbose,
 * ignore-gfp-wait, ignore-gfp-highmem, min-order, cache-filter); bad
 * names and values are refused and change nothing; an injected failure
 * is a plain NULL for the caller and leaves the machine consistent.
 */
#include "kmm_test.h"
#include "reclaim_test.h"

#include <kmm/slab.h>
#include <string.h>

static struct test_log log_;

#define BASE "mem=256M nr_cpus=1 kswapd=0 page_reporting=0"

/* Try n order-1 atomic allocations; returns how many failed (freeing the rest). */
static int failures(kmm_machine *m, gfp_t gfp, unsigned int order, int n, char *pattern)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		struct page *p = kmm_alloc_pages(m, gfp, order);

		if (pattern)
			pattern[i] = p ? '.' : 'X';
		if (p)
			kmm_free_pages(m, p, order);
		else
			failed++;
	}
	if (pattern)
		pattern[n] = '\0';
	return failed;
}

static void set(kmm_machine *m, enum kmm_fault w, const char *name, long v)
{
	assert_int_equal(kmm_fault_attr_set(m, w, name, v), KMM_OK);
}

static void test_boot_syntax_and_times(void **state)
{
	kmm_machine *m = test_boot(BASE " fail_page_alloc=1,100,0,3", &log_);
	char err[256];
	char pat[16];
	long v;

	(void)state;
	/* times=3: the first three eligible allocations fail, then none */
	assert_int_equal(failures(m, GFP_ATOMIC, 1, 6, pat), 3);
	assert_string_equal(pat, "XXX...");
	assert_int_equal(kmm_fault_injected(m, KMM_FAULT_PAGE_ALLOC), 3);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_PAGE_ALLOC, "times", &v), KMM_OK);
	assert_int_equal(v, 0);
	assert_non_null(strstr(kmm_machine_cmdline(m), "fail_page_alloc=1,100,0,3"));
	/* times=-1: no limit */
	set(m, KMM_FAULT_PAGE_ALLOC, "times", -1);
	assert_int_equal(failures(m, GFP_ATOMIC, 1, 10, NULL), 10);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_PAGE_ALLOC, "times", &v), KMM_OK);
	assert_int_equal(v, -1);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	/* malformed boot strings are refused with the token named */
	assert_int_equal(test_boot_fails("fail_page_alloc=1,100,0", err, sizeof(err)), KMM_EINVAL);
	assert_non_null(strstr(err, "fail_page_alloc=1,100,0"));
	assert_int_equal(test_boot_fails("failslab=1,101,0,1", err, sizeof(err)), KMM_EINVAL);
	assert_non_null(strstr(err, "percentage"));
	assert_int_equal(test_boot_fails("failslab=1,10,0,-2", err, sizeof(err)), KMM_EINVAL);
	assert_int_equal(test_boot_fails("fail_page_alloc=x", err, sizeof(err)), KMM_EINVAL);
}

static void test_probability_and_interval(void **state)
{
	kmm_machine *m = test_boot(BASE, &log_);
	char pat[16];
	int f;

	(void)state;
	/* probability 0 (the default): never */
	assert_int_equal(failures(m, GFP_ATOMIC, 1, 100, NULL), 0);
	set(m, KMM_FAULT_PAGE_ALLOC, "times", -1);
	set(m, KMM_FAULT_PAGE_ALLOC, "verbose", 0);
	set(m, KMM_FAULT_PAGE_ALLOC, "probability", 100);
	assert_int_equal(failures(m, GFP_ATOMIC, 1, 100, NULL), 100);
	/* probability 30: about 30 of 1000 (seeded: reproducible, loosely bounded) */
	set(m, KMM_FAULT_PAGE_ALLOC, "probability", 30);
	f = failures(m, GFP_ATOMIC, 1, 1000, NULL);
	assert_true(f > 200 && f < 400);
	/* interval 3 with probability 100: every third call */
	set(m, KMM_FAULT_PAGE_ALLOC, "probability", 100);
	set(m, KMM_FAULT_PAGE_ALLOC, "interval", 3);
	failures(m, GFP_ATOMIC, 1, 9, pat);
	assert_int_equal(strspn(pat, "."), 2 - (int)(0));
	{
		int x = 0;

		for (int i = 0; i < 9; i++)
			x += pat[i] == 'X';
		assert_int_equal(x, 3);
		for (int i = 0; i + 3 < 9; i++)
			assert_int_equal(pat[i], pat[i + 3]);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_space_and_min_order(void **state)
{
	kmm_machine *m = test_boot(BASE " fail_page_alloc=1,100,8,-1", &log_);
	char pat[16];

	(void)state;
	set(m, KMM_FAULT_PAGE_ALLOC, "verbose", 0);
	/* space 8 (pages for fail_page_alloc): 8 > 2, 6 > 2, 4 > 2 are spared, then failures */
	failures(m, GFP_ATOMIC, 1, 6, pat);
	assert_string_equal(pat, "...XXX");
	/* min-order 1 (the default): order 0 is never failed */
	assert_int_equal(failures(m, GFP_ATOMIC, 0, 10, NULL), 0);
	set(m, KMM_FAULT_PAGE_ALLOC, "min-order", 3);
	assert_int_equal(failures(m, GFP_ATOMIC, 2, 10, NULL), 0);
	failures(m, GFP_ATOMIC, 3, 10, pat);
	assert_string_equal(pat, "XXXXXXXXXX");
	set(m, KMM_FAULT_PAGE_ALLOC, "min-order", 0);
	/* the 2 pages of space left spare one order-0 request (2 > 1), not the next (1 > 1) */
	failures(m, GFP_ATOMIC, 0, 10, pat);
	assert_string_equal(pat, ".XXXXXXXXX");
	/* never __GFP_NOFAIL */
	assert_int_equal(failures(m, GFP_ATOMIC | __GFP_NOFAIL, 0, 10, NULL), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_ignore_gfp_wait_and_highmem(void **state)
{
	kmm_machine *m = test_boot(BASE " fail_page_alloc=1,100,0,-1", &log_);

	(void)state;
	set(m, KMM_FAULT_PAGE_ALLOC, "verbose", 0);
	/* ignore-gfp-wait 1 (the default): allocations that may reclaim are spared */
	assert_int_equal(failures(m, GFP_KERNEL, 1, 10, NULL), 0);
	set(m, KMM_FAULT_PAGE_ALLOC, "ignore-gfp-wait", 0);
	assert_int_equal(failures(m, GFP_KERNEL, 1, 10, NULL), 10);
	/* ignore-gfp-highmem 1 (the default): __GFP_HIGHMEM allocations are spared */
	assert_int_equal(failures(m, GFP_HIGHUSER, 1, 10, NULL), 0);
	set(m, KMM_FAULT_PAGE_ALLOC, "ignore-gfp-highmem", 0);
	assert_int_equal(failures(m, GFP_HIGHUSER, 1, 10, NULL), 10);
	/* the failure is a plain NULL: no allocation-failure warning, no OOM */
	assert_false(test_log_contains(&log_, "page allocation failure"));
	assert_int_equal(rt_event(m, OOM_KILL), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_verbose(void **state)
{
	kmm_machine *m = test_boot(BASE " fail_page_alloc=1,100,0,-1", &log_);

	(void)state;
	/* verbose 2 (the default) prints the kernel's notice with the attributes */
	test_log_clear(&log_);
	assert_int_equal(failures(m, GFP_ATOMIC, 1, 1, NULL), 1);
	assert_true(test_log_contains(&log_,
				      "FAULT_INJECTION: forcing a failure.\nname "
				      "fail_page_alloc, interval 1, probability 100, space 0, "
				      "times -1\n"));
	/* not for __GFP_NOWARN */
	test_log_clear(&log_);
	assert_int_equal(failures(m, GFP_ATOMIC | __GFP_NOWARN, 1, 1, NULL), 1);
	assert_false(test_log_contains(&log_, "FAULT_INJECTION"));
	/* rate limited: verbose_ratelimit_burst notices per interval */
	set(m, KMM_FAULT_PAGE_ALLOC, "verbose_ratelimit_burst", 2);
	set(m, KMM_FAULT_PAGE_ALLOC, "verbose_ratelimit_interval_ms", 1000000);
	test_log_clear(&log_);
	failures(m, GFP_ATOMIC, 1, 20, NULL);
	{
		int n = 0;

		for (const char *s = log_.buf; (s = strstr(s, "FAULT_INJECTION")); s++)
			n++;
		assert_true(n <= 2);
	}
	/* verbose 0: silent */
	set(m, KMM_FAULT_PAGE_ALLOC, "verbose", 0);
	set(m, KMM_FAULT_PAGE_ALLOC, "verbose_ratelimit_interval_ms", 0);
	test_log_clear(&log_);
	assert_int_equal(failures(m, GFP_ATOMIC, 1, 5, NULL), 5);
	assert_false(test_log_contains(&log_, "FAULT_INJECTION"));
	kmm_machine_destroy(m);
}

static void test_failslab_and_cache_filter(void **state)
{
	kmm_machine *m = test_boot(BASE " failslab=1,100,0,-1", &log_);
	struct kmem_cache *a = kmm_kmem_cache_create(m, "fi-a", 64, 0, 0, NULL);
	struct kmem_cache *b = kmm_kmem_cache_create(m, "fi-b", 64, 0, 0, NULL);
	void *o;

	(void)state;
	assert_non_null(a);
	set(m, KMM_FAULT_SLAB, "verbose", 0);
	/* ignore-gfp-wait: GFP_KERNEL objects are spared, atomic ones fail */
	assert_non_null(o = kmm_kmem_cache_alloc(m, a, GFP_KERNEL));
	kmm_kmem_cache_free(m, a, o);
	assert_null(kmm_kmem_cache_alloc(m, a, GFP_ATOMIC));
	assert_null(kmm_kmalloc(m, 100, GFP_ATOMIC));
	assert_non_null(o = kmm_kmem_cache_alloc(m, a, GFP_ATOMIC | __GFP_NOFAIL));
	kmm_kmem_cache_free(m, a, o);
	/* cache-filter: only caches that opted in */
	set(m, KMM_FAULT_SLAB, "cache-filter", 1);
	assert_int_equal(kmm_kmem_cache_set_failslab(m, b, 1), KMM_OK);
	assert_non_null(o = kmm_kmem_cache_alloc(m, a, GFP_ATOMIC));
	kmm_kmem_cache_free(m, a, o);
	assert_null(kmm_kmem_cache_alloc(m, b, GFP_ATOMIC));
	assert_int_equal(kmm_kmem_cache_set_failslab(m, b, 0), KMM_OK);
	assert_non_null(o = kmm_kmem_cache_alloc(m, b, GFP_ATOMIC));
	kmm_kmem_cache_free(m, b, o);
	/* space for failslab is bytes: 200 > 64, 136 > 64, 72 > 64 spared */
	set(m, KMM_FAULT_SLAB, "cache-filter", 0);
	set(m, KMM_FAULT_SLAB, "space", 200);
	for (int i = 0; i < 3; i++) {
		assert_non_null(o = kmm_kmem_cache_alloc(m, a, GFP_ATOMIC));
		kmm_kmem_cache_free(m, a, o);
	}
	assert_null(kmm_kmem_cache_alloc(m, a, GFP_ATOMIC));
	assert_true(kmm_fault_injected(m, KMM_FAULT_SLAB) >= 4);
	/* page-only attributes do not exist for failslab */
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_SLAB, "min-order", 1), KMM_EINVAL);
	set(m, KMM_FAULT_SLAB, "probability", 0);
	kmm_kmem_cache_destroy(m, a);
	kmm_kmem_cache_destroy(m, b);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_bad_attributes_change_nothing(void **state)
{
	kmm_machine *m = test_boot(BASE, &log_);
	long v;

	(void)state;
	test_log_clear(&log_);
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "probability", 101),
			 KMM_EINVAL);
	assert_true(test_log_contains(&log_, "out of range"));
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "times", -2), KMM_EINVAL);
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "nonsense", 1), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "has no attribute 'nonsense'"));
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "cache-filter", 1),
			 KMM_EINVAL);
	assert_int_equal(kmm_fault_attr_set(m, (enum kmm_fault)7, "probability", 1), KMM_EINVAL);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_PAGE_ALLOC, "probability", &v), KMM_OK);
	assert_int_equal(v, 0);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_PAGE_ALLOC, "times", &v), KMM_OK);
	assert_int_equal(v, 1);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_PAGE_ALLOC, "min-order", &v), KMM_OK);
	assert_int_equal(v, 1);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_SLAB, "ignore-gfp-wait", &v), KMM_OK);
	assert_int_equal(v, 1);
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "task-filter", 1), KMM_OK);
	assert_int_equal(failures(m, GFP_ATOMIC, 1, 10, NULL), 0);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_syntax_and_times),
		cmocka_unit_test(test_probability_and_interval),
		cmocka_unit_test(test_space_and_min_order),
		cmocka_unit_test(test_ignore_gfp_wait_and_highmem),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_failslab_and_cache_filter),
		cmocka_unit_test(test_bad_attributes_change_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
