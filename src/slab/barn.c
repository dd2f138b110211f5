/* SPDX-License-Identifier: MIT */
/*
 * slab/barn.c - the per-node barn: whole batches of free objects passed
 * between CPUs without going back to their slabs.
 *
 * Why: an object freed on another CPU than the one that allocated it
 * (a producer/consumer pair, a server thread freeing what another made)
 * lands in the freeing CPU's array, which fills while the allocating
 * CPU's array empties. Without a barn, each full array flushes a batch to
 * the slabs and each empty one refills from them, both under the node's
 * list_lock, and both walk one slab per object (a freelist push or pop, a
 * list move, the trim): every remote object costs two visits to its slab
 * under the one lock every CPU of the node shares. That was kmm's worst
 * case as a malloc (issue 14: about a quarter of mimalloc's throughput on
 * a producer/consumer test).
 *
 * What: each cache node has a barn, a stack of up to `cap` objects kept in
 * whole batches (cap is a multiple of the cache's batchcount, bounded by
 * one page of pointers and by about 128 KiB of objects). A flush that
 * finds room copies its batch into the barn instead of calling node_put; a
 * refill that finds a batch copies it out instead of calling node_take.
 * The barn has its own lock, held for one copy of at most one batch
 * (batchcount <= 63 pointers): no slab, no list and no object is touched
 * under it, so a remote free costs its CPU a pointer copy, and list_lock
 * is left to the misses that really need slabs. This plays the role of
 * SLAB's shared array_cache (which 6.18 no longer has; it sat under
 * list_lock) and of 6.18's barn of full and empty sheaves (which swaps
 * whole per-CPU sheaves by pointer: kmm's per-CPU arrays are embedded in
 * the cache object for the one-add-one-shift fast path, so the barn copies
 * batches instead of exchanging arrays).
 *
 * The buffer is one page from the page allocator (never malloc), taken
 * lazily: a flush that finds no buffer goes to the slabs as before and
 * sets `want`; the caller, after dropping its locks, calls barn_grow,
 * which allocates the page with GFP_NOWAIT (no reclaim: a failure just
 * leaves the barn off). drain_arrays (kmem_cache_shrink, the shrinker,
 * destroy) empties the barn to the slabs and gives the page back, so a
 * drained machine holds no barn pages.
 *
 * Invariants (checked by kmm_check, slab/check.c): avail <= cap (avail is
 * also a multiple of batchcount, since batches go in and out whole; that
 * is not checked); every entry is an object of this cache, held once, on
 * no slab freelist, in a slab with something in use; entry == NULL implies
 * avail == 0 and cap == 0; the machine's barn_pages equals the number of
 * barns with a buffer. Objects in a barn count as in use in slabinfo, as
 * objects in the per-CPU arrays do (SLUB counts sheaves the same way).
 *
 * Lock order: a CPU's array lock, then the barn lock (rank 45), then
 * list_lock (only kmm_check, which validates entries against slabs).
 * Double frees: a barn hands a batch on without looking at the objects, so
 * SLUB's naive double-free check at node_put no longer sees objects that
 * pass through it (as with 6.18's sheaves); the push-time check against
 * the array's top entry and slab_debug are unchanged.
 */
#include "slab/slab.h"

/* Objects a barn may hold: whole batches, one page of pointers, about 128 KiB of objects. */
static unsigned int barn_capacity(const struct kmem_cache *s)
{
	unsigned int batch = s->batchcount;
	unsigned long by_page = s->m->page_size / sizeof(void *);
	unsigned long by_bytes = (128ul << 10) / s->size;
	unsigned long cap = MIN(by_page, MAX(by_bytes, (unsigned long)batch));

	if (!batch)
		return 0;
	return (unsigned int)(cap / batch * batch);
}

void barn_init(struct slab_barn *b)
{
	kmm_spin_init_class(&b->lock, KMM_LOCK_SLAB_BARN);
	b->entry = NULL;
	b->avail = 0;
	b->cap = 0;
	b->want = false;
}

