/* SPDX-License-Identifier: MIT */
/*
 * tests/test_kmalloc.c - the kmalloc family (slab/kmalloc.c): every size
 * class boundary (8, 9, 96, 97, 192, 193, 8192, 8193, 4 MiB, 4 MiB + 1),
 * kmalloc(0) and ZERO_SIZE_PTR, kfree(NULL), overflow in kmalloc_array and
 * kcalloc, krealloc growing and shrinking (in place while ksize allows),
 * kmemdup / kstrdup / kstrndup / kmemdup_nul, the dma- and rcl- families,
 * large kmallocs as compound pages (test_kmalloc_linux.c has the kernel's
 * names).
 */
#include "kmm_test.h"

#include <stdlib.h>
#include <string.h>

#include "slab/slab.h"
#include <kmm/slab.h>

static struct test_log log_;

/* The cache a kmalloc'd pointer came from (NULL: a large kmalloc). */
static const char *cache_of(kmm_machine *m, const void *p)
{
	struct page *head = kmm_compound_head(m, kmm_virt_to_page(m, p));
	struct kmem_cache *s = page_slab_cache(head);

	return s ? s->name : NULL;
}

static void check_class(kmm_machine *m, size_t size, const char *cache, size_t ksize)
{
	unsigned char *p = kmm_kmalloc(m, size, GFP_KERNEL);

	assert_non_null(p);
	if (cache)
		assert_string_equal(cache_of(m, p), cache);
	else
		assert_null(cache_of(m, p));
	assert_int_equal(kmm_ksize(m, p), ksize);
	memset(p, 0x5c, size); /* the whole request is usable */
	kmm_kfree(m, p);
}

