/* SPDX-License-Identifier: MIT */
/*
 * kmm/hotplug.h - memory hotplug: growing a running machine by memory
 * blocks (Linux's add_memory, online_pages, offline_pages, remove_memory).
 *
 * A machine booted with maxmem=SIZE may have memory added anywhere above
 * its boot memory and below SIZE, in whole memory blocks (one section: 128
 * MiB with 4 KiB pages; kmm_memory_block_size_bytes):
 *
 *	kmm_add_memory(m, 0, 1ull << 30, 1ull << 30);	// 1 GiB at 1 GiB: 8 blocks, offline
 *	kmm_online_pages(m, (1ull << 30) >> 12, (1ull << 30) >> 12, KMM_MMOP_ONLINE);
 *	...
 *	kmm_offline_pages(m, pfn, nr_pages);	// -EBUSY unless every page is free
 *	kmm_remove_memory(m, 1ull << 30, 1ull << 30);
 *
 * memhp_default_state=online on the machine string onlines added blocks at
 * once, as Linux's boot parameter does. Each block's memmap lives in its own
 * first pages (Linux's memory_hotplug.memmap_on_memory). Offlining does not
 * migrate pages: a block with any page in use is refused with -EBUSY and
 * left as it was. docs/hotplug.md has the rules and the departures.
 */
#ifndef KMM_HOTPLUG_H
#define KMM_HOTPLUG_H

#include <kmm/kmm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- hotplug ------------------------------------------------------------- */

/* How to online (the values a memory block's sysfs "state" file takes, Linux's MMOP_*). */
#define KMM_MMOP_OFFLINE 0
#define KMM_MMOP_ONLINE 1	 /* the zone default_zone_for_pfn picks */
#define KMM_MMOP_ONLINE_KERNEL 2 /* a kernel zone (ZONE_NORMAL, or the DMA zone it lies in) */
#define KMM_MMOP_ONLINE_MOVABLE 3

/* Memory notifier actions (include/linux/memory.h). */
#define KMM_MEM_ONLINE (1 << 0)
#define KMM_MEM_GOING_OFFLINE (1 << 1)
#define KMM_MEM_OFFLINE (1 << 2)
#define KMM_MEM_GOING_ONLINE (1 << 3)
#define KMM_MEM_CANCEL_ONLINE (1 << 4)
#define KMM_MEM_CANCEL_OFFLINE (1 << 5)

/* A block's state, as kmm_memory_block_info reports it. */
enum kmm_memory_block_state {
	KMM_MEM_BLOCK_ABSENT,
	KMM_MEM_BLOCK_OFFLINE,
	KMM_MEM_BLOCK_ONLINE,
};

struct kmm_memory_block_info {
	enum kmm_memory_block_state state;
	int nid;
	enum kmm_zone_type zone; /* while online */
	int boot;		 /* boot memory (kmm never offlines it) */
	unsigned long start_pfn;
	unsigned long nr_pages;
};

/*
 * A notifier: called with the action and the pfn range of the block, under
 * the machine's hotplug lock (it must not call hotplug functions). A
 * nonzero return from KMM_MEM_GOING_ONLINE / KMM_MEM_GOING_OFFLINE vetoes
 * the operation; other returns are ignored.
 */
typedef int (*kmm_memory_notify_fn)(void *ctx, unsigned long action, unsigned long start_pfn,
				    unsigned long nr_pages);

/* Bytes per memory block: every range passed below is aligned to it. */
KMM_API unsigned long kmm_memory_block_size_bytes(const kmm_machine *m);
/*
 * add_memory: make [start, start + size) present on node nid (offline, or
 * onlined at once per memhp_default_state=). 0, or -EINVAL (unaligned, bad
 * node), -EEXIST (overlaps memory), -E2BIG (beyond maxmem=), -ENOMEM (the
 * host cannot back it), -EOPNOTSUPP (no maxmem=); a refusal changes nothing.
 */
KMM_API int kmm_add_memory(kmm_machine *m, int nid, uint64_t start, uint64_t size);
/* remove_memory: every block of the range must be offline (-EBUSY otherwise). */
KMM_API int kmm_remove_memory(kmm_machine *m, uint64_t start, uint64_t size);
/*
 * offline_and_remove_memory: offline the range's online blocks and remove
 * it; if a block refuses (-EBUSY), the blocks offlined are onlined again
 * into their zones and nothing has changed.
 */
