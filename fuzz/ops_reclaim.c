/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ops_reclaim.c - shrinkers for the API fuzzer: a program's own cache
 * of kmalloc'd objects behind a shrinker (the 6.x API: kmm_shrinker_alloc,
 * register, free), filled by the input, emptied by kmm_drop_slab and by
 * kswapd when a machine runs low. The oracle: drop_slab empties every
 * registered cache whose seeks is not 0 (the kernel's scan target is then
 * at least the count; SHRINKER_NEEDS_FS/IO are satisfied by drop_slab's
 * GFP_KERNEL; seeks 0 trims half a count per pass and may leave less than
 * a batch, as in Linux), every cached object keeps its
 * cookie until its shrinker frees it, a freed shrinker is never called
 * again, and nothing is reported. A mutex guards each cache: kswapd may
 * scan it from its own thread while an operation runs.
 */
#include "api.h"

#include <pthread.h>
#include <string.h>

#include <kmm/reclaim.h>

#define FZ_SHRINKERS 2
#define FZ_CACHED 64

struct fz_shrunk {
	struct shrinker *s;
	struct fz *f;
	pthread_mutex_t lock;
	int n;
	void *obj[FZ_CACHED];
	uint64_t cookie[FZ_CACHED];
	size_t size[FZ_CACHED];
	bool freed; /* kmm_shrinker_free returned: a later call is a bug */
};

static struct fz_shrunk shrunk[FZ_SHRINKERS];

static unsigned long fz_count(struct shrinker *s, struct shrink_control *sc)
{
	struct fz_shrunk *c = s->private_data;
	int n;

	(void)sc;
	if (c->freed)
		fz_fail(c->f, "a freed shrinker was asked to count");
	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n ? (unsigned long)n : SHRINK_EMPTY;
}

static unsigned long fz_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct fz_shrunk *c = s->private_data;
	unsigned long freed = 0;

	if (c->freed)
		fz_fail(c->f, "a freed shrinker was asked to scan");
	pthread_mutex_lock(&c->lock);
	while (c->n && freed < sc->nr_to_scan) {
		c->n--;
		kmm_kfree(c->f->m, c->obj[c->n]);
		freed++;
	}
	pthread_mutex_unlock(&c->lock);
	return freed ? freed : SHRINK_STOP;
}

static void shrunk_free(struct fz *f, struct fz_shrunk *c)
{
	if (!c->s)
		return;
	kmm_shrinker_free(c->s);
	c->freed = true;
	c->s = NULL;
	while (c->n)
		kmm_kfree(f->m, c->obj[--c->n]);
	pthread_mutex_destroy(&c->lock);
	fz_no_report(f, "shrinker free");
}

static void op_register(struct fz *f)
{
	struct fz_shrunk *c = &shrunk[fz_u8(f) % FZ_SHRINKERS];
	uint8_t b = fz_u8(f);
	unsigned int flags = 0;

	if (c->s)
		return;
	if (b & 1)
		flags |= SHRINKER_NUMA_AWARE;
	if (b & 2)
		flags |= SHRINKER_NEEDS_FS;
	if (b & 4)
		flags |= SHRINKER_NEEDS_IO;
	memset(c, 0, sizeof(*c));
	c->s = kmm_shrinker_alloc(f->m, flags, "fuzz-%d", (int)(c - shrunk));
	if (!c->s)
		return; /* out of memory: a legal answer */
	pthread_mutex_init(&c->lock, NULL);
	c->f = f;
	c->s->count_objects = fz_count;
	c->s->scan_objects = fz_scan;
	c->s->seeks = (b >> 3) % 4; /* 0 trims hardest */
	c->s->batch = (b >> 5) ? (long)(b >> 5) * 8 : 0;
	c->s->private_data = c;
	kmm_shrinker_register(c->s);
	fz_no_report(f, "shrinker register");
}

static void op_fill(struct fz *f)
{
	struct fz_shrunk *c = &shrunk[fz_u8(f) % FZ_SHRINKERS];
	int want = 1 + fz_u8(f) % 16;
	size_t size = 8 + fz_u16(f) % 2048;

	if (!c->s)
		return;
	pthread_mutex_lock(&c->lock);
	while (want-- && c->n < FZ_CACHED) {
		void *p = kmm_kmalloc(f->m, size, GFP_KERNEL | __GFP_NOWARN);

		if (!p)
			break;
		c->cookie[c->n] = fz_cookie(f, 1000 + (unsigned int)c->n);
		memcpy(p, &c->cookie[c->n], 8);
		c->size[c->n] = size;
		c->obj[c->n++] = p;
	}
	pthread_mutex_unlock(&c->lock);
	fz_no_report(f, "fill a shrinker's cache");
}

static void op_drop(struct fz *f)
{
	kmm_drop_slab(f->m);
	for (int i = 0; i < FZ_SHRINKERS; i++) {
		struct fz_shrunk *c = &shrunk[i];
		int n;

		/* seeks 0: the kernel scans half the count per pass, and stops below a batch */
		if (!c->s || !c->s->seeks)
			continue;
		pthread_mutex_lock(&c->lock);
		n = c->n;
		pthread_mutex_unlock(&c->lock);
		if (n)
			fz_fail(f, "drop_slab left %d objects in shrinker %d's cache", n, i);
	}
	fz_no_report(f, "drop_slab");
}

static void op_unregister(struct fz *f)
{
	shrunk_free(f, &shrunk[fz_u8(f) % FZ_SHRINKERS]);
}

static void reclaim_verify(struct fz *f)
{
	for (int i = 0; i < FZ_SHRINKERS; i++) {
		struct fz_shrunk *c = &shrunk[i];

		if (!c->s)
			continue;
		pthread_mutex_lock(&c->lock);
		for (int k = 0; k < c->n; k++)
			if (memcmp(c->obj[k], &c->cookie[k], 8) != 0)
				fz_fail(f, "shrinker %d's object %d: cookie overwritten", i, k);
		pthread_mutex_unlock(&c->lock);
	}
}

static void reclaim_teardown(struct fz *f)
{
	for (int i = 0; i < FZ_SHRINKERS; i++)
		shrunk_free(f, &shrunk[i]);
}

static const struct fz_op reclaim_ops[] = {
	{ "shrinker: register", op_register },
	{ "shrinker: fill its cache", op_fill },
	{ "shrinker: drop_slab", op_drop },
	{ "shrinker: free", op_unregister },
};

const struct fz_layer fz_layer_reclaim = {
	"reclaim",	reclaim_ops,	  sizeof(reclaim_ops) / sizeof(reclaim_ops[0]),
	reclaim_verify, reclaim_teardown,
};
