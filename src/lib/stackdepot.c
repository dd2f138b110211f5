/* SPDX-License-Identifier: MIT */
/*
 * lib/stackdepot.c - the stack depot: deduplicated stack traces, one copy
 * per distinct stack per machine, named by 32-bit handles (Linux's
 * lib/stackdepot.c, CONFIG_STACKDEPOT, as SLUB's SLAB_STORE_USER uses it).
 *
 * Storage. Blocks of pages from the machine's page allocator (never from
 * malloc: library metadata never comes from malloc), kept until the machine
 * goes. The first SLAB_STORE_USER cache takes the first block
 * (stack_depot_init, as SLUB's kmem_cache_open calls it): struct
 * kmm_stackdepot, the hash table (one 32-bit bucket head per 64 bytes of
 * the block) and pool 0, where records (struct stack_record: next, hash,
 * size, then the frames) are appended and never removed. When a new record
 * does not fit the last pool, the save that needs room allocates another
 * pool of STACK_DEPOT_BYTES (GFP_NOWAIT, before taking pool_lock) and the
 * records go on there, as Linux's depot adds pools. A handle is
 * (pool index << DEPOT_OFFSET_BITS | the record's word offset in its
 * pool) + 1, so 0 names no stack.
 *
 * Capacity: the first block is STACK_DEPOT_BYTES (1 MiB) or the largest
 * smaller block the buddy lists can give, and the depot grows to at most
 * DEPOT_MAX_POOLS pools and 1/32 of the machine's present memory (memory
 * that deferred init has not yet freed counts; memory hotplug raises the
 * limit). When a new stack does not fit and no pool can be added, the
 * depot says so once ("Stack depot reached limit capacity", WARN_ONCE's
 * words in Linux) and returns 0 for new stacks from then on; stacks
 * already stored keep being found.
 *
 * Concurrency. Lookups take no lock: a bucket head is published with a
 * release store after its record is written, records are immutable, so a
 * reader that loads the head with acquire sees whole records down the
 * chain (a new pool is set up before its first record's handle, and
 * nr_pools, are published). Insertions take pool_lock (a leaf: nothing is
 * taken inside it, nothing is logged under it; a new pool is allocated
 * before it and a spare one freed after; a save that finds the last pool
 * full under it with no pool in hand lets go, allocates one and tries
 * again), look again, append, publish.
 * Each pool's used mark is release-stored too, so stack_depot_fetch can
 * check a handle against it from any thread. The full message is logged
 * after unlock.
 *
 * Invariants (stack_depot_check, kmm_check's row): walking each pool from
 * offset 0 record by record ends exactly at its used mark, and the pools
 * hold nr_stacks records, each with 1..STACK_DEPOT_MAX_FRAMES frames and a
 * hash that matches its frames; every bucket's chain holds only records
 * whose hash selects that bucket, ends within nr_stacks steps, and the
 * chains hold nr_stacks records in all.
 *
 * Departures from Linux: no refcounting (stack_depot_put, page_owner's
 * STACK_DEPOT_FLAG_GET) and no eviction; the hash table is part of the
 * first block (Linux sizes it at boot from memory) and the pools are 1 MiB
 * blocks, not 16 KiB ones; the hash is kmm's own (a multiply-xorshift mix
 * per frame), not jhash2.
 */
#include "lib/stackdepot.h"

#include "log.h"
#include "page/internal.h"
#include "smp/cpu.h"

#define DEPOT_SEED 0x6b6d6d5du
#define DEPOT_BYTES_PER_BUCKET 64

static inline struct kmm_stackdepot *depot_of(const struct kmm_machine *m)
{
	return __atomic_load_n(&m->stackdepot, __ATOMIC_ACQUIRE);
}

static inline size_t record_bytes(unsigned int nr)
{
	return sizeof(struct stack_record) + (size_t)nr * sizeof(uintptr_t);
}

static inline depot_stack_handle_t make_handle(unsigned int pool, size_t off)
{
	return (depot_stack_handle_t)(((uint32_t)pool << DEPOT_OFFSET_BITS) |
				      (uint32_t)(off / sizeof(uintptr_t))) +
	       1;
}

static inline unsigned int handle_pool(depot_stack_handle_t handle)
{
	return (handle - 1) >> DEPOT_OFFSET_BITS;
}

static inline size_t handle_offset(depot_stack_handle_t handle)
{
	return (size_t)((handle - 1) & ((1u << DEPOT_OFFSET_BITS) - 1)) * sizeof(uintptr_t);
}

