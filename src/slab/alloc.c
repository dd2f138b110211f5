/* SPDX-License-Identifier: MIT */
/*
 * slab/alloc.c - kmem_cache_alloc and kmem_cache_free: the entry points,
 * the bulk calls and the slow paths behind the inline fast paths (slab.h).
 *
 * alloc:  per-CPU array pop (fast) -> array refill from the CPU's node
 *         (a batch from its barn, else objects from its slabs) ->
 *         one object from the node lists (the array's lock was contended,
 *         or an explicit node was asked for) -> grow: a new slab, first on
 *         the wanted node only, then from any node's lists, then from any
 *         node's pages (SLAB's fallback_alloc) -> NULL, with the page
 *         allocator's warning unless __GFP_NOWARN. __GFP_NO_GROW stops
 *         before growing, quietly.
 * free:   the object's head page must be a slab of this cache and the
 *         pointer the start of one of its objects (hardening: checked on
 *         every free, a multiply and a compare); then per-CPU array push
 *         (fast) -> flush of a batch when the array is full, to the node's
 *         barn (barn.c) for another CPU's refill or else to the slabs ->
 *         straight to the slab when the array is contended, the object is
 *         from another node, or the cache has no arrays.
 * A debug cache (slab_debug) never uses the arrays: see debug.c.
 *
 * Nothing here logs or allocates pages with a lock held.
 */
#include "reclaim/reclaim.h"
#include "slab/slab.h"
#include "trace/trace.h"

#define RET_IP ((uintptr_t)__builtin_return_address(0))
#define BULK_CHUNK 64

/* One object from node n's lists, or NULL; a problem found is reported after unlock. */
static void *take_one(struct kmem_cache *s, struct kmem_cache_node *n)
{
	struct slab_report rep = { .kind = SLAB_REPORT_NONE };
	unsigned int got;
	void *obj;

	kmm_spin_lock(&n->list_lock);
	got = node_take(s, n, &obj, 1, &rep);
	kmm_spin_unlock(&n->list_lock);
	if (rep.kind)
		slab_report_emit(s->m, s, &rep);
	return got ? obj : NULL;
}

/* Take one object from another node's lists (SLAB's fallback_alloc). */
static void *take_any_node(struct kmem_cache *s, int except)
{
	for (int nid = 0; nid < s->m->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		void *obj;

		if (nid == except || !READ_ONCE(n->free_objects))
			continue;
		obj = take_one(s, n);
		if (obj)
			return obj;
	}
	return NULL;
}

struct page *slab_grow(struct kmem_cache *s, gfp_t gfp, int nid, void **obj)
{
	struct kmm_machine *m = s->m;
	struct page *page = NULL;

	*obj = NULL;
	if (gfp & __GFP_NO_GROW)
		return NULL;
	if (m->nr_nodes > 1) {
		gfp_t exact = (gfp | __GFP_THISNODE | __GFP_NOWARN) &
			      ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL);

		page = new_slab(s, exact, nid);
		if (!page && !(gfp & __GFP_THISNODE)) {
			*obj = take_any_node(s, nid);
			if (*obj)
				return NULL;
		}
	}
	if (!page)
		page = new_slab(s, gfp, nid);
	return page;
}

void *slab_grow_alloc(struct kmem_cache *s, gfp_t gfp, int nid)
{
	void *obj;
	struct page *page = slab_grow(s, gfp, nid, &obj);

	if (obj || !page)
		return obj;
	return node_add_new_slab(s, page);
}

/*
 * The CPU's array was empty and so were the node's lists: grow a slab and,
 * before anyone else can see it, fill this CPU's array from it. The CPU
 * that grows a slab thus takes its first objects itself; were the first
 * object returned and the rest left on the lists, another CPU's refill
 * would take the next ones, and the two CPUs' most-used objects would
 * share cache lines (false sharing with objects below 64 bytes).
 */
