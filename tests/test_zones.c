/* SPDX-License-Identifier: MIT */
/*
 * tests/test_zones.c - the zone allocator: zone choice per gfp modifier,
 * zonelist fallback across zones and nodes, watermarks and lowmem reserves
 * recomputed here from the kernel's formulas for several machine sizes,
 * reserve rights (__GFP_HIGH, atomic, __GFP_MEMALLOC), the HighAtomic
 * reserve, migratetype fallback and pageblock claiming, what mobility
 * grouping buys against fragmentation, and refused bad input.
 */
#include "kmm_test.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "frag_workload.h"
#include "page/internal.h"

static struct test_log log_;

static struct zone *Z(kmm_machine *m, int nid, int z)
{
	return &m->node_data[nid]->node_zones[z];
}

/* ---- zone choice ------------------------------------------------------------ */

static void test_gfp_zone_table(void **state)
{
	(void)state;
	assert_int_equal(gfp_zone(GFP_KERNEL), KMM_ZONE_NORMAL);
	assert_int_equal(gfp_zone(__GFP_DMA), KMM_ZONE_DMA);
	assert_int_equal(gfp_zone(__GFP_DMA32), KMM_ZONE_DMA32);
	assert_int_equal(gfp_zone(__GFP_HIGHMEM), KMM_ZONE_HIGHMEM);
	assert_int_equal(gfp_zone(__GFP_MOVABLE), KMM_ZONE_NORMAL);
	assert_int_equal(gfp_zone(__GFP_MOVABLE | __GFP_HIGHMEM), KMM_ZONE_MOVABLE);
	assert_int_equal(gfp_zone(__GFP_MOVABLE | __GFP_DMA), KMM_ZONE_DMA);
	assert_int_equal(gfp_zone(__GFP_MOVABLE | __GFP_DMA32), KMM_ZONE_DMA32);
	assert_int_equal(gfp_zone(__GFP_DMA | __GFP_DMA32), ZONE_BAD);
	assert_int_equal(gfp_zone(__GFP_DMA | __GFP_HIGHMEM), ZONE_BAD);
	assert_int_equal(gfp_zone(__GFP_DMA32 | __GFP_HIGHMEM), ZONE_BAD);
}

#define ALLZONES "mem=6G highmem=1G movablecore=512M nr_cpus=1 pcp=0"

