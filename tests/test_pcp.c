/* SPDX-License-Identifier: MIT */
/*
 * tests/test_pcp.c - the per-CPU page lists: batch, high_min and high_max
 * against the kernel's formulas computed here independently, 6.18's high
 * auto-tuning (refills that double and raise high, frees that raise it and
 * return what was freed lately, decay by kmm_vmstat_refresh and below the
 * high watermark, the allocator noting ZONE_BELOW_HIGH),
 * hot and cold ends, drains that make buddyinfo whole again, pcp pages
 * outside NR_FREE_PAGES, zoneinfo's pagesets, the drain before an
 * allocation fails, pcp=0, drains racing with allocating threads, and
 * fresh pagesets after boot whichever host CPU booted.
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

/* zone_highsize: `total` (the low watermark, or managed / 8 for high_max) over the node's CPUs, at
 * least 4 * batch. */
static int expect_high(unsigned long total, int node_cpus, int all_cpus, int batch)
{
	long high = (long)(total / (unsigned long)(node_cpus ? node_cpus : all_cpus));

	return high > 4l * batch ? (int)high : 4 * batch;
}

/*
 * Pages in CPU cpu's hot arrays of zone (page/pcp_hot.h): they are in front
 * of the lists, counted in zoneinfo's count, and not seen by the tuning.
 */
static int hot_pages(kmm_machine *m, struct zone *zone, int cpu)
{
	struct per_cpu_pages *pcp = pcp_ptr(m, zone, cpu);
	int n = 0;

	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		n += (int)pcp_hot_avail(&pcp->hot[mt]);
	return n;
}

/* Does this machine put order-0 frees into the hot arrays (rseq mode)? */
static bool hot_arrays(kmm_machine *m)
{
	return KMM_HAVE_RSEQ && m->smp_mode == KMM_SMP_RSEQ;
}

#define MOVABLE (GFP_KERNEL | __GFP_MOVABLE)
#define SCALE_MAX 5 /* CONFIG_PCP_BATCH_SCALE_MAX */

/* ---- sizes -------------------------------------------------------------------------- */

