/* SPDX-License-Identifier: MIT */
/*
 * compaction/compaction.h - the compaction layer: page migration
 * (movable.c, migrate.c), zone compaction (compaction.c), kcompactd and
 * proactive compaction (kcompactd.c), contiguous allocation and CMA
 * (contig.c, cma.c) and the layer's checker (check.c); Linux's
 * mm/migrate.c, mm/compaction.c, mm/page_isolation.c and mm/cma.c.
 *
 * State: struct kmm_compact, carved from the machine's pages when the
 * "compaction" row of the late-init table starts, with one struct
 * compact_node per node (kcompactd's half of Linux's pglist_data) and one
 * struct compact_zone per zone (the compaction fields of Linux's struct
 * zone: cached scanner positions, deferral, the pageblock skip bits).
 * The page allocator and kswapd reach the layer only through
 * m->compact_ops (struct kmm_compact_ops), set by the layer's init.
 *
 * Locks: cma->lock (the CMA bitmap, a leaf). Futex words: each node's
 * kcompactd_wait. Nothing else: the scanners take zone->lock for short
 * stretches, the movable-ops callbacks run with no kmm lock held, and
 * two compactions of one zone may run at once (their cached positions are
 * hints read and written with relaxed atomics, as the kernel's are).
 */
#ifndef KMM_COMPACTION_COMPACTION_H
#define KMM_COMPACTION_COMPACTION_H

#include "page/internal.h"
#include "platform/platform.h"
#include <kmm/compaction.h>

#define COMPACT_CLUSTER_MAX 32u
#define COMPACT_MAX_DEFER_SHIFT 6
#define HPAGE_FRAG_CHECK_INTERVAL_NS 500000000ull /* kcompactd's proactive check: 500 ms */
#define COMPACTION_HPAGE_ORDER pageblock_order
#define DEFAULT_EXTFRAG_THRESHOLD 500
#define DEFAULT_COMPACTION_PROACTIVENESS 20

/* Pages taken off their lists for migration, by pfn (the kernel links folio->lru). */
struct migrate_list {
	unsigned int nr;
	unsigned long pfn[COMPACT_CLUSTER_MAX];
};

/* compact_control: one compaction of one zone (or a contig range). */
struct compact_control {
	struct kmm_machine *m;
	struct zone *zone;
	struct compact_zone *cz;
	struct migrate_list migratepages;
	unsigned int nr_freepages;
	unsigned long freepages[COMPACT_CLUSTER_MAX]; /* order-0 free pages isolated, as pfns */
	unsigned long free_pfn;			      /* the free scanner: next pageblock down */
	unsigned long migrate_pfn;		      /* the migration scanner: next pfn up */
	unsigned long total_migrate_scanned;
	unsigned long total_free_scanned;
	unsigned long nr_migrated;
	gfp_t gfp_mask;
	int order; /* -1: compact the whole zone (compact_memory, proactive) */
	int migratetype;
	unsigned int alloc_flags;
	int highest_zoneidx;
	enum kmm_migrate_mode mode;
	bool ignore_skip_hint;
	bool whole_zone;
	bool direct_compaction;
	bool proactive_compaction;
	bool contended;
	bool finish_pageblock;
};

struct compact_zone {
	unsigned long cached_migrate_pfn[2]; /* [0] async, [1] sync */
	unsigned long cached_free_pfn;
	unsigned int compact_considered;
	unsigned int compact_defer_shift;
	int compact_order_failed;
	bool blockskip_flush;
	/*
	 * One byte per pageblock, indexed as the zone's pageblock types are
	 * (pageblock_index: from the zone's pageblock_base): 1 = skip
	 * (PB_compact_skip). With maxmem= every zone indexes from pfn 0 and
	 * all share one array up to the limit, so a zone hotplug grows (or
	 * populates) has its bytes already.
	 */
	uint8_t *skip;
};

/* The skip bytes of a zone's span: [*first, *last]. */
static inline void zone_skip_range(const struct zone *z, unsigned long *first, unsigned long *last)
{
	*first = pageblock_index(z, z->zone_start_pfn);
	*last = pageblock_index(z, zone_end_pfn(z) - 1);
}

struct compact_node {
	struct kmm_machine *m;
	int nid;
	uint32_t kcompactd_wait;     /* futex word: bumped by every wakeup */
	uint32_t kcompactd_sleeping; /* kcompactd waits on kcompactd_wait */
	int kcompactd_max_order;
	int kcompactd_highest_zoneidx;
	bool kcompactd_stop;
	bool running;
	unsigned int proactive_defer;
	kmm_os_thread thread;
	unsigned long runs, proactive_runs;
	struct compact_zone zone[MAX_NR_ZONES];
};

struct cma_area {
	unsigned long base_pfn;
	unsigned long count; /* pages */
	kmm_spinlock lock;
	unsigned long *bitmap; /* one bit per page: allocated by cma_alloc */
	unsigned long allocated;
	int nid;
};

