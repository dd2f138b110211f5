/* SPDX-License-Identifier: MIT */
/*
 * highmem/copy.c - the byte helpers of <linux/highmem.h>: memcpy_to_page,
 * memcpy_from_page, memzero_page, clear_highpage, copy_highpage. Each maps
 * the page(s) with kmap_local_page for the copy, as the kernel's do, so
 * they work on highmem and lowmem alike. A range that leaves the page
 * (Linux: VM_BUG_ON(offset + len > PAGE_SIZE)) is reported and nothing is
 * copied.
 */
#include "highmem/highmem.h"
#include "page/internal.h"

#include <kmm/highmem.h>

static bool range_ok(kmm_machine *m, const char *fn, size_t offset, size_t len)
{
	if (offset > m->page_size || len > m->page_size - offset) {
		kmm_report_bad_call(m, "%s: offset %zu + len %zu is past the end of the page", fn,
				    offset, len);
		return false;
	}
	return true;
}

void kmm_memcpy_to_page(kmm_machine *m, struct page *page, size_t offset, const void *from,
			size_t len)
{
	char *to;

	if (!range_ok(m, "memcpy_to_page", offset, len) || !(to = kmm_kmap_local_page(m, page)))
		return;
	kmm_memcpy(to + offset, from, len);
	kmm_kunmap_local(m, to);
}

void kmm_memcpy_from_page(kmm_machine *m, void *to, struct page *page, size_t offset, size_t len)
{
	char *from;

	if (!range_ok(m, "memcpy_from_page", offset, len) || !(from = kmm_kmap_local_page(m, page)))
		return;
	kmm_memcpy(to, from + offset, len);
	kmm_kunmap_local(m, from);
}

void kmm_memzero_page(kmm_machine *m, struct page *page, size_t offset, size_t len)
{
	char *p;

	if (!range_ok(m, "memzero_page", offset, len) || !(p = kmm_kmap_local_page(m, page)))
		return;
	kmm_memset(p + offset, 0, len);
	kmm_kunmap_local(m, p);
}

void kmm_clear_highpage(kmm_machine *m, struct page *page)
{
	char *p = kmm_kmap_local_page(m, page);

	if (!p)
		return;
	kmm_memset(p, 0, m->page_size);
	kmm_kunmap_local(m, p);
}

void kmm_copy_highpage(kmm_machine *m, struct page *to, struct page *from)
{
	char *vto, *vfrom;

	if (!m || !page_in_machine(m, to) || !page_in_machine(m, from)) {
		if (m)
			kmm_report_bad_call(m,
					    "copy_highpage: %p or %p is not a page of this machine",
					    (void *)to, (void *)from);
		return;
	}
	if (!(vfrom = kmm_kmap_local_page(m, from)))
		return;
	if (!(vto = kmm_kmap_local_page(m, to))) {
		kmm_kunmap_local(m, vfrom);
		return;
	}
	kmm_memcpy(vto, vfrom, m->page_size);
	kmm_kunmap_local(m, vto);
	kmm_kunmap_local(m, vfrom);
}

int kmm_page_is_highmem(const kmm_machine *m, const struct page *page)
{
	return page_in_machine(m, page) && pfn_is_highmem(m, page_to_pfn(m, page));
}
