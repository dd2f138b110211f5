/* SPDX-License-Identifier: MIT */
/*
 * tests/test_page_reporting.c - free page reporting: after a burst the
 * machine's resident memory falls as the free blocks of pageblock order
 * that stay free are handed back to the host; vmstat counts the reported
 * pages and their reuse; a reported block used again reads as zeroes;
 * kmm_check agrees with the reported-page counters; page_reporting=0 and
 * machines on a caller's memory report nothing; a reported block goes back
 * known-zero, so __GFP_ZERO does not clear it (fault it in) again. RSS is
 * read from /proc/self/statm before the burst, at its peak and after.
 */
#include "kmm_test.h"
#include "reclaim_test.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reclaim/reclaim.h"

static struct test_log log_;

static unsigned long rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
	fclose(f);
	return resident * (unsigned long)sysconf(_SC_PAGESIZE);
}

#define BURST_BLOCKS 128 /* order-9 blocks: 256 MiB */

static void test_rss_falls_after_a_burst(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=1 kswapd=0 page_reporting_delay_ms=50", &log_);
	struct page *blk[BURST_BLOCKS];
	unsigned long before, peak, after, reported;
	char *vmstat;

	(void)state;
	before = rss_bytes();
	for (int i = 0; i < BURST_BLOCKS; i++) {
		assert_non_null(blk[i] = kmm_alloc_pages(m, GFP_KERNEL, 9));
		memset(kmm_page_address(m, blk[i]), 0x5a, 512 * 4096);
	}
	peak = rss_bytes();
	assert_true(peak > before + (200ul << 20));
	for (int i = 0; i < BURST_BLOCKS; i++)
		kmm_free_pages(m, blk[i], 9);
	/* the reporting thread waits out the delay, then hands the blocks back */
	assert_true(wait_until(kmm_pages_reported(m) >= BURST_BLOCKS * 512ul, 20000));
	after = rss_bytes();
	fprintf(stderr, "rss before %lu MiB, peak %lu MiB, after %lu MiB\n", before >> 20,
		peak >> 20, after >> 20);
	assert_true(after < peak - (200ul << 20));
	assert_true(wait_until(rt_event(m, PAGE_REPORTING_PAGES) >= BURST_BLOCKS * 512ul, 20000));
	reported = rt_event(m, PAGE_REPORTING_PAGES);
	assert_true(reported >= BURST_BLOCKS * 512ul);
	vmstat = test_report(m, KMM_REPORT_VMSTAT);
	assert_non_null(strstr(vmstat, "page_reporting_pages "));
	free(vmstat);
	assert_consistent(m, &log_);
	/* used again: zeroes (the host dropped the contents), and counted as reused */
	assert_non_null(blk[0] = kmm_alloc_pages(m, GFP_KERNEL, 9));
	{
		const unsigned char *p = kmm_page_address(m, blk[0]);

		for (int i = 0; i < 512 * 4096; i += 4096)
			assert_int_equal(p[i], 0);
	}
	assert_true(rt_event(m, PAGE_REPORTING_REUSED) >= 512);
	/* the reporter may still be reporting other blocks (deferred growth frees new ones) */
	assert_true(wait_until(kmm_pages_reported(m) < rt_event(m, PAGE_REPORTING_PAGES), 20000));
	kmm_free_pages(m, blk[0], 9);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_reporting_off_and_on_caller_memory(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 kswapd=0 page_reporting=0 "
				   "page_reporting_delay_ms=0",
				   &log_);
	size_t size = 256ul << 20;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kmm_machine *own = NULL;
	char err[256];
	struct page *p;

	(void)state;
	p = kmm_alloc_pages(m, GFP_KERNEL, 10);
	kmm_free_pages(m, p, 10);
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=128M@0 nr_cpus=1 kswapd=0 "
					       "page_reporting_delay_ms=0",
					       mem, size, &own, err, sizeof(err)),
			 KMM_OK);
	p = kmm_alloc_pages(own, GFP_KERNEL, 10);
	kmm_free_pages(own, p, 10);
	/* nothing to wait for: neither machine runs a reporting thread */
	assert_int_equal(kmm_pages_reported(m), 0);
	assert_int_equal(kmm_pages_reported(own), 0);
	assert_int_equal(rt_event(m, PAGE_REPORTING_PAGES), 0);
	assert_false(m->reclaim->report_running);
	assert_false(own->reclaim->report_running);
	assert_string_equal(
		kmm_machine_cmdline(m),
		"mem=256M nr_cpus=1 kswapd=0 page_reporting=0 page_reporting_delay_ms=0");
	kmm_machine_destroy(own);
	munmap(mem, size);
	kmm_machine_destroy(m);
}

