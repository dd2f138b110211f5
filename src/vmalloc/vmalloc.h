/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/vmalloc.h - the vmalloc layer: virtually contiguous memory made
 * of physically scattered frames, mapped for real (docs/vmalloc.md).
 *
 *   tree.c     the AVL trees of vmap areas: busy (by address) and free
 *              (by address, each node augmented with the largest hole in
 *              its subtree, so the lowest fit is found in O(log n));
 *   area.c     vmap areas: allocation from the free tree with a guard page,
 *              lazy freeing with the vmap_lazy_nr purge threshold;
 *   vmalloc.c  __vmalloc_node_range and the vmalloc family, vfree (deferred
 *              from a context that cannot sleep), vmap / vunmap,
 *              vmalloc_to_page, the host mapping budget;
 *   kvmalloc.c kvmalloc / kvzalloc / kvcalloc / kvrealloc / kvfree;
 *   info.c     /proc/vmallocinfo and the meminfo figures;
 *   migrate.c  movable areas (__GFP_MOVABLE, vmalloc_movable=): the layer's
 *              movable_operations, a page copied to a new frame and
 *              remapped at the same address while writers are held off;
 *   check.c    the kmm_check walker;
 *   stack.c    kernel stacks (THREAD_SIZE, CONFIG_VMAP_STACK).
 *
 * The vmalloc area is one host reservation [VMALLOC_START, VMALLOC_END),
 * sized by vmalloc= (kmm: 32G by default). A live area's frames are mapped
 * with kmm_os_phys_map_fixed in runs of physically contiguous frames; the
 * page after each area (the guard) stays in the reservation, without
 * access. An area freed by vfree is unmapped at once (its range returned
 * to the reservation: a stale pointer faults), its frames go back to the
 * buddy allocator, and its address range waits on the purge list until
 * vmap_lazy_nr passes lazy_max_pages; then the whole list returns to the
 * free tree in one batch under the lock (Linux defers the TLB flush the
 * same way; here what is deferred is the reuse of the addresses).
 *
 * Locks: vmap_area_lock (rank 73, leaf) protects both trees, the purge list
 * and the counters. Nothing is allocated, mapped or logged under it: the
 * vmap_area and vm_struct are allocated before, the host calls made after.
 */
#ifndef KMM_VMALLOC_VMALLOC_H
#define KMM_VMALLOC_VMALLOC_H

#include "machine.h"

#include <kmm/compaction.h>
#include <kmm/vmalloc.h>

struct vm_struct;

struct vmap_area {
	uintptr_t va_start, va_end;
	struct vmap_area *left, *right;
	int height;
	unsigned long subtree_max_size; /* free tree: largest va_end - va_start below */
	struct vm_struct *vm;		/* busy: the area's description, NULL for a bare vmap */
	struct vmap_area *purge_next;	/* on the purge list */
};

/*
 * Flags of kmm's own, above the kernel's VM_* (include/kmm/vmalloc.h):
 * VM_MOVABLE_AREA  the frames are order-0 pages marked MOVABLE_ID_VMALLOC,
 *                  each page's private the address it is mapped at;
 * VM_FREEING       vfree'd while pages were isolated: still in the busy
 *                  tree (isolation refused, migrate/putback still find it)
 *                  until nr_isolated is 0, invisible to every other lookup.
 */
#define VM_MOVABLE_AREA 0x01000000ul
#define VM_FREEING 0x02000000ul

struct vm_struct {
	void *addr;
	unsigned long size; /* with the guard page */
	unsigned long flags;
	struct page **pages;
	unsigned int nr_pages;
	unsigned int nr_runs;	    /* host mappings of the frames */
	unsigned int nr_isolated;   /* pages taken for migration (under the lock) */
	unsigned int nr_moved;	    /* pages migrated since the area was made */
	unsigned long check_mapped; /* kmm_check: pages the host maps where they should be */
	uint64_t phys_addr;
	const void *caller;
	struct vmap_area *va;
	struct vm_struct *defer_next; /* vfree from a context that cannot sleep */
};

#define NR_CACHED_STACKS 2 /* freed kernel stacks kept per CPU, as Linux */
#define NR_RECENT_MOVES 16 /* the last migrations, kept for kmm_check */

struct vm_move {
	uintptr_t addr; /* 0: unused */
	unsigned long old_pfn, new_pfn;
};

struct kmm_stack_cache {
	void *cached[NR_CACHED_STACKS];
};

