/* SPDX-License-Identifier: MIT */
/*
 * slab/slabs.c - slabs and the per-node slab lists.
 *
 * A slab is made (new_slab) outside every lock: pages come from the page
 * allocator as one compound block of 2^s->order pages (with the cache's
 * zone and migratetype flags: SLAB_CACHE_DMA -> GFP_DMA,
 * SLAB_RECLAIM_ACCOUNT -> __GFP_RECLAIMABLE), the head page is marked
 * PG_slab and points at its cache, the first object is placed at the next
 * colour offset of the node (SLAB's colouring: successive slabs shift
 * their objects by colour_off bytes, cycling through s->colour steps, so
 * objects at the same index of different slabs fall on different cache
 * lines), debug patterns are laid out, the constructor runs on every
 * object, and the objects are linked into the slab's freelist in address
 * order or, with slab_freelist_random=1, in a shuffled order.
 *
 * Everything else here runs under the node's list_lock: popping objects off
 * a slab's freelist (each decoded pointer is validated: a corrupt chain is
 * cut at the last good object and the objects beyond it are written off as
 * in use, so the counts stay exact), pushing them back, and keeping each
 * slab on the list its inuse count says (partial, full, free). Empty slabs
 * follow SLUB's min_partial rule (node_trim): a node keeps an empty slab
 * only while its partial and empty slabs together number at most
 * s->min_partial (clamp(ilog2(size) / 2, 5, 10)), so a burst that is freed
 * leaves at most that many empty slabs behind. Those beyond it are handed
 * back to the caller on a private list and given to the page allocator
 * after unlock (discard_slab). SLAB_TYPESAFE_BY_RCU caches never give a
 * slab back directly: the empty slabs beyond the rule, and on a shrink all
 * of them, move to the rcu list, which kmm_slab_synchronize_rcu empties
 * (SLUB frees them after a grace period).
 */
#include "slab/slab.h"

#define SHUFFLE_MAX 1024

/* gfp bits a slab's page allocation takes from the caller. */
#define SLAB_GFP_DROP \
	(GFP_ZONEMASK | __GFP_RECLAIMABLE | __GFP_ZERO | __GFP_COMP | __GFP_NO_GROW | __GFP_COLD)

static unsigned int next_colour(struct kmem_cache *s, int nid)
{
	unsigned int c;

	if (s->colour <= 1)
		return 0;
	c = __atomic_fetch_add(&get_node(s, nid)->colour_next, 1, __ATOMIC_RELAXED);
	return (c % s->colour) * s->colour_off;
}

/* Link the objects into the freelist in the order given (NULL: address order). */
static void link_freelist(struct kmem_cache *s, struct page *page, const uint16_t *order)
{
	unsigned int n = s->objects;
	void *prev = NULL;

	for (unsigned int k = n; k-- > 0;) {
		unsigned int idx = order ? order[k] : k;
		void *obj = slab_object(s, page, idx);

		set_freepointer(s, obj, prev);
		prev = obj;
	}
	page->u.slab.freelist = (uint16_t)(order ? order[0] : 0);
}

