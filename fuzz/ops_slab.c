/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ops_slab.c - operations of the slab layer for the API fuzzer:
 * kmalloc/kmalloc_node/krealloc/kfree/ksize of any size (0 to past the
 * largest kmalloc cache), kmem_cache_create of any size, alignment, flags
 * and with or without a constructor, cache alloc/free (single and bulk),
 * shrink, destroy; and the misuses: destroy with live objects, a cache
 * that cannot exist, kfree of foreign and interior pointers, objects freed
 * to the wrong cache, double frees (on machines with slab_debug=F, where
 * SLUB promises to catch them: without it a double free is undefined, in
 * Linux as in kmm).
 *
 * Every object carries its cookie in its first eight bytes (when it has
 * them) and its last byte.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>

#define FZ_CTOR_BYTE 0xc7

static void fz_ctor(void *obj)
{
	memset(obj, FZ_CTOR_BYTE, 1);
}

static struct fz_obj *slot(struct fz *f)
{
	return &f->objs[fz_u8(f) % FZ_OBJS];
}

static void obj_fill(struct fz *f, struct fz_obj *o)
{
	o->cookie = fz_cookie(f, (unsigned int)(o - f->objs));
	if (o->size == 0)
		return;
	if (o->size > 8)
		memcpy(o->p, &o->cookie, 8);
	((unsigned char *)o->p)[o->size - 1] = (unsigned char)o->cookie;
}

static bool obj_intact(const struct fz_obj *o)
{
	uint64_t c;

	if (o->size == 0)
		return true;
	if (o->size > 8) {
		memcpy(&c, o->p, 8);
		if (c != o->cookie)
			return false;
	}
	return ((unsigned char *)o->p)[o->size - 1] == (unsigned char)o->cookie;
}

static void slab_verify(struct fz *f)
{
	for (int i = 0; i < FZ_OBJS; i++) {
		struct fz_obj *o = &f->objs[i];

		if (o->p && !obj_intact(o))
			fz_fail(f, "object slot %d (%p, %zu bytes, cache %d): cookie overwritten",
				i, o->p, o->size, o->cache);
	}
}

/* Sizes: mostly small, some around every kmalloc size, some past the caches. */
static size_t any_size(struct fz *f)
{
	uint8_t b = fz_u8(f);
	size_t max = kmm_kmalloc_max_cache_size(f->m);

	switch (b >> 6) {
	case 0:
		return b & 63;
	case 1:
		return (size_t)fz_u16(f) % 2048;
	case 2:
		return ((size_t)8 << (b % 11)) + (size_t)(int8_t)fz_u8(f) % 9;
	default:
		return max / 2 + (size_t)fz_u16(f) * 8 % (max * 4);
	}
}

static gfp_t obj_gfp(struct fz *f)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_ATOMIC,		GFP_KERNEL | __GFP_ZERO,
				      GFP_NOWAIT, GFP_DMA | GFP_KERNEL, GFP_KERNEL | __GFP_NOWARN };

	return gfps[fz_u8(f) % (sizeof(gfps) / sizeof(gfps[0]))];
}

static void free_obj(struct fz *f, struct fz_obj *o)
{
	if (o->cache >= 0) {
		kmm_kmem_cache_free(f->m, f->caches[o->cache].s, o->p);
		f->caches[o->cache].live--;
	} else {
		kmm_kfree(f->m, o->p);
	}
	fz_no_report(f, "free an object");
	o->p = NULL;
}

static void op_kmalloc(struct fz *f)
{
	struct fz_obj *o = slot(f);
	size_t size = any_size(f);
	gfp_t gfp = obj_gfp(f);
	uint8_t nb = fz_u8(f);
	void *p;

	if (o->p)
		return;
	if (nb < 200)
		p = kmm_kmalloc(f->m, size, gfp);
	else
		p = kmm_kmalloc_node(f->m, size, gfp, (int)(nb % (unsigned)kmm_nr_nodes(f->m)));
	if (size == 0) {
		if (p != ZERO_SIZE_PTR)
			fz_fail(f, "kmalloc(0) returned %p", p);
		return;
	}
	if (!p) {
		if (size <= kmm_kmalloc_max_cache_size(f->m) && size < 4096 && !(gfp & __GFP_DMA))
			return; /* a small machine may be full */
		return;
	}
	if (kmm_ksize(f->m, p) < size)
		fz_fail(f, "ksize %zu below the %zu bytes asked", kmm_ksize(f->m, p), size);
	if (gfp & __GFP_ZERO)
		for (size_t i = 0; i < size; i += 61)
			if (((unsigned char *)p)[i])
				fz_fail(f, "kmalloc __GFP_ZERO object not zero at %zu", i);
	o->p = p;
	o->size = size;
	o->cache = -1;
	obj_fill(f, o);
}

