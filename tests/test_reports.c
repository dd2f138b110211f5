/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reports.c - golden-format tests: each report is rebuilt here
 * from values read independently (the public queries or the zone structs)
 * with the kernel's own printf strings, and must match byte for byte. Also
 * the gfp flag names (%pGg), the allocation-failure warning and the
 * bad-page report.
 */
#include "kmm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page/internal.h"

static struct test_log log_;

#define MACHINE "mem=2G nr_cpus=2 numa=fake=2 pcp=0"

struct sb {
	char *p;
	size_t len;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b->p = realloc(b->p, b->len + (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void assert_same(const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		size_t i = 0;

		while (got[i] && got[i] == want[i])
			i++;
		fail_msg("report differs at byte %zu:\n--- got ---\n%s\n--- want ---\n%s", i, got,
			 want);
	}
}

static kmm_machine *busy_machine(void)
{
	kmm_machine *m = test_boot(MACHINE, &log_);

	/* leave some holes so the reports are not trivial */
	for (int i = 0; i < 40; i++) {
		struct page *p = kmm_alloc_pages_node(m, i % 2, GFP_KERNEL, (unsigned)(i % 5));

		if (i % 3)
			kmm_free_pages(m, p, (unsigned)(i % 5));
	}
	return m;
}

static void test_buddyinfo_format(void **state)
{
	kmm_machine *m = busy_machine();
	static const char *const names[] = { "DMA", "DMA32", "Normal", "HighMem", "Movable" };
	struct sb want = { 0 };
	char *got = test_report(m, KMM_REPORT_BUDDYINFO);

	(void)state;
	for (int n = 0; n < kmm_nr_nodes(m); n++)
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			unsigned long c[KMM_NR_ORDERS];

			if (!m->node_data[n]->node_zones[z].present_pages)
				continue;
			kmm_zone_free_blocks(m, n, (enum kmm_zone_type)z, c);
			sb_printf(&want, "Node %d, zone %8s ", n, names[z]);
			for (int o = 0; o < KMM_NR_ORDERS; o++)
				sb_printf(&want, "%6lu ", c[o]);
			sb_printf(&want, "\n");
		}
	assert_same(got, want.p);
	/* and a known line: a fresh machine's DMA zone */
	assert_non_null(strstr(got, "Node 0, zone      DMA "));
	free(got);
	free(want.p);
	kmm_machine_destroy(m);
}

static void test_zoneinfo_format(void **state)
{
	kmm_machine *m = busy_machine();
	static const char *const stat_names[] = {
		"nr_free_pages",   "nr_zone_unevictable", "nr_zone_write_pending",
		"nr_mlock",	   "nr_bounce",		  "nr_free_cma",
		"numa_hit",	   "numa_miss",		  "numa_foreign",
		"numa_interleave", "numa_local",	  "numa_other"
	};
	struct sb want = { 0 };
	char *got = test_report(m, KMM_REPORT_ZONEINFO);

	(void)state;
	assert_int_equal(sizeof(stat_names) / sizeof(stat_names[0]), NR_VM_ZONE_STAT_ITEMS);
	for (int n = 0; n < m->nr_nodes; n++)
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct zone *z = &m->node_data[n]->node_zones[zi];

			sb_printf(&want, "Node %d, zone %8s", n, z->name);
			sb_printf(&want,
				  "\n  pages free     %lu"
				  "\n        min      %lu"
				  "\n        low      %lu"
				  "\n        high     %lu"
				  "\n        spanned  %lu"
				  "\n        present  %lu"
				  "\n        managed  %lu",
				  (unsigned long)z->vm_stat[NR_FREE_PAGES],
				  z->_watermark[WMARK_MIN], z->_watermark[WMARK_LOW],
				  z->_watermark[WMARK_HIGH], z->spanned_pages, z->present_pages,
				  z->managed_pages);
			sb_printf(&want, "\n        protection: (%ld", z->lowmem_reserve[0]);
			for (int i = 1; i < KMM_NR_ZONES; i++)
				sb_printf(&want, ", %ld", z->lowmem_reserve[i]);
			sb_printf(&want, ")");
			if (!z->present_pages) {
				sb_printf(&want, "\n");
				continue;
			}
			for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
				sb_printf(&want, "\n      %-12s %lu", stat_names[i],
					  (unsigned long)z->vm_stat[i]);
			sb_printf(&want,
				  "\n  node_unreclaimable:  %u\n  start_pfn:           %lu\n", 0u,
				  z->zone_start_pfn);
		}
	assert_same(got, want.p);
	assert_non_null(strstr(got, "Node 1, zone   Normal\n  pages free     "));
	free(got);
	free(want.p);
	kmm_machine_destroy(m);
}

