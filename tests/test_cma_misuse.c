/* SPDX-License-Identifier: MIT */
/*
 * tests/test_cma_misuse.c - what cma_alloc and cma_release refuse
 * (src/compaction/cma.c).
 *
 * What this proves: on a machine without cma= the calls are refused with a
 * report (silent with no_warn) and cma_info says KMM_EINVAL; with an area,
 * a count of 0, a count larger than the area and an alignment past order
 * 31 are refused; an exhausted area fails with Linux's "cma_alloc: ...
 * alloc failed" line; cma_release refuses a page outside the area, a range
 * leaving it and pfns cma_alloc never handed out. None of the refusals
 * changes the area's allocated count, and kmm_check is clean throughout.
 */
#include "kmm_test.h"

#include <kmm/compaction.h>

static struct test_log log_;

#define Q "nr_cpus=2 kswapd=0 kcompactd=0 page_reporting=0"

static void test_no_cma_area(void **state)
{
	kmm_machine *m = test_boot("mem=128M " Q, &log_);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 0);

	(void)state;
	assert_non_null(p);
	assert_int_equal(kmm_cma_info(m, NULL, NULL, NULL), KMM_EINVAL);
	test_log_clear(&log_);
	assert_null(kmm_cma_alloc(m, 1, 0, true));
	assert_false(test_log_contains(&log_, "cma_alloc"));
	assert_null(kmm_cma_alloc(m, 1, 0, false));
	assert_true(test_log_contains(&log_, "cma_alloc: the machine has no CMA area"));
	test_log_clear(&log_);
	assert_false(kmm_cma_release(m, p, 1));
	assert_true(test_log_contains(&log_, "is not a page of the CMA area"));
	assert_false(kmm_cma_release(m, NULL, 1));
	assert_null(kmm_cma_alloc(NULL, 1, 0, false));
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static unsigned long allocated(kmm_machine *m)
{
	unsigned long a = 0;

	assert_int_equal(kmm_cma_info(m, NULL, NULL, &a), KMM_OK);
	return a;
}

static void test_cma_refusals(void **state)
{
	kmm_machine *m = test_boot("mem=256M cma=16M " Q, &log_);
	unsigned long base, count;
	struct page *all, *one, *other = kmm_alloc_pages(m, GFP_KERNEL, 0);

	(void)state;
	assert_non_null(other);
	assert_int_equal(kmm_cma_info(m, &base, &count, NULL), KMM_OK);
	assert_int_equal(count, (16ul << 20) / kmm_page_size(m));
	test_log_clear(&log_);
	assert_null(kmm_cma_alloc(m, 0, 0, false));
	assert_true(test_log_contains(&log_, "do not fit the area"));
	test_log_clear(&log_);
	assert_null(kmm_cma_alloc(m, count + 1, 0, false));
	assert_true(test_log_contains(&log_, "do not fit the area"));
	test_log_clear(&log_);
	assert_null(kmm_cma_alloc(m, 1, 32, false));
	assert_true(test_log_contains(&log_, "aligned to order 32"));
	test_log_clear(&log_);
	assert_null(kmm_cma_alloc(m, 0, 0, true));
	assert_false(test_log_contains(&log_, "cma_alloc"));
	assert_int_equal(allocated(m), 0);

	/* cma_release of pfns never handed out */
	one = kmm_cma_alloc(m, 4, 2, false);
	assert_non_null(one);
	assert_int_equal(kmm_page_to_pfn(m, one) % 4, 0); /* aligned to order 2 */
	assert_int_equal(allocated(m), 4);
	test_log_clear(&log_);
	assert_false(kmm_cma_release(m, one, 5));
	assert_true(test_log_contains(&log_, "was not allocated by cma_alloc"));
	test_log_clear(&log_);
	assert_false(kmm_cma_release(m, other, 1));
	assert_true(test_log_contains(&log_, "is not inside the CMA area"));
	test_log_clear(&log_);
	assert_false(kmm_cma_release(m, one, 0));
	assert_true(test_log_contains(&log_, "is not inside the CMA area"));
	assert_false(kmm_cma_release(m, one, count + 1));
	assert_int_equal(allocated(m), 4);
	assert_consistent(m, &log_);

	/* an exhausted area: Linux's failure line */
	test_log_clear(&log_);
	all = kmm_cma_alloc(m, count, 0, false);
	assert_null(all);
	assert_true(test_log_contains(&log_, "cma: cma_alloc: reserved: alloc failed"));
	assert_int_equal(allocated(m), 4);
	test_log_clear(&log_);
	assert_null(kmm_cma_alloc(m, count, 0, true));
	assert_false(test_log_contains(&log_, "alloc failed"));
	assert_true(kmm_cma_release(m, one, 4));
	assert_int_equal(allocated(m), 0);
	kmm_free_pages(m, other, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_cma_area),
		cmocka_unit_test(test_cma_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