static unsigned int gcd(unsigned int a, unsigned int b)
{
	while (b) {
		unsigned int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Slabs with more objects than SHUFFLE_MAX (tiny objects on 64K pages):
 * a random start and a random stride coprime with the object count, a
 * cheaper permutation than a full shuffle. n > 1.
 */
static void link_freelist_strided(struct kmem_cache *s, struct page *page)
{
	unsigned int n = s->objects, start, stride;
	uint64_t r = slab_random(s->m);
	void *prev = NULL;

	start = (unsigned int)(r % n);
	stride = 1 + (unsigned int)((r >> 32) % (n - 1));
	while (gcd(stride, n) != 1)
		stride = stride % (n - 1) + 1;
	for (unsigned int k = n; k-- > 0;) {
		unsigned int idx = (unsigned int)((start + (uint64_t)k * stride) % n);
		void *obj = slab_object(s, page, idx);

		set_freepointer(s, obj, prev);
		prev = obj;
	}
	page->u.slab.freelist = (uint16_t)start;
}

struct page *new_slab(struct kmem_cache *s, gfp_t gfp, int nid)
{
	struct kmm_machine *m = s->m;
	struct page *page;

	if (unlikely(gfp & GFP_SLAB_BUG_MASK))
		gfp = kmalloc_fix_flags(m, gfp);
	gfp = (gfp & ~SLAB_GFP_DROP) | s->allocflags;
	page = __alloc_pages(m, gfp, s->order, nid, NULL);
	if (!page)
		return NULL;
	page_set(page, PG_slab);
	page->private = (uintptr_t)s;
	page->u.raw = 0;
	page->u.slab.objects = (uint16_t)s->objects;
	page->u.slab.inuse = 0;
	page->u.slab.colour = (uint16_t)next_colour(s, (int)page_nid(page));
	page->lru_next = KMM_NIL_PFN;
	page->lru_prev = KMM_NIL_PFN;

	if (s->debug)
		setup_slab_debug(s, page);
	if (s->ctor)
		for (unsigned int i = 0; i < s->objects; i++)
			s->ctor(slab_object(s, page, i));
	if (m->desc.slab_freelist_random && s->objects > 1) {
		if (s->objects <= SHUFFLE_MAX) {
			uint16_t order[SHUFFLE_MAX];

			for (unsigned int i = 0; i < s->objects; i++)
				order[i] = (uint16_t)i;
			slab_shuffle(m, order, s->objects);
			link_freelist(s, page, order);
		} else {
			link_freelist_strided(s, page);
		}
	} else {
		link_freelist(s, page, NULL);
	}
	__atomic_add_fetch(&s->stat[SLAB_STAT_GROW], 1, __ATOMIC_RELAXED);
	slab_account_pages(s, page, 1l << s->order);
	return page;
}

void discard_slab(struct kmem_cache *s, struct page *page)
{
	page_clear(page, PG_slab);
	page->private = 0;
	page->u.raw = 0;
	__atomic_add_fetch(&s->stat[SLAB_STAT_SHRINK], 1, __ATOMIC_RELAXED);
	slab_account_pages(s, page, -(1l << s->order));
	free_pages_untraced(s->m, page, s->order);
}

unsigned long discard_slab_list(struct kmem_cache *s, struct page_list *list)
{
	struct page *map = s->m->vmemmap;
	unsigned long pages = 0;
	uint32_t pfn = list->head;

	while (pfn != KMM_NIL_PFN) {
		uint32_t next = map[pfn].lru_next;

		discard_slab(s, &map[pfn]);
		pages += 1ul << s->order;
		pfn = next;
	}
	page_list_init(list);
	return pages;
}

void *slab_pop(struct kmem_cache *s, struct page *page, bool *corrupt)
{
	unsigned int idx = page->u.slab.freelist;
	void *obj, *next;

	if (idx == SLAB_NIL)
		return NULL;
	/* a slab with a free object is not full and its freelist head is one of its objects */
	VM_BUG_ON_PAGE(s->m, idx >= page->u.slab.objects, page);
	VM_BUG_ON_PAGE(s->m, page->u.slab.inuse >= page->u.slab.objects, page);
	obj = slab_object(s, page, idx);
	next = get_freepointer(s, obj);
	page->u.slab.inuse++;
	if (!next) {
		page->u.slab.freelist = SLAB_NIL;
	} else {
		int ni = slab_obj_index(s, page, next);

		if (ni < 0) {
			/* cut the chain: the free objects beyond are written off as in use */
			*corrupt = true;
			page->u.slab.freelist = SLAB_NIL;
			page->u.slab.inuse = page->u.slab.objects;
		} else {
			page->u.slab.freelist = (uint16_t)ni;
		}
	}
	return obj;
}

void slab_push(struct kmem_cache *s, struct page *page, void *obj)
{
	unsigned int head = page->u.slab.freelist;

	/* only an object of this slab, of which some are in use, comes back */
	VM_BUG_ON_PAGE(s->m, page->u.slab.inuse == 0, page);
	VM_BUG_ON_PAGE(s->m, slab_obj_index(s, page, obj) < 0, page);
	set_freepointer(s, obj, head == SLAB_NIL ? NULL : slab_object(s, page, head));
	page->u.slab.freelist = (uint16_t)slab_obj_index(s, page, obj);
	page->u.slab.inuse--;
}

struct page_list *slab_list_for(struct kmem_cache *s, struct kmem_cache_node *n,
				const struct page *page)
{
	(void)s;
	if (page->u.slab.inuse == 0)
		return &n->free;
	if (page->u.slab.inuse >= page->u.slab.objects)
		return &n->full;
	return &n->partial;
}

static unsigned long *list_counter(struct kmem_cache_node *n, const struct page_list *l)
{
	if (l == &n->free)
		return &n->nr_free;
	if (l == &n->full)
		return &n->nr_full;
	return &n->nr_partial;
}

void node_list_add(struct kmem_cache *s, struct kmem_cache_node *n, struct page *page)
{
	struct page_list *l = slab_list_for(s, n, page);

	page_list_add(s->m->vmemmap, l, (uint32_t)page_to_pfn(s->m, page));
	(*list_counter(n, l))++;
}

void node_list_del(struct kmem_cache *s, struct kmem_cache_node *n, struct page *page)
{
	struct page_list *l = slab_list_for(s, n, page);

	page_list_del(s->m->vmemmap, l, (uint32_t)page_to_pfn(s->m, page));
	(*list_counter(n, l))--;
}

/* The slab to take objects from next: partial, then free, then rcu-pending. */
static struct page *node_pick(struct kmem_cache *s, struct kmem_cache_node *n)
{
	struct page *map = s->m->vmemmap;

	if (!page_list_empty(&n->partial))
		return &map[n->partial.head];
	if (!page_list_empty(&n->free))
		return &map[n->free.head];
	if (!page_list_empty(&n->rcu)) {
		/* type-stable memory may be reused by its own cache at any time */
		uint32_t pfn = n->rcu.head;

		page_list_del(map, &n->rcu, pfn);
		n->nr_rcu--;
		page_list_add(map, &n->free, pfn);
		n->nr_free++;
		return &map[pfn];
	}
	return NULL;
}

unsigned int node_take(struct kmem_cache *s, struct kmem_cache_node *n, void **out,
		       unsigned int max, struct slab_report *rep)
{
	unsigned int got = 0;

	while (got < max) {
		struct page *page = node_pick(s, n);

		if (!page)
			break;
		node_list_del(s, n, page);
		while (got < max && page->u.slab.freelist != SLAB_NIL) {
			unsigned int before = page->u.slab.inuse;
			bool corrupt = false;
			void *obj = slab_pop(s, page, &corrupt);

			out[got++] = obj;
			n->free_objects -= page->u.slab.inuse - before;
			if (unlikely(corrupt) && rep && rep->kind == SLAB_REPORT_NONE) {
				rep->kind = SLAB_REPORT_FREECHAIN;
				rep->page = page;
				rep->object = obj;
				rep->lost = page->u.slab.inuse - before - 1;
			}
		}
		node_list_add(s, n, page);
	}
	return got;
}

/*
 * SLUB's min_partial rule (__slab_free: an empty slab is discarded when the
 * node already has min_partial partial slabs; SLUB's partial list holds the
 * empty slabs too): keep empty slabs only while partial + empty slabs are
 * at most min_partial, give back the coldest beyond. Empty slabs of a
 * TYPESAFE_BY_RCU cache go to the rcu list instead, to wait for a grace
 * period. (list_lock held)
 */
void node_trim(struct kmem_cache *s, struct kmem_cache_node *n, struct page_list *release)
{
	struct page *map = s->m->vmemmap;
	bool rcu = s->flags & SLAB_TYPESAFE_BY_RCU;

	while (n->nr_free > 0 && n->nr_partial + n->nr_free > s->min_partial) {
		uint32_t pfn = n->free.tail;

		page_list_del(map, &n->free, pfn);
		n->nr_free--;
		if (rcu) {
			page_list_add(map, &n->rcu, pfn);
			n->nr_rcu++;
		} else {
			n->free_objects -= s->objects;
			page_list_add_tail(map, release, pfn);
		}
	}
}

unsigned int node_put(struct kmem_cache *s, void **objs, unsigned int nr, struct page_list *release,
		      void **dfree)
{
	struct kmm_machine *m = s->m;
	struct kmem_cache_node *n = NULL;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < nr; i++) {
		struct page *page = virt_to_head_page_m(m, objs[i]);
		struct kmem_cache_node *pn = get_node(s, (int)page_nid(page));

		if (pn != n) {
			if (n) {
				node_trim(s, n, release);
				kmm_spin_unlock(&n->list_lock);
			}
			n = pn;
			kmm_spin_lock(&n->list_lock);
		}
		/* SLUB's naive double-free check, plus the count that cannot go below 0 */
		if (unlikely(page->u.slab.inuse == 0 ||
			     (page->u.slab.freelist != SLAB_NIL &&
			      slab_object(s, page, page->u.slab.freelist) == objs[i]))) {
			if (!bad++ && dfree)
				*dfree = objs[i];
			continue;
		}
		node_list_del(s, n, page);
		slab_push(s, page, objs[i]);
		n->free_objects++;
		node_list_add(s, n, page);
	}
	if (n) {
		node_trim(s, n, release);
		kmm_spin_unlock(&n->list_lock);
	}
	return bad;
}

unsigned int node_add_new_slab_take(struct kmem_cache *s, struct page *page, void **out,
				    unsigned int max)
{
	struct kmem_cache_node *n = get_node(s, (int)page_nid(page));
	unsigned int got = 0;

	kmm_spin_lock(&n->list_lock);
	while (got < max && page->u.slab.freelist != SLAB_NIL) {
		bool corrupt = false; /* a slab nobody has seen cannot be corrupt */

		out[got++] = slab_pop(s, page, &corrupt);
	}
	n->free_objects += s->objects - got;
	node_list_add(s, n, page);
	kmm_spin_unlock(&n->list_lock);
	return got;
}

void *node_add_new_slab(struct kmem_cache *s, struct page *page)
{
	void *obj = NULL;

	node_add_new_slab_take(s, page, &obj, 1);
	return obj;
}

void node_release_empty(struct kmem_cache *s, struct page_list *release)
{
	struct kmm_machine *m = s->m;
	struct page *map = m->vmemmap;

	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);

		kmm_spin_lock(&n->list_lock);
		while (!page_list_empty(&n->free)) {
			uint32_t pfn = n->free.head;

			page_list_del(map, &n->free, pfn);
			n->nr_free--;
			if (s->flags & SLAB_TYPESAFE_BY_RCU) {
				page_list_add(map, &n->rcu, pfn);
				n->nr_rcu++;
			} else {
				n->free_objects -= s->objects;
				page_list_add_tail(map, release, pfn);
			}
		}
		kmm_spin_unlock(&n->list_lock);
	}
}