/* The first choice of each modifier is its highest populated allowed zone. */
static void test_zone_choice_per_modifier(void **state)
{
	static const struct {
		gfp_t gfp;
		int zone;
	} cases[] = {
		{ GFP_KERNEL, KMM_ZONE_NORMAL },
		{ GFP_DMA, KMM_ZONE_DMA },
		{ GFP_DMA32, KMM_ZONE_DMA32 },
		{ GFP_HIGHUSER, KMM_ZONE_HIGHMEM },
		{ GFP_HIGHUSER_MOVABLE, KMM_ZONE_MOVABLE },
		{ GFP_KERNEL | __GFP_MOVABLE, KMM_ZONE_NORMAL },
		{ GFP_KERNEL | __GFP_MOVABLE | __GFP_DMA32, KMM_ZONE_DMA32 },
	};
	kmm_machine *m = test_boot(ALLZONES, &log_);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct page *p = kmm_alloc_pages(m, cases[i].gfp, 0);

		assert_non_null(p);
		if (kmm_page_zonenum(m, p) != cases[i].zone)
			fail_msg("gfp %#x: zone %d, expected %d", cases[i].gfp,
				 kmm_page_zonenum(m, p), cases[i].zone);
		kmm_free_pages(m, p, 0);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_invalid_gfp_refused(void **state)
{
	kmm_machine *m = test_boot("mem=1G", &log_);
	static const gfp_t bad[] = {
		__GFP_DMA | __GFP_DMA32,     __GFP_DMA | __GFP_HIGHMEM,
		__GFP_DMA32 | __GFP_HIGHMEM, GFP_KERNEL | 0x200u /* unused in 6.18 */,
		GFP_KERNEL | 0x40000000u,
	};
	unsigned long before = test_free_pages(m);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_log_clear(&log_);
		assert_null(kmm_alloc_pages(m, bad[i], 0));
		assert_true(test_log_contains(&log_, "invalid gfp mask"));
	}
	assert_true(test_log_contains(&log_, "unknown bits"));
	test_log_clear(&log_);
	assert_null(kmm_alloc_pages_node(m, 5, GFP_KERNEL, 0));
	assert_true(test_log_contains(&log_, "node 5 does not exist"));
	{
		uint64_t mask = 0x6; /* nodes 1 and 2: not on this machine */

		test_log_clear(&log_);
		assert_null(kmm_alloc_pages_nodemask(m, GFP_KERNEL, 0, -1, &mask));
		assert_true(test_log_contains(&log_, "has no node with memory"));
	}
	assert_int_equal(test_free_pages(m), before);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- zonelists and fallback ---------------------------------------------------- */

static void test_zonelist_order(void **state)
{
	kmm_machine *m = test_boot("mem=8G nr_cpus=2 numa=fake=2", &log_);
	struct zone *const *zl = m->node_data[1]->node_zonelists[ZONELIST_FALLBACK].zones;
	struct zone *const *nf = m->node_data[0]->node_zonelists[ZONELIST_NOFALLBACK].zones;

	(void)state;
	/* node 1: its own Normal, then node 0 from the highest zone down */
	assert_ptr_equal(zl[0], Z(m, 1, KMM_ZONE_NORMAL));
	assert_ptr_equal(zl[1], Z(m, 0, KMM_ZONE_NORMAL));
	assert_ptr_equal(zl[2], Z(m, 0, KMM_ZONE_DMA32));
	assert_ptr_equal(zl[3], Z(m, 0, KMM_ZONE_DMA));
	assert_null(zl[4]);
	assert_ptr_equal(nf[0], Z(m, 0, KMM_ZONE_NORMAL));
	assert_ptr_equal(nf[2], Z(m, 0, KMM_ZONE_DMA));
	assert_null(nf[3]);
	kmm_machine_destroy(m);
}

/*
 * Fill node 0 with GFP_KERNEL order-9 blocks. The fast path (low watermark)
 * takes node 0's Normal, then its DMA32, never DMA (its lowmem reserve
 * against Normal-capable requests is larger than the zone), then node 1;
 * once every zone is below low, the slow path walks the same list again at
 * the min watermark.
 */
static void test_fallback_across_zones_and_nodes(void **state)
{
	kmm_machine *m = test_boot("mem=8G nr_cpus=2 numa=fake=2 pcp=0 kswapd=0", &log_);
	struct page **held = calloc(8192, sizeof(*held));
	int seq[16][2], nseq = 0, n = 0;

	(void)state;
	while (n < 8192) {
		struct page *p = kmm_alloc_pages_node(m, 0, GFP_KERNEL | __GFP_NOWARN, 9);
		int nid, z;

		if (!p)
			break;
		held[n++] = p;
		nid = kmm_page_to_nid(m, p);
		z = kmm_page_zonenum(m, p);
		if (nseq == 0 || seq[nseq - 1][0] != nid || seq[nseq - 1][1] != z) {
			assert_true(nseq < 16);
			seq[nseq][0] = nid;
			seq[nseq][1] = z;
			nseq++;
		}
	}
	assert_true(nseq >= 3);
	for (int i = 0; i < nseq; i++) {
		assert_int_equal(seq[i][0], i % 3 == 2 ? 1 : 0);
		assert_int_equal(seq[i][1], i % 3 == 1 ? KMM_ZONE_DMA32 : KMM_ZONE_NORMAL);
	}
	assert_int_equal(seq[0][0], 0);
	assert_int_equal(seq[0][1], KMM_ZONE_NORMAL);
	assert_int_equal(seq[1][0], 0);
	assert_int_equal(seq[1][1], KMM_ZONE_DMA32);
	assert_int_equal(seq[2][0], 1);
	assert_int_equal(seq[2][1], KMM_ZONE_NORMAL);
	/* DMA was protected throughout */
	assert_int_equal(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA),
			 kmm_zone_managed_pages(m, 0, KMM_ZONE_DMA));
	/* the remote allocations are counted as misses on node 1, foreign on node 0 */
	assert_true(Z(m, 1, KMM_ZONE_NORMAL)->vm_stat[NUMA_MISS] > 0);
	assert_true(Z(m, 0, KMM_ZONE_NORMAL)->vm_stat[NUMA_FOREIGN] > 0);
	/* __GFP_THISNODE stays on node 0 and fails there */
	{
		struct page *p =
			kmm_alloc_pages_node(m, 0, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 0);

		if (p) {
			assert_int_equal(kmm_page_to_nid(m, p), 0);
			kmm_free_pages(m, p, 0);
		}
	}
	/* a nodemask of node 1 only serves from node 1 */
	{
		uint64_t mask = 0x2;
		struct page *p = kmm_alloc_pages_nodemask(m, GFP_KERNEL, 0, 0, &mask);

		assert_non_null(p);
		assert_int_equal(kmm_page_to_nid(m, p), 1);
		kmm_free_pages(m, p, 0);
	}
	while (n-- > 0)
		kmm_free_pages(m, held[n], 9);
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

/* ---- watermarks, recomputed from the formulas ---------------------------------- */

static unsigned long isqrt(unsigned long x)
{
	unsigned long r = (unsigned long)sqrt((double)x);

	while (r * r > x)
		r--;
	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

static void check_watermarks(const char *cmdline, long user_min_free_kbytes, int scale)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	unsigned long lowmem = 0, min_free_kbytes, pages_min;
	static const int ratio[KMM_NR_ZONES] = { 256, 256, 32, 0, 0 };

	/* Watermarks were set at boot for the final managed counts; read those. */
	kmm_deferred_init_all(m);

	for (int n = 0; n < m->nr_nodes; n++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			if (z != KMM_ZONE_HIGHMEM && z != KMM_ZONE_MOVABLE)
				lowmem += Z(m, n, z)->managed_pages;
	if (user_min_free_kbytes >= 0) {
		min_free_kbytes = (unsigned long)user_min_free_kbytes;
	} else {
		min_free_kbytes = isqrt(lowmem * 4 * 16);
		if (min_free_kbytes < 128)
			min_free_kbytes = 128;
		if (min_free_kbytes > 262144)
			min_free_kbytes = 262144;
	}
	pages_min = min_free_kbytes >> 2;
	for (int n = 0; n < m->nr_nodes; n++) {
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			struct zone *zone = Z(m, n, z);
			unsigned long managed = zone->managed_pages;
			unsigned long share =
				(unsigned long)((unsigned __int128)pages_min * managed / lowmem);
			unsigned long min, step, sf;

			if (z == KMM_ZONE_HIGHMEM || z == KMM_ZONE_MOVABLE) {
				min = managed / 1024;
				min = min < 32 ? 32 : min > 128 ? 128 : min;
			} else {
				min = share;
			}
			sf = (unsigned long)((double)managed * scale / 10000.0);
			step = share / 4 > sf ? share / 4 : sf;
			if (zone->_watermark[WMARK_MIN] != min ||
			    zone->_watermark[WMARK_LOW] != min + step ||
			    zone->_watermark[WMARK_HIGH] != min + 2 * step)
				fail_msg("%s: node %d zone %d: wmarks %lu/%lu/%lu, expected "
					 "%lu/%lu/%lu",
					 cmdline, n, z, zone->_watermark[WMARK_MIN],
					 zone->_watermark[WMARK_LOW], zone->_watermark[WMARK_HIGH],
					 min, min + step, min + 2 * step);
			/* lowmem_reserve[j] = managed(i+1..j) / ratio[i] */
			for (int j = 0; j < KMM_NR_ZONES; j++) {
				unsigned long sum = 0;
				long expect;

				for (int k = z + 1; k <= j; k++)
					sum += Z(m, n, k)->managed_pages;
				/* 6.x: an empty zone j does not clear it */
				expect = (j <= z || ratio[z] == 0 || managed == 0)
						 ? 0
						 : (long)(sum / (unsigned long)ratio[z]);
				if (zone->lowmem_reserve[j] != expect)
					fail_msg("%s: node %d zone %d: lowmem_reserve[%d] %ld, "
						 "expected %ld",
						 cmdline, n, z, j, zone->lowmem_reserve[j], expect);
			}
		}
	}
	assert_int_equal(m->desc.min_free_kbytes, (long)min_free_kbytes);
	kmm_machine_destroy(m);
}

static void test_watermarks_match_kernel_formulas(void **state)
{
	(void)state;
	check_watermarks("mem=64M", -1, 10);
	check_watermarks("mem=256M", -1, 10);
	check_watermarks("mem=1G", -1, 10);
	check_watermarks("mem=4G", -1, 10);
	check_watermarks("mem=16G", -1, 10);
	check_watermarks("mem=64G", -1, 10);
	check_watermarks("mem=8G numa=fake=4", -1, 10);
	check_watermarks("mem=2G highmem=1G", -1, 10);
	check_watermarks("mem=4G movablecore=1G", -1, 10);
	check_watermarks("mem=4G min_free_kbytes=65536", 65536, 10);
	check_watermarks("mem=4G watermark_scale_factor=200", -1, 200);
}

/* The kernel's own examples: 1 GB of lowmem -> 4096 kB, 16 GB -> 16384 kB. */
static void test_min_free_kbytes_examples(void **state)
{
	(void)state;
	assert_int_equal(int_sqrt(1048576ul * 16), 4096);
	assert_int_equal(int_sqrt(16777216ul * 16), 16384);
	assert_int_equal(int_sqrt(8388608ul * 16), 11585);
	assert_int_equal(int_sqrt(16384ul * 16), 512);
}

/* ---- reserves -------------------------------------------------------------------- */

#define SMALL "memmap=exactmap memmap=64M@0 nr_cpus=1 pcp=0 kswapd=0"

static int take_all(kmm_machine *m, gfp_t gfp, struct page **held, int n, int max)
{
	struct page *p;

	while (n < max && (p = kmm_alloc_pages(m, gfp | __GFP_NOWARN, 0)) != NULL)
		held[n++] = p;
	return n;
}

static void test_reserve_rights(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct zone *dma = Z(m, 0, KMM_ZONE_DMA), *dma32 = Z(m, 0, KMM_ZONE_DMA32);
	struct page **held = calloc(20000, sizeof(*held));
	int n = 0;

	(void)state;
	/* an allocation that may block but not retry stops at the min watermark */
	n = take_all(m, GFP_KERNEL | __GFP_NORETRY, held, n, 20000);
	assert_int_equal(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32), min_wmark_pages(dma32));
	/* DMA also keeps its protection against Normal requests (DMA32 / 256) */
	assert_true(dma->lowmem_reserve[KMM_ZONE_NORMAL] > 0);
	assert_int_equal(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA),
			 min_wmark_pages(dma) + dma->lowmem_reserve[KMM_ZONE_NORMAL]);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0));
	/* GFP_ATOMIC (__GFP_HIGH, cannot block) still succeeds: down to 3/8 of min */
	n = take_all(m, GFP_ATOMIC, held, n, 20000);
	{
		unsigned long min = min_wmark_pages(dma32);
		unsigned long floor = min - min / 2;

		floor -= floor / 4;
		assert_int_equal(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32), floor);
	}
	/* __GFP_HIGH with direct reclaim may only go to min/2: nothing left for it */
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_HIGH | __GFP_NORETRY | __GFP_NOWARN, 0));
	/* __GFP_MEMALLOC ignores watermarks entirely */
	n = take_all(m, GFP_KERNEL | __GFP_MEMALLOC, held, n, 20000);
	assert_int_equal(test_free_pages(m), 0);
	/* the slow path and its reclaim hook were visited and counted */
	assert_true(m->events[ALLOCSTALL_NORMAL] > 0);
	assert_true(m->events[KSWAPD_WAKE] > 0);
	assert_true(m->events[PGALLOC_SLOWPATH] > 0);
	while (n-- > 0)
		kmm_free_pages(m, held[n], 0);
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

