/* SPDX-License-Identifier: MIT */
/*
 * kmm/trace.h - kmm's tracepoints, its recorder, and the trace parser that
 * `kmm replay` is built on.
 *
 * Tracepoints. kmm's allocation paths carry the kernel's kmem events with
 * the kernel's names and field sets (include/trace/events/kmem.h in Linux
 * 6.18): mm_page_alloc, mm_page_free, kmalloc, kfree, kmem_cache_alloc,
 * kmem_cache_free. A machine has at most one callback; with none set, each
 * hook costs one predicted-not-taken branch on a field of the machine.
 * Each record carries both the decoded fields and the line as the kernel's
 * TP_printk would print it (after "event: "), so a callback can write a
 * trace that `kmm replay` and the kernel's own tools read alike.
 * docs/replay.md says where kmm's events depart from the kernel's (page
 * events are the pages the program asked for, not the slab's own pages).
 *
 * Recorder (hosted: it writes a file). kmm_record_start() makes a machine
 * write every event to a file in kmm's trace format: ftrace's `trace` text
 * with a "# kmm-trace version 1" header naming the machine. A program
 * linked with kmm records its default machine when KMM_RECORD=path is set
 * in its environment (`kmm record -o FILE -- PROGRAM` sets it), and so
 * does libkmm-malloc's machine (`kmm record --preload`). The recorder never
 * calls malloc, and a forked child's events are not written.
 *
 * Parser (freestanding, no allocation). kmm_trace_parse_line() decodes
 * one line of ftrace text (the `trace` file of 6.18 or 4.x/5.x kernels,
 * `trace-cmd report`, `perf script`, kmm's own format) into a struct
 * kmm_trace_event.
 */
#ifndef KMM_TRACE_H
#define KMM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmm/kmm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The events, in the kernel's names. */
enum kmm_trace_kind {
	KMM_EV_MM_PAGE_ALLOC,
	KMM_EV_MM_PAGE_FREE,
	KMM_EV_MM_PAGE_FREE_BATCHED,
	KMM_EV_KMALLOC,
	KMM_EV_KFREE,
	KMM_EV_KMEM_CACHE_ALLOC,
	KMM_EV_KMEM_CACHE_FREE,
	KMM_NR_EVENTS, /* the kmem events above: the ones kmm replay replays and counts */
	/*
	 * Compaction and migration (include/trace/events/compaction.h and
	 * migrate.h in 6.18): delivered and recorded like the kmem events,
	 * parsed as KMM_TRACE_UNKNOWN (kmm replay does not replay them).
	 */
	KMM_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES = KMM_NR_EVENTS,
	KMM_EV_MM_COMPACTION_ISOLATE_FREEPAGES,
	KMM_EV_MM_COMPACTION_MIGRATEPAGES,
	KMM_EV_MM_COMPACTION_BEGIN,
	KMM_EV_MM_COMPACTION_END,
	KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES,
	KMM_EV_MM_COMPACTION_FINISHED,
	KMM_EV_MM_COMPACTION_SUITABLE,
	KMM_EV_MM_COMPACTION_DEFERRED,
	KMM_EV_MM_COMPACTION_DEFER_COMPACTION,
	KMM_EV_MM_COMPACTION_DEFER_RESET,
	KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP,
	KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD,
	KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE,
	KMM_EV_MM_MIGRATE_PAGES,
	KMM_EV_MM_MIGRATE_PAGES_START,
	KMM_NR_TRACE_EVENTS
};

/* "mm_page_alloc" ... "mm_migrate_pages_start"; NULL out of range. */
KMM_API const char *kmm_trace_event_name(int kind);

/* ---- tracepoints ---------------------------------------------------------- */

/* What a tracepoint delivers. Pointers into it live only during the callback. */
struct kmm_trace_record {
	int kind; /* enum kmm_trace_kind */
	int cpu;  /* the machine CPU the event ran on */
	uint64_t ts_ns;
	/* page events */
	unsigned long pfn; /* ~0ul: the allocation failed */
	unsigned int order;
	int migratetype;
	/* object events */
	const void *ptr; /* the object as the program sees it */
	size_t bytes_req;
	size_t bytes_alloc;
	int node;
	const char *cache; /* kmem_cache_* events: the cache's name */
	kmm_gfp_t gfp;
	/* The fields as the kernel prints them ("page=... pfn=0x... order=0 ..."), NUL-terminated.
	 */
	const char *text;
	size_t len;
	/*
	 * Compaction and migration events: the kernel's fields (node above is
	 * the nid). Zero in the kmem events' records.
	 */
	struct {
		unsigned long zone_start, migrate_pfn, free_pfn, zone_end; /* _begin, _end */
		unsigned long start_pfn, end_pfn, nr_scanned, nr_taken;	   /* _isolate_* */
		unsigned long nr_succeeded, nr_failed; /* _migratepages, mm_migrate_pages */
		int order;			       /* -1: the whole zone (compact_memory) */
		int zone;   /* enum kmm_zone_type (idx, highest_zoneidx) */
		int status; /* the kernel's enum compact_result value */
		int mode;   /* enum kmm_migrate_mode */
		int reason; /* enum kmm_migrate_reason */
		int prio;   /* enum compact_priority */
		unsigned int considered, defer_shift;
		int order_failed;
		bool sync; /* _begin, _end: mode != MIGRATE_ASYNC */
	} compact;
};

