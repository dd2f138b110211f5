/* SPDX-License-Identifier: MIT */
/*
 * slab/kmalloc.c - the kmalloc family on top of the kmalloc caches.
 *
 * Size classes (mm/slab_common.c): kmalloc-8, 16, 32, 64, 96, 128, 192,
 * 256, 512, 1k, 2k, 4k, 8k - powers of two from 8 to two pages, plus 96
 * and 192 - in three families chosen by the gfp mask: kmalloc-* (normal),
 * kmalloc-rcl-* (__GFP_RECLAIMABLE: SLAB_RECLAIM_ACCOUNT, Reclaimable
 * pages, SReclaimable) and dma-kmalloc-* (GFP_DMA: pages from ZONE_DMA).
 * A request of 1..192 bytes finds its class through kmalloc_size_index
 * (65..96 -> kmalloc-96, 129..192 -> kmalloc-192), above that through
 * fls(size - 1). Power-of-two classes are aligned to their size.
 *
 * Above the largest class, kmalloc goes to the page allocator for a
 * compound block of get_order(size) pages (a "large kmalloc", marked by
 * PG_owner_priv and KMALLOC_LARGE_MAGIC in the head page), up to order
 * KMM_MAX_ORDER; larger requests fail with a warning (unless __GFP_NOWARN).
 * kfree finds what it frees from the pointer alone: the head page of its
 * direct-map address is a slab (page->private: the cache) or a large
 * kmalloc; anything else is reported and left alone.
 *
 * kmalloc(0) returns ZERO_SIZE_PTR; kfree and ksize accept it and NULL.
 * krealloc stays in place while the new size fits ksize (zeroing the tail
 * when init_on_alloc or __GFP_ZERO asks), else allocates, copies ksize
 * bytes and frees the old object.
 */
#include "slab/slab.h"
#include "trace/trace.h"

#define RET_IP ((uintptr_t)__builtin_return_address(0))

/* The class of 1..192 bytes, by (size - 1) / 8 (kmalloc_size_index). */
static const uint8_t kmalloc_size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6, /* 8 .. 64 */
	1, 1, 1, 1, 7, 7, 7, 7, /* 72 .. 128 */
	2, 2, 2, 2, 2, 2, 2, 2, /* 136 .. 192 */
};

static inline unsigned int kmalloc_index(size_t size)
{
	if (size <= 192)
		return kmalloc_size_index[(size - 1) / 8];
	return 64 - (unsigned int)__builtin_clzl((unsigned long)(size - 1));
}

static inline struct kmem_cache *kmalloc_slab(const struct kmm_machine *m, size_t size, gfp_t gfp)
{
	int type = KMALLOC_NORMAL;

	if (unlikely(gfp & (__GFP_DMA | __GFP_RECLAIMABLE)))
		type = (gfp & __GFP_DMA) ? KMALLOC_DMA : KMALLOC_RECLAIM;
	return m->slab->kmalloc_caches[type][kmalloc_index(size)];
}

size_t kmm_kmalloc_max_size(const kmm_machine *m)
{
	return (size_t)m->page_size << MAX_ORDER;
}

size_t kmm_kmalloc_max_cache_size(const kmm_machine *m)
{
	return (size_t)m->page_size << 1;
}

gfp_t kmalloc_fix_flags(struct kmm_machine *m, gfp_t gfp)
{
	gfp_t invalid = gfp & GFP_SLAB_BUG_MASK;
	char bad[128], fixed[256];

	gfp &= ~GFP_SLAB_BUG_MASK;
	kmm_format_gfp(bad, sizeof(bad), invalid);
	kmm_format_gfp(fixed, sizeof(fixed), gfp);
	kmm_log(m, "Unexpected gfp: %#x (%s). Fixing up to gfp: %#x (%s). Fix your code!\n",
		invalid, bad, gfp, fixed);
	return gfp;
}

static unsigned int size_order(const struct kmm_machine *m, size_t size)
{
	unsigned int order = 0;

	while (((size_t)m->page_size << order) < size)
		order++;
	return order;
}

static KMM_NOINLINE void *kmalloc_large(struct kmm_machine *m, size_t size, gfp_t gfp, int nid)
{
	struct page *page;
	unsigned int order;

	if (size > kmm_kmalloc_max_size(m)) {
		if (!(gfp & __GFP_NOWARN))
			kmm_log(m,
				"kmalloc: %zu bytes is above KMALLOC_MAX_SIZE (%zu bytes, order "
				"%d): "
				"allocation refused\n",
				size, kmm_kmalloc_max_size(m), MAX_ORDER);
		return NULL;
	}
	if (unlikely(gfp & GFP_SLAB_BUG_MASK))
		gfp = kmalloc_fix_flags(m, gfp);
	order = size_order(m, size);
	page = __alloc_pages(m, (gfp & ~(__GFP_NO_GROW | __GFP_COLD)) | __GFP_COMP, order, nid,
			     NULL);
	if (!page)
		return NULL;
	page_set(page, PG_owner_priv);
	page->private = KMALLOC_LARGE_MAGIC;
	fp_count_atomic();
	__atomic_add_fetch(&m->slab->large_pages, 1ul << order, __ATOMIC_RELAXED);
	slab_node_account(m, (int)page_nid(page), false, 1l << order); /* as 6.x accounts them */
	return page_to_virt_raw(m, page);
}