struct kmm_compact {
	unsigned int state_order;
	int extfrag_threshold;		  /* vm.extfrag_threshold */
	int compaction_proactiveness;	  /* vm.compaction_proactiveness */
	unsigned long nr_isolated;	  /* movable pages isolated now (atomic) */
	long migrating;			  /* migrations in progress (atomic): checker backs off */
	unsigned long migrate_ns;	  /* time spent in migrate_pages (atomic) */
	unsigned long contig_in_progress; /* alloc_contig_range calls running (atomic) */
	/*
	 * Bumped (atomic) when a migration, a contig range, an isolation or a
	 * putback begins: a check that saw nothing in progress and the same
	 * count after its walk saw counts and marks that agree (check.c).
	 */
	unsigned long changes;
	struct cma_area cma;
	struct compact_node node[];
};

/* Around every change of the marks or counts check.c compares exactly. */
static inline void compact_change_begin(struct kmm_compact *c)
{
	__atomic_add_fetch(&c->migrating, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&c->changes, 1, __ATOMIC_ACQ_REL);
}

static inline void compact_change_end(struct kmm_compact *c)
{
	__atomic_sub_fetch(&c->migrating, 1, __ATOMIC_ACQ_REL);
}

static inline struct compact_node *compact_node(struct kmm_machine *m, int nid)
{
	return &m->compact->node[nid];
}

static inline struct compact_zone *compact_zone_of(struct kmm_machine *m, const struct zone *zone)
{
	return &compact_node(m, zone->node)->zone[zone->idx];
}

/* ---- movable.c: the registry of owners, isolation and putback ------------------ */

/* Take an allocated movable-ops page from its owner for migration. */
bool isolate_movable_page(struct kmm_machine *m, struct page *page, kmm_isolate_mode_t mode);
/* Give an isolated page back to its owner (putback_page). */
void putback_movable_page(struct kmm_machine *m, struct page *page);
void putback_movable_pages(struct kmm_machine *m, struct migrate_list *list);
/* Is this allocated page one migration could move (a registered owner's, not isolated)? */
bool page_is_movable(const struct kmm_machine *m, const struct page *page);

/* ---- migrate.c -------------------------------------------------------------------- */

typedef struct page *(*new_page_t)(struct kmm_machine *m, struct page *src, void *priv);
typedef void (*free_page_t)(struct kmm_machine *m, struct page *dst, void *priv);

/*
 * Move every page of `from` (isolated) to a page get_new returns; pages
 * that moved leave the list, the rest stay on it for the caller to put
 * back. Returns the pages not migrated, or KMM_ENOMEM when get_new failed.
 */
int migrate_pages(struct kmm_machine *m, struct migrate_list *from, new_page_t get_new,
		  free_page_t put_new, void *priv, enum kmm_migrate_mode mode,
		  enum kmm_migrate_reason reason, unsigned int *nr_succeeded);

/* ---- compaction.c ----------------------------------------------------------------- */

int compaction_init(struct kmm_machine *m);
void compaction_teardown(struct kmm_machine *m);
enum compact_result compact_zone(struct compact_control *cc);
bool compaction_suitable(struct kmm_machine *m, struct zone *zone, int order, int highest_zoneidx);
enum compact_result compaction_suit_allocation_order(struct kmm_machine *m, struct zone *zone,
						     unsigned int order, int highest_zoneidx,
						     unsigned int alloc_flags);
void defer_compaction(struct kmm_machine *m, struct zone *zone, int order);
bool compaction_deferred(struct kmm_machine *m, struct zone *zone, int order);
void compaction_defer_reset(struct kmm_machine *m, struct zone *zone, int order, bool success);
void reset_isolation_suitable(struct kmm_machine *m, int nid);
int compaction_fragmentation_index(const struct zone *zone, unsigned int order);
/* The kernel's fragmentation score of a zone / node (0-100). */
unsigned int fragmentation_score_zone(struct kmm_machine *m, struct zone *zone);
unsigned int fragmentation_score_node(struct kmm_machine *m, int nid);
unsigned int fragmentation_score_wmark(struct kmm_machine *m, bool low);
/* Isolate the free block at pfn and split it into order-0 pages kept in cc; zone->lock held. */
unsigned int compaction_split_free_block(struct compact_control *cc, unsigned long pfn);
/* Give cc's unused free pages back to the buddy lists. */
void release_freepages(struct compact_control *cc);

/* ---- kcompactd.c ------------------------------------------------------------------- */

int kcompactd_run_all(struct kmm_machine *m);
void kcompactd_stop_all(struct kmm_machine *m);
void wakeup_kcompactd(struct kmm_machine *m, int nid, unsigned int order, int highest_zoneidx);
void kswapd_wakeup_kcompactd(struct kmm_machine *m, int nid, unsigned int order,
			     int highest_zoneidx);
void proactive_compact_node(struct kmm_machine *m, int nid);
bool should_proactive_compact_node(struct kmm_machine *m, int nid);

/* ---- contig.c / cma.c --------------------------------------------------------------- */

int cma_init(struct kmm_machine *m);
void cma_vmstat_fold(struct kmm_machine *m);
/* Pages of the CMA area in zone (zoneinfo's "cma"). */
unsigned long cma_zone_pages(const struct kmm_machine *m, const struct zone *zone);
int alloc_contig_range_m(struct kmm_machine *m, unsigned long start, unsigned long end, bool cma);
bool contig_range_freeable(struct kmm_machine *m, unsigned long pfn, unsigned long nr,
			   const char *caller);

/* ---- check.c ------------------------------------------------------------------------ */

int compaction_check(struct kmm_machine *m);

#endif /* KMM_COMPACTION_COMPACTION_H */
