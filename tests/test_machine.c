/* SPDX-License-Identifier: MIT */
/*
 * tests/test_machine.c - the machine model: layouts from machine strings,
 * impossible layouts refused with a message naming the token, zones and
 * nodes, present/managed accounting, caller-supplied memory, the memmap
 * cost, and large sparse machines.
 */
#include "kmm_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "machine.h"

static struct test_log log_;

static void test_default_machine(void **state)
{
	kmm_machine *m = test_boot(NULL, &log_);

	(void)state;
	assert_string_equal(kmm_machine_cmdline(m), "mem=4G nr_cpus=2");
	assert_int_equal(kmm_nr_nodes(m), 1);
	assert_int_equal(kmm_nr_cpus(m), 2);
	assert_int_equal(kmm_page_size(m), 4096);
	/* x86 layout: RAM to 3G, the PCI hole, the last 1G above 4G */
	assert_int_equal(kmm_max_pfn(m), (5ul << 30) >> 12);
	assert_true(kmm_zone_managed_pages(m, 0, KMM_ZONE_DMA) > 3900);
	assert_true(kmm_zone_managed_pages(m, 0, KMM_ZONE_DMA32) > 700000);
	assert_true(kmm_zone_managed_pages(m, 0, KMM_ZONE_NORMAL) > 250000);
	assert_int_equal(kmm_zone_managed_pages(m, 0, KMM_ZONE_HIGHMEM), 0);
	/* the PCI hole (3G-4G) is whole sections without RAM: no descriptors */
	assert_false(kmm_pfn_valid(m, (3ul << 30) >> 12));
	assert_null(kmm_pfn_to_page(m, ((3ul << 30) >> 12) + 12345));
	assert_true(kmm_pfn_valid(m, ((3ul << 30) >> 12) - 1));
	assert_true(kmm_pfn_valid(m, (4ul << 30) >> 12));
	assert_false(kmm_pfn_valid(m, kmm_max_pfn(m)));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_struct_page_is_32_bytes(void **state)
{
	kmm_machine *m = test_boot(NULL, NULL);

	(void)state;
	assert_int_equal(sizeof(struct page), 32);
	assert_int_equal((char *)kmm_pfn_to_page(m, 1) - (char *)kmm_pfn_to_page(m, 0), 32);
	kmm_machine_destroy(m);
}

/* Zone spans and present pages as the x86 layout implies them. */
static void test_zone_spans(void **state)
{
	kmm_machine *m = test_boot("mem=8G", &log_);
	struct kmm_machine *mm = m;
	struct zone *dma = &mm->node_data[0]->node_zones[KMM_ZONE_DMA];
	struct zone *dma32 = &mm->node_data[0]->node_zones[KMM_ZONE_DMA32];
	struct zone *normal = &mm->node_data[0]->node_zones[KMM_ZONE_NORMAL];

	(void)state;
	/* DMA: pfn 1..0x9e, then 1M..16M; pfn 0 and 640K-1M are holes */
	assert_int_equal(dma->zone_start_pfn, 1);
	assert_int_equal(dma->spanned_pages, 4095);
	assert_int_equal(dma->present_pages, 158 + 3840);
	/* DMA32: 16M..4G spanned, the PCI hole included as on Linux; 16M..3G present */
	assert_int_equal(dma32->zone_start_pfn, 4096);
	assert_int_equal(dma32->spanned_pages, (1ul << 20) - 4096);
	assert_int_equal(dma32->present_pages, (3ul << 18) - 4096);
	/* Normal: 4G..9G (the 5G above the hole) */
	assert_int_equal(normal->zone_start_pfn, 1ul << 20);
	assert_int_equal(normal->present_pages, 5ul << 18);
	/* boot memory (memmap, node data) is present but not managed, in Normal */
	assert_true(normal->managed_pages < normal->present_pages);
	assert_int_equal(dma->managed_pages, dma->present_pages);
	assert_int_equal(mm->totalram_pages,
			 dma->managed_pages + dma32->managed_pages + normal->managed_pages);
	/* the memmap costs 32 bytes per page of present sections: under 0.8 % */
	assert_true(mm->memmap_pages * 4096.0 / ((double)kmm_max_pfn(m) * 4096) < 0.008);
	kmm_machine_destroy(m);
}

static void test_reservations_and_holes(void **state)
{
	kmm_machine *m = test_boot("mem=2G memmap=64M$1G", &log_);
	struct zone *dma32 = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];

	(void)state;
	/* DMA32 spans 16M..2G but 64M of it is reserved: not present */
	assert_int_equal(dma32->spanned_pages, ((2ul << 30) - (16ul << 20)) >> 12);
	assert_int_equal(dma32->present_pages, dma32->spanned_pages - (64ul << 8));
	for (unsigned long pfn = (1ul << 18); pfn < (1ul << 18) + (64ul << 8); pfn += 997) {
		struct page *p = kmm_pfn_to_page(m, pfn);

		assert_true(page_test(p, PG_reserved));
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_fake_numa(void **state)
{
	kmm_machine *m = test_boot("mem=8G nr_cpus=4 numa=fake=2", &log_);

	(void)state;
	assert_int_equal(kmm_nr_nodes(m), 2);
	/* the memory is split evenly */
	{
		unsigned long n0 = m->node_data[0]->node_present_pages;
		unsigned long n1 = m->node_data[1]->node_present_pages;

		assert_true(n0 > n1 - 8192 && n0 < n1 + 8192);
	}
	/* node 1 holds only Normal memory; node 0 holds DMA and DMA32 */
	assert_int_equal(kmm_zone_managed_pages(m, 1, KMM_ZONE_DMA), 0);
	assert_true(kmm_zone_managed_pages(m, 1, KMM_ZONE_NORMAL) > 0);
	assert_true(kmm_zone_managed_pages(m, 0, KMM_ZONE_DMA) > 0);
	/* each node's memmap and pg_data_t live in its own memory */
	for (int n = 0; n < 2; n++) {
		struct page *self = kmm_virt_to_page(m, m->node_data[n]);

		assert_non_null(self);
		assert_int_equal(kmm_page_to_nid(m, self), n);
		assert_int_equal(kmm_page_to_nid(m, kmm_virt_to_page(m, m->node_data[n])), n);
	}
	/* CPUs 0,1 on node 0 and 2,3 on node 1 */
	assert_int_equal(kmm_cpu_to_node(m, 0), 0);
	assert_int_equal(kmm_cpu_to_node(m, 3), 1);
	assert_int_equal(kmm_node_distance(m, 0, 1), 20);
	assert_int_equal(kmm_node_distance(m, 1, 1), 10);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_highmem_and_movable(void **state)
{
	kmm_machine *m = test_boot("mem=2G highmem=512M movablecore=256M", &log_);
	struct page *p;

	(void)state;
	assert_true(kmm_zone_managed_pages(m, 0, KMM_ZONE_HIGHMEM) > 0);
	assert_int_equal(kmm_zone_managed_pages(m, 0, KMM_ZONE_MOVABLE), 256ul << 8);
	assert_int_equal(m->node_data[0]->node_zones[KMM_ZONE_HIGHMEM].present_pages +
				 m->node_data[0]->node_zones[KMM_ZONE_MOVABLE].present_pages,
			 512ul << 8);
	/* a highmem page has no direct-map address */
	p = kmm_alloc_pages(m, GFP_HIGHUSER, 0);
	assert_non_null(p);
	assert_int_equal(kmm_page_zonenum(m, p), KMM_ZONE_HIGHMEM);
	assert_null(kmm_page_address(m, p));
	kmm_free_pages(m, p, 0);
	/* __get_free_pages never returns highmem, even when asked for it */
	for (int i = 0; i < 100; i++) {
		unsigned long a = kmm_get_free_pages(m, GFP_HIGHUSER, 0);

		assert_true(a != 0);
		assert_true(kmm_page_zonenum(m, kmm_virt_to_page(m, (void *)a)) < KMM_ZONE_HIGHMEM);
		kmm_free_pages_addr(m, a, 0);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void expect_refused(const char *cmdline, const char *needle)
{
	char err[256] = "";
	int ret = test_boot_fails(cmdline, err, sizeof(err));

	assert_true(ret < 0);
	if (!strstr(err, needle))
		fail_msg("\"%s\": expected \"%s\" in \"%s\"", cmdline, needle, err);
}

static void test_impossible_layouts_refused(void **state)
{
	(void)state;
	expect_refused("mem=12Q", "mem=12Q");
	expect_refused("bogus=1", "bogus=1");
	expect_refused("mem=1M", "too small");
	expect_refused("mem=1G highmem=2G", "highmem=2G");
	expect_refused("mem=64M numa=fake=8", "numa=fake=8");
	expect_refused("mem=1G memmap=64M$100G", "outside memory");
	expect_refused("memmap=exactmap", "needs at least one");
	expect_refused("mem=1G movablecore=2G", "movablecore=2G");
	expect_refused("mem=4G memmap=64M$1G memmap=64M$1G", "overlap");
	expect_refused("nr_cpus=0", "nr_cpus=0");
	expect_refused("mem=0", "mem=0");
}

static void test_large_sparse_machine(void **state)
{
	struct timespec a, b;
	kmm_machine *m;
	double ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	m = test_boot("mem=64G nr_cpus=2", &log_);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	/* not a timing assertion (bench does that): just that it really booted */
	assert_true(ms > 0);
	assert_true(test_free_pages(m) > (63ul << 18));
	{
		struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 10);

		assert_non_null(p);
		kmm_free_pages(m, p, 10);
	}
	kmm_machine_destroy(m);
}

static void test_caller_supplied_memory(void **state)
{
	size_t size = 64ul << 20;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kmm_machine *m = NULL;
	char err[256];
	struct page *p;

	(void)state;
	assert_true(mem != MAP_FAILED);
	memset(mem, 0xee, size); /* dirty: the machine must not rely on zeroed memory */
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=64M@0", mem, size, &m, err,
					       sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	test_log_clear(&log_);
	assert_ptr_equal(m->phys, mem);
	/* the machine struct itself was carved out of the region */
	assert_true((char *)m >= (char *)mem && (char *)m < (char *)mem + size);
	p = kmm_alloc_pages(m, GFP_KERNEL, 3);
	assert_non_null(p);
	assert_true((char *)kmm_page_address(m, p) >= (char *)mem);
	memset(kmm_page_address(m, p), 1, 8 * 4096);
	kmm_free_pages(m, p, 3);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	/* too small a region, or a misaligned one, is refused */
	assert_int_equal(kmm_machine_create_on("mem=1G", mem, size, &m, err, sizeof(err)),
			 KMM_EINVAL);
	assert_non_null(strstr(err, "smaller than the layout needs"));
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=32M@0", (char *)mem + 8,
					       size - 4096, &m, err, sizeof(err)),
			 KMM_EINVAL);
	assert_non_null(strstr(err, "not page aligned"));
	munmap(mem, size);
}

static void test_page_size_option(void **state)
{
	kmm_machine *m = test_boot("mem=1G page_size=16K", &log_);
	struct page *p;

	(void)state;
	assert_int_equal(kmm_page_size(m), 16384);
	p = kmm_alloc_pages(m, GFP_KERNEL, 1);
	memset(kmm_page_address(m, p), 0x11, 2 * 16384);
	kmm_free_pages(m, p, 1);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_machine),
		cmocka_unit_test(test_struct_page_is_32_bytes),
		cmocka_unit_test(test_zone_spans),
		cmocka_unit_test(test_reservations_and_holes),
		cmocka_unit_test(test_fake_numa),
		cmocka_unit_test(test_highmem_and_movable),
		cmocka_unit_test(test_impossible_layouts_refused),
		cmocka_unit_test(test_large_sparse_machine),
		cmocka_unit_test(test_caller_supplied_memory),
		cmocka_unit_test(test_page_size_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