bool barn_put_batch(struct kmem_cache *s, int nid, void **objs, unsigned int nr)
{
	struct slab_barn *b = &get_node(s, nid)->barn;
	bool done = false;

	kmm_spin_lock(&b->lock);
	if (!b->entry) {
		WRITE_ONCE(b->want, true);
	} else if (b->avail + nr <= b->cap) {
		kmm_memcpy(b->entry + b->avail, objs, nr * sizeof(void *));
		WRITE_ONCE(b->avail, (uint16_t)(b->avail + nr));
		done = true;
	}
	kmm_spin_unlock(&b->lock);
	if (done)
		__atomic_add_fetch(&s->stat[SLAB_STAT_BARN_PUT], 1, __ATOMIC_RELAXED);
	return done;
}

unsigned int barn_get_batch(struct kmem_cache *s, int nid, void **out, unsigned int max)
{
	struct slab_barn *b = &get_node(s, nid)->barn;
	unsigned int got = 0;

	if (!READ_ONCE(b->avail))
		return 0;
	kmm_spin_lock(&b->lock);
	if (b->avail) {
		got = MIN(max, (unsigned int)b->avail);
		WRITE_ONCE(b->avail, (uint16_t)(b->avail - got));
		kmm_memcpy(out, b->entry + b->avail, got * sizeof(void *));
	}
	kmm_spin_unlock(&b->lock);
	if (got)
		__atomic_add_fetch(&s->stat[SLAB_STAT_BARN_GET], 1, __ATOMIC_RELAXED);
	return got;
}

void barn_grow(struct kmem_cache *s, int nid)
{
	struct kmm_machine *m = s->m;
	struct slab_barn *b = &get_node(s, nid)->barn;
	unsigned int cap = barn_capacity(s);
	struct page *page;

	if (likely(!READ_ONCE(b->want)))
		return;
	WRITE_ONCE(b->want, false);
	if (!cap)
		return;
	page = __alloc_pages(m, GFP_NOWAIT | __GFP_NOWARN, 0, nid, NULL);
	if (!page)
		return; /* no barn this time; a later flush asks again */
	kmm_spin_lock(&b->lock);
	if (!b->entry) {
		/* counted under the lock: a drain may take the page as soon as it is unlocked */
		__atomic_add_fetch(&m->slab->barn_pages, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&m->slab->meta_pages, 1, __ATOMIC_RELAXED);
		slab_node_account(m, (int)page_nid(page), false, 1);
		b->entry = page_to_virt_raw(m, page);
		b->cap = (uint16_t)cap;
		WRITE_ONCE(b->avail, 0);
		page = NULL;
	}
	kmm_spin_unlock(&b->lock);
	if (page) /* another CPU grew it first */
		free_pages_untraced(m, page, 0);
}

void barn_drain(struct kmem_cache *s)
{
	struct kmm_machine *m = s->m;

	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct slab_barn *b = &get_node(s, nid)->barn;
		struct page_list release;
		void *dfree = NULL;
		struct page *page;
		void **entry;
		unsigned int avail;

		kmm_spin_lock(&b->lock);
		entry = b->entry;
		avail = b->avail;
		b->entry = NULL;
		WRITE_ONCE(b->avail, 0);
		b->cap = 0;
		WRITE_ONCE(b->want, false);
		page = entry ? virt_to_head_page_m(m, entry) : NULL;
		if (page) {
			slab_node_account(m, (int)page_nid(page), false, -1);
			__atomic_sub_fetch(&m->slab->meta_pages, 1, __ATOMIC_RELAXED);
			__atomic_sub_fetch(&m->slab->barn_pages, 1, __ATOMIC_RELAXED);
		}
		kmm_spin_unlock(&b->lock);
		if (!page)
			continue;
		/* the detached buffer is private now: its objects go back to their slabs */
		page_list_init(&release);
		if (node_put(s, entry, avail, &release, &dfree))
			report_invalid_free(m, s, virt_to_head_page_m(m, dfree), dfree,
					    "Object already free");
		discard_slab_list(s, &release);
		free_pages_untraced(m, page, 0);
	}
}