static void *grow_into_array(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp, int nid)
{
	struct page *page;
	void *obj;
	int cpu;

	page = slab_grow(s, gfp, nid, &obj);
	if (obj || !page)
		return obj;
	cpu = smp_local_slot(m);
	if (cpu >= 0 && m->cpu_to_node[cpu] == (int)page_nid(page)) {
		struct slab_array *ac = cpu_array(s, m->slab->array_shift, cpu);

		if (array_trylock(m, ac, cpu)) {
			if (!ac->avail) {
				unsigned int got =
					node_add_new_slab_take(s, page, ac->entry, ac->batchcount);

				for (unsigned int i = 0, j = got - 1; i < j; i++, j--) {
					void *t = ac->entry[i];

					ac->entry[i] = ac->entry[j];
					ac->entry[j] = t;
				}
				ac->avail = (uint16_t)(got - 1);
				obj = ac->entry[got - 1];
				array_unlock(ac);
				return obj;
			}
			array_unlock(ac);
		}
	}
	return node_add_new_slab(s, page);
}

/* One object straight from node nid's lists, growing if they are empty. */
static void *alloc_single(struct kmem_cache *s, gfp_t gfp, int nid)
{
	void *obj = take_one(s, get_node(s, nid));

	return obj ? obj : slab_grow_alloc(s, gfp, nid);
}

void *slab_alloc_slow(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp, int nid,
		      uintptr_t caller)
{
	struct slab_report rep = { .kind = SLAB_REPORT_NONE };
	void *obj = NULL;
	int cpu, local;

	if (unlikely(!slab_cache_valid(m, s))) {
		kmm_report_bad_call(m, "kmem_cache_alloc: %p is not a cache of this machine",
				    (void *)s);
		return NULL;
	}
	if (unlikely(READ_ONCE(m->fault_armed) & 2) && should_failslab(m, s, gfp))
		return NULL; /* failslab (reclaim/fault_inject.c) */
	if (s->debug)
		return slab_alloc_debug(m, s, gfp, nid, caller);
	fp_count_atomic();
	__atomic_add_fetch(&s->stat[SLAB_STAT_ALLOC_SLOW], 1, __ATOMIC_RELAXED);
	cpu = smp_local_slot(m);
	local = numa_node_id_m(m);
	if ((nid < 0 || nid == local) && cpu >= 0) {
		struct slab_array *ac = cpu_array(s, m->slab->array_shift, cpu);

		if (array_trylock(m, ac, cpu)) {
			bool empty = false;

			if (ac->avail || array_refill(s, ac, m->cpu_to_node[cpu], &rep))
				obj = ac->entry[--ac->avail];
			else
				empty = true;
			array_unlock(ac);
			if (rep.kind)
				slab_report_emit(m, s, &rep);
			if (empty)
				obj = grow_into_array(m, s, gfp, m->cpu_to_node[cpu]);
			if (obj || empty)
				goto out;
		} else {
			fp_count_atomic();
			__atomic_add_fetch(&s->stat[SLAB_STAT_CONTENDED], 1, __ATOMIC_RELAXED);
		}
	}
	if (nid < 0)
		nid = local;
	obj = alloc_single(s, gfp, nid);
out:
	if (obj && ((gfp & __GFP_ZERO) || s->init_on_alloc))
		kmm_memset(obj, 0, s->object_size);
	return obj;
}

