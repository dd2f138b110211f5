/* SPDX-License-Identifier: MIT */
/*
 * tests/test_kswapd.c - kswapd as a real thread per node: woken below the
 * low watermark, it shrinks a program's own cache until the node is back
 * above high, before any allocation has to reclaim; a program allocating
 * far past the machine's memory keeps going; a node with nothing to
 * reclaim becomes hopeless after MAX_RECLAIM_RETRIES runs; a fragmenting
 * fallback boosts the watermark and kswapd takes the boost away again;
 * kswapd=0 runs none. Every wait is on a condition with a timeout.
 */
#include "kmm_test.h"
#include "reclaim_test.h"

#include <kmm/slab.h>
#include <string.h>

#include "reclaim/reclaim.h"

static struct test_log log_;

#define ONE_ZONE "memmap=exactmap memmap=64M@16M nr_cpus=2 pcp=0 page_reporting=0"

static unsigned long dma32_free(kmm_machine *m)
{
	return kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32);
}

static void test_kswapd_shrinks_user_cache_before_anyone_blocks(void **state)
{
	kmm_machine *m = test_boot(ONE_ZONE " watermark_boost_factor=0", &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct zone *z = rt_zone(m, 0, KMM_ZONE_DMA32);
	struct user_cache *c = uc_create(m, 1 << 16, 0, DEFAULT_SEEKS);
	struct kmm_kswapd_info ki;
	unsigned long stalls;

	(void)state;
	assert_int_equal(kmm_kswapd_info(m, 0, &ki), KMM_OK);
	assert_true(ki.running);
	stalls = rt_allocstalls(m);
	/*
	 * Fill the program's cache until the zone is below low, without
	 * waking kswapd (the slow path serves these at min, no reclaim).
	 */
	while (dma32_free(m) >= low_wmark_pages(z))
		assert_true(uc_add(c, GFP_KERNEL & ~__GFP_KSWAPD_RECLAIM));
	assert_true(dma32_free(m) > min_wmark_pages(z));
	assert_int_equal(kmm_kswapd_info(m, 0, &ki), KMM_OK);
	assert_int_equal(ki.runs, 0);
	/* one ordinary allocation below low wakes kswapd: it shrinks the cache back to high */
	assert_true(uc_add(c, GFP_KERNEL));
	assert_true(wait_until(dma32_free(m) >= high_wmark_pages(z), 10000));
	assert_int_equal(kmm_kswapd_info(m, 0, &ki), KMM_OK);
	assert_true(ki.runs > 0);
	assert_true(ki.reclaimed > 0);
	assert_true(rt_event(m, PGSTEAL_KSWAPD) > 0);
	assert_true(rt_event(m, PAGEOUTRUN) > 0);
	assert_true(uc_freed(c) > 0);
	/* no allocation had to reclaim directly */
	assert_int_equal(rt_allocstalls(m), stalls);
	assert_int_equal(rt_event(m, PGSTEAL_DIRECT), 0);
	uc_destroy(c);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_allocating_past_memory_with_a_shrinker_backed_cache(void **state)
{
	kmm_machine *m = test_boot(ONE_ZONE, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct zone *z = rt_zone(m, 0, KMM_ZONE_DMA32);
	long total = (long)z->managed_pages * 3;
	struct user_cache *c = uc_create(m, total, 0, DEFAULT_SEEKS);

	(void)state;
	for (long i = 0; i < total; i++)
		assert_true(uc_add(c, GFP_KERNEL));
	/* three machines' worth of allocations, none failed: reclaim kept memory coming */
	assert_true(uc_freed(c) >= (unsigned long)(total - (long)z->managed_pages));
	assert_int_equal(rt_event(m, OOM_KILL), 0);
	assert_int_equal(rt_event(m, PGALLOC_FAIL), 0);
	assert_true(rt_event(m, PGSTEAL_KSWAPD) + rt_event(m, PGSTEAL_DIRECT) > 0);
	assert_true(rt_event(m, SLABS_SCANNED) > 0);
	assert_false(test_log_contains(&log_, "page allocation failure"));
	/* kswapd brings the node back above high once the program stops */
	assert_true(wait_until(dma32_free(m) >= high_wmark_pages(z), 10000));
	uc_destroy(c);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_hopeless_node_after_max_reclaim_retries(void **state)
{
	kmm_machine *m = test_boot(ONE_ZONE, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct zone *z = rt_zone(m, 0, KMM_ZONE_DMA32);
	struct page **held = calloc(20000, sizeof(*held));
	struct kmm_kswapd_info ki;
	int n = 0;

	(void)state;
	/* below low with nothing reclaimable: kswapd runs, frees nothing, runs again ... */
	while (dma32_free(m) >= low_wmark_pages(z))
		assert_non_null(held[n++] = kmm_alloc_pages(m, GFP_KERNEL, 0));
	assert_true(wait_until((kmm_kswapd_info(m, 0, &ki), ki.failures >= MAX_RECLAIM_RETRIES),
			       20000));
	/* ... until it gives up and sleeps: no more runs, however often it is woken */
	assert_true(wait_until((kmm_kswapd_info(m, 0, &ki), ki.sleeps > 0), 10000));
	{
		unsigned long runs;

		kmm_kswapd_info(m, 0, &ki);
		runs = ki.runs;
		for (int i = 0; i < 20; i++) {
			struct page *p = kmm_alloc_pages(m, GFP_NOWAIT | __GFP_NOWARN, 0);

			if (p)
				held[n++] = p;
		}
		kmm_kswapd_info(m, 0, &ki);
		assert_int_equal(ki.runs, runs);
	}
	test_log_clear(&log_);
	kmm_show_mem(m);
	assert_true(test_log_contains(&log_, "all_unreclaimable? yes"));
	{
		char *zi = test_report(m, KMM_REPORT_ZONEINFO);

		assert_non_null(strstr(zi, "\n  node_unreclaimable:  1\n"));
		free(zi);
	}
	/* reclaim that makes progress clears it (shrink_node) */
	{
		struct user_cache *c = uc_create(m, 64, 0, 0);

		pthread_mutex_lock(&c->lock);
		while (n > 0 && c->n < 64)
			c->pages[c->n++] = held[--n];
		pthread_mutex_unlock(&c->lock);
		assert_true(shrink_node(m, 0, GFP_KERNEL, 0, NULL) +
				    shrink_node(m, 0, GFP_KERNEL, 0, NULL) >
			    0);
		kmm_kswapd_info(m, 0, &ki);
		assert_int_equal(ki.failures, 0);
		{
			char *zi = test_report(m, KMM_REPORT_ZONEINFO);

			assert_null(strstr(zi, "node_unreclaimable:  1"));
			free(zi);
		}
		uc_destroy(c);
	}
	while (n > 0)
		kmm_free_pages(m, held[--n], 0);
	free(held);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_watermark_boost_and_kswapd_removes_it(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2 pcp=0 page_reporting=0", &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct zone *z = rt_zone(m, 0, KMM_ZONE_DMA32);
	struct page *p;
	bool boosted;

	(void)state;
	/* what a fragmenting fallback does (buddy.c): boost, and flag the zone for a wakeup */
	kmm_spin_lock(&z->lock);
	boosted = boost_watermark(m, z);
	if (boosted)
		WRITE_ONCE(z->boosted_wmark, true);
	kmm_spin_unlock(&z->lock);
	assert_true(boosted);
	assert_true(READ_ONCE(z->watermark_boost) > 0);
	/* the next allocation from the zone wakes kswapd, although the node is balanced */
	assert_non_null(p = kmm_alloc_pages(m, GFP_KERNEL, 0));
	assert_true(wait_until(READ_ONCE(z->watermark_boost) == 0, 10000));
	assert_true(rt_event(m, PAGEOUTRUN) > 0);
	kmm_free_pages(m, p, 0);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_boost_watermark_rule(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=1 pcp=0 kswapd=0", &log_);
	kmm_machine *off = test_boot("mem=1G nr_cpus=1 pcp=0 watermark_boost_factor=0", NULL);
	kmm_machine *tiny =
		test_boot("memmap=exactmap memmap=16M@16M page_size=16K nr_cpus=1 kswapd=0", NULL);
	struct zone *z = rt_zone(m, 0, KMM_ZONE_DMA32), *oz = rt_zone(off, 0, KMM_ZONE_DMA32);
	struct zone *tz = rt_zone(tiny, 0, KMM_ZONE_DMA32);
	unsigned long max_boost = z->_watermark[WMARK_HIGH] * 15000 / 10000;

	(void)state;
	if (max_boost < 512)
		max_boost = 512;
	/* no kswapd: nothing would ever remove a boost, so there is none */
	kmm_spin_lock(&z->lock);
	assert_false(boost_watermark(m, z));
	kmm_spin_unlock(&z->lock);
	/* as if a kswapd served the node: a pageblock per fallback, up to factor/10000 of high */
	__atomic_store_n(&reclaim_node(m, 0)->running, true, __ATOMIC_RELEASE);
	kmm_spin_lock(&z->lock);
	assert_true(boost_watermark(m, z));
	assert_int_equal(z->watermark_boost, 512);
	for (int i = 0; i < 100; i++)
		boost_watermark(m, z);
	assert_int_equal(z->watermark_boost, max_boost);
	z->watermark_boost = 0;
	kmm_spin_unlock(&z->lock);
	__atomic_store_n(&reclaim_node(m, 0)->running, false, __ATOMIC_RELEASE);
	/* watermark_boost_factor=0: never; a zone under 4 pageblocks: never */
	kmm_spin_lock(&oz->lock);
	assert_false(boost_watermark(off, oz));
	kmm_spin_unlock(&oz->lock);
	__atomic_store_n(&reclaim_node(tiny, 0)->running, true, __ATOMIC_RELEASE);
	kmm_spin_lock(&tz->lock);
	assert_false(boost_watermark(tiny, tz));
	kmm_spin_unlock(&tz->lock);
	__atomic_store_n(&reclaim_node(tiny, 0)->running, false, __ATOMIC_RELEASE);
	kmm_machine_destroy(m);
	kmm_machine_destroy(off);
	kmm_machine_destroy(tiny);
}

static void test_kswapd_key_and_per_node_threads(void **state)
{
	kmm_machine *m = test_boot("mem=2G nr_cpus=2 numa=fake=2 kswapd=0", &log_);
	kmm_machine *on = test_boot("mem=2G nr_cpus=2 numa=fake=2", &log_);
	struct kmm_kswapd_info ki;

	(void)state;
	for (int nid = 0; nid < 2; nid++) {
		assert_int_equal(kmm_kswapd_info(m, nid, &ki), KMM_OK);
		assert_false(ki.running);
		assert_int_equal(kmm_kswapd_info(on, nid, &ki), KMM_OK);
		assert_true(ki.running);
	}
	assert_int_equal(kmm_kswapd_info(on, 2, &ki), KMM_EINVAL);
	assert_int_equal(kmm_kswapd_info(on, -1, &ki), KMM_EINVAL);
	assert_string_equal(kmm_machine_cmdline(m), "mem=2G nr_cpus=2 numa=fake=2 kswapd=0");
	assert_consistent(m, &log_);
	assert_consistent(on, &log_);
	kmm_machine_destroy(m);
	kmm_machine_destroy(on);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kswapd_shrinks_user_cache_before_anyone_blocks),
		cmocka_unit_test(test_allocating_past_memory_with_a_shrinker_backed_cache),
		cmocka_unit_test(test_hopeless_node_after_max_reclaim_retries),
		cmocka_unit_test(test_watermark_boost_and_kswapd_removes_it),
		cmocka_unit_test(test_boost_watermark_rule),
		cmocka_unit_test(test_kswapd_key_and_per_node_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
