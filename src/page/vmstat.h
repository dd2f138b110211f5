/* SPDX-License-Identifier: MIT */
/*
 * page/vmstat.h - the machine-wide vm event counters of /proc/vmstat.
 *
 * KMM_VM_EVENT_ITEMS is Linux 6.18's enum vm_event_item as this machine's
 * kernel (x86-64, the snapshot in tests/data/linux-6.18/) prints it, name
 * for name and in its order, so the enum and the printed names cannot
 * drift. Each item carries the zone it counts for (per-zone events are
 * pgalloc_<zone>, allocstall_<zone>, pgskip_<zone>) or -1. Per-zone items
 * exist for all six kmm zone indices; the report prints only the zones the
 * machine is built with (machine.h, zone_idx_configured), so an x86-64
 * machine prints dma, dma32, normal, movable, device as the kernel does and
 * a highmem machine adds _high after _normal (Linux's TEXT_FOR_HIGHMEM).
 *
 * KMM_VM_KMM_EVENT_ITEMS are kmm's own counters, printed after the
 * kernel's (after its trailing "nr_unstable 0"), each described in
 * docs/reports.md.
 *
 * Which items kmm counts and which print 0 because kmm has no such
 * mechanism yet (swap, page cache, THP, compaction, kswapd ...) is the
 * table in docs/reports.md. Upper layers count with count_vm_event(),
 * count_vm_events() and count_zid_vm_events(); pgalloc_<zone> and pgfree
 * are kept in each zone (folded from the per-CPU lists) and summed by the
 * report, so their slots here stay 0. Counts are relaxed atomics: events
 * are rare (stalls, wakeups, failures) or batched by their callers.
 */
#ifndef KMM_PAGE_VMSTAT_H
#define KMM_PAGE_VMSTAT_H

#include "lib/fpcount.h"

