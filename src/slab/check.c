/* SPDX-License-Identifier: MIT */
/*
 * slab/check.c - the slab layer's part of kmm_check (the slab row's .check in boot/late_init.c).
 *
 * For every cache, under the cache list's lock:
 *  1. each node's lists, under list_lock: every entry is a PG_slab head
 *     page of this cache and node with s->objects objects, on the list its
 *     inuse says (full: all in use; partial: some; free and rcu: none);
 *     list lengths equal nr_partial/nr_full/nr_free/nr_rcu; the freelist of
 *     every slab holds exactly objects - inuse distinct, valid objects; the
 *     free objects add up to the node's free_objects; with red zones or
 *     poisoning, every object's bytes match its state (SLUB's validate);
 *  2. each CPU's array, under its lock (then the node's): every entry is an
 *     object of this cache, appears once, and is on no slab freelist;
 *     each node's barn the same, and its buffer is a page of the machine;
 * then, over the whole memmap: every PG_slab head belongs to a listed cache
 * and the number of slabs found equals the number on the lists, and the
 * page counts behind meminfo match the slabs.
 * Messages are collected while locks are held and logged after; damaged
 * objects are reported in SLUB's format and repaired after unlock.
 * The counts are exact on a quiescent machine (no allocation in flight).
 */
#include "page/deferred.h"
#include "slab/slab.h"

#define SLAB_CHECK_MSGS 20
#define SLAB_CHECK_BAD 8

struct slab_checker {
	struct kmm_machine *m;
	int problems;
	int nmsgs;
	char msgs[SLAB_CHECK_MSGS][224];
	int nbad;
	struct {
		struct kmem_cache *s;
		void *obj;
		uint8_t val;
	} bad[SLAB_CHECK_BAD];
	unsigned long slabs;	/* on all lists of all caches */
	unsigned long pages[2]; /* slab pages by reclaimability */
	uint8_t freemap[SLAB_MAX_OBJECTS / 8 + 1];
};

static void problem(struct slab_checker *c, const struct kmem_cache *s, const char *fmt, ...)
	KMM_PRINTF(3, 4);
static void problem(struct slab_checker *c, const struct kmem_cache *s, const char *fmt, ...)
{
	char line[176];
	va_list ap;

	if (c->problems++ >= SLAB_CHECK_MSGS)
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kmm_snprintf(c->msgs[c->nmsgs++], sizeof(c->msgs[0]), "kmm_check: slab %s: %s\n",
		     s ? s->name : "-", line);
}

static const char *const list_names[] = { "partial", "full", "free", "rcu" };

/* Step 1 for one slab; returns its free objects. */
static unsigned int check_slab(struct slab_checker *c, struct kmem_cache *s, int nid,
			       struct page *page, int list)
{
	struct kmm_machine *m = c->m;
	unsigned long pfn = page_to_pfn(m, page);
	unsigned int objects = page->u.slab.objects, inuse = page->u.slab.inuse, nfree = 0;
	unsigned int head = page->u.slab.freelist;
	void *bad = NULL;
	uint8_t bad_val = 0;
	int damaged;

