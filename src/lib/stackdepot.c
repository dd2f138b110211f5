/* SPDX-License-Identifier: MIT */
/*
 * lib/stackdepot.c - the stack depot: deduplicated stack traces, one copy
 * per distinct stack per machine, named by 32-bit handles (Linux's
 * lib/stackdepot.c, CONFIG_STACKDEPOT, as SLUB's SLAB_STORE_USER uses it).
 *
 * Storage. One block of pages from the machine's page allocator (never from
 * malloc: library metadata never comes from malloc), taken by the first
 * SLAB_STORE_USER cache (stack_depot_init, as SLUB's kmem_cache_open calls
 * it) and kept until the machine goes. It holds, in order, struct
 * kmm_stackdepot, the hash table (one 32-bit bucket head per 128 bytes of
 * block: about one record per bucket when full) and the pool, where
 * records (struct stack_record: next, hash, size, then the frames) are
 * appended and never removed. A handle is a record's offset in the pool in
 * words, plus one, so 0 names no stack.
 *
 * Capacity is fixed: the block is STACK_DEPOT_BYTES (1 MiB), at most 1/32
 * of the machine's memory, or the largest smaller block the buddy lists
 * can give. When a new stack does not fit, the depot says so once ("Stack
 * depot reached limit capacity", WARN_ONCE's words in Linux) and returns 0
 * for new stacks from then on; stacks already stored keep being found.
 *
 * Concurrency. Lookups take no lock: a bucket head is published with a
 * release store after its record is written, records are immutable, so a
 * reader that loads the head with acquire sees whole records down the
 * chain. Insertions take pool_lock (a leaf: nothing is taken inside it,
 * nothing is logged under it), look again, append, publish. pool_used is
 * release-stored too, so stack_depot_fetch can check a handle against it
 * from any thread. The full message is logged after unlock.
 *
 * Invariants (stack_depot_check, kmm_check's row): walking the pool from
 * offset 0 record by record ends exactly at pool_used and meets nr_stacks
 * records, each with 1..STACK_DEPOT_MAX_FRAMES frames and a hash that
 * matches its frames; every bucket's chain holds only records whose hash
 * selects that bucket, ends within nr_stacks steps, and the chains hold
 * nr_stacks records in all.
 *
 * Departures from Linux: no refcounting (stack_depot_put, page_owner's
 * STACK_DEPOT_FLAG_GET) and no eviction; one block sized at init instead of
 * pools allocated as the depot grows; the hash is kmm's own (a multiply-
 * xorshift mix per frame), not jhash2.
 */
#include "lib/stackdepot.h"

#include "log.h"
#include "page/internal.h"
#include "smp/cpu.h"

#define DEPOT_SEED 0x6b6d6d5du
#define DEPOT_BYTES_PER_BUCKET 128

static inline struct kmm_stackdepot *depot_of(const struct kmm_machine *m)
{
	return __atomic_load_n(&m->stackdepot, __ATOMIC_ACQUIRE);
}

static inline size_t record_bytes(unsigned int nr)
{
	return sizeof(struct stack_record) + (size_t)nr * sizeof(uintptr_t);
}

