/* SPDX-License-Identifier: MIT */
/*
 * tests/test_compaction.c - page migration, compaction and contiguous
 * allocation: the movable-ops registry and its misuse, isolation and
 * putback, migrate_pages' modes and counters, compaction regaining order-9
 * blocks by really moving a client's pages (their data checked), the
 * suitability rules (watermark, extfrag_threshold), deferral, skip bits,
 * direct compaction in the slow path, kcompactd woken by kswapd,
 * proactive compaction, alloc_contig_range / alloc_contig_pages /
 * free_contig_range with their misuse, and the CMA area.
 */
#include "kmm_test.h"
#include "movable_client.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compaction/compaction.h"
#include "reclaim/reclaim.h"

static struct test_log log_;

#define QUIET "nr_cpus=1 pcp=0 page_reporting=0 kswapd=0 kcompactd=0"

static unsigned long event(kmm_machine *m, int item)
{
	return __atomic_load_n(&m->events[item], __ATOMIC_RELAXED);
}

/*
 * Fill most of the free memory with client pages, then free 3 of every 4:
 * movable pages scattered over every pageblock, no order-9 block free.
 */
static void scatter(struct mclient *c, uint64_t seed, unsigned long keep_every)
{
	long s;

	while ((s = mclient_alloc(c, seed++, KMM_GFP_NOWARN | KMM_GFP_NORETRY)) >= 0)
		if (c->nr == c->cap)
			break;
	/* a page kcompactd holds right now is freed once it is given back */
	for (size_t i = 0; i < c->nr; i++)
		if (i % keep_every)
			while (!mclient_free(c, i))
				sched_yield();
}

static void test_registry_and_marks(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	static const struct kmm_movable_operations none = { 0 };
	struct mclient c;
	struct page *unmov, *two;
	long s;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 64), 0);
	/* a table without its callbacks is refused */
	test_log_clear(&log_);
	assert_int_equal(kmm_register_movable_ops(m, &none, NULL), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "lacks a callback"));
	s = mclient_alloc(&c, 1, 0);
	assert_true(s >= 0);
	assert_int_equal(kmm_page_movable_ops(m, c.objs[s].page), c.id);
	/* an unmovable page, an order-1 block and an unknown id are refused, unchanged */
	unmov = kmm_alloc_pages(m, KMM_GFP_KERNEL, 0);
	two = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_MOVABLE, 1);
	test_log_clear(&log_);
	assert_int_equal(kmm_page_set_movable_ops(m, unmov, c.id), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "not allocated with __GFP_MOVABLE"));
	assert_int_equal(kmm_page_set_movable_ops(m, two, c.id), KMM_EINVAL);
	assert_int_equal(kmm_page_set_movable_ops(m, unmov, 7), KMM_EINVAL);
	assert_int_equal(kmm_page_movable_ops(m, unmov), 0);
	assert_int_equal(kmm_page_movable_ops(m, two), 0);
	/* marking twice is a bug; unregistering with pages left is refused */
	test_log_clear(&log_);
	assert_int_equal(kmm_page_set_movable_ops(m, c.objs[s].page, c.id), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "already has movable_operations"));
	assert_int_equal(kmm_unregister_movable_ops(m, c.id), KMM_EINVAL);
	assert_int_equal(m->movable[c.id].pages, 1);
	assert_consistent(m, &log_);
	kmm_free_pages(m, unmov, 0);
	kmm_free_pages(m, two, 1);
	/* a free drops the mark and the count: the old frame is a plain free page */
	assert_true(mclient_free(&c, (size_t)s));
	assert_int_equal(m->movable[c.id].pages, 0);
	assert_consistent(m, &log_);
	mclient_destroy(&c);
	kmm_machine_destroy(m);
}

