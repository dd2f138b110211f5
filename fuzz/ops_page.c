/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ops_page.c - operations of the page allocator for the API fuzzer:
 * alloc_pages of every order (0..11) with valid and invalid gfp masks on
 * any node (and nodes that do not exist), frees by page, by address, hot
 * and cold, get_page/put_page on heads and tails of compound and plain
 * blocks, drains; and the misuses: double free, wrong order, tail and
 * interior pages, foreign descriptors and addresses, NULL. Free blocks are
 * handed back to the host (kmm_discard_free_pages, an order past the last
 * one too): they come back marked known-zero, and every later __GFP_ZERO
 * block is checked to read as zeroes.
 *
 * A slot holds a block with the number of references the program owns;
 * the first and last word of a lowmem block carry its cookie.
 */
#include "api.h"

#include <string.h>

static struct fz_page *slot(struct fz *f)
{
	return &f->pages[fz_u8(f) % FZ_PAGES];
}

static struct fz_page *live_slot(struct fz *f)
{
	struct fz_page *l = slot(f);

	return l->page ? l : NULL;
}

#define PAGE_WORDS(f) (kmm_page_size((f)->m) / 8)

static void cookie_write(struct fz *f, struct fz_page *l)
{
	uint64_t *mem = fz_block_address(f->m, l->page);
	size_t words = (kmm_page_size(f->m) << l->order) / 8;

	l->cookie = fz_cookie(f, (unsigned int)(l - f->pages));
	if (!mem)
		return;
	mem[0] = l->cookie;
	mem[words - 1] = ~l->cookie;
	/*
	 * Every page of the block is dirtied, so that a __GFP_ZERO block made
	 * of any part of it later proves it was cleared (the zeroed marks of
	 * page/page.h must not survive a write, a split or a merge).
	 */
	for (size_t w = PAGE_WORDS(f); w < words - 1; w += PAGE_WORDS(f))
		mem[w] = l->cookie | 1;
}

static void page_verify(struct fz *f)
{
	for (int i = 0; i < FZ_PAGES; i++) {
		struct fz_page *l = &f->pages[i];
		uint64_t *mem;
		size_t words;

		if (!l->page)
			continue;
		if (kmm_page_ref_count(f->m, l->page) != l->refs)
			fz_fail(f, "page slot %d: refcount %d, the program holds %d", i,
				kmm_page_ref_count(f->m, l->page), l->refs);
		mem = fz_block_address(f->m, l->page);
		if (!mem)
			continue;
		words = (kmm_page_size(f->m) << l->order) / 8;
		if (mem[0] != l->cookie || mem[words - 1] != ~l->cookie)
			fz_fail(f, "page slot %d (order %u, pfn %#lx): cookie overwritten", i,
				l->order, kmm_page_to_pfn(f->m, l->page));
	}
}

/* Give up one reference the program holds, the right way. */
static void drop_ref(struct fz *f, struct fz_page *l, unsigned int how)
{
	switch (how % 4) {
	case 0:
		kmm_free_pages(f->m, l->page, l->order);
		break;
	case 1: /* put_page, through a tail for compound pages */
		if (l->comp)
			kmm_put_page(f->m,
				     kmm_pfn_to_page(f->m, kmm_page_to_pfn(f->m, l->page) +
								   (how >> 2) % (1u << l->order)));
		else
			kmm_put_page(f->m, l->page);
		break;
	case 2:
		if (fz_block_address(f->m, l->page)) {
			kmm_free_pages_addr(f->m, (unsigned long)fz_block_address(f->m, l->page),
					    l->order);
			break;
		}
		kmm_free_pages(f->m, l->page, l->order);
		break;
	default:
		if (l->order == 0 && (how & 4))
			kmm_free_cold_page(f->m, l->page);
		else if (l->order == 0)
			kmm_free_hot_page(f->m, l->page);
		else
			kmm_free_pages(f->m, l->page, l->order);
		break;
	}
	fz_no_report(f, "free a block");
	if (--l->refs == 0)
		l->page = NULL;
}

