/* SPDX-License-Identifier: MIT */
/*
 * boot/cmdline.h - the machine description parsed from a kernel-style
 * command line ("mem=8G nr_cpus=4 numa=fake=2 memmap=64M$1G ...").
 *
 * Parsing is pure: it fills a struct kmm_machine_desc and never allocates.
 * Whether the described layout is possible (ranges inside memory, enough
 * memory per fake node ...) is decided later by boot/layout.c; the parser
 * only rejects what is malformed on its face, naming the offending token.
 * docs/machine.md lists every key.
 */
#ifndef KMM_BOOT_CMDLINE_H
#define KMM_BOOT_CMDLINE_H

#include "lib/compiler.h"
#include <kmm/kmm.h>

#define KMM_MAX_NUMNODES 64
#define KMM_MAX_CPUS 256
#define KMM_MAX_RANGES 32

struct kmm_range {
	uint64_t start;
	uint64_t size;
};

/* A fault-injection boot string: <interval>,<probability>,<space>,<times>. */
struct kmm_fault_desc {
	bool set;
	unsigned long interval;
	unsigned long probability;
	long space;
	long times;
};

/* deferred_chunk_bytes for chunk=block: the largest buddy block, whatever the page size. */
#define KMM_DEFERRED_CHUNK_BLOCK UINT64_MAX

struct kmm_machine_desc {
	/* mem=SIZE: RAM to lay out the x86 way (holes at 640K-1M and 3G-4G). */
	uint64_t mem_bytes;
	/* memmap=exactmap with memmap=SIZE@START ranges: the RAM map, verbatim. */
	bool exactmap;
	int nr_usable;
	struct kmm_range usable[KMM_MAX_RANGES];
	/* memmap=SIZE$START (or SIZE!START): reserved, never handed out. */
	int nr_reserved;
	struct kmm_range reserved[KMM_MAX_RANGES];

	unsigned int page_shift;		/* page_size=4K|16K|64K (default 4K) */
	int nr_cpus;				/* nr_cpus=N (default 1) */
	int numa_fake;				/* numa=fake=N; 0 = a single node */
	int numa_remote_distance;		/* numa_distance=D (default 20; local is 10) */
	uint64_t highmem_bytes;			/* highmem=SIZE */
	uint64_t movablecore_bytes;		/* movablecore=SIZE */
	long min_free_kbytes;			/* min_free_kbytes=N; -1 = computed */
	int watermark_scale_factor;		/* watermark_scale_factor=N (default 10) */
	int lowmem_reserve_ratio[KMM_NR_ZONES]; /* lowmem_reserve_ratio=a,b,c,d,e */
	bool mobility_grouping;			/* page_group_by_mobility=0|1 (default 1) */
	bool pcp;				/* pcp=0|1 (default 1) */
	bool deferred_init;			/* deferred_struct_page_init=0|1 (default 1) */
	uint64_t deferred_chunk_bytes; /* deferred_struct_page_init.chunk=SIZE|block; 0 = a section
					*/
	bool init_on_alloc;	       /* init_on_alloc=0|1 */
	bool init_on_free;	       /* init_on_free=0|1 */
	bool slab_freelist_random;     /* slab_freelist_random=0|1 */
	char slab_debug[64];	       /* slab_debug=FLAGS[,cache...] (slub_debug= too) */

	/* Reclaim (reclaim/): docs/reclaim.md. */
	bool kswapd;		    /* kswapd=0|1: run a kswapd thread per node (default 1) */
	int watermark_boost_factor; /* watermark_boost_factor=N (default 15000) */
	int panic_on_oom;	    /* panic_on_oom=0|1|2 (vm.panic_on_oom) */
	struct kmm_fault_desc fail_page_alloc; /* fail_page_alloc=I,P,S,T */
	struct kmm_fault_desc failslab;	       /* failslab=I,P,S,T */
	bool page_reporting;	     /* page_reporting=0|1: give free blocks back (default 1) */
	int page_reporting_order;    /* page_reporting.page_reporting_order=N (default 9) */
	int page_reporting_delay_ms; /* page_reporting_delay_ms=N (default 2000) */