static void check_sizes(const char *cmdline)
{
	kmm_machine *m = boot_quiet(cmdline);
	int checked = 0;

	kmm_deferred_init_all(m); /* pcp sizes are set for the final managed counts */

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++) {
		int node_cpus = 0;

		for (int c = 0; c < kmm_nr_cpus(m); c++)
			node_cpus += kmm_cpu_to_node(m, c) == nid;
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			struct zone *zone = Z(m, nid, z);
			int batch, high_min, high_max;

			if (!zone->managed_pages)
				continue;
			batch = expect_batch(zone->managed_pages, kmm_page_size(m));
			high_min = expect_high(zone->_watermark[WMARK_LOW], node_cpus,
					       kmm_nr_cpus(m), batch);
			high_max = expect_high(zone->managed_pages / 8, node_cpus, kmm_nr_cpus(m),
					       batch);
			for (int c = 0; c < kmm_nr_cpus(m); c++) {
				struct kmm_pcp_info in = pcp_info(m, nid, z, c);

				assert_int_equal(in.batch, batch);
				assert_int_equal(in.high_min, high_min);
				assert_int_equal(in.high_max, high_max);
				/* tuned within [high_min, high_max] once used; 0 before */
				assert_true(in.high == 0 ||
					    (in.high >= high_min && in.high <= high_max));
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

/* ---- refill and return: 6.18's high auto-tuning ----------------------------------------- */

/*
 * Put every pageset of a zone back in its boot state (high 0, no refill or
 * free history), which boot-time users of the lists (the slab caches)
 * have moved on from. The lists must be empty.
 */
static void reset_tuning(kmm_machine *m, struct zone *zone)
{
	for (int c = 0; c < kmm_nr_cpus(m); c++) {
		struct per_cpu_pages *pcp = pcp_ptr(m, zone, c);

		assert_int_equal(pcp->count, 0);
		pcp->high = 0;
		pcp->alloc_factor = 0;
		pcp->free_count = 0;
		pcp->flags = 0;
	}
}

/*
 * Refills in a row, with no free between, double (alloc_factor), from one
 * batch up to batch << 5, and each raises high by its size while the zone
 * is above its high watermark: 63, 126, 252, 504, 1008, 2016, 2016 ...
 * pages leave the zone, one refill per emptied list.
 */
static void refill_grows(bool cas)
{
	kmm_machine *m;
	struct zone *normal;
	struct page **held;
	struct kmm_pcp_info in;
	long free0, taken = 0;
	int batch, high, n = 0, nr = 0;
	const int refills = 7;

	test_pin_cpu(0);
	m = boot_mode("mem=4G nr_cpus=2", cas);
	normal = Z(m, 0, KMM_ZONE_NORMAL);
	reset_tuning(m, normal);
	in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
	batch = in.batch;
	assert_int_equal(batch, 63);
	/* a pageset nobody has used reads high 0, as zoneinfo shows on Linux */
	assert_int_equal(in.high, 0);
	free0 = normal->vm_stat[NR_FREE_PAGES];
	for (int r = 0; r < refills; r++)
		nr += batch << (r < SCALE_MAX ? r : SCALE_MAX);
	held = calloc((size_t)nr + 1, sizeof(*held));
	high = in.high_min;
	for (int r = 0; r < refills; r++) {
		int size = batch << (r < SCALE_MAX ? r : SCALE_MAX);

		/* the list is empty: this allocation refills it */
		held[n++] = kmm_alloc_pages(m, MOVABLE, 0);
		assert_non_null(held[n - 1]);
		assert_int_equal(kmm_page_zonenum(m, held[n - 1]), KMM_ZONE_NORMAL);
		taken += size;
		assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free0 - taken);
		assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, size - 1);
		high = high + size < in.high_max ? high + size : in.high_max;
		assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).high, high);
		/* the rest of the refill comes from the list, without touching the zone */
		for (int i = 1; i < size; i++)
			held[n++] = kmm_alloc_pages(m, MOVABLE, 0);
		assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free0 - taken);
		assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);
	}
	/* the other CPU's lists were never touched */
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 1).high, 0);
	assert_consistent(m, &log_);

	/* order 2 takes max(batch >> 2, 2) blocks, not scaled by alloc_factor */
	{
		struct page *big = kmm_alloc_pages(m, MOVABLE, 2);

		assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, ((batch >> 2) - 1) * 4);
		kmm_free_pages(m, big, 2);
	}
	while (n)
		kmm_free_pages(m, held[--n], 0);
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free0);
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

static void test_refill_grows(void **state)
{
	(void)state;
	refill_grows(false);
	refill_grows(true);
}

/*
 * Frees in a row onto an empty list, each checked against 6.18's rules
 * written out here: free_count counts the frees (up to batch << 5); when
 * count reaches high, high is raised to hold free_count + batch (within
 * high_max) and free_count pages (between batch and high - batch, high
 * being the value before the raise) go back to the zone.
 */
static void free_tunes_high(bool cas)
{
	kmm_machine *m;
	struct zone *normal;
	struct page **held;
	struct kmm_pcp_info in;
	int nr, count = 0, high, free_count = 0, returns = 0, big_returns = 0, batch, hot;
	long free_before, returned = 0;

	test_pin_cpu(0);
	m = boot_mode("mem=4G nr_cpus=2", cas);
	hot = hot_arrays(m) ? PCP_HOT_MAX : 0;
	assert_true(cas ? hot == 0 : true);
	normal = Z(m, 0, KMM_ZONE_NORMAL);
	in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
	batch = in.batch;
	nr = 3 * in.high_min + 8 * batch;
	held = calloc((size_t)nr, sizeof(*held));
	for (int i = 0; i < nr; i++) {
		held[i] = kmm_alloc_pages(m, MOVABLE, 0);
		assert_non_null(held[i]);
		assert_int_equal(kmm_page_zonenum(m, held[i]), KMM_ZONE_NORMAL);
	}
	kmm_drain_local_pages(m, NULL);
	in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
	assert_int_equal(in.count, 0);
	/* the allocations raised high above high_min */
	assert_true(in.high > in.high_min && in.high <= in.high_max);
	/* start the frees from high_min, as after a decay; free_count is 0 after the allocations */
	pcp_ptr(m, normal, 0)->high = in.high_min;
	assert_int_equal(pcp_ptr(m, normal, 0)->free_count, 0);
	high = in.high_min;
	free_before = normal->vm_stat[NR_FREE_PAGES];
	for (int i = 0; i < nr; i++) {
		int limit;

		kmm_free_pages(m, held[i], 0);
		/* the first frees fill the hot array, which the tuning does not see */
		if (i < hot) {
			assert_int_equal(hot_pages(m, normal, 0), i + 1);
			assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, i + 1);
			assert_int_equal(pcp_ptr(m, normal, 0)->free_count, 0);
			continue;
		}
		count++;
		if (free_count < batch << SCALE_MAX)
			free_count++;
		limit = high;
		if (count >= high && high < free_count + batch)
			high = free_count + batch < in.high_max ? free_count + batch : in.high_max;
		if (count >= limit) {
			int f = free_count < batch ? batch : free_count;

			if (f > limit - batch)
				f = limit - batch;
			count -= f;
			returned += f;
			returns++;
			big_returns += f > batch;
		}
		in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
		assert_int_equal(in.count, count + hot);
		assert_int_equal(hot_pages(m, normal, 0), hot);
		assert_int_equal(in.high, high);
		/* pages on the list are not free pages of the zone */
		assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free_before + returned);
	}
	assert_true(returns >= 2);
	/* frees in a row return what was freed lately, not one batch */
	assert_true(big_returns >= 1);
	assert_consistent(m, &log_);
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);
	assert_int_equal(normal->vm_stat[NR_FREE_PAGES], free_before + nr);
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

