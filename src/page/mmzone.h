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
	MIGRATE_CMA, /* a cma= area: only movable allocations may borrow it (compaction/cma.c) */
	MIGRATE_ISOLATE, /* being isolated for a contig range (compaction/contig.c) */
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

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

/*
 * Zone counters (zone->vm_stat), Linux 6.18's enum zone_stat_item followed by
 * its NUMA events (numa_stat_item), in the kernel's order and with its
 * names; generated from one list so names cannot drift. kmm counts
 * nr_free_pages and the NUMA events; nr_free_pages_blocks (free pages in
 * blocks of pageblock order or more) is computed from the free areas when
 * a report reads it; the rest have no mechanism in kmm yet and stay 0
 * (docs/reports.md lists each).
 */
#define KMM_ZONE_STAT_ITEMS(X)                            \
	X(NR_FREE_PAGES, "nr_free_pages")                 \
	X(NR_FREE_PAGES_BLOCKS, "nr_free_pages_blocks")   \
	X(NR_ZONE_INACTIVE_ANON, "nr_zone_inactive_anon") \
	X(NR_ZONE_ACTIVE_ANON, "nr_zone_active_anon")     \
	X(NR_ZONE_INACTIVE_FILE, "nr_zone_inactive_file") \
	X(NR_ZONE_ACTIVE_FILE, "nr_zone_active_file")     \
	X(NR_ZONE_UNEVICTABLE, "nr_zone_unevictable")     \
	X(NR_ZONE_WRITE_PENDING, "nr_zone_write_pending") \
	X(NR_MLOCK, "nr_mlock")                           \
	X(NR_ZSPAGES, "nr_zspages")                       \
	X(NR_FREE_CMA_PAGES, "nr_free_cma")               \
	X(NUMA_HIT, "numa_hit")                           \
	X(NUMA_MISS, "numa_miss")                         \
	X(NUMA_FOREIGN, "numa_foreign")                   \
	X(NUMA_INTERLEAVE_HIT, "numa_interleave")         \
	X(NUMA_LOCAL, "numa_local")                       \
	X(NUMA_OTHER, "numa_other")

/*
 * Node counters (pgdat->vm_stat), 6.18's enum node_stat_item as zoneinfo's
 * "per-node stats" and /proc/vmstat print it. kmm has no LRU, page cache,
 * swap or page tables: these stay 0 except the slab pair, which the
 * reports take from the slab layer (docs/reports.md).
 */
#define KMM_NODE_STAT_ITEMS(X)                                        \
	X(NR_INACTIVE_ANON, "nr_inactive_anon")                       \
	X(NR_ACTIVE_ANON, "nr_active_anon")                           \
	X(NR_INACTIVE_FILE, "nr_inactive_file")                       \
	X(NR_ACTIVE_FILE, "nr_active_file")                           \
	X(NR_UNEVICTABLE, "nr_unevictable")                           \
	X(NR_SLAB_RECLAIMABLE_B, "nr_slab_reclaimable")               \
	X(NR_SLAB_UNRECLAIMABLE_B, "nr_slab_unreclaimable")           \
	X(NR_ISOLATED_ANON, "nr_isolated_anon")                       \
	X(NR_ISOLATED_FILE, "nr_isolated_file")                       \
	X(WORKINGSET_NODES, "workingset_nodes")                       \
	X(WORKINGSET_REFAULT_ANON, "workingset_refault_anon")         \
	X(WORKINGSET_REFAULT_FILE, "workingset_refault_file")         \
	X(WORKINGSET_ACTIVATE_ANON, "workingset_activate_anon")       \
	X(WORKINGSET_ACTIVATE_FILE, "workingset_activate_file")       \
	X(WORKINGSET_RESTORE_ANON, "workingset_restore_anon")         \
	X(WORKINGSET_RESTORE_FILE, "workingset_restore_file")         \
	X(WORKINGSET_NODERECLAIM, "workingset_nodereclaim")           \
	X(NR_ANON_PAGES, "nr_anon_pages")                             \
	X(NR_FILE_MAPPED, "nr_mapped")                                \
	X(NR_FILE_PAGES, "nr_file_pages")                             \
	X(NR_FILE_DIRTY, "nr_dirty")                                  \
	X(NR_WRITEBACK, "nr_writeback")                               \
	X(NR_SHMEM, "nr_shmem")                                       \
	X(NR_SHMEM_THPS, "nr_shmem_hugepages")                        \
	X(NR_SHMEM_PMDMAPPED, "nr_shmem_pmdmapped")                   \
	X(NR_FILE_THPS, "nr_file_hugepages")                          \
	X(NR_FILE_PMDMAPPED, "nr_file_pmdmapped")                     \
	X(NR_ANON_THPS, "nr_anon_transparent_hugepages")              \
	X(NR_VMSCAN_WRITE, "nr_vmscan_write")                         \
	X(NR_VMSCAN_IMMEDIATE_RECLAIM, "nr_vmscan_immediate_reclaim") \
	X(NR_DIRTIED, "nr_dirtied")                                   \
	X(NR_WRITTEN, "nr_written")                                   \
	X(NR_THROTTLED_WRITTEN, "nr_throttled_written")               \
	X(NR_KERNEL_MISC_RECLAIMABLE, "nr_kernel_misc_reclaimable")   \
	X(NR_FOLL_PIN_ACQUIRED, "nr_foll_pin_acquired")               \
	X(NR_FOLL_PIN_RELEASED, "nr_foll_pin_released")               \
	X(NR_KERNEL_STACK_KB, "nr_kernel_stack")                      \
	X(NR_PAGETABLE, "nr_page_table_pages")                        \
	X(NR_SECONDARY_PAGETABLE, "nr_sec_page_table_pages")          \
	X(NR_IOMMU_PAGES, "nr_iommu_pages")                           \
	X(NR_SWAPCACHE, "nr_swapcached")                              \
	X(PGPROMOTE_SUCCESS, "pgpromote_success")                     \
	X(PGPROMOTE_CANDIDATE, "pgpromote_candidate")                 \
	X(PGPROMOTE_CANDIDATE_NRL, "pgpromote_candidate_nrl")         \
	X(PGDEMOTE_KSWAPD, "pgdemote_kswapd")                         \
	X(PGDEMOTE_DIRECT, "pgdemote_direct")                         \
	X(PGDEMOTE_KHUGEPAGED, "pgdemote_khugepaged")                 \
	X(PGDEMOTE_PROACTIVE, "pgdemote_proactive")                   \
	X(NR_HUGETLB, "nr_hugetlb")                                   \
	X(NR_BALLOON_PAGES, "nr_balloon_pages")                       \
	X(NR_KERNEL_FILE_PAGES, "nr_kernel_file_pages")

