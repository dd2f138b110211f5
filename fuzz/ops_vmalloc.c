/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ops_vmalloc.c - vmalloc, vmap, kvmalloc and kmap for the API fuzzer.
 * The program keeps its own areas (vmalloc'd, kvmalloc'd, vmapped pages of
 * its own) with a cookie at both ends; the oracle: a live area keeps its
 * cookies and maps what vmalloc_to_page says (checked through kmap_local),
 * the layer's area count equals what the program holds, misuse (vfree of
 * an interior address or of a kmalloc'd object, vunmap of a vmalloc area)
 * is reported, and kmap / kmap_local of highmem read the bytes written.
 * On a machine over caller memory there is no vmalloc area: every
 * allocation fails, which is legal.
 */
#include "api.h"

#include <string.h>

#include <kmm/highmem.h>
#include <kmm/vmalloc.h>

#define FZ_AREAS 8

struct fz_area {
	unsigned char *p;
	size_t size;
	int kind; /* 0 vmalloc, 1 kvmalloc, 2 vmap */
	struct page *pages[4];
	uint64_t cookie;
};

static struct fz_area areas[FZ_AREAS];

/* Forget what a legal failure logged (no vmalloc area, out of memory). */
static void log_reset(struct fz *f)
{
	f->log_len = 0;
	f->log[0] = '\0';
}

static void area_free(struct fz *f, struct fz_area *a)
{
	if (!a->p)
		return;
	if (a->kind == 2) {
		kmm_vunmap(f->m, a->p);
		for (int i = 0; i < 4; i++)
			kmm_free_pages(f->m, a->pages[i], 0);
	} else if (a->kind == 1) {
		kmm_kvfree(f->m, a->p);
	} else {
		kmm_vfree(f->m, a->p);
	}
	memset(a, 0, sizeof(*a));
	fz_no_report(f, "vfree");
}

static void stamp(struct fz *f, struct fz_area *a, unsigned int slot)
{
	a->cookie = fz_cookie(f, 2000 + slot);
	memcpy(a->p, &a->cookie, 8);
	/* the last 8 bytes too, where they do not overlap the first (sizes start at 8) */
	if (a->size >= 16)
		memcpy(a->p + a->size - 8, &a->cookie, 8);
}

static void op_vmalloc(struct fz *f)
{
	unsigned int slot = fz_u8(f) % FZ_AREAS;
	struct fz_area *a = &areas[slot];
	uint8_t how = fz_u8(f);
	size_t size = 8 + (size_t)fz_u16(f) % (64 * 4096);

	area_free(f, a);
	switch (how % 5) {
	case 0:
		a->p = kmm_vmalloc(f->m, size);
		break;
	case 1:
		a->p = kmm_vzalloc(f->m, size);
		break;
	case 2:
		a->p = kmm_vmalloc_32(f->m, size);
		break;
	case 3:
		a->p = kmm_vmalloc_user(f->m, size);
		break;
	default:
		/* odd: a movable area, whose pages the compaction ops may move under the cookies */
		a->p = kmm___vmalloc(
			f->m, size, GFP_KERNEL | __GFP_NOWARN | ((how & 0x80) ? __GFP_MOVABLE : 0));
		break;
	}
	if (!a->p) {
		log_reset(f); /* no vmalloc area, or out of memory: legal answers */
		return;
	}
	if (!kmm_is_vmalloc_addr(f->m, a->p))
		fz_fail(f, "vmalloc returned %p, outside the vmalloc area", (void *)a->p);
	if ((how % 5 == 1 || how % 5 == 3) && (a->p[size / 2] || a->p[size - 1]))
		fz_fail(f, "vzalloc/vmalloc_user memory is not zeroed");
	a->size = size;
	a->kind = 0;
	stamp(f, a, slot);
}

static void op_kvmalloc(struct fz *f)
{
	unsigned int slot = fz_u8(f) % FZ_AREAS;
	struct fz_area *a = &areas[slot];
	size_t size = 8 + (size_t)fz_u32(f) % (6u << 20);
	bool zero = fz_u8(f) & 1;

	area_free(f, a);
	a->p = zero ? kmm_kvzalloc(f->m, size, GFP_KERNEL) : kmm_kvmalloc(f->m, size, GFP_KERNEL);
	if (!a->p) {
		log_reset(f);
		return;
	}
	if (zero && a->p[size - 1])
		fz_fail(f, "kvzalloc memory is not zeroed");
	a->size = size;
	a->kind = 1;
	stamp(f, a, slot);
}