/*
 * DMA keeps its pages for DMA users while bigger zones run dry. On the
 * default 4 GiB machine DMA's protection against Normal-capable requests,
 * (DMA32 + Normal) / 256, exceeds the whole zone.
 */
static void test_lowmem_reserve_protects_dma(void **state)
{
	kmm_machine *m = test_boot("mem=4G nr_cpus=1 pcp=0", &log_);
	struct page **held = calloc(40000, sizeof(*held));
	unsigned int *orders = calloc(40000, sizeof(*orders));
	unsigned long dma_free = kmm_zone_free_pages(m, 0, KMM_ZONE_DMA);
	static const gfp_t gfps[] = { GFP_KERNEL | __GFP_NORETRY, GFP_ATOMIC };
	int n = 0;
	struct page *p;

	(void)state;
	assert_true(Z(m, 0, KMM_ZONE_DMA)->lowmem_reserve[KMM_ZONE_NORMAL] >
		    (long)kmm_zone_managed_pages(m, 0, KMM_ZONE_DMA));
	for (int g = 0; g < 2; g++)
		for (int order = 9; order >= 0; order -= 3)
			while (n < 40000 && (p = kmm_alloc_pages(m, gfps[g] | __GFP_NOWARN,
								 (unsigned int)order)) != NULL) {
				orders[n] = (unsigned int)order;
				held[n++] = p;
			}
	assert_true(kmm_zone_free_pages(m, 0, KMM_ZONE_NORMAL) <
		    min_wmark_pages(Z(m, 0, KMM_ZONE_NORMAL)));
	/* neither GFP_KERNEL nor GFP_ATOMIC touched DMA */
	assert_int_equal(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA), dma_free);
	/* a DMA request still succeeds */
	p = kmm_alloc_pages(m, GFP_DMA, 3);
	assert_non_null(p);
	assert_int_equal(kmm_page_zonenum(m, p), KMM_ZONE_DMA);
	kmm_free_pages(m, p, 3);
	while (n-- > 0)
		kmm_free_pages(m, held[n], orders[n]);
	assert_consistent(m, &log_);
	free(held);
	free(orders);
	kmm_machine_destroy(m);
}

