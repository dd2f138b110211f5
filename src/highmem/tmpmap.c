/* SPDX-License-Identifier: MIT */
/*
 * highmem/tmpmap.c - the page allocator's temporary maps of highmem frames.
 *
 * The page allocator needs the bytes of a highmem block when it zeroes it
 * (__GFP_ZERO, init_on_alloc) or clears it on free (init_on_free): Linux
 * calls clear_highpage, which kmap_local's each page. kmm's kmap_local
 * owns the CPU (get_cpu), which ranks below the per-CPU page list locks
 * the allocator may hold here, so the allocator uses this pool instead:
 * NR_TMPMAP windows of 2^MAX_ORDER pages, claimed with compare-and-swap
 * (no lock, nothing to order), each mapping one whole block with one host
 * call and unmapped again (returned to the reservation) at release. A
 * thread that finds every window busy yields until one is released. A
 * block's frames are contiguous in physical memory, so one fixed mapping
 * covers it.
 *
 * Invariant: bit i of tmp_busy is set exactly while a caller holds window
 * i; a window that is not held maps nothing.
 */
#include "highmem/highmem.h"
#include "platform/platform.h"

void *tmpmap_frames(struct kmm_machine *m, unsigned long pfn, unsigned long nr)
{
	struct kmm_highmem *h = highmem_of(m);
	size_t bytes = (size_t)nr << m->page_shift;
	uint32_t busy;
	int slot;

	if (!h || !h->remap || bytes > h->tmp_slot_bytes)
		return NULL;
	for (;;) {
		busy = __atomic_load_n(&h->tmp_busy, __ATOMIC_RELAXED);
		if (busy == 0xffffffffu) {
			kmm_os_yield();
			continue;
		}
		slot = __builtin_ctz(~busy);
		if (__atomic_compare_exchange_n(&h->tmp_busy, &busy, busy | 1u << slot, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
	}
	char *at = h->tmp_base + (size_t)slot * h->tmp_slot_bytes;

	if (kmm_os_phys_map_fixed(m->phys_handle, (uint64_t)pfn << m->page_shift, bytes, at)) {
		__atomic_add_fetch(&h->tmp_refused, 1, __ATOMIC_RELAXED);
		__atomic_and_fetch(&h->tmp_busy, ~(1u << slot), __ATOMIC_RELEASE);
		return NULL;
	}
	__atomic_add_fetch(&h->tmp_maps, 1, __ATOMIC_RELAXED);
	return at;
}

void tmpunmap_frames(struct kmm_machine *m, void *addr, unsigned long nr)
{
	struct kmm_highmem *h = highmem_of(m);
	size_t off = (size_t)((char *)addr - h->tmp_base);
	int slot = (int)(off / h->tmp_slot_bytes);

	KMM_BUG_ON(m, off % h->tmp_slot_bytes != 0 || slot >= NR_TMPMAP ||
			      !(__atomic_load_n(&h->tmp_busy, __ATOMIC_RELAXED) & (1u << slot)));
	kmm_os_unmap_fixed(addr, (size_t)nr << m->page_shift);
	__atomic_and_fetch(&h->tmp_busy, ~(1u << slot), __ATOMIC_RELEASE);
}
