/* SPDX-License-Identifier: MIT */
/*
 * tests/test_pages_bulk.c - alloc_pages_bulk and release_pages.
 *
 * What this proves: kmm_alloc_pages_bulk fills only the NULL entries of the
 * array with distinct allocated order-0 pages of the zones the gfp allows
 * and returns the number of populated entries, as 6.18's alloc_pages_bulk;
 * a batch of one takes the single-page path; fail_page_alloc decides once
 * per batch;
 * refusals (NULL array, bad gfp, bad node) are reported and change nothing;
 * on a machine that runs dry the batch comes back short, never with a page
 * lost; kmm_release_pages drops each page's reference and skips NULL
 * entries; kmm_check is clean after every step.
 */
#include "kmm_test.h"

#include <stdlib.h>
#include <string.h>

#include <kmm/reclaim.h>

static struct test_log log_;

/* pcp=0: the zone's free count is exact (no pages parked on per-CPU lists) */
#define QUIET "nr_cpus=1 pcp=0 page_reporting=0 kswapd=0 kcompactd=0"

static void test_fills_the_holes(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	struct page *pages[64] = { 0 };
	struct page *keep = kmm_alloc_pages(m, KMM_GFP_KERNEL, 0);
	unsigned long free0;

	(void)state;
	assert_non_null(keep);
	pages[0] = keep;
	pages[10] = keep; /* populated entries are left alone, even a repeated one */
	free0 = test_free_pages(m);
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_KERNEL, 64, pages), 64);
	assert_ptr_equal(pages[0], keep);
	assert_ptr_equal(pages[10], keep);
	assert_int_equal(test_free_pages(m), free0 - 62);
	for (int i = 0; i < 64; i++) {
		assert_non_null(pages[i]);
		assert_int_equal(kmm_page_ref_count(m, pages[i]), 1);
		for (int j = 0; j < i; j++)
			if (!(i == 10 && j == 0))
				assert_ptr_not_equal(pages[i], pages[j]);
		/* writable lowmem: the default gfp is not highmem */
		memset(kmm_page_address(m, pages[i]), i, kmm_page_size(m));
	}
	assert_consistent(m, &log_);
	/* already full: nothing to do */
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_KERNEL, 64, pages), 64);
	pages[10] = NULL; /* the repeated entry */
	kmm_release_pages(m, pages, 64);
	assert_int_equal(test_free_pages(m), free0 + 1);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_zone_and_small_batches(void **state)
{
	kmm_machine *m = test_boot("mem=6G nr_cpus=1 page_reporting=0 kswapd=0", &log_);
	struct page *pages[32] = { 0 };

	(void)state;
	/* GFP_DMA32: every page below 4 GiB */
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_KERNEL | KMM_GFP_DMA32, 32, pages), 32);
	for (int i = 0; i < 32; i++)
		assert_true(kmm_page_to_pfn(m, pages[i]) < (4ull << 30) / kmm_page_size(m));
	kmm_release_pages(m, pages, 32);
	memset(pages, 0, sizeof(pages));
	/* a batch of one, and of none */
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_KERNEL, 1, pages), 1);
	assert_non_null(pages[0]);
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_KERNEL, 0, pages), 0);
	kmm_release_pages(m, pages, 1);
	memset(pages, 0, sizeof(pages));
	/* the node variant */
	assert_int_equal(kmm_alloc_pages_bulk_node(m, KMM_GFP_KERNEL, 0, 8, pages), 8);
	kmm_release_pages(m, pages, 8);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_refusals_change_nothing(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	struct page *pages[8] = { 0 };
	unsigned long free0 = test_free_pages(m);

	(void)state;
	test_log_clear(&log_);
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_KERNEL, 8, NULL), 0);
	assert_true(test_log_contains(&log_, "alloc_pages_bulk: NULL page array"));
	test_log_clear(&log_);
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_DMA | KMM_GFP_DMA32, 8, pages), 0);
	assert_true(test_log_contains(&log_, "invalid gfp mask"));
	test_log_clear(&log_);
	assert_int_equal(kmm_alloc_pages_bulk_node(m, KMM_GFP_KERNEL, 5, 8, pages), 0);
	assert_true(test_log_contains(&log_, "node 5 does not exist"));
	for (int i = 0; i < 8; i++)
		assert_null(pages[i]);
	assert_int_equal(test_free_pages(m), free0);
	test_log_clear(&log_);
	kmm_release_pages(m, NULL, 3);
	assert_true(test_log_contains(&log_, "release_pages: NULL page array"));
	kmm_release_pages(m, pages, 8); /* all NULL: nothing */
	assert_int_equal(kmm_alloc_pages_bulk(NULL, KMM_GFP_KERNEL, 8, pages), 0);
	assert_int_equal(test_free_pages(m), free0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* A machine that runs dry: short batches, every page accounted for. */
static void test_runs_dry(void **state)
{
	kmm_machine *m = test_boot("mem=32M " QUIET, &log_);
	unsigned long free0 = test_free_pages(m), cap = free0 + 64, n = 0;
	struct page **pages = calloc(cap, sizeof(*pages));
	unsigned long got;

	(void)state;
	while (n < cap) {
		got = kmm_alloc_pages_bulk(m, KMM_GFP_KERNEL | KMM_GFP_NOWARN | KMM_GFP_NORETRY,
					   cap - n < 256 ? cap - n : 256, pages + n);
		if (got == 0)
			break;
		for (unsigned long i = 0; i < got; i++)
			assert_non_null(pages[n + i]);
		n += got;
	}
	print_message("%lu pages in bulk of %lu free at boot\n", n, free0);
	assert_true(n > free0 / 2);
	assert_true(n < cap);
	assert_null(pages[n]);
	kmm_release_pages(m, pages, (int)n);
	assert_int_equal(test_free_pages(m), free0);
	assert_consistent(m, &log_);
	free(pages);
	kmm_machine_destroy(m);
}

/* Failure injection takes the single-page path, so fail_page_alloc sees each request. */
static void test_failure_injection(void **state)
{
	kmm_machine *m = test_boot("mem=64M fail_page_alloc=1,100,0,-1 " QUIET, &log_);
	struct page *pages[16] = { 0 };
	unsigned long free0 = test_free_pages(m);

	(void)state;
	/* order 0 and atomic requests are eligible (6.18's defaults spare both) */
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "min-order", 0), KMM_OK);
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_ATOMIC | KMM_GFP_NOWARN, 16, pages), 0);
	assert_true(kmm_fault_injected(m, KMM_FAULT_PAGE_ALLOC) >= 1);
	assert_int_equal(test_free_pages(m), free0);
	assert_int_equal(kmm_fault_attr_set(m, KMM_FAULT_PAGE_ALLOC, "times", 0), KMM_OK);
	assert_int_equal(kmm_alloc_pages_bulk(m, KMM_GFP_ATOMIC, 16, pages), 16);
	kmm_release_pages(m, pages, 16);
	assert_int_equal(test_free_pages(m), free0);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_the_holes),
		cmocka_unit_test(test_zone_and_small_batches),
		cmocka_unit_test(test_refusals_change_nothing),
		cmocka_unit_test(test_runs_dry),
		cmocka_unit_test(test_failure_injection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
