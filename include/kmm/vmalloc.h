/* SPDX-License-Identifier: MIT */
/*
 * kmm/vmalloc.h - virtually contiguous memory from physically scattered
 * frames: vmalloc and its family, vmap / vunmap, kvmalloc, kernel stacks
 * (docs/vmalloc.md).
 *
 *	char *buf = kmm_vmalloc(m, 64 << 20);	// 64 MiB, frames from any zone
 *	...					// (highmem first), mapped for real
 *	kmm_vfree(m, buf);
 *
 * The vmalloc area is a range of the host's address space reserved per
 * machine (vmalloc=SIZE, 32G by default). Each area is followed by an
 * unmapped guard page: running off its end faults. A machine over caller
 * memory (kmm_machine_create_on) has no vmalloc area: every call fails
 * with a report.
 */
#ifndef KMM_VMALLOC_H
#define KMM_VMALLOC_H

#include <kmm/kmm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* vm_struct flags (the kernel's VM_* values) */
#define KMM_VM_IOREMAP 0x00000001ul
#define KMM_VM_ALLOC 0x00000002ul
#define KMM_VM_MAP 0x00000004ul
#define KMM_VM_USERMAP 0x00000008ul
#define KMM_VM_DMA_COHERENT 0x00000010ul
#define KMM_VM_UNINITIALIZED 0x00000020ul
#define KMM_VM_NO_GUARD 0x00000040ul
#define KMM_VM_MAP_PUT_PAGES 0x00000200ul

/* ---- vmalloc --------------------------------------------------------------- */

/* size bytes, virtually contiguous; GFP_KERNEL | __GFP_HIGHMEM; NULL on failure. */
KMM_API void *kmm_vmalloc(kmm_machine *m, unsigned long size);
/* Same, zeroed. */
KMM_API void *kmm_vzalloc(kmm_machine *m, unsigned long size);
/* Frames preferably from node nid (-1: any). */
KMM_API void *kmm_vmalloc_node(kmm_machine *m, unsigned long size, int nid);
KMM_API void *kmm_vzalloc_node(kmm_machine *m, unsigned long size, int nid);
/* Frames below 4 GiB (GFP_DMA32). */
KMM_API void *kmm_vmalloc_32(kmm_machine *m, unsigned long size);
/* Zeroed, VM_USERMAP (may be mapped to user space). */
KMM_API void *kmm_vmalloc_user(kmm_machine *m, unsigned long size);
KMM_API void *kmm_vmalloc_32_user(kmm_machine *m, unsigned long size);
/* n elements of size bytes; NULL if n * size overflows. */
KMM_API void *kmm_vmalloc_array(kmm_machine *m, size_t n, size_t size);
/* __vmalloc: with the caller's gfp mask (GFP_KERNEL, GFP_NOFS, __GFP_ZERO ...). */
KMM_API void *kmm___vmalloc(kmm_machine *m, unsigned long size, kmm_gfp_t gfp);
/* Free a vmalloc area; NULL is ignored. From a context that cannot sleep, deferred. */
KMM_API void kmm_vfree(kmm_machine *m, const void *addr);
/* vfree that always defers the work (vfree_atomic). */
KMM_API void kmm_vfree_atomic(kmm_machine *m, const void *addr);

/* ---- vmap ------------------------------------------------------------------ */

/* Map count caller pages contiguously (VM_MAP); the pages stay the caller's. */
KMM_API void *kmm_vmap(kmm_machine *m, struct page **pages, unsigned int count,
		       unsigned long flags);
KMM_API void kmm_vunmap(kmm_machine *m, const void *addr);
/* The page mapped at addr in a vmalloc or vmap area; NULL elsewhere (the guard page too). */
KMM_API struct page *kmm_vmalloc_to_page(kmm_machine *m, const void *addr);
KMM_API unsigned long kmm_vmalloc_to_pfn(kmm_machine *m, const void *addr);
/* vm_unmap_aliases: finish deferred vfrees, purge the lazily freed areas now. */
KMM_API void kmm_vm_unmap_aliases(kmm_machine *m);
/* 1 when addr lies in the vmalloc area [VMALLOC_START, VMALLOC_END). */
KMM_API int kmm_is_vmalloc_addr(const kmm_machine *m, const void *addr);

/* ---- kvmalloc -------------------------------------------------------------- */

/* kmalloc first; above a page, vmalloc when kmalloc fails and gfp may block. */
KMM_API void *kmm_kvmalloc(kmm_machine *m, size_t size, kmm_gfp_t gfp);
KMM_API void *kmm_kvmalloc_node(kmm_machine *m, size_t size, kmm_gfp_t gfp, int nid);
KMM_API void *kmm_kvzalloc(kmm_machine *m, size_t size, kmm_gfp_t gfp);
KMM_API void *kmm_kvmalloc_array(kmm_machine *m, size_t n, size_t size, kmm_gfp_t gfp);
KMM_API void *kmm_kvcalloc(kmm_machine *m, size_t n, size_t size, kmm_gfp_t gfp);
/* Resize (contents kept up to the smaller size); p may be kmalloc'd or vmalloc'd. */
KMM_API void *kmm_kvrealloc(kmm_machine *m, const void *p, size_t size, kmm_gfp_t gfp);
/* kfree or vfree, whichever p needs. */
KMM_API void kmm_kvfree(kmm_machine *m, const void *p);

/* ---- kernel stacks ----------------------------------------------------------- */

