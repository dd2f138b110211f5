/* SPDX-License-Identifier: MIT */
/*
 * percpu/alloc.c - the dynamic per-CPU allocator (alloc_percpu and
 * free_percpu), Linux's mm/percpu.c reduced to what a machine needs.
 *
 * See percpu.h for the layout. Unit size: Linux's minimum unit, 32 KiB
 * (at least one page), but a chunk (nr_slots units, rounded up to a power
 * of two so the block is one buddy allocation) is held to 256 pages, so a
 * machine with many CPUs gets smaller units. Units nr_cpus..nr_slots-1 are
 * the extra slots of CAS mode (smp/cpu.h, smp_local_slot): only the
 * per-CPU arrays (pcp) use them, but every unit is zeroed. The largest allocation is one
 * unit; alignment may be up to a page, as in Linux.
 *
 * Everything comes from the machine's pages: the state page, each chunk's
 * block and each chunk's metadata page (struct pcpu_chunk and its two
 * bitmaps). The lock (pcpu->lock) covers the maps and the chunk list's
 * growth; pages are allocated with it dropped, and the allocated range is
 * zeroed in every unit after it is released (it belongs to the caller by
 * then). Reports are made after unlock.
 */
#include "log.h"
#include "page/internal.h"
#include "percpu/percpu.h"
#include "smp/cpu.h"

#define BITS_PER_LONG_ (8 * sizeof(unsigned long))

static inline bool map_test(const unsigned long *map, unsigned long bit)
{
	return (map[bit / BITS_PER_LONG_] >> (bit % BITS_PER_LONG_)) & 1;
}

static inline void map_set(unsigned long *map, unsigned long bit)
{
	map[bit / BITS_PER_LONG_] |= 1ul << (bit % BITS_PER_LONG_);
}

static inline void map_clear(unsigned long *map, unsigned long bit)
{
	map[bit / BITS_PER_LONG_] &= ~(1ul << (bit % BITS_PER_LONG_));
}

static unsigned int order_for_bytes(const struct kmm_machine *m, size_t bytes)
{
	unsigned int order = 0;

	while ((m->page_size << order) < bytes)
		order++;
	return order;
}

/* A new chunk: its block and its metadata page; NULL when memory is short. */
static struct pcpu_chunk *pcpu_create_chunk(struct kmm_machine *m)
{
	struct pcpu_state *pcpu = m->pcpu;
	unsigned long granules = m->pcpu_unit_bytes / PCPU_MIN_ALLOC_SIZE;
	size_t map_longs = (granules + BITS_PER_LONG_ - 1) / BITS_PER_LONG_;
	size_t meta_bytes = sizeof(struct pcpu_chunk) + 2 * map_longs * sizeof(unsigned long);
	unsigned int meta_order = order_for_bytes(m, meta_bytes);
	struct page *meta, *pages;
	struct pcpu_chunk *chunk;

	meta = kmm_alloc_pages_node(m, cpu_to_node_m(m, m->nr_cpus - 1),
				    GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, meta_order);
	if (!meta)
		return NULL;
	pages = kmm_alloc_pages_node(m, cpu_to_node_m(m, m->nr_cpus - 1),
				     GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, pcpu->chunk_order);
	if (!pages) {
		kmm_free_pages(m, meta, meta_order);
		return NULL;
	}
	chunk = kmm_page_address(m, meta);
	chunk->base = kmm_page_address(m, pages);
	chunk->pages = pages;
	chunk->meta = meta;
	chunk->nr_granules = granules;
	chunk->free_bytes = m->pcpu_unit_bytes;
	chunk->alloc_map = (unsigned long *)(chunk + 1);
	chunk->bound_map = chunk->alloc_map + map_longs;
	return chunk;
}

unsigned long pcpu_chunk_pages(const struct kmm_machine *m)
{
	const struct pcpu_state *pcpu = m->pcpu;
	unsigned long granules = m->pcpu_unit_bytes / PCPU_MIN_ALLOC_SIZE;
	size_t map_longs = (granules + BITS_PER_LONG_ - 1) / BITS_PER_LONG_;
	size_t meta_bytes = sizeof(struct pcpu_chunk) + 2 * map_longs * sizeof(unsigned long);

	if (!pcpu)
		return 0;
	return __atomic_load_n(&pcpu->nr_chunks, __ATOMIC_RELAXED) *
	       ((1ul << pcpu->chunk_order) + (1ul << order_for_bytes(m, meta_bytes)));
}