static void test_meminfo_format(void **state)
{
	kmm_machine *m = test_boot("mem=2G highmem=512M pcp=0", &log_);
	char *got = test_report(m, KMM_REPORT_MEMINFO);
	unsigned long total = 0, free_ = 0, high_total = 0, high_free = 0;
	struct sb want = { 0 };
	char label[32], line[64];

	(void)state;
	for (int z = 0; z < KMM_NR_ZONES; z++) {
		struct zone *zone = &m->node_data[0]->node_zones[z];

		total += zone->managed_pages;
		free_ += (unsigned long)zone->vm_stat[NR_FREE_PAGES];
		if (z == KMM_ZONE_HIGHMEM) {
			high_total += zone->managed_pages;
			high_free += (unsigned long)zone->vm_stat[NR_FREE_PAGES];
		}
	}
	sb_printf(&want, "%-16s%8lu kB\n", "MemTotal:", total * 4);
	sb_printf(&want, "%-16s%8lu kB\n", "MemFree:", free_ * 4);
	/* MemAvailable: free minus the reserves the kernel keeps */
	{
		unsigned long reserve = calculate_totalreserve_pages(m);

		sb_printf(&want, "%-16s%8lu kB\n", "MemAvailable:", (free_ - reserve) * 4);
	}
	sb_printf(&want, "%-16s%8lu kB\n", "HighTotal:", high_total * 4);
	sb_printf(&want, "%-16s%8lu kB\n", "HighFree:", high_free * 4);
	sb_printf(&want, "%-16s%8lu kB\n", "LowTotal:", (total - high_total) * 4);
	sb_printf(&want, "%-16s%8lu kB\n", "LowFree:", (free_ - high_free) * 4);
	/* the slab layer may append its lines; the memory lines come first, exactly */
	assert_true(strncmp(got, want.p, want.len) == 0 || (assert_same(got, want.p), 0));
	/* a line as /proc prints it */
	snprintf(label, sizeof(label), "%s", "MemTotal:");
	snprintf(line, sizeof(line), "%-16s%8lu kB\n", label, total * 4);
	assert_int_equal(strlen(line), 28);
	free(got);
	free(want.p);
	kmm_machine_destroy(m);
}