static void op_vmap(struct fz *f)
{
	unsigned int slot = fz_u8(f) % FZ_AREAS;
	struct fz_area *a = &areas[slot];

	area_free(f, a);
	for (int i = 0; i < 4; i++) {
		a->pages[i] = kmm_alloc_pages(
			f->m, (i & 1 ? GFP_KERNEL : GFP_HIGHUSER) | __GFP_NOWARN, 0);
		if (!a->pages[i]) {
			while (i--)
				kmm_free_pages(f->m, a->pages[i], 0);
			log_reset(f);
			return;
		}
	}
	a->p = kmm_vmap(f->m, a->pages, 4, 0);
	if (!a->p) {
		for (int i = 0; i < 4; i++)
			kmm_free_pages(f->m, a->pages[i], 0);
		log_reset(f);
		return;
	}
	a->size = 4 * kmm_page_size(f->m);
	a->kind = 2;
	stamp(f, a, slot);
}

static void op_vfree(struct fz *f)
{
	area_free(f, &areas[fz_u8(f) % FZ_AREAS]);
}

static void op_misuse(struct fz *f)
{
	struct fz_area *a = &areas[fz_u8(f) % FZ_AREAS];
	uint8_t how = fz_u8(f);
	void *k;

	if (!a->p) {
		/* vfree of a kmalloc'd object: no vm area */
		k = kmm_kmalloc(f->m, 64, GFP_KERNEL);
		if (!k)
			return;
		log_reset(f);
		kmm_vfree(f->m, k);
		fz_misuse(f, "vfree of a kmalloc'd object");
		kmm_kfree(f->m, k);
		log_reset(f);
		return;
	}
	if (a->kind == 1 && !kmm_is_vmalloc_addr(f->m, a->p))
		return;
	if (how & 1 && a->size > kmm_page_size(f->m)) {
		kmm_vfree(f->m, a->p + kmm_page_size(f->m));
		fz_misuse(f, "vfree of an interior address");
	} else if (a->kind == 2) {
		kmm_vfree(f->m, a->p);
		fz_misuse(f, "vfree of a vmap area");
	} else {
		kmm_vunmap(f->m, a->p);
		fz_misuse(f, "vunmap of a vmalloc area");
	}
}

static void op_kmap(struct fz *f)
{
	struct page *p = kmm_alloc_pages(f->m, GFP_HIGHUSER | __GFP_NOWARN, 0);
	uint64_t c = fz_cookie(f, 3000);
	unsigned char *k, *l;

	if (!p) {
		log_reset(f);
		return;
	}
	k = kmm_kmap(f->m, p);
	if (!k)
		fz_fail(f, "kmap of an allocated page failed");
	memcpy(k + 64, &c, 8);
	if (kmm_page_address(f->m, p) != k)
		fz_fail(f, "page_address of a kmapped page is not its kmap address");
	l = kmm_kmap_local_page(f->m, p);
	if (!l || memcmp(l + 64, &c, 8))
		fz_fail(f, "kmap_local does not read what kmap wrote");
	kmm_kunmap_local(f->m, l);
	kmm_kunmap(f->m, p);
	kmm_free_pages(f->m, p, 0);
	fz_no_report(f, "kmap");
}

static void vmalloc_verify(struct fz *f)
{
	struct kmm_vmalloc_stats st;
	unsigned long live = 0;

	for (int i = 0; i < FZ_AREAS; i++) {
		struct fz_area *a = &areas[i];

		if (!a->p)
			continue;
		if (memcmp(a->p, &a->cookie, 8) ||
		    (a->size >= 16 && memcmp(a->p + a->size - 8, &a->cookie, 8)))
			fz_fail(f, "area %d: cookie overwritten", i);
		if (kmm_is_vmalloc_addr(f->m, a->p)) {
			struct page *pg = kmm_vmalloc_to_page(f->m, a->p);
			unsigned char *k = pg ? kmm_kmap_local_page(f->m, pg) : NULL;

			live++;
			if (!k || memcmp(k, &a->cookie, 8))
				fz_fail(f, "area %d: vmalloc_to_page is not the frame mapped", i);
			kmm_kunmap_local(f->m, k);
		}
	}
	/* at least ours: a large area's page array is an area of its own */
	kmm_vmalloc_stats(f->m, &st);
	if (st.nr_areas < live)
		fz_fail(f, "%lu areas live, the layer counts %lu", live, st.nr_areas);
}

static void vmalloc_teardown(struct fz *f)
{
	for (int i = 0; i < FZ_AREAS; i++)
		area_free(f, &areas[i]);
	kmm_vm_unmap_aliases(f->m); /* the lazily freed areas' nodes go back to the slab */
}

static const struct fz_op vmalloc_ops[] = {
	{ "vmalloc", op_vmalloc }, { "kvmalloc", op_kvmalloc },	    { "vmap", op_vmap },
	{ "vfree", op_vfree },	   { "vmalloc misuse", op_misuse }, { "kmap", op_kmap },
};

const struct fz_layer fz_layer_vmalloc = {
	"vmalloc",	vmalloc_ops,	  sizeof(vmalloc_ops) / sizeof(vmalloc_ops[0]),
	vmalloc_verify, vmalloc_teardown,
};