static void test_highatomic_reserve(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct zone *dma32 = Z(m, 0, KMM_ZONE_DMA32);
	struct page *p;
	unsigned long pfn;

	(void)state;
	assert_int_equal(dma32->nr_reserved_highatomic, 0);
	/* a high-order allocation that cannot block sets a pageblock aside */
	p = kmm_alloc_pages(m, GFP_ATOMIC, 2);
	assert_non_null(p);
	assert_int_equal(dma32->nr_reserved_highatomic, 0); /* fast path: no reserve yet */
	kmm_free_pages(m, p, 2);
	/* push DMA32 below low so the atomic request takes the slow path */
	{
		struct page **held = calloc(20000, sizeof(*held));
		int n = take_all(m, GFP_KERNEL | __GFP_NORETRY, held, 0, 20000);

		p = kmm_alloc_pages(m, GFP_ATOMIC, 2);
		assert_non_null(p);
		pfn = kmm_page_to_pfn(m, p);
		assert_int_equal(get_pageblock_migratetype(page_zone(m, p), pfn),
				 MIGRATE_HIGHATOMIC);
		assert_int_equal(page_zone(m, p)->nr_reserved_highatomic, pageblock_nr_pages);
		assert_true(m->events[PGALLOC_HIGHATOMIC] == 1);
		kmm_free_pages(m, p, 2);
		/* the reserve stays: ordinary requests cannot count it as free */
		assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 2));
		/* but another atomic high-order request may use it */
		p = kmm_alloc_pages(m, GFP_ATOMIC, 2);
		assert_non_null(p);
		assert_int_equal(get_pageblock_migratetype(page_zone(m, p), kmm_page_to_pfn(m, p)),
				 MIGRATE_HIGHATOMIC);
		kmm_free_pages(m, p, 2);
		while (n-- > 0)
			kmm_free_pages(m, held[n], 0);
		free(held);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