static void test_free_tunes_high(void **state)
{
	(void)state;
	free_tunes_high(false);
	free_tunes_high(true);
}

/*
 * Decay: kmm_vmstat_refresh (the vmstat worker's step) lowers high by an
 * eighth a call, never below high_min, and hands back the pages above it;
 * once high is high_min it reports nothing left to do. A zone below its
 * high watermark (ZONE_BELOW_HIGH) lowers high on every free instead.
 */
static void test_high_decays(void **state)
{
	kmm_machine *m;
	struct zone *normal;
	struct page **held;
	struct kmm_pcp_info in;
	int nr, rounds = 0, n;

	(void)state;
	test_pin_cpu(0);
	m = boot_quiet("mem=4G nr_cpus=2");
	normal = Z(m, 0, KMM_ZONE_NORMAL);
	in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
	nr = 4 * in.high_min;
	held = calloc((size_t)nr, sizeof(*held));
	for (int i = 0; i < nr; i++)
		held[i] = kmm_alloc_pages(m, MOVABLE, 0);
	for (int i = 0; i < nr; i++)
		kmm_free_pages(m, held[i], 0);
	in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
	assert_true(in.high > in.high_min);
	assert_true(in.count > 0);
	for (;;) {
		struct kmm_pcp_info before = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
		int expect = before.high - before.high / 8;
		int todo, hot = hot_pages(m, normal, 0);

		/* the decay works on the lists; the hot array stays as it is */
		before.count -= hot;
		if (before.count - (before.batch << SCALE_MAX) > expect)
			expect = before.count - (before.batch << SCALE_MAX);
		if (expect < before.high_min)
			expect = before.high_min;
		if (before.high <= before.high_min)
			expect = before.high;
		todo = kmm_vmstat_refresh(m);
		in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
		assert_int_equal(hot_pages(m, normal, 0), hot);
		in.count -= hot;
		assert_int_equal(in.high, expect);
		assert_true(in.count <= (in.high > before.count ? before.count : in.high));
		if (!todo)
			break;
		assert_true(++rounds < 100);
	}
	assert_int_equal(in.high, in.high_min);
	assert_true(rounds > 3);
	assert_consistent(m, &log_);

	/* below the high watermark, every free lowers high towards high_min */
	n = 0;
	for (int i = 0; i < nr; i++)
		held[n++] = kmm_alloc_pages(m, MOVABLE, 0);
	kmm_drain_local_pages(m, NULL);
	in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
	assert_true(in.high > in.high_min);
	zone_set_flag(normal, ZONE_BELOW_HIGH);
	{
		int prev = in.high;

		for (int i = 0; i < 3 * in.batch; i++) {
			kmm_free_pages(m, held[--n], 0);
			in = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
			assert_true(in.high <= prev);
			assert_true(in.count <= (in.high_min > in.count ? in.high_min : in.count));
			prev = in.high;
		}
		assert_int_equal(in.high, in.high_min);
	}
	while (n)
		kmm_free_pages(m, held[--n], 0);
	/* the zone is far above high again: the next bulk free cleared the flag */
	assert_false(zone_test_flag(normal, ZONE_BELOW_HIGH));
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

/* The allocator notes a zone that falls below its high watermark (ZONE_BELOW_HIGH). */
static void test_below_high_is_noted(void **state)
{
	kmm_machine *m = boot_quiet("mem=64M nr_cpus=1");
	struct zone *dma32 = Z(m, 0, KMM_ZONE_DMA32);
	struct page **held = calloc(20000, sizeof(*held));
	int n = 0;

	(void)state;
	assert_false(zone_test_flag(dma32, ZONE_BELOW_HIGH));
	while (n < 20000 &&
	       (unsigned long)dma32->vm_stat[NR_FREE_PAGES] >= high_wmark_pages(dma32) + 2048) {
		held[n] = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0);
		assert_non_null(held[n]);
		n++;
	}
	assert_false(zone_test_flag(dma32, ZONE_BELOW_HIGH));
	while (n < 20000 && (unsigned long)dma32->vm_stat[NR_FREE_PAGES] >= high_wmark_pages(dma32))
		held[n++] = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0);
	/* the next allocation sees the zone below high */
	held[n++] = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0);
	assert_true(zone_test_flag(dma32, ZONE_BELOW_HIGH));
	while (n)
		if (held[--n])
			kmm_free_pages(m, held[n], 0);
	assert_false(zone_test_flag(dma32, ZONE_BELOW_HIGH));
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- hot and cold ---------------------------------------------------------------------- */