static void test_pagetypeinfo_format(void **state)
{
	kmm_machine *m = busy_machine();
	char *got = test_report(m, KMM_REPORT_PAGETYPEINFO);
	static const char *const types[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic",
					     "Isolate" };
	struct sb want = { 0 };

	(void)state;
	sb_printf(&want, "Page block order: %d\nPages per block:  %lu\n\n", 9, 512ul);
	sb_printf(&want, "%-43s ", "Free pages count per migrate type at order");
	for (int o = 0; o < KMM_NR_ORDERS; o++)
		sb_printf(&want, "%6d ", o);
	sb_printf(&want, "\n");
	for (int n = 0; n < m->nr_nodes; n++)
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct zone *z = &m->node_data[n]->node_zones[zi];

			if (!z->present_pages)
				continue;
			for (int t = 0; t < MIGRATE_TYPES; t++) {
				sb_printf(&want, "Node %4d, zone %8s, type %12s ", n, z->name,
					  types[t]);
				for (int o = 0; o < KMM_NR_ORDERS; o++) {
					unsigned long cnt = 0;
					uint32_t pfn;

					page_list_for_each (m->vmemmap,
							    &z->free_area[o].free_list[t], pfn)
						cnt++;
					sb_printf(&want, "%6lu ", cnt);
				}
				sb_printf(&want, "\n");
			}
		}
	sb_printf(&want, "\n%-23s", "Number of blocks type ");
	for (int t = 0; t < MIGRATE_TYPES; t++)
		sb_printf(&want, "%12s ", types[t]);
	sb_printf(&want, "\n");
	for (int n = 0; n < m->nr_nodes; n++)
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct zone *z = &m->node_data[n]->node_zones[zi];
			unsigned long cnt[MIGRATE_TYPES] = { 0 };
			unsigned long first, last;

			if (!z->present_pages)
				continue;
			first = z->zone_start_pfn >> 9;
			last = (z->zone_start_pfn + z->spanned_pages - 1) >> 9;
			for (unsigned long b = first; b <= last; b++)
				cnt[z->pageblock_mt[b - first]]++;
			sb_printf(&want, "Node %d, zone %8s ", n, z->name);
			for (int t = 0; t < MIGRATE_TYPES; t++)
				sb_printf(&want, "%12lu ", cnt[t]);
			sb_printf(&want, "\n");
		}
	assert_same(got, want.p);
	/* the unmovable allocations claimed at least one block */
	assert_null(strstr(got, "Unmovable            0 \n"));
	free(got);
	free(want.p);
	kmm_machine_destroy(m);
}

static unsigned long vmstat_value(const char *report, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(report, key);
	if (!p && strncmp(report, key + 1, strlen(key + 1)) == 0)
		p = report - 1;
	assert_non_null(p);
	return strtoul(p + strlen(key), NULL, 10);
}

static void test_vmstat_counts(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=1 pcp=0", &log_);
	struct page *p;
	char *got;

	(void)state;
	p = kmm_alloc_pages(m, GFP_DMA, 2);
	kmm_free_pages(m, p, 2);
	p = kmm_alloc_pages(m, GFP_KERNEL, 3);
	kmm_free_pages(m, p, 3);
	p = kmm_alloc_pages(m, GFP_DMA, 10); /* DMA has order-10 blocks at 4M, 8M, 12M */
	assert_non_null(p);
	got = test_report(m, KMM_REPORT_VMSTAT);
	assert_int_equal(vmstat_value(got, "pgalloc_dma"), 4 + 1024);
	assert_int_equal(vmstat_value(got, "pgalloc_dma32"), 8);
	assert_int_equal(vmstat_value(got, "pgalloc_normal"), 0);
	assert_int_equal(vmstat_value(got, "pgfree"), 12);
	assert_int_equal(vmstat_value(got, "numa_hit"), 3);
	assert_int_equal(vmstat_value(got, "nr_free_pages"), test_free_pages(m));
	kmm_free_pages(m, p, 10);
	/* every line is "name value" */
	for (char *line = got; *line;) {
		char *nl = strchr(line, '\n');
		char *sp = strchr(line, ' ');

		assert_non_null(nl);
		assert_true(sp && sp < nl && sp[1] >= '0' && sp[1] <= '9');
		line = nl + 1;
	}
	free(got);
	kmm_machine_destroy(m);
}

