/* SPDX-License-Identifier: MIT */
/*
 * tests/test_pcp.c - the per-CPU page lists: batch and high against the
 * kernel's formulas computed here independently, refill of exactly one
 * batch under one lock hold, the return of a batch when count reaches high,
 * hot and cold ends, drains that make buddyinfo whole again, pcp pages
 * outside NR_FREE_PAGES, zoneinfo's pagesets, the drain before an
 * allocation fails, pcp=0, and drains racing with allocating threads.
 *
 * Exact-count tests pin the test thread to host CPU 0 so that "this CPU"
 * stays CPU 0, and run twice where the mode matters: with the machine's
 * own choice (rseq on this 2-CPU host when nr_cpus >= 2) and with
 * KMM_RSEQ=0 (compare-and-swap locks).
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"
#include "page/pcp.h"
#include <kmm/percpu.h>

static struct test_log log_;
/* ---- helpers -------------------------------------------------------------------- */

/*
 * Boot, and return the pages that boot-time users (the slab allocator's
 * caches) left on the lists, so every list starts empty.
 */
static kmm_machine *boot_quiet(const char *cmdline)
{
	kmm_machine *m = test_boot(cmdline, &log_);

	kmm_drain_all_pages(m, NULL);
	return m;
}

static kmm_machine *boot_mode(const char *cmdline, bool cas)
{
	kmm_machine *m;

	if (cas)
		setenv("KMM_RSEQ", "0", 1);
	m = boot_quiet(cmdline);
	unsetenv("KMM_RSEQ");
	return m;
}

static struct zone *Z(kmm_machine *m, int nid, int z)
{
	return &m->node_data[nid]->node_zones[z];
}

static struct kmm_pcp_info pcp_info(kmm_machine *m, int nid, int z, int cpu)
{
	struct kmm_pcp_info in;

	assert_int_equal(kmm_zone_pcp_info(m, nid, (enum kmm_zone_type)z, cpu, &in), KMM_OK);
	return in;
}

/* zone_batchsize, written out again from the kernel's description. */
static int expect_batch(unsigned long managed, unsigned long page_size)
{
	unsigned long b = managed >> 10;
	unsigned long cap = (1ul << 20) / page_size;
	unsigned long p = 1;

	if (b > cap)
		b = cap;
	b /= 4;
	if (b < 1)
		b = 1;
	while (p * 2 <= b + b / 2)
		p *= 2;
	b = p - 1;
	return b < 1 ? 1 : (int)b;
}

/* zone_highsize: the low watermark over the node's CPUs, at least 4 * batch. */
static int expect_high(unsigned long low, int node_cpus, int all_cpus, int batch)
{
	long high = (long)(low / (unsigned long)(node_cpus ? node_cpus : all_cpus));

	return high > 4l * batch ? (int)high : 4 * batch;
}

#define MOVABLE (GFP_KERNEL | __GFP_MOVABLE)

/* ---- sizes -------------------------------------------------------------------------- */

