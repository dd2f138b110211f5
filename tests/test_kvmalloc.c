/* SPDX-License-Identifier: MIT */
/*
 * tests/test_kvmalloc.c - kvmalloc's family at its edges (src/vmalloc/kvmalloc.c).
 *
 * What this proves: kvmalloc falls back from kmalloc to vmalloc only above a
 * page and only for a blocking gfp mask; a size above INT_MAX is refused
 * with Linux's report (silent under __GFP_NOWARN) and takes no page;
 * kvmalloc_array / kvcalloc refuse an overflowing n * size; kvrealloc
 * allocates for NULL, frees a vmalloc block for size 0, keeps a vmalloc
 * block in place while its pages hold the new size, moves it (contents
 * kept) when they do not, moves a kmalloc block into vmalloc when kmalloc
 * cannot grow it, and reports an address inside (not at the start of) a
 * vmalloc area without touching it. After each step kmm_check is clean
 * and a refused
 * request takes no page.
 */
#include "kmm_test.h"

#include <kmm/slab.h>
#include <kmm/vmalloc.h>

#include <string.h>

static struct test_log log_;

#define KV "mem=256M nr_cpus=2 kswapd=0 kcompactd=0 page_reporting=0"
#define BIG ((size_t)8 << 20) /* above kmalloc's largest block: vmalloc */

static void test_kvmalloc_int_max(void **state)
{
	kmm_machine *m = test_boot(KV, &log_);
	unsigned long before = test_free_pages(m);

	(void)state;
	test_log_clear(&log_);
	assert_null(kmm_kvmalloc(m, (size_t)0x80000000u, GFP_KERNEL));
	assert_true(test_log_contains(&log_, "kvmalloc: size 2147483648 is larger than INT_MAX"));
	test_log_clear(&log_);
	assert_null(kmm_kvmalloc(m, (size_t)0x80000000u, GFP_KERNEL | __GFP_NOWARN));
	assert_false(test_log_contains(&log_, "INT_MAX"));
	/* atomic callers never reach vmalloc */
	assert_null(kmm_kvmalloc(m, BIG, GFP_ATOMIC));
	assert_int_equal(test_free_pages(m), before);
	assert_null(kmm_kvmalloc(NULL, 64, GFP_KERNEL));
	kmm_kvfree(NULL, (void *)&before);
	kmm_kvfree(m, NULL);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_kvmalloc_node_and_arrays(void **state)
{
	kmm_machine *m = test_boot(KV, &log_);
	char *a, *b, *c;

	(void)state;
	a = kmm_kvmalloc_node(m, BIG, GFP_KERNEL, 0);
	assert_non_null(a);
	assert_true(kmm_is_vmalloc_addr(m, a));
	memset(a, 0x11, BIG);
	b = kmm_kvmalloc_node(m, 100, GFP_KERNEL, 0);
	assert_non_null(b);
	assert_false(kmm_is_vmalloc_addr(m, b));
	c = kmm_kvmalloc_array(m, 1024, 8192, GFP_KERNEL);
	assert_non_null(c);
	assert_true(kmm_is_vmalloc_addr(m, c));
	c[1024 * 8192 - 1] = 1;
	assert_null(kmm_kvmalloc_array(m, SIZE_MAX / 2, 3, GFP_KERNEL));
	assert_null(kmm_kvcalloc(m, SIZE_MAX / 2, 3, GFP_KERNEL));
	assert_consistent(m, &log_);
	kmm_kvfree(m, a);
	kmm_kvfree(m, b);
	kmm_kvfree(m, c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_kvrealloc_paths(void **state)
{
	kmm_machine *m = test_boot(KV, &log_);
	size_t page = kmm_page_size(m);
	char *v, *w, *k, *n;

	(void)state;
	assert_null(kmm_kvrealloc(NULL, NULL, 10, GFP_KERNEL));
	/* NULL: a plain kvmalloc */
	v = kmm_kvrealloc(m, NULL, BIG, GFP_KERNEL);
	assert_non_null(v);
	assert_true(kmm_is_vmalloc_addr(m, v));
	memset(v, 0x5a, BIG);
	/* shrinking: the pages still hold it, the block stays */
	assert_ptr_equal(kmm_kvrealloc(m, v, BIG - page, GFP_KERNEL), v);
	/* an address inside the area: reported, nothing freed, nothing moved */
	test_log_clear(&log_);
	assert_null(kmm_kvrealloc(m, v + page, 2 * BIG, GFP_KERNEL));
	assert_true(test_log_contains(&log_, "kvrealloc:"));
	assert_true(test_log_contains(&log_, "starts no vmalloc area"));
	assert_int_equal((unsigned char)v[BIG - 1], 0x5a);
	/* growing past INT_MAX fails: the old block is kept intact */
	test_log_clear(&log_);
	assert_null(kmm_kvrealloc(m, v, (size_t)0x80000000u, GFP_KERNEL));
	assert_true(test_log_contains(&log_, "larger than INT_MAX"));
	assert_int_equal((unsigned char)v[BIG - 1], 0x5a);
	/* growing: moved, contents kept */
	w = kmm_kvrealloc(m, v, 2 * BIG, GFP_KERNEL);
	assert_non_null(w);
	assert_ptr_not_equal(w, v);
	assert_true(kmm_is_vmalloc_addr(m, w));
	assert_int_equal((unsigned char)w[0], 0x5a);
	assert_int_equal((unsigned char)w[BIG - 1], 0x5a);
	w[2 * BIG - 1] = 7;
	assert_consistent(m, &log_);
	/* size 0 frees a vmalloc block */
	assert_null(kmm_kvrealloc(m, w, 0, GFP_KERNEL));
	/* a kmalloc block kmalloc cannot grow that far moves to vmalloc */
	k = kmm_kmalloc(m, 100, GFP_KERNEL);
	assert_non_null(k);
	memset(k, 0x33, 100);
	n = kmm_kvrealloc(m, k, BIG, GFP_KERNEL);
	assert_non_null(n);
	assert_true(kmm_is_vmalloc_addr(m, n));
	for (int i = 0; i < 100; i++)
		assert_int_equal((unsigned char)n[i], 0x33);
	/* and one that cannot move at all stays where it was */
	k = kmm_kmalloc(m, 100, GFP_KERNEL);
	assert_non_null(k);
	memset(k, 0x44, 100);
	assert_null(kmm_kvrealloc(m, k, BIG, GFP_ATOMIC));
	assert_int_equal((unsigned char)k[99], 0x44);
	kmm_kvfree(m, k);
	kmm_kvfree(m, n);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvmalloc_int_max),
		cmocka_unit_test(test_kvmalloc_node_and_arrays),
		cmocka_unit_test(test_kvrealloc_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