static void test_isolated_page_cannot_be_freed(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	struct mclient c;
	struct page *p;
	long s;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 8), 0);
	s = mclient_alloc(&c, 5, 0);
	p = c.objs[s].page;
	assert_true(isolate_movable_page(m, p, 0));
	assert_int_equal(kmm_page_isolated(m, p), 1);
	/* a second isolation is refused by the owner (busy) */
	assert_false(isolate_movable_page(m, p, 0));
	assert_int_equal(m->compact->nr_isolated, 1);
	assert_consistent(m, &log_);
	/* freeing it now is a bug: reported, nothing changes */
	test_log_clear(&log_);
	kmm_free_pages(m, p, 0);
	assert_true(test_log_contains(&log_, "freeing a page isolated for migration"));
	assert_int_equal(kmm_page_ref_count(m, p), 1);
	assert_int_equal(kmm_page_isolated(m, p), 1);
	assert_int_equal(kmm_page_clear_movable_ops(m, p), KMM_EINVAL);
	assert_consistent(m, &log_);
	putback_movable_page(m, p);
	assert_int_equal(kmm_page_isolated(m, p), 0);
	assert_int_equal(c.putback, 1);
	assert_int_equal(m->compact->nr_isolated, 0);
	assert_true(mclient_verify(&c, (size_t)s));
	assert_consistent(m, &log_);
	mclient_destroy(&c);
	kmm_machine_destroy(m);
}

struct target_pool {
	struct page *pages[64];
	int n, given, returned;
};

static struct page *pool_get(struct kmm_machine *m, struct page *src, void *priv)
{
	struct target_pool *tp = priv;

	(void)m;
	(void)src;
	return tp->given < tp->n ? tp->pages[tp->given++] : NULL;
}

static void pool_put(struct kmm_machine *m, struct page *dst, void *priv)
{
	struct target_pool *tp = priv;

	(void)m;
	tp->returned++;
	tp->pages[--tp->given] = dst;
}

static void test_migrate_pages_modes(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	unsigned long ok0 = event(m, PGMIGRATE_SUCCESS), fail0 = event(m, PGMIGRATE_FAIL);
	struct target_pool tp = { .n = 8 };
	struct migrate_list list = { 0 };
	struct page *old[4];
	unsigned int done = 0;
	struct mclient c;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 8), 0);
	for (int i = 0; i < 4; i++) {
		long s = mclient_alloc(&c, 100 + (uint64_t)i, 0);

		old[i] = c.objs[s].page;
		assert_true(isolate_movable_page(m, old[i], KMM_ISOLATE_ASYNC_MIGRATE));
		list.pfn[list.nr++] = kmm_page_to_pfn(m, old[i]);
	}
	for (int i = 0; i < tp.n; i++)
		tp.pages[i] = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_MOVABLE, 0);
	/* the owner is busy: MIGRATE_ASYNC gets KMM_EAGAIN on its 3 passes and gives up */
	pthread_mutex_lock(&c.lock);
	assert_int_equal(migrate_pages(m, &list, pool_get, pool_put, &tp, KMM_MIGRATE_ASYNC,
				       KMM_MR_COMPACTION, &done),
			 4);
	pthread_mutex_unlock(&c.lock);
	assert_int_equal(done, 0);
	assert_int_equal(list.nr, 4);
	assert_int_equal(event(m, PGMIGRATE_FAIL) - fail0, 4);
	assert_int_equal(tp.returned, 12); /* 4 pages x 3 passes */
	/* a sync migration moves them: the owner follows, the old frames are free */
	assert_int_equal(tp.given, 0);
	assert_int_equal(migrate_pages(m, &list, pool_get, pool_put, &tp, KMM_MIGRATE_SYNC,
				       KMM_MR_COMPACTION, &done),
			 0);
	assert_int_equal(done, 4);
	assert_int_equal(list.nr, 0);
	assert_int_equal(event(m, PGMIGRATE_SUCCESS) - ok0, 4);
	assert_int_equal(c.migrated, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(kmm_page_ref_count(m, old[i]), 0);
		assert_int_equal(kmm_page_movable_ops(m, old[i]), 0);
		assert_ptr_not_equal(c.objs[i].page, old[i]);
	}
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_int_equal(m->compact->nr_isolated, 0);
	for (int i = tp.given; i < tp.n; i++)
		kmm_free_pages(m, tp.pages[i], 0);
	assert_consistent(m, &log_);
	mclient_destroy(&c);
	kmm_machine_destroy(m);
}

