/* SPDX-License-Identifier: MIT */
/*
 * slab/percpu_cache.c - the per-CPU object caches (struct slab_array).
 *
 * Each cache without debugging has one array of object pointers per CPU
 * (SLAB's array_cache; Bonwick's magazine; Linux 6.18's sheaf). The arrays
 * live inside the cache's own struct kmem_cache object (from the boot
 * cache), at a fixed offset and a power-of-two stride (1 KiB unless the
 * machine has many CPUs for its memory), so a free reaches CPU c's array
 * from the cache pointer with an add and a shift: no further load sits on
 * the path from the object to its array. Sizes follow SLAB's
 * enable_cpucache: limit 120 objects for objects up to 256 bytes, 54 up to
 * 1K, 24 up to a page, 8 above, 1 for objects over 128K (less when the
 * stride is smaller); batchcount = (limit + 1) / 2.
 *
 * Why arrays rather than SLUB's per-CPU freelist: the common alloc and free
 * touch only the array (a pop or a push), never the object, so the free
 * pointer can stay obfuscated and validated without costing the fast path,
 * and a pop or a push is short enough to be one restartable sequence
 * (percpu_rseq.h). A kmm "CPU" is only a placement: threads can outnumber
 * CPUs and be preempted or migrated anywhere, so each array has a lock
 * (smp/cpu_lock.h). Everything here holds it; the fast-path sequences give
 * up when it is held, and in CAS mode the fast paths take it with one
 * compare-and-swap. A caller that finds it busy does not wait but goes to
 * the node lists under list_lock (counted as "contended"). Measured costs
 * and the alternatives are in docs/slab.md.
 *
 * Refill moves up to batchcount objects into an empty array: a batch from
 * the node's barn (barn.c: what other CPUs flushed) if it has one, else
 * from the node's slabs under list_lock (the first object taken ends on
 * top, so objects leave in freelist order); flush moves the oldest
 * batchcount objects out when a free finds the array full: into the barn
 * while it has room, else back to their slabs. drain_arrays empties every
 * CPU's array and then the barns (kmem_cache_shrink, the shrinker,
 * destroy). Lock order: array, then barn or node.
 */
#include "slab/slab.h"

void slab_arrays_init(struct kmem_cache *s)
{
	unsigned int shift = s->m->slab->array_shift;

	for (int cpu = 0; cpu < s->m->nr_slots; cpu++) {
		struct slab_array *ac = cpu_array(s, shift, cpu);

		ac->lock.owner = 0;
		ac->avail = 0;
		ac->limit = (uint16_t)s->limit;
		ac->batchcount = (uint16_t)s->batchcount;
		ac->touched = 0;
	}
}

unsigned int array_refill(struct kmem_cache *s, struct slab_array *ac, int nid,
			  struct slab_report *rep)
{
	struct kmem_cache_node *n = get_node(s, nid);
	unsigned int got;

	/* a batch another CPU flushed comes first: it costs a copy, no slab */
	got = barn_get_batch(s, nid, ac->entry, ac->batchcount);
	if (got) {
		ac->avail = (uint16_t)got;
		ac->touched = 1;
		return got;
	}
	kmm_spin_lock(&n->list_lock);
	got = node_take(s, n, ac->entry, ac->batchcount, rep);
	kmm_spin_unlock(&n->list_lock);
	/* the first object taken goes on top: objects leave in freelist order */
	for (unsigned int i = 0, j = got ? got - 1 : 0; i < j; i++, j--) {
		void *t = ac->entry[i];

		ac->entry[i] = ac->entry[j];
		ac->entry[j] = t;
	}
	ac->avail = (uint16_t)got;
	ac->touched = 1;
	return got;
}

unsigned int array_flush(struct kmem_cache *s, struct slab_array *ac, int nid,
			 struct page_list *release, void **dfree)
{
	unsigned int batch = MIN((unsigned int)ac->batchcount, (unsigned int)ac->avail);
	unsigned int bad = 0;

	/* to the node's barn, for another CPU's refill; to the slabs when it is full */
	if (!barn_put_batch(s, nid, ac->entry, batch))
		bad = node_put(s, ac->entry, batch, release, dfree);

	kmm_memmove(ac->entry, ac->entry + batch, (ac->avail - batch) * sizeof(void *));
	ac->avail = (uint16_t)(ac->avail - batch);
	return bad;
}

void drain_arrays(struct kmem_cache *s, bool wait)
{
	unsigned int shift = s->m->slab->array_shift;

	if (s->debug)
		return;
	for (int cpu = 0; cpu < s->m->nr_slots; cpu++) {
		struct slab_array *ac = cpu_array(s, shift, cpu);
		struct page_list release;
		void *dfree = NULL;
		unsigned int bad;

		(void)wait;
		array_lock_remote(s->m, ac, cpu);
		page_list_init(&release);
		bad = node_put(s, ac->entry, ac->avail, &release, &dfree);
		ac->avail = 0;
		array_unlock(ac);
		if (bad)
			report_invalid_free(s->m, s, virt_to_head_page_m(s->m, dfree), dfree,
					    "Object already free");
		discard_slab_list(s, &release);
	}
	/* then what the CPUs passed to each other: the barns go back to the slabs */
	barn_drain(s);
}
