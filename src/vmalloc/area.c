/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/area.c - vmap areas: carving ranges out of the vmalloc area and
 * giving them back lazily (Linux's alloc_vmap_area, free_vmap_area_noflush,
 * __purge_vmap_area_lazy).
 *
 * An allocation takes the lowest free block that fits (the free tree's
 * augmented search), splits it (the remainder on the left and/or the right
 * stays free; a split in the middle uses the spare node allocated before
 * the lock was taken), and inserts the new area in the busy tree. When
 * nothing fits, the lazily freed areas are purged once and the search
 * retried; then it fails with the kernel's message ("vmap allocation for
 * size %lu failed: use vmalloc=<size> to increase size").
 *
 * A freed area leaves the busy tree at once (so a second vfree of it is
 * refused) and waits on the purge list; vmap_lazy_nr counts its pages.
 * Past lazy_max_pages (fls(nr_cpus) * 32 MiB of pages, as Linux) the whole
 * list is merged back into the free tree in one batch: each area coalesced
 * with the free blocks right before and after it.
 *
 * Invariants: busy areas, purge-list areas and free blocks are disjoint and
 * together cover [start, end) exactly (vmalloc_check); no two free blocks
 * touch (they would have been merged).
 */
#include "page/internal.h"
#include "vmalloc/vmalloc.h"

#include <kmm/slab.h>

static void free_nodes(struct kmm_machine *m, struct vmap_area *list)
{
	while (list) {
		struct vmap_area *next = list->purge_next;

		if (list != &vmalloc_of(m)->first)
			kmm_kfree(m, list);
		list = next;
	}
}

/* Put va into the free tree, merged with its neighbours; merged nodes go to *garbage. */
static void merge_or_add(struct kmm_vmalloc *v, struct vmap_area *va, struct vmap_area **garbage)
{
	struct vmap_area *prev = va_tree_prev(v->free_root, va->va_start);
	struct vmap_area *next = va_tree_next(v->free_root, va->va_end);

	va->vm = NULL;
	if (prev && prev->va_end == va->va_start) {
		v->free_root = va_tree_remove(v->free_root, prev, true);
		va->va_start = prev->va_start;
		prev->purge_next = *garbage;
		*garbage = prev;
		v->nr_free_areas--;
	}
	if (next && next->va_start == va->va_end) {
		v->free_root = va_tree_remove(v->free_root, next, true);
		va->va_end = next->va_end;
		next->purge_next = *garbage;
		*garbage = next;
		v->nr_free_areas--;
	}
	va->purge_next = NULL;
	if (va->va_start == v->start && va->va_end == v->end && va != &v->first) {
		/* everything is free again: back to the state's own node, so no kmalloc stays */
		v->first.va_start = va->va_start;
		v->first.va_end = va->va_end;
		va->purge_next = *garbage;
		*garbage = va;
		va = &v->first;
	}
	v->free_root = va_tree_insert(v->free_root, va, true);
	v->nr_free_areas++;
}

/* __purge_vmap_area_lazy; under the lock. */
static void purge_locked(struct kmm_vmalloc *v, struct vmap_area **garbage)
{
	struct vmap_area *list = v->purge_list;

	if (!list)
		return;
	v->purge_list = NULL;
	v->purges++;
	while (list) {
		struct vmap_area *next = list->purge_next;

		merge_or_add(v, list, garbage);
		v->purged_areas++;
		list = next;
	}
	v->vmap_lazy_nr = 0;
}

void purge_vmap_area_lazy(struct kmm_machine *m)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vmap_area *garbage = NULL;

	kmm_spin_lock(&v->lock);
	purge_locked(v, &garbage);
	kmm_spin_unlock(&v->lock);
	free_nodes(m, garbage);
}

struct vmap_area *find_vmap_area_locked(struct kmm_vmalloc *v, uintptr_t addr)
{
	return va_tree_find(v->busy_root, addr);
}

/* Take [start, start + size) out of free block fb; under the lock. */
static void clip(struct kmm_vmalloc *v, struct vmap_area *fb, uintptr_t start, unsigned long size,
		 struct vmap_area **spare, struct vmap_area **garbage)
{
	uintptr_t end = start + size;

	v->free_root = va_tree_remove(v->free_root, fb, true);
	if (fb->va_start == start && fb->va_end == end) {
		fb->purge_next = *garbage;
		*garbage = fb;
		v->nr_free_areas--;
		return;
	}
	if (fb->va_start == start) {
		fb->va_start = end;
	} else if (fb->va_end == end) {
		fb->va_end = start;
	} else {
		struct vmap_area *right = *spare;

		*spare = NULL;
		right->va_start = end;
		right->va_end = fb->va_end;
		fb->va_end = start;
		v->free_root = va_tree_insert(v->free_root, right, true);
		v->nr_free_areas++;
	}
	v->free_root = va_tree_insert(v->free_root, fb, true);
}

struct vmap_area *alloc_vmap_area(struct kmm_machine *m, unsigned long size, unsigned long align,
				  struct vm_struct *vm)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vmap_area *va = kmm_kmalloc(m, sizeof(*va), GFP_KERNEL | __GFP_ZERO);
	struct vmap_area *spare = kmm_kmalloc(m, sizeof(*spare), GFP_KERNEL | __GFP_ZERO);
	struct vmap_area *garbage = NULL, *fb;
	bool purged = false;

	if (!va || !spare) {
		kmm_kfree(m, va);
		kmm_kfree(m, spare);
		return NULL;
	}
	if (align < m->page_size)
		align = m->page_size;
	kmm_spin_lock(&v->lock);
	for (;;) {
		fb = va_tree_lowest_fit(v->free_root, size, align);
		if (fb || purged)
			break;
		purge_locked(v, &garbage); /* retry once with the lazily freed areas back */
		purged = true;
	}
	if (fb) {
		va->va_start = ALIGN_UP(fb->va_start, align);
		va->va_end = va->va_start + size;
		va->vm = vm;
		clip(v, fb, va->va_start, size, &spare, &garbage);
		v->busy_root = va_tree_insert(v->busy_root, va, false);
		v->nr_busy++;
	}
	kmm_spin_unlock(&v->lock);
	free_nodes(m, garbage);
	kmm_kfree(m, spare);
	if (!fb) {
		kmm_kfree(m, va);
		kmm_log(m,
			"vmap allocation for size %lu failed: use vmalloc=<size> to increase "
			"size\n",
			size);
		return NULL;
	}
	return va;
}

/* The area is already out of the busy tree and unmapped: wait for a purge. */
void free_vmap_area_lazy(struct kmm_machine *m, struct vmap_area *va)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vmap_area *garbage = NULL;

	kmm_spin_lock(&v->lock);
	va->vm = NULL;
	va->purge_next = v->purge_list;
	v->purge_list = va;
	v->vmap_lazy_nr += (va->va_end - va->va_start) >> m->page_shift;
	if (v->vmap_lazy_nr > v->lazy_max_pages)
		purge_locked(v, &garbage);
	kmm_spin_unlock(&v->lock);
	free_nodes(m, garbage);
}