static void op_krealloc(struct fz *f)
{
	struct fz_obj *o = slot(f);
	size_t size = any_size(f);
	struct fz_obj before;
	void *p;

	if (!o->p || o->cache >= 0 || size == 0)
		return;
	before = *o;
	p = kmm_krealloc(f->m, o->p, size, GFP_KERNEL);
	if (!p)
		return; /* the old object is untouched */
	o->p = p;
	/* the common prefix moved along; re-stamp at the new size */
	if (before.size > 8 && size > 8 && memcmp(p, &before.cookie, 8) != 0)
		fz_fail(f, "krealloc lost the object's first bytes");
	o->size = size;
	obj_fill(f, o);
	fz_no_report(f, "krealloc");
}

static void op_kfree(struct fz *f)
{
	struct fz_obj *o = slot(f);

	if (o->p)
		free_obj(f, o);
}

static void op_cache_create(struct fz *f)
{
	struct fz_cache *c = &f->caches[fz_u8(f) % FZ_CACHES];
	unsigned int size = fz_u16(f) % 9000;
	uint8_t ab = fz_u8(f);
	unsigned int align = ab < 128 ? 0 : ab < 240 ? 1u << (ab % 13) : ab;
	uint32_t fb = fz_u32(f);
	slab_flags_t flags =
		fb & (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_HWCACHE_ALIGN |
		      SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_STORE_USER | SLAB_RECLAIM_ACCOUNT |
		      SLAB_TYPESAFE_BY_RCU | SLAB_MEM_SPREAD | SLAB_NOLEAKTRACE | SLAB_NO_MERGE |
		      SLAB_ACCOUNT);
	bool ctor = fb & 0x80000000u;
	bool bad;
	char name[32];

	if (c->s)
		return;
	snprintf(name, sizeof(name), "fuzz-%u", (unsigned int)(c - f->caches));
	if ((flags & SLAB_CACHE_DMA) && (flags & SLAB_CACHE_DMA32))
		flags &= ~SLAB_CACHE_DMA32;
	bad = size == 0 || size > kmm_kmalloc_max_size(f->m) || (align & (align - 1)) ||
	      align > kmm_page_size(f->m);
	c->s = kmm_kmem_cache_create(f->m, name, size, align, flags, ctor ? fz_ctor : NULL);
	if (bad) {
		if (c->s)
			fz_fail(f, "kmem_cache_create(size %u, align %u) succeeded", size, align);
		if (!fz_log_has(
			    f,
			    "kmem_cache_create_args(fuzz-")) /* 6.18: __kmem_cache_create_args(name)
								failed */
			fz_fail(f, "a refused kmem_cache_create was not reported");
		return;
	}
	if (!c->s)
		return; /* the machine may be too small */
	if (kmm_kmem_cache_size(c->s) != size)
		fz_fail(f, "cache size %u, created with %u", kmm_kmem_cache_size(c->s), size);
	c->size = size;
	c->ctor = ctor;
	c->live = 0;
}

static void op_cache_alloc(struct fz *f)
{
	struct fz_cache *c = &f->caches[fz_u8(f) % FZ_CACHES];
	struct fz_obj *o = slot(f);
	uint8_t how = fz_u8(f);
	void *p;

	if (!c->s || o->p)
		return;
	if (how & 1)
		p = kmm_kmem_cache_alloc_node(f->m, c->s, GFP_KERNEL,
					      (int)(how >> 1) % (kmm_nr_nodes(f->m) + 1) - 1);
	else
		p = kmm_kmem_cache_alloc(f->m, c->s,
					 (how & 2) ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL);
	if (!p)
		return;
	o->p = p;
	o->size = c->size;
	o->cache = (int)(c - f->caches);
	c->live++;
	obj_fill(f, o);
}

static void op_cache_bulk(struct fz *f)
{
	struct fz_cache *c = &f->caches[fz_u8(f) % FZ_CACHES];
	size_t nr = 1 + fz_u8(f) % 16;
	void *objs[16];

	if (!c->s)
		return;
	if (!kmm_kmem_cache_alloc_bulk(f->m, c->s, GFP_KERNEL, nr, objs))
		return;
	for (size_t i = 0; i < nr; i++)
		memset(objs[i], 0x3d, c->size);
	kmm_kmem_cache_free_bulk(f->m, (fz_u8(f) & 1) ? c->s : NULL, nr, objs);
	fz_no_report(f, "kmem_cache bulk");
}

static void op_cache_destroy(struct fz *f)
{
	struct fz_cache *c = &f->caches[fz_u8(f) % FZ_CACHES];

	if (!c->s)
		return;
	kmm_kmem_cache_destroy(f->m, c->s);
	if (c->live) {
		if (!fz_log_has(f, "Slab cache still has objects"))
			fz_fail(f, "destroying a cache with %d live objects was not reported",
				c->live);
		return; /* the cache is kept */
	}
	fz_no_report(f, "kmem_cache_destroy");
	c->s = NULL;
}

static void op_shrink(struct fz *f)
{
	uint8_t b = fz_u8(f);
	struct fz_cache *c = &f->caches[b % FZ_CACHES];

	if (b & 0x80)
		kmm_slab_shrink_all(f->m);
	else if (b & 0x40)
		kmm_slab_synchronize_rcu(f->m);
	else if (c->s)
		kmm_kmem_cache_shrink(f->m, c->s);
}