struct freer {
	kmm_machine *m;
	struct page **held;
	int n;
};

static void *free_later(void *arg)
{
	struct freer *f = arg;

	usleep(50000);
	while (f->n-- > 0)
		kmm_free_pages(f->m, f->held[f->n], 0);
	return NULL;
}

/*
 * The retry loop: costly orders give up at once without __GFP_RETRY_MAYFAIL,
 * __GFP_NORETRY gives up after one reclaim attempt, and __GFP_NOFAIL never
 * fails: it waits until another thread frees memory.
 */
static void test_retry_modifiers(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct page **held = calloc(20000, sizeof(*held));
	struct freer f;
	pthread_t t;
	struct page *p;
	unsigned long stalls;
	int n;

	(void)state;
	n = take_all(m, GFP_KERNEL | __GFP_MEMALLOC, held, 0, 20000);
	assert_int_equal(test_free_pages(m), 0);
	stalls = m->events[ALLOCSTALL_NORMAL];
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 4));
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, 4));
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0));
	assert_int_equal(m->events[ALLOCSTALL_NORMAL], stalls + 3);
	/* an atomic request cannot reclaim: no stall counted */
	assert_null(kmm_alloc_pages(m, GFP_ATOMIC | __GFP_NOWARN, 0));
	assert_int_equal(m->events[ALLOCSTALL_NORMAL], stalls + 3);

	f = (struct freer){ m, held, n };
	assert_int_equal(pthread_create(&t, NULL, free_later, &f), 0);
	p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOFAIL, 0);
	assert_non_null(p);
	/* it had to wait: it stalled (reclaimed) more than once */
	assert_true(m->events[ALLOCSTALL_NORMAL] > stalls + 4);
	pthread_join(t, NULL);
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