#define KMM_ENUM_ITEM(id, name) id,
enum zone_stat_item { KMM_ZONE_STAT_ITEMS(KMM_ENUM_ITEM) NR_VM_ZONE_STAT_ITEMS };
enum node_stat_item { KMM_NODE_STAT_ITEMS(KMM_ENUM_ITEM) NR_VM_NODE_STAT_ITEMS };

/* zone->flags (Linux's enum zone_flags, the bits kmm uses). */
enum zone_flags {
	ZONE_RECLAIM_ACTIVE, /* kswapd may be scanning the zone (set by a reclaim layer) */
	ZONE_BELOW_HIGH,     /* free pages fell below the high watermark (page_alloc.c) */
};

struct pglist_data;
struct per_cpu_pages;

struct zone {
	/* Read-mostly: watermarks and reserves (set by page/watermark.c). */
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost; /* written under lock, read without: READ_ONCE */
	unsigned long nr_reported; /* free pages in PG_reported blocks (reclaim/page_reporting.c) */
	bool boosted_wmark;	   /* a fallback boosted the watermark: wake kswapd */
	long lowmem_reserve[MAX_NR_ZONES];
	unsigned long nr_reserved_highatomic;
	/*
	 * enum zone_flags bits, atomic bit operations. Read on every pcp free
	 * and changed rarely: kept here with the read-mostly fields, away from
	 * the counters the zone lock's holders write.
	 */
	unsigned long flags;

	struct pglist_data *zone_pgdat;
	int node;
	enum kmm_zone_type idx;
	const char *name;

	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	unsigned long managed_pages;
	/*
	 * Pages that become managed when deferred struct page init reaches
	 * them (page/deferred.c); 0 once the zone is whole. Watermarks and pcp
	 * sizes use zone_managed_final(), as Linux computes them after its
	 * deferred init is done.
	 */
	unsigned long deferred_pages;

	/*
	 * Migratetype of each pageblock (one byte each): pageblock_mt[i] is the
	 * block of pfn (pageblock_base + i * pageblock_nr_pages). At boot the
	 * array covers the zone's span (base = zone start); with memory
	 * hotplug every zone shares the machine's array (base 0).
	 */
	uint8_t *pageblock_mt;
	unsigned long pageblock_base;

	/* Per-CPU page lists, one per CPU (page/pcp.c); NULL when disabled. */
	struct per_cpu_pages *pcp;
	int pcp_high_min, pcp_high_max, pcp_batch; /* Linux's pageset_high_min/max, pageset_batch */

	kmm_spinlock lock;
	struct free_area free_area[NR_PAGE_ORDERS];

