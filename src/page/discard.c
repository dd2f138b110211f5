/* SPDX-License-Identifier: MIT */
/*
 * page/discard.c - giving the frames of free blocks back to the host.
 *
 * A machine's physical memory is host memory that was touched once; the
 * buddy allocator never forgets a frame it freed, so after a burst the
 * process keeps its peak. kmm_discard_free_pages() is the machine's side of
 * malloc_trim(): it empties the per-CPU page lists, then tells the host
 * (kmm_os_discard) that the contents of every free block of at least
 * min_order are no longer needed. The role Linux's free page reporting
 * (mm/page_reporting.c) plays for a guest under a balloon driver: the
 * blocks stay on the free lists, only their host frames are released, and
 * the next use of a frame faults in a zero page.
 *
 * Invariants: a block is discarded while its zone's lock is held, so it
 * cannot be allocated in between (the host call is made under the lock, the
 * one place in kmm where it is: page_reporting isolates the block instead,
 * which would need a migratetype round trip per block). Only free list
 * membership is read and no counter changes; the one descriptor change is
 * the known-zero mark (page.h) on the head of a block the host says now
 * reads as zeroes, so that __GFP_ZERO and calloc do not clear (and fault
 * in) it again. The memmap and the boot allocator's frames are never on a
 * free list, so they are never discarded.
 */
#include "machine.h"
#include "page/internal.h"
#include "page/page_list.h"
#include "page/pcp.h"
#include "platform/platform.h"

bool discard_block(struct kmm_machine *m, unsigned long pfn, unsigned int order)
{
	if (pfn < m->direct_pfns)
		return kmm_os_discard(m->phys + ((uintptr_t)pfn << m->page_shift),
				      (size_t)m->page_size << order) == 1;
	/* highmem: no mapping to discard through; a hole punched in the memfd reads as zeroes */
	return kmm_os_phys_discard(m->phys_handle, (uint64_t)pfn << m->page_shift,
				   (uint64_t)m->page_size << order) == 1;
}

unsigned long kmm_discard_free_pages(kmm_machine *m, unsigned int min_order)
{
	unsigned long pages = 0;

	if (!m || min_order > MAX_ORDER)
		return 0;
	drain_all_pages_m(m, NULL);
	for_each_zone_m (m, zone) {
		if (!zone->present_pages)
			continue;
		kmm_spin_lock(&zone->lock);
		for (unsigned int order = min_order; order <= MAX_ORDER; order++) {
			struct free_area *area = &zone->free_area[order];

			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				uint32_t pfn;

				page_list_for_each (m->vmemmap, &area->free_list[mt], pfn) {
					if (discard_block(m, pfn, order))
						set_page_zeroed(pfn_to_page(m, pfn), true);
					pages += 1ul << order;
				}
			}
		}
		kmm_spin_unlock(&zone->lock);
	}
	return pages;
}