static void test_size_boundaries(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2", &log_);

	(void)state;
	check_class(m, 1, "kmalloc-8", 8);
	check_class(m, 8, "kmalloc-8", 8);
	check_class(m, 9, "kmalloc-16", 16);
	check_class(m, 64, "kmalloc-64", 64);
	check_class(m, 65, "kmalloc-96", 96);
	check_class(m, 96, "kmalloc-96", 96);
	check_class(m, 97, "kmalloc-128", 128);
	check_class(m, 128, "kmalloc-128", 128);
	check_class(m, 129, "kmalloc-192", 192);
	check_class(m, 192, "kmalloc-192", 192);
	check_class(m, 193, "kmalloc-256", 256);
	check_class(m, 1000, "kmalloc-1k", 1024);
	check_class(m, 4096, "kmalloc-4k", 4096);
	check_class(m, 8192, "kmalloc-8k", 8192);
	/* above two pages: the page allocator, compound pages */
	check_class(m, 8193, NULL, 16384);
	check_class(m, 4u << 20, NULL, 4u << 20);
	assert_int_equal(log_.len, 0);
	{
		void *p = kmm_kmalloc(m, 8193, GFP_KERNEL);
		struct page *head = kmm_virt_to_page(m, p);

		assert_int_equal((uintptr_t)p % kmm_page_size(m), 0);
		assert_int_equal(kmm_compound_order(m, head), 2);
		assert_ptr_equal(kmm_compound_head(m, kmm_virt_to_page(m, (char *)p + 12288)),
				 head);
		kmm_kfree(m, p);
	}
	/* 4 MiB + 1 is above order 10: refused, with a warning */
	assert_null(kmm_kmalloc(m, (4u << 20) + 1, GFP_KERNEL));
	assert_true(test_log_contains(&log_, "kmalloc: 4194305 bytes is above KMALLOC_MAX_SIZE "
					     "(4194304 bytes, order 10): allocation refused"));
	test_log_clear(&log_);
	assert_null(kmm_kmalloc(m, (4u << 20) + 1, GFP_KERNEL | __GFP_NOWARN));
	assert_null(kmm_kmalloc(m, (size_t)-1, GFP_KERNEL | __GFP_NOWARN));
	assert_int_equal(log_.len, 0);
	assert_int_equal(kmm_kmalloc_max_size(m), 4u << 20);
	assert_int_equal(kmm_kmalloc_max_cache_size(m), 8192);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* With 64K pages the classes go up to two pages: kmalloc-128k. */
static void test_size_classes_64k_pages(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 page_size=64K", &log_);

	(void)state;
	check_class(m, 8, "kmalloc-8", 8);
	check_class(m, 8193, "kmalloc-16k", 16384);
	check_class(m, 131072, "kmalloc-128k", 131072);
	check_class(m, 131073, NULL, 262144);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_zero_and_null(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);

	(void)state;
	assert_ptr_equal(kmm_kmalloc(m, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	assert_ptr_equal(ZERO_SIZE_PTR, (void *)16);
	assert_true(ZERO_OR_NULL_PTR(NULL));
	assert_true(ZERO_OR_NULL_PTR(ZERO_SIZE_PTR));
	kmm_kfree(m, NULL);
	kmm_kfree(m, ZERO_SIZE_PTR);
	kmm_kfree_sensitive(m, NULL);
	assert_int_equal(kmm_ksize(m, NULL), 0);
	assert_int_equal(kmm_ksize(m, ZERO_SIZE_PTR), 0);
	assert_ptr_equal(kmm_kmalloc_array(m, 0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_array_overflow(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);
	unsigned char *p;

	(void)state;
	assert_null(kmm_kmalloc_array(m, SIZE_MAX / 2, 3, GFP_KERNEL));
	assert_null(kmm_kmalloc_array(m, (size_t)1 << 33, (size_t)1 << 31, GFP_KERNEL));
	assert_int_equal(log_.len, 0); /* overflow is quiet, as in Linux */
	p = kmm_kmalloc_array(m, 10, 30, GFP_KERNEL | __GFP_ZERO);
	assert_non_null(p);
	for (int i = 0; i < 300; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(kmm_ksize(m, p), 512);
	kmm_kfree(m, p);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_krealloc(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);
	char *p, *q;

	(void)state;
	/* krealloc(NULL) is kmalloc */
	p = kmm_krealloc(m, NULL, 20, GFP_KERNEL);
	assert_string_equal(cache_of(m, p), "kmalloc-32");
	strcpy(p, "0123456789abcdefghi");
	/* growing within ksize stays in place */
	q = kmm_krealloc(m, p, 32, GFP_KERNEL);
	assert_ptr_equal(p, q);
	/* growing beyond moves and copies */
	q = kmm_krealloc(m, p, 100, GFP_KERNEL);
	assert_ptr_not_equal(p, q);
	assert_string_equal(q, "0123456789abcdefghi");
	assert_string_equal(cache_of(m, q), "kmalloc-128");
	/* shrinking stays in place; __GFP_ZERO clears the tail */
	memset(q + 20, 0x7f, 108);
	p = kmm_krealloc(m, q, 10, GFP_KERNEL | __GFP_ZERO);
	assert_ptr_equal(p, q);
	assert_int_equal(memcmp(p, "0123456789", 10), 0);
	for (int i = 10; i < 128; i++)
		assert_int_equal(p[i], 0);
	/* into a large kmalloc and back */
	q = kmm_krealloc(m, p, 100000, GFP_KERNEL);
	assert_null(cache_of(m, q));
	assert_int_equal(memcmp(q, "0123456789", 10), 0);
	p = kmm_krealloc(m, q, 50000, GFP_KERNEL);
	assert_ptr_equal(p, q);
	/* krealloc(p, 0) frees and returns ZERO_SIZE_PTR */
	assert_ptr_equal(kmm_krealloc(m, p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	/* a failed krealloc leaves the original alone */
	p = kmm_kmalloc(m, 64, GFP_KERNEL);
	strcpy(p, "keep");
	assert_null(kmm_krealloc(m, p, (size_t)64 << 20, GFP_KERNEL | __GFP_NOWARN));
	assert_string_equal(p, "keep");
	kmm_kfree(m, p);
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_dup_family(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);
	const char *src = "hello, kernel";
	char *p;

	(void)state;
	p = kmm_kstrdup(m, src, GFP_KERNEL);
	assert_string_equal(p, src);
	assert_ptr_not_equal(p, src);
	kmm_kfree(m, p);
	assert_null(kmm_kstrdup(m, NULL, GFP_KERNEL));
	p = kmm_kstrndup(m, src, 5, GFP_KERNEL);
	assert_string_equal(p, "hello");
	kmm_kfree(m, p);
	p = kmm_kstrndup(m, src, 100, GFP_KERNEL);
	assert_string_equal(p, src);
	kmm_kfree(m, p);
	p = kmm_kmemdup(m, src, 5, GFP_KERNEL);
	assert_int_equal(memcmp(p, "hello", 5), 0);
	kmm_kfree(m, p);
	p = kmm_kmemdup_nul(m, src, 5, GFP_KERNEL);
	assert_string_equal(p, "hello");
	kmm_kfree_sensitive(m, p);
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_families(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	void *p;

	(void)state;
	p = kmm_kmalloc(m, 100, GFP_DMA);
	assert_string_equal(cache_of(m, p), "dma-kmalloc-128");
	assert_int_equal(kmm_page_zonenum(m, kmm_virt_to_page(m, p)), KMM_ZONE_DMA);
	kmm_kfree(m, p);
	p = kmm_kmalloc(m, 100, GFP_KERNEL | __GFP_RECLAIMABLE);
	assert_string_equal(cache_of(m, p), "kmalloc-rcl-128");
	kmm_kfree(m, p);
	/* kmalloc cannot honour DMA32: it warns and uses a normal cache (kmalloc_fix_flags) */
	p = kmm_kmalloc(m, 100, GFP_KERNEL | GFP_DMA32);
	assert_string_equal(cache_of(m, p), "kmalloc-128");
	kmm_kfree(m, p);
	/* large kmallocs honour DMA */
	p = kmm_kmalloc(m, 20000, GFP_DMA);
	assert_int_equal(kmm_page_zonenum(m, kmm_virt_to_page(m, p)), KMM_ZONE_DMA);
	kmm_kfree(m, p);
	/* kfree of any slab object works, whatever cache it came from */
	{
		struct kmem_cache *s = kmm_kmem_cache_create(m, "any", 48, 0, 0, NULL);

		kmm_kfree(m, kmm_kmem_cache_alloc(m, s, GFP_KERNEL));
		kmm_kmem_cache_destroy(m, s);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Many sizes, many objects, cookies intact, then everything back. */
static void test_mixed_sizes(void **state)
{
	kmm_machine *m = test_boot("mem=512M nr_cpus=2 pcp=0", &log_);
	enum { N = 20000 };
	struct obj {
		unsigned char *p;
		size_t size;
	} *o = calloc(N, sizeof(*o));
	uint64_t seed = 42;
	unsigned long free_before;

	(void)state;
	kmm_slab_shrink_all(m);
	free_before = test_free_pages(m);
	for (int i = 0; i < N; i++) {
		o[i].size = 1 + test_rand(&seed) % (test_rand(&seed) % 4 ? 512 : 20000);
		o[i].p = kmm_kmalloc(m, o[i].size, GFP_KERNEL);
		assert_non_null(o[i].p);
		memset(o[i].p, (int)(i & 0xff), o[i].size);
	}
	for (int i = 0; i < N; i += 3) {
		for (size_t j = 0; j < o[i].size; j += 7)
			assert_int_equal(o[i].p[j], i & 0xff);
		kmm_kfree(m, o[i].p);
		o[i].p = NULL;
	}
	assert_consistent(m, &log_);
	for (int i = 0; i < N; i++)
		if (o[i].p) {
			for (size_t j = 0; j < o[i].size; j += 5)
				assert_int_equal(o[i].p[j], i & 0xff);
			kmm_kfree(m, o[i].p);
		}
	kmm_slab_shrink_all(m);
	assert_int_equal(test_free_pages(m), free_before);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	free(o);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_boundaries),
		cmocka_unit_test(test_size_classes_64k_pages),
		cmocka_unit_test(test_zero_and_null),
		cmocka_unit_test(test_array_overflow),
		cmocka_unit_test(test_krealloc),
		cmocka_unit_test(test_dup_family),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_mixed_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