/* ---- misuse ------------------------------------------------------------------------ */

static void op_bad_kfree(struct fz *f)
{
	uint64_t local[4] = { 0 };
	struct fz_obj *o = slot(f);
	uint8_t b = fz_u8(f);

	switch (b % 4) {
	case 0:
		kmm_kfree(f->m, local);
		break;
	case 1: /* inside a live object */
		if (!o->p || o->size < 16)
			return;
		kmm_kfree(f->m, (char *)o->p + 8);
		break;
	case 2: /* a live object to the wrong cache */
		if (!o->p)
			return;
		for (int i = 0; i < FZ_CACHES; i++) {
			if (f->caches[i].s && i != o->cache) {
				kmm_kmem_cache_free(f->m, f->caches[i].s, o->p);
				fz_misuse(f, "an object freed to the wrong cache");
				return;
			}
		}
		return;
	default: /* double free, where SLUB promises to catch it */
		if (!o->p || !f->slab_debug || o->size == 0)
			return;
		{
			void *p = o->p;
			int cache = o->cache;

			free_obj(f, o);
			if (cache >= 0)
				kmm_kmem_cache_free(f->m, f->caches[cache].s, p);
			else
				kmm_kfree(f->m, p);
		}
		break;
	}
	fz_misuse(f, "a bad kfree or kmem_cache_free");
}

/* Calls with a pointer that is not a cache, a node that does not exist, a zone kmalloc refuses. */
static void op_bad_call(struct fz *f)
{
	uint64_t local[16] = { 0 };
	struct kmem_cache *fake = (struct kmem_cache *)(void *)local;
	struct fz_obj *o = slot(f);
	void *objs[2];
	void *p;

	switch (fz_u8(f) % 9) {
	case 0:
		if (kmm_kmem_cache_alloc(f->m, fake, GFP_KERNEL))
			fz_fail(f, "kmem_cache_alloc of a fake cache answered");
		break;
	case 1:
		kmm_kmem_cache_free(f->m, fake, local);
		break;
	case 2:
		kmm_kmem_cache_shrink(f->m, fake);
		break;
	case 3:
		if (kmm_kmem_cache_alloc_bulk(f->m, fake, GFP_KERNEL, 2, objs))
			fz_fail(f, "kmem_cache_alloc_bulk of a fake cache answered");
		break;
	case 4:
		kmm_kmem_cache_destroy(f->m, fake);
		break;
	case 5:
		if (kmm_kmalloc_node(f->m, 64, GFP_KERNEL, kmm_nr_nodes(f->m) + fz_u8(f) % 4))
			fz_fail(f, "kmalloc_node on a node that does not exist answered");
		break;
	case 6:
		if (kmm_ksize(f->m, local) != 0)
			fz_fail(f, "ksize of a foreign pointer answered");
		break;
	case 7:
		if (kmm_krealloc(f->m, local, 100, GFP_KERNEL))
			fz_fail(f, "krealloc of a foreign pointer answered");
		break;
	default: /* a large kmalloc with a zone modifier it cannot have: fixed up and logged */
		if (o->p)
			return;
		p = kmm_kmalloc(f->m, kmm_kmalloc_max_cache_size(f->m) + 1,
				GFP_KERNEL | ((fz_u8(f) & 1) ? __GFP_DMA32 : __GFP_HIGHMEM));
		if (!fz_log_has(f, "Unexpected gfp"))
			fz_fail(f, "kmalloc with a zone modifier was not logged");
		if (!p)
			return;
		o->p = p;
		o->size = kmm_kmalloc_max_cache_size(f->m) + 1;
		o->cache = -1;
		obj_fill(f, o);
		return;
	}
	fz_misuse(f, "a slab call with a bad cache, node or pointer");
}

static void slab_teardown(struct fz *f)
{
	for (int i = 0; i < FZ_OBJS; i++)
		if (f->objs[i].p)
			free_obj(f, &f->objs[i]);
	for (int i = 0; i < FZ_CACHES; i++) {
		if (!f->caches[i].s)
			continue;
		kmm_kmem_cache_destroy(f->m, f->caches[i].s);
		fz_no_report(f, "destroy at the end");
		f->caches[i].s = NULL;
	}
}

static const struct fz_op slab_ops[] = {
	{ "kmalloc", op_kmalloc },
	{ "kmalloc", op_kmalloc },
	{ "krealloc", op_krealloc },
	{ "kfree", op_kfree },
	{ "kmem_cache_create", op_cache_create },
	{ "kmem_cache_alloc", op_cache_alloc },
	{ "kmem_cache_alloc", op_cache_alloc },
	{ "kmem_cache bulk", op_cache_bulk },
	{ "kmem_cache_destroy", op_cache_destroy },
	{ "shrink", op_shrink },
	{ "misuse: kfree", op_bad_kfree },
	{ "misuse: bad slab call", op_bad_call },
};

const struct fz_layer fz_layer_slab = {
	"slab", slab_ops, sizeof(slab_ops) / sizeof(slab_ops[0]), slab_verify, slab_teardown,
};
