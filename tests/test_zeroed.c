/* SPDX-License-Identifier: MIT */
/*
 * tests/test_zeroed.c - known-zero free blocks (page/page.h, PAGE_ZEROED_BIT):
 * memory the host gave zeroed and nobody wrote is not cleared again for
 * __GFP_ZERO, and every block __GFP_ZERO hands out reads as zeroes whatever
 * the free lists did with it: dirty blocks freed, merged with clean
 * buddies, split, cached on the per-CPU lists, hot-added, cleared by
 * init_on_free, or handed back to the host (kmm_discard_free_pages, free
 * page reporting) where the host says they read as zeroes again. Each test
 * reads every byte it is given; pgzero_skipped (kmm's vmstat event) says
 * how many pages went without a memset.
 */
#include "kmm_test.h"

#include "machine.h"
#include "page/vmstat.h"

#include <kmm/hotplug.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct test_log log_;

static unsigned long skipped(kmm_machine *m)
{
	return __atomic_load_n(&m->events[PGZERO_SKIPPED], __ATOMIC_RELAXED);
}

static bool reads_zero(kmm_machine *m, struct page *page, unsigned int order)
{
	const unsigned char *p = kmm_page_address(m, page);
	size_t n = (size_t)kmm_page_size(m) << order;

	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void dirty(kmm_machine *m, struct page *page, unsigned int order, int byte)
{
	memset(kmm_page_address(m, page), byte, (size_t)kmm_page_size(m) << order);
}

#define MAXP 20000

/*
 * Take `order` blocks with __GFP_ZERO until n are held or the zone runs dry;
 * every one must read as zeroes. Returns how many were taken.
 */
static int take_zeroed(kmm_machine *m, struct page **v, int n, unsigned int order)
{
	int got = 0;

	while (got < n) {
		struct page *p =
			kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_ZERO | KMM_GFP_NOWARN, order);

		if (!p)
			break;
		assert_true(reads_zero(m, p, order));
		v[got++] = p;
	}
	return got;
}

/*
 * A fresh machine over kmm's own memory: the first __GFP_ZERO blocks skip
 * their memset. Dirty blocks freed back are cleared when handed out again,
 * alone and once merged with clean buddies into larger blocks.
 */
static void test_fresh_then_dirty(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);
	struct page **v = calloc(MAXP, sizeof(*v));
	unsigned long s0 = skipped(m), left;
	int n;

	(void)state;
	assert_non_null(v);
	/* fresh: a quarter of the machine in order-2 blocks, none cleared */
	n = take_zeroed(m, v, 1024, 2);
	assert_int_equal(n, 1024);
	assert_true(skipped(m) - s0 >= 1024ul * 4 * 9 / 10);
	/* every other block dirtied and freed, the others freed clean */
	for (int i = 0; i < n; i++) {
		if (i % 2 == 0)
			dirty(m, v[i], 2, 0xa5);
		kmm_free_pages(m, v[i], 2);
	}
	assert_consistent(m, &log_);
	/* merged into larger blocks: each half must be cleared if either was dirty */
	n = take_zeroed(m, v, 256, 4);
	assert_int_equal(n, 256);
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 4);
	/* order 0 through the per-CPU lists: dirty pages come back cleared */
	n = take_zeroed(m, v, 2048, 0);
	assert_int_equal(n, 2048);
	for (int i = 0; i < n; i++) {
		dirty(m, v[i], 0, 0x5a);
		kmm_free_pages(m, v[i], 0);
	}
	n = take_zeroed(m, v, 4096, 0);
	assert_int_equal(n, 4096);
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 0);
	/* the whole machine, dirtied and freed, then taken again with __GFP_ZERO */
	n = 0;
	for (struct page *p;
	     n < MAXP && (p = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_NOWARN, 0));)
		v[n++] = p;
	left = kmm_zone_free_pages(m, 0, KMM_ZONE_DMA) + kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32);
	assert_true(left < 1024);
	for (int i = 0; i < n; i++) {
		dirty(m, v[i], 0, 0xff);
		kmm_free_pages(m, v[i], 0);
	}
	s0 = skipped(m);
	n = take_zeroed(m, v, MAXP, 0);
	assert_true(n > 1000);
	/* only the pages the first pass left free (below the watermark) were never written */
	assert_true(skipped(m) - s0 <= left);
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 0);
	assert_consistent(m, &log_);
	free(v);
	kmm_machine_destroy(m);
}

