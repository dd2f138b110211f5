/* SPDX-License-Identifier: MIT */
/*
 * tests/test_movable_ops_misuse.c - what the movable_operations registry
 * refuses (src/compaction/movable.c).
 *
 * What this proves: the registry has KMM_MAX_MOVABLE_OPS slots and the one
 * past them is refused with KMM_ENOMEM and a report, freeing a slot makes
 * it usable again; unregister and SetPageMovableOps refuse an id that is
 * not registered; SetPageMovableOps / ClearPageMovableOps refuse a pointer
 * that is no page descriptor, and ClearPageMovableOps a page that carries
 * no id, each with a report (a "Bad page state" for page misuse) and no
 * change to the page's id; a marked page keeps its owner from
 * unregistering until it is cleared. kmm_check is clean after each step.
 */
#include "kmm_test.h"

#include <kmm/compaction.h>

#include "page/page.h" /* KMM_MAX_MOVABLE_OPS */

static struct test_log log_;

static bool iso(kmm_machine *m, struct page *p, kmm_isolate_mode_t mode, void *ctx)
{
	(void)m, (void)p, (void)mode, (void)ctx;
	return false;
}

static int mig(kmm_machine *m, struct page *d, struct page *s, enum kmm_migrate_mode mode,
	       void *ctx)
{
	(void)m, (void)d, (void)s, (void)mode, (void)ctx;
	return KMM_EAGAIN;
}

static void put(kmm_machine *m, struct page *p, void *ctx)
{
	(void)m, (void)p, (void)ctx;
}

static const struct kmm_movable_operations ops = { iso, mig, put };

static void test_slots_and_ids(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2 kswapd=0 kcompactd=0", &log_);
	int ids[KMM_MAX_MOVABLE_OPS];
	struct page *p;

	(void)state;
	for (int i = 0; i < KMM_MAX_MOVABLE_OPS; i++) {
		ids[i] = kmm_register_movable_ops(m, &ops, NULL);
		assert_int_equal(ids[i], i + 1);
	}
	test_log_clear(&log_);
	assert_int_equal(kmm_register_movable_ops(m, &ops, NULL), KMM_ENOMEM);
	assert_true(test_log_contains(&log_, "movable_operations slots are taken"));
	assert_int_equal(kmm_unregister_movable_ops(m, ids[2]), KMM_OK);
	test_log_clear(&log_);
	assert_int_equal(kmm_unregister_movable_ops(m, ids[2]), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "is not a registered movable_operations id"));
	assert_int_equal(kmm_unregister_movable_ops(m, 0), KMM_EINVAL);
	assert_int_equal(kmm_unregister_movable_ops(m, KMM_MAX_MOVABLE_OPS + 1), KMM_EINVAL);
	assert_int_equal(kmm_register_movable_ops(m, &ops, NULL), ids[2]);
	assert_int_equal(kmm_register_movable_ops(NULL, &ops, NULL), KMM_EINVAL);
	assert_int_equal(kmm_unregister_movable_ops(NULL, 1), KMM_EINVAL);

	p = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
	assert_non_null(p);
	/* a page without an id cannot be cleared */
	test_log_clear(&log_);
	assert_int_equal(kmm_page_clear_movable_ops(m, p), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "page has no movable_operations"));
	assert_int_equal(kmm_page_movable_ops(m, p), 0);
	/* not a page descriptor */
	test_log_clear(&log_);
	assert_int_equal(kmm_page_clear_movable_ops(m, (struct page *)&log_), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "ClearPageMovableOps:"));
	assert_true(test_log_contains(&log_, "is not a page descriptor of this machine"));
	test_log_clear(&log_);
	assert_int_equal(kmm_page_set_movable_ops(m, (struct page *)&log_, ids[0]), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "SetPageMovableOps:"));
	assert_int_equal(kmm_page_movable_ops(m, (struct page *)&log_), -1);
	assert_int_equal(kmm_page_isolated(m, (struct page *)&log_), 0);
	assert_int_equal(kmm_page_movable_ops(NULL, p), -1);
	assert_int_equal(kmm_page_isolated(NULL, p), 0);
	assert_int_equal(kmm_page_set_movable_ops(NULL, p, 1), KMM_EINVAL);
	assert_int_equal(kmm_page_clear_movable_ops(NULL, p), KMM_EINVAL);
	/* a marked page pins its owner; clearing it releases the owner */
	assert_int_equal(kmm_page_set_movable_ops(m, p, ids[0]), KMM_OK);
	assert_int_equal(kmm_page_movable_ops(m, p), ids[0]);
	test_log_clear(&log_);
	assert_int_equal(kmm_unregister_movable_ops(m, ids[0]), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "still carry movable_operations id"));
	assert_consistent(m, &log_);
	assert_int_equal(kmm_page_clear_movable_ops(m, p), KMM_OK);
	assert_int_equal(kmm_page_movable_ops(m, p), 0);
	for (int i = 0; i < KMM_MAX_MOVABLE_OPS; i++)
		assert_int_equal(kmm_unregister_movable_ops(m, ids[i]), KMM_OK);
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_and_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
