/* SPDX-License-Identifier: MIT */
/*
 * bench/frag_workload.h - a seeded mixed workload that fragments memory:
 * long-lived unmovable allocations interleaved with short-lived movable
 * and reclaimable ones, as a kernel's slab and page cache interleave. Run
 * once with mobility grouping and once without (page_group_by_mobility=0)
 * to see what grouping buys. Shared by `kmm bench zones` and the tests.
 */
#ifndef KMM_FRAG_WORKLOAD_H
#define KMM_FRAG_WORKLOAD_H

#include <stdint.h>

#include <kmm/kmm.h>

struct frag_held;
struct mclient;

/* What the workload adds (frag_workload_run_opts). */
struct frag_opts {
	/* 1 in 8 allocations is a long-lived movable-ops page (movable_client.h) */
	bool movable_client;
	/* compact the whole machine after the workload, before counting (compact_memory) */
	bool compact;
	/*
	 * 1 in 16 allocations is a long-lived movable vmalloc area of 2-8 pages
	 * (__vmalloc(GFP_KERNEL | __GFP_MOVABLE)), filled with a pattern and
	 * kept to the end: vmalloc'd memory compaction moves by remapping
	 */
	bool movable_vmalloc;
};

struct frag_result {
	struct frag_held *held;		  /* the long-lived pages, until frag_workload_release */
	unsigned long long_lived_pages;	  /* unmovable pages still held at the end */
	unsigned long order9_free_blocks; /* order-9 blocks free afterwards (order 10 counts 2) */
	unsigned long order9_allocatable; /* order-9 blocks actually allocated afterwards */
	/* with frag_opts */
	struct mclient *client;	    /* the movable-ops owner, until frag_workload_release */
	unsigned long client_pages; /* its pages held at the end */
	unsigned long order9_before_compact; /* order-9 free blocks before compaction */
	unsigned long pages_migrated;	     /* by the compaction */
	double compact_seconds;		     /* the compaction's wall time */
	unsigned long checksum_failures; /* client pages whose data or mark was wrong afterwards */
	/* with movable_vmalloc */
	void **vareas; /* the areas, until frag_workload_release */
	unsigned long nr_vareas, vmalloc_pages;
	unsigned long vmalloc_areas_moved;	 /* areas whose first page is on another frame */
	unsigned long vmalloc_pages_migrated;	 /* of pages_migrated, the vmalloc areas' pages */
	unsigned long vmalloc_checksum_failures; /* areas whose contents changed */
};

/*
 * Run the workload on m (which should be freshly booted with pcp=0), then
 * release every short-lived allocation and count what order-9 allocations
 * remain possible. The long-lived allocations stay held until
 * frag_workload_release().
 */
int frag_workload_run(kmm_machine *m, uint64_t seed, struct frag_result *res);
int frag_workload_run_opts(kmm_machine *m, uint64_t seed, const struct frag_opts *opts,
			   struct frag_result *res);
void frag_workload_release(kmm_machine *m, struct frag_result *res);

#endif /* KMM_FRAG_WORKLOAD_H */