/* Is the handle one of a record inside its pool's used part (nr_pools, used: as read)? */
static bool handle_in_pools(const struct kmm_stackdepot *d, depot_stack_handle_t handle,
			    unsigned int nr_pools)
{
	unsigned int pool = handle_pool(handle);
	size_t used;

	if (!handle || pool >= nr_pools)
		return false;
	used = __atomic_load_n(&d->pools[pool].used, __ATOMIC_ACQUIRE);
	return handle_offset(handle) + record_bytes(0) <= used;
}

/* The machine's present memory: what the depot may take 1/32 of. */
static unsigned long depot_ram_bytes(struct kmm_machine *m)
{
	unsigned long pages = 0;

	for_each_zone_m (m, zone)
		pages += READ_ONCE(zone->present_pages);
	return pages << m->page_shift;
}

/* Pages of every block of the depot: the first one's and each added pool's. */
static unsigned long depot_pages(const struct kmm_stackdepot *d)
{
	unsigned int pools = __atomic_load_n(&d->nr_pools, __ATOMIC_ACQUIRE);
	unsigned long pages = 1ul << d->order;

	for (unsigned int i = 1; i < pools; i++)
		pages += 1ul << d->pools[i].order;
	return pages;
}

/*
 * A new pool for a save that found the last one too full for nr frames,
 * or NULL: the depot is at its limit, or the page allocator has no block
 * now (no reclaim). No lock held.
 */
static struct page *depot_alloc_pool(struct kmm_machine *m, struct kmm_stackdepot *d,
				     unsigned int nr, unsigned int *order)
{
	unsigned int pools = __atomic_load_n(&d->nr_pools, __ATOMIC_ACQUIRE);
	const struct depot_pool *last = &d->pools[pools - 1];

	if (__atomic_load_n(&last->used, __ATOMIC_ACQUIRE) + record_bytes(nr) <= last->size ||
	    pools >= DEPOT_MAX_POOLS)
		return NULL; /* room still, or no slot for a pool */
	*order = 0;
	while (*order < MAX_ORDER && ((size_t)m->page_size << (*order + 1)) <= STACK_DEPOT_BYTES)
		(*order)++;
	if (((depot_pages(d) + (1ul << *order)) << m->page_shift) > depot_ram_bytes(m) / 32)
		return NULL;
	return __alloc_pages(m, GFP_NOWAIT | __GFP_NOWARN, *order, cpu_to_node_m(m, m->nr_cpus - 1),
			     NULL);
}

