/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/engine.h - replaying a parsed kmem trace on a kmm
 * machine, and what the replay measured.
 *
 * The engine owns one machine and three maps: trace pfn -> kmm block,
 * trace pointer -> kmm object, cache name -> kmm cache. Each event is
 * replayed with the trace's order, gfp and node; the trace's CPU picks the
 * machine CPU (cpu % nr_cpus) and, when pinning is on, the replaying thread
 * moves to a host CPU that kmm maps to that machine CPU. Every event is
 * classified (replayed, unmatched free, echo, failure ...), and every
 * `sample_every` events a sample of the machine's state is kept for the
 * summary, the report and kmm top. docs/replay.md explains each counter.
 */
#ifndef KMM_REPLAY_ENGINE_H
#define KMM_REPLAY_ENGINE_H

#include <stdio.h>

#include <kmm/kmm.h>
#include <kmm/slab.h>
#include <kmm/trace.h>

#include "map.h"

#define RP_MAX_ZONES 16
#define RP_MAX_GFP 48

struct rp_zone_id {
	int nid;
	int zone;
	char name[24]; /* "Node 0 Normal" */
};

struct rp_sample {
	uint64_t ts_ns;	     /* trace time since the first event */
	unsigned long event; /* events replayed so far */
	unsigned long free_blocks[RP_MAX_ZONES][KMM_NR_ORDERS];
	unsigned long free_pages[RP_MAX_ZONES];
	int unusable9[RP_MAX_ZONES]; /* unusable index of order 9, thousandths */
	int unusable3[RP_MAX_ZONES];
	int extfrag9[RP_MAX_ZONES]; /* fragmentation index of order 9, thousandths (-1000: ok) */
	unsigned long slab_pages;
	unsigned long page_event_pages; /* pages held by replayed page allocations */
	unsigned long *cache_pages;	/* per engine cache index (ncache_at entries) */
	int ncache_at;
};

struct rp_gfp_fail {
	gfp_t gfp;
	unsigned int order; /* page order, or 99 for object allocations */
	unsigned long count;
};

struct rp_map_moment {
	const char *label;
	unsigned long event;
	unsigned long nblocks;
	struct kmm_pageblock_info *blocks;
};

#define RP_NAME_SLOTS 2048

struct rp_cache {
	char name[48];
	size_t name_len;
	uint32_t hash;
	unsigned int size;
	struct kmem_cache *s;
};

struct rp_stats {
	unsigned long lines, events[KMM_NR_EVENTS], unknown, skipped_bad;
	unsigned long replayed[KMM_NR_EVENTS];
	unsigned long unmatched_free[KMM_NR_EVENTS]; /* freed, never seen allocated */
	unsigned long matched_free[KMM_NR_EVENTS];   /* freed what the trace allocated */
	unsigned long batched_echo; /* mm_page_free_batched after mm_page_free of the pfn */
	unsigned long
		implicit_free; /* an alloc reused a live pfn/pointer: its free was not traced */
	unsigned long implicit_free_pages; /* of those, pfns */
	unsigned long trace_failed;	   /* allocations that had failed in the traced kernel */
	unsigned long kfree_null;
	unsigned long order_mismatch; /* freed with another order than allocated */
	unsigned long nofail_cleared; /* __GFP_NOFAIL dropped (see docs) */
	unsigned long grown_blocks;   /* memory blocks hot-added (maxmem=) to serve the trace */
	unsigned long failures, fail_pages[KMM_NR_ORDERS], fail_objects;
	struct rp_gfp_fail fail_gfp[RP_MAX_GFP];
	int nfail_gfp;
	unsigned long caches_created, cache_create_failed;
	unsigned long cpu_moves, cpu_unplaced;
	unsigned long live_pages, peak_pages; /* pages held by replayed page events */
	unsigned long peak_slab_pages;	      /* at samples */
	unsigned long peak_used_pages;	      /* managed - free, at samples */
	unsigned long cpu_events[8];	      /* per trace CPU (mod 8) */
	double seconds;			      /* replay wall time */
	double cpu_seconds;		      /* CPU time of the replaying thread */
	double parse_seconds;
};

struct rp_options {
	const char *cmdline;
	bool lenient;
	bool pin;	       /* place events on the trace's CPU */
	double speed;	       /* 0: as fast as possible; else N x trace time */
	unsigned int nsamples; /* samples over the trace (default 200) */
	bool quiet;	       /* no allocation-failure warnings on stderr */
	bool want_maps;	       /* keep page-frame maps at start, middle, end */
};

struct rp_engine {
	kmm_machine *m;
	struct rp_options opt;
	struct kmm_trace_parser parser;
	struct rp_map pages, objs;
	struct rp_cache *caches;
	int ncaches, cap_caches;
	unsigned long grow_from;      /* the first memory block grow_machine looks at */
	int name_slot[RP_NAME_SLOTS]; /* cache index + 1, 0 empty */
	struct rp_zone_id zones[RP_MAX_ZONES];
	int nzones;
	unsigned long managed;
	struct rp_sample *samples;
	int nsamples, cap_samples;
	unsigned long sample_every, next_sample, total_lines;
	struct rp_map_moment moments[3];
	int nmoments;
	uint64_t first_ts, last_ts;
	bool have_ts;
	uint64_t wall_start, cpu_start;
	int cur_cpu;	    /* machine CPU the thread was placed on, -1 none */
	int host_cpus[256]; /* the host CPUs we may run on */
	int nhost;
	char err[512];
	int boot_rc;	    /* kmm_machine_create's error when the boot failed, else 0 */
	char boot_err[256]; /* its message, without the machine string */
	struct rp_stats st;
	/* called after each sample (kmm top, the progress bar); may be NULL */
	void (*on_sample)(struct rp_engine *e, void *ctx);
	void *on_sample_ctx;
	/* called every 256 lines with on_sample_ctx (kmm top's keys and frames); may be NULL */
	void (*on_tick)(struct rp_engine *e, void *ctx);
	volatile bool stop; /* set by on_tick/on_sample: stop after this line */
	FILE *warn_out;
};

/* Boot the machine. 0, or -1 with e->err set. */
int rp_engine_init(struct rp_engine *e, const struct rp_options *opt, const char *trace_machine);
void rp_engine_destroy(struct rp_engine *e);
/* Replay a whole buffer of trace text. 0, or -1 with e->err ("line N: ..."). */
int rp_engine_run(struct rp_engine *e, const char *buf, size_t len);
/* The same in steps, for a trace read as it is written (kmm top -- PROGRAM). */
void rp_engine_begin(struct rp_engine *e, unsigned long total_lines /* 0: unknown */);
int rp_engine_line(struct rp_engine *e, const char *line, size_t len);
void rp_engine_end(struct rp_engine *e);
/* Take a sample now (also used at the end). */
void rp_engine_sample(struct rp_engine *e);
/* The trace's "# machine:" line when it is kmm's format, else NULL (peek at the header). */
const char *rp_trace_machine(const char *buf, size_t len, char *out, size_t out_len);
uint64_t rp_now_ns(void);

#endif /* KMM_REPLAY_ENGINE_H */
