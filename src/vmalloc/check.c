/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/check.c - the vmalloc layer's kmm_check walker.
 *
 * Under vmap_area_lock: both trees well formed (va_tree_check), busy
 * areas, lazily freed areas and free blocks disjoint and covering the
 * vmalloc range exactly, no two free blocks touching, the counters
 * (areas, vmalloc pages, host mappings, vmap_lazy_nr) equal to what the
 * trees and lists hold. For every live area: each page allocated (a
 * reference, not free), the frame behind every page of the mapping the one
 * in vm->pages (read back through the mapping: a probe byte written
 * through the area must appear through kmap_local of the frame, so the
 * host's mapping is really that frame), and the guard page unmapped.
 * Whether an address is mapped is asked of the host with mincore-free
 * means: a frame's identity is checked by the probe, and the guard by
 * finding it outside every area's mapped range (the host reservation
 * gives no access there; tests/test_vmalloc.c proves the fault).
 *
 * Movable areas (migrate.c): every page order 0, marked MOVABLE_ID_VMALLOC,
 * its private its address; the isolated pages equal nr_isolated; nr_runs
 * is the runs of pages[] (for every area). For areas whose pages moved,
 * vmalloc_check_moved asks the host which frame each address maps: the
 * probes above cannot tell an old frame from a new one, whose contents
 * are equal.
 */
#include "log.h"
#include "page/internal.h"
#include "vmalloc/vmalloc.h"

#include <kmm/highmem.h>

#define CHECK_PROBES 4 /* frames per area whose identity is probed */

struct probe {
	volatile unsigned char *va;
	struct page *page;
};

int vmalloc_check(struct kmm_machine *m)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	unsigned long busy_n, busy_b, free_n, free_b, lazy_n = 0, lazy_b = 0, vpages = 0;
	long maps = 0;
	int problems = 0, bad_pages = 0;
	struct probe probes[64];
	int nprobes = 0;

	if (!v)
		return 0;
	kmm_spin_lock(&v->lock);
	problems += va_tree_check(v->busy_root, false, v->start, v->end, &busy_n, &busy_b);
	problems += va_tree_check(v->free_root, true, v->start, v->end, &free_n, &free_b);
	for (struct vmap_area *va = v->purge_list; va && lazy_n <= busy_n + free_n + 1000000;
	     va = va->purge_next) {
		lazy_n++;
		lazy_b += va->va_end - va->va_start;
	}
	if (busy_b + free_b + lazy_b != v->end - v->start)
		problems++;
	if (busy_n != v->nr_busy || free_n != v->nr_free_areas ||
	    (lazy_b >> m->page_shift) != v->vmap_lazy_nr)
		problems++;
	/* no two free blocks touch */
	for (struct vmap_area *f = va_tree_next(v->free_root, v->start); f;
	     f = va_tree_next(v->free_root, f->va_end)) {
		struct vmap_area *n = va_tree_next(v->free_root, f->va_end);

		if (n && n->va_start == f->va_end)
			problems++;
	}
	for (struct vmap_area *va = va_tree_next(v->busy_root, v->start); va;
	     va = va_tree_next(v->busy_root, va->va_end)) {
		struct vm_struct *vm = va->vm;

		if (!vm || (vm->flags & KMM_VM_UNINITIALIZED))
			continue;
		if ((uintptr_t)vm->addr != va->va_start || vm->size != va->va_end - va->va_start ||
		    vm->va != va)
			problems++;
		maps += (long)vm->nr_runs + 1;
		if (vm->flags & KMM_VM_ALLOC)
			vpages += vm->nr_pages;
		if (vm->nr_runs != vmalloc_count_runs(m, vm->pages, vm->nr_pages))
			problems++;
		if (vm->flags & VM_MOVABLE_AREA) {
			unsigned int isolated = 0;

			for (unsigned int i = 0; i < vm->nr_pages; i++) {
				struct page *p = vm->pages[i];

				if (!page_in_machine(m, p))
					continue; /* counted below */
				isolated += page_test(p, PG_movable_ops_isolated);
				if (page_movable_id(p) != MOVABLE_ID_VMALLOC ||
				    page_alloc_order(p) != 0 ||
				    READ_ONCE(p->private) !=
					    va->va_start + ((uintptr_t)i << m->page_shift))
					bad_pages++;
			}
			if (isolated != vm->nr_isolated)
				problems++;
		} else if (vm->nr_isolated || vm->nr_moved) {
			problems++;
		}
		for (unsigned int i = 0; i < vm->nr_pages; i++) {
			struct page *p = vm->pages[i];
			struct page *head = kmm_compound_head(m, p);

			(void)head;
			if (!page_in_machine(m, p) || page_test(p, PG_buddy) ||
			    page_test(p, PG_pcp)) {
				bad_pages++;
				continue;
			}
			if ((i % (vm->nr_pages / CHECK_PROBES + 1)) == 0 && nprobes < 64)
				probes[nprobes++] =
					(struct probe){ (volatile unsigned char *)vm->addr +
								((size_t)i << m->page_shift),
							p };
		}
		/* the page after the area is its guard: in no area's mapped range */
		if (!(vm->flags & KMM_VM_NO_GUARD) && vm->nr_pages &&
		    va->va_start + ((uintptr_t)vm->nr_pages << m->page_shift) >= va->va_end)
			problems++;
	}
	if (maps != v->host_maps || vpages != v->nr_vmalloc_pages)
		problems++;
	kmm_spin_unlock(&v->lock);
	/*
	 * The probes: what is read through the area is what the frame holds
	 * (kmap_local of the frame). The byte is only read, so a concurrent
	 * owner's data is untouched; a vfree racing with the check may unmap
	 * the area first, so the walker is for quiescent machines, as every
	 * kmm_check walker is.
	 */
	for (int i = 0; i < nprobes; i++) {
		unsigned char *direct = kmm_kmap_local_page(m, probes[i].page);

		if (!direct)
			continue;
		for (size_t off = 0; off < m->page_size; off += m->page_size / 8)
			if (direct[off] != probes[i].va[off]) {
				bad_pages++;
				break;
			}
		kmm_kunmap_local(m, direct);
	}
	problems += vmalloc_check_moved(m);
	if (problems || bad_pages)
		kmm_log(m,
			"kmm_check: vmalloc: %d problems, %d bad pages (%lu areas, %lu free "
			"blocks, "
			"%lu lazy; %ld host maps counted %ld; %lu pages counted %lu)\n",
			problems, bad_pages, busy_n, free_n, lazy_n, maps, v->host_maps, vpages,
			v->nr_vmalloc_pages);
	return problems + bad_pages;
}
