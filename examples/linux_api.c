/* SPDX-License-Identifier: MIT */
/*
 * examples/linux_api.c - kernel-style code against <kmm/linux.h>.
 * Build: cc linux_api.c $(pkg-config --cflags --libs kmm)
 */
#include <kmm/linux.h>
#include <stdio.h>
#include <string.h>

static DEFINE_PER_CPU(long, hits);

int main(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned long addr;
	char *p;

	if (!page)
		return 1;
	p = page_address(page);
	memset(p, 0x5a, 4 * PAGE_SIZE);
	if (virt_to_page(p) != page || page_ref_count(page) != 1)
		return 2;
	printf("order-2 block at pfn %#lx in zone %d of node %d\n", page_to_pfn(page),
	       page_zonenum(page), page_to_nid(page));
	__free_pages(page, 2);

	addr = get_zeroed_page(GFP_KERNEL);
	if (!addr || ((char *)addr)[100] != 0)
		return 3;
	free_page(addr);

	/* slab caches and kmalloc */
	{
		struct kmem_cache *cache =
			kmem_cache_create("example", 600, 0, SLAB_HWCACHE_ALIGN, NULL);
		void *obj = cache ? kmem_cache_alloc(cache, GFP_KERNEL) : NULL;
		char *buf = kmalloc(100, GFP_KERNEL);

		if (!obj || !buf || ksize(buf) != 128)
			return 4;
		kmem_cache_free(cache, obj);
		kmem_cache_destroy(cache);
		kfree(buf);
	}

	/* per-CPU variables */
	{
		long sum = 0;
		int cpu;

		this_cpu_inc(hits);
		for_each_possible_cpu (cpu)
			sum += per_cpu(hits, cpu);
		if (sum != 1)
			return 5;
	}
	return 0;
}