/* compact_memory regains order-9 blocks by moving the client's pages; data and marks intact. */
static void test_compact_memory_regains_blocks(void **state)
{
	kmm_machine *m = test_boot("mem=256M " QUIET, &log_);
	struct mclient c;
	unsigned long before, after, migrated;
	long n;
	char *vm;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 80000), 0);
	scatter(&c, 1, 4);
	before = test_order9_free(m);
	n = kmm_compact_memory(m);
	after = test_order9_free(m);
	migrated = event(m, PGMIGRATE_SUCCESS);
	print_message("order-9 free blocks: %lu before, %lu after compaction; %ld pages "
		      "migrated, client %lu live\n",
		      before, after, n, c.live_pages);
	assert_true(n > 1000);
	assert_int_equal((unsigned long)n, migrated);
	assert_int_equal(c.migrated, migrated);
	assert_true(after >= before + 30);
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_true(event(m, COMPACTMIGRATE_SCANNED) > 0 && event(m, COMPACTFREE_SCANNED) > 0);
	assert_true(event(m, COMPACTISOLATED) >= migrated);
	vm = test_report(m, KMM_REPORT_VMSTAT);
	assert_non_null(strstr(vm, "\npgmigrate_success "));
	assert_null(strstr(vm, "\npgmigrate_success 0\n"));
	assert_true(strstr(vm, "\ncompact_migrate_scanned ") <
		    strstr(vm, "\ncompact_daemon_wake "));
	free(vm);
	assert_consistent(m, &log_);
	mclient_destroy(&c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_suitable_and_extfrag(void **state)
{
	kmm_machine *m = test_boot("mem=256M " QUIET, &log_);
	struct zone *z = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];
	struct mclient c;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 80000), 0);
	scatter(&c, 3, 4);
	/* fragmented, with plenty of free memory: suitable at the default threshold */
	assert_true(compaction_fragmentation_index(z, 9) > 500);
	assert_true(compaction_suitable(m, z, 9, KMM_ZONE_NORMAL));
	/* a threshold above the index says: lack of memory, not fragmentation */
	test_log_clear(&log_);
	assert_int_equal(kmm_set_extfrag_threshold(m, 1001), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "vm.extfrag_threshold"));
	assert_int_equal(kmm_set_extfrag_threshold(m, 1000), KMM_OK);
	assert_false(compaction_suitable(m, z, 9, KMM_ZONE_NORMAL));
	assert_int_equal(
		compaction_suit_allocation_order(m, z, 9, KMM_ZONE_NORMAL, ALLOC_WMARK_MIN),
		COMPACT_SKIPPED);
	/* small orders ignore the index */
	assert_true(compaction_suitable(m, z, 2, KMM_ZONE_NORMAL));
	kmm_set_extfrag_threshold(m, 500);
	mclient_destroy(&c);
	kmm_machine_destroy(m);
}

static void test_deferral(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	struct zone *z = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];
	struct kmm_zone_compaction zc;

	(void)state;
	/* never failed: not deferred */
	assert_false(compaction_deferred(m, z, 9));
	/* an order-8 allocation succeeded after compaction: order 9 is the lowest that may fail */
	compaction_defer_reset(m, z, 8, true);
	defer_compaction(m, z, 9);
	defer_compaction(m, z, 9); /* shift 2: skip 3 attempts, then try */
	assert_int_equal(kmm_zone_compaction_info(m, 0, KMM_ZONE_DMA32, &zc), KMM_OK);
	assert_int_equal(zc.compact_defer_shift, 2);
	assert_int_equal(zc.compact_order_failed, 9);
	assert_true(compaction_deferred(m, z, 9));
	assert_true(compaction_deferred(m, z, 9));
	assert_true(compaction_deferred(m, z, 9));
	assert_false(compaction_deferred(m, z, 9));
	/* lower orders than the one that failed are never deferred */
	assert_false(compaction_deferred(m, z, 8));
	for (int i = 0; i < 10; i++)
		defer_compaction(m, z, 9);
	kmm_zone_compaction_info(m, 0, KMM_ZONE_DMA32, &zc);
	assert_int_equal(zc.compact_defer_shift, COMPACT_MAX_DEFER_SHIFT);
	/* an allocation that succeeded resets it */
	compaction_defer_reset(m, z, 9, true);
	kmm_zone_compaction_info(m, 0, KMM_ZONE_DMA32, &zc);
	assert_int_equal(zc.compact_defer_shift, 0);
	assert_int_equal(zc.compact_considered, 0);
	assert_int_equal(zc.compact_order_failed, 10);
	assert_false(compaction_deferred(m, z, 9));
	kmm_machine_destroy(m);
}

