/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/vmalloc.c - vmalloc, vfree, vmap, vunmap, vmalloc_to_page
 * (Linux's __vmalloc_node_range, vm_area_alloc_pages, vfree, vmap).
 *
 * __vmalloc_node_range_m: a vm_struct and a vmap area of size + one guard
 * page; the page array (kmalloc'd up to a page, otherwise itself
 * vmalloc'd: "vpages" in vmallocinfo, as Linux); then the frames, from any
 * zone the gfp allows (vmalloc adds __GFP_HIGHMEM unless a DMA zone is
 * asked for, as Linux does), taken in blocks of up to 2^3 pages with
 * __GFP_NORETRY | __GFP_NOWARN and order 0 as the fallback, which makes
 * runs of physically contiguous frames likely; then each run is mapped
 * with one host call. Linux maps page by page; here each run costs one
 * host mapping (a VMA), and the process may hold vm.max_map_count = 65530
 * of them: the layer keeps the count (runs + 1 per area, the guard
 * splitting the reservation) against a budget and refuses an area that
 * would pass it, with a message, before the host refuses.
 *
 * vfree: the area is looked up by its start address under the lock and
 * unlinked from the busy tree (so a second vfree finds nothing), then its
 * range is returned to the reservation with one host call, its frames
 * freed and the area left to the lazy purge (area.c). From a context that
 * cannot sleep (the thread owns a CPU: get_cpu, kmap_local) the unlink
 * happens at once and the rest is deferred to the next vfree or vmalloc
 * that may sleep, as Linux hands it to a workqueue (vfree_atomic).
 *
 * Misuse, reported in the kernel's words, nothing changed: vfree of an
 * address that starts no area ("Trying to vfree() nonexistent vm area
 * (%p)": not a vmalloc address, an interior address, a double vfree), vfree
 * of a vmap area, vunmap of a vmalloc area ("Trying to vunmap() ...").
 */
#include "lib/lockdep.h"
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"
#include "smp/cpu.h"
#include "vmalloc/vmalloc.h"

#include <kmm/slab.h>

#define VM_RUN_ORDER PAGE_ALLOC_COSTLY_ORDER

static bool can_sleep(const struct kmm_machine *m)
{
	return preempt_held_cpu(m) < 0;
}

/* The kernel's WARN: the cut line, the message (kmm's "BUG:" report), the WARNING line. */
static void warn_vm(struct kmm_machine *m, const char *fmt, const void *addr)
{
	char comm[16];

	kmm_os_task_name(comm, sizeof(comm));
	kmm_log(m, "------------[ cut here ]------------\n");
	kmm_report_bad_call(m, fmt, addr);
	kmm_log(m, "WARNING: CPU: 0 PID: %s at vmalloc/vmalloc.c\n", comm);
}

/* Map the frames of vm in runs of contiguous pfns; 0 or -errno (all unmapped again). */
static int map_runs(struct kmm_machine *m, struct vm_struct *vm, unsigned int nr)
{
	char *base = vm->addr;
	unsigned int i = 0;

	while (i < nr) {
		unsigned long pfn = page_to_pfn(m, vm->pages[i]);
		unsigned int n = 1;
		int ret;

		while (i + n < nr && page_to_pfn(m, vm->pages[i + n]) == pfn + n)
			n++;
		ret = kmm_os_phys_map_fixed(m->phys_handle, (uint64_t)pfn << m->page_shift,
					    (size_t)n << m->page_shift,
					    base + ((size_t)i << m->page_shift));
		if (ret) {
			if (i)
				kmm_os_unmap_fixed(base, (size_t)i << m->page_shift);
			return ret;
		}
		i += n;
	}
	return 0;
}

unsigned int vmalloc_count_runs(struct kmm_machine *m, struct page **pages, unsigned int nr)
{
	unsigned int runs = 0;

	for (unsigned int i = 0; i < nr; i++)
		if (i == 0 || page_to_pfn(m, pages[i]) != page_to_pfn(m, pages[i - 1]) + 1)
			runs++;
	return runs;
}

/* Reserve runs + 1 host mappings in the budget; false (and a report) when it would pass it. */
static bool take_host_maps(struct kmm_machine *m, unsigned long size, unsigned int runs,
			   kmm_gfp_t gfp)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	long need = (long)runs + 1, used;
	bool ok;

	kmm_spin_lock(&v->lock);
	used = v->host_maps;
	ok = used + need <= v->max_host_maps;
	if (ok)
		v->host_maps += need;
	else
		v->refused_maps++;
	kmm_spin_unlock(&v->lock);
	if (!ok && !(gfp & __GFP_NOWARN))
		kmm_log(m,
			"vmalloc error: size %lu needs %ld host mappings (%u runs of contiguous "
			"frames and the guard), %ld of %ld in use: vm.max_map_count is 65530\n",
			size, need, runs, used, v->max_host_maps);
	return ok;
}

static void put_host_maps(struct kmm_machine *m, unsigned int runs)
{
	struct kmm_vmalloc *v = vmalloc_of(m);

	kmm_spin_lock(&v->lock);
	v->host_maps -= (long)runs + 1;
	kmm_spin_unlock(&v->lock);
}

/* Free the frames vmalloc took: each block head remembers its order. */
static void free_area_pages(struct kmm_machine *m, struct page **pages, unsigned int nr)
{
	unsigned int i = 0;

	while (i < nr) {
		int order = page_alloc_order(pages[i]);

		if (order < 0)
			order = 0;
		kmm_free_pages(m, pages[i], (unsigned int)order);
		i += 1u << order;
	}
}

static void free_pages_array(struct kmm_machine *m, struct page **pages)
{
	if (kmm_is_vmalloc_addr(m, pages))
		vfree_m(m, pages, "vfree");
	else
		kmm_kfree(m, pages);
}

/*
 * vm_area_alloc_pages: nr frames into pages[]; the number obtained. A
 * movable area's blocks are split into order-0 pages, each of which can
 * move on its own.
 */
static unsigned int alloc_area_pages(struct kmm_machine *m, kmm_gfp_t gfp, int node,
				     struct page **pages, unsigned int nr, bool split)
{
	unsigned int i = 0;
	int order = VM_RUN_ORDER;

	while (i < nr) {
		struct page *page = NULL;

		while (order > 0 && (1u << order) > nr - i)
			order--;
		if (order > 0)
			page = kmm_alloc_pages_node(
				m, node, (gfp & ~__GFP_NOFAIL) | __GFP_NORETRY | __GFP_NOWARN,
				(unsigned int)order);
		if (!page) {
			if (order > 0) { /* no block this size: smaller ones from now on */
				order--;
				continue;
			}
			page = kmm_alloc_pages_node(m, node, gfp | __GFP_NOWARN, 0);
			if (!page)
				break;
		}
		if (split && order > 0)
			split_page(m, page, (unsigned int)order);
		for (unsigned int j = 0; j < (1u << order); j++)
			pages[i + j] = page + j;
		i += 1u << order;
	}
	return i;
}

void *__vmalloc_node_range_m(struct kmm_machine *m, unsigned long size, unsigned long align,
			     kmm_gfp_t gfp, unsigned long vm_flags, int node, const void *caller)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	unsigned long real_size = size, area_size;
	unsigned int nr, got, runs;
	struct vm_struct *vm;
	struct vmap_area *va;
	size_t array_bytes;
	bool movable;
	int ret;

	if (!v) {
		kmm_report_bad_call(m,
				    "vmalloc: this machine has no vmalloc area (its memory is the "
				    "caller's and cannot be remapped)");
		return NULL;
	}
	if (gfp & __GFP_DIRECT_RECLAIM)
		might_sleep();
	if (can_sleep(m))
		drain_deferred_vfree(m);
	size = ALIGN_UP(size, m->page_size);
	if (size == 0 || size < real_size || (size >> m->page_shift) > m->totalram_pages) {
		if (real_size)
			warn_alloc(m, gfp, 0, NULL, "vmalloc error: size %lu, exceeds total pages",
				   real_size);
		return NULL;
	}
	nr = (unsigned int)(size >> m->page_shift);
	area_size = size + ((vm_flags & KMM_VM_NO_GUARD) ? 0 : m->page_size);
	if (!(gfp & (__GFP_DMA | __GFP_DMA32)))
		gfp |= __GFP_HIGHMEM;
	/*
	 * Movable (migrate.c) when asked and possible; otherwise the frames are
	 * not taken from movable pageblocks, which they would only pin.
	 */
	movable = (gfp & __GFP_MOVABLE) && !(gfp & (__GFP_DMA | __GFP_DMA32)) &&
		  !(vm_flags & KMM_VM_USERMAP) && READ_ONCE(v->can_hold) &&
		  __atomic_load_n(&m->movable[MOVABLE_ID_VMALLOC].ops, __ATOMIC_ACQUIRE);
	if (!movable)
		gfp &= ~__GFP_MOVABLE;
	vm = kmm_kmalloc(m, sizeof(*vm), (gfp & GFP_KERNEL) | __GFP_ZERO);
	if (!vm)
		goto fail_vm;
	va = alloc_vmap_area(m, area_size, align, vm);
	if (!va) {
		kmm_kfree(m, vm);
		goto fail_vm;
	}
	vm->addr = (void *)va->va_start;
	vm->size = area_size;
	vm->flags = KMM_VM_ALLOC | KMM_VM_UNINITIALIZED | vm_flags;
	vm->caller = caller;
	vm->va = va;
	array_bytes = (size_t)nr * sizeof(struct page *);
	if (array_bytes > m->page_size)
		vm->pages = __vmalloc_node_range_m(
			m, array_bytes, 1, (gfp & GFP_KERNEL) | __GFP_ZERO, 0, node, caller);
	else
		vm->pages = kmm_kmalloc_node(m, array_bytes, (gfp & GFP_KERNEL) | __GFP_ZERO, node);
	if (!vm->pages) {
		warn_alloc(m, gfp, 0, NULL,
			   "vmalloc error: size %lu, page array size %zu allocation failed",
			   nr * m->page_size, array_bytes);
		goto fail_area;
	}
	got = alloc_area_pages(m, gfp, node, vm->pages, nr, movable);
	if (got < nr) {
		warn_alloc(m, gfp, 0, NULL, "vmalloc error: size %lu, failed to allocate pages",
			   real_size);
		free_area_pages(m, vm->pages, got);
		goto fail_pages;
	}
	runs = vmalloc_count_runs(m, vm->pages, nr);
	if (!take_host_maps(m, real_size, runs, gfp)) {
		free_area_pages(m, vm->pages, nr);
		goto fail_pages;
	}
	ret = map_runs(m, vm, nr);
	if (ret) {
		put_host_maps(m, runs);
		kmm_log(m, "vmalloc error: size %lu, the host refused to map it (error %d)\n",
			real_size, -ret);
		vmalloc_of(m)->refused_maps++;
		free_area_pages(m, vm->pages, nr);
		goto fail_pages;
	}
	vm->nr_pages = nr;
	if (movable) {
		vmalloc_mark_movable(m, vm);
		vm->flags |= VM_MOVABLE_AREA;
	}
	kmm_spin_lock(&v->lock);
	vm->nr_runs = runs;
	vm->flags &= ~KMM_VM_UNINITIALIZED;
	v->nr_vmalloc_pages += nr;
	kmm_spin_unlock(&v->lock);
	return vm->addr;

fail_pages:
	free_pages_array(m, vm->pages);
fail_area:
	kmm_spin_lock(&v->lock);
	v->busy_root = va_tree_remove(v->busy_root, va, false);
	v->nr_busy--;
	kmm_spin_unlock(&v->lock);
	free_vmap_area_lazy(m, va);
	kmm_kfree(m, vm);
	return NULL;
fail_vm:
	warn_alloc(m, gfp, 0, NULL, "vmalloc error: size %lu, vm_struct allocation failed",
		   real_size);
	return NULL;
}

static struct vm_struct *unlink_area(struct kmm_machine *m, const void *addr, unsigned long want,
				     const char *fn, bool report);

/* The second half of vfree and vunmap: the area is already out of the busy tree. */
static void finish_vfree(struct kmm_machine *m, struct vm_struct *vm)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	unsigned long mapped = vm->size - ((vm->flags & KMM_VM_NO_GUARD) ? 0 : m->page_size);

	if (vm->flags & VM_FREEING)
		vmalloc_wait_isolated(m, vm); /* compaction still holds some of its pages */
	kmm_os_unmap_fixed(vm->addr, mapped);
	put_host_maps(m, vm->nr_runs);
	if (vm->flags & KMM_VM_ALLOC) {
		kmm_spin_lock(&v->lock);
		v->nr_vmalloc_pages -= vm->nr_pages;
		kmm_spin_unlock(&v->lock);
		free_area_pages(m, vm->pages, vm->nr_pages);
		free_pages_array(m, vm->pages);
	} else {
		kmm_kfree(m, vm->pages); /* vmap: kmm's copy of the caller's array */
	}
	free_vmap_area_lazy(m, vm->va);
	kmm_kfree(m, vm);
}