static void hot_and_cold_ends(bool cas)
{
	kmm_machine *m;
	struct page *a, *b, *c, *p;
	unsigned long last;
	int factor;

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
	if (hot_arrays(m)) {
		/* array: a c (c on top), list: b; cold ends never touch the array */
		assert_int_equal(hot_pages(m, kmm_page_zone(m, a), 0), 2);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE | __GFP_COLD, 0), b);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), c);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), a);
		assert_int_equal(hot_pages(m, kmm_page_zone(m, a), 0), 0);
	} else {
		/* list: c a b */
		assert_int_equal(hot_pages(m, kmm_page_zone(m, a), 0), 0);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE | __GFP_COLD, 0), b);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), c);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE | __GFP_COLD, 0), a);
	}
	assert_int_equal(pcp_info(m, 0, KMM_ZONE_NORMAL, 0).count, 0);

	/* a refill appends in the order the buddy lists hand pages out: the cold
	 * end of a fresh batch is the last page taken, the hot end the first */
	kmm_drain_local_pages(m, NULL);
	/* the refill doubles unless a free reached the lists since the last one;
	 * the hot array's frees do not, so the factor depends on the mode */
	factor = pcp_ptr(m, kmm_page_zone(m, a), 0)->alloc_factor;
	p = kmm_alloc_pages(m, MOVABLE, 0);
	{
		struct per_cpu_pages *pcp = pcp_ptr(m, kmm_page_zone(m, p), 0);
		const struct page_list *l = &pcp->lists[order_to_pindex(MIGRATE_MOVABLE, 0)];

		last = l->tail;
		assert_int_equal(pcp->count, (pcp->batch << factor) - 1);
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
	/*
	 * the run last, onto empty lists: it waits there, since high never
	 * drops below high_min (> 64) and nothing reaches it
	 */
	kmm_drain_all_pages(m, NULL);
	assert_true(pcp_info(m, 0, KMM_ZONE_DMA, 0).high_min > 64);
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

/* The value after `label` (e.g. "high:") in the text from p on; the label's end in *end. */
static long field_after(const char *p, const char *label, const char **end)
{
	const char *f = strstr(p, label);

	assert_non_null(f);
	*end = f + strlen(label);
	return strtol(*end, NULL, 10);
}

static void test_zoneinfo_pagesets(void **state)
{
	kmm_machine *m;
	struct page *p;
	char *zi;
	const char *sec, *e;

	(void)state;
	test_pin_cpu(0);
	m = boot_quiet("mem=4G nr_cpus=2");
	p = kmm_alloc_pages(m, MOVABLE, 0);
	zi = test_report(m, KMM_REPORT_ZONEINFO);
	sec = strstr(zi, "Node 0, zone   Normal");
	assert_non_null(sec);
	sec = strstr(sec, "\n  pagesets\n");
	assert_non_null(sec);
	/* calculate_normal_threshold: 2 * fls(2 cpus) * (1 + fls(managed / 128 MiB)) */
	unsigned long mem = Z(m, 0, KMM_ZONE_NORMAL)->managed_pages >> 15;
	int fls_mem = 0, thr;

	while (mem >> fls_mem)
		fls_mem++;
	thr = 2 * 2 * (1 + fls_mem);
	thr = thr > 125 ? 125 : thr;
	for (int cpu = 0; cpu < 2; cpu++) {
		struct kmm_pcp_info in = pcp_info(m, 0, KMM_ZONE_NORMAL, cpu);

		assert_int_equal(field_after(sec, "\n    cpu: ", &e), cpu);
		assert_int_equal(field_after(e, "\n              count:    ", &e), in.count);
		assert_int_equal(field_after(e, "\n              high:     ", &e), in.high);
		assert_int_equal(field_after(e, "\n              batch:    ", &e), in.batch);
		assert_int_equal(field_after(e, "\n              high_min: ", &e), in.high_min);
		assert_int_equal(field_after(e, "\n              high_max: ", &e), in.high_max);
		assert_int_equal(field_after(e, "\n  vm stats threshold: ", &e), thr);
		sec = e;
		if (cpu == 0) {
			assert_true(in.count > 0);
			assert_true(in.high >= in.high_min && in.high <= in.high_max);
		}
	}
	assert_non_null(strstr(sec, "\n  node_unreclaimable:  0\n  start_pfn:           "));
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
		assert_int_equal(in.high_min, 0);
		assert_int_equal(in.high_max, 0);
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
	/* the kernel's disabled pagesets: high 0, batch 1, no auto-tuning range */
	zi = test_report(m, KMM_REPORT_ZONEINFO);
	{
		const char *sec = strstr(strstr(zi, "zone    DMA32"), "\n  pagesets\n"), *e;

		assert_non_null(sec);
		assert_int_equal(field_after(sec, "count:    ", &e), 0);
		assert_int_equal(field_after(e, "high:     ", &e), 0);
		assert_int_equal(field_after(e, "batch:    ", &e), 1);
		assert_int_equal(field_after(e, "high_min: ", &e), 0);
		assert_int_equal(field_after(e, "high_max: ", &e), 0);
	}
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

/* ---- the hot arrays (page/pcp_hot.h) ------------------------------------------------ */

/*
 * In rseq mode an order-0 free goes into this CPU's array without touching
 * the lists and the next allocation pops it; the vm counters stay exact;
 * a second free from this CPU is caught; kmm_check sees a page in two
 * arrays (what two frees racing from two CPUs leave) and a page in an
 * array that is not free; a pop that finds its page in use reports it and
 * hands out another; drains empty the arrays. In CAS mode they stay empty.
 */
static void hot_arrays_work(bool cas)
{
	kmm_machine *m;
	struct zone *zone;
	struct per_cpu_pages *pcp0, *pcp1;
	struct page *p, *q, *r;
	unsigned long pgalloc, pgfree, pfn;
	long free0;
	int mt, count;

	test_pin_cpu(0);
	m = boot_mode("mem=1G nr_cpus=2", cas);
	p = kmm_alloc_pages(m, MOVABLE, 0);
	q = kmm_alloc_pages(m, MOVABLE, 0);
	zone = kmm_page_zone(m, q);
	pfn = kmm_page_to_pfn(m, q);
	mt = get_pageblock_migratetype(zone, pfn);
	assert_true(mt < MIGRATE_PCPTYPES);
	pcp0 = pcp_ptr(m, zone, 0);
	pcp1 = pcp_ptr(m, zone, 1);
	count = pcp0->count;
	kmm_free_pages(m, q, 0);
	if (!hot_arrays(m)) {
		assert_true(cas || !KMM_HAVE_RSEQ);
		assert_int_equal(hot_pages(m, zone, 0), 0);
		assert_int_equal(pcp0->count, count + 1);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), q);
		goto out;
	}
	/* into the array: the lists did not move, the page is free and unlisted */
	assert_int_equal(hot_pages(m, zone, 0), 1);
	assert_int_equal(pcp0->hot[mt].pfn[0], pfn);
	assert_int_equal(pcp0->count, count);
	assert_int_equal(pcp_info(m, 0, (int)zone->idx, 0).count, count + 1);
	assert_int_equal(kmm_page_ref_count(m, q), 0);
	assert_false(page_test(q, PG_pcp));
	assert_consistent(m, &log_);
	r = kmm_alloc_pages(m, MOVABLE, 0);
	assert_ptr_equal(r, q);
	assert_int_equal(hot_pages(m, zone, 0), 0);
	assert_int_equal(kmm_page_ref_count(m, q), 1);

	/* counters: every pop is an allocation, every push a free */
	pcp_vmstat_fold(m);
	pgalloc = zone->pgalloc;
	pgfree = zone->pgfree;
	for (int i = 0; i < 1000; i++) {
		kmm_free_pages(m, q, 0);
		assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0), q);
	}
	assert_int_equal(pcp0->count, count);
	pcp_vmstat_fold(m);
	assert_int_equal(zone->pgalloc - pgalloc, 1000);
	assert_int_equal(zone->pgfree - pgfree, 1000);

	/* a second free from this CPU: reported, the array holds the page once */
	kmm_free_pages(m, q, 0);
	test_log_clear(&log_);
	kmm_free_pages(m, q, 0);
	assert_true(test_log_contains(&log_, "double free"));
	assert_int_equal(hot_pages(m, zone, 0), 1);
	assert_consistent(m, &log_);

	/* the same pfn in CPU 1's array too, as two racing frees would leave it */
	pcp1->hot[mt].pfn[0] = (uint32_t)pfn;
	pcp1->hot[mt].word = 1;
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "is in two arrays"));
	pcp1->hot[mt].word = 0;
	/* a page in the array that is in use */
	set_page_count(q, 1);
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "is not free"));
	/* ... and the allocation that pops it: reported, another page handed out */
	test_log_clear(&log_);
	r = kmm_alloc_pages(m, MOVABLE, 0);
	assert_non_null(r);
	assert_ptr_not_equal(r, q);
	assert_true(test_log_contains(&log_, "a page in a per-CPU array is in use"));
	assert_int_equal(hot_pages(m, zone, 0), 0);
	assert_int_equal(kmm_page_ref_count(m, q), 1);
	/* undo the damage: q free in the array again */
	set_page_count(q, 0);
	pcp0->hot[mt].pfn[0] = (uint32_t)pfn;
	pcp0->hot[mt].word = 1;
	assert_consistent(m, &log_);
	kmm_free_pages(m, r, 0);
	assert_consistent(m, &log_);

	/* a drain empties the arrays: every page back in the buddy lists */
	kmm_free_pages(m, p, 0);
	assert_int_equal(hot_pages(m, zone, 0), 3 > PCP_HOT_MAX ? PCP_HOT_MAX : 3);
	free0 = zone->vm_stat[NR_FREE_PAGES];
	kmm_drain_local_pages(m, NULL);
	assert_int_equal(hot_pages(m, zone, 0), 0);
	assert_int_equal(pcp_info(m, 0, (int)zone->idx, 0).count, 0);
	assert_true(zone->vm_stat[NR_FREE_PAGES] >= free0 + 3);
	p = NULL;
