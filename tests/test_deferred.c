/* SPDX-License-Identifier: MIT */
/*
 * tests/test_deferred.c - deferred struct page init: what boot leaves
 * uninitialized (Linux's rule: every zone below a node's highest one whole,
 * the highest one from its second section on, so exactly one section of a
 * section-aligned top zone is written), the memmap memory that is
 * therefore never touched, allocations that grow a zone on demand, threads
 * that grow it at once, lookups and reports that finish the work, the
 * checker's view of the deferred state, a machine that, once whole,
 * equals the same machine booted with deferred_struct_page_init=0 in every
 * zone's present, managed, free and watermark figures, chunks smaller than
 * a section (deferred_struct_page_init.chunk=, refused unless a power of
 * two from the largest block to a section, or `block`), and watermarks that count the
 * deferred pages as free, and checker walks that stop at a first deferred
 * pfn inside a section while threads grow the zone beyond it.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "page/deferred.h"
#include "page/internal.h"

static struct test_log log_;

#define SECTION_PAGES (1ul << 15)
#define NO_DEFERRED (~0ul)

static long resident_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static struct zone *top_zone(kmm_machine *m, int nid)
{
	for (int z = KMM_NR_ZONES - 1; z >= 0; z--)
		if (m->node_data[nid]->node_zones[z].present_pages)
			return &m->node_data[nid]->node_zones[z];
	return NULL;
}

/* Boot follows Linux's defer_init rule, node by node. */
static void test_boot_defers_the_top_zone(void **state)
{
	kmm_machine *m = test_boot("mem=8G nr_cpus=2 numa=fake=4", &log_);

	(void)state;
	assert_true(kmm_deferred_pages(m) > 0);
	for (int n = 0; n < kmm_nr_nodes(m); n++) {
		struct pglist_data *pgdat = m->node_data[n];
		struct zone *top = top_zone(m, n);
		unsigned long fdp = pgdat->first_deferred_pfn;

		assert_non_null(top);
		/* 2 GiB per node: the top zone is more than a section, so it defers */
		assert_true(fdp != NO_DEFERRED);
		assert_int_equal(fdp % SECTION_PAGES, 0);
		/* one section's worth of present pages, then the next section boundary */
		assert_true(fdp >= top->zone_start_pfn + SECTION_PAGES);
		assert_true(fdp < top->zone_start_pfn + 2 * SECTION_PAGES);
		assert_true(top->deferred_pages > 0);
		/* lower zones are whole */
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (zone != top)
				assert_int_equal(zone->deferred_pages, 0);
		}
		/* the deferred descriptors are untouched memory */
		assert_int_equal(pfn_to_page(m, fdp)->flags, 0);
		assert_int_equal(pfn_to_page(m, zone_end_pfn(top) - 1)->flags, 0);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/*
 * libkmm-malloc's machine (docs/malloc.md): RAM from 4G, one Normal zone on
 * a section boundary. Boot writes its first section's descriptors and no
 * more (Linux's defer_init): a 1 MiB memmap, whatever the RAM.
 */
static void test_boot_writes_one_section(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=2G@4G nr_cpus=2", &log_);
	struct zone *normal = &m->node_data[0]->node_zones[KMM_ZONE_NORMAL];
	unsigned long start = normal->zone_start_pfn;

	(void)state;
	assert_int_equal(start % SECTION_PAGES, 0);
	assert_int_equal(m->node_data[0]->first_deferred_pfn, start + SECTION_PAGES);
	/* the rest, less what the boot allocator reserved there, waits */
	assert_true(normal->deferred_pages > 0);
	assert_true(normal->deferred_pages <= zone_end_pfn(normal) - start - SECTION_PAGES);
	assert_true(pfn_to_page(m, start + SECTION_PAGES - 1)->flags != 0);
	assert_int_equal(pfn_to_page(m, start + SECTION_PAGES)->flags, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* mem=64G: the memmap (512 MiB) is mostly never touched. */
static void test_resident_memory_follows_use(void **state)
{
	long before = resident_kb(), after_boot, after_full;
	kmm_machine *m = test_boot("mem=64G nr_cpus=2", &log_);

	(void)state;
	after_boot = resident_kb();
	kmm_deferred_init_all(m);
	after_full = resident_kb();
	printf("mem=64G: %ld KiB resident after boot, %ld KiB once every descriptor is "
	       "written\n",
	       after_boot - before, after_full - before);
	/* 3 GiB of lowmem zones are whole at boot (24 MiB of memmap); 64G needs 512 MiB */
	assert_true(after_boot - before < 96 * 1024);
	assert_true(after_full - before > 400 * 1024);
	assert_int_equal(kmm_deferred_pages(m), 0);
	kmm_machine_destroy(m);
}

/* Taking more than boot initialized grows the zone, a section at a time. */
static void test_allocation_grows_the_zone(void **state)
{
	kmm_machine *m = test_boot("mem=4G nr_cpus=1", &log_);
	struct zone *normal = &m->node_data[0]->node_zones[KMM_ZONE_NORMAL];
	unsigned long deferred = normal->deferred_pages, managed = normal->managed_pages;
	unsigned long want = managed + 3 * SECTION_PAGES, got = 0;
	struct page **pages = test_malloc(want * sizeof(*pages));

	(void)state;
	assert_true(deferred > 3 * SECTION_PAGES);
	for (; got < want; got++) {
		pages[got] = kmm_alloc_pages_node(m, 0, GFP_KERNEL, 0);
		if (!pages[got])
			break;
	}
	assert_int_equal(got, want);
	assert_true(normal->managed_pages >= managed + 2 * SECTION_PAGES);
	assert_int_equal(normal->managed_pages + normal->deferred_pages, managed + deferred);
	assert_consistent(m, &log_);
	for (unsigned long i = 0; i < got; i++)
		kmm_free_pages(m, pages[i], 0);
	test_free(pages);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

struct grower {
	kmm_machine *m;
	int id;
	unsigned long allocated;
};

static void *grow_thread(void *arg)
{
	struct grower *g = arg;
	enum { N = 20000 };
	struct page **pages = malloc(N * sizeof(*pages));
	uint64_t seed = (uint64_t)g->id * 7919 + 3;

	for (int round = 0; round < 4; round++) {
		int n = 0;

		for (; n < N; n++) {
			unsigned order = (unsigned)(test_rand(&seed) % 3);

			pages[n] = kmm_alloc_pages(g->m, GFP_KERNEL | __GFP_COMP, order);
			if (!pages[n])
				break;
			*(uint64_t *)kmm_page_address(g->m, pages[n]) =
				(uint64_t)(uintptr_t)pages[n];
			g->allocated += 1ul << order;
		}
		for (int i = 0; i < n; i++) {
			assert_true(*(uint64_t *)kmm_page_address(g->m, pages[i]) ==
				    (uint64_t)(uintptr_t)pages[i]);
			kmm_free_pages(g->m, pages[i], kmm_compound_order(g->m, pages[i]));
		}
	}
	free(pages);
	return NULL;
}

/* Threads allocating at once race to grow the same zone: nothing is lost. */
static void grow_concurrently(const char *cmdline)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	struct grower g[3];
	pthread_t t[3];
	unsigned long before = kmm_deferred_pages(m);

	for (int i = 0; i < 3; i++) {
		g[i] = (struct grower){ m, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, grow_thread, &g[i]), 0);
	}
	/* kmm_check runs during the growth too: the deferred state is always whole */
	int problems = 0;

	for (int i = 0; i < 5; i++)
		problems += kmm_check(m);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	if (problems)
		fail_msg("kmm_check during growth: %s", log_.buf);
	assert_true(kmm_deferred_pages(m) < before);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_threads_grow_concurrently(void **state)
{
	(void)state;
	grow_concurrently("mem=6G nr_cpus=2 pcp=1");
}

/*
 * With 4 MiB chunks the first deferred pfn lies inside a section, and the
 * checker's memmap walks (slab, pcp) must stop at it, not at the section's
 * end, while other threads write the descriptors beyond (ThreadSanitizer
 * sees the race if they do not).
 */
static void test_threads_grow_chunks_concurrently(void **state)
{
	(void)state;
	grow_concurrently("mem=6G nr_cpus=2 pcp=1 deferred_struct_page_init.chunk=4M");
}

/* Once whole, a deferred machine is the machine booted without deferral. */
static void test_whole_machine_equals_undeferred(void **state)
{
	static const char *const shapes[][2] = {
		{ "mem=24G nr_cpus=2", "mem=24G nr_cpus=2 deferred_struct_page_init=0" },
		{ "mem=8G nr_cpus=2 numa=fake=2 movablecore=1G",
		  "mem=8G nr_cpus=2 numa=fake=2 movablecore=1G deferred_struct_page_init=0" },
		{ "mem=2G nr_cpus=1 highmem=1G",
		  "mem=2G nr_cpus=1 highmem=1G deferred_struct_page_init=0" },
	};

	(void)state;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		kmm_machine *a = test_boot(shapes[s][0], &log_);
		kmm_machine *b = test_boot(shapes[s][1], &log_);

		assert_true(kmm_deferred_pages(a) > 0);
		assert_int_equal(kmm_deferred_pages(b), 0);
		/* watermarks are final from the start */
		for (int n = 0; n < kmm_nr_nodes(a); n++)
			for (int z = 0; z < KMM_NR_ZONES; z++) {
				struct zone *za = &a->node_data[n]->node_zones[z];
				struct zone *zb = &b->node_data[n]->node_zones[z];

				for (int w = 0; w < NR_WMARK; w++)
					assert_int_equal(za->_watermark[w], zb->_watermark[w]);
				for (int r = 0; r < KMM_NR_ZONES; r++)
					assert_int_equal(za->lowmem_reserve[r],
							 zb->lowmem_reserve[r]);
				assert_int_equal(za->pcp_batch, zb->pcp_batch);
				assert_int_equal(za->pcp_high_min, zb->pcp_high_min);
				assert_int_equal(za->pcp_high_max, zb->pcp_high_max);
			}
		kmm_deferred_init_all(a);
		assert_int_equal(kmm_deferred_pages(a), 0);
		assert_int_equal(a->totalram_pages, b->totalram_pages);
		for (int n = 0; n < kmm_nr_nodes(a); n++)
			for (int z = 0; z < KMM_NR_ZONES; z++) {
				struct zone *za = &a->node_data[n]->node_zones[z];
				struct zone *zb = &b->node_data[n]->node_zones[z];
				unsigned long ca[KMM_NR_ORDERS], cb[KMM_NR_ORDERS];

				assert_int_equal(za->present_pages, zb->present_pages);
				assert_int_equal(za->managed_pages, zb->managed_pages);
				assert_int_equal(kmm_zone_free_pages(a, n, z),
						 kmm_zone_free_pages(b, n, z));
				if (!za->present_pages)
					continue;
				kmm_zone_free_blocks(a, n, z, ca);
				kmm_zone_free_blocks(b, n, z, cb);
				assert_memory_equal(ca, cb, sizeof(ca));
			}
		assert_consistent(a, &log_);
		kmm_machine_destroy(a);
		kmm_machine_destroy(b);
	}
}

/* Lookups and reports see the machine whole. */
static void test_lookups_and_reports_finish_the_work(void **state)
{
	kmm_machine *m = test_boot("mem=4G nr_cpus=1", &log_);
	struct zone *normal = &m->node_data[0]->node_zones[KMM_ZONE_NORMAL];
	unsigned long last = zone_end_pfn(normal) - 1, fdp = m->node_data[0]->first_deferred_pfn;
	struct page *p;
	char *r;

	(void)state;
	assert_true(fdp < last);
	p = kmm_pfn_to_page(m, fdp);
	assert_non_null(p);
	/* its section is initialized now: a free page of zone Normal */
	assert_int_equal(kmm_page_zonenum(m, p), KMM_ZONE_NORMAL);
	assert_true(m->node_data[0]->first_deferred_pfn > fdp);
	assert_true(kmm_deferred_pages(m) > 0);
	r = test_report(m, KMM_REPORT_ZONEINFO);
	free(r);
	assert_int_equal(kmm_deferred_pages(m), 0);
	assert_int_equal(m->node_data[0]->first_deferred_pfn, NO_DEFERRED);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* kmm_check notices a deferred state that lies. */
static void test_check_sees_a_wrong_deferred_count(void **state)
{
	kmm_machine *m = test_boot("mem=4G nr_cpus=1", &log_);
	struct zone *normal = &m->node_data[0]->node_zones[KMM_ZONE_NORMAL];

	(void)state;
	test_log_clear(&log_);
	normal->deferred_pages++;
	assert_int_equal(kmm_check(m), 1);
	assert_true(test_log_contains(&log_, "deferred pages counted"));
	normal->deferred_pages--;
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
}

/* The key reads back, and off means whole at boot. */
static void test_machine_key(void **state)
{
	kmm_machine *m = test_boot("mem=4G deferred_struct_page_init=0", &log_);

	(void)state;
	assert_string_equal(kmm_machine_cmdline(m), "mem=4G nr_cpus=1 deferred_struct_page_init=0");
	assert_int_equal(kmm_deferred_pages(m), 0);
	kmm_machine_destroy(m);
	m = test_boot("mem=4G", &log_);
	assert_string_equal(kmm_machine_cmdline(m), "mem=4G nr_cpus=1");
	assert_true(kmm_deferred_pages(m) > 0);
	kmm_machine_destroy(m);
}

/*
 * deferred_struct_page_init.chunk=4M (libkmm-malloc's machine): boot writes
 * one largest block of descriptors (32 KiB of memmap), and allocations that
 * empty the lists grow the zone by such chunks, each published whole.
 */
static void test_chunk_defers_and_grows_by_blocks(void **state)
{
	enum { CHUNK = 1024 };
	kmm_machine *m = test_boot(
		"memmap=exactmap memmap=2G@4G nr_cpus=1 deferred_struct_page_init.chunk=4M", &log_);
	struct zone *normal = &m->node_data[0]->node_zones[KMM_ZONE_NORMAL];
	unsigned long start = normal->zone_start_pfn, fdp, total;
	unsigned long want = 5 * CHUNK, got = 0;
	struct page **pages = test_malloc(want * sizeof(*pages));

	(void)state;
	assert_string_equal(kmm_machine_cmdline(m), "memmap=exactmap memmap=2G@4G nr_cpus=1 "
						    "deferred_struct_page_init.chunk=4M");
	assert_int_equal(m->node_data[0]->first_deferred_pfn, start + CHUNK);
	assert_true(pfn_to_page(m, start + CHUNK - 1)->flags != 0);
	assert_int_equal(pfn_to_page(m, start + CHUNK)->flags, 0);
	total = normal->managed_pages + normal->deferred_pages;
	assert_consistent(m, &log_);
	for (; got < want; got++) {
		pages[got] = kmm_alloc_pages_node(m, 0, GFP_KERNEL, 0);
		if (!pages[got])
			break;
	}
	assert_int_equal(got, want);
	fdp = m->node_data[0]->first_deferred_pfn;
	assert_int_equal(fdp % CHUNK, 0);
	/* grown by chunks, as far as the pages taken need and no section further */
	assert_true(fdp >= start + want);
	assert_true(fdp <= start + want + 2 * CHUNK);
	assert_int_equal(pfn_to_page(m, fdp)->flags, 0);
	assert_int_equal(normal->managed_pages + normal->deferred_pages, total);
	assert_consistent(m, &log_);
	for (unsigned long i = 0; i < got; i++)
		kmm_free_pages(m, pages[i], 0);
	test_free(pages);
	/* whole at last, the chunked machine is consistent too */
	kmm_deferred_init_all(m);
	assert_int_equal(kmm_deferred_pages(m), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* A chunk must be a power of two from the largest block to a section. */
static void test_chunk_refused(void **state)
{
	static const char *const bad[] = { "3M", "2M", "256M", "4K" };
	char err[512], cmd[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cmd, sizeof(cmd), "mem=1G deferred_struct_page_init.chunk=%s", bad[i]);
		assert_int_equal(test_boot_fails(cmd, err, sizeof(err)), KMM_EINVAL);
		if (!strstr(err, "deferred_struct_page_init.chunk") ||
		    !strstr(err, "from the largest buddy block (4M) to a memory section (128M)"))
			fail_msg("\"%s\": %s", cmd, err);
	}
	/* with 16K pages the largest block is 16M */
	assert_int_equal(test_boot_fails("page_size=16K mem=2G deferred_struct_page_init.chunk=4M",
					 err, sizeof(err)),
			 KMM_EINVAL);
	assert_non_null(strstr(err, "(16M)"));
	kmm_machine_destroy(
		test_boot("page_size=16K mem=2G deferred_struct_page_init.chunk=16M", &log_));
	assert_int_equal(
		test_boot_fails("mem=1G deferred_struct_page_init.chunk=blocks", err, sizeof(err)),
		KMM_EINVAL);
}

/* chunk=block is the largest block of whatever page size the machine has. */
static void test_chunk_block_follows_the_page_size(void **state)
{
	static const char *const cmd[] = {
		"memmap=exactmap memmap=2G@4G nr_cpus=1 deferred_struct_page_init.chunk=block",
		"page_size=16K memmap=exactmap memmap=2G@4G nr_cpus=1 "
		"deferred_struct_page_init.chunk=block",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cmd) / sizeof(cmd[0]); i++) {
		kmm_machine *m = test_boot(cmd[i], &log_);
		struct zone *normal = &m->node_data[0]->node_zones[KMM_ZONE_NORMAL];

		assert_non_null(
			strstr(kmm_machine_cmdline(m), "deferred_struct_page_init.chunk=block"));
		/* 1024 pages: 4 MiB of 4 KiB pages, 16 MiB of 16 KiB ones */
		assert_int_equal(m->node_data[0]->first_deferred_pfn,
				 normal->zone_start_pfn + 1024);
		assert_consistent(m, &log_);
		kmm_machine_destroy(m);
	}
}

/*
 * Deferred pages count as free for the watermarks: a zone whose lists hold
 * less than its low mark, but whose deferred pages lift it above, serves
 * from its lists without growing and is not "below high" (before, every
 * allocation grew it until the lists alone cleared the mark).
 */
static void test_watermarks_count_deferred_pages(void **state)
{
	kmm_machine *m = test_boot(
		"memmap=exactmap memmap=2G@4G nr_cpus=1 deferred_struct_page_init.chunk=4M", &log_);
	struct zone *normal = &m->node_data[0]->node_zones[KMM_ZONE_NORMAL];
	unsigned long fdp = m->node_data[0]->first_deferred_pfn;
	struct page *p[64];

	(void)state;
	/* the premise: the lists alone are below the low mark */
	assert_true((unsigned long)normal->vm_stat[NR_FREE_PAGES] < low_wmark_pages(normal));
	assert_true((unsigned long)zone_free_pages_wmark(normal) > high_wmark_pages(normal));
	for (int i = 0; i < 64; i++) {
		p[i] = kmm_alloc_pages_node(m, 0, GFP_KERNEL, 0);
		assert_non_null(p[i]);
	}
	assert_int_equal(m->node_data[0]->first_deferred_pfn, fdp);
	assert_false(zone_test_flag(normal, ZONE_BELOW_HIGH));
	for (int i = 0; i < 64; i++)
		kmm_free_pages(m, p[i], 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_defers_the_top_zone),
		cmocka_unit_test(test_boot_writes_one_section),
		cmocka_unit_test(test_resident_memory_follows_use),
		cmocka_unit_test(test_allocation_grows_the_zone),
		cmocka_unit_test(test_threads_grow_concurrently),
		cmocka_unit_test(test_threads_grow_chunks_concurrently),
		cmocka_unit_test(test_whole_machine_equals_undeferred),
		cmocka_unit_test(test_lookups_and_reports_finish_the_work),
		cmocka_unit_test(test_check_sees_a_wrong_deferred_count),
		cmocka_unit_test(test_machine_key),
		cmocka_unit_test(test_chunk_defers_and_grows_by_blocks),
		cmocka_unit_test(test_chunk_refused),
		cmocka_unit_test(test_chunk_block_follows_the_page_size),
		cmocka_unit_test(test_watermarks_count_deferred_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