/* A caller's region that was not promised zeroed: nothing is skipped, everything is cleared. */
static void test_caller_region_not_zeroed(void **state)
{
	size_t size = 32u << 20;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct page **v = calloc(MAXP, sizeof(*v));
	kmm_machine *m = NULL;
	char err[256];
	int n;

	(void)state;
	assert_true(mem != MAP_FAILED);
	assert_non_null(v);
	memset(mem, 0x77, size); /* what a firmware's memory may hold */
	assert_int_equal(
		kmm_machine_create_on("mem=32M nr_cpus=1", mem, size, &m, err, sizeof(err)),
		KMM_OK);
	n = take_zeroed(m, v, 512, 3);
	assert_true(n > 100);
	assert_int_equal(skipped(m), 0);
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 3);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	/* the same region promised zeroed (after clearing it): blocks skip their memset */
	memset(mem, 0, size);
	assert_int_equal(
		kmm_machine_create_on_zeroed("mem=32M nr_cpus=1", mem, size, &m, err, sizeof(err)),
		KMM_OK);
	n = take_zeroed(m, v, 512, 3);
	assert_true(n > 100);
	assert_true(skipped(m) >= (unsigned long)n * 8 * 9 / 10);
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 3);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	munmap(mem, size);
	free(v);
}

/* init_on_free=1 clears a block when it is freed: __GFP_ZERO then skips it. */
static void test_init_on_free_marks(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1 init_on_free=1", &log_);
	struct page **v = calloc(MAXP, sizeof(*v));
	unsigned long s0;
	int n = 0;

	(void)state;
	assert_non_null(v);
	for (struct page *p; n < 512 && (p = kmm_alloc_pages(m, KMM_GFP_KERNEL, 1));)
		v[n++] = p;
	for (int i = 0; i < n; i++) {
		dirty(m, v[i], 1, 0x33);
		kmm_free_pages(m, v[i], 1);
	}
	s0 = skipped(m);
	n = take_zeroed(m, v, 512, 1);
	assert_int_equal(n, 512);
	assert_true(skipped(m) - s0 >= 512ul * 2 * 9 / 10);
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 1);
	assert_consistent(m, &log_);
	free(v);
	kmm_machine_destroy(m);
}

/*
 * Hot-added memory is the host's fresh memory: skipped. A block that was
 * online before, dirtied, offlined and removed went back to the host, which
 * dropped it (kmm_os_discard returned 1): added again it is fresh again,
 * and every byte of it still reads as zero.
 */
static void test_hotplug_fresh_once(void **state)
{
	kmm_machine *m = test_boot(
		"mem=128M maxmem=512M nr_cpus=1 page_reporting=0 memhp_default_state=online_kernel",
		&log_);
	uint64_t block = kmm_memory_block_size_bytes(m);
	struct page **v = calloc(MAXP * 4, sizeof(*v));
	unsigned long s0;
	int n = 0;

	(void)state;
	assert_non_null(v);
	/* fill the boot memory and dirty it, so only the added block is fresh */
	for (struct page *p;
	     n < MAXP * 4 && (p = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_NOWARN, 0));)
		v[n++] = p;
	for (int i = 0; i < n; i++)
		dirty(m, v[i], 0, 0x11);
	assert_int_equal(kmm_add_memory(m, 0, 256ull << 20, block), KMM_OK);
	s0 = skipped(m);
	{
		struct page *w[64];
		int got = take_zeroed(m, w, 64, 4);

		assert_int_equal(got, 64);
		assert_true(skipped(m) - s0 >= 64ul * 16);
		for (int i = 0; i < got; i++) {
			dirty(m, w[i], 4, 0x22);
			kmm_free_pages(m, w[i], 4);
		}
	}
	assert_int_equal(kmm_offline_and_remove_memory(m, 256ull << 20, block), KMM_OK);
	assert_int_equal(kmm_add_memory(m, 0, 256ull << 20, block), KMM_OK);
	s0 = skipped(m);
	{
		struct page *w[64];
		int got = take_zeroed(m, w, 64, 4);

		assert_int_equal(got, 64);
		assert_true(skipped(m) - s0 >= 64ul * 16); /* dropped by the host: fresh */
		for (int i = 0; i < got; i++)
			kmm_free_pages(m, w[i], 4);
	}
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 0);
	assert_consistent(m, &log_);
	free(v);
	kmm_machine_destroy(m);
}

