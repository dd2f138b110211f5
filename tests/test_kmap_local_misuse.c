/* SPDX-License-Identifier: MIT */
/*
 * tests/test_kmap_local_misuse.c - the misuse kmap_local and the highmem byte
 * helpers refuse (src/highmem/kmap_local.c, src/highmem/copy.c).
 *
 * What this proves: a pointer that is no page descriptor of the machine is
 * refused by kmap_local_page, copy_highpage and kmm_page_is_highmem with a
 * report and nothing mapped; the seventeenth nested kmap_local of a CPU
 * (Linux allows KM_MAX_IDX = 16) is refused while the sixteen stay mapped
 * and readable; kunmap_local of an address that is no kmap_local address
 * is reported (once the CPU is given back) and unmaps nothing;
 * memcpy_from_page and memzero_page refuse a range past the page end and
 * touch neither page nor buffer; kmap_atomic / kunmap_atomic are the same
 * nesting mappings. After each case no CPU is left owned and kmm_check is
 * clean.
 */
#include "kmm_test.h"

#include <kmm/highmem.h>

#include <string.h>

#include "highmem/highmem.h"
#include "smp/cpu.h"

static struct test_log log_;

#define HM "mem=128M nr_cpus=2 highmem=32M kswapd=0 kcompactd=0 page_reporting=0"

static struct page *alloc_high(kmm_machine *m, int fill)
{
	struct page *p = kmm_alloc_pages(m, GFP_HIGHUSER, 0);
	char *v;

	assert_non_null(p);
	assert_true(kmm_page_is_highmem(m, p));
	v = kmm_kmap_local_page(m, p);
	memset(v, fill, kmm_page_size(m));
	kmm_kunmap_local(m, v);
	return p;
}

static void test_foreign_page(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page *p = alloc_high(m, 3);
	struct page *bogus = (struct page *)&log_;
	char buf[8];

	(void)state;
	test_log_clear(&log_);
	assert_null(kmm_kmap_local_page(m, bogus));
	assert_true(test_log_contains(&log_, "kmap_local_page:"));
	assert_true(test_log_contains(&log_, "is not a page of this machine"));
	assert_int_equal(preempt_held_cpu(m), -1);
	assert_null(kmm_kmap_local_page(NULL, p));
	assert_false(kmm_page_is_highmem(m, bogus));
	test_log_clear(&log_);
	kmm_copy_highpage(m, p, bogus);
	assert_true(test_log_contains(&log_, "copy_highpage:"));
	kmm_copy_highpage(NULL, p, p);
	kmm_memcpy_from_page(m, buf, p, 0, 1);
	assert_int_equal(buf[0], 3); /* untouched by the refused copy */
	assert_int_equal(preempt_held_cpu(m), -1);
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_too_many_nested(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page *pages[KM_MAX_IDX + 1];
	char *v[KM_MAX_IDX];

	(void)state;
	for (int i = 0; i <= KM_MAX_IDX; i++)
		pages[i] = alloc_high(m, i + 1);
	for (int i = 0; i < KM_MAX_IDX; i++) {
		v[i] = i % 2 ? kmm_kmap_atomic(m, pages[i]) : kmm_kmap_local_page(m, pages[i]);
		assert_non_null(v[i]);
	}
	assert_null(kmm_kmap_local_page(m, pages[KM_MAX_IDX]));
	/* the sixteen are still mapped and hold their pages */
	for (int i = 0; i < KM_MAX_IDX; i++)
		assert_int_equal(v[i][kmm_page_size(m) - 1], i + 1);
	assert_true(preempt_held_cpu(m) >= 0);
	for (int i = KM_MAX_IDX - 1; i >= 0; i--) {
		if (i % 2)
			kmm_kunmap_atomic(m, v[i]);
		else
			kmm_kunmap_local(m, v[i]);
	}
	assert_int_equal(preempt_held_cpu(m), -1);
	assert_true(test_log_contains(&log_, "already holds 16 kmap_local mappings"));
	/* the slots are free again */
	v[0] = kmm_kmap_local_page(m, pages[KM_MAX_IDX]);
	assert_non_null(v[0]);
	assert_int_equal(v[0][0], KM_MAX_IDX + 1);
	kmm_kunmap_local(m, v[0]);
	for (int i = 0; i <= KM_MAX_IDX; i++)
		kmm_free_pages(m, pages[i], 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_not_a_kmap_address(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page *p = alloc_high(m, 9);
	char local = 0, *v;

	(void)state;
	v = kmm_kmap_local_page(m, p);
	assert_non_null(v);
	test_log_clear(&log_);
	kmm_kunmap_local(m, &local);
	/* nothing unmapped: the mapping is still readable, the CPU still owned */
	assert_int_equal(v[0], 9);
	assert_true(preempt_held_cpu(m) >= 0);
	kmm_kunmap_local(m, v);
	assert_int_equal(preempt_held_cpu(m), -1);
	assert_true(test_log_contains(&log_, "is not a kmap_local address"));
	kmm_kunmap_local(NULL, v);
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_byte_helpers_range(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page *p = alloc_high(m, 0x7e);
	size_t page = kmm_page_size(m);
	char buf[16];

	(void)state;
	memset(buf, 1, sizeof(buf));
	test_log_clear(&log_);
	kmm_memcpy_from_page(m, buf, p, page - 4, 8);
	assert_true(test_log_contains(&log_, "memcpy_from_page: offset"));
	assert_int_equal(buf[0], 1);
	test_log_clear(&log_);
	kmm_memzero_page(m, p, page + 1, 0);
	assert_true(test_log_contains(&log_, "memzero_page: offset"));
	test_log_clear(&log_);
	kmm_memzero_page(m, p, 8, page);
	assert_true(test_log_contains(&log_, "past the end of the page"));
	kmm_memcpy_from_page(m, buf, p, page - 8, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal((unsigned char)buf[i], 0x7e);
	assert_int_equal(preempt_held_cpu(m), -1);
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreign_page),
		cmocka_unit_test(test_too_many_nested),
		cmocka_unit_test(test_not_a_kmap_address),
		cmocka_unit_test(test_byte_helpers_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