	/* vmalloc (vmalloc/): docs/vmalloc.md. */
	uint64_t vmalloc_bytes; /* vmalloc=SIZE: the vmalloc area (default 32G) */
	uint64_t thread_size;	/* thread_size=SIZE: kernel stacks (default 16K) */
	/* Memory hotplug (hotplug/): docs/hotplug.md. */
	uint64_t maxmem_bytes;	 /* maxmem=SIZE: the hotpluggable address limit (0: none) */
	int memhp_default_state; /* memhp_default_state=: KMM_MMOP_* of <kmm/hotplug.h> */
	bool movable_node;	 /* movable_node: hotplugged memory defaults to ZONE_MOVABLE */
	/* Compaction (compaction/): docs/compaction.md. */
	bool compaction;       /* compaction=0|1: compaction and its hooks (default 1; kmm's) */
	bool vmalloc_movable;  /* vmalloc_movable=0|1: vmalloc's default adds __GFP_MOVABLE (0;
				  kmm's) */
	bool kcompactd;	       /* kcompactd=0|1: run a kcompactd thread per node (default 1) */
	int extfrag_threshold; /* vm.extfrag_threshold=N (default 500) */
	int compaction_proactiveness; /* vm.compaction_proactiveness=N (default 20) */
	uint64_t cma_bytes;	      /* cma=SIZE: a CMA area of that size (default none) */
};

/*
 * Where a value came from: a piece of the caller's command line, exactly as
 * typed (text == NULL: the key was not given). For memmap= it is one item
 * of the token ("64M$1G" of "memmap=32M$0,64M$1G"), quoted as
 * 'memmap=ITEM'; for every other key the whole token.
 */
struct kmm_token {
	const char *text;
	size_t len;
};

/*
 * The tokens behind a description, for the refusals that come after
 * parsing (boot/layout.c): the token that set each key's final value, and
 * the item that made each memmap= range. Valid while the command line is.
 */
struct kmm_desc_src {
	struct kmm_token mem, highmem, movablecore, numa, page_size, exactmap, maxmem;
	struct kmm_token usable[KMM_MAX_RANGES];
	struct kmm_token reserved[KMM_MAX_RANGES];
};

/* The defaults every key starts from (4 KiB pages, one CPU, one node, no RAM). */
void kmm_desc_defaults(struct kmm_machine_desc *desc);

/*
 * Parse `cmdline` on top of the defaults. Keys may repeat (memmap=) or
 * override (a later mem= wins). Returns KMM_OK or KMM_EINVAL with a message
 * in err ("unknown key 'foo=1'", "bad size in 'mem=12Q'" ...).
 */
int kmm_cmdline_parse(const char *cmdline, struct kmm_machine_desc *desc, char *err,
		      size_t err_len);

/* The same, also recording in *src (when not NULL) the tokens behind desc. */
int kmm_cmdline_parse_src(const char *cmdline, struct kmm_machine_desc *desc,
			  struct kmm_desc_src *src, char *err, size_t err_len);

/*
 * Write t as a message quotes it: in single quotes, `prefix` first (e.g.
 * "memmap=" for a memmap item), bytes outside printable ASCII as \xNN, a
 * long token cut after 48 bytes with "...". Returns buf.
 */
char *kmm_token_quote(char *buf, size_t len, const char *prefix, const struct kmm_token *t);

/*
 * Parse a size with the kernel's memparse suffixes K, M, G, T, P, E
 * (binary). Returns the number of characters consumed, 0 on error or
 * overflow.
 */
size_t kmm_memparse(const char *s, uint64_t *out);

/* Write the canonical form of desc ("mem=4G nr_cpus=2 ...") into buf. */
void kmm_desc_format(const struct kmm_machine_desc *desc, char *buf, size_t len);

#endif /* KMM_BOOT_CMDLINE_H */
