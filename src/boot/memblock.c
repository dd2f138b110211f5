/* SPDX-License-Identifier: MIT */
/*
 * boot/memblock.c - the boot allocator (see memblock.h).
 */
#include "boot/memblock.h"

void memblock_init(struct memblock *mb, const struct kmm_layout *lay)
{
	kmm_memset(mb, 0, sizeof(*mb));
	mb->lay = lay;
}

int memblock_reserve(struct memblock *mb, unsigned long start, unsigned long end)
{
	if (kmm_ranges_add(mb->reserved, &mb->nr_reserved, MEMBLOCK_MAX_RESERVED, start, end))
		return KMM_ENOMEM;
	mb->reserved_pages = 0;
	for (int i = 0; i < mb->nr_reserved; i++)
		mb->reserved_pages += mb->reserved[i].end - mb->reserved[i].start;
	return 0;
}

bool memblock_is_reserved(const struct memblock *mb, unsigned long pfn)
{
	for (int i = 0; i < mb->nr_reserved; i++)
		if (pfn >= mb->reserved[i].start && pfn < mb->reserved[i].end)
			return true;
	return false;
}

unsigned long memblock_reserved_in(const struct memblock *mb, unsigned long start,
				   unsigned long end)
{
	unsigned long n = 0;

	for (int i = 0; i < mb->nr_reserved; i++) {
		unsigned long s = MAX(start, mb->reserved[i].start);
		unsigned long e = MIN(end, mb->reserved[i].end);

		if (s < e)
			n += e - s;
	}
	return n;
}

/* Highest aligned free run of nr pages inside [lo, hi), or MEMBLOCK_NONE. */
static unsigned long find_top_down(const struct memblock *mb, unsigned long lo, unsigned long hi,
				   unsigned long nr, unsigned long align)
{
	const struct kmm_layout *lay = mb->lay;

	for (int r = lay->nr_ram - 1; r >= 0; r--) {
		unsigned long rs = MAX(lo, lay->ram[r].start);
		unsigned long end = MIN(hi, lay->ram[r].end);

		while (end > rs && end - rs >= nr) {
			unsigned long start = ALIGN_DOWN(end - nr, align);
			bool clash = false;

			if (start < rs)
				break;
			for (int i = mb->nr_reserved - 1; i >= 0; i--) {
				const struct kmm_pfn_range *res = &mb->reserved[i];

				if (res->start < start + nr && res->end > start) {
					end = res->start;
					clash = true;
					break;
				}
			}
			if (!clash)
				return start;
		}
	}
	return MEMBLOCK_NONE;
}

unsigned long memblock_alloc(struct memblock *mb, unsigned long nr_pages, unsigned long align_pages,
			     int nid, unsigned long limit_pfn)
{
	const struct kmm_layout *lay = mb->lay;
	unsigned long pfn = MEMBLOCK_NONE;

	if (align_pages == 0)
		align_pages = 1;
	for (int pass = 0; pass < 2 && pfn == MEMBLOCK_NONE; pass++) {
		for (int n = lay->nr_nodes - 1; n >= 0 && pfn == MEMBLOCK_NONE; n--) {
			unsigned long hi;

			if (pass == 0 && nid >= 0 && n != nid)
				continue;
			if (pass == 1 && n == nid)
				continue;
			hi = MIN(MIN(limit_pfn, lay->node[n].end), lay->movable_start[n]);
			pfn = find_top_down(mb, lay->node[n].start, hi, nr_pages, align_pages);
		}
		if (nid < 0)
			break;
	}
	if (pfn != MEMBLOCK_NONE && memblock_reserve(mb, pfn, pfn + nr_pages))
		return MEMBLOCK_NONE;
	return pfn;
}