void slab_free_slow(struct kmm_machine *m, struct kmem_cache *s, struct page *page, void *obj,
		    uintptr_t caller)
{
	struct page_list release;
	void *dfree = NULL;
	int cpu;

	if (s->debug) {
		slab_free_debug(m, s, page, obj, caller);
		return;
	}
	if (slab_obj_index_own(s, page, obj) < 0) {
		report_invalid_free(m, s, page, obj, "Invalid object pointer");
		return;
	}
	if (s->init_on_free)
		kmm_memset(obj, 0, s->object_size);
	page_list_init(&release);
	cpu = smp_local_slot(m);
	if (cpu >= 0 && page_nid(page) == m->cpu_to_node[cpu]) {
		struct slab_array *ac = cpu_array(s, m->slab->array_shift, cpu);

		if (array_trylock(m, ac, cpu)) {
			unsigned int bad = 0;

			if (ac->avail && ac->entry[ac->avail - 1] == obj) {
				array_unlock(ac);
				report_invalid_free(m, s, page, obj, "Object already free");
				return;
			}
			if (ac->avail >= ac->limit)
				bad = array_flush(s, ac, m->cpu_to_node[cpu], &release, &dfree);
			ac->entry[ac->avail++] = obj;
			array_unlock(ac);
			if (bad)
				report_invalid_free(m, s, virt_to_head_page_m(m, dfree), dfree,
						    "Object already free");
			discard_slab_list(s, &release);
			barn_grow(s, m->cpu_to_node[cpu]);
			return;
		}
	}
	if (node_put(s, &obj, 1, &release, &dfree))
		report_invalid_free(m, s, page, obj, "Object already free");
	discard_slab_list(s, &release);
}

/*
 * A free whose pointer is not an object of s: report why and free nothing.
 * page is the pointer's head page or NULL.
 */
static KMM_NOINLINE void free_not_from(struct kmm_machine *m, struct kmem_cache *s,
				       struct page *page, const void *obj)
{
	struct kmem_cache *owner = page ? page_slab_cache(page) : NULL;
	char why[160];

	if (!slab_cache_valid(m, s)) {
		kmm_report_bad_call(m, "kmem_cache_free: %p is not a cache of this machine",
				    (void *)s);
		return;
	}
	if (owner) {
		kmm_snprintf(why, sizeof(why), "Wrong slab cache. %s but object is from %s",
			     s->name, owner->name);
		report_invalid_free(m, s, page, obj, why);
		return;
	}
	report_invalid_free(m, s, NULL, obj, "Invalid object pointer");
}

/* ---- public API --------------------------------------------------------------- */

void *kmm_kmem_cache_alloc(kmm_machine *m, struct kmem_cache *s, gfp_t gfp)
{
	void *obj;

	if (unlikely(!s))
		return slab_alloc_slow(m, s, gfp, -1, RET_IP);
	obj = slab_alloc_fast(m, s, gfp);
	if (likely(obj))
		return trace_cache_alloc(m, s, gfp, -1, obj);
	return trace_cache_alloc(m, s, gfp, -1, slab_alloc_slow(m, s, gfp, -1, RET_IP));
}

void *kmm_kmem_cache_alloc_node(kmm_machine *m, struct kmem_cache *s, gfp_t gfp, int nid)
{
	if (nid >= m->nr_nodes || nid < -1) {
		kmm_report_bad_call(m, "kmem_cache_alloc_node: node %d does not exist (nodes 0-%d)",
				    nid, m->nr_nodes - 1);
		return NULL;
	}
	if (nid >= 0 && nid != numa_node_id_m(m))
		return trace_cache_alloc(m, s, gfp, nid, slab_alloc_slow(m, s, gfp, nid, RET_IP));
	if (likely(s)) {
		void *obj = slab_alloc_fast(m, s, gfp);

		if (likely(obj))
			return trace_cache_alloc(m, s, gfp, nid, obj);
	}
	return trace_cache_alloc(m, s, gfp, nid, slab_alloc_slow(m, s, gfp, -1, RET_IP));
}

void kmm_kmem_cache_free(kmm_machine *m, struct kmem_cache *s, void *obj)
{
	struct page *page;

	if (unlikely(!obj))
		return;
	trace_cache_free(m, s, obj);
	page = virt_to_head_page_m(m, obj);
	if (unlikely(!page || page_slab_cache(page) != s)) {
		free_not_from(m, s, page, obj);
		return;
	}
	slab_free(m, s, page, obj, RET_IP);
}

