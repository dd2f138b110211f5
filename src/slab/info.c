/* SPDX-License-Identifier: MIT */
/*
 * slab/info.c - what the slab layer tells the outside: per-cache
 * statistics in /proc/slabinfo's terms (kmm_slab_info, report/slabinfo.c,
 * `kmm slabtop`) and the Slab / SReclaimable / SUnreclaim lines of
 * /proc/meminfo.
 *
 * Counting as the classic slab allocator counted: num_objs is every object
 * of every slab of the cache (rcu-pending ones included); active_objs is
 * num_objs minus the free objects on the slabs, so objects sitting in the
 * per-CPU arrays count as active; active_slabs are the slabs with at least
 * one object not on their freelist. Each node is read under its list_lock,
 * so a node's figures are consistent with each other.
 *
 * meminfo: SReclaimable is the slab pages of SLAB_RECLAIM_ACCOUNT caches;
 * SUnreclaim is every other slab page, the slab layer's own metadata (its
 * state block and the per-CPU arrays) and large kmallocs, which Linux also
 * counts as unreclaimable slab memory.
 */
#include "slab/slab.h"

void slab_cache_info(struct kmem_cache *s, struct kmm_slab_info *info)
{
	struct kmm_machine *m = s->m;

	kmm_memset(info, 0, sizeof(*info));
	kmm_strlcpy(info->name, s->name, sizeof(info->name));
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		unsigned long slabs, active;

		kmm_spin_lock(&n->list_lock);
		active = n->nr_partial + n->nr_full;
		slabs = active + n->nr_free + n->nr_rcu;
		info->num_slabs += slabs;
		info->active_slabs += active;
		info->num_objs += slabs * s->objects;
		info->active_objs += slabs * s->objects - n->free_objects;
		kmm_spin_unlock(&n->list_lock);
	}
	info->objsize = s->size;
	info->object_size = s->object_size;
	info->objperslab = s->objects;
	info->pagesperslab = 1u << s->order;
	info->limit = s->debug ? 0 : s->limit;
	info->batchcount = s->debug ? 0 : s->batchcount;
	info->flags = s->flags & ~__OBJECT_POISON;
}

int kmm_slab_info(kmm_machine *m, struct kmm_slab_info *out, int max)
{
	struct kmm_slab *ss = m->slab;
	int n = 0;

	if (!ss)
		return 0;
	kmm_spin_lock(&ss->slab_mutex);
	for (struct kmem_cache *s = ss->caches; s; s = s->next, n++)
		if (n < max)
			slab_cache_info(s, &out[n]);
	kmm_spin_unlock(&ss->slab_mutex);
	return n;
}

void slab_meminfo(struct kmm_machine *m, struct kmm_meminfo_extra *extra)
{
	struct kmm_slab *ss = m->slab;

	extra->slab_reclaimable_pages = __atomic_load_n(&ss->slab_pages[1], __ATOMIC_RELAXED);
	extra->slab_unreclaimable_pages = __atomic_load_n(&ss->slab_pages[0], __ATOMIC_RELAXED) +
					  __atomic_load_n(&ss->meta_pages, __ATOMIC_RELAXED) +
					  __atomic_load_n(&ss->large_pages, __ATOMIC_RELAXED);
}
