/* SPDX-License-Identifier: MIT */
/*
 * page/vmstat.h - machine-wide vm event counters (/proc/vmstat).
 *
 * The list is one X-macro so the enum and the printed names cannot drift.
 * Per-zone allocation counts (pgalloc_<zone>) and pgfree are kept in each
 * zone under its lock and summed by the report; the events here are rare
 * (stalls, wakeups, failures) and are bumped with relaxed atomics.
 */
#ifndef KMM_PAGE_VMSTAT_H
#define KMM_PAGE_VMSTAT_H

#define KMM_VM_EVENT_ITEMS(X)                       \
	X(ALLOCSTALL, "allocstall")                 \
	X(KSWAPD_WAKE, "kswapd_wake")               \
	X(PGALLOC_SLOWPATH, "pgalloc_slowpath")     \
	X(PGALLOC_FAIL, "pgalloc_fail")             \
	X(PGALLOC_HIGHATOMIC, "pgalloc_highatomic") \
	X(PGSTEAL_FALLBACK, "pgalloc_fallback")     \
	X(PGBLOCK_CLAIMED, "pageblock_claimed")     \
	X(BAD_PAGE_REPORTS, "bad_page_reports")     \
	X(DRAIN_ALL, "drain_all_pages")

/*
 * The reclaim layer's events (reclaim/), 6.18's names where Linux has
 * them; pgscan_* count the pages reclaim set out to free (kmm has no LRU
 * to scan), page_reporting_* are kmm's own (docs/reclaim.md). Kept as a
 * separate block so the list above can follow 6.18's order.
 */
#define KMM_VM_EVENT_ITEMS_RECLAIM(X)                                      \
	X(ALLOCSTALL_DMA, "allocstall_dma")                                \
	X(ALLOCSTALL_DMA32, "allocstall_dma32")                            \
	X(ALLOCSTALL_NORMAL, "allocstall_normal")                          \
	X(ALLOCSTALL_HIGH, "allocstall_high")                              \
	X(ALLOCSTALL_MOVABLE, "allocstall_movable")                        \
	X(PGSTEAL_KSWAPD, "pgsteal_kswapd")                                \
	X(PGSTEAL_DIRECT, "pgsteal_direct")                                \
	X(PGSCAN_KSWAPD, "pgscan_kswapd")                                  \
	X(PGSCAN_DIRECT, "pgscan_direct")                                  \
	X(PGSCAN_DIRECT_THROTTLE, "pgscan_direct_throttle")                \
	X(SLABS_SCANNED, "slabs_scanned")                                  \
	X(KSWAPD_LOW_WMARK_HIT_QUICKLY, "kswapd_low_wmark_hit_quickly")    \
	X(KSWAPD_HIGH_WMARK_HIT_QUICKLY, "kswapd_high_wmark_hit_quickly")  \
	X(PAGEOUTRUN, "pageoutrun")                                        \
	X(DROP_SLAB, "drop_slab")                                          \
	X(OOM_KILL, "oom_kill")                                            \
	X(PAGE_REPORTING_PAGES, "page_reporting_pages")                    \
	X(PAGE_REPORTING_REUSED, "page_reporting_reused")

#define KMM_ENUM_EVENT(id, name) id,
enum vm_event_item {
	KMM_VM_EVENT_ITEMS(KMM_ENUM_EVENT) KMM_VM_EVENT_ITEMS_RECLAIM(KMM_ENUM_EVENT)
		NR_VM_EVENT_ITEMS
};

extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];

#define count_vm_event(m, item) __atomic_add_fetch(&(m)->events[item], 1, __ATOMIC_RELAXED)
#define count_vm_events(m, item, n) \
	__atomic_add_fetch(&(m)->events[item], (unsigned long)(n), __ATOMIC_RELAXED)

#endif /* KMM_PAGE_VMSTAT_H */
