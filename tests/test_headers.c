/* SPDX-License-Identifier: MIT */
/*
 * tests/test_headers.c - the instance API at run time in a translation unit
 * that brings its own kernel-style gfp.h and slab.h (tests/headers/kernel):
 * with KMM_NO_LINUX_NAMES the program's GFP_KERNEL is its own (0x1 here,
 * which kmm reads as __GFP_DMA) and kmm's bits are spelled KMM_GFP_*.
 * cmake/check_headers.cmake checks the same at compile time in both
 * include orders, and that the clash is caught without the macro.
 */
#include "headers/kernel/linux/slab.h"

#define KMM_NO_LINUX_NAMES
#include "kmm_test.h"
#include <kmm/slab.h>
#include <string.h>

static struct test_log log_;

_Static_assert(sizeof(gfp_t) == sizeof(unsigned long), "the program's gfp_t");

static void test_instance_api_beside_kernel_headers(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmm_kmem_cache_args args = { .align = 64 };
	struct kmem_cache_args theirs = { .align = 8, .sheaf_capacity = 0, .ctor = NULL };
	struct kmem_cache *s;
	struct page *page;
	unsigned char *p;

	(void)state;
	(void)theirs;
	page = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_ZERO, 0);
	assert_non_null(page);
	p = kmm_page_address(m, page);
	assert_int_equal(p[0] | p[4095], 0);
	assert_int_not_equal(kmm_page_zonenum(m, page), KMM_ZONE_DMA);
	kmm_free_pages(m, page, 0);
	/* the program's own GFP_KERNEL (0x1) is kmm's __GFP_DMA: two namespaces, no mixing */
	page = kmm_alloc_pages(m, (kmm_gfp_t)GFP_KERNEL, 0);
	assert_int_equal(kmm_page_zonenum(m, page), KMM_ZONE_DMA);
	kmm_free_pages(m, page, 0);
	s = kmm_kmem_cache_create_args(m, "beside", 100, &args, KMM_SLAB_HWCACHE_ALIGN);
	assert_non_null(s);
	p = kmm_kmem_cache_alloc(m, s, KMM_GFP_KERNEL);
	assert_int_equal((uintptr_t)p % 64, 0);
	kmm_kmem_cache_free(m, s, p);
	kmm_kmem_cache_destroy(m, s);
	assert_ptr_equal(kmm_kmalloc(m, 0, KMM_GFP_KERNEL), KMM_ZERO_SIZE_PTR);
	assert_ptr_equal(ZERO_SIZE_PTR, KMM_ZERO_SIZE_PTR);
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_api_beside_kernel_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