struct kmm_vmalloc {
	unsigned int state_order;
	struct vmap_area first; /* the first free block, part of the state: never kfree'd */
	uintptr_t start, end;	/* VMALLOC_START, VMALLOC_END */
	void *reserve;		/* the host reservation around them */
	size_t reserve_bytes;
	kmm_spinlock lock; /* vmap_area_lock */
	struct vmap_area *busy_root, *free_root;
	struct vmap_area *purge_list;
	unsigned long vmap_lazy_nr; /* pages on the purge list */
	unsigned long lazy_max_pages;
	unsigned long nr_busy, nr_free_areas;
	unsigned long nr_vmalloc_pages; /* pages allocated by vmalloc (VmallocUsed) */
	long host_maps;			/* mappings kept in the host for live areas */
	long max_host_maps;		/* budget: vm.max_map_count less a reserve */
	unsigned long purges, purged_areas, refused_maps;
	/* movable areas (migrate.c) */
	bool can_hold;		      /* the host can hold writers off: pages may move */
	unsigned long pages_migrated; /* vmalloc pages moved to a new frame */
	unsigned long migrate_refused;
	struct vm_move recent[NR_RECENT_MOVES];
	unsigned int recent_next;
	struct vm_struct *deferred;  /* lock-free stack of vfrees to finish */
	const void *bad_atomic_addr; /* a bad vfree seen while a CPU was owned */
	/* kernel stacks (stack.c) */
	unsigned long thread_size;
	unsigned long stack_cache_hits;
	struct kmm_stack_cache stack_cache[KMM_MAX_CPUS];
};

/* tree.c */
struct vmap_area *va_tree_insert(struct vmap_area *root, struct vmap_area *va, bool augment);
struct vmap_area *va_tree_remove(struct vmap_area *root, struct vmap_area *va, bool augment);
struct vmap_area *va_tree_find(struct vmap_area *root,
			       uintptr_t addr); /* va_start <= addr < va_end */
/* The lowest-addressed free area with room for size bytes at align; NULL if none. */
struct vmap_area *va_tree_lowest_fit(struct vmap_area *root, unsigned long size,
				     unsigned long align);
/* Neighbours in address order (free tree merging). */
struct vmap_area *va_tree_prev(struct vmap_area *root, uintptr_t addr);
struct vmap_area *va_tree_next(struct vmap_area *root, uintptr_t addr);
int va_tree_check(struct vmap_area *root, bool augment, uintptr_t lo, uintptr_t hi,
		  unsigned long *count, unsigned long *bytes);

/* area.c */
struct vmap_area *alloc_vmap_area(struct kmm_machine *m, unsigned long size, unsigned long align,
				  struct vm_struct *vm);
void free_vmap_area_lazy(struct kmm_machine *m, struct vmap_area *va);
void purge_vmap_area_lazy(struct kmm_machine *m);
/* The busy area containing addr, or NULL; under the lock when locked. */
struct vmap_area *find_vmap_area_locked(struct kmm_vmalloc *v, uintptr_t addr);

/* vmalloc.c */
void *__vmalloc_node_range_m(struct kmm_machine *m, unsigned long size, unsigned long align,
			     kmm_gfp_t gfp, unsigned long vm_flags, int node, const void *caller);
void vfree_m(struct kmm_machine *m, const void *addr, const char *fn);
void drain_deferred_vfree(struct kmm_machine *m);

/* the layer row */
int vmalloc_init(struct kmm_machine *m);
int vmalloc_check(struct kmm_machine *m);
void vmalloc_teardown(struct kmm_machine *m);

/* migrate.c */
extern const struct kmm_movable_operations vmalloc_movable_ops;
/* The frames of a new movable area: order-0 pages, marked, each knowing its address. */
void vmalloc_mark_movable(struct kmm_machine *m, struct vm_struct *vm);
/* vfree of a movable area: wait until no page is isolated, then unlink it. */
void vmalloc_wait_isolated(struct kmm_machine *m, struct vm_struct *vm);
int vmalloc_check_moved(struct kmm_machine *m);
/* Count runs of physically contiguous frames (vmalloc.c). */
unsigned int vmalloc_count_runs(struct kmm_machine *m, struct page **pages, unsigned int nr);

/* stack.c */
unsigned long stack_thread_size(struct kmm_machine *m);

static inline struct kmm_vmalloc *vmalloc_of(const struct kmm_machine *m)
{
	return m->vmalloc;
}

#endif /* KMM_VMALLOC_VMALLOC_H */