int percpu_init(struct kmm_machine *m)
{
	unsigned long cpus = 1, unit_pages;
	struct pcpu_state *pcpu;
	struct pcpu_chunk *chunk;
	struct page *page;

	while (cpus < (unsigned long)m->nr_slots)
		cpus <<= 1;
	unit_pages = MAX(PCPU_UNIT_TARGET >> m->page_shift, 1ul);
	unit_pages = MIN(unit_pages, MAX(256ul / cpus, 1ul));
	page = kmm_alloc_pages_node(m, cpu_to_node_m(m, m->nr_cpus - 1),
				    GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
				    order_for_bytes(m, sizeof(*pcpu)));
	if (!page)
		return KMM_ENOMEM;
	pcpu = kmm_page_address(m, page);
	kmm_spin_init_class(&pcpu->lock, KMM_LOCK_PCPU);
	pcpu->page = page;
	pcpu->unit_pages = (unsigned int)unit_pages;
	pcpu->chunk_order = ilog2_ul(cpus * unit_pages);
	m->pcpu_unit_bytes = unit_pages << m->page_shift;
	m->pcpu = pcpu;
	chunk = pcpu_create_chunk(m);
	if (!chunk)
		return KMM_ENOMEM;
	pcpu->chunks = chunk;
	pcpu->nr_chunks = 1;
	return KMM_OK;
}

/* First fit of `n` granules at a multiple of `step`, or -1. pcpu->lock held. */
static long pcpu_find_area(const struct pcpu_chunk *chunk, unsigned long n, unsigned long step)
{
	for (unsigned long start = 0; start + n <= chunk->nr_granules; start += step) {
		unsigned long i;

		for (i = 0; i < n; i++)
			if (map_test(chunk->alloc_map, start + i))
				break;
		if (i == n)
			return (long)start;
		/* skip past the granule in use */
		start = ALIGN_DOWN(start + i, step);
	}
	return -1;
}

void *pcpu_alloc(struct kmm_machine *m, size_t size, size_t align, bool quiet)
{
	struct pcpu_state *pcpu = m->pcpu;
	unsigned long n, step;

	if (unlikely(!size || size > m->pcpu_unit_bytes || align > m->page_size ||
		     (align & (align - 1)))) {
		kmm_report_bad_call(m, "illegal size (%zu) or align (%zu) for percpu allocation",
				    size, align);
		return NULL;
	}
	align = MAX(align, PCPU_MIN_ALLOC_SIZE);
	n = (size + PCPU_MIN_ALLOC_SIZE - 1) / PCPU_MIN_ALLOC_SIZE;
	step = align / PCPU_MIN_ALLOC_SIZE;
	for (;;) {
		struct pcpu_chunk *chunk;

		kmm_spin_lock(&pcpu->lock);
		for (chunk = pcpu->chunks; chunk; chunk = chunk->next) {
			long start;
			char *p;

			if (chunk->free_bytes < n * PCPU_MIN_ALLOC_SIZE)
				continue;
			start = pcpu_find_area(chunk, n, step);
			if (start < 0)
				continue;
			for (unsigned long i = 0; i < n; i++)
				map_set(chunk->alloc_map, (unsigned long)start + i);
			map_set(chunk->bound_map, (unsigned long)start);
			chunk->free_bytes -= n * PCPU_MIN_ALLOC_SIZE;
			pcpu->allocated_bytes += n * PCPU_MIN_ALLOC_SIZE;
			kmm_spin_unlock(&pcpu->lock);
			p = chunk->base + (unsigned long)start * PCPU_MIN_ALLOC_SIZE;
			for (int slot = 0; slot < m->nr_slots; slot++)
				kmm_memset(per_cpu_ptr_m(m, p, slot), 0, size);
			return p;
		}
		kmm_spin_unlock(&pcpu->lock);
		chunk = pcpu_create_chunk(m);
		if (!chunk) {
			if (!quiet)
				kmm_report_bad_call(
					m,
					"percpu: allocation failed, size=%zu align=%zu: no memory "
					"for a new chunk",
					size, align);
			return NULL;
		}
		kmm_spin_lock(&pcpu->lock);
		chunk->next = pcpu->chunks;
		/* readers walk the list without the lock (pcpu_addr_valid) */
		__atomic_store_n(&pcpu->chunks, chunk, __ATOMIC_RELEASE);
		pcpu->nr_chunks++;
		kmm_spin_unlock(&pcpu->lock);
	}
}