static void op_alloc(struct fz *f)
{
	struct fz_page *l = slot(f);
	unsigned int order = fz_u8(f) % 12;
	uint8_t nb = fz_u8(f);
	int nid = nb < 160 ? -1 : (int)(nb % (unsigned int)(kmm_nr_nodes(f->m) + 2)) - 1;
	bool valid;
	gfp_t gfp = fz_gfp(f, &valid);
	struct page *p;

	if (l->page)
		return;
	p = nid == -1 ? kmm_alloc_pages(f->m, gfp, order)
		      : kmm_alloc_pages_node(f->m, nid, gfp, order);
	if (order > 10 || !valid || nid >= kmm_nr_nodes(f->m)) {
		if (p)
			fz_fail(f, "alloc_pages(%#x, order %u, node %d) succeeded", gfp, order,
				nid);
		if (order <= 10 || !(gfp & __GFP_NOWARN))
			fz_misuse(f, "alloc_pages with a bad order, gfp or node");
		return;
	}
	if (fz_log_has(f, "BUG"))
		fz_fail(f, "a valid alloc_pages(%#x, order %u) was reported", gfp, order);
	if (!p)
		return;
	l->page = p;
	l->order = order;
	l->refs = 1;
	l->comp = (gfp & __GFP_COMP) && order > 0;
	if (gfp & __GFP_ZERO) { /* a page at a time: highmem is reached by kmap_local */
		size_t psize = kmm_page_size(f->m);

		for (unsigned long k = 0; k < 1ul << order; k++) {
			struct page *pg = kmm_pfn_to_page(f->m, kmm_page_to_pfn(f->m, p) + k);
			const unsigned char *mem = kmm_kmap_local_page(f->m, pg);

			if (!mem)
				break; /* the host refused the mapping */
			for (size_t i = 0; i < psize; i += 512)
				if (mem[i] || mem[i + 511])
					fz_fail(f, "__GFP_ZERO block is not zero at byte %zu",
						k * psize + (mem[i] ? i : i + 511));
			kmm_kunmap_local(f->m, mem);
		}
	}
	if (l->comp && kmm_compound_order(f->m, p) != order)
		fz_fail(f, "compound order %u, allocated %u", kmm_compound_order(f->m, p), order);
	cookie_write(f, l);
}

static void op_get_free_pages(struct fz *f)
{
	struct fz_page *l = slot(f);
	unsigned int order = fz_u8(f) % 11;
	bool valid;
	gfp_t gfp = fz_gfp(f, &valid) & ~__GFP_COMP;
	unsigned long addr;

	if (l->page)
		return;
	/* __get_free_pages drops __GFP_HIGHMEM before anything looks at the mask */
	valid = fz_gfp_valid(gfp & ~__GFP_HIGHMEM);
	addr = kmm_get_free_pages(f->m, gfp, order);
	if (!valid) {
		if (addr)
			fz_fail(f, "__get_free_pages(%#x) succeeded", gfp);
		fz_misuse(f, "__get_free_pages with a bad gfp");
		return;
	}
	if (!addr)
		return;
	if (addr & (kmm_page_size(f->m) - 1))
		fz_fail(f, "__get_free_pages returned %#lx, not page aligned", addr);
	l->page = kmm_virt_to_page(f->m, (void *)addr);
	if (!l->page)
		fz_fail(f, "__get_free_pages returned %#lx, outside the direct map", addr);
	l->order = order;
	l->refs = 1;
	l->comp = false;
	cookie_write(f, l);
}

static void op_free(struct fz *f)
{
	struct fz_page *l = live_slot(f);
	unsigned int how = fz_u8(f);

	if (l)
		drop_ref(f, l, how);
}

static void op_get_page(struct fz *f)
{
	struct fz_page *l = live_slot(f);
	unsigned int which = fz_u8(f);

	if (!l || l->refs > 100)
		return;
	if (l->order && (which & 1))
		kmm_get_page(f->m, kmm_pfn_to_page(
					   f->m, kmm_page_to_pfn(f->m, l->page) +
							 (l->comp ? which % (1u << l->order) : 0)));
	else
		kmm_get_page(f->m, l->page);
	fz_no_report(f, "get_page");
	l->refs++;
}

static void op_drain(struct fz *f)
{
	if (fz_u8(f) & 1)
		kmm_drain_all_pages(f->m, NULL);
	else
		kmm_drain_local_pages(f->m, NULL);
}

