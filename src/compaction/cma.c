/* SPDX-License-Identifier: MIT */
/*
 * compaction/cma.c - the contiguous memory allocator's area (mm/cma.c):
 * machine key cma=SIZE, cma_alloc, cma_release, and the CMA counters of
 * the reports.
 *
 * At boot (the compaction row of the late-init table) the area is carved
 * from the top of the lowest node's highest populated zone below
 * ZONE_MOVABLE, pageblock-aligned, out of memory that is still entirely
 * free, and its pageblocks become MIGRATE_CMA. Linux reserves it from
 * memblock before the buddy allocator starts; kmm takes it just after, so
 * the same memory ends up in the same state (free, CMA pageblocks).
 *
 * Who may use it: movable allocations borrow CMA pageblocks when their own
 * lists are empty (buddy.c __rmqueue's cma fallback); nothing else ever
 * takes a block from the CMA lists, and a CMA pageblock is never claimed
 * by another migratetype or merged above pageblock order with one.
 * cma_alloc finds `count` pages not yet allocated in the bitmap (under
 * cma->lock, a leaf), marks them, and calls alloc_contig_range with the
 * CMA flag, which migrates the borrowers out; when that fails the bits are
 * cleared and the next aligned position is tried.
 *
 * Reports: CmaTotal / CmaFree in meminfo, nr_free_cma in vmstat and
 * zoneinfo, the zone's "cma" line of zoneinfo, and the CMA rows of
 * pagetypeinfo - only on a machine with an area, as a kernel built with
 * CONFIG_CMA shows them. nr_free_cma (free pages on the CMA lists) is
 * folded from the free lists before each report (cma_vmstat_fold).
 */
#include "compaction/compaction.h"
#include "page/deferred.h"

#define BITS_PER_LONG_ (8 * sizeof(unsigned long))

static bool bit_test(const unsigned long *map, unsigned long i)
{
	return (map[i / BITS_PER_LONG_] >> (i % BITS_PER_LONG_)) & 1;
}

static void bits_set(unsigned long *map, unsigned long from, unsigned long n, bool v)
{
	for (unsigned long i = from; i < from + n; i++) {
		if (v)
			map[i / BITS_PER_LONG_] |= 1ul << (i % BITS_PER_LONG_);
		else
			map[i / BITS_PER_LONG_] &= ~(1ul << (i % BITS_PER_LONG_));
	}
}

/* Is every page of [pfn, pfn + n) a free buddy page of zone? zone->lock held. */
static bool all_free(struct kmm_machine *m, struct zone *zone, unsigned long pfn, unsigned long n)
{
	for (unsigned long p = pfn; p < pfn + n;) {
		const struct page *page = pfn_to_page(m, p);

		if (!page_test(page, PG_buddy) || p + (1ul << buddy_order(page)) > pfn + n ||
		    page_zonenum(page) != (unsigned int)zone->idx)
			return false;
		p += 1ul << buddy_order(page);
	}
	return true;
}

