/* SPDX-License-Identifier: MIT */
/*
 * boot/layout.h - from a machine description to a physical layout.
 *
 * kmm_layout_compute turns a struct kmm_machine_desc into page-granular
 * facts: the RAM ranges (the e820 "usable" map minus memmap= reservations),
 * the span of each NUMA node, and the span of each zone on each node. It is
 * pure arithmetic on the stack, run before any memory exists, and is where
 * impossible layouts are refused (a reservation outside memory, highmem
 * larger than memory, more fake nodes than memory allows ...).
 *
 * Zone boundaries follow x86: DMA below 16 MiB, DMA32 below 4 GiB, NORMAL
 * above; highmem=SIZE makes the top SIZE of RAM ZONE_HIGHMEM (lowmem ends at
 * max_low_pfn); movablecore=SIZE takes the top of each node's highest zone
 * for ZONE_MOVABLE, spread evenly over the nodes as Linux spreads it.
 */
#ifndef KMM_BOOT_LAYOUT_H
#define KMM_BOOT_LAYOUT_H

#include "boot/cmdline.h"

#define KMM_MAX_RAM_RANGES (2 * KMM_MAX_RANGES + 4)

/* Sections: 2^15 pages (128 MiB with 4 KiB pages); the memmap of a section
 * without RAM is never backed, as with Linux's SPARSEMEM. */
#define PFN_SECTION_SHIFT 15
#define PAGES_PER_SECTION (1ul << PFN_SECTION_SHIFT)

/* Node boundaries are multiples of this many pages, so no memmap page
 * (nor a host page of it, up to 128 KiB) is shared by two nodes. */
#define NODE_ALIGN_PAGES 4096ul

/* Fake NUMA nodes are at least this large, as in Linux. */
#define FAKE_NODE_MIN_SIZE (32ull << 20)

struct kmm_pfn_range {
	unsigned long start;
	unsigned long end; /* exclusive */
};

struct kmm_layout {
	unsigned int page_shift;
	unsigned long max_pfn;
	unsigned long max_low_pfn;
	unsigned long total_pages; /* RAM pages, after reservations */

	int nr_ram;
	struct kmm_pfn_range ram[KMM_MAX_RAM_RANGES];

	int nr_nodes;
	struct kmm_pfn_range node[KMM_MAX_NUMNODES];
	/* Zone spans per node, trimmed to the RAM they contain; start == end: empty. */
	struct kmm_pfn_range zone[KMM_MAX_NUMNODES][KMM_NR_ZONES];
	/* First pfn of ZONE_MOVABLE on each node (the node's end when none). */
	unsigned long movable_start[KMM_MAX_NUMNODES];
	/* Global zone boundaries by address (DMA, DMA32, NORMAL end here). */
	unsigned long dma_end, dma32_end;
	/* maxmem=: memory may be hot-added in [max_pfn, maxmem_pfn) (0: no hotplug). */
	unsigned long maxmem_pfn;
};

/* Insert [start, end) into a sorted list of disjoint ranges, merging what it
 * touches. -1 when the list (max entries) is full. */
int kmm_ranges_add(struct kmm_pfn_range *r, int *nr, int max, unsigned long start,
		   unsigned long end);

/*
 * Lay out desc. A refusal (KMM_EINVAL) quotes the offending token as typed
 * when src (from kmm_cmdline_parse_src, may be NULL) knows it.
 */
int kmm_layout_compute(const struct kmm_machine_desc *desc, const struct kmm_desc_src *src,
		       struct kmm_layout *lay, char *err, size_t err_len);

/* RAM pages of the layout inside [start, end). */
unsigned long kmm_layout_ram_pages(const struct kmm_layout *lay, unsigned long start,
				   unsigned long end);

/* The zone a pfn belongs to by boundary (holes included), and its node. */
int kmm_layout_pfn_node(const struct kmm_layout *lay, unsigned long pfn);
/* The first pfn above pfn where the zone of node nid's pfns may change. */
unsigned long kmm_layout_next_zone_boundary(const struct kmm_layout *lay, int nid,
					    unsigned long pfn);
enum kmm_zone_type kmm_layout_pfn_zone(const struct kmm_layout *lay, int nid, unsigned long pfn);

#endif /* KMM_BOOT_LAYOUT_H */
