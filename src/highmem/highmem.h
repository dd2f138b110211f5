/* SPDX-License-Identifier: MIT */
/*
 * highmem/highmem.h - high memory: frames outside the direct map and the
 * windows through which they are reached (docs/highmem.md).
 *
 * When kmm owns a machine's physical memory (a memfd), the direct map
 * (m->phys) maps lowmem only; a highmem frame has no address until it is
 * mapped by one of:
 *
 *   tmpmap.c     the page allocator's temporary maps (frames_map_m): a
 *                lock-free pool of windows of 2^MAX_ORDER pages, for
 *                zeroing and init_on_free of highmem blocks under the
 *                allocator's own locks (Linux uses kmap_local there);
 *   pkmap.c      kmap / kunmap: LAST_PKMAP long-lived page slots with a
 *                count each, a sleeping wait when all are taken, a flush of
 *                unused slots when the search wraps, and page_address()
 *                of a kmapped page (the page_address_htable role);
 *   kmap_local.c kmap_local_page / kmap_atomic: KM_MAX_IDX slots per CPU,
 *                strictly nested, the CPU owned (get_cpu) from map to unmap;
 *   vmalloc/     vmap and vmalloc areas map any frame, highmem included.
 *
 * All windows live in one reservation (windows_base): the tmpmap slots,
 * then the pkmap window, then each CPU's fixmap slots. Over caller memory
 * (kmm_machine_create_on, no remappable handle) nothing is reserved: the
 * caller's region maps every frame, and kmap / kmap_local return that flat
 * address (the documented fallback: highmem is then a zone, not a hidden
 * range).
 *
 * Locks: kmap_lock (rank 75) protects the pkmap counts, slots and the
 * address hash; the host mapping calls of kmap run under it (Linux sets
 * the PTE under it too). Nothing else is taken under it. The fixmap
 * slots belong to their CPU's owner; the tmpmap pool is claimed with
 * compare-and-swap.
 */
#ifndef KMM_HIGHMEM_HIGHMEM_H
#define KMM_HIGHMEM_HIGHMEM_H

#include "machine.h"

#define LAST_PKMAP 1024 /* x86-32 without PAE */
#define LAST_PKMAP_MASK (LAST_PKMAP - 1)
#define KM_MAX_IDX 16	 /* kmap_local slots per CPU, as Linux */
#define NR_TMPMAP 32	 /* temporary windows of the page allocator */
#define PA_HASH_SIZE 128 /* page_address hash buckets */
#define PKMAP_NONE 0xffffu

struct kmap_ctrl {
	int idx;		  /* slots in use on this CPU */
	uint32_t pfn[KM_MAX_IDX]; /* what each slot maps */
	/* a misuse seen while the CPU was owned, reported once it is given back */
	int bad; /* 0 none, 1 out of order, 2 not a kmap_local address, 3 past KM_MAX_IDX */
	const void *bad_addr, *bad_expected;
};

struct kmm_highmem {
	unsigned int state_order;
	bool remap; /* windows exist: highmem is really hidden */
	char *windows_base;
	size_t windows_bytes;

	/* tmpmap.c */
	char *tmp_base;
	size_t tmp_slot_bytes;
	uint32_t tmp_busy; /* bit i: slot i claimed */
	unsigned long tmp_maps, tmp_refused;

	/* pkmap.c, under kmap_lock */
	char *pkmap_base;
	kmm_spinlock kmap_lock;
	int pkmap_count[LAST_PKMAP]; /* 0 free, 1 unused but still mapped, n+1: n users */
	uint32_t pkmap_pfn[LAST_PKMAP];
	uint16_t hash_next[LAST_PKMAP];
	uint16_t hash_head[PA_HASH_SIZE];
	unsigned int last_pkmap_nr;
	uint32_t pkmap_wait; /* futex word: bumped when a slot becomes unused */
	unsigned long kmap_sleeps, pkmap_flushes;

	/* kmap_local.c */
	char *fixmap_base;
	struct kmap_ctrl ctrl[KMM_MAX_CPUS];
};

static inline struct kmm_highmem *highmem_of(const struct kmm_machine *m)
{
	return m->highmem;
}

static inline bool pfn_is_highmem(const struct kmm_machine *m, unsigned long pfn)
{
	return pfn >= m->max_low_pfn;
}

/* tmpmap.c */
void *tmpmap_frames(struct kmm_machine *m, unsigned long pfn, unsigned long nr);
void tmpunmap_frames(struct kmm_machine *m, void *addr, unsigned long nr);

/* pkmap.c */
void *pkmap_page_address(const struct kmm_machine *m, unsigned long pfn);
int pkmap_check(struct kmm_machine *m);

/* kmap_local.c */
int kmap_local_check(struct kmm_machine *m);

/* init.c: the layer row */
int highmem_init(struct kmm_machine *m);
int highmem_check(struct kmm_machine *m);
void highmem_teardown(struct kmm_machine *m);

#endif /* KMM_HIGHMEM_HIGHMEM_H */
