/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reports.c - the numbers in the reports: zoneinfo's and
 * pagetypeinfo's values read back against the zones and free lists, the
 * highmem machine's extra zone and lines, pagetypeinfo's >100000 cap,
 * vmstat counts and the debugfs indices; also the gfp flag names (%pGg),
 * the allocation-failure warning and the bad-page report. The layout of
 * every report line against the real Linux 6.18 files is
 * tests/test_golden.c's.
 */
#include "kmm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page/internal.h"
#include <kmm/slab.h>

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

/* The number after `label` in text from p on; *end is set past the label. */
static long after(const char *p, const char *label, const char **end)
{
	const char *f = strstr(p, label);

	assert_non_null(f);
	*end = f + strlen(label);
	return strtol(*end, NULL, 10);
}

/*
 * zoneinfo's numbers are the zones' (the layout is tests/test_golden.c's):
 * every zone of the x86-64 set in order, five protection columns that are
 * lowmem_reserve without the HighMem slot, promo one step above high.
 */
static void test_zoneinfo_values(void **state)
{
	kmm_machine *m = busy_machine();
	char *got = test_report(m, KMM_REPORT_ZONEINFO);
	const char *p = got, *e;
	static const int order[] = { KMM_ZONE_DMA, KMM_ZONE_DMA32, KMM_ZONE_NORMAL,
				     KMM_ZONE_MOVABLE, KMM_ZONE_DEVICE };

	(void)state;
	assert_null(strstr(got, "HighMem"));
	assert_null(strstr(got, "nr_bounce"));
	for (int n = 0; n < m->nr_nodes; n++)
		for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			struct zone *z = &m->node_data[n]->node_zones[order[k]];
			char hdr[64];
			const char *next;

			snprintf(hdr, sizeof(hdr), "Node %d, zone ", n);
			p = strstr(p, hdr);
			assert_non_null(p);
			next = p + strlen(hdr);
			while (*next == ' ')
				next++;
			assert_int_equal(strncmp(next, z->name, strlen(z->name)), 0);
			assert_int_equal(after(p, "pages free", &e),
					 (long)z->vm_stat[NR_FREE_PAGES]);
			assert_int_equal(after(e, "boost", &e), 0);
			assert_int_equal(after(e, "min", &e), (long)min_wmark_pages(z));
			assert_int_equal(after(e, "low", &e), (long)low_wmark_pages(z));
			assert_int_equal(after(e, "high", &e), (long)high_wmark_pages(z));
			assert_int_equal(after(e, "promo", &e),
					 (long)(2 * high_wmark_pages(z) - low_wmark_pages(z)));
			assert_int_equal(after(e, "spanned", &e), (long)z->spanned_pages);
			assert_int_equal(after(e, "present", &e), (long)z->present_pages);
			assert_int_equal(after(e, "managed", &e), (long)z->managed_pages);
			assert_int_equal(after(e, "cma", &e), 0);
			e = strstr(e, "protection: (") + 13;
			for (size_t j = 0; j < sizeof(order) / sizeof(order[0]); j++) {
				char *end;

				assert_int_equal(strtol(e, &end, 10), z->lowmem_reserve[order[j]]);
				assert_true(*end ==
					    (j + 1 < sizeof(order) / sizeof(order[0]) ? ',' : ')'));
				e = end + 1;
			}
			if (z->present_pages) {
				assert_int_equal(after(e, "nr_free_pages_blocks", &e) >= 0, 1);
				assert_int_equal(after(e, "start_pfn:", &e),
						 (long)z->zone_start_pfn);
			}
			p = e;
		}
	/* the per-node stats come in each node's first populated zone, and only there */
	for (int n = 0; n < m->nr_nodes; n++) {
		char key[64];
		int z = 0;

		while (!m->node_data[n]->node_zones[z].present_pages)
			z++;
		snprintf(key, sizeof(key), "Node %d, zone %8s\n  per-node stats\n", n,
			 m->node_data[n]->node_zones[z].name);
		assert_non_null(strstr(got, key));
	}
	{
		int blocks = 0;

		for (const char *q = got; (q = strstr(q, "per-node stats")); q++)
			blocks++;
		assert_int_equal(blocks, m->nr_nodes);
	}
	free(got);
	kmm_machine_destroy(m);
}

/*
 * A machine that asks for highmem has the HighMem zone, between Normal and
 * Movable (six protection columns), meminfo's HighTotal group after
 * Mlocked, and vmstat's _high events after _normal.
 */
