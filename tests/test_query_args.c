/* SPDX-License-Identifier: MIT */
/*
 * tests/test_query_args.c - the machine's query functions at their argument
 * edges (src/report/report.c, src/smp/cpu.c).
 *
 * What this proves: on a two-node machine the zone queries answer for
 * real zones (free pages never above managed pages, the free blocks per
 * order adding up to the free pages) and refuse a node or zone that does
 * not exist (0, or KMM_EINVAL); kmm_zone_name / kmm_zone_nid / kmm_zone_idx
 * name the zone a page is in; the node distance table is Linux's (10 to
 * itself, more to the other node) and -1 off the table; the CPU to node
 * map is -1 off the CPUs; kmm_numa_node_id is the node of the running
 * CPU; report names and numbers map both ways, unknown ones to -1 / NULL;
 * kmm_report refuses an unknown report or a NULL sink.
 */
#include "kmm_test.h"

#include <string.h>

static struct test_log log_;

static void test_queries(void **state)
{
	kmm_machine *m =
		test_boot("mem=512M nr_cpus=2 numa=fake=2 kswapd=0 page_reporting=0", &log_);
	unsigned long counts[KMM_NR_ORDERS], sum = 0;
	struct page *p;
	struct zone *z;
	int nid;

	(void)state;
	assert_int_equal(kmm_zone_free_blocks(m, 0, KMM_ZONE_DMA32, counts), KMM_OK);
	for (int o = 0; o < KMM_NR_ORDERS; o++)
		sum += counts[o] << o;
	assert_true(sum > 0);
	assert_true(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32) <=
		    kmm_zone_managed_pages(m, 0, KMM_ZONE_DMA32));
	assert_int_equal(kmm_zone_free_blocks(m, 2, KMM_ZONE_DMA32, counts), KMM_EINVAL);
	assert_int_equal(kmm_zone_free_blocks(m, -1, KMM_ZONE_DMA32, counts), KMM_EINVAL);
	assert_int_equal(kmm_zone_free_blocks(m, 0, (enum kmm_zone_type)KMM_NR_ZONES, counts),
			 KMM_EINVAL);
	assert_int_equal(kmm_zone_free_pages(m, 5, KMM_ZONE_NORMAL), 0);
	assert_int_equal(kmm_zone_managed_pages(m, 5, KMM_ZONE_NORMAL), 0);

	p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_DMA32, 0);
	assert_non_null(p);
	z = kmm_page_zone(m, p);
	assert_non_null(z);
	assert_string_equal(kmm_zone_name(z), "DMA32");
	assert_int_equal(kmm_zone_idx(z), KMM_ZONE_DMA32);
	nid = kmm_zone_nid(z);
	assert_true(nid == 0 || nid == 1);
	assert_null(kmm_page_zone(m, (struct page *)&log_));
	kmm_free_pages(m, p, 0);

	assert_int_equal(kmm_node_distance(m, 0, 0), 10);
	assert_true(kmm_node_distance(m, 0, 1) > 10);
	assert_int_equal(kmm_node_distance(m, 0, 2), -1);
	assert_int_equal(kmm_node_distance(m, -1, 0), -1);
	assert_int_equal(kmm_cpu_to_node(m, 2), -1);
	assert_int_equal(kmm_cpu_to_node(m, -1), -1);
	test_pin_cpu(0);
	{
		int node = kmm_numa_node_id(m);

		assert_true(node == kmm_cpu_to_node(m, 0) || node == kmm_cpu_to_node(m, 1));
	}
	test_unpin();

	assert_int_equal(kmm_report_by_name(kmm_report_name(KMM_REPORT_BUDDYINFO)),
			 KMM_REPORT_BUDDYINFO);
	assert_int_equal(kmm_report_by_name("no-such-report"), -1);
	assert_null(kmm_report_name(-1));
	assert_null(kmm_report_name(KMM_NR_REPORTS));
	assert_int_equal(kmm_report(m, (enum kmm_report)KMM_NR_REPORTS, test_log_sink, &log_),
			 KMM_EINVAL);
	assert_int_equal(kmm_report(m, KMM_REPORT_BUDDYINFO, NULL, NULL), KMM_EINVAL);
	test_log_clear(&log_);
	assert_int_equal(kmm_report(m, KMM_REPORT_BUDDYINFO, test_log_sink, &log_), KMM_OK);
	assert_true(test_log_contains(&log_, "Node 1, zone"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
