/* SPDX-License-Identifier: MIT */
/*
 * hotplug/hotplug.h - memory hotplug (Linux's mm/memory_hotplug.c and
 * drivers/base/memory.c): growing a running machine by memory blocks.
 *
 * A memory block is one section (PAGES_PER_SECTION pages, 128 MiB with
 * 4 KiB pages), as on x86-64 Linux below 64 GiB. A machine booted with
 * maxmem=SIZE holds address space for its physical memory, memmap and
 * section map up to that limit (boot/machine.c; on a caller's region, the
 * region itself, no-access beyond the boot memory); this layer adds blocks
 * there (add.c), onlines them into a zone (online.c), offlines free ones
 * (offline.c) and removes offline ones again (add.c). The files:
 *
 *   memory_block.c  the layer row: the block table, mem_hotplug_lock, the
 *                   kmm_check walker, memory notifiers, the sysfs report
 *   add.c           add_memory / remove_memory: host memory, memmap, sections
 *   online.c        the zone choice, online_pages, the recomputed limits
 *   offline.c       offline_pages of a block whose pages are all free
 *
 * Every operation runs under mem_hotplug_lock (one at a time, as Linux's
 * mem_hotplug_begin); allocations and frees on other threads go on
 * meanwhile and only ever see a block whole (docs/hotplug.md).
 */
#ifndef KMM_HOTPLUG_HOTPLUG_H
#define KMM_HOTPLUG_HOTPLUG_H

#include "machine.h"
#include <kmm/hotplug.h>

/* The state of one memory block (drivers/base/memory.c's MEM_*). */
enum mem_block_state {
	MEM_ABSENT,  /* no memory: nothing was added here */
	MEM_OFFLINE, /* added: memmap populated, pages reserved, in no zone */
	MEM_ONLINE,  /* onlined into block->zone: its pages are the buddy allocator's */
};

struct mem_block {
	uint8_t state; /* enum mem_block_state */
	uint8_t zone;  /* enum kmm_zone_type while online */
	uint8_t nid;
	uint8_t boot;	    /* boot memory: always online, never offlined by kmm */
	uint8_t was_online; /* offline_and_remove_memory's note, under the lock */
	uint8_t used;	    /* onlined since the host last dropped its memory: may hold anything */
	uint8_t fresh;	    /* added, never used, over memory that reads as zeroes */
};

#define KMM_MEMORY_NOTIFIERS 8

struct kmm_hotplug {
	kmm_spinlock lock;	      /* mem_hotplug_lock: one hotplug operation at a time */
	unsigned long nr_blocks;      /* blocks below maxmem= (the table's size) */
	unsigned long first_hp_block; /* the first block above the boot memory */
	unsigned long memmap_pages;   /* pages at a block's start holding its memmap */
	struct mem_block *blocks;
	unsigned int table_order; /* pages of the table: 2^table_order */
	/* each zone's boot span: a zone never shrinks below it */
	struct kmm_pfn_range boot_zone[KMM_MAX_NUMNODES][KMM_NR_ZONES];
	struct kmm_pfn_range boot_node[KMM_MAX_NUMNODES];
	unsigned long boot_present[KMM_MAX_NUMNODES][KMM_NR_ZONES];
	unsigned long boot_managed[KMM_MAX_NUMNODES][KMM_NR_ZONES]; /* with deferred pages */
	/* memory notifiers (register_memory_notifier), called under the lock */
	kmm_memory_notify_fn notifier[KMM_MEMORY_NOTIFIERS];
	void *notifier_ctx[KMM_MEMORY_NOTIFIERS];
	int nr_notifiers;
};

static inline unsigned long block_start_pfn(unsigned long block)
{
	return block << PFN_SECTION_SHIFT;
}

/* memory_block.c */
int hotplug_init(struct kmm_machine *m);
void hotplug_teardown(struct kmm_machine *m);
int hotplug_check(struct kmm_machine *m);
/* Call the notifiers for [start_pfn, +nr_pages); a MEM_GOING_* veto is returned (negative). */
int memory_notify(struct kmm_machine *m, int action, unsigned long start_pfn,
		  unsigned long nr_pages);
/* The blocks' /sys/devices/system/memory files, one "path:value" line each. */
void hotplug_print_blocks(struct kmm_machine *m, struct kmm_out *o);

/* add.c (hotplug lock held by the callers below) */
void hotplug_init_block_memmap(struct kmm_machine *m, unsigned long block, int nid);

/* online.c */
int online_block_locked(struct kmm_machine *m, unsigned long block, int online_type);
/* Online an offline block into this zone of its node (the zone already chosen). */
int online_block_zone(struct kmm_machine *m, unsigned long block, struct zone *zone);
/* Recompute the zone's and node's spans from their boot spans and online blocks. */
void hotplug_resize_spans(struct kmm_machine *m, struct zone *zone);
/* init_per_zone_wmark_min and the pagesets after managed pages changed. */
void hotplug_recompute_limits(struct kmm_machine *m, bool zonelists);

/* offline.c */
int offline_block_locked(struct kmm_machine *m, unsigned long block);

#endif /* KMM_HOTPLUG_HOTPLUG_H */
