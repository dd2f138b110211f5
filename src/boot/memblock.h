/* SPDX-License-Identifier: MIT */
/*
 * boot/memblock.h - the boot allocator (Linux's memblock).
 *
 * Before the buddy allocator exists, metadata (the machine struct, node
 * data, the memmap, pageblock types, per-CPU areas) is carved out of the
 * machine's RAM here, whole pages at a time, top-down within a node and
 * below a limit (lowmem, and below ZONE_MOVABLE). What memblock hands out
 * stays reserved: those frames are present but never managed, which is
 * what /proc/zoneinfo's present - managed shows on Linux.
 *
 * The reserved list is sorted and merged; it lives on the boot stack and
 * is dropped once the buddy allocator owns the rest.
 */
#ifndef KMM_BOOT_MEMBLOCK_H
#define KMM_BOOT_MEMBLOCK_H

#include "boot/layout.h"

#define MEMBLOCK_MAX_RESERVED 256
#define MEMBLOCK_NONE (~0ul)

struct memblock {
	const struct kmm_layout *lay;
	int nr_reserved;
	struct kmm_pfn_range reserved[MEMBLOCK_MAX_RESERVED];
	unsigned long reserved_pages;
};

void memblock_init(struct memblock *mb, const struct kmm_layout *lay);

/*
 * Take nr_pages contiguous RAM pages aligned to align_pages (a power of
 * two) from node nid (-1: any node, highest first), below limit_pfn and
 * below the node's ZONE_MOVABLE. Falls back to other nodes when nid has no
 * room. Returns the first pfn, or MEMBLOCK_NONE.
 */
unsigned long memblock_alloc(struct memblock *mb, unsigned long nr_pages, unsigned long align_pages,
			     int nid, unsigned long limit_pfn);

/* Mark [start, end) reserved. */
int memblock_reserve(struct memblock *mb, unsigned long start, unsigned long end);

bool memblock_is_reserved(const struct memblock *mb, unsigned long pfn);

/* Reserved pages inside [start, end). */
unsigned long memblock_reserved_in(const struct memblock *mb, unsigned long start,
				   unsigned long end);

#endif /* KMM_BOOT_MEMBLOCK_H */