typedef void (*kmm_trace_fn)(void *ctx, const struct kmm_trace_record *rec);

/*
 * Deliver every event of machine m to fn (NULL: tracing off). Set it while
 * no other thread allocates from m. The callback runs on the allocating
 * thread, outside every allocator lock, and must not allocate from m.
 */
KMM_API void kmm_trace_set_callback(kmm_machine *m, kmm_trace_fn fn, void *ctx);
/* The callback installed (*fn, NULL when off) and its context. */
KMM_API void *kmm_trace_get_callback(kmm_machine *m, kmm_trace_fn *fn);

/*
 * Write m's events to `path` in kmm's trace format until kmm_record_stop(m),
 * which the caller must call before kmm_machine_destroy(m) (hosted code; the
 * default machine's KMM_RECORD recording is stopped at exit). KMM_OK or an
 * error with a message in err.
 */
KMM_API int kmm_record_start(kmm_machine *m, const char *path, char *err, size_t err_len);
KMM_API void kmm_record_stop(kmm_machine *m);

/* The version kmm_record_start writes and kmm replay reads. */
#define KMM_TRACE_FORMAT_VERSION 1

/* ---- the parser ------------------------------------------------------------ */

/* One decoded event. Strings point into the parsed line. */
struct kmm_trace_event {
	int kind; /* enum kmm_trace_kind */
	int cpu;  /* the trace's CPU number */
	int pid;  /* -1 when the line has none */
	uint64_t ts_ns;
	uint64_t page; /* page=: the struct page pointer as printed */
	unsigned long pfn;
	bool pfn_failed; /* mm_page_alloc of a failed allocation (pfn -1, page NULL) */
	int order;
	int migratetype; /* -1 when absent */
	kmm_gfp_t gfp;
	bool has_gfp;
	uint64_t ptr; /* object pointer as printed (hashed %p values are stable in a trace) */
	unsigned long bytes_req, bytes_alloc;
	int node; /* -1 when absent */
	const char
		*name; /* kmem_cache events: the cache (NULL when the kernel is older than 5.x) */
	size_t name_len;
	bool old_fields; /* a 4.x/5.x field set was seen (no node=/accounted=/name=) */
};

/* Parser state carried from line to line. Zero it before the first line. */
struct kmm_trace_parser {
	unsigned long line; /* number of the line just parsed (1-based) */
	bool old_kernel;    /* sticky: an older kernel's field set was seen */
	bool kmm_format;    /* "# kmm-trace version N" header seen */
	int version;	    /* that N */
	char machine[512];  /* "# machine: ..." of kmm's format */
};

/* Return values of kmm_trace_parse_line. */
#define KMM_TRACE_EVENT 1   /* *ev holds an event */
#define KMM_TRACE_SKIP 0    /* comment, header or blank line */
#define KMM_TRACE_UNKNOWN 2 /* a well-formed event kmm does not replay */
/* < 0: malformed; err holds "line N: why". */

KMM_API int kmm_trace_parse_line(struct kmm_trace_parser *p, const char *line, size_t len,
				 struct kmm_trace_event *ev, char *err, size_t err_len);

/*
 * Parse a printed gfp mask ("GFP_KERNEL|__GFP_ZERO", "0x2800", "none"):
 * the 6.18 names and the older ones (__GFP_WAIT, __GFP_REPEAT, __GFP_COLD,
 * GFP_TEMPORARY, GFP_IOFS ...). old_nowait: GFP_NOWAIT means what it meant
 * before 6.x (kswapd reclaim only, no __GFP_NOWARN). 0 or KMM_EINVAL.
 */
KMM_API int kmm_parse_gfp(const char *s, size_t len, bool old_nowait, kmm_gfp_t *out);

/* The printed name of a gfp mask, as the kernel's %pGg ("GFP_KERNEL|__GFP_ZERO"). */
KMM_API size_t kmm_format_gfp_name(char *buf, size_t len, kmm_gfp_t gfp);

/* ---- machine state for pictures ------------------------------------------- */

/* One pageblock (2^9 pages) as the page-frame map shows it. */
struct kmm_pageblock_info {
	int nid;	   /* -1: a hole (no RAM in this block) */
	int zone;	   /* enum kmm_zone_type, -1 for a hole */
	int migratetype;   /* 0 Unmovable 1 Movable 2 Reclaimable 3 HighAtomic 4 CMA 5 Isolate */
	unsigned int free; /* pages in free buddy blocks */
	unsigned int reserved; /* PG_reserved pages (boot memory, memmap=, holes) */
	unsigned int total;    /* pages of the block inside the machine */
};

KMM_API unsigned long kmm_pageblock_pages(const kmm_machine *m);
/* Blocks are numbered pfn >> 9, 0 .. kmm_max_pfn(m) / 512. KMM_OK or KMM_EINVAL. */
KMM_API int kmm_pageblock_info(kmm_machine *m, unsigned long block, struct kmm_pageblock_info *out);
/* min, low, high of a zone (0 when not populated). */
KMM_API void kmm_zone_watermarks(kmm_machine *m, int nid, enum kmm_zone_type zone,
				 unsigned long wm[3]);

#ifdef __cplusplus
}
#endif

#endif /* KMM_TRACE_H */