KMM_API int kmm_offline_and_remove_memory(kmm_machine *m, uint64_t start, uint64_t size);
/* Online / offline every block of [start_pfn, start_pfn + nr_pages) (whole blocks). */
KMM_API int kmm_online_pages(kmm_machine *m, unsigned long start_pfn, unsigned long nr_pages,
			     int online_type);
KMM_API int kmm_offline_pages(kmm_machine *m, unsigned long start_pfn, unsigned long nr_pages);
/* One block, by id (memory<id> in sysfs: its start is id * block size). */
KMM_API int kmm_memory_block_online(kmm_machine *m, unsigned long block_id, int online_type);
KMM_API int kmm_memory_block_offline(kmm_machine *m, unsigned long block_id);
KMM_API int kmm_memory_block_info(kmm_machine *m, unsigned long block_id,
				  struct kmm_memory_block_info *info);
/* register_memory_notifier / unregister_memory_notifier: 0, -ENOMEM (table full), -EINVAL. */
KMM_API int kmm_register_memory_notifier(kmm_machine *m, kmm_memory_notify_fn fn, void *ctx);
KMM_API int kmm_unregister_memory_notifier(kmm_machine *m, kmm_memory_notify_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* KMM_HOTPLUG_H */

/* ---- kernel names, bound to the default machine (with kmm/linux.h) ---------- */
#if defined(KMM_LINUX_H) && !defined(KMM_HOTPLUG_LINUX_H)
#define KMM_HOTPLUG_LINUX_H

#ifdef __cplusplus
extern "C" {
#endif

typedef int mhp_t;
#define MHP_NONE 0
#define MHP_MERGE_RESOURCE (1 << 0)   /* accepted: kmm keeps no resource tree */
#define MHP_MEMMAP_ON_MEMORY (1 << 1) /* accepted: kmm always puts the memmap on the memory */
#define MMOP_OFFLINE KMM_MMOP_OFFLINE
#define MMOP_ONLINE KMM_MMOP_ONLINE
#define MMOP_ONLINE_KERNEL KMM_MMOP_ONLINE_KERNEL
#define MMOP_ONLINE_MOVABLE KMM_MMOP_ONLINE_MOVABLE
#define MEM_ONLINE KMM_MEM_ONLINE
#define MEM_GOING_OFFLINE KMM_MEM_GOING_OFFLINE
#define MEM_OFFLINE KMM_MEM_OFFLINE
#define MEM_GOING_ONLINE KMM_MEM_GOING_ONLINE
#define MEM_CANCEL_ONLINE KMM_MEM_CANCEL_ONLINE
#define MEM_CANCEL_OFFLINE KMM_MEM_CANCEL_OFFLINE

static inline unsigned long memory_block_size_bytes(void)
{
	return kmm_memory_block_size_bytes(__kmm_m);
}

static inline int add_memory(int nid, uint64_t start, uint64_t size, mhp_t mhp_flags)
{
	(void)mhp_flags;
	return kmm_add_memory(__kmm_m, nid, start, size);
}

static inline int __add_memory(int nid, uint64_t start, uint64_t size, mhp_t mhp_flags)
{
	(void)mhp_flags;
	return kmm_add_memory(__kmm_m, nid, start, size);
}

static inline int remove_memory(uint64_t start, uint64_t size)
{
	return kmm_remove_memory(__kmm_m, start, size);
}

static inline int offline_and_remove_memory(uint64_t start, uint64_t size)
{
	return kmm_offline_and_remove_memory(__kmm_m, start, size);
}

/* kmm's online_pages / offline_pages take an online type, not a zone (docs/hotplug.md). */
static inline int online_pages(unsigned long pfn, unsigned long nr_pages, int online_type)
{
	return kmm_online_pages(__kmm_m, pfn, nr_pages, online_type);
}

static inline int offline_pages(unsigned long pfn, unsigned long nr_pages)
{
	return kmm_offline_pages(__kmm_m, pfn, nr_pages);
}

#ifdef __cplusplus
}
#endif

#endif /* KMM_HOTPLUG_LINUX_H */
