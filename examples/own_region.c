/* SPDX-License-Identifier: MIT */
/*
 * examples/own_region.c - kmm managing memory the program mapped itself,
 * with kmm_machine_create_on(): the way to put Linux's allocators on a
 * huge-page pool, a shared-memory segment or a device's memory.
 *
 * The program maps 64 MiB (2 MiB huge pages when the host has some free,
 * ordinary anonymous memory otherwise) and boots "mem=64M nr_cpus=2" on
 * it: physical address 0 of the machine is the first byte of the region,
 * so page_address() of every page the machine hands out lies inside it, at
 * offset pfn * page size. Nothing of the machine lives outside the region:
 * the memmap, the zone structures and the machine itself are carved out of
 * it by the boot allocator. Then it
 *   - allocates pages and a slab cache's objects and checks that each one is
 *     inside the region, where the pfn says;
 *   - shows that a region too small for the layout is refused, with the
 *     reason;
 *   - destroys the machine: the region stays mapped (kmm never unmaps
 *     memory it was given), so the program can reuse it, then unmaps it.
 *
 * Build: cc own_region.c $(pkg-config --cflags --libs kmm)
 * Run:   ./own_region            (exit status 0 when every check holds)
 */
#define _GNU_SOURCE
#include <kmm/kmm.h>
#include <kmm/slab.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define REGION_SIZE (64ul << 20)
#define CMDLINE "mem=64M nr_cpus=2"

static int inside(const void *p, const char *region, size_t size)
{
	return (const char *)p >= region && (const char *)p < region + size;
}

int main(void)
{
	const char *kind = "2 MiB huge pages";
	kmm_machine *m = NULL;
	struct kmem_cache *cache;
	struct page *page;
	char err[256];
	void *objs[64];
	char *region;
	int rc = 0;

	region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (region == MAP_FAILED) {
		kind = "ordinary pages";
		region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (region == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("mapped %lu MiB of %s at %p\n", REGION_SIZE >> 20, kind, (void *)region);

	/* too small a region for the layout: refused, and nothing is touched */
	if (kmm_machine_create_on("mem=1G", region, REGION_SIZE, &m, err, sizeof(err)) == KMM_OK)
		return 2;
	printf("'mem=1G' on it is refused: %s\n", err);

	if (kmm_machine_create_on(CMDLINE, region, REGION_SIZE, &m, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "kmm_machine_create_on: %s\n", err);
		return 3;
	}
	printf("booted '%s' on the region: %lu pfns, all of them in the region\n",
	       kmm_machine_cmdline(m), kmm_max_pfn(m));

	/* pages: page_address is region + pfn * page size */
	page = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 4);
	if (!page)
		return 4;
	{
		char *addr = kmm_page_address(m, page);
		size_t expect = (size_t)kmm_page_to_pfn(m, page) * kmm_page_size(m);

		printf("order-4 block: pfn %#lx at region + %#zx\n", kmm_page_to_pfn(m, page),
		       (size_t)(addr - region));
		if (addr != region + expect || !inside(addr, region, REGION_SIZE))
			rc = 5;
		memset(addr, 0xab, 16 * kmm_page_size(m));
	}
	kmm_free_pages(m, page, 4);

	/* a slab cache: every object is in the region too */
	cache = kmm_kmem_cache_create(m, "region_obj", 96, 0, 0, NULL);
	if (!cache)
		return 6;
	for (int i = 0; i < 64; i++) {
		objs[i] = kmm_kmem_cache_alloc(m, cache, GFP_KERNEL);
		if (!objs[i] || !inside(objs[i], region, REGION_SIZE))
			rc = 7;
	}
	printf("64 objects of cache %s, all inside the region: %s\n", kmm_kmem_cache_name(cache),
	       rc ? "no" : "yes");
	for (int i = 0; i < 64; i++)
		kmm_kmem_cache_free(m, cache, objs[i]);
	kmm_kmem_cache_destroy(m, cache);

	printf("kmm_check: %d problems\n", kmm_check(m));
	if (kmm_check(m))
		rc = 8;
	kmm_machine_destroy(m);

	/* the region is still ours: mapped, writable, ours to unmap */
	memset(region, 0, 4096);
	printf("machine destroyed; the region is still mapped and writable\n");
	munmap(region, REGION_SIZE);
	return rc;
}