/* Unmovable pages in every pageblock: nothing can be gained, the blocks get skip bits. */
static void test_skip_bits(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=32M@16M " QUIET, &log_);
	struct zone *z = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];
	struct compact_control cc = { .m = m,
				      .zone = z,
				      .order = 9,
				      .mode = KMM_MIGRATE_SYNC_LIGHT,
				      .migratetype = MIGRATE_MOVABLE,
				      .gfp_mask = KMM_GFP_KERNEL,
				      .highest_zoneidx = KMM_ZONE_NORMAL };
	struct page **held = calloc(20000, sizeof(*held));
	struct kmm_zone_compaction zc;
	int n = 0;

	(void)state;
	while (n < 20000 && (held[n] = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_NOWARN, 0)))
		n++;
	for (int i = 0; i < n; i++)
		if (i % 64)
			kmm_free_pages(m, held[i], 0), held[i] = NULL;
	assert_int_equal(test_order9_free(m), 0);
	assert_int_not_equal(compact_zone(&cc), COMPACT_SUCCESS);
	kmm_zone_compaction_info(m, 0, KMM_ZONE_DMA32, &zc);
	print_message("skip bits after a useless pass: %lu\n", zc.skip_pageblocks);
	assert_true(zc.skip_pageblocks > 4);
	/* scanners met in a direct compaction: flushed when kswapd goes to sleep */
	WRITE_ONCE(compact_zone_of(m, z)->blockskip_flush, true);
	reset_isolation_suitable(m, 0);
	kmm_zone_compaction_info(m, 0, KMM_ZONE_DMA32, &zc);
	assert_int_equal(zc.skip_pageblocks, 0);
	for (int i = 0; i < n; i++)
		if (held[i])
			kmm_free_pages(m, held[i], 0);
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* A costly allocation that finds no block compacts in the slow path and succeeds. */
static void test_direct_compaction(void **state)
{
	kmm_machine *m = test_boot("mem=256M " QUIET, &log_);
	unsigned long stall0, success0;
	struct mclient c;
	struct page *big;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 80000), 0);
	scatter(&c, 9, 4);
	/* every order-9 block still free is taken first */
	struct page *taken[512];
	int nt = 0;

	while (nt < 512 && (taken[nt] = kmm_alloc_pages(m, KMM_GFP_NOWAIT, 9)) != NULL)
		nt++;
	assert_int_equal(event(m, COMPACTSTALL), 0); /* no direct reclaim: no compaction */
	stall0 = event(m, COMPACTSTALL);
	success0 = event(m, COMPACTSUCCESS);
	big = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_MOVABLE | KMM_GFP_NOWARN, 9);
	print_message("order-9 after %d taken: %s; compact_stall +%lu, compact_success +%lu\n", nt,
		      big ? "allocated" : "failed", event(m, COMPACTSTALL) - stall0,
		      event(m, COMPACTSUCCESS) - success0);
	assert_non_null(big);
	assert_true(event(m, COMPACTSTALL) > stall0);
	assert_true(event(m, COMPACTSUCCESS) > success0);
	assert_int_equal(mclient_verify_all(&c), 0);
	kmm_free_pages(m, big, 9);
	while (nt-- > 0)
		kmm_free_pages(m, taken[nt], 9);
	assert_consistent(m, &log_);
	mclient_destroy(&c);
	kmm_machine_destroy(m);
}

static bool wait_for(kmm_machine *m, int item, unsigned long above, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (event(m, item) > above)
			return true;
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	return event(m, item) > above;
}