static void test_extfrag_formats(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=64M@0 nr_cpus=1 pcp=0", &log_);
	char *u, *e;
	struct page *p;

	(void)state;
	u = test_report(m, KMM_REPORT_UNUSABLE_INDEX);
	e = test_report(m, KMM_REPORT_EXTFRAG_INDEX);
	/* DMA is four order-10 blocks: nothing unusable, a block always suitable */
	assert_non_null(strstr(u, "Node 0, zone      DMA 0.000 0.000 0.000 0.000 0.000 0.000 "
				  "0.000 0.000 0.000 0.000 0.000 \n"));
	assert_non_null(strstr(e, "Node 0, zone      DMA -1.000 -1.000 -1.000 -1.000 -1.000 "
				  "-1.000 -1.000 -1.000 -1.000 -1.000 -1.000 \n"));
	free(u);
	free(e);
	/* one page out of 4096: the order-10 index is 3072 / 4095 unusable */
	p = kmm_alloc_pages(m, GFP_DMA, 0);
	assert_int_equal(kmm_zone_unusable_index(m, 0, KMM_ZONE_DMA, 10),
			 (int)((4095ul - 3 * 1024) * 1000 / 4095));
	assert_int_equal(kmm_zone_fragmentation_index(m, 0, KMM_ZONE_DMA, 3), -1000);
	kmm_free_pages(m, p, 0);
	kmm_machine_destroy(m);
}

static void test_failure_warning_format(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=64M@0 nr_cpus=1 pcp=0", &log_);
	struct page *held[8];
	int n = 0;

	(void)state;
	while (n < 8 && (held[n] = kmm_alloc_pages(m, GFP_DMA | __GFP_ZERO, 10)) != NULL)
		n++;
	assert_true(n < 8);
	assert_true(test_log_contains(&log_, ": page allocation failure: order:10, "
					     "mode:0x101(GFP_DMA|__GFP_ZERO), nodemask=(null),"
					     "cpuset=/,mems_allowed=0\nMem-Info:\nactive_anon:0 "));
	assert_true(test_log_contains(&log_, "\nNode 0 DMA free:"));
	/* as warn_alloc_show_mem: zones above gfp_zone(GFP_DMA) are not shown */
	assert_false(test_log_contains(&log_, "Node 0 DMA32: "));
	assert_true(test_log_contains(&log_, "*4096kB"));
	/* __GFP_NOWARN is silent */
	test_log_clear(&log_);
	assert_null(kmm_alloc_pages(m, GFP_DMA | __GFP_NOWARN, 10));
	assert_int_equal(log_.len, 0);
	/* rate limited: 10 messages per 5 s window */
	for (int i = 0; i < 30; i++)
		kmm_alloc_pages(m, GFP_DMA, 10);
	{
		int count = 0;

		for (const char *p = log_.buf; (p = strstr(p, "page allocation failure")); p++)
			count++;
		assert_true(count <= 10);
		assert_true(count >= 1);
	}
	while (n-- > 0)
		kmm_free_pages(m, held[n], 10);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_bad_page_format(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=64M@0 nr_cpus=1 pcp=0", &log_);
	struct page *p = kmm_alloc_pages(m, GFP_DMA, 1);
	unsigned long pfn = kmm_page_to_pfn(m, p);
	char expect[128];

	(void)state;
	kmm_free_pages(m, p, 0);
	snprintf(expect, sizeof(expect), "BUG: Bad page state in process test_reports  pfn:%05lx\n",
		 pfn);
	assert_true(test_log_contains(&log_, expect));
	snprintf(expect, sizeof(expect), "page:%p refcount:1 order:1 pfn:0x%lx node:0 zone:DMA\n",
		 (void *)p, pfn);
	if (!test_log_contains(&log_, expect))
		fail_msg("expected \"%s\" in:\n%s", expect, log_.buf);
	assert_true(test_log_contains(&log_, "\nflags: 0x0()\nraw: "));
	assert_true(test_log_contains(&log_, "page dumped because: freed with order 0, allocated "
					     "with order 1\n"));
	kmm_free_pages(m, p, 1);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buddyinfo_format),
		cmocka_unit_test(test_zoneinfo_format),
		cmocka_unit_test(test_meminfo_format),
		cmocka_unit_test(test_pagetypeinfo_format),
		cmocka_unit_test(test_vmstat_counts),
		cmocka_unit_test(test_extfrag_formats),
		cmocka_unit_test(test_failure_warning_format),
		cmocka_unit_test(test_bad_page_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
