/* SPDX-License-Identifier: MIT */
/*
 * bench/movable_client.c - the movable-ops owner of movable_client.h.
 *
 * isolate_page says yes only for a live page of ours that migration does
 * not hold yet (busy), migrate_page copies the data to the new frame and
 * points the object at it under the lock, putback_page clears busy. A
 * MIGRATE_ASYNC migration that finds the lock taken answers KMM_EAGAIN
 * instead of waiting.
 */
#include "movable_client.h"

#include <stdlib.h>
#include <string.h>

static uint64_t word(uint64_t seed, size_t i)
{
	uint64_t x = seed + i * 0x9E3779B97F4A7C15ull;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	return x ^ (x >> 29);
}

static void fill(kmm_machine *m, struct page *p, uint64_t seed)
{
	uint64_t *w = kmm_page_address(m, p);

	for (size_t i = 0; i < kmm_page_size(m) / 8; i++)
		w[i] = word(seed, i);
}

static bool check(kmm_machine *m, const struct page *p, uint64_t seed)
{
	const uint64_t *w = kmm_page_address(m, p);

	for (size_t i = 0; i < kmm_page_size(m) / 8; i++)
		if (w[i] != word(seed, i))
			return false;
	return true;
}

static long slot_of(struct mclient *c, const struct page *page)
{
	unsigned long pfn = kmm_page_to_pfn(c->m, page);
	int32_t s = c->slot_of_pfn[pfn];

	if (s < 0 || (size_t)s >= c->nr || !c->objs[s].live || c->objs[s].page != page)
		return -1;
	return s;
}

static bool mc_isolate(kmm_machine *m, struct page *page, kmm_isolate_mode_t mode, void *ctx)
{
	struct mclient *c = ctx;
	bool ok = false;
	long s;

	(void)m;
	if ((mode & KMM_ISOLATE_ASYNC_MIGRATE) ? pthread_mutex_trylock(&c->lock)
					       : pthread_mutex_lock(&c->lock))
		return false;
	s = slot_of(c, page);
	if (s >= 0 && !c->objs[s].busy) {
		c->objs[s].busy = true;
		c->isolated++;
		ok = true;
	} else if (s >= 0) {
		c->refused_busy++;
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

static int mc_migrate(kmm_machine *m, struct page *dst, struct page *src,
		      enum kmm_migrate_mode mode, void *ctx)
{
	struct mclient *c = ctx;
	long s;

	if (mode == KMM_MIGRATE_ASYNC ? pthread_mutex_trylock(&c->lock)
				      : pthread_mutex_lock(&c->lock))
		return KMM_EAGAIN;
	s = slot_of(c, src);
	if (s < 0 || !c->objs[s].busy) {
		pthread_mutex_unlock(&c->lock);
		return KMM_EBUSY;
	}
	kmm_copy_highpage(m, dst, src);
	c->objs[s].page = dst;
	c->objs[s].busy = false;
	c->slot_of_pfn[kmm_page_to_pfn(m, src)] = -1;
	c->slot_of_pfn[kmm_page_to_pfn(m, dst)] = (int32_t)s;
	c->migrated++;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void mc_putback(kmm_machine *m, struct page *page, void *ctx)
{
	struct mclient *c = ctx;
	long s;

	(void)m;
	pthread_mutex_lock(&c->lock);
	s = slot_of(c, page);
	if (s >= 0)
		c->objs[s].busy = false;
	c->putback++;
	pthread_mutex_unlock(&c->lock);
}

static const struct kmm_movable_operations mc_ops = {
	.isolate_page = mc_isolate,
	.migrate_page = mc_migrate,
	.putback_page = mc_putback,
};

int mclient_init(struct mclient *c, kmm_machine *m, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->cap = cap;
	c->objs = calloc(cap, sizeof(*c->objs));
	c->slot_of_pfn = malloc(kmm_max_pfn(m) * sizeof(int32_t));
	if (!c->objs || !c->slot_of_pfn)
		return -1;
	memset(c->slot_of_pfn, 0xff, kmm_max_pfn(m) * sizeof(int32_t));
	pthread_mutex_init(&c->lock, NULL);
	c->id = kmm_register_movable_ops(m, &mc_ops, c);
	return c->id > 0 ? 0 : -1;
}

long mclient_alloc(struct mclient *c, uint64_t seed, kmm_gfp_t extra)
{
	struct page *p;
	long s;

	if (c->nr == c->cap)
		return -1;
	p = kmm_alloc_pages(c->m, KMM_GFP_KERNEL | KMM_GFP_MOVABLE | extra, 0);
	if (!p)
		return -1;
	fill(c->m, p, seed);
	if (kmm_page_set_movable_ops(c->m, p, c->id)) {
		kmm_free_pages(c->m, p, 0);
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	s = (long)c->nr++;
	c->objs[s] = (struct mclient_obj){ .page = p, .seed = seed, .live = true };
	c->slot_of_pfn[kmm_page_to_pfn(c->m, p)] = (int32_t)s;
	c->live_pages++;
	pthread_mutex_unlock(&c->lock);
	return s;
}

bool mclient_free(struct mclient *c, size_t slot)
{
	struct page *p;

	pthread_mutex_lock(&c->lock);
	if (slot >= c->nr || !c->objs[slot].live || c->objs[slot].busy) {
		bool busy = slot < c->nr && c->objs[slot].live;

		pthread_mutex_unlock(&c->lock);
		return !busy;
	}
	p = c->objs[slot].page;
	c->objs[slot].live = false;
	c->slot_of_pfn[kmm_page_to_pfn(c->m, p)] = -1;
	c->live_pages--;
	pthread_mutex_unlock(&c->lock);
	kmm_free_pages(c->m, p, 0);
	return true;
}

bool mclient_verify(struct mclient *c, size_t slot)
{
	bool ok = true;

	pthread_mutex_lock(&c->lock);
	if (slot < c->nr && c->objs[slot].live)
		ok = check(c->m, c->objs[slot].page, c->objs[slot].seed);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void mclient_rewrite(struct mclient *c, size_t slot, uint64_t seed)
{
	pthread_mutex_lock(&c->lock);
	if (slot < c->nr && c->objs[slot].live) {
		fill(c->m, c->objs[slot].page, seed);
		c->objs[slot].seed = seed;
	}
	pthread_mutex_unlock(&c->lock);
}

void mclient_scatter(struct mclient *c, uint64_t seed, unsigned long keep_every)
{
	while (c->nr < c->cap && mclient_alloc(c, seed++, KMM_GFP_NOWARN | KMM_GFP_NORETRY) >= 0)
		;
	for (size_t i = 0; i < c->nr; i++)
		if (i % keep_every)
			mclient_free(c, i);
}

unsigned long mclient_verify_all(struct mclient *c)
{
	unsigned long bad = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t s = 0; s < c->nr; s++) {
		const struct mclient_obj *o = &c->objs[s];

		if (!o->live)
			continue;
		if (!check(c->m, o->page, o->seed) ||
		    kmm_page_movable_ops(c->m, o->page) != c->id ||
		    c->slot_of_pfn[kmm_page_to_pfn(c->m, o->page)] != (int32_t)s)
			bad++;
	}
	pthread_mutex_unlock(&c->lock);
	return bad;
}

void mclient_destroy(struct mclient *c)
{
	for (size_t s = 0; s < c->nr; s++)
		while (!mclient_free(c, s))
			;
	if (c->id > 0)
		kmm_unregister_movable_ops(c->m, c->id);
	pthread_mutex_destroy(&c->lock);
	free(c->objs);
	free(c->slot_of_pfn);
	memset(c, 0, sizeof(*c));
}