#define KMM_VM_EVENT_ITEMS(X)                                                 \
	X(PGPGIN, "pgpgin", -1)                                               \
	X(PGPGOUT, "pgpgout", -1)                                             \
	X(PSWPIN, "pswpin", -1)                                               \
	X(PSWPOUT, "pswpout", -1)                                             \
	X(PGALLOC_DMA, "pgalloc_dma", KMM_ZONE_DMA)                           \
	X(PGALLOC_DMA32, "pgalloc_dma32", KMM_ZONE_DMA32)                     \
	X(PGALLOC_NORMAL, "pgalloc_normal", KMM_ZONE_NORMAL)                  \
	X(PGALLOC_HIGH, "pgalloc_high", KMM_ZONE_HIGHMEM)                     \
	X(PGALLOC_MOVABLE, "pgalloc_movable", KMM_ZONE_MOVABLE)               \
	X(PGALLOC_DEVICE, "pgalloc_device", KMM_ZONE_DEVICE)                  \
	X(ALLOCSTALL_DMA, "allocstall_dma", KMM_ZONE_DMA)                     \
	X(ALLOCSTALL_DMA32, "allocstall_dma32", KMM_ZONE_DMA32)               \
	X(ALLOCSTALL_NORMAL, "allocstall_normal", KMM_ZONE_NORMAL)            \
	X(ALLOCSTALL_HIGH, "allocstall_high", KMM_ZONE_HIGHMEM)               \
	X(ALLOCSTALL_MOVABLE, "allocstall_movable", KMM_ZONE_MOVABLE)         \
	X(ALLOCSTALL_DEVICE, "allocstall_device", KMM_ZONE_DEVICE)            \
	X(PGSKIP_DMA, "pgskip_dma", KMM_ZONE_DMA)                             \
	X(PGSKIP_DMA32, "pgskip_dma32", KMM_ZONE_DMA32)                       \
	X(PGSKIP_NORMAL, "pgskip_normal", KMM_ZONE_NORMAL)                    \
	X(PGSKIP_HIGH, "pgskip_high", KMM_ZONE_HIGHMEM)                       \
	X(PGSKIP_MOVABLE, "pgskip_movable", KMM_ZONE_MOVABLE)                 \
	X(PGSKIP_DEVICE, "pgskip_device", KMM_ZONE_DEVICE)                    \
	X(PGFREE, "pgfree", -1)                                               \
	X(PGACTIVATE, "pgactivate", -1)                                       \
	X(PGDEACTIVATE, "pgdeactivate", -1)                                   \
	X(PGLAZYFREE, "pglazyfree", -1)                                       \
	X(PGFAULT, "pgfault", -1)                                             \
	X(PGMAJFAULT, "pgmajfault", -1)                                       \
	X(PGLAZYFREED, "pglazyfreed", -1)                                     \
	X(PGREFILL, "pgrefill", -1)                                           \
	X(PGREUSE, "pgreuse", -1)                                             \
	X(PGSTEAL_KSWAPD, "pgsteal_kswapd", -1)                               \
	X(PGSTEAL_DIRECT, "pgsteal_direct", -1)                               \
	X(PGSTEAL_KHUGEPAGED, "pgsteal_khugepaged", -1)                       \
	X(PGSTEAL_PROACTIVE, "pgsteal_proactive", -1)                         \
	X(PGSCAN_KSWAPD, "pgscan_kswapd", -1)                                 \
	X(PGSCAN_DIRECT, "pgscan_direct", -1)                                 \
	X(PGSCAN_KHUGEPAGED, "pgscan_khugepaged", -1)                         \
	X(PGSCAN_PROACTIVE, "pgscan_proactive", -1)                           \
	X(PGSCAN_DIRECT_THROTTLE, "pgscan_direct_throttle", -1)               \
	X(PGSCAN_ANON, "pgscan_anon", -1)                                     \
	X(PGSCAN_FILE, "pgscan_file", -1)                                     \
	X(PGSTEAL_ANON, "pgsteal_anon", -1)                                   \
	X(PGSTEAL_FILE, "pgsteal_file", -1)                                   \
	X(ZONE_RECLAIM_SUCCESS, "zone_reclaim_success", -1)                   \
	X(ZONE_RECLAIM_FAILED, "zone_reclaim_failed", -1)                     \
	X(PGINODESTEAL, "pginodesteal", -1)                                   \
	X(SLABS_SCANNED, "slabs_scanned", -1)                                 \
	X(KSWAPD_INODESTEAL, "kswapd_inodesteal", -1)                         \
	X(KSWAPD_LOW_WMARK_HIT_QUICKLY, "kswapd_low_wmark_hit_quickly", -1)   \
	X(KSWAPD_HIGH_WMARK_HIT_QUICKLY, "kswapd_high_wmark_hit_quickly", -1) \
	X(PAGEOUTRUN, "pageoutrun", -1)                                       \
	X(PGROTATED, "pgrotated", -1)                                         \
	X(DROP_PAGECACHE, "drop_pagecache", -1)                               \
	X(DROP_SLAB, "drop_slab", -1)                                         \
	X(OOM_KILL, "oom_kill", -1)                                           \
	X(NUMA_PTE_UPDATES, "numa_pte_updates", -1)                           \
	X(NUMA_HUGE_PTE_UPDATES, "numa_huge_pte_updates", -1)                 \
	X(NUMA_HINT_FAULTS, "numa_hint_faults", -1)                           \
	X(NUMA_HINT_FAULTS_LOCAL, "numa_hint_faults_local", -1)               \
	X(NUMA_PAGES_MIGRATED, "numa_pages_migrated", -1)                     \
	X(PGMIGRATE_SUCCESS, "pgmigrate_success", -1)                         \
	X(PGMIGRATE_FAIL, "pgmigrate_fail", -1)                               \
	X(THP_MIGRATION_SUCCESS, "thp_migration_success", -1)                 \
	X(THP_MIGRATION_FAIL, "thp_migration_fail", -1)                       \
	X(THP_MIGRATION_SPLIT, "thp_migration_split", -1)                     \
	X(COMPACTMIGRATE_SCANNED, "compact_migrate_scanned", -1)              \
	X(COMPACTFREE_SCANNED, "compact_free_scanned", -1)                    \
	X(COMPACTISOLATED, "compact_isolated", -1)                            \
	X(COMPACTSTALL, "compact_stall", -1)                                  \
	X(COMPACTFAIL, "compact_fail", -1)                                    \
	X(COMPACTSUCCESS, "compact_success", -1)                              \
	X(KCOMPACTD_WAKE, "compact_daemon_wake", -1)                          \
	X(KCOMPACTD_MIGRATE_SCANNED, "compact_daemon_migrate_scanned", -1)    \
	X(KCOMPACTD_FREE_SCANNED, "compact_daemon_free_scanned", -1)          \
	X(HTLB_BUDDY_ALLOC_SUCCESS, "htlb_buddy_alloc_success", -1)           \
	X(HTLB_BUDDY_ALLOC_FAIL, "htlb_buddy_alloc_fail", -1)                 \
	X(UNEVICTABLE_PGS_CULLED, "unevictable_pgs_culled", -1)               \
	X(UNEVICTABLE_PGS_SCANNED, "unevictable_pgs_scanned", -1)             \
	X(UNEVICTABLE_PGS_RESCUED, "unevictable_pgs_rescued", -1)             \
	X(UNEVICTABLE_PGS_MLOCKED, "unevictable_pgs_mlocked", -1)             \
	X(UNEVICTABLE_PGS_MUNLOCKED, "unevictable_pgs_munlocked", -1)         \
	X(UNEVICTABLE_PGS_CLEARED, "unevictable_pgs_cleared", -1)             \
	X(UNEVICTABLE_PGS_STRANDED, "unevictable_pgs_stranded", -1)           \
	X(THP_FAULT_ALLOC, "thp_fault_alloc", -1)                             \
	X(THP_FAULT_FALLBACK, "thp_fault_fallback", -1)                       \
	X(THP_FAULT_FALLBACK_CHARGE, "thp_fault_fallback_charge", -1)         \
	X(THP_COLLAPSE_ALLOC, "thp_collapse_alloc", -1)                       \
	X(THP_COLLAPSE_ALLOC_FAILED, "thp_collapse_alloc_failed", -1)         \
	X(THP_FILE_ALLOC, "thp_file_alloc", -1)                               \
	X(THP_FILE_FALLBACK, "thp_file_fallback", -1)                         \
	X(THP_FILE_FALLBACK_CHARGE, "thp_file_fallback_charge", -1)           \
	X(THP_FILE_MAPPED, "thp_file_mapped", -1)                             \
	X(THP_SPLIT_PAGE, "thp_split_page", -1)                               \
	X(THP_SPLIT_PAGE_FAILED, "thp_split_page_failed", -1)                 \
	X(THP_DEFERRED_SPLIT_PAGE, "thp_deferred_split_page", -1)             \
	X(THP_UNDERUSED_SPLIT_PAGE, "thp_underused_split_page", -1)           \
	X(THP_SPLIT_PMD, "thp_split_pmd", -1)                                 \
	X(THP_SCAN_EXCEED_NONE_PTE, "thp_scan_exceed_none_pte", -1)           \
	X(THP_SCAN_EXCEED_SWAP_PTE, "thp_scan_exceed_swap_pte", -1)           \
	X(THP_SCAN_EXCEED_SHARE_PTE, "thp_scan_exceed_share_pte", -1)         \
	X(THP_SPLIT_PUD, "thp_split_pud", -1)                                 \
	X(THP_ZERO_PAGE_ALLOC, "thp_zero_page_alloc", -1)                     \
	X(THP_ZERO_PAGE_ALLOC_FAILED, "thp_zero_page_alloc_failed", -1)       \
	X(THP_SWPOUT, "thp_swpout", -1)                                       \
	X(THP_SWPOUT_FALLBACK, "thp_swpout_fallback", -1)                     \
	X(BALLOON_INFLATE, "balloon_inflate", -1)                             \
	X(BALLOON_DEFLATE, "balloon_deflate", -1)                             \
	X(BALLOON_MIGRATE, "balloon_migrate", -1)                             \
	X(SWAP_RA, "swap_ra", -1)                                             \
	X(SWAP_RA_HIT, "swap_ra_hit", -1)                                     \
	X(SWPIN_ZERO, "swpin_zero", -1)                                       \
	X(SWPOUT_ZERO, "swpout_zero", -1)                                     \
	X(KSM_SWPIN_COPY, "ksm_swpin_copy", -1)                               \
	X(COW_KSM, "cow_ksm", -1)                                             \
	X(ZSWPIN, "zswpin", -1)                                               \
	X(ZSWPOUT, "zswpout", -1)                                             \
	X(ZSWPWB, "zswpwb", -1)                                               \
	X(DIRECT_MAP_LEVEL2_SPLITS, "direct_map_level2_splits", -1)           \
	X(DIRECT_MAP_LEVEL3_SPLITS, "direct_map_level3_splits", -1)           \
	X(DIRECT_MAP_LEVEL2_COLLAPSES, "direct_map_level2_collapses", -1)     \
	X(DIRECT_MAP_LEVEL3_COLLAPSES, "direct_map_level3_collapses", -1)

