/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/map.c - the replay's open-addressing maps (map.h).
 */
#include <stdlib.h>
#include <string.h>

#include "map.h"

static inline size_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

bool rp_map_init(struct rp_map *map, size_t cap, bool keep_dead)
{
	memset(map, 0, sizeof(*map));
	map->slots = calloc(cap, sizeof(*map->slots));
	if (!map->slots)
		return false;
	map->mask = cap - 1;
	map->keep_dead = keep_dead;
	return true;
}

void rp_map_free(struct rp_map *map)
{
	free(map->slots);
	memset(map, 0, sizeof(*map));
}

struct rp_slot *rp_map_find(struct rp_map *map, uint64_t key)
{
	for (size_t i = hash64(key) & map->mask;; i = (i + 1) & map->mask) {
		struct rp_slot *s = &map->slots[i];

		if (s->state == RP_EMPTY)
			return NULL;
		if (s->key == key)
			return s;
	}
}

static bool grow(struct rp_map *map)
{
	struct rp_map bigger;
	size_t cap = (map->mask + 1) * 2;

	if (!map->keep_dead && map->live * 4 < (map->mask + 1))
		cap = map->mask + 1; /* mostly dead: rehash in place size */
	if (!rp_map_init(&bigger, cap, map->keep_dead))
		return false;
	for (size_t i = 0; i <= map->mask; i++) {
		struct rp_slot *s = &map->slots[i];

		if (s->state == RP_LIVE || (s->state == RP_DEAD && map->keep_dead)) {
			struct rp_slot *d = rp_map_put(&bigger, s->key);

			*d = *s;
			if (s->state == RP_DEAD)
				bigger.live--;
		}
	}
	free(map->slots);
	*map = bigger;
	return true;
}

struct rp_slot *rp_map_put(struct rp_map *map, uint64_t key)
{
	struct rp_slot *s;

	if ((map->used + 1) * 10 > (map->mask + 1) * 7 && !grow(map))
		return NULL;
	for (size_t i = hash64(key) & map->mask;; i = (i + 1) & map->mask) {
		s = &map->slots[i];
		if (s->state == RP_EMPTY) {
			map->used++;
			break;
		}
		if (s->key == key) {
			if (s->state == RP_LIVE)
				return s;
			break;
		}
	}
	s->key = key;
	s->state = RP_LIVE;
	s->obj = s->cache = NULL;
	s->order = 0;
	map->live++;
	return s;
}