out:
	if (p)
		kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

static void test_hot_arrays(void **state)
{
	(void)state;
	hot_arrays_work(false);
	hot_arrays_work(true);
}

/* A full array sends frees to the lists, an empty one allocations. */
static void test_hot_array_full(void **state)
{
	kmm_machine *m;
	struct page *held[PCP_HOT_MAX + 4];
	struct zone *zone;
	int n = PCP_HOT_MAX + 4, count;

	(void)state;
	test_pin_cpu(0);
	m = boot_quiet("mem=1G nr_cpus=2");
	for (int i = 0; i < n; i++)
		held[i] = kmm_alloc_pages(m, MOVABLE, 0);
	zone = kmm_page_zone(m, held[0]);
	count = pcp_ptr(m, zone, 0)->count;
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, held[i], 0);
	if (hot_arrays(m)) {
		assert_int_equal(hot_pages(m, zone, 0), PCP_HOT_MAX);
		assert_int_equal(pcp_ptr(m, zone, 0)->count, count + n - PCP_HOT_MAX);
		/* allocations empty the array first (last in, first out), then the list */
		for (int i = n - 1; i >= n - PCP_HOT_MAX; i--)
			assert_ptr_equal(kmm_alloc_pages(m, MOVABLE, 0),
					 held[i - (n - PCP_HOT_MAX)]);
		assert_int_equal(hot_pages(m, zone, 0), 0);
		assert_int_equal(pcp_ptr(m, zone, 0)->count, count + n - PCP_HOT_MAX);
		for (int i = 0; i < PCP_HOT_MAX; i++)
			kmm_free_pages(m, held[i], 0);
	}
	assert_consistent(m, &log_);
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
/*
 * Boot leaves every pageset fresh - nothing listed, high 0, as zoneinfo
 * shows a pageset nobody has used - whichever host CPU booted the machine.
 * The slab layer's boot allocations went through the booting CPU's lists
 * (Linux's go through its boot pagesets, straight to the buddy lists), and
 * what they tuned there (high, alloc_factor, free_count) must not stay:
 * it made a pinned replay depend on the CPU the machine booted on. So the
 * same traffic on CPU 0 gets the same pages and the same tuning after a
 * boot on host CPU 0 and after one on host CPU 1 (on a 1-CPU host both
 * boots run on CPU 0 and the test only checks the fresh pagesets).
 */
