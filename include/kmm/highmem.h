/* SPDX-License-Identifier: MIT */
/*
 * kmm/highmem.h - reaching high memory: kmap / kunmap, kmap_local_page /
 * kunmap_local, kmap_atomic / kunmap_atomic and the byte helpers of
 * <linux/highmem.h> (docs/highmem.md).
 *
 * A machine booted with highmem= has frames that are not in the direct
 * map: page_address() of such a page is NULL until it is kmapped, and its
 * bytes are reachable only through a mapping:
 *
 *	void *p = kmm_kmap(m, page);		// may sleep; any context that may
 *	...					// the address stays until kunmap
 *	kmm_kunmap(m, page);
 *
 *	void *q = kmm_kmap_local_page(m, page);	// owns the CPU until kunmap_local;
 *	...					// nest strictly, do not sleep
 *	kmm_kunmap_local(m, q);
 *
 * kmap of a lowmem page is its direct-map address. Over caller memory
 * (kmm_machine_create_on) every frame stays in the caller's mapping and
 * the calls return that flat address.
 */
#ifndef KMM_HIGHMEM_H
#define KMM_HIGHMEM_H

#include <kmm/kmm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kmap ---------------------------------------------------------------- */

/* Map a page in the persistent kmap window (may sleep when it is full); NULL on a bad page. */
KMM_API void *kmm_kmap(kmm_machine *m, struct page *page);
/* Drop a kmap of page. */
KMM_API void kmm_kunmap(kmm_machine *m, struct page *page);
/* Map a page in this CPU's next kmap_local slot; the CPU is owned until kunmap_local. */
KMM_API void *kmm_kmap_local_page(kmm_machine *m, struct page *page);
/* Unmap the most recent kmap_local of this CPU (addr: any address inside it). */
KMM_API void kmm_kunmap_local(kmm_machine *m, const void *addr);
/* kmap_local with preemption disabled (the same thing in kmm). */
KMM_API void *kmm_kmap_atomic(kmm_machine *m, struct page *page);
KMM_API void kmm_kunmap_atomic(kmm_machine *m, const void *addr);

/* ---- byte helpers ---------------------------------------------------------- */

KMM_API void kmm_memcpy_to_page(kmm_machine *m, struct page *page, size_t offset, const void *from,
				size_t len);
KMM_API void kmm_memcpy_from_page(kmm_machine *m, void *to, struct page *page, size_t offset,
				  size_t len);
KMM_API void kmm_memzero_page(kmm_machine *m, struct page *page, size_t offset, size_t len);
KMM_API void kmm_clear_highpage(kmm_machine *m, struct page *page);
KMM_API void kmm_copy_highpage(kmm_machine *m, struct page *to, struct page *from);
/* PageHighMem: 1 when the page is outside the direct map's lowmem. */
KMM_API int kmm_page_is_highmem(const kmm_machine *m, const struct page *page);

#ifdef __cplusplus
}
#endif

#endif /* KMM_HIGHMEM_H */

/* The kernel's names, bound to the default machine (after <kmm/linux.h>). */
#if defined(KMM_LINUX_H) && !defined(KMM_HIGHMEM_LINUX_H)
#define KMM_HIGHMEM_LINUX_H

#ifdef __cplusplus
extern "C" {
#endif

static inline void *kmap(struct page *page)
{
	return kmm_kmap(__kmm_m, page);
}

static inline void kunmap(struct page *page)
{
	kmm_kunmap(__kmm_m, page);
}

static inline void *kmap_local_page(struct page *page)
{
	return kmm_kmap_local_page(__kmm_m, page);
}

#define kunmap_local(addr) kmm_kunmap_local(__kmm_m, (addr))

static inline void *kmap_atomic(struct page *page)
{
	return kmm_kmap_atomic(__kmm_m, page);
}

#define kunmap_atomic(addr) kmm_kunmap_atomic(__kmm_m, (addr))

static inline void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len)
{
	kmm_memcpy_to_page(__kmm_m, page, offset, from, len);
}

static inline void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len)
{
	kmm_memcpy_from_page(__kmm_m, to, page, offset, len);
}

static inline void memzero_page(struct page *page, size_t offset, size_t len)
{
	kmm_memzero_page(__kmm_m, page, offset, len);
}

static inline void clear_highpage(struct page *page)
{
	kmm_clear_highpage(__kmm_m, page);
}

static inline void copy_highpage(struct page *to, struct page *from)
{
	kmm_copy_highpage(__kmm_m, to, from);
}

#ifdef __cplusplus
}
#endif

#endif