static inline struct stack_record *handle_record(const struct kmm_stackdepot *d,
						 depot_stack_handle_t handle)
{
	return (struct stack_record *)(d->pool + (size_t)(handle - 1) * sizeof(uintptr_t));
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
		const struct stack_record *rec = handle_record(d, h);

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
	unsigned long ram = m->totalram_pages << m->page_shift;
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
	d->pool = (char *)ALIGN_UP((uintptr_t)(d->buckets + buckets), sizeof(uintptr_t));
	d->pool_size = (size_t)((char *)d + block - d->pool);
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
	bool report_full = false;
	unsigned int stored = 0;
	uint32_t hash;

	if (!d || !nr)
		return 0;
	nr = MIN(nr, (unsigned int)STACK_DEPOT_MAX_FRAMES);
	hash = stack_depot_hash(d->seed, entries, nr);
	bucket = &d->buckets[hash & d->hash_mask];
	handle = find_stack(d, __atomic_load_n(bucket, __ATOMIC_ACQUIRE), hash, entries, nr);
	if (handle)
		return handle;

	kmm_spin_lock(&d->pool_lock);
	head = __atomic_load_n(bucket, __ATOMIC_RELAXED);
	handle = find_stack(d, head, hash, entries, nr); /* stored meanwhile? */
	if (!handle) {
		size_t used = d->pool_used;

		if (used + record_bytes(nr) <= d->pool_size) {
			struct stack_record *rec = (struct stack_record *)(d->pool + used);

			rec->next = head;
			rec->hash = hash;
			rec->size = nr;
			rec->pad = 0;
			kmm_memcpy(rec->entries, entries, (size_t)nr * sizeof(uintptr_t));
			handle = (depot_stack_handle_t)(used / sizeof(uintptr_t) + 1);
			d->nr_stacks++;
			__atomic_store_n(&d->pool_used, used + record_bytes(nr), __ATOMIC_RELEASE);
			__atomic_store_n(bucket, handle, __ATOMIC_RELEASE);
		} else {
			report_full = !d->full;
			stored = d->nr_stacks;
			d->full = true;
			d->drops++;
		}
	}
	kmm_spin_unlock(&d->pool_lock);
	if (report_full)
		kmm_log(m,
			"Stack depot reached limit capacity\n"
			"stackdepot: %u stacks in %zu KiB; new stacks are not kept (reports show "
			"their call site only)\n",
			stored, d->pool_size >> 10);
	return handle;
}

unsigned int stack_depot_fetch(struct kmm_machine *m, depot_stack_handle_t handle,
			       const uintptr_t **entries)
{
	struct kmm_stackdepot *d = depot_of(m);
	const struct stack_record *rec;
	size_t used, off;

	*entries = NULL;
	if (!d || !handle)
		return 0;
	used = __atomic_load_n(&d->pool_used, __ATOMIC_ACQUIRE);
	off = (size_t)(handle - 1) * sizeof(uintptr_t);
	if (off >= used || used - off < record_bytes(0))
		return 0;
	rec = handle_record(d, handle);
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

	return d ? 1ul << d->order : 0;
}

int stack_depot_check(struct kmm_machine *m)
{
	struct kmm_stackdepot *d = depot_of(m);
	unsigned int walked = 0, chained = 0, bad_hash = 0, bad_bucket = 0, bad_chain = 0, counted;
	bool bad_layout = false;
	size_t off, used;
	int problems;

	if (!d)
		return 0;
	kmm_spin_lock(&d->pool_lock);
	used = d->pool_used;
	for (off = 0; off < used;) {
		const struct stack_record *rec = (const struct stack_record *)(d->pool + off);

		if (used - off < record_bytes(0) || rec->size == 0 ||
		    rec->size > STACK_DEPOT_MAX_FRAMES || used - off < record_bytes(rec->size)) {
			bad_layout = true;
			break;
		}
		if (stack_depot_hash(d->seed, rec->entries, rec->size) != rec->hash)
			bad_hash++;
		walked++;
		off += record_bytes(rec->size);
	}
	for (uint32_t b = 0; b <= d->hash_mask; b++) {
		unsigned int steps = 0;

		for (depot_stack_handle_t h = d->buckets[b]; h;) {
			const struct stack_record *rec;

			if ((size_t)(h - 1) * sizeof(uintptr_t) + record_bytes(0) > used ||
			    ++steps > d->nr_stacks) {
				bad_chain++;
				break;
			}
			rec = handle_record(d, h);
			if ((rec->hash & d->hash_mask) != b)
				bad_bucket++;
			chained++;
			h = rec->next;
		}
	}
	problems = (int)(bad_hash + bad_bucket + bad_chain) + bad_layout +
		   (walked != d->nr_stacks) + (chained != d->nr_stacks);
	counted = d->nr_stacks;
	kmm_spin_unlock(&d->pool_lock);
	if (problems)
		kmm_log(m,
			"stackdepot: %u stacks counted, %u in the pool%s, %u in the hash chains; "
			"%u records with a wrong hash, %u in the wrong bucket, %u broken chains\n",
			counted, walked, bad_layout ? " (layout broken)" : "", chained, bad_hash,
			bad_bucket, bad_chain);
	return problems;
}

void stack_depot_teardown(struct kmm_machine *m)
{
	/* the block goes with the machine's memory */
	__atomic_store_n(&m->stackdepot, NULL, __ATOMIC_RELEASE);
}
