/* SPDX-License-Identifier: MIT */
/*
 * tests/link/own_names.c - a kernel-style program that defines functions
 * named like kmm's internals (dump_page, memblock_alloc, new_slab,
 * __alloc_pages, build_all_zonelists) and still links statically against
 * libkmm.a and uses it (cmake/check_archive.cmake builds and runs it).
 * Before libkmm.a localized its hidden symbols this failed to link with
 * "multiple definition of `dump_page'".
 */
#include <kmm/linux.h>
#include <stdio.h>
#include <string.h>

static int calls;

/* Deliberately not the kernel's signatures: these are this program's own. */
void dump_page(const char *why)
{
	calls += why != NULL;
}

void *memblock_alloc(unsigned long size)
{
	static char pool[64];

	calls++;
	return size <= sizeof(pool) ? pool : NULL;
}

int new_slab(int x)
{
	calls++;
	return x + 1;
}

int __alloc_pages(void)
{
	calls++;
	return 7;
}

void build_all_zonelists(void)
{
	calls++;
}

int main(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	char *buf = kmalloc(200, GFP_KERNEL);

	if (!page || !buf || ksize(buf) != 256)
		return 1;
	memset(page_address(page), 1, 2 * PAGE_SIZE);
	memset(buf, 2, 200);
	__free_pages(page, 1);
	kfree(buf);
	dump_page("mine");
	build_all_zonelists();
	if (!memblock_alloc(8) || new_slab(1) != 2 || __alloc_pages() != 7 || calls != 5)
		return 2;
	printf("own dump_page, memblock_alloc, new_slab, __alloc_pages, build_all_zonelists: ok\n");
	return 0;
}