int cma_init(struct kmm_machine *m)
{
	struct cma_area *cma = &m->compact->cma;
	unsigned long count, bitmap_bytes;
	struct zone *zone = NULL;
	unsigned int order = 0;
	struct page *bm;

	kmm_spin_init_class(&cma->lock, KMM_LOCK_CMA);
	if (!m->desc.cma_bytes)
		return KMM_OK;
	count = ALIGN_UP((unsigned long)(m->desc.cma_bytes >> m->page_shift), pageblock_nr_pages);
	for (int z = KMM_ZONE_MOVABLE - 1; z >= 0 && !zone; z--) {
		struct zone *cand = &m->node_data[0]->node_zones[z];

		if (zone_is_populated(cand) && cand->managed_pages + cand->deferred_pages > count)
			zone = cand;
	}
	if (!zone) {
		kmm_log(m, "cma: Failed to reserve %lu MiB: no zone is large enough\n",
			(unsigned long)(m->desc.cma_bytes >> 20));
		return KMM_EINVAL;
	}
	deferred_init_all(m);
	bitmap_bytes = ALIGN_UP(count, BITS_PER_LONG_) / 8;
	while ((m->page_size << order) < bitmap_bytes)
		order++;
	bm = __alloc_pages(m, GFP_KERNEL | __GFP_ZERO, order, 0, NULL);
	if (!bm)
		return KMM_ENOMEM;
	cma->bitmap = page_to_virt_raw(m, bm);
	kmm_spin_lock(&zone->lock);
	for (unsigned long base = ALIGN_DOWN(zone_end_pfn(zone) - count, pageblock_nr_pages);
	     base >= zone->zone_start_pfn && base + count <= zone_end_pfn(zone);
	     base -= pageblock_nr_pages) {
		bool valid = true;

		for (unsigned long p = base; p < base + count && valid; p += PAGES_PER_SECTION)
			valid = pfn_valid(m, p);
		if (valid && pfn_valid(m, base + count - 1) && all_free(m, zone, base, count)) {
			cma->base_pfn = base;
			cma->count = count;
			cma->nid = zone->node;
			for (unsigned long p = base; p < base + count; p += pageblock_nr_pages) {
				set_pageblock_migratetype(zone, p, MIGRATE_CMA);
				move_freepages_block(m, zone, p, MIGRATE_CMA, NULL);
			}
			break;
		}
		if (base < pageblock_nr_pages)
			break;
	}
	kmm_spin_unlock(&zone->lock);
	if (!cma->count) {
		kmm_log(m, "cma: Failed to reserve %lu MiB: no free range\n",
			(unsigned long)(m->desc.cma_bytes >> 20));
		kmm_free_pages(m, bm, order);
		cma->bitmap = NULL;
		return KMM_EINVAL;
	}
	kmm_log(m, "cma: Reserved %lu MiB at %#llx\n", (unsigned long)(m->desc.cma_bytes >> 20),
		(unsigned long long)cma->base_pfn << m->page_shift);
	return KMM_OK;
}

/* nr_free_cma of every zone: the pages on its CMA free lists (before a report reads it). */
void cma_vmstat_fold(struct kmm_machine *m)
{
	if (!m->compact || !m->compact->cma.count)
		return;
	for_each_zone_m (m, zone) {
		unsigned long free = 0;

		if (!zone_is_populated(zone))
			continue;
		kmm_spin_lock(&zone->lock);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			uint32_t pfn;

			page_list_for_each (m->vmemmap, &zone->free_area[o].free_list[MIGRATE_CMA],
					    pfn)
				free += 1ul << o;
		}
		WRITE_ONCE(zone->vm_stat[NR_FREE_CMA_PAGES], (long)free);
		kmm_spin_unlock(&zone->lock);
	}
}

unsigned long cma_zone_pages(const struct kmm_machine *m, const struct zone *zone)
{
	const struct cma_area *cma;

	if (!m->compact)
		return 0;
	cma = &m->compact->cma;
	if (!cma->count || !zone_spans_pfn(zone, cma->base_pfn))
		return 0;
	return cma->count;
}

struct page *kmm_cma_alloc(kmm_machine *m, unsigned long count, unsigned int align, bool no_warn)
{
	struct cma_area *cma;
	unsigned long mask, start = 0;
	int ret = KMM_ENOMEM;