	if (!page_test(page, PG_slab) || page_test(page, PG_tail) || page_slab_cache(page) != s) {
		problem(c, s,
			"pfn %#lx on the %s list is not a slab head of this cache (flags %#x)", pfn,
			list_names[list], page->flags & PAGE_FLAGS_MASK);
		return 0;
	}
	if ((int)page_nid(page) != nid)
		problem(c, s, "pfn %#lx of node %u is on node %d's lists", pfn, page_nid(page),
			nid);
	if (objects != s->objects || inuse > objects) {
		problem(c, s, "pfn %#lx: objects %u inuse %u, cache has %u per slab", pfn, objects,
			inuse, s->objects);
		return 0;
	}
	if ((list == 0 && (inuse == 0 || inuse == objects)) || (list == 1 && inuse != objects) ||
	    (list >= 2 && inuse != 0))
		problem(c, s, "pfn %#lx with %u of %u objects in use is on the %s list", pfn, inuse,
			objects, list_names[list]);
	kmm_memset(c->freemap, 0, (objects + 7) / 8);
	for (void *fp = head == SLAB_NIL ? NULL : slab_object(s, page, head); fp;) {
		int idx = slab_obj_index(s, page, fp);

		if (idx < 0) {
			problem(c, s, "pfn %#lx: freelist holds %p, not an object", pfn, fp);
			break;
		}
		if ((c->freemap[idx / 8] >> (idx % 8)) & 1) {
			problem(c, s, "pfn %#lx: object %d is on the freelist twice", pfn, idx);
			break;
		}
		c->freemap[idx / 8] |= (uint8_t)(1u << (idx % 8));
		nfree++;
		fp = get_freepointer(s, fp);
	}
	if (nfree != objects - inuse)
		problem(c, s, "pfn %#lx: inuse %u but %u of %u objects on the freelist", pfn, inuse,
			nfree, objects);
	damaged = validate_slab_objects(s, page, c->freemap, &bad, &bad_val);
	if (damaged) {
		problem(c, s, "pfn %#lx: %d objects with damaged red zones, poison or padding", pfn,
			damaged);
		if (c->nbad < SLAB_CHECK_BAD) {
			c->bad[c->nbad].s = s;
			c->bad[c->nbad].obj = bad;
			c->bad[c->nbad].val = bad_val;
			c->nbad++;
		}
	}
	return nfree;
}

static void check_node(struct slab_checker *c, struct kmem_cache *s, int nid)
{
	struct kmem_cache_node *n = get_node(s, nid);
	struct page *map = c->m->vmemmap;
	struct page_list *lists[4] = { &n->partial, &n->full, &n->free, &n->rcu };
	unsigned long *counts[4] = { &n->nr_partial, &n->nr_full, &n->nr_free, &n->nr_rcu };
	unsigned long free_objects = 0;

	kmm_spin_lock(&n->list_lock);
	for (int l = 0; l < 4; l++) {
		uint32_t pfn, prev = KMM_NIL_PFN;
		unsigned long nr = 0;

		for (pfn = lists[l]->head; pfn != KMM_NIL_PFN; pfn = map[pfn].lru_next) {
			if (!pfn_in_machine(c->m, pfn) || ++nr > machine_max_pfn(c->m)) {
				problem(c, s, "node %d %s list is broken at pfn %#x", nid,
					list_names[l], pfn);
				break;
			}
			if (map[pfn].lru_prev != prev) { /* broken, or a cycle: stop here */
				problem(c, s,
					"pfn %#x: back link %#x, expected %#x: node %d %s list is "
					"broken",
					pfn, map[pfn].lru_prev, prev, nid, list_names[l]);
				break;
			}
			free_objects += check_slab(c, s, nid, &map[pfn], l);
			prev = pfn;
		}
		if (pfn == KMM_NIL_PFN && lists[l]->tail != prev)
			problem(c, s, "node %d %s list tail %#x, last entry %#x", nid,
				list_names[l], lists[l]->tail, prev);
		if (nr != *counts[l])
			problem(c, s, "node %d: nr_%s is %lu but the list holds %lu", nid,
				list_names[l], *counts[l], nr);
		c->slabs += nr;
		c->pages[!!(s->flags & SLAB_RECLAIM_ACCOUNT)] += nr << s->order;
	}
	if (free_objects != n->free_objects)
		problem(c, s, "node %d: free_objects is %lu but the slabs hold %lu free", nid,
			n->free_objects, free_objects);
	kmm_spin_unlock(&n->list_lock);
}