/* THREAD_SIZE: the machine's kernel stack size (thread_size=, 16K by default). */
KMM_API unsigned long kmm_thread_size(const kmm_machine *m);
/* A zeroed THREAD_SIZE stack, vmalloc'd (guard page below) or from this CPU's cache; its base. */
KMM_API void *kmm_stack_alloc(kmm_machine *m, int nid);
KMM_API void kmm_stack_free(kmm_machine *m, void *stack);
/* Bytes above the end-of-stack magic never written (the high-water mark). */
KMM_API unsigned long kmm_stack_not_used(const kmm_machine *m, const void *stack);
/* 1 when STACK_END_MAGIC at the stack's lowest word was overwritten. */
KMM_API int kmm_stack_end_corrupted(const kmm_machine *m, const void *stack);
/*
 * Run fn(arg) on the stack (its top down to its base); returns when fn does.
 * A fault on the guard page below it is reported ("BUG: stack guard page was
 * hit at ...") and aborts. KMM_ENOSYS where the host cannot switch stacks.
 */
KMM_API int kmm_stack_call(kmm_machine *m, void *stack, void (*fn)(void *arg), void *arg);

/* ---- state ----------------------------------------------------------------- */

struct kmm_vmalloc_stats {
	unsigned long start, end;	/* VMALLOC_START, VMALLOC_END (0 when there is none) */
	unsigned long nr_areas;		/* live vmalloc and vmap areas */
	unsigned long nr_vmalloc_pages; /* frames held by vmalloc (meminfo's VmallocUsed) */
	unsigned long lazy_pages;	/* vmap_lazy_nr: freed, not yet purged */
	unsigned long lazy_max_pages;	/* the purge threshold */
	unsigned long purges;		/* batch purges so far */
	long host_maps;			/* host mappings held for live areas */
	long max_host_maps;		/* the budget under vm.max_map_count */
	unsigned long pages_migrated;	/* pages of movable areas moved to new frames */
	unsigned long migrate_refused;	/* moves refused (area being freed, budget, host) */
};

KMM_API int kmm_vmalloc_stats(kmm_machine *m, struct kmm_vmalloc_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* KMM_VMALLOC_H */

/* The kernel's names, bound to the default machine (after <kmm/linux.h>). */
#if defined(KMM_LINUX_H) && !defined(KMM_VMALLOC_LINUX_H)
#define KMM_VMALLOC_LINUX_H

#ifdef __cplusplus
extern "C" {
#endif

#define VM_IOREMAP KMM_VM_IOREMAP
#define VM_ALLOC KMM_VM_ALLOC
#define VM_MAP KMM_VM_MAP
#define VM_USERMAP KMM_VM_USERMAP
#define VM_DMA_COHERENT KMM_VM_DMA_COHERENT
#define VM_UNINITIALIZED KMM_VM_UNINITIALIZED
#define VM_NO_GUARD KMM_VM_NO_GUARD
#define VM_MAP_PUT_PAGES KMM_VM_MAP_PUT_PAGES
#define PAGE_KERNEL 0

#define vmalloc(size) kmm_vmalloc(__kmm_m, (size))
#define vzalloc(size) kmm_vzalloc(__kmm_m, (size))
#define vmalloc_node(size, nid) kmm_vmalloc_node(__kmm_m, (size), (nid))
#define vzalloc_node(size, nid) kmm_vzalloc_node(__kmm_m, (size), (nid))
#define vmalloc_32(size) kmm_vmalloc_32(__kmm_m, (size))
#define vmalloc_user(size) kmm_vmalloc_user(__kmm_m, (size))
#define vmalloc_32_user(size) kmm_vmalloc_32_user(__kmm_m, (size))
#define vmalloc_array(n, size) kmm_vmalloc_array(__kmm_m, (n), (size))
#define __vmalloc(size, gfp) kmm___vmalloc(__kmm_m, (size), (gfp))
#define vfree(addr) kmm_vfree(__kmm_m, (addr))
#define vfree_atomic(addr) kmm_vfree_atomic(__kmm_m, (addr))
#define vmap(pages, count, flags, prot) kmm_vmap(__kmm_m, (pages), (count), (flags))
#define vunmap(addr) kmm_vunmap(__kmm_m, (addr))
#define vm_unmap_aliases() kmm_vm_unmap_aliases(__kmm_m)
#define vmalloc_to_page(addr) kmm_vmalloc_to_page(__kmm_m, (addr))
#define vmalloc_to_pfn(addr) kmm_vmalloc_to_pfn(__kmm_m, (addr))
#define is_vmalloc_addr(addr) (kmm_is_vmalloc_addr(__kmm_m, (addr)) != 0)
#define kvmalloc(size, gfp) kmm_kvmalloc(__kmm_m, (size), (gfp))
#define kvmalloc_node(size, gfp, nid) kmm_kvmalloc_node(__kmm_m, (size), (gfp), (nid))
#define kvzalloc(size, gfp) kmm_kvzalloc(__kmm_m, (size), (gfp))
#define kvmalloc_array(n, size, gfp) kmm_kvmalloc_array(__kmm_m, (n), (size), (gfp))
#define kvcalloc(n, size, gfp) kmm_kvcalloc(__kmm_m, (n), (size), (gfp))
#define kvrealloc(p, size, gfp) kmm_kvrealloc(__kmm_m, (p), (size), (gfp))
#define kvfree(p) kmm_kvfree(__kmm_m, (p))
#define THREAD_SIZE (kmm_thread_size(__kmm_m))
#define STACK_END_MAGIC 0x57AC6E9DUL
#define end_of_stack(stack) ((unsigned long *)(stack))
#define stack_not_used(stack) (kmm_stack_not_used(__kmm_m, (stack)))

#ifdef __cplusplus
}
#endif

#endif