static uint32_t stack_depot_hash(uint32_t seed, const uintptr_t *entries, unsigned int nr)
{
	uint64_t h = seed ^ ((uint64_t)nr * 0x9e3779b97f4a7c15ull);

	for (unsigned int i = 0; i < nr; i++) {
		h ^= (uint64_t)entries[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

/* Does the chain from `head` hold this stack? Its handle, or 0. */
static depot_stack_handle_t find_stack(const struct kmm_stackdepot *d, depot_stack_handle_t head,
				       uint32_t hash, const uintptr_t *entries, unsigned int nr)
{
	for (depot_stack_handle_t h = head; h;) {
		const struct stack_record *rec = stack_depot_record(d, h);

		if (rec->hash == hash && rec->size == nr &&
		    !kmm_memcmp(rec->entries, entries, (size_t)nr * sizeof(uintptr_t)))
			return h;
		h = rec->next;
	}
	return 0;
}

int stack_depot_init(struct kmm_machine *m)
{
	size_t want = STACK_DEPOT_BYTES, block, head;
	unsigned long ram = depot_ram_bytes(m);
	unsigned int order = 0, buckets;
	struct kmm_stackdepot *d, *expected = NULL;
	struct page *page = NULL;

	if (depot_of(m))
		return KMM_OK;
	if (want > ram / 32)
		want = ram / 32;
	while (order < MAX_ORDER && ((size_t)m->page_size << (order + 1)) <= want)
		order++;
	for (;;) {
		page = __alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, order,
				     cpu_to_node_m(m, m->nr_cpus - 1), NULL);
		if (page || order == 0)
			break;
		order--;
	}
	if (!page) {
		kmm_log(m, "stackdepot: allocating the depot failed, stack traces are not kept\n");
		return KMM_ENOMEM;
	}
	block = (size_t)m->page_size << order;
	buckets = 16;
	while ((size_t)buckets * 2 * DEPOT_BYTES_PER_BUCKET <= block)
		buckets *= 2;
	d = page_to_virt_raw(m, page);
	head = ALIGN_UP(sizeof(*d), sizeof(uintptr_t));
	kmm_memset(d, 0, head + (size_t)buckets * sizeof(depot_stack_handle_t));
	kmm_spin_init_class(&d->pool_lock, KMM_LOCK_STACKDEPOT);
	d->page = page;
	d->order = order;
	d->hash_mask = buckets - 1;
	d->seed = DEPOT_SEED;
	d->buckets = (depot_stack_handle_t *)((char *)d + head);
	d->pools[0].base = (char *)ALIGN_UP((uintptr_t)(d->buckets + buckets), sizeof(uintptr_t));
	d->pools[0].size = (size_t)((char *)d + block - d->pools[0].base);
	d->nr_pools = 1;
	if (!__atomic_compare_exchange_n(&m->stackdepot, &expected, d, false, __ATOMIC_RELEASE,
					 __ATOMIC_ACQUIRE))
		kmm_free_pages(m, page, order); /* another cache made it first */
	return KMM_OK;
}

depot_stack_handle_t stack_depot_save(struct kmm_machine *m, const uintptr_t *entries,
				      unsigned int nr)
{
	struct kmm_stackdepot *d = depot_of(m);
	depot_stack_handle_t *bucket, handle, head;
	struct page *spare = NULL;
	unsigned int stored = 0, spare_order = 0;
	unsigned long kib = 0;
	bool report_full = false;
	uint32_t hash;

	if (!d || !nr)
		return 0;
	nr = MIN(nr, (unsigned int)STACK_DEPOT_MAX_FRAMES);
	hash = stack_depot_hash(d->seed, entries, nr);
	bucket = &d->buckets[hash & d->hash_mask];
	handle = find_stack(d, __atomic_load_n(bucket, __ATOMIC_ACQUIRE), hash, entries, nr);
	if (handle)
		return handle;
	/*
	 * A save that looked before the last pool was full finds it full under
	 * the lock with no pool in hand: it lets go, allocates one and tries
	 * again (another save may have added one meanwhile). Full is only what
	 * a save finds with no pool to be had.
	 */
	for (int attempt = 0;; attempt++) {
		bool retry = false;

		if (!spare && !__atomic_load_n(&d->full, __ATOMIC_RELAXED))
			spare = depot_alloc_pool(m, d, nr, &spare_order);
		kmm_spin_lock(&d->pool_lock);
		head = __atomic_load_n(bucket, __ATOMIC_RELAXED);
		handle = find_stack(d, head, hash, entries, nr); /* stored meanwhile? */
		if (!handle) {
			unsigned int pool = d->nr_pools - 1;
			struct depot_pool *p = &d->pools[pool];

			if (p->used + record_bytes(nr) > p->size && spare &&
			    pool + 1 < DEPOT_MAX_POOLS) {
				/* the last pool is full: records go on in the new one */
				p = &d->pools[++pool];
				p->order = spare_order;
				p->base = page_to_virt_raw(m, spare);
				p->size = (size_t)m->page_size << spare_order;
				p->used = 0;
				spare = NULL;
				__atomic_store_n(&d->nr_pools, pool + 1, __ATOMIC_RELEASE);
			}
			if (p->used + record_bytes(nr) <= p->size) {
				struct stack_record *rec =
					(struct stack_record *)(p->base + p->used);

				rec->next = head;
				rec->hash = hash;
				rec->size = nr;
				rec->pad = 0;
				kmm_memcpy(rec->entries, entries, (size_t)nr * sizeof(uintptr_t));
				handle = make_handle(pool, p->used);
				d->nr_stacks++;
				__atomic_store_n(&p->used, p->used + record_bytes(nr),
						 __ATOMIC_RELEASE);
				__atomic_store_n(bucket, handle, __ATOMIC_RELEASE);
			} else if (!spare && !d->full && attempt < 2) {
				retry = true; /* the pool filled since the look: get one */
			} else {
				/* no room, and no pool to be had (the limit, or no free block) */
				report_full = !d->full;
				stored = d->nr_stacks;
				kib = (depot_pages(d) << m->page_shift) >> 10;
				__atomic_store_n(&d->full, true, __ATOMIC_RELAXED);
				d->drops++;
			}
		}
		if (!retry)
			break;
		kmm_spin_unlock(&d->pool_lock);
	}
	kmm_spin_unlock(&d->pool_lock);
	if (spare) /* another save added a pool first, or this stack was stored meanwhile */
		kmm_free_pages(m, spare, spare_order);
	if (report_full)
		kmm_log(m,
			"Stack depot reached limit capacity\n"
			"stackdepot: %u stacks in %lu KiB; new stacks are not kept (reports show "
			"their call site only)\n",
			stored, kib);
	return handle;
}

unsigned int stack_depot_fetch(struct kmm_machine *m, depot_stack_handle_t handle,
			       const uintptr_t **entries)
{
	struct kmm_stackdepot *d = depot_of(m);
	const struct stack_record *rec;
	size_t used, off;

	*entries = NULL;
	if (!d || !handle_in_pools(d, handle, __atomic_load_n(&d->nr_pools, __ATOMIC_ACQUIRE)))
		return 0;
	used = __atomic_load_n(&d->pools[handle_pool(handle)].used, __ATOMIC_ACQUIRE);
	off = handle_offset(handle);
	rec = stack_depot_record(d, handle);
	/* a handle read from a damaged track must not print garbage */
	if (rec->size == 0 || rec->size > STACK_DEPOT_MAX_FRAMES ||
	    used - off < record_bytes(rec->size) ||
	    stack_depot_hash(d->seed, rec->entries, rec->size) != rec->hash)
		return 0;
	*entries = rec->entries;
	return rec->size;
}

void stack_sprint_symbol(char *buf, size_t len, uintptr_t addr)
{
	if (!kmm_os_symbol((const void *)addr, buf, len))
		kmm_snprintf(buf, len, "0x%lx", (unsigned long)addr);
}

/* stack_trace_print(entries, nr, 0): "%*c%pS\n" with one space. */
void stack_depot_print(struct kmm_machine *m, struct kmm_out *o, depot_stack_handle_t handle)
{
	const uintptr_t *entries;
	unsigned int nr = stack_depot_fetch(m, handle, &entries);
	char sym[160];

	for (unsigned int i = 0; i < nr; i++) {
		stack_sprint_symbol(sym, sizeof(sym), entries[i]);
		kmm_out_printf(o, " %s\n", sym);
	}
}

unsigned long stack_depot_pages(const struct kmm_machine *m)
{
	const struct kmm_stackdepot *d = depot_of(m);

	return d ? depot_pages(d) : 0;
}

int stack_depot_check(struct kmm_machine *m)
{
	struct kmm_stackdepot *d = depot_of(m);
	unsigned int walked = 0, chained = 0, bad_hash = 0, bad_bucket = 0, bad_chain = 0, counted;
	bool bad_layout = false;
	unsigned int nr_pools;
	int problems;

	if (!d)
		return 0;
	kmm_spin_lock(&d->pool_lock);
	for (unsigned int pool = 0; pool < d->nr_pools && !bad_layout; pool++) {
		const struct depot_pool *p = &d->pools[pool];

		if (p->used > p->size)
			bad_layout = true;
		for (size_t off = 0; off < p->used && !bad_layout;) {
			const struct stack_record *rec =
				(const struct stack_record *)(p->base + off);

			if (p->used - off < record_bytes(0) || rec->size == 0 ||
			    rec->size > STACK_DEPOT_MAX_FRAMES ||
			    p->used - off < record_bytes(rec->size)) {
				bad_layout = true;
				break;
			}
			if (stack_depot_hash(d->seed, rec->entries, rec->size) != rec->hash)
				bad_hash++;
			walked++;
			off += record_bytes(rec->size);
		}
	}
	for (uint32_t b = 0; b <= d->hash_mask; b++) {
		unsigned int steps = 0;

		for (depot_stack_handle_t h = d->buckets[b]; h;) {
			const struct stack_record *rec;

			if (!handle_in_pools(d, h, d->nr_pools) || ++steps > d->nr_stacks) {
				bad_chain++;
				break;
			}
			rec = stack_depot_record(d, h);
			if ((rec->hash & d->hash_mask) != b)
				bad_bucket++;
			chained++;
			h = rec->next;
		}
	}
	problems = (int)(bad_hash + bad_bucket + bad_chain) + bad_layout +
		   (walked != d->nr_stacks) + (chained != d->nr_stacks);
	counted = d->nr_stacks;
	nr_pools = d->nr_pools;
	kmm_spin_unlock(&d->pool_lock);
	if (problems)
		kmm_log(m,
			"stackdepot: %u stacks counted, %u in %u pools%s, %u in the hash chains; "
			"%u records with a wrong hash, %u in the wrong bucket, %u broken chains\n",
			counted, walked, nr_pools, bad_layout ? " (layout broken)" : "", chained,
			bad_hash, bad_bucket, bad_chain);
	return problems;
}

void stack_depot_teardown(struct kmm_machine *m)
{
	/* the block goes with the machine's memory */
	__atomic_store_n(&m->stackdepot, NULL, __ATOMIC_RELEASE);
}