/*
 * kmm's own events follow the kernel's. page_reporting_* are the reclaim
 * layer's (reclaim/page_reporting.c, docs/reclaim.md); the kernel has no
 * vmstat counter for free page reporting. pgzero_skipped counts pages a
 * __GFP_ZERO or init_on_alloc allocation did not clear because they were
 * known to read as zeroes (page.h, PAGE_ZEROED_BIT).
 */
#define KMM_VM_KMM_EVENT_ITEMS(X)                             \
	X(KSWAPD_WAKE, "kswapd_wake", -1)                     \
	X(PGALLOC_SLOWPATH, "pgalloc_slowpath", -1)           \
	X(PGALLOC_FAIL, "pgalloc_fail", -1)                   \
	X(PGALLOC_HIGHATOMIC, "pgalloc_highatomic", -1)       \
	X(PGSTEAL_FALLBACK, "pgalloc_fallback", -1)           \
	X(PGBLOCK_CLAIMED, "pageblock_claimed", -1)           \
	X(BAD_PAGE_REPORTS, "bad_page_reports", -1)           \
	X(DRAIN_ALL, "drain_all_pages", -1)                   \
	X(PAGE_REPORTING_PAGES, "page_reporting_pages", -1)   \
	X(PAGE_REPORTING_REUSED, "page_reporting_reused", -1) \
	X(PGZERO_SKIPPED, "pgzero_skipped", -1)