static void check_sizes(const char *cmdline)
{
	kmm_machine *m = boot_quiet(cmdline);
	int checked = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++) {
		int node_cpus = 0;

		for (int c = 0; c < kmm_nr_cpus(m); c++)
			node_cpus += kmm_cpu_to_node(m, c) == nid;
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			struct zone *zone = Z(m, nid, z);
			int batch, high;

			if (!zone->managed_pages)
				continue;
			batch = expect_batch(zone->managed_pages, kmm_page_size(m));
			high = expect_high(zone->_watermark[WMARK_LOW], node_cpus, kmm_nr_cpus(m),
					   batch);
			for (int c = 0; c < kmm_nr_cpus(m); c++) {
				struct kmm_pcp_info in = pcp_info(m, nid, z, c);

				assert_int_equal(in.batch, batch);
				assert_int_equal(in.high, high);
				assert_int_equal(in.count, 0);
			}
			checked++;
		}
	}
	assert_true(checked > 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_batch_and_high(void **state)
{
	(void)state;
	/* 1 GiB and more: batch 63 (LINUX-FACTS) */
	{
		kmm_machine *m = boot_quiet("mem=4G nr_cpus=2");

		assert_int_equal(pcp_info(m, 0, KMM_ZONE_DMA32, 0).batch, 63);
		kmm_machine_destroy(m);
	}
	check_sizes("mem=4G nr_cpus=2");
	check_sizes("mem=1G nr_cpus=1");
	check_sizes("mem=8G nr_cpus=8 numa=fake=2");
	/* 3 CPUs over 2 nodes: node 0 has 2, node 1 has 1 */
	check_sizes("mem=2G nr_cpus=3 numa=fake=2");
	/* more nodes than CPUs: nodes without CPUs split over all CPUs */
	check_sizes("mem=4G nr_cpus=2 numa=fake=4");
	/* tiny zones: batch clamps to 1 */
	check_sizes("memmap=exactmap memmap=16M@0 nr_cpus=2");
	check_sizes("mem=2G page_size=64K nr_cpus=4");
	check_sizes("mem=2G highmem=512M movablecore=256M nr_cpus=2");
}

/* ---- refill and return ------------------------------------------------------------------ */

static void refill_takes_one_batch(bool cas)
{
	kmm_machine *m;
	struct zone *normal;
	struct page *held[512];
	long free0;
	int batch, n = 0;

	test_pin_cpu(0);
	m = boot_mode("mem=4G nr_cpus=2", cas);
	normal = Z(m, 0, KMM_ZONE_NORMAL);
	batch = pcp_info(m, 0, KMM_ZONE_NORMAL, 0).batch;
	assert_int_equal(batch, 63);
	free0 = normal->vm_stat[NR_FREE_PAGES];

	/* the first order-0 allocation refills an empty list with one batch */
	held[n++] = kmm_alloc_pages(m, MOVABLE, 0);
	assert_non_null(held[0]);
	assert_int_equal(kmm_page_zonenum(m, held[0]), KMM_ZONE_NORMAL);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, batch - 1);
	assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free0 - batch);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 1).count, 0);
	/* the rest of the batch comes from the list, without touching the zone */
	for (int i = 1; i < batch; i++) {
		held[n++] = kmm_alloc_pages(m, MOVABLE, 0);
		assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, batch - 1 - i);
		assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free0 - batch);
	}
	/* empty again: the next one refills */
	held[n++] = kmm_alloc_pages(m, MOVABLE, 0);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, batch - 1);
	assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free0 - 2 * batch);
	assert_consistent(m, &log_);

	/* order 2: max(batch >> 2, 2) blocks per refill */
	held[n++] = kmm_alloc_pages(m, MOVABLE, 2);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count,
			 batch - 1 + ((batch >> 2) - 1) * 4);
	kmm_free_pages(m, held[--n], 2);
	while (n)
		kmm_free_pages(m, held[--n], 0);
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

static void test_refill_takes_one_batch(void **state)
{
	(void)state;
	refill_takes_one_batch(false);
	refill_takes_one_batch(true);
}

/*
 * Free pages one by one onto an empty list: count climbs by one each time
 * until it reaches high, when one batch goes back: count drops to
 * high - batch. Checked against that model for every single free.
 */
static void free_returns_batch_at_high(bool cas)
{
	kmm_machine *m;
	struct zone *normal;
	struct page **held;
	int high, batch, nr, model = 0, returns = 0;
	long free_before;

	test_pin_cpu(0);
	m = boot_mode("mem=4G nr_cpus=2", cas);
	normal = Z(m, 0, KMM_ZONE_NORMAL);
	high = pcp_info(m, 0, KMM_ZONE_NORMAL, 0).high;
	batch = pcp_info(m, 0, KMM_ZONE_NORMAL, 0).batch;
	nr = 2 * high + batch;
	held = calloc((size_t)nr, sizeof(*held));
	for (int i = 0; i < nr; i++) {
		held[i] = kmm_alloc_pages(m, MOVABLE, 0);
		assert_non_null(held[i]);
		assert_int_equal(kmm_page_zonenum(m, held[i]), KMM_ZONE_NORMAL);
	}
	kmm_drain_local_pages(m, NULL);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);
	free_before = normal->vm_stat[NR_FREE_PAGES];
	for (int i = 0; i < nr; i++) {
		kmm_free_pages(m, held[i], 0);
		model++;
		if (model >= high) {
			model -= batch;
			returns++;
		}
		assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, model);
		/* pages on the list are not free pages of the zone */
		assert_int_equal(normal->vm_stat[NR_FREE_PAGES],
				 free_before + (long)returns * batch);
	}
	assert_true(returns >= 2);
	assert_consistent(m, &log_);
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);
	assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free_before + nr);
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

