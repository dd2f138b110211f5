/* SPDX-License-Identifier: MIT */
/*
 * tests/test_page_alignment.c - a block of 2^k pages is aligned to its size
 * in the virtual address space, for every page size (issue 16's finding:
 * on a page_size=16K machine the physical memory was mapped only host-page
 * aligned, so __get_free_pages returned addresses that were not page
 * multiples and free_pages refused them - the blocks were lost). The direct
 * map is reserved aligned to 2^MAX_PAGE_ORDER pages (docs/highmem.md), which
 * is also what kmalloc's natural alignment of power-of-two sizes needs.
 * Its own program: the boots come first in the process, where the host's
 * placement of a plain mapping is the one that exposed the bug.
 */
#include "kmm_test.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <kmm/percpu.h>

static struct test_log log_;

static void large_pages_are_aligned(const char *cmdline, unsigned long page, unsigned int max)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	unsigned long boot_free = test_free_pages(m);
	unsigned long addr[11];

	for (unsigned int order = 0; order <= max; order++) {
		addr[order] = kmm_get_free_pages(m, GFP_KERNEL, order);
		assert_true(addr[order] != 0);
		/* an order-k block is aligned to its size, as kmalloc's alignment needs */
		assert_int_equal(addr[order] % (page << order), 0);
	}
	for (unsigned int order = 0; order <= max; order++)
		kmm_free_pages_addr(m, addr[order], order);
	assert_false(test_log_contains(&log_, "not a page address"));
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(test_free_pages(m), boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/*
 * Leave the host's next free address range ending 4K past a 64K boundary
 * (mmap places a new mapping just below the lowest one), so a mapping that
 * is only host-page aligned would be misaligned for 16K and 64K pages.
 */
static void misalign_next_mapping(void)
{
	for (int i = 0; i < 64; i++) {
		void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(p != MAP_FAILED);
		if (((uintptr_t)p & 0xffff) == 0x1000)
			return;
	}
}

static void test_large_page_sizes_are_aligned(void **state)
{
	(void)state;
	misalign_next_mapping();
	/* a host mapping is 16K-aligned by chance one time in four: boot several times */
	for (int i = 0; i < 8; i++) {
		large_pages_are_aligned("mem=64M nr_cpus=1 page_size=16K", 16384, 6);
		large_pages_are_aligned("mem=256M nr_cpus=1 page_size=16K", 16384, 10);
		large_pages_are_aligned("mem=512M nr_cpus=2 page_size=64K", 65536, 10);
		large_pages_are_aligned("mem=256M nr_cpus=2", 4096, 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_page_sizes_are_aligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