#define BOOT_TRAFFIC 300

static void boot_then_traffic(int host, bool cas, unsigned long pfns[BOOT_TRAFFIC],
			      struct kmm_pcp_info *after)
{
	struct page *pages[BOOT_TRAFFIC];
	kmm_machine *m;

	test_pin_cpu(host);
	if (cas)
		setenv("KMM_RSEQ", "0", 1);
	m = test_boot("mem=4G nr_cpus=2", &log_);
	unsetenv("KMM_RSEQ");
	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			for (int cpu = 0; cpu < 2; cpu++) {
				struct kmm_pcp_info in = pcp_info(m, nid, z, cpu);

				assert_int_equal(in.count, 0);
				assert_int_equal(in.high, 0);
			}
	test_pin_cpu(0);
	for (int i = 0; i < BOOT_TRAFFIC; i++) {
		pages[i] = kmm_alloc_pages(m, MOVABLE, 0);
		assert_non_null(pages[i]);
		pfns[i] = kmm_page_to_pfn(m, pages[i]);
		if (i % 3 == 2) /* frees between, so high and free_count move too */
			kmm_free_pages(m, pages[i - 1], 0);
	}
	*after = pcp_info(m, 0, KMM_ZONE_NORMAL, 0);
	for (int i = 0; i < BOOT_TRAFFIC; i++)
		if (i % 3 != 1)
			kmm_free_pages(m, pages[i], 0);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
}