	if (!m || m->magic != KMM_MACHINE_MAGIC || !m->compact)
		return NULL;
	cma = &m->compact->cma;
	if (!cma->count) {
		if (!no_warn)
			kmm_report_bad_call(m, "cma_alloc: the machine has no CMA area (cma=)");
		return NULL;
	}
	if (count == 0 || count > cma->count || align > 31) {
		if (!no_warn)
			kmm_report_bad_call(m,
					    "cma_alloc: %lu pages aligned to order %u do not fit "
					    "the area of %lu pages",
					    count, align, cma->count);
		return NULL;
	}
	might_sleep();
	/* positions are relative to base_pfn; align the pfn itself */
	mask = (1ul << align) - 1;
	for (;;) {
		unsigned long off = ALIGN_UP(cma->base_pfn + start, mask + 1) - cma->base_pfn;
		bool found = false;

		kmm_spin_lock(&cma->lock);
		for (; off + count <= cma->count;
		     off = ALIGN_UP(cma->base_pfn + off + 1, mask + 1) - cma->base_pfn) {
			unsigned long i;

			for (i = 0; i < count && !bit_test(cma->bitmap, off + i); i++)
				;
			if (i == count) {
				bits_set(cma->bitmap, off, count, true);
				cma->allocated += count;
				found = true;
				break;
			}
		}
		kmm_spin_unlock(&cma->lock);
		if (!found)
			break;
		ret = alloc_contig_range_m(m, cma->base_pfn + off, cma->base_pfn + off + count,
					   true);
		if (ret == KMM_OK)
			return pfn_to_page(m, cma->base_pfn + off);
		kmm_spin_lock(&cma->lock);
		bits_set(cma->bitmap, off, count, false);
		cma->allocated -= count;
		kmm_spin_unlock(&cma->lock);
		if (ret != KMM_EBUSY)
			break;
		start = off + 1;
	}
	if (!no_warn)
		kmm_log(m, "cma: cma_alloc: reserved: alloc failed, req-size: %lu pages, ret: %d\n",
			count, ret);
	return NULL;
}

bool kmm_cma_release(kmm_machine *m, const struct page *pages, unsigned long count)
{
	struct cma_area *cma;
	unsigned long pfn;

	if (!m || m->magic != KMM_MACHINE_MAGIC || !m->compact || !pages)
		return false;
	cma = &m->compact->cma;
	if (!page_in_machine(m, pages) || !cma->count) {
		kmm_report_bad_call(m, "cma_release: %p is not a page of the CMA area",
				    (const void *)pages);
		return false;
	}
	pfn = page_to_pfn(m, pages);
	if (pfn < cma->base_pfn || count == 0 || count > cma->count ||
	    pfn - cma->base_pfn > cma->count - count) {
		kmm_report_bad_call(m,
				    "cma_release: [%#lx, +%lu) is not inside the CMA area "
				    "[%#lx, +%lu)",
				    pfn, count, cma->base_pfn, cma->count);
		return false;
	}
	kmm_spin_lock(&cma->lock);
	for (unsigned long i = 0; i < count; i++)
		if (!bit_test(cma->bitmap, pfn - cma->base_pfn + i)) {
			kmm_spin_unlock(&cma->lock);
			kmm_report_bad_call(
				m, "cma_release: pfn %#lx was not allocated by cma_alloc", pfn + i);
			return false;
		}
	kmm_spin_unlock(&cma->lock);
	if (!contig_range_freeable(m, pfn, count, "cma_release"))
		return false;
	for (unsigned long i = 0; i < count; i++)
		kmm_free_pages(m, pfn_to_page(m, pfn + i), 0);
	kmm_spin_lock(&cma->lock);
	bits_set(cma->bitmap, pfn - cma->base_pfn, count, false);
	cma->allocated -= count;
	kmm_spin_unlock(&cma->lock);
	return true;
}

int kmm_cma_info(kmm_machine *m, unsigned long *base_pfn, unsigned long *count,
		 unsigned long *allocated)
{
	struct cma_area *cma;

	if (!m || m->magic != KMM_MACHINE_MAGIC || !m->compact || !m->compact->cma.count)
		return KMM_EINVAL;
	cma = &m->compact->cma;
	if (base_pfn)
		*base_pfn = cma->base_pfn;
	if (count)
		*count = cma->count;
	if (allocated) {
		kmm_spin_lock(&cma->lock);
		*allocated = cma->allocated;
		kmm_spin_unlock(&cma->lock);
	}
	return KMM_OK;
}
