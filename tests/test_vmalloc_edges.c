/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vmalloc_edges.c - vmalloc's entry points at their edges
 * (src/vmalloc/vmalloc.c).
 *
 * What this proves: a machine built over caller memory has no vmalloc area,
 * and every vmalloc entry point (vmalloc, vfree, vfree_atomic, vmap,
 * vunmap, vmalloc_to_page, vm_unmap_aliases, kvmalloc's fallback) says so
 * with a report or a quiet NULL and changes nothing; on a normal machine a
 * size beyond the machine's pages is "vmalloc error: size ..., exceeds
 * total pages", vmalloc_array refuses an overflowing n * size, vmap
 * refuses a free page and an empty or NULL page array, and the
 * node/32-bit/user variants give usable, (where asked) zeroed memory whose
 * frames come from the zones asked for. kmm_check is clean after each step.
 */
#include "kmm_test.h"

#include <kmm/slab.h>
#include <kmm/vmalloc.h>

#include <stdlib.h>
#include <string.h>

static struct test_log log_;

static void test_no_vmalloc_area(void **state)
{
	size_t size = 64u << 20;
	void *mem = aligned_alloc(1u << 22, size);
	kmm_machine *m = NULL;
	struct page *p;
	char err[256], dummy[16];

	(void)state;
	assert_non_null(mem);
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=64M@0 nr_cpus=1 kswapd=0",
					       mem, size, &m, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	test_log_clear(&log_);
	assert_null(kmm_vmalloc(m, 8192));
	assert_true(test_log_contains(&log_, "vmalloc: this machine has no vmalloc area"));
	test_log_clear(&log_);
	kmm_vfree(m, dummy);
	assert_true(test_log_contains(&log_, "vfree: "));
	assert_true(test_log_contains(&log_, "this machine has no vmalloc area"));
	test_log_clear(&log_);
	kmm_vfree_atomic(m, dummy);
	assert_true(test_log_contains(&log_, "vfree_atomic: "));
	test_log_clear(&log_);
	assert_null(kmm_vmap(m, &p, 1, 0));
	assert_true(test_log_contains(&log_, "vmap: this machine has no vmalloc area"));
	test_log_clear(&log_);
	kmm_vunmap(m, dummy);
	assert_true(test_log_contains(&log_, "vunmap: "));
	assert_null(kmm_vmalloc_to_page(m, dummy));
	kmm_vm_unmap_aliases(m);
	/* kvmalloc above kmalloc's reach finds no fallback */
	assert_null(kmm_kvmalloc(m, (size_t)8 << 20, GFP_KERNEL | __GFP_NOWARN));
	kmm_free_pages(m, p, 0);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	free(mem);
}

static void test_vmalloc_variants(void **state)
{
	kmm_machine *m =
		test_boot("mem=256M nr_cpus=2 kswapd=0 kcompactd=0 page_reporting=0", &log_);
	struct page *free_page, *pages[2];
	char *a, *b, *c;

	(void)state;
	test_log_clear(&log_);
	assert_null(kmm_vmalloc(m, 1ul << 40));
	assert_true(
		test_log_contains(&log_, "vmalloc error: size 1099511627776, exceeds total pages"));
	assert_null(kmm_vmalloc_array(m, SIZE_MAX / 2, 4));
	a = kmm_vmalloc_node(m, 3 * kmm_page_size(m), 0);
	assert_non_null(a);
	memset(a, 1, 3 * kmm_page_size(m));
	b = kmm_vmalloc_32_user(m, 2 * kmm_page_size(m));
	assert_non_null(b);
	for (size_t i = 0; i < 2 * kmm_page_size(m); i += 256)
		assert_int_equal(b[i], 0);
	for (int i = 0; i < 2; i++) {
		struct page *pg = kmm_vmalloc_to_page(m, b + i * kmm_page_size(m));

		assert_non_null(pg);
		assert_true(kmm_page_zonenum(m, pg) <= KMM_ZONE_DMA32);
	}
	c = kmm_vmalloc_array(m, 100, 100);
	assert_non_null(c);
	c[9999] = 5;
	/* vmap of a free page, of nothing */
	free_page = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(free_page);
	pages[0] = kmm_vmalloc_to_page(m, a);
	pages[1] = free_page;
	kmm_free_pages(m, free_page, 0);
	test_log_clear(&log_);
	assert_null(kmm_vmap(m, pages, 2, 0));
	assert_true(test_log_contains(&log_, "vmap: page 1"));
	assert_true(test_log_contains(&log_, "is not an allocated page"));
	assert_null(kmm_vmap(m, pages, 0, 0));
	assert_null(kmm_vmap(m, NULL, 1, 0));
	assert_null(kmm_vmap(NULL, pages, 1, 0));
	assert_int_equal((unsigned char)a[0], 1);
	assert_consistent(m, &log_);
	kmm_vfree(m, a);
	kmm_vfree(m, b);
	kmm_vfree(m, c);
	kmm_vfree_atomic(m, NULL);
	kmm_vm_unmap_aliases(m);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_vmalloc_area),
		cmocka_unit_test(test_vmalloc_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
