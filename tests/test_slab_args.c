/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_args.c - struct kmm_kmem_cache_args seen from inside the
 * cache (kmm_kmem_cache_create_args, the instance form of 6.18's
 * __kmem_cache_create_args): the alignment, the free pointer's offset and
 * the stride it saves, the usercopy region kept or dropped, the per-CPU
 * array sized by sheaf_capacity, min_partial from the stride, and that a
 * refused create changes nothing.
 */
#include "kmm_test.h"
#include <stdlib.h>
#include <string.h>

#include "slab/slab.h"

static struct test_log log_;

struct rcu_obj {
	unsigned long key;
	unsigned long fp;
	unsigned long payload[5];
};

static void ctor(void *obj)
{
	memset(obj, 0, sizeof(struct rcu_obj));
}

static void test_geometry_from_args(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmm_kmem_cache_args args = { .align = 128 };
	struct kmem_cache *s;

	(void)state;
	s = kmm_kmem_cache_create_args(m, "aligned", 100, &args, 0);
	assert_non_null(s);
	assert_int_equal(s->align, 128);
	assert_int_equal(s->size, 128);
	kmm_kmem_cache_destroy(m, s);
	/* NULL args: every default */
	s = kmm_kmem_cache_create_args(m, "defaults", 100, NULL, 0);
	assert_non_null(s);
	assert_int_equal(s->align, sizeof(void *));
	assert_null(s->ctor);
	assert_int_equal(s->usersize, 0);
	kmm_kmem_cache_destroy(m, s);
	/* the classic call is the args call with align and ctor */
	s = kmm_kmem_cache_create(m, "classic", sizeof(struct rcu_obj), 32, 0, ctor);
	assert_int_equal(s->align, 32);
	assert_ptr_equal(s->ctor, ctor);
	kmm_kmem_cache_destroy(m, s);
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

static void test_freeptr_geometry(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmm_kmem_cache_args args = {
		.freeptr_offset = offsetof(struct rcu_obj, fp),
		.use_freeptr_offset = true,
	};
	struct kmem_cache *in, *out, *ctored;

	(void)state;
	in = kmm_kmem_cache_create_args(m, "in", sizeof(struct rcu_obj), &args,
					SLAB_TYPESAFE_BY_RCU);
	out = kmm_kmem_cache_create_args(m, "out", sizeof(struct rcu_obj), NULL,
					 SLAB_TYPESAFE_BY_RCU);
	assert_int_equal(in->offset, offsetof(struct rcu_obj, fp));
	assert_int_equal(in->size, sizeof(struct rcu_obj));
	assert_int_equal(out->offset, sizeof(struct rcu_obj));
	assert_int_equal(out->size, sizeof(struct rcu_obj) + sizeof(void *));
	/* a constructor needs the object intact: the pointer stays outside (SLUB) */
	args.ctor = ctor;
	ctored = kmm_kmem_cache_create_args(m, "ctored", sizeof(struct rcu_obj), &args,
					    SLAB_TYPESAFE_BY_RCU);
	assert_int_equal(ctored->offset, sizeof(struct rcu_obj));
	kmm_kmem_cache_destroy(m, in);
	kmm_kmem_cache_destroy(m, out);
	kmm_kmem_cache_destroy(m, ctored);
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_usercopy_region(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1", &log_);
	struct kmm_kmem_cache_args args = { .useroffset = 16, .usersize = 40 };
	struct kmem_cache *s;
	static const struct {
		unsigned int off, size;
	} bad[] = { { 4, 0 }, { 90, 20 }, { 0, 101 }, { 100, 1 } };

	(void)state;
	s = kmm_kmem_cache_create_args(m, "uc", 100, &args, 0);
	assert_int_equal(s->useroffset, 16);
	assert_int_equal(s->usersize, 40);
	kmm_kmem_cache_destroy(m, s);
	assert_int_equal(log_.len, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_log_clear(&log_);
		args.useroffset = bad[i].off;
		args.usersize = bad[i].size;
		s = kmm_kmem_cache_create_args(m, "uc_bad", 100, &args, 0);
		assert_non_null(s);
		assert_int_equal(s->useroffset, 0);
		assert_int_equal(s->usersize, 0);
		assert_true(test_log_contains(&log_, "WARNING: __kmem_cache_create_args(uc_bad): "
						     "usercopy region"));
		kmm_kmem_cache_destroy(m, s);
	}
	kmm_machine_destroy(m);
}

static void test_sheaf_capacity(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmm_kmem_cache_args args = { .sheaf_capacity = 7 };
	struct kmem_cache *s = kmm_kmem_cache_create_args(m, "sheaf7", 64, &args, 0);
	struct kmem_cache *d = kmm_kmem_cache_create_args(m, "sheafd", 64, NULL, 0);
	void *p[32];

	(void)state;
	assert_int_equal(s->limit, 7);
	assert_int_equal(s->batchcount, 4);
	assert_int_equal(d->limit, 120);
	test_pin_cpu(0);
	for (int i = 0; i < 32; i++)
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	for (int i = 0; i < 32; i++)
		kmm_kmem_cache_free(m, s, p[i]);
	test_unpin();
	for (int cpu = 0; cpu < kmm_nr_cpus(m); cpu++)
		assert_true(cpu_array(s, m->slab->array_shift, cpu)->avail <= 7);
	/* a huge capacity is clamped to the array's room */
	args.sheaf_capacity = 1u << 20;
	kmm_kmem_cache_destroy(m, s);
	s = kmm_kmem_cache_create_args(m, "sheafbig", 64, &args, 0);
	assert_true(s->limit >= 120 && s->limit < (1u << 16));
	kmm_kmem_cache_destroy(m, s);
	kmm_kmem_cache_destroy(m, d);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_refused_changes_nothing(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 pcp=0", &log_);
	struct kmm_kmem_cache_args args = { .freeptr_offset = 200, .use_freeptr_offset = true };
	unsigned long pages = test_free_pages(m);
	int caches = m->slab->nr_caches;

	(void)state;
	assert_null(kmm_kmem_cache_create_args(m, "bad", 100, &args, SLAB_TYPESAFE_BY_RCU));
	args = (struct kmm_kmem_cache_args){ .align = 3 };
	assert_null(kmm_kmem_cache_create_args(m, "bad", 100, &args, 0));
	args = (struct kmm_kmem_cache_args){ .align = 1u << 20 };
	assert_null(kmm_kmem_cache_create_args(m, "bad", 100, &args, 0));
	assert_null(kmm_kmem_cache_create_args(m, "", 100, NULL, 0));
	assert_int_equal(m->slab->nr_caches, caches);
	assert_int_equal(test_free_pages(m), pages);
	assert_true(
		test_log_contains(&log_, "__kmem_cache_create_args(bad) failed with error -22"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_from_args),
		cmocka_unit_test(test_freeptr_geometry),
		cmocka_unit_test(test_usercopy_region),
		cmocka_unit_test(test_sheaf_capacity),
		cmocka_unit_test(test_refused_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