/* malloc_trim's call: the frames of free blocks of at least some order go back to the host. */
static void op_discard(struct fz *f)
{
	unsigned int order = fz_u8(f) % (KMM_NR_ORDERS + 1); /* KMM_NR_ORDERS: refused, 0 */
	unsigned long free = 0, n;

	kmm_drain_all_pages(f->m, NULL);
	for (int nid = 0; nid < kmm_nr_nodes(f->m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			free += kmm_zone_free_pages(f->m, nid, (enum kmm_zone_type)z);
	n = kmm_discard_free_pages(f->m, order);
	if (n > free || (order == KMM_NR_ORDERS && n))
		fz_fail(f, "discard_free_pages(order %u): %lu pages, %lu free", order, n, free);
	fz_no_report(f, "discard_free_pages");
}

/* ---- misuse ------------------------------------------------------------------------ */

static void op_double_free(struct fz *f)
{
	struct fz_page *l = live_slot(f);
	struct page *p;
	unsigned int order;

	if (!l || l->refs != 1)
		return;
	p = l->page;
	order = l->order;
	drop_ref(f, l, 0);
	if (fz_u8(f) & 1)
		kmm_free_pages(f->m, p, order);
	else
		kmm_put_page(f->m, p);
	fz_misuse(f, "double free");
}

static void op_wrong_order(struct fz *f)
{
	struct fz_page *l = live_slot(f);
	unsigned int bad = fz_u8(f) % 11;

	if (!l || bad == l->order)
		return;
	kmm_free_pages(f->m, l->page, bad);
	fz_misuse(f, "free with the wrong order");
}

static void op_inner_page(struct fz *f)
{
	struct fz_page *l = live_slot(f);
	unsigned int which = fz_u8(f);
	struct page *inner;

	if (!l || l->order == 0)
		return;
	inner = kmm_pfn_to_page(f->m, kmm_page_to_pfn(f->m, l->page) + 1 +
					      which % ((1u << l->order) - 1));
	switch ((which >> 4) % 3) {
	case 0:
		kmm_free_pages(f->m, inner, 0);
		break;
	case 1:
		kmm_free_pages(f->m, inner, l->order);
		break;
	default:
		if (l->comp)
			return; /* put_page of a tail is legal */
		kmm_put_page(f->m, inner);
		break;
	}
	fz_misuse(f, "free of a tail or interior page");
}

static void op_foreign(struct fz *f)
{
	uint64_t local[8] = { 0 };
	struct fz_page *l;

	switch (fz_u8(f) % 6) {
	case 0:
		kmm_free_pages(f->m, (struct page *)(void *)local, 0);
		break;
	case 1:
		kmm_put_page(f->m, (struct page *)(void *)local);
		break;
	case 2:
		kmm_free_pages_addr(f->m, (unsigned long)local, 0);
		break;
	case 3:
		kmm_free_pages(f->m, NULL, 0);
		break;
	case 4:
		l = live_slot(f);
		if (!l || !fz_block_address(f->m, l->page))
			return;
		kmm_free_pages_addr(f->m,
				    (unsigned long)fz_block_address(f->m, l->page) +
					    8 * (1 + fz_u8(f) % 500),
				    l->order);
		break;
	default:
		kmm_get_page(f->m, (struct page *)(void *)local);
		break;
	}
	fz_misuse(f, "a pointer that is not a page of this machine");
}

static void page_teardown(struct fz *f)
{
	for (int i = 0; i < FZ_PAGES; i++)
		while (f->pages[i].page)
			drop_ref(f, &f->pages[i], (unsigned int)i);
}

static const struct fz_op page_ops[] = {
	{ "alloc_pages", op_alloc },
	{ "alloc_pages", op_alloc },
	{ "__get_free_pages", op_get_free_pages },
	{ "free", op_free },
	{ "free", op_free },
	{ "get_page", op_get_page },
	{ "drain", op_drain },
	{ "discard_free_pages", op_discard },
	{ "misuse: double free", op_double_free },
	{ "misuse: wrong order", op_wrong_order },
	{ "misuse: inner page", op_inner_page },
	{ "misuse: foreign pointer", op_foreign },
};

const struct fz_layer fz_layer_page = {
	"page", page_ops, sizeof(page_ops) / sizeof(page_ops[0]), page_verify, page_teardown,
};