/* Is obj on its slab's freelist? (list_lock held) */
static bool on_slab_freelist(struct kmem_cache *s, struct page *page, const void *obj)
{
	unsigned int head = page->u.slab.freelist, n = 0;

	for (void *fp = head == SLAB_NIL ? NULL : slab_object(s, page, head);
	     fp && n <= page->u.slab.objects; fp = get_freepointer(s, fp), n++) {
		if (fp == obj)
			return true;
		if (slab_obj_index(s, page, fp) < 0)
			break;
	}
	return false;
}

/*
 * Objects held outside their slabs - CPU `id`'s array or node `id`'s barn
 * (`unit` "cpu" or "node", `holder` "array" or "barn"): each an object of
 * this cache, held once, on no slab freelist, in a slab with something in use.
 */
static void check_held(struct slab_checker *c, struct kmem_cache *s, const char *unit, int id,
		       const char *holder, void *const *entry, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		void *obj = entry[i];
		struct page *page = virt_to_head_page_m(c->m, obj);
		struct kmem_cache_node *n;

		if (!page || page_slab_cache(page) != s || slab_obj_index(s, page, obj) < 0) {
			problem(c, s, "%s %d: %s entry %u (%p) is not an object of this cache",
				unit, id, holder, i, obj);
			continue;
		}
		for (unsigned int j = 0; j < i; j++)
			if (entry[j] == obj)
				problem(c, s, "%s %d: %p is in the %s twice", unit, id, obj,
					holder);
		n = get_node(s, (int)page_nid(page));
		kmm_spin_lock(&n->list_lock);
		if (on_slab_freelist(s, page, obj))
			problem(c, s, "%s %d: %p is in the %s and on its slab's freelist", unit, id,
				obj, holder);
		if (page->u.slab.inuse == 0)
			problem(c, s, "%s %d: %p is in the %s but its slab has nothing in use",
				unit, id, obj, holder);
		kmm_spin_unlock(&n->list_lock);
	}
}

static void check_arrays(struct slab_checker *c, struct kmem_cache *s)
{
	struct kmm_machine *m = c->m;

	for (int cpu = 0; cpu < m->nr_slots; cpu++) {
		struct slab_array *ac = cpu_array(s, m->slab->array_shift, cpu);

		if (s->debug) {
			if (ac->avail)
				problem(c, s, "cpu %d: a debug cache holds %u objects in its array",
					cpu, ac->avail);
			continue;
		}

		array_lock_remote(m, ac, cpu);
		if (ac->avail > ac->limit)
			problem(c, s, "cpu %d: array holds %u objects, limit %u", cpu, ac->avail,
				ac->limit);
		check_held(c, s, "cpu", cpu, "array", ac->entry, MIN(ac->avail, ac->limit));
		array_unlock(ac);
	}
}

/* Each node's barn, under its lock (then the objects' nodes): like an array's entries. */
static void check_barns(struct slab_checker *c, struct kmem_cache *s, unsigned long *barns)
{
	struct kmm_machine *m = c->m;

	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct slab_barn *b = &get_node(s, nid)->barn;

		kmm_spin_lock(&b->lock);
		if (!b->entry) {
			if (b->avail || b->cap)
				problem(c, s, "node %d: barn without a buffer holds %u of %u", nid,
					b->avail, b->cap);
			kmm_spin_unlock(&b->lock);
			continue;
		}
		(*barns)++;
		if (s->debug)
			problem(c, s, "node %d: a debug cache has a barn", nid);
		if (!virt_to_head_page_m(m, b->entry) ||
		    !IS_ALIGNED((uintptr_t)b->entry, m->page_size) ||
		    b->cap > m->page_size / sizeof(void *) || b->avail > b->cap)
			problem(c, s, "node %d: barn buffer %p holds %u of %u", nid,
				(void *)b->entry, b->avail, b->cap);
		check_held(c, s, "node", nid, "barn", b->entry,
			   MIN(MIN((unsigned int)b->avail, (unsigned int)b->cap),
			       (unsigned int)(m->page_size / sizeof(void *))));
		kmm_spin_unlock(&b->lock);
	}
}

