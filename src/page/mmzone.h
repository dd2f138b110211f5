/* SPDX-License-Identifier: MIT */
/*
 * page/mmzone.h - zones, nodes and the buddy free areas.
 *
 * A node (struct pglist_data) owns up to KMM_NR_ZONES zones. A zone owns a
 * pfn span [zone_start_pfn, zone_start_pfn + spanned_pages) of which
 * present_pages are RAM and managed_pages are handed to the buddy
 * allocator (present minus boot allocations and reservations).
 *
 * Each zone's free memory is kept in free_area[order].free_list[migratetype]:
 * blocks of 2^order pages, aligned to 2^order, never crossing the zone.
 * nr_free counts blocks (not pages) per order across all migratetypes.
 * All of free_area, the NR_FREE_PAGES counter and the pageblock types are
 * protected by zone->lock.
 *
 * Lists are linked through struct page by pfn (page.h); a page_list holds
 * the first and last pfn so both ends can be used (LIFO for hot pages,
 * FIFO end for cold ones).
 */
#ifndef KMM_PAGE_MMZONE_H
#define KMM_PAGE_MMZONE_H

#include "lib/lock.h"
#include "page/page.h"
#include <kmm/kmm.h>

#define MAX_ORDER KMM_MAX_ORDER
#define NR_PAGE_ORDERS KMM_NR_ORDERS
#define MAX_NR_ZONES KMM_NR_ZONES
#define PAGE_ALLOC_COSTLY_ORDER 3

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES, /* the number of types on the pcp lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

extern const char *const migratetype_names[MIGRATE_TYPES];
extern const char *const zone_names[MAX_NR_ZONES];

struct page_list {
	uint32_t head;
	uint32_t tail;
};

struct free_area {
	struct page_list free_list[MIGRATE_TYPES];
	unsigned long nr_free;
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

/* Zone counters (vm_stat): generated from one list so names cannot drift. */
#define KMM_ZONE_STAT_ITEMS(X)                            \
	X(NR_FREE_PAGES, "nr_free_pages")                 \
	X(NR_ZONE_UNEVICTABLE, "nr_zone_unevictable")     \
	X(NR_ZONE_WRITE_PENDING, "nr_zone_write_pending") \
	X(NR_MLOCK, "nr_mlock")                           \
	X(NR_BOUNCE, "nr_bounce")                         \
	X(NR_FREE_CMA_PAGES, "nr_free_cma")               \
	X(NUMA_HIT, "numa_hit")                           \
	X(NUMA_MISS, "numa_miss")                         \
	X(NUMA_FOREIGN, "numa_foreign")                   \
	X(NUMA_INTERLEAVE_HIT, "numa_interleave")         \
	X(NUMA_LOCAL, "numa_local")                       \
	X(NUMA_OTHER, "numa_other")

#define KMM_ENUM_ITEM(id, name) id,
enum zone_stat_item { KMM_ZONE_STAT_ITEMS(KMM_ENUM_ITEM) NR_VM_ZONE_STAT_ITEMS };

struct pglist_data;
struct per_cpu_pages;

struct zone {
	/* Read-mostly: watermarks and reserves (set by page/watermark.c). */
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost; /* written under lock, read without: READ_ONCE */
	unsigned long nr_reported;     /* free pages in PG_reported blocks (reclaim/page_reporting.c) */
	bool boosted_wmark;	       /* a fallback boosted the watermark: wake kswapd */
	long lowmem_reserve[MAX_NR_ZONES];
	unsigned long nr_reserved_highatomic;

	struct pglist_data *zone_pgdat;
	int node;
	enum kmm_zone_type idx;
	const char *name;

	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	unsigned long managed_pages;

	/* Migratetype of each pageblock in the span (one byte each). */
	uint8_t *pageblock_mt;

	/* Per-CPU page lists, one per CPU (page/pcp.c); NULL when disabled. */
	struct per_cpu_pages *pcp;
	int pcp_high, pcp_batch;

	kmm_spinlock lock;
	struct free_area free_area[NR_PAGE_ORDERS];

	long vm_stat[NR_VM_ZONE_STAT_ITEMS];
	/* vm events that belong to a zone (pgalloc_<zone>, pgfree): see vmstat.h */
	unsigned long pgalloc;
	unsigned long pgfree;
} __attribute__((aligned(64)));

static inline bool zone_is_populated(const struct zone *z)
{
	return z->present_pages != 0;
}

static inline bool zone_is_managed(const struct zone *z)
{
	return z->managed_pages != 0;
}

static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}

static inline unsigned long min_wmark_pages(const struct zone *z)
{
	return z->_watermark[WMARK_MIN] + READ_ONCE(z->watermark_boost);
}
static inline unsigned long low_wmark_pages(const struct zone *z)
{
	return z->_watermark[WMARK_LOW] + READ_ONCE(z->watermark_boost);
}
static inline unsigned long high_wmark_pages(const struct zone *z)
{
	return z->_watermark[WMARK_HIGH] + READ_ONCE(z->watermark_boost);
}

static inline bool is_highmem_idx(enum kmm_zone_type idx)
{
	return idx == KMM_ZONE_HIGHMEM;
}

/* A zonelist: the zones an allocation may use, in fallback order, ending in NULL. */
#define MAX_ZONELIST (KMM_MAX_NUMNODES_FOR_LIST * MAX_NR_ZONES + 1)
#define KMM_MAX_NUMNODES_FOR_LIST 64

struct zonelist {
	struct zone *zones[MAX_ZONELIST];
};

enum { ZONELIST_FALLBACK, ZONELIST_NOFALLBACK, MAX_ZONELISTS };

struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct zonelist node_zonelists[MAX_ZONELISTS];
	int nr_zones; /* highest populated zone index + 1 */
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_spanned_pages;
	unsigned long node_present_pages;
	struct kmm_machine *machine;
};

#endif /* KMM_PAGE_MMZONE_H */