/*
 * Take every free page of m, write `byte` over each and free them all:
 * afterwards no free page of m holds what the host gave. How many.
 */
static int dirty_all(kmm_machine *m, struct page **v, int byte)
{
	int n = 0;

	for (struct page *p;
	     n < MAXP && (p = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_NOWARN, 0));)
		v[n++] = p;
	for (int i = 0; i < n; i++) {
		dirty(m, v[i], 0, byte);
		kmm_free_pages(m, v[i], 0);
	}
	return n;
}

/*
 * Blocks handed back to the host read as zeroes again when the host says
 * so (kmm_os_discard returns 1): kmm's own memory (a hole punched in the
 * memfd) and a caller's private anonymous region (zero pages on the next
 * touch). The whole machine is dirtied first, so every skip counted comes
 * from the discard.
 */
static void test_discarded_blocks_marked(void **state)
{
	size_t size = 64u << 20;
	struct page **v = calloc(MAXP, sizeof(*v));
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	kmm_machine *machines[2] = { test_boot("mem=64M nr_cpus=1 page_reporting=0", &log_), NULL };
	char err[256];

	(void)state;
	assert_non_null(v);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=32M@0 nr_cpus=1", mem, size,
					       &machines[1], err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(machines[1], test_log_sink, &log_);
	for (int k = 0; k < 2; k++) {
		kmm_machine *m = machines[k];
		int n = dirty_all(m, v, 0xc3), got;
		unsigned long s0, discarded;

		assert_true(n > 1000);
		discarded = kmm_discard_free_pages(m, 0);
		assert_true(discarded >= (unsigned long)n);
		assert_consistent(m, &log_);
		s0 = skipped(m);
		got = take_zeroed(m, v, MAXP, 0);
		assert_true(got >= n * 9 / 10);
		assert_true(skipped(m) - s0 >= (unsigned long)got * 9 / 10);
		for (int i = 0; i < got; i++)
			kmm_free_pages(m, v[i], 0);
		assert_consistent(m, &log_);
		kmm_machine_destroy(m);
	}
	munmap(mem, size);
	free(v);
}

/*
 * A private mapping of a file reads its file again after a discard: not
 * known to be zero (kmm_os_discard returns 0), so every block is cleared.
 * The file is written first, so a block that skipped its clear would read
 * the file's bytes.
 */
static void test_discarded_file_region_cleared(void **state)
{
	size_t size = 64u << 20;
	char path[] = "/tmp/kmm-test-zeroed-XXXXXX", err[256];
	int fd = mkstemp(path);
	struct page **v = calloc(MAXP, sizeof(*v));
	kmm_machine *m = NULL;
	unsigned long s0;
	void *mem;
	int n, got;

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(v);
	unlink(path);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(mem != MAP_FAILED);
	memset(mem, 0x6d, size); /* the file's contents */
	assert_int_equal(munmap(mem, size), 0);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=32M@0 nr_cpus=1", mem, size,
					       &m, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	n = dirty_all(m, v, 0x5e);
	assert_true(n > 1000);
	assert_true(kmm_discard_free_pages(m, 0) >= (unsigned long)n);
	s0 = skipped(m);
	got = take_zeroed(m, v, MAXP, 0); /* reads every byte: the file's 0x6d would show */
	assert_true(got >= n * 9 / 10);
	assert_int_equal(skipped(m), s0);
	for (int i = 0; i < got; i++)
		kmm_free_pages(m, v[i], 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	munmap(mem, size);
	close(fd);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_then_dirty),
		cmocka_unit_test(test_caller_region_not_zeroed),
		cmocka_unit_test(test_init_on_free_marks),
		cmocka_unit_test(test_hotplug_fresh_once),
		cmocka_unit_test(test_discarded_blocks_marked),
		cmocka_unit_test(test_discarded_file_region_cleared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
