/* SPDX-License-Identifier: MIT */
/*
 * tests/test_page_ref_misuse.c - page reference misuse (src/page/page_alloc.c:
 * get_page, put_page, free_pages by address, the pfn and address queries).
 *
 * What this proves: get_page on a free page is a "Bad page state" report
 * and takes no reference (the page stays free, the free lists unchanged);
 * get_page / put_page of a pointer that is no page descriptor are reported;
 * free_pages of an address that is not page aligned, or of a page already
 * free, is reported and frees nothing twice; the queries answer -1 / NULL
 * for what is not a page of the machine. kmm_check is clean afterwards.
 */
#include "kmm_test.h"

static struct test_log log_;

static void test_ref_misuse(void **state)
{
	kmm_machine *m =
		test_boot("mem=128M nr_cpus=1 pcp=0 kswapd=0 kcompactd=0 page_reporting=0", &log_);
	struct free_snapshot a, b;
	struct page *p;
	unsigned long addr;

	(void)state;
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	addr = (unsigned long)kmm_page_address(m, p);
	kmm_free_pages(m, p, 0);
	test_snapshot(m, &a);
	test_log_clear(&log_);
	kmm_get_page(m, p);
	assert_true(test_log_contains(&log_, "BUG: Bad page state"));
	assert_true(test_log_contains(&log_, "get_page on a free page"));
	assert_int_equal(kmm_page_ref_count(m, p), 0);
	test_log_clear(&log_);
	kmm_free_pages_addr(m, addr, 0);
	assert_true(test_log_contains(&log_, "BUG: Bad page state"));
	test_log_clear(&log_);
	kmm_free_pages_addr(m, addr + 8, 0);
	assert_true(test_log_contains(&log_, "is not a page address of this machine"));
	kmm_free_pages_addr(m, 0, 0);
	test_snapshot(m, &b);
	assert_true(test_snapshot_equal(&a, &b));

	test_log_clear(&log_);
	kmm_get_page(m, (struct page *)&log_);
	assert_true(test_log_contains(&log_, "get_page: "));
	assert_true(test_log_contains(&log_, "is not a page of this machine"));
	test_log_clear(&log_);
	kmm_put_page(m, (struct page *)&log_);
	assert_true(test_log_contains(&log_, "put_page: "));
	assert_int_equal(kmm_page_ref_count(m, (struct page *)&log_), -1);
	assert_null(kmm_page_address(m, (struct page *)&log_));
	assert_null(kmm_pfn_to_page(m, ~0ul));
	assert_false(kmm_pfn_valid(m, ~0ul));
	test_snapshot(m, &b);
	assert_true(test_snapshot_equal(&a, &b));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