static void test_highmem_machine(void **state)
{
	kmm_machine *m = test_boot("mem=2G highmem=512M pcp=0", &log_);
	char *mi = test_report(m, KMM_REPORT_MEMINFO), *zi = test_report(m, KMM_REPORT_ZONEINFO);
	char *vm = test_report(m, KMM_REPORT_VMSTAT);
	struct zone *hz = &m->node_data[0]->node_zones[KMM_ZONE_HIGHMEM];
	unsigned long total = 0, free_ = 0;
	const char *e;

	(void)state;
	for (int z = 0; z < KMM_NR_ZONES; z++) {
		total += m->node_data[0]->node_zones[z].managed_pages;
		free_ += (unsigned long)m->node_data[0]->node_zones[z].vm_stat[NR_FREE_PAGES];
	}
	assert_true(hz->managed_pages > 0);
	assert_non_null(strstr(mi, "Mlocked:               0 kB\nHighTotal:"));
	assert_int_equal(after(mi, "HighTotal:", &e), (long)hz->managed_pages * 4);
	assert_int_equal(after(e, "HighFree:", &e), hz->vm_stat[NR_FREE_PAGES] * 4);
	assert_int_equal(after(e, "LowTotal:", &e), (long)(total - hz->managed_pages) * 4);
	assert_int_equal(after(e, "LowFree:", &e),
			 (long)(free_ - (unsigned long)hz->vm_stat[NR_FREE_PAGES]) * 4);
	assert_non_null(strstr(e, "\nSwapTotal:"));
	assert_non_null(strstr(zi, "Node 0, zone  HighMem\n"));
	assert_non_null(strstr(zi, "zone  HighMem\n  pages free"));
	{
		const char *prot = strstr(zi, "protection: (");
		int commas = 0;

		for (const char *c = prot; *c != ')'; c++)
			commas += *c == ',';
		assert_int_equal(commas, 5);
	}
	assert_non_null(strstr(vm, "\npgalloc_normal "));
	assert_true(strstr(vm, "\npgalloc_high ") > strstr(vm, "\npgalloc_normal "));
	assert_true(strstr(vm, "\npgalloc_movable ") > strstr(vm, "\npgalloc_high "));
	assert_non_null(strstr(vm, "\nallocstall_high 0\n"));
	free(mi);
	free(zi);
	free(vm);
	kmm_machine_destroy(m);
}

/* pagetypeinfo's counts are the free lists' and the pageblocks' (layout: test_golden.c). */
static void test_pagetypeinfo_counts(void **state)
{
	kmm_machine *m = busy_machine();
	char *got = test_report(m, KMM_REPORT_PAGETYPEINFO);
	int pos = 0;

	(void)state;
	for (int n = 0; n < m->nr_nodes; n++)
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct zone *z = &m->node_data[n]->node_zones[zi];
			unsigned long blocks = 0;
			long shown = 0;
			char key[96];
			const char *row;

			if (!z->present_pages)
				continue;
			for (int t = 0; t < MIGRATE_TYPES; t++) {
				char *q;

				/* a machine without cma= prints no CMA row, as 6.18 without
				 * CONFIG_CMA */
				snprintf(key, sizeof(key), "Node %4d, zone %8s, type %12s ", n,
					 z->name, migratetype_names[t]);
				if (t == MIGRATE_CMA) {
					assert_null(strstr(got, key));
					continue;
				}
				row = strstr(got, key);
				assert_non_null(row);
				q = (char *)row + strlen(key);
				for (int o = 0; o < KMM_NR_ORDERS; o++) {
					unsigned long cnt = 0;
					uint32_t pfn;

					page_list_for_each (m->vmemmap,
							    &z->free_area[o].free_list[t], pfn)
						cnt++;
					assert_int_equal(strtoul(q, &q, 10), cnt);
				}
			}
			/* block counts: the pageblocks with a memmap, holes skipped */
			for (unsigned long pfn = z->zone_start_pfn;
			     pfn < z->zone_start_pfn + z->spanned_pages; pfn += 512)
				blocks += pfn_valid(m, pfn);
			snprintf(key, sizeof(key), "\nNode %d, zone %8s ", n, z->name);
			row = strstr(got, key);
			assert_non_null(row);
			row += strlen(key);
			for (int t = 0; t < MIGRATE_TYPES - 1; t++) /* no CMA column */
				shown += strtol(row, (char **)&row, 10);
			assert_int_equal(shown, blocks);
			pos++;
		}
	assert_true(pos >= 3);
	/* each node has its own header, as the kernel prints one per node */
	assert_non_null(strstr(
		strstr(got, "Node    1,") - 200 > got ? strstr(got, "Node    1,") - 200 : got,
		"Page block order: 9\n"));
	assert_null(strstr(got, "Unmovable            0 \n"));
	free(got);
	kmm_machine_destroy(m);
}

