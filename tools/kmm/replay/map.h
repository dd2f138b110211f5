/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/map.h - the replay's maps from what the trace printed
 * (a pfn, a hashed pointer) to what kmm allocated for it.
 *
 * Open addressing with linear probing over a power-of-two table; a slot
 * is EMPTY, LIVE, or DEAD. A DEAD slot keeps its key: for pfns it says
 * "this pfn was freed in the trace", which tells an mm_page_free_batched
 * that echoes an mm_page_free (6.18 prints both for one page) from a free
 * of a page the trace never saw allocated. The table grows at 70 % use
 * (DEAD slots count, and are dropped by the rehash only when `keep_dead`
 * is false). Tool code: plain malloc.
 */
#ifndef KMM_REPLAY_MAP_H
#define KMM_REPLAY_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RP_EMPTY, RP_LIVE, RP_DEAD };

struct rp_slot {
	uint64_t key;
	void *obj;	/* struct page * or the object */
	void *cache;	/* kmem_cache of an object, NULL for kmalloc */
	uint32_t order; /* page order, or bytes of the object */
	uint8_t state;
};

struct rp_map {
	struct rp_slot *slots;
	size_t mask; /* capacity - 1 */
	size_t used; /* LIVE + DEAD */
	size_t live;
	bool keep_dead;
};

bool rp_map_init(struct rp_map *map, size_t cap_pow2, bool keep_dead);
void rp_map_free(struct rp_map *map);
/* The slot for key (LIVE or DEAD), or NULL. */
struct rp_slot *rp_map_find(struct rp_map *map, uint64_t key);
/* A slot for key, LIVE afterwards (an existing one is reused); NULL when out of memory. */
struct rp_slot *rp_map_put(struct rp_map *map, uint64_t key);
static inline void rp_map_kill(struct rp_map *map, struct rp_slot *s)
{
	s->state = RP_DEAD;
	map->live--;
}

#endif /* KMM_REPLAY_MAP_H */