static void test_free_returns_batch_at_high(void **state)
{
	(void)state;
	free_returns_batch_at_high(false);
	free_returns_batch_at_high(true);
}

/* ---- hot and cold ---------------------------------------------------------------------- */

static void hot_and_cold_ends(bool cas)
{
	kmm_machine *m;
	struct page *a, *b, *c, *p;
	unsigned long last;

	test_pin_cpu(0);
	m = boot_mode("mem=4G nr_cpus=2", cas);
	a = kmm_alloc_pages(m, MOVABLE, 0);
	b = kmm_alloc_pages(m, MOVABLE, 0);
	c = kmm_alloc_pages(m, MOVABLE, 0);
	kmm_drain_local_pages(m, NULL);

	/* hot frees: last in, first out */
	kmm_free_pages(m, a, 0);
	kmm_free_pages(m, b, 0);
	assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), b);
	assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), a);

	/* a cold free goes behind the hot pages; __GFP_COLD takes from behind */
	kmm_free_pages(m, a, 0);
	kmm_free_cold_page(m, b);
	kmm_free_hot_page(m, c);
	/* list: c a b */
	assert_ptr_equal(kmm_alloc_pages(m, MOVABLE | __GFP_COLD, 0), b);
	assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), c);
	assert_ptr_equal(kmm_alloc_pages(m, MOVABLE | __GFP_COLD, 0), a);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);

	/* a refill appends in the order the buddy lists hand pages out: the cold
	 * end of a fresh batch is the last page taken, the hot end the first */
	kmm_drain_local_pages(m, NULL);
	p = kmm_alloc_pages(m, MOVABLE, 0);
	{
		struct per_cpu_pages *pcp = pcp_ptr(m, kmm_page_zone(m, p), 0);
		const struct page_list *l = &pcp->lists[order_to_pindex(MIGRATE_MOVABLE, 0)];

		last = l->tail;
		assert_int_equal(pcp->count, pcp->batch - 1);
	}
	kmm_free_pages(m, p, 0);
	p = kmm_alloc_pages(m, MOVABLE | __GFP_COLD, 0);
	assert_int_equal(kmm_page_to_pfn(m, p), last);
	kmm_free_pages(m, p, 0);
	kmm_free_pages(m, a, 0);
	kmm_free_pages(m, b, 0);
	kmm_free_pages(m, c, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

static void test_hot_and_cold_ends(void **state)
{
	(void)state;
	hot_and_cold_ends(false);
	hot_and_cold_ends(true);
}

/* ---- drains ------------------------------------------------------------------------- */

struct drain_arg {
	kmm_machine *m;
	int cpu;
	struct page *pages[64];
	unsigned int order[64];
};

/* Free a thread's blocks while running on a given host CPU. */
static void *free_on_cpu(void *p)
{
	struct drain_arg *a = p;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (int i = 0; i < 64; i++)
		kmm_free_pages(a->m, a->pages[i], a->order[i]);
	return NULL;
}

static void test_drain_makes_buddyinfo_whole(void **state)
{
	kmm_machine *m = boot_quiet("mem=2G nr_cpus=2 numa=fake=2");
	struct free_snapshot boot, now;
	struct drain_arg args[2];
	pthread_t t[2];
	char *before, *after;
	uint64_t seed = 7;

	(void)state;
	test_snapshot(m, &boot);
	before = test_report(m, KMM_REPORT_BUDDYINFO);
	for (int i = 0; i < 2; i++) {
		args[i].m = m;
		args[i].cpu = i;
		for (int j = 0; j < 64; j++) {
			static const gfp_t gfps[] = { GFP_KERNEL, MOVABLE,
						      GFP_KERNEL | __GFP_RECLAIMABLE, GFP_DMA32 };

			args[i].order[j] = (unsigned int)(test_rand(&seed) % 5);
			args[i].pages[j] =
				kmm_alloc_pages_node(m, j % 2, gfps[j % 4], args[i].order[j]);
			assert_non_null(args[i].pages[j]);
		}
	}
	/* free from both CPUs: pages wait on both CPUs' lists */
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, free_on_cpu, &args[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	test_snapshot(m, &now);
	assert_false(test_snapshot_equal(&boot, &now));
	assert_consistent(m, &log_);
	kmm_drain_all_pages(m, NULL);
	test_snapshot(m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	after = test_report(m, KMM_REPORT_BUDDYINFO);
	assert_string_equal(before, after);
	for (int nid = 0; nid < 2; nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			for (int c = 0; c < 2; c++)
				assert_int_equal(pcp_info(m, nid, z, c).count, 0);
	free(before);
	free(after);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* drain_local_pages empties this CPU's lists only; a zone argument limits it. */
static void test_drain_local_and_zone(void **state)
{
	kmm_machine *m;
	struct page *a, *b;

	(void)state;
	test_pin_cpu(0);
	m = boot_quiet("mem=4G nr_cpus=2");
	a = kmm_alloc_pages(m, GFP_DMA32, 0);
	b = kmm_alloc_pages(m, MOVABLE, 0);
	assert_int_equal(kmm_page_zonenum(m, a), KMM_ZONE_DMA32);
	assert_true(pcp_info(m, 0, KMM_ZONE_DMA32, 0).count > 0);
	assert_true(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count > 0);
	kmm_drain_local_pages(m, Z(m, 0, KMM_ZONE_DMA32));
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_DMA32, 0).count, 0);
	assert_true(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count > 0);
	kmm_drain_local_pages(m, NULL);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);
	kmm_free_pages(m, a, 0);
	kmm_free_pages(m, b, 0);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_DMA32, 0).count, 1);
	kmm_drain_all_pages(m, Z(m, 0, KMM_ZONE_NORMAL));
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_DMA32, 0).count, 1);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