static bool cache_listed(const struct kmm_slab *ss, const struct kmem_cache *s)
{
	for (const struct kmem_cache *t = ss->caches; t; t = t->next)
		if (t == s)
			return true;
	return false;
}

/* Every PG_slab head in the memmap must belong to a listed cache. */
static void scan_memmap(struct slab_checker *c)
{
	struct kmm_machine *m = c->m;
	struct kmm_slab *ss = m->slab;
	unsigned long found = 0;

	for (unsigned long pfn = 0; pfn < m->max_low_pfn;) {
		/* one section at a time: a section's memmap is wholly there or not */
		unsigned long stop =
			MIN(ALIGN_DOWN(pfn, PAGES_PER_SECTION) + PAGES_PER_SECTION, m->max_low_pfn);
		unsigned long run_end;

		if (!pfn_valid(m, pfn)) {
			pfn = stop;
			continue;
		}
		/* a deferred run holds no slab, and a growing one is being written */
		if (pfn_deferred_any(m, pfn, &run_end)) {
			pfn = MIN(stop, run_end);
			continue;
		}
		stop = MIN(stop, run_end);
		for (; pfn < stop; pfn++) {
			const struct page *p = pfn_to_page(m, pfn);

			if (likely(!page_test(p, PG_slab)))
				continue;
			found++;
			if (page_test(p, PG_tail) || !cache_listed(ss, page_slab_cache(p)))
				problem(c, NULL, "pfn %#lx is PG_slab but no listed cache owns it",
					pfn);
		}
	}
	if (found != c->slabs)
		problem(c, NULL, "%lu PG_slab head pages in the memmap, %lu slabs on the lists",
			found, c->slabs);
}

int slab_check(struct kmm_machine *m)
{
	struct kmm_slab *ss = m->slab;
	struct slab_checker checker, *c = &checker; /* about 9 KB of stack */
	unsigned long barns = 0;
	int caches = 0;

	if (!ss)
		return 0;
	c->m = m;
	c->problems = 0;
	c->nmsgs = 0;
	c->nbad = 0;
	c->slabs = 0;
	c->pages[0] = c->pages[1] = 0;

	kmm_spin_lock(&ss->slab_mutex);
	for (struct kmem_cache *s = ss->caches; s; s = s->next, caches++) {
		if (s->magic != KMEM_CACHE_MAGIC || s->m != m) {
			problem(c, NULL, "cache list entry %p is not a cache", (void *)s);
			break;
		}
		for (int nid = 0; nid < m->nr_nodes; nid++)
			check_node(c, s, nid);
		check_arrays(c, s);
		check_barns(c, s, &barns);
	}
	if (caches != ss->nr_caches)
		problem(c, NULL, "nr_caches is %d but the list holds %d", ss->nr_caches, caches);
	scan_memmap(c);
	if (barns != __atomic_load_n(&ss->barn_pages, __ATOMIC_RELAXED))
		problem(c, NULL, "%lu barn pages counted, %lu barns have a buffer",
			__atomic_load_n(&ss->barn_pages, __ATOMIC_RELAXED), barns);
	if (c->pages[0] != __atomic_load_n(&ss->slab_pages[0], __ATOMIC_RELAXED) ||
	    c->pages[1] != __atomic_load_n(&ss->slab_pages[1], __ATOMIC_RELAXED))
		problem(c, NULL, "slab page counters %lu/%lu, the lists hold %lu/%lu",
			ss->slab_pages[0], ss->slab_pages[1], c->pages[0], c->pages[1]);
	kmm_spin_unlock(&ss->slab_mutex);

	for (int i = 0; i < c->nmsgs; i++)
		kmm_log(m, "%s", c->msgs[i]);
	for (int i = 0; i < c->nbad; i++)
		validate_report(c->bad[i].s, c->bad[i].obj, c->bad[i].val);
	return c->problems;
}
