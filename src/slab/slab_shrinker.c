/* SPDX-License-Identifier: MIT */
/*
 * slab/slab_shrinker.c - the slab layer's empty slabs as one shrinker of
 * the machine (reclaim/shrinker.c).
 *
 * count_objects: the pages held by empty slabs of every cache (each node
 * read under its list_lock, the cache list tried, never waited for), plus
 * the pages of empty slabs waiting out an RCU grace period, plus partial
 * and (for caches with per-CPU arrays) full slabs: a flush of the arrays
 * may empty them, an upper bound. scan_objects:
 * slab_reclaim (flush the per-CPU arrays, give every empty slab back,
 * never waiting for a lock), returning the pages freed (SHRINK_STOP when
 * it freed nothing; nr_scanned covers what it freed, so one pass is one
 * call), with a batch of 32 pages rather than 128. The objects are
 * pages that cost nothing to recreate, so seeks is 0 (trim hard) and the
 * shrinker stays at the end of the list, after the users' caches whose
 * frees may empty more slabs.
 */
#include "reclaim/reclaim.h"
#include "slab/slab.h"

#define SLAB_SHRINK_BATCH 32

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
			/*
			 * Empty slabs, and the ones a flush of the per-CPU
			 * arrays may empty: objects parked in the arrays count
			 * as allocated, so they keep slabs partial - or full,
			 * when the arrays hold a whole slab's objects (a refill
			 * takes a batch from one slab). Debug caches have no
			 * arrays: their full slabs are really full. An upper
			 * bound (the arrays are not read: other CPUs write
			 * them); the scan returns what really came back.
			 */
			pages += (n->nr_free + n->nr_rcu + n->nr_partial +
				  (s->debug ? 0 : n->nr_full))
				 << s->order;
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

	/* one pass gives back everything it can: nothing more to scan this time */
	if (!freed)
		return SHRINK_STOP;
	sc->nr_scanned = MAX(sc->nr_to_scan, freed);
	return freed;
}

int slab_register_shrinker(struct kmm_machine *m)
{
	/* embedded in the reclaim state: booting allocates no object (reports stay Linux's) */
	struct shrinker *sh = shrinker_init_embedded(m, &m->reclaim->slab_shrinker,
						     m->reclaim->slab_shrinker_deferred,
						     SHRINKER_KMM_LAST, "slab-empty");

	sh->count_objects = slab_count_objects;
	sh->scan_objects = slab_scan_objects;
	sh->seeks = 0;
	/* a pass frees every empty slab: a small batch lets a few slabs' worth trigger it */
	sh->batch = SLAB_SHRINK_BATCH;
	kmm_shrinker_register(sh);
	return KMM_OK;
}