static inline bool is_large_kmalloc(const struct page *page)
{
	return page_test(page, PG_owner_priv) && page->private == KMALLOC_LARGE_MAGIC;
}

static unsigned int large_order(const struct page *page)
{
	return page_test(page, PG_head) ? page[1].u.compound_order : 0;
}

static KMM_NOINLINE void free_large(struct kmm_machine *m, struct page *page, const void *p)
{
	unsigned int order;

	if (!is_large_kmalloc(page)) {
		char why[160];

		kmm_snprintf(why, sizeof(why),
			     "pfn %#lx (flags %#x) is neither a slab nor a large kmalloc",
			     page_to_pfn(m, page), page->flags & PAGE_FLAGS_MASK);
		report_bad_kfree(m, p, why);
		return;
	}
	if (p != page_to_virt_raw(m, page)) {
		char why[160];

		kmm_snprintf(why, sizeof(why), "%p is inside the large kmalloc at %p", p,
			     page_to_virt_raw(m, page));
		report_bad_kfree(m, p, why);
		return;
	}
	order = large_order(page);
	page_clear(page, PG_owner_priv);
	page->private = 0;
	fp_count_atomic();
	__atomic_sub_fetch(&m->slab->large_pages, 1ul << order, __ATOMIC_RELAXED);
	slab_node_account(m, (int)page_nid(page), false, -(1l << order));
	free_pages_untraced(m, page, order);
}

static inline void *__kmalloc(struct kmm_machine *m, size_t size, gfp_t gfp, int nid,
			      uintptr_t caller)
{
	if (likely(size - 1 < (size_t)m->page_size << 1)) {
		struct kmem_cache *s = kmalloc_slab(m, size, gfp);

		if (nid < 0) {
			void *obj = slab_alloc_fast(m, s, gfp);

			if (likely(obj))
				return obj;
		}
		return slab_alloc_slow(m, s, gfp, nid, caller);
	}
	if (size == 0)
		return ZERO_SIZE_PTR;
	return kmalloc_large(m, size, gfp, nid);
}

void *kmm_kmalloc(kmm_machine *m, size_t size, gfp_t gfp)
{
	return trace_kmalloc(m, size, gfp, -1, __kmalloc(m, size, gfp, -1, RET_IP));
}

void *kmm_kmalloc_node(kmm_machine *m, size_t size, gfp_t gfp, int nid)
{
	if (nid >= m->nr_nodes || nid < -1) {
		kmm_report_bad_call(m, "kmalloc_node: node %d does not exist (nodes 0-%d)", nid,
				    m->nr_nodes - 1);
		return NULL;
	}
	if (nid == numa_node_id_m(m))
		nid = -1;
	return trace_kmalloc(m, size, gfp, nid, __kmalloc(m, size, gfp, nid, RET_IP));
}

void *kmm_kmalloc_array(kmm_machine *m, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return trace_kmalloc(m, bytes, gfp, -1, __kmalloc(m, bytes, gfp, -1, RET_IP));
}

void kmm_kfree(kmm_machine *m, const void *p)
{
	struct page *page;
	struct kmem_cache *s;

	trace_kfree(m, p);
	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	page = virt_to_head_page_m(m, p);
	if (unlikely(!page)) {
		report_bad_kfree(m, p, "not an address in this machine's direct map");
		return;
	}
	s = page_slab_cache(page);
	if (likely(s)) {
		slab_free(m, s, page, (void *)p, RET_IP);
		return;
	}
	free_large(m, page, p);
}

/* The usable size of an object of s (SLUB's slab_ksize). */
static size_t slab_ksize(const struct kmem_cache *s)
{
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER))
		return s->inuse;
	return s->size;
}

/* ksize, or 0 with a report when p is not something kmalloc returned. */
static size_t __ksize(struct kmm_machine *m, const void *p, const char *caller)
{
	struct page *page = virt_to_head_page_m(m, p);
	struct kmem_cache *s;

	if (!page) {
		kmm_report_bad_call(m, "%s: %p is not an address in this machine's direct map",
				    caller, p);
		return 0;
	}
	s = page_slab_cache(page);
	if (s)
		return slab_ksize(s);
	if (is_large_kmalloc(page))
		return (size_t)m->page_size << large_order(page);
	kmm_report_bad_call(m, "%s: %p was not allocated by kmalloc", caller, p);
	return 0;
}