/* An atomic order-9 request fails, wakes kswapd, which wakes kcompactd, which compacts. */
static void test_kcompactd_woken_by_kswapd(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 pcp=0 page_reporting=0", &log_);
	struct kmm_kcompactd_info ki;
	struct mclient c;
	unsigned long wakes, before;
	struct page *taken[512];
	int nt = 0;

	(void)state;
	assert_int_equal(kmm_set_compaction_proactiveness(m, 0), KMM_OK);
	assert_int_equal(kmm_kcompactd_info(m, 0, &ki), KMM_OK);
	assert_true(ki.running);
	/* 80 % of the free memory: kswapd is never made hopeless by an exhausted machine */
	assert_int_equal(mclient_init(&c, m, test_free_pages(m) * 8 / 10), 0);
	scatter(&c, 11, 4);
	/* no __GFP_KSWAPD_RECLAIM: taking the free order-9 blocks wakes nobody */
	while (nt < 512 && (taken[nt] = kmm_alloc_pages(m, KMM_GFP_NOWARN, 9)) != NULL)
		nt++;
	/*
	 * Counted before the wake: read after it, kcompactd may already have
	 * made its block (seen under ASan: "order-9 free 1 -> 1", 6 runs).
	 */
	before = test_order9_free(m);
	wakes = event(m, KCOMPACTD_WAKE);
	/* GFP_NOWAIT: no direct compaction; the request that fails wakes kswapd for order 9 */
	while (nt < 512 && (taken[nt] = kmm_alloc_pages(m, KMM_GFP_NOWAIT, 9)) != NULL)
		nt++;
	assert_true(wait_for(m, KCOMPACTD_WAKE, wakes, 5000));
	for (int i = 0; i < 2000 && test_order9_free(m) <= before; i++) { /* 20 s: TSan is slow */
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	kmm_kcompactd_info(m, 0, &ki);
	print_message("kcompactd runs %lu, order-9 free %lu -> %lu\n", ki.runs, before,
		      test_order9_free(m));
	assert_true(ki.runs >= 1);
	assert_true(test_order9_free(m) > before);
	assert_true(event(m, KCOMPACTD_MIGRATE_SCANNED) > 0);
	while (nt-- > 0)
		kmm_free_pages(m, taken[nt], 9);
	mclient_destroy(&c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/*
 * A hopeless node (kswapd failed MAX_RECLAIM_RETRIES times): wakeup_kswapd
 * leaves reclaim to direct reclaim, but an allocation that cannot compact
 * by itself (GFP_NOWAIT) still wakes kcompactd, as 6.18's wakeup_kswapd
 * does, and kcompactd builds the order asked for.
 */
static void test_hopeless_node_wakes_kcompactd(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 pcp=0 page_reporting=0", &log_);
	struct reclaim_node *rn = reclaim_node(m, 0);
	struct mclient c;
	unsigned long wakes, before;
	struct page *taken[512], *p;
	int nt = 0;

	(void)state;
	assert_int_equal(kmm_set_compaction_proactiveness(m, 0), KMM_OK);
	assert_int_equal(mclient_init(&c, m, test_free_pages(m) * 8 / 10), 0);
	scatter(&c, 17, 4);
	while (nt < 512 && (taken[nt] = kmm_alloc_pages(m, KMM_GFP_NOWARN, 9)) != NULL)
		nt++;
	__atomic_store_n(kswapd_failures(rn), MAX_RECLAIM_RETRIES, __ATOMIC_RELAXED);
	before = test_order9_free(m);
	wakes = event(m, KCOMPACTD_WAKE);
	/* kcompactd, on the other core, may build the block before the retry takes it */
	p = kmm_alloc_pages(m, KMM_GFP_NOWAIT, 9);
	if (p)
		taken[nt++] = p;
	assert_true(wait_for(m, KCOMPACTD_WAKE, wakes, 5000));
	for (int i = 0; i < 2000 && !p && test_order9_free(m) <= before; i++) { /* 20 s: TSan */
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	print_message("hopeless: kcompactd wakes %lu -> %lu, migrate scanned %lu, order-9 free %lu "
		      "-> %lu, the request %s\n",
		      wakes, event(m, KCOMPACTD_WAKE), event(m, KCOMPACTD_MIGRATE_SCANNED), before,
		      test_order9_free(m), p ? "served" : "failed");
	assert_true(p || test_order9_free(m) > before);
	/* kswapd itself was not woken into another reclaim run: still hopeless */
	assert_true(__atomic_load_n(kswapd_failures(rn), __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES);
	__atomic_store_n(kswapd_failures(rn), 0, __ATOMIC_RELAXED);
	while (nt-- > 0)
		kmm_free_pages(m, taken[nt], 9);
	mclient_destroy(&c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Proactive compaction: kcompactd lowers a high fragmentation score on its own. */
static void test_proactive_compaction(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 pcp=0 page_reporting=0 kswapd=0 "
				   "vm.compaction_proactiveness=0",
				   &log_);
	struct kmm_kcompactd_info ki;
	struct mclient c;
	int score0, score;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 80000), 0);
	scatter(&c, 13, 4);
	score0 = kmm_node_fragmentation_score(m, 0);
	assert_true(score0 > 30);
	assert_false(should_proactive_compact_node(m, 0)); /* proactiveness 0: off */
	test_log_clear(&log_);
	assert_int_equal(kmm_set_compaction_proactiveness(m, 101), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "vm.compaction_proactiveness"));
	assert_int_equal(kmm_set_compaction_proactiveness(m, 90), KMM_OK);
	assert_true(should_proactive_compact_node(m, 0));
	for (int i = 0; i < 600; i++) {
		kmm_kcompactd_info(m, 0, &ki);
		if (ki.proactive_runs && !should_proactive_compact_node(m, 0))
			break;
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	score = kmm_node_fragmentation_score(m, 0);
	print_message("fragmentation score %d -> %d, proactive runs %lu\n", score0, score,
		      ki.proactive_runs);
	assert_true(ki.proactive_runs >= 1);
	assert_true(score < score0);
	assert_true(score <= (int)fragmentation_score_wmark(m, false));
	kmm_set_compaction_proactiveness(m, 0);
	assert_int_equal(mclient_verify_all(&c), 0);
	mclient_destroy(&c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_contig_range_and_misuse(void **state)
{
	kmm_machine *m = test_boot("mem=256M " QUIET, &log_);
	struct zone *z = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];
	unsigned long start = ALIGN_UP(z->zone_start_pfn + 8192, 512), free0;
	struct free_snapshot s0, s1;
	struct mclient c;
	struct page *unmov;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 80000), 0);
	scatter(&c, 17, 4);
	/* bad bounds: reported, nothing changes */
	test_snapshot(m, &s0);
	test_log_clear(&log_);
	assert_int_equal(kmm_alloc_contig_range(m, start, start, 0, KMM_GFP_KERNEL), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "is not a range of one zone"));
	assert_int_equal(kmm_alloc_contig_range(m, start + 10, start, 0, KMM_GFP_KERNEL),
			 KMM_EINVAL);
	assert_int_equal(kmm_alloc_contig_range(m, kmm_max_pfn(m) - 4, kmm_max_pfn(m) + 4, 0,
						KMM_GFP_KERNEL),
			 KMM_EINVAL);
	assert_int_equal(kmm_alloc_contig_range(m, z->zone_start_pfn + z->spanned_pages - 8,
						z->zone_start_pfn + z->spanned_pages + 8, 0,
						KMM_GFP_KERNEL),
			 KMM_EINVAL);
	assert_int_equal(kmm_alloc_contig_range(m, start, start + 1, 2, KMM_GFP_KERNEL),
			 KMM_EINVAL);
	test_snapshot(m, &s1);
	assert_true(test_snapshot_equal(&s0, &s1));
	/* 2048 pages over scattered movable pages: they move out, the range is ours */
	assert_int_equal(kmm_alloc_contig_range(m, start, start + 2048, 0, KMM_GFP_KERNEL), KMM_OK);
	for (unsigned long p = start; p < start + 2048; p++)
		assert_int_equal(kmm_page_ref_count(m, kmm_pfn_to_page(m, p)), 1);
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_consistent(m, &log_);
	/* freeing a range that is not all ours is refused whole */
	{
		unsigned long hole = start + 2048;

		while (kmm_page_ref_count(m, kmm_pfn_to_page(m, hole)) != 0)
			hole++;
		test_log_clear(&log_);
		kmm_free_contig_range(m, start, hole + 1 - start);
		assert_true(test_log_contains(&log_, "free_contig_range"));
		assert_int_equal(kmm_page_ref_count(m, kmm_pfn_to_page(m, start)), 1);
	}
	kmm_free_contig_range(m, start, 2048);
	assert_int_equal(kmm_page_ref_count(m, kmm_pfn_to_page(m, start)), 0);
	assert_consistent(m, &log_);
	/* an unmovable page in the range: KMM_EBUSY, no page lost */
	unmov = kmm_alloc_pages(m, KMM_GFP_KERNEL, 0);
	{
		unsigned long up = kmm_page_to_pfn(m, unmov);
		unsigned long us = ALIGN_DOWN(up, 512);

		free0 = test_free_pages(m);
		test_snapshot(m, &s0);
		assert_int_equal(kmm_alloc_contig_range(m, us, us + 512, 0, KMM_GFP_KERNEL),
				 KMM_EBUSY);
		assert_int_equal(test_free_pages(m), free0);
	}
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_consistent(m, &log_);
	kmm_free_pages(m, unmov, 0);
	mclient_destroy(&c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* 64 MiB contiguous over scattered movable pages; refused cleanly when unmovable pages block. */
static void test_alloc_contig_pages_64m(void **state)
{
	kmm_machine *m = test_boot("mem=512M " QUIET, &log_);
	unsigned long nr = (64ul << 20) / kmm_page_size(m), free0;
	struct mclient c;
	struct page *p, **pins;
	int npins;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 200000), 0);
	scatter(&c, 21, 3);
	print_message("client pages scattered: %lu, order-9 free %lu\n", c.live_pages,
		      test_order9_free(m));
	p = kmm_alloc_contig_pages(m, nr, KMM_GFP_KERNEL, 0, NULL);
	assert_non_null(p);
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_consistent(m, &log_);
	kmm_free_contig_range(m, kmm_page_to_pfn(m, p), nr);
	assert_consistent(m, &log_);
	/* one unmovable page every 32 MiB of the machine: no 64 MiB range can be cleared */
	pins = test_pin_pages(m, 8192, &npins);
	free0 = test_free_pages(m);
	test_log_clear(&log_);
	assert_null(kmm_alloc_contig_pages(m, nr, KMM_GFP_KERNEL, 0, NULL));
	assert_int_equal(test_free_pages(m), free0);
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_consistent(m, &log_);
	test_unpin_pages(m, pins, npins);
	mclient_destroy(&c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_cma_area(void **state)
{
	kmm_machine *m = test_boot("mem=512M cma=64M " QUIET, &log_);
	unsigned long base, count, allocated;
	struct page *p, **unmov;
	struct mclient c;
	char *mi, *pti;
	int n = 0;

	(void)state;
	assert_int_equal(kmm_cma_info(m, &base, &count, &allocated), KMM_OK);
	assert_int_equal(count, 16384);
	assert_int_equal(allocated, 0);
	mi = test_report(m, KMM_REPORT_MEMINFO);
	assert_non_null(strstr(mi, "\nCmaTotal:          65536 kB\n"));
	assert_true(strstr(mi, "\nCmaFree:  ") > strstr(mi, "\nCmaTotal:"));
	assert_true(strstr(mi, "\nBalloon:  ") > strstr(mi, "\nCmaFree:"));
	free(mi);
	pti = test_report(m, KMM_REPORT_PAGETYPEINFO);
	assert_non_null(strstr(pti, "type          CMA "));
	assert_non_null(strstr(pti, " HighAtomic          CMA      Isolate \n"));
	free(pti);
	/* unmovable allocations never land in the area */
	unmov = calloc(200000, sizeof(*unmov));
	while (n < 200000 && (unmov[n] = kmm_alloc_pages(
				      m, KMM_GFP_KERNEL | KMM_GFP_NOWARN | KMM_GFP_NORETRY, 0)))
		n++;
	for (int i = 0; i < n; i++) {
		unsigned long pfn = kmm_page_to_pfn(m, unmov[i]);

		assert_false(pfn >= base && pfn < base + count);
	}
	/* movable ones may borrow it */
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, unmov[i], 0);
	free(unmov);
	assert_int_equal(mclient_init(&c, m, 200000), 0);
	scatter(&c, 23, 2);
	{
		unsigned long borrowed = 0;

		for (size_t i = 0; i < c.nr; i++)
			if (c.objs[i].live) {
				unsigned long pfn = kmm_page_to_pfn(m, c.objs[i].page);

				borrowed += pfn >= base && pfn < base + count;
			}
		print_message("client pages borrowing the CMA area: %lu\n", borrowed);
		assert_true(borrowed > 1000);
	}
	assert_consistent(m, &log_);
	/* cma_alloc migrates the borrowers out */
	p = kmm_cma_alloc(m, 8192, 9, false);
	assert_non_null(p);
	assert_int_equal(kmm_page_to_pfn(m, p) % 512, 0);
	kmm_cma_info(m, NULL, NULL, &allocated);
	assert_int_equal(allocated, 8192);
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_consistent(m, &log_);
	/* cma_release of pages it did not hand out: reported, false, nothing freed */
	test_log_clear(&log_);
	assert_false(kmm_cma_release(m, kmm_pfn_to_page(m, base + 8192), 16));
	assert_true(test_log_contains(&log_, "was not allocated by cma_alloc"));
	assert_false(kmm_cma_release(m, kmm_pfn_to_page(m, base > 100 ? base - 100 : 0), 16));
	assert_true(test_log_contains(&log_, "is not inside the CMA area"));
	assert_int_equal(kmm_page_ref_count(m, p), 1);
	assert_true(kmm_cma_release(m, p, 8192));
	kmm_cma_info(m, NULL, NULL, &allocated);
	assert_int_equal(allocated, 0);
	assert_false(kmm_cma_release(m, p, 8192)); /* twice */
	mclient_destroy(&c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- threads: data integrity under migration -------------------------------------------- */

struct rw_arg {
	struct mclient *c;
	uint64_t seed;
	volatile int *stop;
	size_t nslots; /* the slots when the threads started (nr grows under the lock) */
	unsigned long ops, bad;
};

static void *rw_thread(void *p)
{
	struct rw_arg *a = p;

	while (!__atomic_load_n(a->stop, __ATOMIC_ACQUIRE)) {
		size_t slot = (size_t)(test_rand(&a->seed) % a->nslots);

		if (!mclient_verify(a->c, slot))
			a->bad++;
		if ((a->ops & 7) == 0)
			mclient_rewrite(a->c, slot, test_rand(&a->seed));
		a->ops++;
	}
	return NULL;
}

static void test_integrity_under_migration(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2 page_reporting=0", &log_);
	struct rw_arg args[2];
	pthread_t th[2];
	volatile int stop = 0;
	struct mclient c;
	long migrated = 0;
	int rounds = 0;

	(void)state;
	assert_int_equal(mclient_init(&c, m, 40000), 0);
	scatter(&c, 31, 4);
	for (int i = 0; i < 2; i++) {
		args[i] = (struct rw_arg){
			.c = &c, .seed = 77 + (uint64_t)i, .stop = &stop, .nslots = c.nr
		};
		pthread_create(&th[i], NULL, rw_thread, &args[i]);
	}
	for (; rounds < 6; rounds++) {
		long n = kmm_compact_memory(m);

		migrated += n > 0 ? n : 0;
		/* scatter again: free some, allocate some, so the next pass has work */
		for (size_t i = (size_t)rounds; i < c.nr; i += 7)
			mclient_free(&c, i);
		for (int i = 0; i < 2000; i++)
			if (mclient_alloc(&c, (uint64_t)i * 31 + (uint64_t)rounds,
					  KMM_GFP_NOWARN | KMM_GFP_NORETRY) < 0)
				break;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	print_message("%ld pages migrated under %lu + %lu reads/writes\n", migrated, args[0].ops,
		      args[1].ops);
	assert_true(migrated > 1000);
	assert_int_equal(args[0].bad + args[1].bad, 0);
	assert_int_equal(mclient_verify_all(&c), 0);
	assert_consistent(m, &log_);
	mclient_destroy(&c);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_and_marks),
		cmocka_unit_test(test_isolated_page_cannot_be_freed),
		cmocka_unit_test(test_migrate_pages_modes),
		cmocka_unit_test(test_compact_memory_regains_blocks),
		cmocka_unit_test(test_suitable_and_extfrag),
		cmocka_unit_test(test_deferral),
		cmocka_unit_test(test_skip_bits),
		cmocka_unit_test(test_direct_compaction),
		cmocka_unit_test(test_kcompactd_woken_by_kswapd),
		cmocka_unit_test(test_hopeless_node_wakes_kcompactd),
		cmocka_unit_test(test_proactive_compaction),
		cmocka_unit_test(test_contig_range_and_misuse),
		cmocka_unit_test(test_alloc_contig_pages_64m),
		cmocka_unit_test(test_cma_area),
		cmocka_unit_test(test_integrity_under_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
