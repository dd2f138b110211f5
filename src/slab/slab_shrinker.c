/* SPDX-License-Identifier: MIT */
/*
 * slab/slab_shrinker.c - the slab layer's empty slabs as one shrinker of
 * the machine (reclaim/shrinker.c).
 *
 * count_objects: the pages held by empty slabs of every cache (each node
 * read under its list_lock, the cache list tried, never waited for), plus
 * the pages of empty slabs waiting out an RCU grace period. scan_objects:
 * slab_reclaim (flush the per-CPU arrays, give every empty slab back,
 * never waiting for a lock), returning the pages freed. The objects are
 * pages that cost nothing to recreate, so seeks is 0 (trim hard) and the
 * shrinker stays at the end of the list, after the users' caches whose
 * frees may empty more slabs.
 */
#include "reclaim/reclaim.h"
#include "slab/slab.h"

static unsigned long slab_count_objects(struct shrinker *sh, struct shrink_control *sc)
{
	struct kmm_machine *m = sh->machine;
	struct kmm_slab *ss = m->slab;
	unsigned long pages = 0;

	if (!kmm_spin_trylock(&ss->slab_mutex))
		return 0;
	for (struct kmem_cache *s = ss->caches; s; s = s->next) {
		for (int nid = 0; nid < m->nr_nodes; nid++) {
			struct kmem_cache_node *n = get_node(s, nid);

			kmm_spin_lock(&n->list_lock);
			pages += (n->nr_free + n->nr_rcu) << s->order;
			kmm_spin_unlock(&n->list_lock);
		}
	}
	kmm_spin_unlock(&ss->slab_mutex);
	(void)sc;
	return pages ? pages : SHRINK_EMPTY;
}

static unsigned long slab_scan_objects(struct shrinker *sh, struct shrink_control *sc)
{
	unsigned long freed = slab_reclaim(sh->machine, sc->gfp_mask, 0);

	return freed;
}

int slab_register_shrinker(struct kmm_machine *m)
{
	/* boot: from the last CPU's node, as the slab layer's other boot memory */
	struct shrinker *sh =
		__shrinker_alloc(m, SHRINKER_KMM_LAST, cpu_to_node_m(m, m->nr_cpus - 1), "slab-empty");

	if (!sh)
		return KMM_ENOMEM;
	sh->count_objects = slab_count_objects;
	sh->scan_objects = slab_scan_objects;
	sh->seeks = 0;
	kmm_shrinker_register(sh);
	return KMM_OK;
}