void drain_deferred_vfree(struct kmm_machine *m)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vm_struct *list;

	const void *bad = __atomic_exchange_n(&v->bad_atomic_addr, NULL, __ATOMIC_RELAXED);

	if (bad) /* a misuse seen while a CPU was owned: reported now */
		unlink_area(m, bad, KMM_VM_ALLOC, "vfree", true);
	if (!__atomic_load_n(&v->deferred, __ATOMIC_RELAXED))
		return;
	list = __atomic_exchange_n(&v->deferred, NULL, __ATOMIC_ACQUIRE);
	while (list) {
		struct vm_struct *next = list->defer_next;

		finish_vfree(m, list);
		list = next;
	}
}

/*
 * Unlink the area starting at addr whose kind matches want (VM_ALLOC for
 * vfree, VM_MAP for vunmap); NULL and a report otherwise, nothing changed.
 */
static struct vm_struct *unlink_area(struct kmm_machine *m, const void *addr, unsigned long want,
				     const char *fn, bool report)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vmap_area *va;
	struct vm_struct *vm = NULL;
	uintptr_t start = 0, end = 0;
	int why = 0; /* 1 nonexistent, 2 interior, 3 wrong kind */

	kmm_spin_lock(&v->lock);
	va = find_vmap_area_locked(v, (uintptr_t)addr);
	if (!va || !va->vm || (va->vm->flags & (KMM_VM_UNINITIALIZED | VM_FREEING))) {
		why = 1;
	} else if (va->va_start != (uintptr_t)addr) {
		why = 2, start = va->va_start, end = va->va_end;
	} else if (!(va->vm->flags & want)) {
		why = 3;
	} else if (va->vm->flags & VM_MOVABLE_AREA) {
		/* unlinked once no page is isolated (vmalloc_wait_isolated) */
		vm = va->vm;
		vm->flags |= VM_FREEING;
	} else {
		vm = va->vm;
		v->busy_root = va_tree_remove(v->busy_root, va, false);
		v->nr_busy--;
	}
	kmm_spin_unlock(&v->lock);
	if (!why || !report)
		return vm;
	if (why == 3) {
		warn_vm(m,
			want == KMM_VM_ALLOC
				? "Trying to vfree() %p: a vmap area, released with vunmap()"
				: "Trying to vunmap() %p: a vmalloc area, released with vfree()",
			addr);
		return NULL;
	}
	warn_vm(m,
		want == KMM_VM_ALLOC ? "Trying to vfree() nonexistent vm area (%p)"
				     : "Trying to vunmap() nonexistent vm area (%p)",
		addr);
	if (why == 2)
		kmm_log(m, "kmm: %s: %p lies inside the area %#lx-%#lx, not at its start\n", fn,
			addr, (unsigned long)start, (unsigned long)end);
	return NULL;
}