static void test_boot_leaves_pagesets_fresh(void **state)
{
	(void)state;
	for (int cas = 0; cas < 2; cas++) {
		unsigned long pfns[2][BOOT_TRAFFIC];
		struct kmm_pcp_info after[2];

		for (int host = 0; host < 2; host++)
			boot_then_traffic(host, cas, pfns[host], &after[host]);
		assert_memory_equal(pfns[0], pfns[1], sizeof(pfns[0]));
		assert_int_equal(after[0].count, after[1].count);
		assert_int_equal(after[0].high, after[1].high);
		assert_true(after[0].high >= after[0].high_min);
	}
	test_unpin();
}

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
		cmocka_unit_test(test_refill_grows),
		cmocka_unit_test(test_free_tunes_high),
		cmocka_unit_test(test_high_decays),
		cmocka_unit_test(test_below_high_is_noted),
		cmocka_unit_test(test_hot_and_cold_ends),
		cmocka_unit_test(test_drain_makes_buddyinfo_whole),
		cmocka_unit_test(test_drain_local_and_zone),
		cmocka_unit_test(test_drain_before_failure),
		cmocka_unit_test(test_zoneinfo_pagesets),
		cmocka_unit_test(test_counters_fold),
		cmocka_unit_test(test_pcp_off),
		cmocka_unit_test(test_misuse_is_reported),
		cmocka_unit_test(test_check_sees_damage),
		cmocka_unit_test(test_hot_arrays),
		cmocka_unit_test(test_hot_array_full),
		cmocka_unit_test(test_drains_race_with_traffic),
		cmocka_unit_test(test_boot_leaves_pagesets_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