	long vm_stat[NR_VM_ZONE_STAT_ITEMS];
	/* vm events that belong to a zone (pgalloc_<zone>, pgfree): see vmstat.h */
	unsigned long pgalloc;
	unsigned long pgfree;
	/*
	 * What a quiet layer's boot (boot/late_init.c) restores: the zone's
	 * allocation events from before it, so that a machine shows none of its
	 * own boot allocations. Unused after boot.
	 */
	struct {
		unsigned long pgalloc, pgfree;
		long numa[NUMA_OTHER - NUMA_HIT + 1];
	} boot_events;
} __attribute__((aligned(64)));

static inline bool zone_test_flag(const struct zone *z, enum zone_flags bit)
{
	return (__atomic_load_n(&z->flags, __ATOMIC_RELAXED) >> bit) & 1;
}
static inline void zone_set_flag(struct zone *z, enum zone_flags bit)
{
	if (!zone_test_flag(z, bit)) /* a read first: the flag is tested on hot paths */
		__atomic_fetch_or(&z->flags, 1ul << bit, __ATOMIC_RELAXED);
}
static inline void zone_clear_flag(struct zone *z, enum zone_flags bit)
{
	if (zone_test_flag(z, bit))
		__atomic_fetch_and(&z->flags, ~(1ul << bit), __ATOMIC_RELAXED);
}

static inline bool zone_is_populated(const struct zone *z)
{
	return READ_ONCE(z->present_pages) != 0; /* memory hotplug changes it at run time */
}

/* Managed pages once deferred init is done: what watermarks are sized for. */
static inline unsigned long zone_managed_final(const struct zone *z)
{
	return __atomic_load_n(&z->managed_pages, __ATOMIC_RELAXED) +
	       __atomic_load_n(&z->deferred_pages, __ATOMIC_RELAXED);
}

/*
 * Free pages as the watermarks count them: the buddy lists' pages and the
 * pages deferred struct page init has not written yet (page/deferred.c),
 * which are free too and join the lists when a request needs them.
 */
static inline long zone_free_pages_wmark(const struct zone *z)
{
	return READ_ONCE(z->vm_stat[NR_FREE_PAGES]) +
	       (long)__atomic_load_n(&z->deferred_pages, __ATOMIC_RELAXED);
}

static inline bool zone_is_managed(const struct zone *z)
{
	/* deferred growth raises managed_pages while kswapd may read it */
	return __atomic_load_n(&z->managed_pages, __ATOMIC_RELAXED) != 0;
}

/* Spans change under memory hotplug (WRITE_ONCE): unlocked readers see either value. */
static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return READ_ONCE(z->zone_start_pfn) + READ_ONCE(z->spanned_pages);
}

static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}

/* Watermarks are recomputed while allocations read them (memory hotplug): READ_ONCE. */
static inline unsigned long min_wmark_pages(const struct zone *z)
{
	return READ_ONCE(z->_watermark[WMARK_MIN]) + READ_ONCE(z->watermark_boost);
}
static inline unsigned long low_wmark_pages(const struct zone *z)
{
	return READ_ONCE(z->_watermark[WMARK_LOW]) + READ_ONCE(z->watermark_boost);
}
static inline unsigned long high_wmark_pages(const struct zone *z)
{
	return READ_ONCE(z->_watermark[WMARK_HIGH]) + READ_ONCE(z->watermark_boost);
}
static inline unsigned long promo_wmark_pages(const struct zone *z)
{
	return READ_ONCE(z->_watermark[WMARK_PROMO]) + READ_ONCE(z->watermark_boost);
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

/* Fruitless reclaim passes before a node counts as hopeless (mm/internal.h). */
#define MAX_RECLAIM_RETRIES 16

struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct zonelist node_zonelists[MAX_ZONELISTS];
	int nr_zones; /* highest populated zone index + 1 */
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_spanned_pages;
	unsigned long node_present_pages;
	struct kmm_machine *machine;
	/*
	 * Deferred struct page init (page/deferred.c): descriptors of pfns in
	 * [first_deferred_pfn, node end) are not initialized yet; ULONG_MAX
	 * when the whole node is. Only the node's highest zone is deferred, as
	 * in Linux. Advanced under deferred_lock, read with acquire.
	 */
	unsigned long first_deferred_pfn;
	kmm_spinlock deferred_lock;
	long vm_stat[NR_VM_NODE_STAT_ITEMS]; /* node counters (KMM_NODE_STAT_ITEMS) */
	/*
	 * balance_pgdat runs that freed nothing (the reclaim layer counts them,
	 * shrink_node progress clears them); at MAX_RECLAIM_RETRIES the node is
	 * hopeless, which show_mem prints as all_unreclaimable. Atomic access.
	 */
	int kswapd_failures;
};

#endif /* KMM_PAGE_MMZONE_H */