/* A free list of 100000 entries or more prints ">100000", as the kernel caps its walk. */
static void test_pagetypeinfo_cap(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=1 pcp=0", &log_);
	struct page **held = calloc(300000, sizeof(*held));
	unsigned long n = 0;
	struct page *p;
	char *got;

	(void)state;
	while (n < 300000 &&
	       (p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_MOVABLE | __GFP_NOWARN | __GFP_MEMALLOC,
				    0)))
		held[n++] = p;
	assert_true(n > 220000);
	/* every other page back: order-0 blocks that cannot merge */
	for (unsigned long i = 0; i < n; i++)
		if (kmm_page_to_pfn(m, held[i]) & 1) {
			kmm_free_pages(m, held[i], 0);
			held[i] = NULL;
		}
	got = test_report(m, KMM_REPORT_PAGETYPEINFO);
	assert_non_null(strstr(got, "Node    0, zone    DMA32, type      Movable >100000 "));
	assert_true(m->node_data[0]->node_zones[KMM_ZONE_DMA32].free_area[0].nr_free > 100000);
	free(got);
	for (unsigned long i = 0; i < n; i++)
		if (held[i])
			kmm_free_pages(m, held[i], 0);
	free(held);
	assert_int_equal(kmm_check(m), 0);
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

/* zoneinfo's per-node stats of node nid: the value of `name`. */
static long node_stat(const char *zi, int nid, const char *name)
{
	char hdr[32], key[64];
	const char *p;

	snprintf(hdr, sizeof(hdr), "Node %d, zone", nid);
	p = strstr(zi, hdr);
	assert_non_null(p);
	p = strstr(p, "  per-node stats");
	assert_non_null(p);
	snprintf(key, sizeof(key), "\n      %s ", name);
	p = strstr(p, key);
	assert_non_null(p);
	return strtol(p + strlen(key), NULL, 10);
}

/*
 * Slab pages count on the node they come from, as the kernel's
 * NR_SLAB_*_B do: a large kmalloc on node 1 raises node 1's
 * nr_slab_unreclaimable by its pages and leaves node 0's alone; meminfo's
 * SUnreclaim is the sum over the nodes.
 */
static void test_slab_node_stats(void **state)
{
	kmm_machine *m = test_boot("mem=2G nr_cpus=2 numa=fake=2", &log_);
	char *before, *after, *mi;
	long n0, n1, total;
	void *p;

	(void)state;
	before = test_report(m, KMM_REPORT_ZONEINFO);
	p = kmm_kmalloc_node(m, 256 << 10, GFP_KERNEL, 1); /* 64 pages, a large kmalloc */
	assert_non_null(p);
	after = test_report(m, KMM_REPORT_ZONEINFO);
	assert_int_equal(node_stat(after, 1, "nr_slab_unreclaimable") -
				 node_stat(before, 1, "nr_slab_unreclaimable"),
			 (256 << 10) / 4096);
	assert_int_equal(node_stat(after, 0, "nr_slab_unreclaimable"),
			 node_stat(before, 0, "nr_slab_unreclaimable"));
	n0 = node_stat(after, 0, "nr_slab_unreclaimable");
	n1 = node_stat(after, 1, "nr_slab_unreclaimable");
	mi = test_report(m, KMM_REPORT_MEMINFO);
	total = strtol(strstr(mi, "SUnreclaim:") + strlen("SUnreclaim:"), NULL, 10);
	print_message("n0 %ld n1 %ld SUnreclaim %ld\n", n0, n1, total);
	assert_true(n0 + n1 > 64 && n1 >= 64);
	assert_int_equal(total, (n0 + n1) * 4);
	kmm_kfree(m, p);
	free(before);
	free(after);
	free(mi);
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
		cmocka_unit_test(test_zoneinfo_values),
		cmocka_unit_test(test_highmem_machine),
		cmocka_unit_test(test_pagetypeinfo_counts),
		cmocka_unit_test(test_pagetypeinfo_cap),
		cmocka_unit_test(test_vmstat_counts),
		cmocka_unit_test(test_slab_node_stats),
		cmocka_unit_test(test_extfrag_formats),
		cmocka_unit_test(test_failure_warning_format),
		cmocka_unit_test(test_bad_page_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
