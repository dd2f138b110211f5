/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_api.c - the kernel API surface of 6.18's slab: both forms
 * of kmem_cache_create told apart by _Generic (struct kmem_cache_args *,
 * NULL, the classic five arguments), KMEM_CACHE and KMEM_CACHE_USERCOPY,
 * kmem_cache_zalloc / _alloc_node / _alloc_lru, and what the args do seen
 * from outside: alignment, freeptr_offset really placing the free pointer
 * inside a SLAB_TYPESAFE_BY_RCU object, bad arguments refused as the
 * kernel's -EINVAL. tests/test_slab_args.c checks the geometry inside.
 */
#include "kmm_test.h"
#include <kmm/linux.h>
#include <stdlib.h>
#include <string.h>

static struct test_log log_;

static int setup(void **state)
{
	(void)state;
	if (kmm_default_machine_boot("mem=512M nr_cpus=2 numa=fake=2", NULL, 0))
		return -1;
	kmm_set_log(kmm_default_machine(), test_log_sink, &log_);
	return 0;
}

static int teardown(void **state)
{
	kmm_machine *m = kmm_set_default_machine(NULL);

	(void)state;
	kmm_machine_destroy(m);
	return 0;
}

struct inode_like {
	long ino;
	char name[40];
	int count;
};

struct rcu_obj {
	unsigned long key;
	freeptr_t fp; /* where the free pointer goes while the object is free */
	unsigned long payload[5];
};

static int ctor_runs;

static void ctor(void *obj)
{
	memset(obj, 0x5c, sizeof(struct inode_like));
	ctor_runs++;
}

/* The three forms of kmem_cache_create and the two macros. */
static void test_create_forms(void **state)
{
	struct kmem_cache_args args = { .align = 128 };
	struct kmem_cache *a, *b, *c, *k, *u;
	void *p;

	(void)state;
	test_log_clear(&log_);
	a = kmem_cache_create("args_form", 100, &args, SLAB_ACCOUNT);
	assert_non_null(a);
	{
		void *pa[50];

		for (int i = 0; i < 50; i++) {
			pa[i] = kmem_cache_alloc(a, GFP_KERNEL);
			assert_non_null(pa[i]);
			assert_int_equal((uintptr_t)pa[i] % 128, 0);
		}
		for (int i = 0; i < 50; i++)
			kmem_cache_free(a, pa[i]);
	}

	b = kmem_cache_create("null_form", 100, NULL, 0);
	assert_non_null(b);
	assert_int_equal(kmem_cache_size(b), 100);

	ctor_runs = 0;
	c = kmem_cache_create("classic_form", sizeof(struct inode_like), 0, SLAB_HWCACHE_ALIGN,
			      ctor);
	assert_non_null(c);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	assert_int_equal((uintptr_t)p % 64, 0);
	assert_true(ctor_runs > 0);
	assert_int_equal(((unsigned char *)p)[3], 0x5c);
	kmem_cache_free(c, p);

	k = KMEM_CACHE(inode_like, SLAB_PANIC);
	assert_non_null(k);
	assert_string_equal(kmm_kmem_cache_name(k), "inode_like");
	assert_int_equal(kmem_cache_size(k), sizeof(struct inode_like));
	p = kmem_cache_alloc(k, GFP_KERNEL);
	assert_int_equal((uintptr_t)p % _Alignof(struct inode_like), 0);
	kmem_cache_free(k, p);

	u = KMEM_CACHE_USERCOPY(inode_like, 0, name);
	assert_non_null(u);
	assert_string_equal(kmm_kmem_cache_name(u), "inode_like");
	assert_int_equal(log_.len, 0);

	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	kmem_cache_destroy(c);
	kmem_cache_destroy(k);
	kmem_cache_destroy(u);
	assert_consistent(kmm_default_machine(), &log_);
}

/* kmem_cache_zalloc zeroes, _alloc_node takes the node's pages, _alloc_lru ignores its list. */
static void test_alloc_variants(void **state)
{
	struct kmem_cache *s = KMEM_CACHE(inode_like, 0);
	struct inode_like *o[64];

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < 64; i++) {
		o[i] = kmem_cache_alloc(s, GFP_KERNEL);
		memset(o[i], 0xee, sizeof(*o[i]));
	}
	for (int i = 0; i < 64; i++)
		kmem_cache_free(s, o[i]);
	for (int i = 0; i < 64; i++) {
		o[i] = kmem_cache_zalloc(s, GFP_KERNEL);
		assert_int_equal(o[i]->ino, 0);
		assert_int_equal(o[i]->name[39], 0);
		assert_int_equal(o[i]->count, 0);
	}
	for (int i = 0; i < 64; i++)
		kmem_cache_free(s, o[i]);
	for (int nid = 0; nid < 2; nid++) {
		for (int i = 0; i < 64; i++) {
			o[i] = kmem_cache_alloc_node(s, GFP_KERNEL, nid);
			assert_int_equal(page_to_nid(virt_to_page(o[i])), nid);
		}
		for (int i = 0; i < 64; i++)
			kmem_cache_free(s, o[i]);
	}
	o[0] = kmem_cache_alloc_lru(s, NULL, GFP_KERNEL | __GFP_ZERO);
	assert_non_null(o[0]);
	assert_int_equal(o[0]->count, 0);
	kmem_cache_free(s, o[0]);
	kmem_cache_destroy(s);
	assert_consistent(kmm_default_machine(), &log_);
}