int kmm_kmem_cache_alloc_bulk(kmm_machine *m, struct kmem_cache *s, gfp_t gfp, size_t nr, void **p)
{
	struct slab_report rep = { .kind = SLAB_REPORT_NONE };
	size_t i = 0;

	if (unlikely(!slab_cache_valid(m, s) || (!p && nr))) {
		kmm_report_bad_call(m, "kmem_cache_alloc_bulk: bad cache %p or array %p", (void *)s,
				    (void *)p);
		return 0;
	}
	if (!s->debug && smp_local_slot(m) >= 0) {
		int cpu = smp_local_slot(m);
		struct slab_array *ac = cpu_array(s, m->slab->array_shift, cpu);

		if (array_trylock(m, ac, cpu)) {
			while (i < nr) {
				if (!ac->avail && !array_refill(s, ac, m->cpu_to_node[cpu], &rep))
					break;
				while (i < nr && ac->avail)
					p[i++] = ac->entry[--ac->avail];
			}
			array_unlock(ac);
			if (rep.kind)
				slab_report_emit(m, s, &rep);
			if ((gfp & __GFP_ZERO) || s->init_on_alloc)
				for (size_t j = 0; j < i; j++)
					kmm_memset(p[j], 0, s->object_size);
		}
	}
	for (; i < nr; i++) {
		p[i] = slab_alloc_slow(m, s, gfp, -1, RET_IP);
		if (!p[i]) {
			/* all or nothing: give back what was taken */
			trace_cache_alloc_bulk(m, s, gfp, i, p);
			kmm_kmem_cache_free_bulk(m, s, i, p);
			return 0;
		}
	}
	trace_cache_alloc_bulk(m, s, gfp, nr, p);
	return (int)nr;
}

void kmm_kmem_cache_free_bulk(kmm_machine *m, struct kmem_cache *s, size_t nr, void **p)
{

	if (!s) {
		for (size_t i = 0; i < nr; i++)
			kmm_kfree(m, p[i]);
		return;
	}
	trace_cache_free_bulk(m, s, nr, p);
	for (size_t start = 0; start < nr; start += BULK_CHUNK) {
		size_t end = MIN(nr, start + BULK_CHUNK);
		uint64_t slow = ~0ull; /* bit i: p[start + i] takes the one-by-one path */
		struct page_list release;
		void *dfree = NULL;
		unsigned int bad = 0;

		page_list_init(&release);
		int cpu = s->debug ? -1 : smp_local_slot(m);

		if (cpu >= 0) {
			struct slab_array *ac = cpu_array(s, m->slab->array_shift, cpu);

			if (array_trylock(m, ac, cpu)) {
				for (size_t i = start; i < end; i++) {
					void *obj = p[i];
					struct page *page =
						obj ? virt_to_head_page_m(m, obj) : NULL;

					if (!page || page_slab_cache(page) != s ||
					    slab_obj_index(s, page, obj) < 0 ||
					    page_nid(page) != m->cpu_to_node[cpu] ||
					    (ac->avail && ac->entry[ac->avail - 1] == obj))
						continue;
					if (s->init_on_free)
						kmm_memset(obj, 0, s->object_size);
					if (ac->avail >= ac->limit)
						bad += array_flush(s, ac, m->cpu_to_node[cpu],
								   &release, &dfree);
					ac->entry[ac->avail++] = obj;
					slow &= ~(1ull << (i - start));
				}
				array_unlock(ac);
			}
		}
		if (bad)
			report_invalid_free(m, s, virt_to_head_page_m(m, dfree), dfree,
					    "Object already free");
		discard_slab_list(s, &release);
		if (cpu >= 0)
			barn_grow(s, m->cpu_to_node[cpu]);
		for (size_t i = start; i < end; i++)
			if ((slow >> (i - start)) & 1)
				kmm_kmem_cache_free(m, s, p[i]);
	}
}

unsigned int kmm_kmem_cache_size(const struct kmem_cache *s)
{
	return s ? s->object_size : 0;
}

const char *kmm_kmem_cache_name(const struct kmem_cache *s)
{
	return s ? s->name : NULL;
}