static struct pcpu_chunk *pcpu_chunk_of(const struct kmm_machine *m, const void *ptr)
{
	for (struct pcpu_chunk *c = __atomic_load_n(&m->pcpu->chunks, __ATOMIC_ACQUIRE); c;
	     c = c->next)
		if ((const char *)ptr >= c->base &&
		    (const char *)ptr < c->base + m->pcpu_unit_bytes)
			return c;
	return NULL;
}

bool pcpu_addr_valid(const struct kmm_machine *m, const void *ptr)
{
	return m->pcpu && pcpu_chunk_of(m, ptr) != NULL;
}

void pcpu_free(struct kmm_machine *m, void *ptr)
{
	struct pcpu_state *pcpu = m->pcpu;
	struct pcpu_chunk *chunk;
	unsigned long off, g;
	bool ok = false;

	if (!ptr)
		return;
	chunk = pcpu_chunk_of(m, ptr);
	if (chunk) {
		off = (unsigned long)((char *)ptr - chunk->base);
		kmm_spin_lock(&pcpu->lock);
		if (off % PCPU_MIN_ALLOC_SIZE == 0) {
			g = off / PCPU_MIN_ALLOC_SIZE;
			ok = map_test(chunk->bound_map, g) && map_test(chunk->alloc_map, g);
		}
		if (ok) {
			unsigned long n = 0;

			map_clear(chunk->bound_map, g);
			do {
				map_clear(chunk->alloc_map, g);
				g++;
				n++;
			} while (g < chunk->nr_granules && map_test(chunk->alloc_map, g) &&
				 !map_test(chunk->bound_map, g));
			chunk->free_bytes += n * PCPU_MIN_ALLOC_SIZE;
			pcpu->allocated_bytes -= n * PCPU_MIN_ALLOC_SIZE;
		}
		kmm_spin_unlock(&pcpu->lock);
	}
	if (!ok)
		kmm_report_bad_call(m, "free_percpu: %p is not a live per-CPU allocation", ptr);
}

int percpu_check(struct kmm_machine *m)
{
	struct pcpu_state *pcpu = m->pcpu;
	unsigned long used_total = 0, nchunks = 0;
	int problems = 0;
	char msg[160] = "";

	if (!pcpu)
		return 0;
	kmm_spin_lock(&pcpu->lock);
	for (struct pcpu_chunk *c = pcpu->chunks; c; c = c->next) {
		unsigned long used = 0;

		nchunks++;
		for (unsigned long g = 0; g < c->nr_granules; g++) {
			if (map_test(c->alloc_map, g))
				used++;
			else if (map_test(c->bound_map, g) && !problems++)
				kmm_snprintf(
					msg, sizeof(msg),
					"percpu chunk %p: granule %lu starts an allocation but "
					"is free",
					(void *)c->base, g);
		}
		if (c->free_bytes != (c->nr_granules - used) * PCPU_MIN_ALLOC_SIZE && !problems++)
			kmm_snprintf(msg, sizeof(msg),
				     "percpu chunk %p: free_bytes %lu but the map has %lu free",
				     c->base, c->free_bytes,
				     (c->nr_granules - used) * PCPU_MIN_ALLOC_SIZE);
		used_total += used * PCPU_MIN_ALLOC_SIZE;
	}
	if (used_total != pcpu->allocated_bytes && !problems++)
		kmm_snprintf(msg, sizeof(msg), "percpu: %lu bytes allocated but the maps hold %lu",
			     pcpu->allocated_bytes, used_total);
	if (nchunks != pcpu->nr_chunks && !problems++)
		kmm_snprintf(msg, sizeof(msg), "percpu: %lu chunks counted but %lu listed",
			     pcpu->nr_chunks, nchunks);
	kmm_spin_unlock(&pcpu->lock);
	if (problems)
		kmm_log(m, "kmm_check: %s\n", msg);
	return problems;
}