/*
 * freeptr_offset: a TYPESAFE_BY_RCU cache normally keeps the free pointer
 * after the object (one more word per object); with use_freeptr_offset it
 * goes into the field the object reserved, and a free object keeps every
 * other byte, which is what lets RCU readers still check the key.
 */
static void test_freeptr_offset(void **state)
{
	struct kmem_cache_args args = {
		.freeptr_offset = offsetof(struct rcu_obj, fp),
		.use_freeptr_offset = true,
	};
	struct kmem_cache *in, *out;
	struct rcu_obj *o[16], copy[16];

	(void)state;
	in = kmem_cache_create("rcu_in", sizeof(struct rcu_obj), &args, SLAB_TYPESAFE_BY_RCU);
	out = kmem_cache_create("rcu_out", sizeof(struct rcu_obj), NULL, SLAB_TYPESAFE_BY_RCU);
	assert_non_null(in);
	assert_non_null(out);

	for (int i = 0; i < 16; i++) {
		o[i] = kmem_cache_alloc(in, GFP_KERNEL);
		o[i]->key = 1000u + (unsigned)i;
		memset(&o[i]->fp, 0xa1, sizeof(o[i]->fp));
		for (int j = 0; j < 5; j++)
			o[i]->payload[j] = 0x1234567800ul + (unsigned)(i * 5 + j);
		copy[i] = *o[i];
	}
	for (int i = 0; i < 16; i++)
		kmem_cache_free(in, o[i]);
	/* drain the per-CPU arrays: the objects reach their slab's freelist */
	kmm_kmem_cache_shrink(kmm_default_machine(), in);
	for (int i = 0; i < 16; i++) {
		/* the slab is type-stable: still mapped, still this cache's */
		assert_int_equal(o[i]->key, copy[i].key);
		assert_memory_equal(o[i]->payload, copy[i].payload, sizeof(copy[i].payload));
	}
	/* every free object but the last of its chain now holds a free pointer in fp */
	{
		int changed = 0;

		for (int i = 0; i < 16; i++)
			changed += memcmp(&o[i]->fp, &copy[i].fp, sizeof(copy[i].fp)) != 0;
		assert_true(changed >= 15);
	}
	/* and the cache still hands out valid objects from that freelist */
	for (int i = 0; i < 16; i++)
		assert_non_null(o[i] = kmem_cache_alloc(in, GFP_KERNEL));
	for (int i = 0; i < 16; i++)
		kmem_cache_free(in, o[i]);
	kmem_cache_destroy(in);
	kmem_cache_destroy(out);
	assert_consistent(kmm_default_machine(), &log_);
}

/* What the kernel refuses with -EINVAL, refused here with its message; nothing changes. */
static void test_bad_args_refused(void **state)
{
	struct kmem_cache_args args = { .use_freeptr_offset = true };
	struct kmem_cache *s;
	unsigned long free_before = test_free_pages(kmm_default_machine());

	(void)state;
	test_log_clear(&log_);
	args.freeptr_offset = sizeof(struct rcu_obj);
	assert_null(kmem_cache_create("fp_outside", sizeof(struct rcu_obj), &args,
				      SLAB_TYPESAFE_BY_RCU));
	assert_true(test_log_contains(&log_, "__kmem_cache_create_args(fp_outside) failed with "
					     "error -22\nkmm: freeptr_offset outside the object"));
	args.freeptr_offset = 8;
	assert_null(kmem_cache_create("fp_no_rcu", sizeof(struct rcu_obj), &args, 0));
	assert_true(test_log_contains(&log_, "freeptr_offset without SLAB_TYPESAFE_BY_RCU"));
	args.freeptr_offset = 4;
	assert_null(kmem_cache_create("fp_unaligned", sizeof(struct rcu_obj), &args,
				      SLAB_TYPESAFE_BY_RCU));
	assert_true(test_log_contains(&log_, "freeptr_offset not aligned to a pointer"));
	args = (struct kmem_cache_args){ .align = 24 };
	assert_null(kmem_cache_create("align24", 100, &args, 0));
	assert_true(test_log_contains(&log_, "alignment is not a power of two"));
	/* a bad usercopy region is dropped with a warning, the cache is made */
	test_log_clear(&log_);
	args = (struct kmem_cache_args){ .useroffset = 90, .usersize = 20 };
	s = kmem_cache_create("usercopy_bad", 100, &args, 0);
	assert_non_null(s);
	assert_true(test_log_contains(&log_, "usercopy region 90+20 does not fit"));
	kmem_cache_destroy(s);
	/* with a constructor the pointer stays outside, as SLUB keeps it */
	args = (struct kmem_cache_args){ .freeptr_offset = 8,
					 .use_freeptr_offset = true,
					 .ctor = ctor };
	s = kmem_cache_create("fp_ctor", sizeof(struct rcu_obj), &args, SLAB_TYPESAFE_BY_RCU);
	assert_non_null(s);
	kmem_cache_destroy(s);
	kmm_slab_synchronize_rcu(kmm_default_machine());
	assert_int_equal(test_free_pages(kmm_default_machine()), free_before);
	assert_consistent(kmm_default_machine(), &log_);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_forms),
		cmocka_unit_test(test_alloc_variants),
		cmocka_unit_test(test_freeptr_offset),
		cmocka_unit_test(test_bad_args_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
