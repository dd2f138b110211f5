/* SPDX-License-Identifier: MIT */
/*
 * tests/test_compaction_off.c - the compaction controls with compaction=0
 * and with bad arguments (src/compaction/compaction.c, public API).
 *
 * What this proves: with compaction=0 kmm_compact_memory / kmm_compact_node
 * are KMM_ENOSYS and move no page (the free lists are unchanged), while
 * page migration's contiguous allocation still works, as docs/machine.md
 * says; a node that does not exist is reported by compact_node; the
 * statistics queries refuse a bad node, zone or NULL result with
 * KMM_EINVAL; the sysctls refuse out-of-range values with a report and
 * keep the old value (a value set in range is accepted). kmm_check is
 * clean throughout.
 */
#include "kmm_test.h"

#include <kmm/compaction.h>

static struct test_log log_;

static void test_compaction_disabled(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2 compaction=0 kswapd=0 kcompactd=0 "
				   "page_reporting=0",
				   &log_);
	struct free_snapshot a, b;
	struct kmm_zone_compaction info;
	struct page *p;

	(void)state;
	test_snapshot(m, &a);
	assert_int_equal(kmm_compact_memory(m), KMM_ENOSYS);
	assert_int_equal(kmm_compact_node(m, 0), KMM_ENOSYS);
	test_snapshot(m, &b);
	assert_true(test_snapshot_equal(&a, &b));
	test_log_clear(&log_);
	assert_int_equal(kmm_compact_node(m, 1), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "compact: node 1 does not exist (nodes 0-0)"));
	assert_int_equal(kmm_compact_node(m, -1), KMM_EINVAL);
	assert_int_equal(kmm_compact_node(NULL, 0), KMM_EINVAL);
	assert_int_equal(kmm_compact_memory(NULL), KMM_EINVAL);
	/* contiguous allocation does not need compaction */
	p = kmm_alloc_contig_pages(m, 64, GFP_KERNEL, -1, NULL);
	assert_non_null(p);
	kmm_free_contig_range(m, kmm_page_to_pfn(m, p), 64);

	assert_int_equal(kmm_zone_compaction_info(m, 0, KMM_ZONE_NORMAL, NULL), KMM_EINVAL);
	assert_int_equal(kmm_zone_compaction_info(m, 1, KMM_ZONE_NORMAL, &info), KMM_EINVAL);
	assert_int_equal(kmm_zone_compaction_info(m, 0, (enum kmm_zone_type)KMM_NR_ZONES, &info),
			 KMM_EINVAL);
	assert_int_equal(kmm_zone_compaction_info(m, 0, KMM_ZONE_DMA32, &info), KMM_OK);
	assert_int_equal(kmm_node_fragmentation_score(m, 1), KMM_EINVAL);
	assert_int_equal(kmm_node_fragmentation_score(m, -1), KMM_EINVAL);
	assert_true(kmm_node_fragmentation_score(m, 0) >= 0);
	assert_true(kmm_node_fragmentation_score(m, 0) <= 100);

	test_log_clear(&log_);
	assert_int_equal(kmm_set_extfrag_threshold(m, 1001), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "vm.extfrag_threshold: 1001 is outside 0-1000"));
	assert_int_equal(kmm_set_extfrag_threshold(m, -1), KMM_EINVAL);
	assert_int_equal(kmm_set_extfrag_threshold(NULL, 10), KMM_EINVAL);
	assert_int_equal(kmm_set_extfrag_threshold(m, 1000), KMM_OK);
	test_log_clear(&log_);
	assert_int_equal(kmm_set_compaction_proactiveness(m, 101), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "vm.compaction_proactiveness: 101 is outside 0-100"));
	assert_int_equal(kmm_set_compaction_proactiveness(NULL, 1), KMM_EINVAL);
	assert_int_equal(kmm_set_compaction_proactiveness(m, 0), KMM_OK);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compaction_disabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
