/* SPDX-License-Identifier: MIT */
/*
 * tests/test_hotplug_linux.c - memory hotplug through the kernel's names of
 * <kmm/linux.h> on the default machine (KMM_CMDLINE with maxmem=):
 * add_memory, online_pages, allocation from the new memory, offline_pages,
 * remove_memory, offline_and_remove_memory.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <stdlib.h>

#include <kmm/linux.h>

static void test_linux_names(void **state)
{
	uint64_t start = 256ull << 20, block = memory_block_size_bytes();
	unsigned long pfn = (unsigned long)(start >> PAGE_SHIFT);
	struct page *p;

	(void)state;
	assert_int_equal(block, 128ull << 20);
	assert_int_equal(add_memory(0, start, 2 * block, MHP_NONE), 0);
	assert_int_equal(add_memory(0, start, block, MHP_NONE), -17); /* -EEXIST */
	assert_int_equal(online_pages(pfn, (unsigned long)(2 * block >> PAGE_SHIFT), MMOP_ONLINE),
			 0);
	/* GFP_KERNEL tries ZONE_NORMAL first: the new memory */
	p = alloc_pages(GFP_KERNEL, 10);
	assert_non_null(p);
	assert_true(page_to_pfn(p) >= pfn);
	assert_int_equal(offline_and_remove_memory(start, 2 * block), -16); /* -EBUSY */
	/* all or nothing: both blocks are online again */
	for (unsigned long b = 2; b < 4; b++) {
		struct kmm_memory_block_info info;

		assert_int_equal(kmm_memory_block_info(kmm_default_machine(), b, &info), 0);
		assert_int_equal(info.state, KMM_MEM_BLOCK_ONLINE);
	}
	__free_pages(p, 10);
	assert_int_equal(kmm_check(kmm_default_machine()), 0);
	assert_int_equal(offline_pages(pfn + (unsigned long)(block >> PAGE_SHIFT),
				       (unsigned long)(block >> PAGE_SHIFT)),
			 0);
	assert_int_equal(remove_memory(start + block, block), 0);
	assert_int_equal(offline_and_remove_memory(start, block), 0);
	assert_int_equal(kmm_check(kmm_default_machine()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_names),
	};

	setenv("KMM_CMDLINE", "mem=256M maxmem=1G nr_cpus=2 page_reporting=0", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
