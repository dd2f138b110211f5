/* SPDX-License-Identifier: MIT */
/*
 * percpu/percpu.h - per-CPU areas: the dynamic per-CPU allocator
 * (alloc.c) and the copies of programs' static DEFINE_PER_CPU variables
 * (static.c).
 *
 * Layout (Linux's "embed" first chunk, simplified): per-CPU memory comes in
 * chunks. A chunk is one block of the machine's pages, taken from the page
 * allocator, cut into nr_slots units (smp/cpu.h) of pcpu_unit_bytes, unit c for CPU c.
 * An allocation is the same offset range in every unit, and is named by
 * its address in unit 0 (Linux's __percpu pointer). CPU c's copy is then at
 * that address plus c * pcpu_unit_bytes, for every chunk, so per_cpu_ptr
 * is one multiply-add and needs no lookup.
 *
 * Inside a chunk, space is managed in 8-byte granules with two bitmaps:
 * alloc_map (granule in use) and bound_map (an allocation starts here), so
 * a free needs no size and a pointer that is not the start of a live
 * allocation is recognised and reported. Chunks are added when the
 * existing ones are full and kept until the machine is destroyed; the list
 * only grows, so readers walk it without the lock.
 *
 * Invariants (percpu_check): every bound_map bit is also set in alloc_map;
 * free_bytes equals the clear granules of alloc_map times 8.
 */
#ifndef KMM_PERCPU_PERCPU_H
#define KMM_PERCPU_PERCPU_H

#include "lib/lock.h"
#include "machine.h"

#define PCPU_MIN_ALLOC_SIZE 8ul
#define PCPU_MAX_MODULES 16
#define PCPU_UNIT_TARGET (32ul << 10) /* Linux's PCPU_MIN_UNIT_SIZE */

struct pcpu_chunk {
	struct pcpu_chunk *next;
	char *base; /* unit 0; unit c at base + c * pcpu_unit_bytes */
	struct page *pages;
	struct page *meta; /* the page holding this struct and the maps */
	unsigned long free_bytes;
	unsigned long nr_granules;
	unsigned long *alloc_map;
	unsigned long *bound_map;
};

/* A program module's kmm_percpu section, copied per CPU (static.c). */
struct pcpu_module {
	const char *start, *end; /* the template, in the module's image */
	char *copy;		 /* its copy in unit 0 */
};

struct pcpu_state {
	kmm_spinlock lock; /* chunks' maps, module registration */
	struct pcpu_chunk *chunks;
	unsigned int unit_pages;
	unsigned int chunk_order;
	unsigned long nr_chunks;
	unsigned long allocated_bytes; /* per unit */
	int nr_modules;
	struct pcpu_module modules[PCPU_MAX_MODULES];
	struct page *page; /* the page holding this struct */
};

/*
 * Pages the chunks hold (blocks and metadata). Chunks are kept until the
 * machine is destroyed: readers walk the list without the lock.
 */
unsigned long pcpu_chunk_pages(const struct kmm_machine *m);

/* CPU `cpu`'s copy of the per-CPU object `ptr` (a unit-0 address). */
static inline void *per_cpu_ptr_m(const struct kmm_machine *m, const void *ptr, int cpu)
{
	return (char *)ptr + (size_t)cpu * m->pcpu_unit_bytes;
}

/* ---- alloc.c ---------------------------------------------------------------- */

/* Boot: size the units and allocate the first chunk. 0 or KMM_ENOMEM. */
int percpu_init(struct kmm_machine *m);
/* __alloc_percpu: zeroed in every CPU; NULL (reported unless quiet) on failure. */
void *pcpu_alloc(struct kmm_machine *m, size_t size, size_t align, bool quiet);
void pcpu_free(struct kmm_machine *m, void *ptr);
/* Is ptr inside unit 0 of some chunk (and so a valid per-CPU address)? */
bool pcpu_addr_valid(const struct kmm_machine *m, const void *ptr);
/* kmm_check hook: the chunk maps and counters. */
int percpu_check(struct kmm_machine *m);

/* ---- static.c --------------------------------------------------------------- */

/* Unit-0 address of the static per-CPU variable at `var` of the module [start, end). */
void *pcpu_static_ptr(struct kmm_machine *m, const void *var, const char *start, const char *end);

#endif /* KMM_PERCPU_PERCPU_H */