/*
 * The reclaim walker of kmm_check (reclaim/check.c) sees a PG_reported mark
 * on a page that is not a free block head, and a zone counter that
 * disagrees with the marks; the damage undone, the machine is clean again.
 */
static void test_check_sees_reported_damage(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=1 kswapd=0 page_reporting=0", &log_);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	struct zone *zone;

	(void)state;
	assert_non_null(p);
	assert_consistent(m, &log_);
	page_set(p, PG_reported);
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "reported but not a free block head"));
	page_clear(p, PG_reported);
	assert_int_equal(kmm_check(m), 0);
	zone = page_zone(m, p);
	zone->nr_reported += 512;
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "reported free pages, counter says"));
	zone->nr_reported -= 512;
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/*
 * The host gives a reported block back as zero pages: it goes back to the
 * free lists with the known-zero mark, and __GFP_ZERO skips its memset
 * (pgzero_skipped), which would touch every frame again. Every page is
 * dirtied first, so each skip counted comes from a report.
 */
static void test_reported_blocks_skip_clear(void **state)
{
	enum { MAXP = 20000 };
	kmm_machine *m = test_boot("mem=64M nr_cpus=1 kswapd=0 page_reporting_delay_ms=20", &log_);
	static struct page *v[MAXP];
	unsigned long reported, s0;
	int n = 0, got = 0;

	(void)state;
	for (struct page *p; n < MAXP && (p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0));)
		v[n++] = p;
	assert_true(n > 10000);
	for (int i = 0; i < n; i++) {
		memset(kmm_page_address(m, v[i]), 0x3c, 4096);
		kmm_free_pages(m, v[i], 0);
	}
	/*
	 * Most of the machine merges back into pageblocks, which the thread
	 * reports; wait until its passes are over (the count holds for 200 ms:
	 * a block that merged after its report is reported again).
	 */
	assert_true(wait_until(kmm_pages_reported(m) >= (unsigned long)n / 2, 20000));
	reported = 0;
	for (int tries = 0; tries < 100 && reported != kmm_pages_reported(m); tries++) {
		reported = kmm_pages_reported(m);
		usleep(200 * 1000);
	}
	assert_int_equal(reported, kmm_pages_reported(m));
	assert_consistent(m, &log_);
	s0 = rt_event(m, PGZERO_SKIPPED);
	for (struct page *p;
	     got < MAXP && (p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, 0));) {
		const unsigned char *b = kmm_page_address(m, p);

		for (int i = 0; i < 4096; i++)
			if (b[i])
				fail_msg("byte %d of a __GFP_ZERO page reads %#x", i, b[i]);
		v[got++] = p;
	}
	assert_true(got >= n * 9 / 10);
	/* every reported page was taken; each skipped its clear */
	assert_true(rt_event(m, PGZERO_SKIPPED) - s0 >= reported);
	for (int i = 0; i < got; i++)
		kmm_free_pages(m, v[i], 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rss_falls_after_a_burst),
		cmocka_unit_test(test_reporting_off_and_on_caller_memory),
		cmocka_unit_test(test_check_sees_reported_damage),
		cmocka_unit_test(test_reported_blocks_skip_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
