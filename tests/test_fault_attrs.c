/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fault_attrs.c - the debugfs attributes of fail_page_alloc and
 * failslab (src/reclaim/fault_inject.c, kmm_fault_attr_set/get).
 *
 * What this proves: every attribute a set has reads back the value last
 * written (each is its own field: writing one leaves the others); a value
 * out of the attribute's range is refused with a report and the old value
 * stays; an attribute of the other set ("min-order" is fail_page_alloc's,
 * "cache-filter" failslab's) and an unknown set are refused with a report;
 * a NULL result pointer and a foreign kmem_cache are refused; with all
 * attributes at rest no fault is injected.
 */
#include "kmm_test.h"

#include <kmm/reclaim.h>
#include <kmm/slab.h>

static struct test_log log_;

static const char *const names[] = {
	"probability",
	"interval",
	"times",
	"space",
	"verbose",
	"verbose_ratelimit_interval_ms",
	"verbose_ratelimit_burst",
	"task-filter",
	"ignore-gfp-wait",
};

static void test_attr_roundtrip(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2 kswapd=0 page_reporting=0", &log_);
	const int n = (int)(sizeof(names) / sizeof(names[0]));
	long v;

	(void)state;
	for (int w = 0; w < KMM_NR_FAULTS; w++) {
		/* probability 0 keeps them harmless; the others get distinct values */
		for (int i = 1; i < n; i++) {
			long want = i <= 3 ? 1000 + i
					   : (i == 4		   ? 2
					      : (i == 5 || i == 6) ? 77 + i
								   : 1);

			assert_int_equal(kmm_fault_attr_set(m, (enum kmm_fault)w, names[i], want),
					 0);
		}
		for (int i = 1; i < n; i++) {
			long want = i <= 3 ? 1000 + i
					   : (i == 4		   ? 2
					      : (i == 5 || i == 6) ? 77 + i
								   : 1);

			assert_int_equal(kmm_fault_attr_get(m, (enum kmm_fault)w, names[i], &v), 0);
			assert_int_equal(v, want);
		}
		/* out of range: refused, the old value stays */
		test_log_clear(&log_);
		assert_int_equal(kmm_fault_attr_set(m, (enum kmm_fault)w, "verbose", 3),
				 KMM_EINVAL);
		assert_true(test_log_contains(&log_, "/verbose: 3 is out of range (0..2)"));
		assert_int_equal(kmm_fault_attr_get(m, (enum kmm_fault)w, "verbose", &v), 0);
		assert_int_equal(v, 2);
		assert_int_equal(kmm_fault_attr_get(m, (enum kmm_fault)w, "verbose", NULL),
				 KMM_EINVAL);
	}
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "ignore-gfp-highmem", 1), 0);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_PAGE_ALLOC, "ignore-gfp-highmem", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_SLAB, "cache-filter", 1), 0);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_SLAB, "cache-filter", &v), 0);
	assert_int_equal(v, 1);
	/* the other set's attributes */
	test_log_clear(&log_);
	assert_int_equal(kmm_fault_attr_get(m, KMM_FAULT_SLAB, "min-order", &v), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "has no attribute 'min-order'"));
	test_log_clear(&log_);
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "cache-filter", 1),
			 KMM_EINVAL);
	assert_true(test_log_contains(&log_, "has no attribute 'cache-filter'"));
	test_log_clear(&log_);
	assert_int_equal(kmm_fault_attr_get(m, KMM_NR_FAULTS, "times", &v), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "no such fault-injection set"));
	assert_int_equal(kmm_fault_injected(m, KMM_NR_FAULTS), 0);
	assert_int_equal(kmm_fault_injected(NULL, KMM_FAULT_SLAB), 0);
	test_log_clear(&log_);
	assert_int_equal(kmm_kmem_cache_set_failslab(m, (struct kmem_cache *)&log_, 1), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "is not a cache of this machine"));
	/* probability 0: nothing is injected */
	for (int i = 0; i < 100; i++) {
		void *p = kmm_kmalloc(m, 64, GFP_KERNEL);

		assert_non_null(p);
		kmm_kfree(m, p);
	}
	assert_int_equal(kmm_fault_injected(m, KMM_FAULT_SLAB), 0);
	assert_int_equal(kmm_fault_injected(m, KMM_FAULT_PAGE_ALLOC), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attr_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