/*
 * A machine whose only free memory sits on the per-CPU lists: an order-3
 * request finds no block on the buddy lists, and the slow path drains the
 * lists (drain_all_pages) before it would fail; the merged pages serve it.
 */
static void test_drain_before_failure(void **state)
{
	kmm_machine *m = boot_quiet("memmap=exactmap memmap=16M@0 nr_cpus=2");
	struct page *by_pfn[4096] = { 0 };
	unsigned long drains_before, drains, run = 0;
	struct page *p, *big;
	char *vm;
	int n = 0;

	(void)state;
	assert_true(kmm_max_pfn(m) <= 4096);
	/* everything, below the watermarks too */
	while ((p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0))) {
		by_pfn[kmm_page_to_pfn(m, p)] = p;
		n++;
	}
	assert_true(n > 3000);
	/* an aligned run of 64 held pages */
	for (unsigned long r = 64; r + 64 <= 4096 && !run; r += 64) {
		int i;

		for (i = 0; i < 64 && by_pfn[r + (unsigned long)i]; i++)
			;
		if (i == 64)
			run = r;
	}
	assert_true(run != 0);
	/* odd pages elsewhere: free but unmergeable, on the buddy lists past high */
	for (unsigned long pfn = 1; pfn < 4096; pfn += 2) {
		if (by_pfn[pfn] && (pfn < run || pfn >= run + 64)) {
			kmm_free_pages(m, by_pfn[pfn], 0);
			by_pfn[pfn] = NULL;
		}
	}
	/* the run last: it waits on a per-CPU list (high > 64, batch 1 leaves from the cold end) */
	assert_true(pcp_info(m, 0, KMM_ZONE_DMA, 0).high > 64);
	for (unsigned long pfn = run; pfn < run + 64; pfn++) {
		kmm_free_pages(m, by_pfn[pfn], 0);
		by_pfn[pfn] = NULL;
	}
	vm = test_report(m, KMM_REPORT_VMSTAT);
	drains_before = strtoul(strstr(vm, "\ndrain_all_pages ") + 17, NULL, 10);
	free(vm);
	test_log_clear(&log_);
	big = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 3);
	assert_non_null(big);
	vm = test_report(m, KMM_REPORT_VMSTAT);
	drains = strtoul(strstr(vm, "\ndrain_all_pages ") + 17, NULL, 10);
	free(vm);
	assert_true(drains > drains_before);
	kmm_free_pages(m, big, 3);
	for (unsigned long pfn = 0; pfn < 4096; pfn++)
		if (by_pfn[pfn])
			kmm_free_pages(m, by_pfn[pfn], 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- reports and counters -------------------------------------------------------------- */

static void test_zoneinfo_pagesets(void **state)
{
	kmm_machine *m;
	struct page *p;
	char *zi, *sec, expect[512];

	(void)state;
	test_pin_cpu(0);
	m = boot_quiet("mem=4G nr_cpus=2");
	p = kmm_alloc_pages(m, MOVABLE, 0);
	zi = test_report(m, KMM_REPORT_ZONEINFO);
	sec = strstr(zi, "Node 0, zone   Normal");
	assert_non_null(sec);
	sec = strstr(sec, "\n  pagesets");
	assert_non_null(sec);
	{
		struct kmm_pcp_info c0 = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
		struct kmm_pcp_info c1 = pcp_info(m, 0, KMM_ZONE_NORMAL, 1);
		snprintf(expect, sizeof(expect),
			 "\n  pagesets"
			 "\n    cpu: 0"
			 "\n              count:    %d"
			 "\n              high:     %d"
			 "\n              batch:    %d"
			 "\n  vm stats threshold: ",
			 c0.count, c0.high, c0.batch);
		assert_int_equal(strncmp(sec, expect, strlen(expect)), 0);
		assert_int_equal(c0.count, c0.batch - 1);
		sec = strstr(sec, "\n    cpu: 1");
		assert_non_null(sec);
		snprintf(expect, sizeof(expect),
			 "\n    cpu: 1"
			 "\n              count:    %d"
			 "\n              high:     %d"
			 "\n              batch:    %d"
			 "\n  vm stats threshold: ",
			 c1.count, c1.high, c1.batch);
		assert_int_equal(strncmp(sec, expect, strlen(expect)), 0);
	}
	/* calculate_normal_threshold: 2 * fls(2 cpus) * (1 + fls(MiB / 128)) */
	{
		unsigned long mem = Z(m, 0, KMM_ZONE_NORMAL)->managed_pages >> 15;
		int fls_mem = 0, thr;

		while (mem >> fls_mem)
			fls_mem++;
		thr = 2 * 2 * (1 + fls_mem);
		snprintf(expect, sizeof(expect), "\n  vm stats threshold: %d\n  node_unreclaimable",
			 thr > 125 ? 125 : thr);
		assert_non_null(strstr(sec, expect));
	}
	free(zi);
	kmm_free_pages(m, p, 0);
	kmm_machine_destroy(m);
	test_unpin();
}

static unsigned long vmstat_value(kmm_machine *m, const char *name)
{
	char *vm = test_report(m, KMM_REPORT_VMSTAT), key[64], *p;
	unsigned long v;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(vm, key);
	assert_non_null(p);
	v = strtoul(p + strlen(key), NULL, 10);
	free(vm);
	return v;
}

/* pgalloc, pgfree and the NUMA events of pcp traffic reach the zone counters when folded. */
static void test_counters_fold(void **state)
{
	kmm_machine *m = boot_quiet("mem=4G nr_cpus=2 numa=fake=2");
	unsigned long alloc0, free0, hit0, miss0, foreign0;
	struct page *p[40];

	(void)state;
	alloc0 = vmstat_value(m, "pgalloc_normal") + vmstat_value(m, "pgalloc_dma32");
	free0 = vmstat_value(m, "pgfree");
	hit0 = vmstat_value(m, "numa_hit");
	miss0 = vmstat_value(m, "numa_miss");
	foreign0 = vmstat_value(m, "numa_foreign");
	for (int i = 0; i < 40; i++)
		p[i] = kmm_alloc_pages_node(m, i % 2, GFP_KERNEL | __GFP_THISNODE, i % 4);
	for (int i = 0; i < 40; i++)
		kmm_free_pages(m, p[i], i % 4);
	pcp_vmstat_fold(m);
	assert_int_equal(vmstat_value(m, "pgalloc_normal") + vmstat_value(m, "pgalloc_dma32") -
				 alloc0,
			 10 * (1 + 2 + 4 + 8));
	assert_int_equal(vmstat_value(m, "pgfree") - free0, 10 * (1 + 2 + 4 + 8));
	assert_int_equal(vmstat_value(m, "numa_hit") - hit0, 40);
	assert_int_equal(vmstat_value(m, "numa_miss") - miss0, 0);
	assert_int_equal(vmstat_value(m, "numa_foreign") - foreign0, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- pcp=0 and misuse ----------------------------------------------------------------- */

static void test_pcp_off(void **state)
{
	kmm_machine *m = boot_quiet("mem=2G nr_cpus=2 pcp=0");
	struct free_snapshot boot, now;
	struct page *p;
	char *zi;

	(void)state;
	for (int z = 0; z < KMM_NR_ZONES; z++) {
		struct kmm_pcp_info in = pcp_info(m, 0, z, 1);

		assert_int_equal(in.count, 0);
		assert_int_equal(in.high, 0);
		assert_int_equal(in.batch, 1);
		assert_null(Z(m, 0, z)->pcp);
	}
	test_snapshot(m, &boot);
	p = kmm_alloc_pages(m, MOVABLE, 0);
	kmm_free_cold_page(m, p);
	p = kmm_alloc_pages(m, MOVABLE | __GFP_COLD, 2);
	kmm_free_pages(m, p, 2);
	/* straight back to the buddy lists: nothing waits anywhere */
	test_snapshot(m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	zi = test_report(m, KMM_REPORT_ZONEINFO);
	assert_null(strstr(zi, "pagesets"));
	free(zi);
	kmm_drain_all_pages(m, NULL);
	kmm_drain_local_pages(m, NULL);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_misuse_is_reported(void **state)
{
	kmm_machine *m = boot_quiet("mem=1G nr_cpus=2");
	struct free_snapshot s0, s1;
	struct kmm_pcp_info in;
	struct page *p;

	(void)state;
	p = kmm_alloc_pages(m, MOVABLE, 0);
	kmm_free_pages(m, p, 0);
	test_snapshot(m, &s0);
	test_log_clear(&log_);
	kmm_free_pages(m, p, 0); /* the page waits on a pcp list: PG_pcp */
	assert_true(test_log_contains(&log_, "double free"));
	test_log_clear(&log_);
	kmm_free_cold_page(m, p);
	assert_true(test_log_contains(&log_, "double free"));
	test_log_clear(&log_);
	kmm_free_cold_page(m, NULL);
	assert_true(test_log_contains(&log_, "free_cold_page: NULL page"));
	test_snapshot(m, &s1);
	assert_true(test_snapshot_equal(&s0, &s1));
	assert_int_equal(kmm_zone_pcp_info(m, 0, KMM_ZONE_NORMAL, 2, &in), KMM_EINVAL);
	assert_int_equal(kmm_zone_pcp_info(m, 3, KMM_ZONE_NORMAL, 0, &in), KMM_EINVAL);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* kmm_check notices a damaged list and a wrong count. */
static void test_check_sees_damage(void **state)
{
	kmm_machine *m;
	struct per_cpu_pages *pcp;
	struct page *p, *q;

	(void)state;
	test_pin_cpu(0);
	m = boot_quiet("mem=1G nr_cpus=2");
	p = kmm_alloc_pages(m, MOVABLE, 0);
	q = kmm_alloc_pages(m, MOVABLE, 0);
	kmm_free_pages(m, q, 0);
	pcp = pcp_ptr(m, kmm_page_zone(m, p), 0);
	pcp->count++;
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "pagesets: count is"));
	pcp->count--;
	/* a page marked PG_pcp that no list holds */
	p->flags |= 1u << PG_pcp;
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "PG_pcp pages in the memmap"));
	p->flags &= ~(1u << PG_pcp);
	assert_consistent(m, &log_);
	kmm_free_pages(m, p, 0);
	kmm_machine_destroy(m);
	test_unpin();
}

/* ---- threads ------------------------------------------------------------------------ */

struct churn {
	kmm_machine *m;
	uint64_t seed;
	int iters;
	volatile int *stop;
};

static void *churn_thread(void *p)
{
	struct churn *c = p;
	struct page *held[32] = { 0 };
	unsigned int order[32];

	for (int i = 0; i < c->iters; i++) {
		int slot = (int)(test_rand(&c->seed) % 32);

		if (held[slot]) {
			if (test_rand(&c->seed) & 1)
				kmm_free_pages(c->m, held[slot], order[slot]);
			else if (order[slot] == 0)
				kmm_free_cold_page(c->m, held[slot]);
			else
				kmm_free_pages(c->m, held[slot], order[slot]);
			held[slot] = NULL;
		} else {
			order[slot] = (unsigned int)(test_rand(&c->seed) % 4);
			held[slot] = kmm_alloc_pages(c->m, MOVABLE | __GFP_NOWARN, order[slot]);
		}
	}
	for (int i = 0; i < 32; i++)
		if (held[i])
			kmm_free_pages(c->m, held[i], order[i]);
	return NULL;
}

/* Drains, checks and reports from one thread while others allocate and free. */
static void drains_race_with_traffic(bool cas)
{
	kmm_machine *m = boot_mode("mem=1G nr_cpus=2", cas);
	struct churn c[5];
	pthread_t t[5];
	volatile int stop = 0;
	struct free_snapshot boot, now;

	test_snapshot(m, &boot);
	for (int i = 0; i < 5; i++) {
		c[i] = (struct churn){
			.m = m, .seed = 100 + (uint64_t)i, .iters = 20000, .stop = &stop
		};
		pthread_create(&t[i], NULL, churn_thread, &c[i]);
	}
	for (int i = 0; i < 50; i++) {
		char *zi;

		kmm_drain_all_pages(m, NULL);
		kmm_drain_local_pages(m, NULL);
		zi = test_report(m, KMM_REPORT_ZONEINFO);
		free(zi);
	}
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	assert_consistent(m, &log_);
	kmm_drain_all_pages(m, NULL);
	test_snapshot(m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	kmm_machine_destroy(m);
}

static void test_drains_race_with_traffic(void **state)
{
	(void)state;
	drains_race_with_traffic(false);
	drains_race_with_traffic(true);
}

/* rseq mode when the host has rseq and no more CPUs than the machine; CAS otherwise. */
static void test_mode_choice(void **state)
{
	long host = sysconf(_SC_NPROCESSORS_CONF);
	kmm_machine *m;

	(void)state;
	m = boot_mode("mem=1G nr_cpus=64", false);
	if (KMM_HAVE_RSEQ && m->rseq_offset)
		assert_int_equal(m->smp_mode, host <= 64 ? KMM_SMP_RSEQ : KMM_SMP_CAS);
	else
		assert_int_equal(m->smp_mode, KMM_SMP_CAS);
	print_message("host CPUs %ld, rseq area %s: nr_cpus=64 runs in %s mode\n", host,
		      m->rseq_offset ? "registered" : "absent",
		      m->smp_mode == KMM_SMP_RSEQ ? "rseq" : "CAS");
	kmm_machine_destroy(m);
	m = boot_mode("mem=1G nr_cpus=64", true);
	assert_int_equal(m->smp_mode, KMM_SMP_CAS);
	assert_int_equal(m->rseq_offset, 0);
	kmm_machine_destroy(m);
	if (host > 1) {
		m = boot_mode("mem=1G nr_cpus=1", false);
		assert_int_equal(m->smp_mode, KMM_SMP_CAS);
		kmm_machine_destroy(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_choice),
		cmocka_unit_test(test_batch_and_high),
		cmocka_unit_test(test_refill_takes_one_batch),
		cmocka_unit_test(test_free_returns_batch_at_high),
		cmocka_unit_test(test_hot_and_cold_ends),
		cmocka_unit_test(test_drain_makes_buddyinfo_whole),
		cmocka_unit_test(test_drain_local_and_zone),
		cmocka_unit_test(test_drain_before_failure),
		cmocka_unit_test(test_zoneinfo_pagesets),
		cmocka_unit_test(test_counters_fold),
		cmocka_unit_test(test_pcp_off),
		cmocka_unit_test(test_misuse_is_reported),
		cmocka_unit_test(test_check_sees_damage),
		cmocka_unit_test(test_drains_race_with_traffic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
