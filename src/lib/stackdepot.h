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
/* The depot's one block of pages, at most: header, hash table, records. */
#define STACK_DEPOT_BYTES (1ul << 20)

/* One stored stack, in the depot's pool; immutable once published. */
struct stack_record {
	depot_stack_handle_t next; /* the next record of its hash bucket; 0 ends */
	uint32_t hash;		   /* stack_depot_hash of the entries */
	uint32_t size;		   /* entries, 1..STACK_DEPOT_MAX_FRAMES */
	uint32_t pad;
	uintptr_t entries[];
};

/* The per-machine state, at the start of its block (m->stackdepot). */
struct kmm_stackdepot {
	kmm_spinlock pool_lock; /* insertions: pool_used, nr_stacks, full, bucket heads */
	struct page *page;	/* the block */
	unsigned int order;
	uint32_t hash_mask; /* buckets - 1 */
	uint32_t seed;
	depot_stack_handle_t *buckets; /* newest record of each bucket; read lock-free */
	char *pool;
	size_t pool_size;
	size_t pool_used; /* release-stored under pool_lock: records [0, pool_used) */
	unsigned int nr_stacks;
	bool full;	     /* a stack did not fit; reported once */
	unsigned long drops; /* saves refused because the depot was full */
};

/*
 * Make the machine's depot (idempotent; kmem_cache_open calls it for every
 * SLAB_STORE_USER cache, as SLUB calls stack_depot_init). May allocate
 * pages: no spinlock held. KMM_OK or KMM_ENOMEM (the depot stays off).
 */
int stack_depot_init(struct kmm_machine *m);

/*
 * The handle of this stack, stored now if it is new; 0 when there is no
 * depot, nr is 0, or the depot is full (reported once). Lock-free when
 * the stack is already there; never allocates.
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
