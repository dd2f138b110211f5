/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reclaim.c - direct reclaim reaches the slab shrinker: when
 * the only free memory left is held in a cache's empty slabs, an
 * allocation that may block shrinks them and succeeds, one that may not
 * block fails, and both leave the machine consistent.
 */
#include "kmm_test.h"
#include "slab/slab.h"

#include <stdlib.h>

#include <kmm/slab.h>

#include "machine.h"

static struct test_log log_;

static void test_shrinker_rescues_blocking_allocation(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=64M@0 nr_cpus=1 pcp=0 kswapd=0", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "reclaimable", 2048, 0, 0, NULL);
	enum { OBJS = 4000 };
	void **obj = calloc(OBJS, sizeof(*obj));
	struct page **held = calloc(20000, sizeof(*held));
	unsigned long stalls, free_before_free;
	struct page *p, *q;
	int n = 0;

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < OBJS; i++)
		assert_non_null(obj[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL));
	free_before_free = test_free_pages(m);
	for (int i = 0; i < OBJS; i++)
		kmm_kmem_cache_free(m, s, obj[i]);
	/* min_partial: a few emptied slabs stay in the cache, the rest go back at once */
	assert_true(s->node[0].nr_free > 0 && s->node[0].nr_free <= s->min_partial);
	assert_true(test_free_pages(m) > free_before_free + 1000);
	/* take every page an allocation that cannot reclaim may have */
	while (n < 20000 && (p = kmm_alloc_pages(m, GFP_NOWAIT | __GFP_NOWARN, 0)) != NULL)
		held[n++] = p;
	assert_null(kmm_alloc_pages(m, GFP_NOWAIT | __GFP_NOWARN, 0));
	/* a blocking request reclaims: the shrinker gives the empty slabs back */
	stalls = m->events[ALLOCSTALL_NORMAL];
	q = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(q);
	assert_true(m->events[ALLOCSTALL_NORMAL] > stalls);
	/* what the cache kept was given back */
	assert_int_equal(s->node[0].nr_free, 0);
	kmm_free_pages(m, q, 0);
	while (n-- > 0)
		kmm_free_pages(m, held[n], 0);
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	assert_consistent(m, &log_);
	free(obj);
	free(held);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shrinker_rescues_blocking_allocation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
