/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/kvmalloc.c - kvmalloc and its family (mm/util.c,
 * __kvmalloc_node_noprof, kvrealloc_noprof, kvfree; mm/vmalloc.c vrealloc).
 *
 * kmalloc first. Above a page the kmalloc attempt is made cheap and quiet
 * (kmalloc_gfp_adjust: __GFP_NOWARN, __GFP_NORETRY unless the caller asked
 * for __GFP_RETRY_MAYFAIL, never __GFP_NOFAIL: the fallback provides
 * that); if it fails, vmalloc - but only when the gfp mask allows blocking
 * (__GFP_DIRECT_RECLAIM: GFP_ATOMIC / GFP_NOWAIT never reach vmalloc) and
 * the size is at most INT_MAX. Up to a page, kmalloc's answer is final.
 * kvfree frees whichever it was; kvrealloc reallocates a vmalloc'd block
 * in place when its pages still hold the new size (vrealloc), otherwise
 * moves it.
 */
#include "page/internal.h"
#include "vmalloc/vmalloc.h"

#include <kmm/slab.h>

#define INT_MAX_SIZE 0x7fffffffu

static kmm_gfp_t kmalloc_gfp_adjust(const struct kmm_machine *m, kmm_gfp_t flags, size_t size)
{
	if (size > m->page_size) {
		flags |= __GFP_NOWARN;
		if (!(flags & __GFP_RETRY_MAYFAIL))
			flags |= __GFP_NORETRY;
		flags &= ~__GFP_NOFAIL;
	}
	return flags;
}

static void *kvmalloc_node_caller(kmm_machine *m, size_t size, kmm_gfp_t gfp, int nid,
				  const void *caller)
{
	void *p;

	if (!m)
		return NULL;
	p = kmm_kmalloc_node(m, size, kmalloc_gfp_adjust(m, gfp, size), nid);
	if (p || size <= m->page_size)
		return p;
	if (!(gfp & __GFP_DIRECT_RECLAIM)) /* vmalloc may sleep: not for atomic callers */
		return NULL;
	if (size > INT_MAX_SIZE) {
		if (!(gfp & __GFP_NOWARN))
			kmm_report_bad_call(m, "kvmalloc: size %zu is larger than INT_MAX", size);
		return NULL;
	}
	return __vmalloc_node_range_m(m, size, 1, gfp, 0, nid, caller);
}

void *kmm_kvmalloc_node(kmm_machine *m, size_t size, kmm_gfp_t gfp, int nid)
{
	return kvmalloc_node_caller(m, size, gfp, nid, __builtin_return_address(0));
}

void *kmm_kvmalloc(kmm_machine *m, size_t size, kmm_gfp_t gfp)
{
	return kvmalloc_node_caller(m, size, gfp, -1, __builtin_return_address(0));
}

void *kmm_kvzalloc(kmm_machine *m, size_t size, kmm_gfp_t gfp)
{
	return kvmalloc_node_caller(m, size, gfp | __GFP_ZERO, -1, __builtin_return_address(0));
}

void *kmm_kvmalloc_array(kmm_machine *m, size_t n, size_t size, kmm_gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kvmalloc_node_caller(m, bytes, gfp, -1, __builtin_return_address(0));
}

void *kmm_kvcalloc(kmm_machine *m, size_t n, size_t size, kmm_gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kvmalloc_node_caller(m, bytes, gfp | __GFP_ZERO, -1, __builtin_return_address(0));
}

void kmm_kvfree(kmm_machine *m, const void *p)
{
	if (!m || !p)
		return;
	if (kmm_is_vmalloc_addr(m, p))
		vfree_m(m, p, "kvfree");
	else
		kmm_kfree(m, p);
}

/* Bytes a vmalloc area's pages hold; 0 when p starts no vmalloc area. */
static size_t vmalloc_area_bytes(struct kmm_machine *m, const void *p)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vmap_area *va;
	size_t bytes = 0;

	kmm_spin_lock(&v->lock);
	va = find_vmap_area_locked(v, (uintptr_t)p);
	if (va && va->vm && va->va_start == (uintptr_t)p && (va->vm->flags & KMM_VM_ALLOC))
		bytes = (size_t)va->vm->nr_pages << m->page_shift;
	kmm_spin_unlock(&v->lock);
	return bytes;
}

void *kmm_kvrealloc(kmm_machine *m, const void *p, size_t size, kmm_gfp_t gfp)
{
	void *n;

	if (!m)
		return NULL;
	if (!p)
		return kvmalloc_node_caller(m, size, gfp, -1, __builtin_return_address(0));
	if (kmm_is_vmalloc_addr(m, p)) {
		size_t have = vmalloc_area_bytes(m, p);

		if (!have) {
			kmm_report_bad_call(m, "kvrealloc: %p starts no vmalloc area", p);
			return NULL;
		}
		if (size == 0) {
			vfree_m(m, p, "kvrealloc");
			return NULL;
		}
		if (size <= have) /* vrealloc: the pages still hold it */
			return (void *)p;
		n = kvmalloc_node_caller(m, size, gfp, -1, __builtin_return_address(0));
		if (!n)
			return NULL;
		kmm_memcpy(n, p, have);
		vfree_m(m, p, "kvrealloc");
		return n;
	}
	n = kmm_krealloc(m, p, size, kmalloc_gfp_adjust(m, gfp, size));
	if (n || size == 0)
		return n;
	n = kvmalloc_node_caller(m, size, gfp, -1, __builtin_return_address(0));
	if (!n)
		return NULL;
	kmm_memcpy(n, p, MIN(kmm_ksize(m, p), size));
	kmm_kfree(m, p);
	return n;
}
