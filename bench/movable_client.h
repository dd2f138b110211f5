/* SPDX-License-Identifier: MIT */
/*
 * bench/movable_client.h - an owner of movable pages, as a balloon or
 * zsmalloc driver is: it allocates order-0 pages with __GFP_MOVABLE,
 * registers movable_operations, fills each page with data derived from a
 * seed, and follows its pages when migration moves them. Readers and
 * writers of a page's data hold the client's lock, as migrate_page does
 * while it copies: a page is never read or written half-moved. Shared by
 * `kmm bench compaction` and the tests.
 */
#ifndef KMM_MOVABLE_CLIENT_H
#define KMM_MOVABLE_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <kmm/compaction.h>

struct mclient_obj {
	struct page *page;
	uint64_t seed; /* the page holds words derived from it */
	bool live, busy;
};

struct mclient {
	kmm_machine *m;
	int id;
	pthread_mutex_t lock;
	size_t cap, nr;		  /* objects: [0, nr) used slots, some freed */
	struct mclient_obj *objs; /* by slot */
	int32_t *slot_of_pfn;	  /* pfn -> slot, -1 */
	unsigned long migrated, putback, isolated, refused_busy;
	unsigned long live_pages;
};

int mclient_init(struct mclient *c, kmm_machine *m, size_t cap);
void mclient_destroy(struct mclient *c); /* frees every live page */
/* Allocate one page, fill it, register it: its slot, or -1. */
long mclient_alloc(struct mclient *c, uint64_t seed, kmm_gfp_t extra);
/* Free the object in slot; false when migration holds it now (try later). */
bool mclient_free(struct mclient *c, size_t slot);
/* Does the page of slot hold its seed's data? (true for a freed slot) */
bool mclient_verify(struct mclient *c, size_t slot);
/* Rewrite the object's data with a new seed, under the lock. */
void mclient_rewrite(struct mclient *c, size_t slot, uint64_t seed);
/* Fill free memory with objects (up to cap), then free all but 1 in keep_every: scattered. */
void mclient_scatter(struct mclient *c, uint64_t seed, unsigned long keep_every);
/* Check every live object: its data, and that kmm marks its page as ours. Problems. */
unsigned long mclient_verify_all(struct mclient *c);

#endif /* KMM_MOVABLE_CLIENT_H */
