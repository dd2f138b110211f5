/* SPDX-License-Identifier: MIT */
/*
 * tests/test_discard.c - kmm_discard_free_pages (page/discard.c) and
 * kmm_machine_create_on_zeroed (boot/machine.c), the two calls
 * libkmm-malloc adds to the instance API: free blocks give their frames back
 * and read as zeroes while nothing else changes; a machine over memory that
 * reads as zeroes writes only what it initializes.
 */
#include "kmm_test.h"

#include <kmm/percpu.h>

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct test_log log_;

static void *map_region(size_t size)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(mem != MAP_FAILED);
	return mem;
}

/* Pages of [mem, mem + size) the host holds for the process. */
static unsigned long resident_pages(void *mem, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = size / page;
	unsigned char *vec =
		mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long count = 0;

	assert_true(vec != MAP_FAILED);
	assert_int_equal(mincore(mem, size, vec), 0);
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	munmap(vec, n);
	return count;
}

static unsigned long free_pages_total(kmm_machine *m)
{
	unsigned long sum = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			sum += kmm_zone_free_pages(m, nid, (enum kmm_zone_type)z);
	return sum;
}

static void test_discard_bad_input(void **state)
{
	kmm_machine *m = test_boot("mem=64M", &log_);
	struct free_snapshot a, b;

	(void)state;
	assert_int_equal(kmm_discard_free_pages(NULL, 0), 0);
	kmm_drain_all_pages(m, NULL);
	test_snapshot(m, &a);
	assert_int_equal(kmm_discard_free_pages(m, KMM_NR_ORDERS), 0); /* beyond MAX_ORDER */
	assert_int_equal(kmm_discard_free_pages(m, ~0u), 0);
	test_snapshot(m, &b);
	assert_true(test_snapshot_equal(&a, &b));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_discard_zeroes_free_blocks(void **state)
{
	size_t size = 128u << 20;
	char *mem = map_region(size), err[256];
	kmm_machine *m = NULL;
	struct free_snapshot a, b;
	struct page *p, *keep;
	unsigned char *data, *kept;
	unsigned long n, free_before;

	(void)state;
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=64M@0", mem, size, &m, err,
					       sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	keep = kmm_alloc_pages(m, KMM_GFP_KERNEL, 2);
	p = kmm_alloc_pages(m, KMM_GFP_KERNEL, 3);
	assert_non_null(keep);
	assert_non_null(p);
	kept = kmm_page_address(m, keep);
	data = kmm_page_address(m, p);
	memset(kept, 0x5a, 4 * 4096);
	memset(data, 0xab, 8 * 4096);
	kmm_free_pages(m, p, 3);
	kmm_drain_all_pages(m, NULL);
	test_snapshot(m, &a);
	free_before = free_pages_total(m);
	/* min_order 0: every free page, as many as the zones count free */
	n = kmm_discard_free_pages(m, 0);
	assert_int_equal(n, free_before);
	test_snapshot(m, &b);
	assert_true(test_snapshot_equal(&a, &b)); /* the free lists are as they were */
	assert_int_equal(free_pages_total(m), free_before);
	for (size_t i = 0; i < 8 * 4096; i++)
		if (data[i])
			fail_msg("byte %zu of a discarded free block reads 0x%x", i, data[i]);
	for (size_t i = 0; i < 4 * 4096; i++)
		if (kept[i] != 0x5a)
			fail_msg("byte %zu of an allocated block changed to 0x%x", i, kept[i]);
	/* only the largest blocks: a multiple of 1024 pages, fewer than all */
	n = kmm_discard_free_pages(m, KMM_NR_ORDERS - 1);
	assert_int_equal(n % (1ul << (KMM_NR_ORDERS - 1)), 0);
	assert_true(n > 0 && n < free_before);
	/* a discarded block is usable again */
	p = kmm_alloc_pages(m, KMM_GFP_KERNEL, 3);
	assert_non_null(p);
	memset(kmm_page_address(m, p), 1, 8 * 4096);
	kmm_free_pages(m, p, 3);
	kmm_free_pages(m, keep, 2);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	munmap(mem, size);
}

static void test_create_on_zeroed(void **state)
{
	/* 1G of RAM above 4G: one Normal zone, most of its memmap deferred */
	const char *cmdline = "memmap=exactmap memmap=1G@4G";
	size_t size = (size_t)5 << 30;
	char *a = map_region(size), *b = map_region(size), err[256];
	kmm_machine *m = NULL, *z = NULL;
	unsigned long ra, rb;
	struct page *p;

	(void)state;
	err[0] = '\0';
	assert_int_equal(kmm_machine_create_on_zeroed(cmdline, NULL, size, &z, err, sizeof(err)),
			 KMM_EINVAL);
	assert_null(z);
	assert_non_null(strstr(err, "no memory region given"));
	assert_int_equal(
		kmm_machine_create_on_zeroed("mem=1G bogus_key=1", b, size, &z, err, sizeof(err)),
		KMM_EINVAL);
	assert_null(z);
	/* the same machine over the same kind of memory, with and without the promise */
	assert_int_equal(kmm_machine_create_on(cmdline, a, size, &m, err, sizeof(err)), KMM_OK);
	assert_int_equal(kmm_machine_create_on_zeroed(cmdline, b, size, &z, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	kmm_set_log(z, test_log_sink, &log_);
	ra = resident_pages(a, size);
	rb = resident_pages(b, size);
	if (rb * 2 > ra)
		fail_msg("over zeroed memory boot touched %lu pages, over any memory %lu", rb, ra);
	assert_int_equal(free_pages_total(m), free_pages_total(z));
	p = kmm_alloc_pages(z, KMM_GFP_KERNEL, 4);
	assert_non_null(p);
	memset(kmm_page_address(z, p), 7, 16 * 4096);
	kmm_free_pages(z, p, 4);
	assert_consistent(m, &log_);
	assert_consistent(z, &log_);
	kmm_machine_destroy(m);
	kmm_machine_destroy(z);
	munmap(a, size);
	munmap(b, size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discard_bad_input),
		cmocka_unit_test(test_discard_zeroes_free_blocks),
		cmocka_unit_test(test_create_on_zeroed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
