/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_repair.c - what SLUB's debug free path does with a slab
 * whose freelist was damaged behind its back (slab_debug=F): a free pointer
 * outside the slab cuts the chain ("Freepointer corrupt", the rest written
 * off as in use), a cycle clears the freelist, an in-use count that
 * disagrees is adjusted ("Wrong object count"), and a damaged free pointer
 * met at allocation is reset. Each repair is reported in SLUB's words and
 * leaves the allocator consistent (kmm_check clean), with the object that
 * was being freed either freed or reported. Also: the strided freelist
 * that slab_freelist_random=1 uses for slabs of more than 1024 objects.
 */
#include "kmm_test.h"

#include <string.h>

#include "machine.h"
#include "slab/slab.h"

#include <kmm/slab.h>

static struct test_log log_;

struct rig {
	kmm_machine *m;
	struct kmem_cache *s;
	void *obj[4];
	struct page *page;
};

/* A fresh slab with objects 0..3 allocated and 0 freed again (the freelist head). */
static void rig_up(struct rig *r)
{
	r->m = test_boot("mem=64M nr_cpus=1 slab_debug=F", &log_);
	r->s = kmm_kmem_cache_create(r->m, "repair", 64, 0, 0, NULL);
	assert_non_null(r->s);
	for (int i = 0; i < 4; i++)
		r->obj[i] = kmm_kmem_cache_alloc(r->m, r->s, GFP_KERNEL);
	r->page = kmm_virt_to_page(r->m, r->obj[0]);
	assert_ptr_equal(kmm_virt_to_page(r->m, r->obj[1]), r->page);
	kmm_kmem_cache_free(r->m, r->s, r->obj[0]);
	assert_ptr_equal(slab_object(r->s, r->page, r->page->u.slab.freelist), r->obj[0]);
	assert_int_equal(kmm_check(r->m), 0);
	test_log_clear(&log_);
}

static void rig_down(struct rig *r)
{
	if (kmm_check(r->m) != 0)
		fail_msg("inconsistent after the repair:\n%s", log_.buf);
	kmm_machine_destroy(r->m);
}

static void test_free_pointer_out_of_slab(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r);
	set_freepointer(r.s, r.obj[0], (char *)r.obj[0] + 8); /* inside, not an object */
	kmm_kmem_cache_free(r.m, r.s, r.obj[1]);
	assert_true(test_log_contains(&log_, "Freepointer corrupt"));
	assert_true(test_log_contains(&log_, "Isolate corrupted freechain"));
	rig_down(&r);
}

static void test_free_pointer_cycle(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r);
	set_freepointer(r.s, r.obj[0], r.obj[0]);
	kmm_kmem_cache_free(r.m, r.s, r.obj[1]);
	assert_true(test_log_contains(&log_, "Freelist cleared"));
	rig_down(&r);
}

static void test_wrong_object_count(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r);
	/* the counters think one more object is free than the freelist holds (a lost link) */
	r.page->u.slab.inuse--;
	get_node(r.s, 0)->free_objects++;
	kmm_kmem_cache_free(r.m, r.s, r.obj[2]);
	assert_true(test_log_contains(&log_, "Wrong object count"));
	assert_true(test_log_contains(&log_, "Object count adjusted"));
	rig_down(&r);
}

static void test_free_pointer_reset_at_alloc(void **state)
{
	struct rig r;
	void *p;

	(void)state;
	rig_up(&r);
	/* the head's successor pointer leaves the slab: the allocation notices */
	set_freepointer(r.s, r.obj[0], (char *)r.obj[0] + (1 << 20));
	p = kmm_kmem_cache_alloc(r.m, r.s, GFP_KERNEL);
	assert_true(test_log_contains(&log_, "Freepointer corrupt"));
	if (p)
		kmm_kmem_cache_free(r.m, r.s, p);
	rig_down(&r);
}

/* slab_freelist_random=1 with more than 1024 objects per slab: a random stride. */
static void test_strided_random_freelist(void **state)
{
	kmm_machine *m =
		test_boot("mem=256M nr_cpus=1 page_size=64K slab_freelist_random=1", &log_);
	enum { N = 3000 };
	static void *objs[N];
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	bool ascending = true;

	(void)state;
	for (int i = 0; i < N; i++) {
		objs[i] = kmm_kmalloc(m, 8, GFP_KERNEL);
		assert_non_null(objs[i]);
		memset(objs[i], 0x11, 8);
		if (i && objs[i] < objs[i - 1])
			ascending = false;
		lo = MIN(lo, (uintptr_t)objs[i]);
		hi = MAX(hi, (uintptr_t)objs[i]);
	}
	assert_false(ascending); /* shuffled, not address order */
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N && j < i + 64; j++)
			assert_ptr_not_equal(objs[i], objs[j]);
	assert_int_equal(kmm_check(m), 0);
	for (int i = 0; i < N; i++)
		kmm_kfree(m, objs[i]);
	assert_false(test_log_contains(&log_, "BUG"));
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_pointer_out_of_slab),
		cmocka_unit_test(test_free_pointer_cycle),
		cmocka_unit_test(test_wrong_object_count),
		cmocka_unit_test(test_free_pointer_reset_at_alloc),
		cmocka_unit_test(test_strided_random_freelist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
