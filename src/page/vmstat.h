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

#define KMM_ENUM_EVENT(id, name) id,
enum vm_event_item { KMM_VM_EVENT_ITEMS(KMM_ENUM_EVENT) NR_VM_EVENT_ITEMS };

extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];

#define count_vm_event(m, item) __atomic_add_fetch(&(m)->events[item], 1, __ATOMIC_RELAXED)

#endif /* KMM_PAGE_VMSTAT_H */
