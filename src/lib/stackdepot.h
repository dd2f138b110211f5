/* SPDX-License-Identifier: MIT */
/*
 * lib/stackdepot.h - the stack depot: stack traces stored once per machine
 * and named by a 32-bit handle (lib/stackdepot.c, Linux's lib/stackdepot.c
 * with CONFIG_STACKDEPOT). SLUB's user tracking keeps a handle in each
 * object's alloc and free track instead of the frames themselves.
 *
 * Handle 0 means "no stack": the depot is not there (no SLAB_STORE_USER
 * cache was ever created, or its memory could not be had), the host cannot
 * walk stacks, or the depot is full.
 */
#ifndef KMM_LIB_STACKDEPOT_H
#define KMM_LIB_STACKDEPOT_H

#include "lib/lock.h"
#include "machine.h"

typedef uint32_t depot_stack_handle_t;

/* Frames kept per stack at most (CONFIG_STACKDEPOT_MAX_FRAMES). */
#define STACK_DEPOT_MAX_FRAMES 64
/*
 * The depot's first block at most (header, hash table, pool 0), and the
 * size of every pool added as it fills (Linux allocates pools as the depot
 * grows too). At most DEPOT_MAX_POOLS pools, and the whole depot at most
 * 1/32 of the machine's present memory.
 */
#define STACK_DEPOT_BYTES (1ul << 20)
#define DEPOT_MAX_POOLS 64
/* A handle minus one: the pool's index above these bits, the record's word offset below. */
#define DEPOT_OFFSET_BITS 20

/* One stored stack, in the depot's pool; immutable once published. */
struct stack_record {
	depot_stack_handle_t next; /* the next record of its hash bucket; 0 ends */
	uint32_t hash;		   /* stack_depot_hash of the entries */
	uint32_t size;		   /* entries, 1..STACK_DEPOT_MAX_FRAMES */
	uint32_t pad;
	uintptr_t entries[];
};

/* A run of records: pool 0 ends the first block, the others are blocks of their own. */
struct depot_pool {
	char *base;
	size_t size;
	size_t used; /* release-stored under pool_lock: records [0, used) */
	unsigned int
		order; /* of the pool's block (pool 0: unused, the first block's is d->order) */
};

/* The per-machine state, at the start of its first block (m->stackdepot). */
struct kmm_stackdepot {
	kmm_spinlock pool_lock; /* insertions: pools, nr_pools, nr_stacks, full, bucket heads */
	struct page *page;	/* the first block */
	unsigned int order;
	uint32_t hash_mask; /* buckets - 1 */
	uint32_t seed;
	depot_stack_handle_t *buckets; /* newest record of each bucket; read lock-free */
	struct depot_pool pools[DEPOT_MAX_POOLS];
	unsigned int nr_pools; /* release-stored once pools[nr_pools - 1] is set up; new records go
				  there */
	unsigned int nr_stacks;
	bool full;	     /* a stack did not fit and no pool could be added; reported once */
	unsigned long drops; /* saves refused because the depot was full */
};

/* The record a handle names (the handle must be one the depot gave). */
static inline struct stack_record *stack_depot_record(const struct kmm_stackdepot *d,
						      depot_stack_handle_t handle)
{
	uint32_t h = handle - 1;

	return (struct stack_record *)(d->pools[h >> DEPOT_OFFSET_BITS].base +
				       (size_t)(h & ((1u << DEPOT_OFFSET_BITS) - 1)) *
					       sizeof(uintptr_t));
}

/*
 * Make the machine's depot (idempotent; kmem_cache_open calls it for every
 * SLAB_STORE_USER cache, as SLUB calls stack_depot_init). May allocate
 * pages: no spinlock held. KMM_OK or KMM_ENOMEM (the depot stays off).
 */
int stack_depot_init(struct kmm_machine *m);

/*
 * The handle of this stack, stored now if it is new; 0 when there is no
 * depot, nr is 0, or the depot is full (reported once). Lock-free when
 * the stack is already there. A new stack that does not fit the last pool
 * gets a new one, allocated before pool_lock is taken with GFP_NOWAIT (no
 * reclaim: callers may hold locks of their own, as for new_slab).
 */
depot_stack_handle_t stack_depot_save(struct kmm_machine *m, const uintptr_t *entries,
				      unsigned int nr);
/* The frames of a handle: their number, *entries pointing into the depot. 0 for a bad handle. */
unsigned int stack_depot_fetch(struct kmm_machine *m, depot_stack_handle_t handle,
			       const uintptr_t **entries);
/* Print the frames of a handle, one line each (" function+0x1c/0x80"). */
void stack_depot_print(struct kmm_machine *m, struct kmm_out *o, depot_stack_handle_t handle);
/* The kernel's %pS of a code address into buf: symbolised, else "0x..." */
void stack_sprint_symbol(char *buf, size_t len, uintptr_t addr);

/* Frames the depot holds (0 without one): kept for the machine's life, not lost. */
unsigned long stack_depot_pages(const struct kmm_machine *m);

/* kmm_check's walker (late_init.c row) and teardown. */
int stack_depot_check(struct kmm_machine *m);
void stack_depot_teardown(struct kmm_machine *m);

#endif /* KMM_LIB_STACKDEPOT_H */
