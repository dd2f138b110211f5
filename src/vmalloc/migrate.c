/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/migrate.c - movable vmalloc areas: the pages behind them move to
 * new frames while the owner keeps its pointer (docs/compaction.md, "The
 * vmalloc kind").
 *
 * An area is movable when it was asked for with __GFP_MOVABLE (or
 * vmalloc_movable=1 made that vmalloc's default), the machine has
 * compaction's registry and the host can hold writers off
 * (kmm_os_hold_writers). Its frames are order-0 pages (blocks split with
 * split_page), each marked MOVABLE_ID_VMALLOC with page->private the
 * address it is mapped at. The vmalloc layer is then one more owner of
 * movable pages: compaction and contig ranges isolate and migrate them
 * through vmalloc_movable_ops like any other owner's, with no second path.
 *
 * Moving one page (vmalloc_migrate_page), with no kmm lock held:
 *   1. under vmap_area_lock: the area of the page (found from its address,
 *      the page still at its index), two host mappings reserved in the
 *      budget (a held page in the middle of a run splits it in three);
 *   2. kmm_os_hold_writers(addr): the page is read-only; a writer waits in
 *      the host's fault handler; readers go on reading the old frame, which
 *      nobody can change now;
 *   3. copy_highpage(dst, src), then kmm_os_phys_map_fixed of dst at addr
 *      (writable: the old mapping is replaced in one host call);
 *   4. under the lock: pages[idx] = dst, the runs and the budget recounted
 *      for the pages' new neighbours, the move recorded for kmm_check;
 *   5. the hold ends; held writers write into dst.
 * The rule a concurrent user sees: reads never stop and always see the
 * page's current contents (old frame and new frame are equal from step 2
 * on); writes wait for at most one page copy and one host call. A write the
 * host itself makes (a system call filling the buffer) fails with EFAULT
 * during that window instead of waiting: movable areas are for memory only
 * the program's own threads touch.
 *
 * vfree of an area with isolated pages marks it VM_FREEING (isolation and
 * every lookup refuse it, a second vfree reports it nonexistent), waits
 * until compaction has given each page back or moved it, then unlinks it.
 *
 * Invariants (check.c): every page of a movable area is an allocated
 * order-0 page marked MOVABLE_ID_VMALLOC whose private is its address; the
 * area's isolated pages equal nr_isolated; nr_runs equals the runs of
 * pages[]; for every area with moved pages the host maps each address to
 * the frame in pages[] (kmm_os_phys_mappings); the old frame of each recent
 * move is no longer the area's page and no longer marked as one.
 */
#include "lib/lockdep.h"
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"
#include "vmalloc/vmalloc.h"

#include <kmm/highmem.h>

/* The area page belongs to, under the lock: the page must still be at its index. */
static struct vm_struct *area_of_page(struct kmm_vmalloc *v, struct kmm_machine *m,
				      struct page *page, bool freeing_ok, unsigned int *idx)
{
	uintptr_t addr = READ_ONCE(page->private);
	struct vmap_area *va;
	struct vm_struct *vm;
	unsigned long i;

	if (addr < v->start || addr >= v->end)
		return NULL;
	va = find_vmap_area_locked(v, addr);
	if (!va || !(vm = va->vm) || !(vm->flags & VM_MOVABLE_AREA) ||
	    (vm->flags & KMM_VM_UNINITIALIZED) || (!freeing_ok && (vm->flags & VM_FREEING)))
		return NULL;
	i = (addr - va->va_start) >> m->page_shift;
	if (i >= vm->nr_pages || vm->pages[i] != page)
		return NULL;
	*idx = (unsigned int)i;
	return vm;
}

static bool vmalloc_isolate_page(kmm_machine *m, struct page *page, kmm_isolate_mode_t mode,
				 void *ctx)
{
	struct kmm_vmalloc *v = ctx;
	struct vm_struct *vm;
	unsigned int idx;

	(void)mode;
	kmm_spin_lock(&v->lock);
	vm = area_of_page(v, m, page, false, &idx);
	if (vm)
		vm->nr_isolated++;
	kmm_spin_unlock(&v->lock);
	return vm != NULL;
}

static void vmalloc_putback_page(kmm_machine *m, struct page *page, void *ctx)
{
	struct kmm_vmalloc *v = ctx;
	struct vm_struct *vm;
	unsigned int idx;

	kmm_spin_lock(&v->lock);
	vm = area_of_page(v, m, page, true, &idx);
	KMM_BUG_ON(m, !vm || !vm->nr_isolated);
	if (vm)
		vm->nr_isolated--;
	kmm_spin_unlock(&v->lock);
}

/* Is frame b the one after frame a? */
static inline bool follows(struct kmm_machine *m, const struct page *a, const struct page *b)
{
	return page_to_pfn(m, b) == page_to_pfn(m, a) + 1;
}

/* How the runs of vm->pages change when pages[idx] goes from src to dst. */
static long runs_delta(struct kmm_machine *m, struct vm_struct *vm, unsigned int idx,
		       const struct page *src, const struct page *dst)
{
	long d = 0;

	if (idx > 0)
		d += (long)!follows(m, vm->pages[idx - 1], dst) -
		     (long)!follows(m, vm->pages[idx - 1], src);
	if (idx + 1 < vm->nr_pages)
		d += (long)!follows(m, dst, vm->pages[idx + 1]) -
		     (long)!follows(m, src, vm->pages[idx + 1]);
	return d;
}

#define HOLD_MAPS 2 /* a held page inside a run splits it in three */

static int vmalloc_migrate_page(kmm_machine *m, struct page *dst, struct page *src,
				enum kmm_migrate_mode mode, void *ctx)
{
	struct kmm_vmalloc *v = ctx;
	uintptr_t addr = READ_ONCE(src->private);
	size_t size = m->page_size;
	struct vm_struct *vm;
	struct vm_move *rec;
	unsigned int idx;
	long delta;
	int ret;

	(void)mode; /* nothing here sleeps on a lock: every mode moves the same way */
	kmm_spin_lock(&v->lock);
	vm = area_of_page(v, m, src, false, &idx);
	if (!vm || v->host_maps + HOLD_MAPS > v->max_host_maps) {
		v->migrate_refused++;
		kmm_spin_unlock(&v->lock);
		return KMM_EBUSY; /* being vfree'd, or no room in the mapping budget */
	}
	v->host_maps += HOLD_MAPS;
	kmm_spin_unlock(&v->lock);

	ret = kmm_os_hold_writers((void *)addr, size);
	if (ret) {
		kmm_spin_lock(&v->lock);
		v->host_maps -= HOLD_MAPS;
		v->migrate_refused++;
		if (ret == -KMM_OS_ENOSYS)
			v->can_hold = false; /* new areas are not made movable any more */
		kmm_spin_unlock(&v->lock);
		return ret == -KMM_OS_ENOSYS ? KMM_EBUSY : KMM_EAGAIN;
	}
	kmm_copy_highpage(m, dst, src);
	ret = kmm_os_phys_map_fixed(m->phys_handle, (uint64_t)page_to_pfn(m, dst) << m->page_shift,
				    size, (void *)addr);
	if (ret) {
		kmm_os_release_writers((void *)addr, size, 1);
		kmm_spin_lock(&v->lock);
		v->host_maps -= HOLD_MAPS;
		v->migrate_refused++;
		kmm_spin_unlock(&v->lock);
		return KMM_EAGAIN;
	}
	WRITE_ONCE(dst->private, addr);
	kmm_spin_lock(&v->lock);
	delta = runs_delta(m, vm, idx, src, dst);
	WRITE_ONCE(vm->pages[idx], dst);
	vm->nr_runs = (unsigned int)((long)vm->nr_runs + delta);
	v->host_maps += delta - HOLD_MAPS;
	vm->nr_isolated--;
	vm->nr_moved++;
	v->pages_migrated++;
	rec = &v->recent[v->recent_next++ % NR_RECENT_MOVES];
	rec->addr = addr;
	rec->old_pfn = page_to_pfn(m, src);
	rec->new_pfn = page_to_pfn(m, dst);
	kmm_spin_unlock(&v->lock);
	kmm_os_release_writers((void *)addr, size, 0);
	/* src is migrate.c's now: it clears the mark and frees it */
	return 0;
}

const struct kmm_movable_operations vmalloc_movable_ops = {
	.isolate_page = vmalloc_isolate_page,
	.migrate_page = vmalloc_migrate_page,
	.putback_page = vmalloc_putback_page,
};

void vmalloc_mark_movable(struct kmm_machine *m, struct vm_struct *vm)
{
	uintptr_t addr = (uintptr_t)vm->addr;

	for (unsigned int i = 0; i < vm->nr_pages; i++, addr += m->page_size) {
		struct page *p = vm->pages[i];

		WRITE_ONCE(p->private, addr);
		__atomic_add_fetch(&m->movable[MOVABLE_ID_VMALLOC].pages, 1, __ATOMIC_RELAXED);
		set_page_movable_id(p, MOVABLE_ID_VMALLOC);
	}
}

void vmalloc_wait_isolated(struct kmm_machine *m, struct vm_struct *vm)
{
	struct kmm_vmalloc *v = vmalloc_of(m);

	for (;;) {
		kmm_spin_lock(&v->lock);
		if (!vm->nr_isolated) {
			v->busy_root = va_tree_remove(v->busy_root, vm->va, false);
			v->nr_busy--;
			kmm_spin_unlock(&v->lock);
			return;
		}
		kmm_spin_unlock(&v->lock);
		kmm_os_yield(); /* compaction moves or gives back what it holds */
	}
}

/* ---- kmm_check: the host's mappings of areas whose pages moved ---------------------------- */

struct map_walk {
	struct kmm_machine *m;
	struct kmm_vmalloc *v;
	int bad;	    /* pages the host maps to another frame than pages[] */
	uintptr_t bad_addr; /* the first wrong mapping, logged after the walk */
	unsigned long bad_pfn, want_pfn;
};

static void check_one_mapping(void *ctx, uintptr_t addr, size_t size, uint64_t offset)
{
	struct map_walk *w = ctx;
	struct kmm_machine *m = w->m;
	struct kmm_vmalloc *v = w->v;

	kmm_spin_lock(&v->lock);
	for (size_t off = 0; off < size; off += m->page_size) {
		uintptr_t a = addr + off;
		unsigned long pfn = (unsigned long)((offset + off) >> m->page_shift);
		struct vmap_area *va = find_vmap_area_locked(v, a);
		struct vm_struct *vm = va ? va->vm : NULL;
		unsigned long idx;

		if (!vm || (vm->flags & KMM_VM_UNINITIALIZED) || !(vm->flags & VM_MOVABLE_AREA) ||
		    !vm->nr_moved)
			continue;
		idx = (a - va->va_start) >> m->page_shift;
		if (idx >= vm->nr_pages || page_to_pfn(m, vm->pages[idx]) != pfn) {
			if (!w->bad++) {
				w->bad_addr = a;
				w->bad_pfn = pfn;
				w->want_pfn =
					idx < vm->nr_pages ? page_to_pfn(m, vm->pages[idx]) : 0;
			}
			continue;
		}
		vm->check_mapped++;
	}
	kmm_spin_unlock(&v->lock);
}

int vmalloc_check_moved(struct kmm_machine *m)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct map_walk w = { .m = m, .v = v };
	struct vm_move stale_rec = { 0 };
	void *bad_area = NULL;
	unsigned long bad_mapped = 0;
	unsigned int bad_nr = 0;
	bool any = false;
	int stale = 0, unmapped = 0, ret;

	kmm_spin_lock(&v->lock);
	for (struct vmap_area *va = va_tree_next(v->busy_root, v->start); va;
	     va = va_tree_next(v->busy_root, va->va_end))
		if (va->vm) {
			va->vm->check_mapped = 0;
			any |= va->vm->nr_moved != 0;
		}
	/* the old frame of each recent move is not the area's page any more */
	for (unsigned int i = 0; i < NR_RECENT_MOVES; i++) {
		const struct vm_move *r = &v->recent[i];
		struct page *old;

		if (!r->addr || !pfn_valid(m, r->old_pfn))
			continue;
		old = pfn_to_page(m, r->old_pfn);
		if (page_movable_id(old) == MOVABLE_ID_VMALLOC &&
		    READ_ONCE(old->private) == r->addr) {
			struct vmap_area *va = find_vmap_area_locked(v, r->addr);

			if (va && va->vm && (va->vm->flags & VM_MOVABLE_AREA) &&
			    va->vm->pages[(r->addr - va->va_start) >> m->page_shift] == old)
				continue; /* moved back there since: it is the page again */
			if (!stale++)
				stale_rec = *r;
		}
	}
	kmm_spin_unlock(&v->lock);
	if (stale)
		kmm_log(m,
			"kmm_check: vmalloc: pfn %#lx, moved from %#lx to pfn %#lx, still looks "
			"like the area's page (%d such)\n",
			stale_rec.old_pfn, (unsigned long)stale_rec.addr, stale_rec.new_pfn, stale);
	if (!any)
		return stale;
	ret = kmm_os_phys_mappings(m->phys_handle, (const void *)v->start, (const void *)v->end,
				   check_one_mapping, &w);
	if (ret)
		return stale; /* the host cannot tell: the probes of check.c remain */
	if (w.bad)
		kmm_log(m,
			"kmm_check: vmalloc: %#lx maps pfn %#lx, the area's page array says %#lx\n",
			(unsigned long)w.bad_addr, w.bad_pfn, w.want_pfn);
	kmm_spin_lock(&v->lock);
	for (struct vmap_area *va = va_tree_next(v->busy_root, v->start); va;
	     va = va_tree_next(v->busy_root, va->va_end)) {
		struct vm_struct *vm = va->vm;

		if (!vm || !vm->nr_moved || (vm->flags & KMM_VM_UNINITIALIZED))
			continue;
		if (vm->check_mapped != vm->nr_pages && !unmapped++) {
			bad_area = vm->addr;
			bad_mapped = vm->check_mapped;
			bad_nr = vm->nr_pages;
		}
	}
	kmm_spin_unlock(&v->lock);
	if (unmapped)
		kmm_log(m,
			"kmm_check: vmalloc: area %p: the host maps %lu of its %u pages to the "
			"frames of its page array (%d such areas)\n",
			bad_area, bad_mapped, bad_nr, unmapped);
	return stale + w.bad + unmapped;
}
