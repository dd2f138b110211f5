/* SPDX-License-Identifier: MIT */
/*
 * highmem/init.c - the highmem layer's row of the layer table: its state,
 * the windows' reservation, the hooks the page allocator calls, the
 * checker and teardown.
 *
 * The row comes first in boot/late_init.c: from then on the page
 * allocator can zero a highmem block (frames_map_m) and page_address()
 * finds kmapped pages. Before it, nothing allocates highmem (the boot
 * allocator and the layers' boot allocations are lowmem).
 *
 * The reservation holds, in order: NR_TMPMAP windows of 2^MAX_ORDER pages
 * (tmpmap.c), the LAST_PKMAP slots of kmap (pkmap.c), and KM_MAX_IDX
 * slots per CPU for kmap_local (kmap_local.c). It exists only when kmm
 * owns the memory (a remappable memfd); over caller memory every frame is
 * in the caller's mapping and the windows are not needed.
 */
#include "highmem/highmem.h"
#include "lib/lockdep.h"
#include "page/internal.h"
#include "platform/platform.h"
#include "smp/cpu.h"

int highmem_init(struct kmm_machine *m)
{
	struct kmm_highmem *h;
	struct page *page;
	unsigned int order = 0;

	while ((m->page_size << order) < sizeof(*h))
		order++;
	/* from the last CPU's node, as the reclaim layer: node 0 stays as it was */
	page = __alloc_pages(m, GFP_KERNEL | __GFP_ZERO, order, cpu_to_node_m(m, m->nr_cpus - 1),
			     NULL);
	if (!page)
		return KMM_ENOMEM;
	h = page_to_virt_raw(m, page);
	h->state_order = order;
	kmm_spin_init_class(&h->kmap_lock, KMM_LOCK_KMAP);
	for (unsigned int i = 0; i < LAST_PKMAP; i++) {
		h->hash_next[i] = PKMAP_NONE;
		h->pkmap_pfn[i] = KMM_NIL_PFN;
	}
	for (unsigned int b = 0; b < PA_HASH_SIZE; b++)
		h->hash_head[b] = PKMAP_NONE;
	h->remap = m->owns_phys;
	if (h->remap) {
		size_t tmp = NR_TMPMAP * ((size_t)m->page_size << MAX_ORDER);
		size_t pk = (size_t)LAST_PKMAP << m->page_shift;
		size_t fix = (size_t)m->nr_cpus * KM_MAX_IDX << m->page_shift;

		h->windows_bytes = tmp + pk + fix;
		h->windows_base = kmm_os_reserve(h->windows_bytes);
		if (!h->windows_base) {
			free_pages_untraced(m, page, order);
			return KMM_ENOMEM;
		}
		h->tmp_base = h->windows_base;
		h->tmp_slot_bytes = (size_t)m->page_size << MAX_ORDER;
		h->pkmap_base = h->windows_base + tmp;
		h->fixmap_base = h->pkmap_base + pk;
	}
	m->highmem = h;
	m->frames_map = tmpmap_frames;
	m->frames_unmap = tmpunmap_frames;
	m->highmem_address = pkmap_page_address;
	return KMM_OK;
}

int highmem_check(struct kmm_machine *m)
{
	return pkmap_check(m) + kmap_local_check(m);
}

void highmem_teardown(struct kmm_machine *m)
{
	struct kmm_highmem *h = m->highmem;

	if (!h)
		return;
	m->highmem_address = NULL;
	m->frames_map = NULL;
	m->frames_unmap = NULL;
	m->highmem = NULL;
	if (h->windows_base)
		kmm_os_unmap(h->windows_base, h->windows_bytes);
	/* the state's pages go with the machine's memory */
}
