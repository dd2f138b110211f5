/* SPDX-License-Identifier: MIT */
/*
 * tests/test_contig_misuse.c - what alloc_contig_pages and free_contig_range
 * refuse (src/compaction/contig.c).
 *
 * What this proves: a request for 0 pages or more pages than the machine
 * has, a node that does not exist and an invalid gfp zone combination are
 * refused by alloc_contig_pages with a report and no page taken; a range
 * that leaves the machine or is empty is refused by free_contig_range with
 * a report and nothing freed (the pages allocated stay allocated and are
 * freed properly afterwards); kmm_check stays clean.
 */
#include "kmm_test.h"

#include <kmm/compaction.h>

static struct test_log log_;

static void test_contig_refusals(void **state)
{
	kmm_machine *m =
		test_boot("mem=256M nr_cpus=2 kswapd=0 kcompactd=0 page_reporting=0", &log_);
	unsigned long before = test_free_pages(m), pfn;
	struct page *p;

	(void)state;
	test_log_clear(&log_);
	assert_null(kmm_alloc_contig_pages(m, 0, GFP_KERNEL, -1, NULL));
	assert_true(test_log_contains(&log_, "alloc_contig_pages: 0 pages cannot be allocated"));
	assert_null(kmm_alloc_contig_pages(m, 1ul << 40, GFP_KERNEL, -1, NULL));
	test_log_clear(&log_);
	assert_null(kmm_alloc_contig_pages(m, 16, GFP_KERNEL, 3, NULL));
	assert_true(test_log_contains(&log_, "node 3 does not exist (nodes 0-0)"));
	assert_null(kmm_alloc_contig_pages(m, 16, GFP_KERNEL, -2, NULL));
	test_log_clear(&log_);
	assert_null(kmm_alloc_contig_pages(m, 16, GFP_KERNEL | __GFP_DMA | __GFP_DMA32, -1, NULL));
	assert_true(test_log_contains(&log_, "alloc_contig_pages: invalid gfp mask"));
	assert_null(kmm_alloc_contig_pages(NULL, 16, GFP_KERNEL, -1, NULL));
	assert_int_equal(test_free_pages(m), before);

	p = kmm_alloc_contig_pages(m, 16, GFP_KERNEL, -1, NULL);
	assert_non_null(p);
	pfn = kmm_page_to_pfn(m, p);
	test_log_clear(&log_);
	kmm_free_contig_range(m, pfn, 0);
	assert_true(test_log_contains(&log_, "free_contig_range: ["));
	assert_true(test_log_contains(&log_, "is not a range of this machine"));
	test_log_clear(&log_);
	kmm_free_contig_range(m, pfn, ~0ul - pfn);
	assert_true(test_log_contains(&log_, "is not a range of this machine"));
	kmm_free_contig_range(NULL, pfn, 16);
	/* nothing was freed: the pages still carry their reference */
	for (int i = 0; i < 16; i++)
		assert_int_equal(kmm_page_ref_count(m, kmm_pfn_to_page(m, pfn + (unsigned long)i)),
				 1);
	assert_consistent(m, &log_);
	kmm_free_contig_range(m, pfn, 16);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contig_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