/* ---- anti-fragmentation ----------------------------------------------------------- */

static int block_type(kmm_machine *m, struct page *p)
{
	return get_pageblock_migratetype(page_zone(m, p), kmm_page_to_pfn(m, p));
}

static void test_migratetype_fallback_and_claiming(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	unsigned long steals;
	struct page *u1, *u2, *r1, *mv;

	(void)state;
	/* boot: every pageblock is Movable */
	assert_int_equal(Z(m, 0, KMM_ZONE_DMA32)->pageblock_mt[3], MIGRATE_MOVABLE);
	/* an unmovable request steals from Movable and claims the whole pageblock */
	u1 = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_int_equal(block_type(m, u1), MIGRATE_UNMOVABLE);
	assert_int_equal(m->events[PGSTEAL_FALLBACK], 1);
	assert_int_equal(m->events[PGBLOCK_CLAIMED], 1);
	/* the next unmovable page comes from the claimed block: no new steal */
	steals = m->events[PGSTEAL_FALLBACK];
	u2 = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_int_equal(m->events[PGSTEAL_FALLBACK], steals);
	assert_int_equal(kmm_page_to_pfn(m, u2) >> pageblock_order,
			 kmm_page_to_pfn(m, u1) >> pageblock_order);
	/* reclaimable requests get a block of their own */
	r1 = kmm_alloc_pages(m, GFP_KERNEL | __GFP_RECLAIMABLE, 0);
	assert_int_equal(block_type(m, r1), MIGRATE_RECLAIMABLE);
	assert_true(kmm_page_to_pfn(m, r1) >> pageblock_order !=
		    kmm_page_to_pfn(m, u1) >> pageblock_order);
	/* movable requests use Movable blocks, no fallback */
	steals = m->events[PGSTEAL_FALLBACK];
	mv = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
	assert_int_equal(block_type(m, mv), MIGRATE_MOVABLE);
	assert_int_equal(m->events[PGSTEAL_FALLBACK], steals);
	kmm_free_pages(m, u1, 0);
	kmm_free_pages(m, u2, 0);
	kmm_free_pages(m, r1, 0);
	kmm_free_pages(m, mv, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/*
 * A movable request that finds only small free blocks (below order
 * pageblock_order / 2) in unmovable pageblocks borrows the smallest one and
 * does not claim the block; a large free block is claimed.
 */
static void test_movable_fallback_does_not_claim(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=16M@0 nr_cpus=1 pcp=0", &log_);
	struct page **held = calloc(4096, sizeof(*held));
	struct zone *dma = Z(m, 0, KMM_ZONE_DMA);
	int n = 0, nblocks = (int)(dma->spanned_pages >> pageblock_order);
	struct page *p;

	(void)state;
	/* make everything Unmovable: allocate all as unmovable, then free */
	n = take_all(m, GFP_KERNEL | __GFP_MEMALLOC, held, 0, 4096);
	assert_int_equal(test_free_pages(m), 0);
	/* pages were handed out block by block: every block got claimed */
	for (int b = 0; b < nblocks; b++)
		assert_int_equal(dma->pageblock_mt[b], MIGRATE_UNMOVABLE);
	/* keep every 8th page: free blocks are of order 2 at most */
	for (int i = 0; i < n; i++) {
		unsigned long pfn = kmm_page_to_pfn(m, held[i]);

		if ((pfn & 7) == 0)
			continue;
		kmm_free_pages(m, held[i], 0);
		held[i] = NULL;
	}
	p = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
	assert_non_null(p);
	assert_int_equal(block_type(m, p), MIGRATE_UNMOVABLE);
	/* the smallest block was taken: an order-0 one (pfn 8k + 1) */
	assert_int_equal(kmm_page_to_pfn(m, p) & 7, 1);
	kmm_free_pages(m, p, 0);
	for (int b = 0; b < nblocks; b++)
		assert_int_equal(dma->pageblock_mt[b], MIGRATE_UNMOVABLE);
	/* with one block emptied, a movable request claims it whole */
	for (int i = 0; i < n; i++) {
		if (held[i] && kmm_page_to_pfn(m, held[i]) >> pageblock_order == 1) {
			kmm_free_pages(m, held[i], 0);
			held[i] = NULL;
		}
	}
	p = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
	assert_int_equal(kmm_page_to_pfn(m, p) >> pageblock_order, 1);
	assert_int_equal(dma->pageblock_mt[1], MIGRATE_MOVABLE);
	kmm_free_pages(m, p, 0);
	while (n-- > 0)
		if (held[n])
			kmm_free_pages(m, held[n], 0);
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

static void test_grouping_reduces_fragmentation(void **state)
{
	kmm_machine *g = test_boot("mem=256M nr_cpus=1 pcp=0", &log_);
	kmm_machine *u = test_boot("mem=256M nr_cpus=1 pcp=0 page_group_by_mobility=0", NULL);
	struct frag_result rg, ru;

	(void)state;
	assert_int_equal(frag_workload_run(g, 7, &rg), 0);
	assert_int_equal(frag_workload_run(u, 7, &ru), 0);
	assert_consistent(g, &log_);
	assert_consistent(u, NULL);
	/* same work: comparable long-lived unmovable memory in both */
	assert_true(rg.long_lived_pages > 1000 && ru.long_lived_pages > 1000);
	print_message("order-9 blocks allocatable: grouped %lu, ungrouped %lu "
		      "(long-lived pages %lu / %lu)\n",
		      rg.order9_allocatable, ru.order9_allocatable, rg.long_lived_pages,
		      ru.long_lived_pages);
	/* grouping must do measurably better: at least twice the large blocks */
	assert_true(rg.order9_allocatable >= 2 * ru.order9_allocatable + 4);
	assert_true(kmm_zone_unusable_index(g, 0, KMM_ZONE_DMA32, 9) <
		    kmm_zone_unusable_index(u, 0, KMM_ZONE_DMA32, 9));
	frag_workload_release(g, &rg);
	frag_workload_release(u, &ru);
	assert_consistent(g, &log_);
	kmm_machine_destroy(g);
	kmm_machine_destroy(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gfp_zone_table),
		cmocka_unit_test(test_zone_choice_per_modifier),
		cmocka_unit_test(test_invalid_gfp_refused),
		cmocka_unit_test(test_zonelist_order),
		cmocka_unit_test(test_fallback_across_zones_and_nodes),
		cmocka_unit_test(test_watermarks_match_kernel_formulas),
		cmocka_unit_test(test_min_free_kbytes_examples),
		cmocka_unit_test(test_reserve_rights),
		cmocka_unit_test(test_lowmem_reserve_protects_dma),
		cmocka_unit_test(test_highatomic_reserve),
		cmocka_unit_test(test_retry_modifiers),
		cmocka_unit_test(test_migratetype_fallback_and_claiming),
		cmocka_unit_test(test_movable_fallback_does_not_claim),
		cmocka_unit_test(test_grouping_reduces_fragmentation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