void vfree_m(struct kmm_machine *m, const void *addr, const char *fn)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vm_struct *vm;
	bool sleep_ok = can_sleep(m);

	if (!addr)
		return;
	if (!v) {
		kmm_report_bad_call(m, "%s: %p: this machine has no vmalloc area", fn, addr);
		return;
	}
	vm = unlink_area(m, addr, KMM_VM_ALLOC, fn, sleep_ok);
	if (!vm) {
		if (!sleep_ok) /* no report while a CPU is owned: kept for the next drain */
			__atomic_store_n(&v->bad_atomic_addr, addr, __ATOMIC_RELAXED);
		return;
	}
	if (!sleep_ok) {
		/* defer: push on the lock-free list, finished by the next vfree that may sleep */
		vm->defer_next = __atomic_load_n(&v->deferred, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&v->deferred, &vm->defer_next, vm, true,
						    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			;
		return;
	}
	drain_deferred_vfree(m);
	finish_vfree(m, vm);
}

void kmm_vfree(kmm_machine *m, const void *addr)
{
	if (m)
		vfree_m(m, addr, "vfree");
}

void kmm_vfree_atomic(kmm_machine *m, const void *addr)
{
	struct kmm_vmalloc *v;
	struct vm_struct *vm;

	if (!m || !addr)
		return;
	v = vmalloc_of(m);
	if (!v) {
		kmm_report_bad_call(m, "vfree_atomic: %p: this machine has no vmalloc area", addr);
		return;
	}
	vm = unlink_area(m, addr, KMM_VM_ALLOC, "vfree_atomic", can_sleep(m));
	if (!vm)
		return;
	vm->defer_next = __atomic_load_n(&v->deferred, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&v->deferred, &vm->defer_next, vm, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

void *kmm_vmap(kmm_machine *m, struct page **pages, unsigned int count, unsigned long flags)
{
	struct kmm_vmalloc *v;
	struct vm_struct *vm;
	struct vmap_area *va;
	unsigned int runs;
	int ret;

	if (!m)
		return NULL;
	v = vmalloc_of(m);
	if (!v) {
		kmm_report_bad_call(m, "vmap: this machine has no vmalloc area");
		return NULL;
	}
	might_sleep();
	if (!pages || count == 0 || count > m->totalram_pages)
		return NULL;
	for (unsigned int i = 0; i < count; i++) {
		if (!page_in_machine(m, pages[i]) || page_ref_count(pages[i]) <= 0 ||
		    page_test(pages[i], PG_buddy)) {
			kmm_report_bad_call(m, "vmap: page %u (%p) is not an allocated page", i,
					    (void *)pages[i]);
			return NULL;
		}
		/* migration moves a movable page without knowing of a second mapping of it */
		if (page_movable_id(pages[i])) {
			kmm_report_bad_call(
				m,
				"vmap: page %u (%p) is movable (movable_operations or a "
				"movable vmalloc area): migration would leave the mapping "
				"on its old frame",
				i, (void *)pages[i]);
			return NULL;
		}
	}
	drain_deferred_vfree(m);
	vm = kmm_kmalloc(m, sizeof(*vm), GFP_KERNEL | __GFP_ZERO);
	if (!vm)
		return NULL;
	vm->pages = kmm_kmalloc(m, (size_t)count * sizeof(*pages), GFP_KERNEL);
	if (!vm->pages) {
		kmm_kfree(m, vm);
		return NULL;
	}
	kmm_memcpy(vm->pages, pages, (size_t)count * sizeof(*pages));
	va = alloc_vmap_area(m, ((unsigned long)count + 1) << m->page_shift, 1, vm);
	if (!va)
		goto fail;
	vm->addr = (void *)va->va_start;
	vm->size = va->va_end - va->va_start;
	vm->flags = KMM_VM_MAP | KMM_VM_UNINITIALIZED | (flags & ~KMM_VM_ALLOC);
	vm->caller = __builtin_return_address(0);
	vm->va = va;
	runs = vmalloc_count_runs(m, vm->pages, count);
	if (!take_host_maps(m, (unsigned long)count << m->page_shift, runs, 0))
		goto fail_area;
	ret = map_runs(m, vm, count);
	if (ret) {
		put_host_maps(m, runs);
		kmm_log(m, "vmap: the host refused to map %u pages (error %d)\n", count, -ret);
		goto fail_area;
	}
	kmm_spin_lock(&v->lock);
	vm->nr_pages = count;
	vm->nr_runs = runs;
	vm->flags &= ~KMM_VM_UNINITIALIZED;
	kmm_spin_unlock(&v->lock);
	return vm->addr;

fail_area:
	kmm_spin_lock(&v->lock);
	v->busy_root = va_tree_remove(v->busy_root, va, false);
	v->nr_busy--;
	kmm_spin_unlock(&v->lock);
	free_vmap_area_lazy(m, va);
fail:
	kmm_kfree(m, vm->pages);
	kmm_kfree(m, vm);
	return NULL;
}

void kmm_vunmap(kmm_machine *m, const void *addr)
{
	struct vm_struct *vm;

	if (!m || !addr)
		return;
	if (!vmalloc_of(m)) {
		kmm_report_bad_call(m, "vunmap: %p: this machine has no vmalloc area", addr);
		return;
	}
	might_sleep();
	vm = unlink_area(m, addr, KMM_VM_MAP, "vunmap", true);
	if (vm)
		finish_vfree(m, vm);
}

struct page *kmm_vmalloc_to_page(kmm_machine *m, const void *addr)
{
	struct kmm_vmalloc *v;
	struct vmap_area *va;
	struct page *page = NULL;

	if (!m || !(v = vmalloc_of(m)))
		return NULL;
	if (!kmm_is_vmalloc_addr(m, addr)) {
		kmm_report_bad_call(m, "vmalloc_to_page: %p is not a vmalloc address", addr);
		return NULL;
	}
	kmm_spin_lock(&v->lock);
	va = find_vmap_area_locked(v, (uintptr_t)addr);
	if (va && va->vm && !(va->vm->flags & (KMM_VM_UNINITIALIZED | VM_FREEING))) {
		unsigned long idx = ((uintptr_t)addr - va->va_start) >> m->page_shift;

		if (idx < va->vm->nr_pages)
			page = va->vm->pages[idx];
	}
	kmm_spin_unlock(&v->lock);
	return page;
}

unsigned long kmm_vmalloc_to_pfn(kmm_machine *m, const void *addr)
{
	struct page *page = kmm_vmalloc_to_page(m, addr);

	return page ? page_to_pfn(m, page) : 0;
}

int kmm_is_vmalloc_addr(const kmm_machine *m, const void *addr)
{
	const struct kmm_vmalloc *v = m ? vmalloc_of(m) : NULL;

	return v && (uintptr_t)addr >= v->start && (uintptr_t)addr < v->end;
}

/* ---- the vmalloc family ---------------------------------------------------------- */

#define CALLER __builtin_return_address(0)

/* vmalloc_movable=1: the family's default gains __GFP_MOVABLE (kmm's key; Linux's stays off). */
static kmm_gfp_t family_gfp(const kmm_machine *m, kmm_gfp_t gfp)
{
	return m && m->desc.vmalloc_movable ? gfp | __GFP_MOVABLE : gfp;
}

void *kmm_vmalloc(kmm_machine *m, unsigned long size)
{
	return __vmalloc_node_range_m(m, size, 1, family_gfp(m, GFP_KERNEL), 0, -1, CALLER);
}

void *kmm_vzalloc(kmm_machine *m, unsigned long size)
{
	return __vmalloc_node_range_m(m, size, 1, family_gfp(m, GFP_KERNEL | __GFP_ZERO), 0, -1,
				      CALLER);
}

void *kmm_vmalloc_node(kmm_machine *m, unsigned long size, int nid)
{
	return __vmalloc_node_range_m(m, size, 1, family_gfp(m, GFP_KERNEL), 0, nid, CALLER);
}

void *kmm_vzalloc_node(kmm_machine *m, unsigned long size, int nid)
{
	return __vmalloc_node_range_m(m, size, 1, family_gfp(m, GFP_KERNEL | __GFP_ZERO), 0, nid,
				      CALLER);
}

void *kmm_vmalloc_32(kmm_machine *m, unsigned long size)
{
	return __vmalloc_node_range_m(m, size, 1, GFP_KERNEL | __GFP_DMA32, 0, -1, CALLER);
}

void *kmm_vmalloc_user(kmm_machine *m, unsigned long size)
{
	return __vmalloc_node_range_m(m, size, 1, GFP_KERNEL | __GFP_ZERO, KMM_VM_USERMAP, -1,
				      CALLER);
}

void *kmm_vmalloc_32_user(kmm_machine *m, unsigned long size)
{
	return __vmalloc_node_range_m(m, size, 1, GFP_KERNEL | __GFP_DMA32 | __GFP_ZERO,
				      KMM_VM_USERMAP, -1, CALLER);
}

void *kmm_vmalloc_array(kmm_machine *m, size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return __vmalloc_node_range_m(m, bytes, 1, family_gfp(m, GFP_KERNEL), 0, -1, CALLER);
}

void *kmm___vmalloc(kmm_machine *m, unsigned long size, kmm_gfp_t gfp)
{
	return __vmalloc_node_range_m(m, size, 1, gfp, 0, -1, CALLER);
}

/* vm_unmap_aliases: finish deferred vfrees and purge every lazily freed area now. */
void kmm_vm_unmap_aliases(kmm_machine *m)
{
	if (!m || !vmalloc_of(m))
		return;
	might_sleep();
	drain_deferred_vfree(m);
	purge_vmap_area_lazy(m);
}