size_t kmm_ksize(kmm_machine *m, const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return 0;
	return __ksize(m, p, "ksize");
}

void *kmm_krealloc(kmm_machine *m, const void *p, size_t new_size, gfp_t gfp)
{
	size_t ks;
	void *ret;

	if (ZERO_OR_NULL_PTR(p))
		return trace_kmalloc(m, new_size, gfp, -1, __kmalloc(m, new_size, gfp, -1, RET_IP));
	if (new_size == 0) {
		kmm_kfree(m, p);
		return ZERO_SIZE_PTR;
	}
	ks = __ksize(m, p, "krealloc");
	if (ks == 0)
		return NULL;
	if (new_size <= ks) {
		if ((gfp & __GFP_ZERO) || m->desc.init_on_alloc)
			kmm_memset((char *)p + new_size, 0, ks - new_size);
		return (void *)p;
	}
	ret = trace_kmalloc(m, new_size, gfp, -1, __kmalloc(m, new_size, gfp, -1, RET_IP));
	if (!ret)
		return NULL;
	kmm_memcpy(ret, p, ks);
	kmm_kfree(m, p);
	return ret;
}

void kmm_kfree_sensitive(kmm_machine *m, const void *p)
{
	size_t ks;

	if (ZERO_OR_NULL_PTR(p))
		return;
	ks = __ksize(m, p, "kfree_sensitive");
	if (ks)
		kmm_memset((void *)p, 0, ks);
	kmm_kfree(m, p);
}

void *kmm_kmemdup(kmm_machine *m, const void *src, size_t len, gfp_t gfp)
{
	void *p = trace_kmalloc(m, len, gfp, -1, __kmalloc(m, len, gfp, -1, RET_IP));

	if (p && len)
		kmm_memcpy(p, src, len);
	return p;
}

void *kmm_kmemdup_nul(kmm_machine *m, const char *s, size_t len, gfp_t gfp)
{
	char *p;

	if (!s || len + 1 == 0)
		return NULL;
	p = trace_kmalloc(m, len + 1, gfp, -1, __kmalloc(m, len + 1, gfp, -1, RET_IP));
	if (p) {
		kmm_memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *kmm_kstrdup(kmm_machine *m, const char *s, gfp_t gfp)
{
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = kmm_strlen(s) + 1;
	p = trace_kmalloc(m, len, gfp, -1, __kmalloc(m, len, gfp, -1, RET_IP));
	if (p)
		kmm_memcpy(p, s, len);
	return p;
}

char *kmm_kstrndup(kmm_machine *m, const char *s, size_t max, gfp_t gfp)
{
	size_t len = 0;
	char *p;

	if (!s)
		return NULL;
	while (len < max && s[len])
		len++;
	p = trace_kmalloc(m, len + 1, gfp, -1, __kmalloc(m, len + 1, gfp, -1, RET_IP));
	if (p) {
		kmm_memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* ---- boot: the kmalloc caches ------------------------------------------------------ */

static unsigned int class_size(unsigned int idx)
{
	return idx == 1 ? 96 : idx == 2 ? 192 : 1u << idx;
}

int create_kmalloc_caches(struct kmm_machine *m)
{
	static const char *const prefix[NR_KMALLOC_TYPES] = { "kmalloc-", "kmalloc-rcl-",
							      "dma-kmalloc-" };
	static const slab_flags_t type_flags[NR_KMALLOC_TYPES] = { 0, SLAB_RECLAIM_ACCOUNT,
								   SLAB_CACHE_DMA };
	struct kmm_slab *ss = m->slab;

	for (int type = 0; type < NR_KMALLOC_TYPES; type++) {
		for (unsigned int idx = 1; idx <= ss->kmalloc_shift_high; idx++) {
			unsigned int size;
			char name[SLAB_NAME_LEN];
			struct kmem_cache *s;

			if (idx > 2 && idx < KMALLOC_SHIFT_LOW)
				continue;
			size = class_size(idx);
			if (size >= 1024)
				kmm_snprintf(name, sizeof(name), "%s%uk", prefix[type], size >> 10);
			else
				kmm_snprintf(name, sizeof(name), "%s%u", prefix[type], size);
			s = __kmem_cache_create(m, name, size, (size & (size - 1)) ? 0 : size,
						SLAB_KMALLOC | SLAB_NO_MERGE | type_flags[type],
						NULL);
			if (!s)
				return KMM_ENOMEM;
			ss->kmalloc_caches[type][idx] = s;
		}
	}
	return KMM_OK;
}