#define KMM_ENUM_EVENT(id, name, zone) id,
enum vm_event_item {
	KMM_VM_EVENT_ITEMS(KMM_ENUM_EVENT) KMM_VM_KMM_EVENT_ITEMS(KMM_ENUM_EVENT) NR_VM_EVENT_ITEMS
};
/* The kernel's items are [0, NR_VM_LINUX_EVENT_ITEMS); kmm's follow. */
#define NR_VM_LINUX_EVENT_ITEMS KSWAPD_WAKE
#undef KMM_ENUM_EVENT

extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];
/* The zone index an event counts for, or -1 (per-zone events: pgalloc_, allocstall_, pgskip_). */
extern const signed char vm_event_zone[NR_VM_EVENT_ITEMS];

#define count_vm_events(m, item, n) \
	(fp_count_atomic(),         \
	 __atomic_add_fetch(&(m)->events[item], (unsigned long)(n), __ATOMIC_RELAXED))
#define count_vm_event(m, item) count_vm_events(m, item, 1)
/* A per-zone event: base is the item of the DMA zone (ALLOCSTALL_DMA, PGSKIP_DMA ...). */
#define count_zid_vm_events(m, base, zid, n) count_vm_events(m, (base) + (zid), n)

#endif /* KMM_PAGE_VMSTAT_H */
