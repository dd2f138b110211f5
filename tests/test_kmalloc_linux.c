/* SPDX-License-Identifier: MIT */
/*
 * tests/test_kmalloc_linux.c - the slab API under the kernel's names
 * (kmalloc, kfree, krealloc, kcalloc, KMEM_CACHE, kmem_cache_zalloc ...)
 * from <kmm/linux.h>, bound to a machine made the default one. Only public
 * headers: this is how kernel-style code sees kmm.
 */
#include "kmm_test.h"

#include <stdint.h>

#include <kmm/linux.h>

static struct test_log log_;

/* kmalloc, kfree, kmem_cache_create ... as kernel code spells them. */
struct dentry_like {
	long a, b;
	char name[40];
};

static void test_linux_names(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2", &log_);
	kmm_machine *old = kmm_set_default_machine(m);
	struct kmem_cache *cache;
	struct dentry_like *d;
	char *s, *t;
	int *v;

	(void)state;
	s = kmalloc(100, GFP_KERNEL);
	assert_non_null(s);
	assert_int_equal(ksize(s), 128);
	s = krealloc(s, 300, GFP_KERNEL);
	t = kstrdup("linux", GFP_KERNEL);
	assert_string_equal(t, "linux");
	v = kcalloc(16, sizeof(*v), GFP_KERNEL);
	for (int i = 0; i < 16; i++)
		assert_int_equal(v[i], 0);
	assert_null(kmalloc_array(SIZE_MAX, 2, GFP_KERNEL));
	cache = KMEM_CACHE(dentry_like, SLAB_HWCACHE_ALIGN);
	assert_string_equal(kmm_kmem_cache_name(cache), "dentry_like");
	assert_int_equal(kmem_cache_size(cache), sizeof(struct dentry_like));
	d = kmem_cache_zalloc(cache, GFP_KERNEL);
	assert_int_equal(d->a, 0);
	assert_int_equal((uintptr_t)d % 64, 0);
	kmem_cache_free(cache, d);
	assert_int_equal(kmem_cache_shrink(cache), 0);
	kmem_cache_destroy(cache);
	assert_true(KMALLOC_MAX_SIZE == 4u << 20);
	assert_true(KMALLOC_MAX_CACHE_SIZE == 8192);
	kfree(s);
	kfree(t);
	kfree(v);
	kfree(NULL);
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_set_default_machine(old);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
