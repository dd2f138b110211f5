/* SPDX-License-Identifier: MIT */
/*
 * malloc/huge.c - blocks above the buddy allocator's largest order.
 *
 * A request larger than kmalloc's largest block (order 10: 4 MiB with 4 KiB
 * pages) gets a host mapping of its own, the role vmalloc plays behind
 * kvmalloc: anonymous, private (so fork copies it on write), given back
 * with munmap on free. The block's header sits just below the pointer, in
 * the mapping's first page:
 *
 *   map ... [pad] [struct huge_hdr] p ... p + usable ... map + len
 *
 * The registry, an open-addressing hash set of block addresses in static
 * memory (65536 slots, so at most 49152 huge blocks live: 192 GiB at the
 * least), says whether a pointer is such a block before anything reads
 * below it, so a foreign pointer is never dereferenced. realloc moves a
 * block with mremap(MREMAP_MAYMOVE): the pages are remapped, not copied.
 *
 * Invariant: a pointer is in the registry exactly while its mapping exists
 * and its header is valid; every change of both happens under huge_lock.
 */
#define _GNU_SOURCE
#include "malloc/kmm_malloc.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#define SLOTS 65536u
#define TOMB ((uintptr_t)1)

struct huge_hdr {
	char *map;
	size_t len;
	size_t usable;
	size_t magic;
};
#define HUGE_MAGIC 0x6b6d6d2d68756765ull

static uintptr_t slots[SLOTS];
static unsigned int used_slots; /* live + tombstones */
static size_t nr_blocks, nr_bytes;
static pthread_mutex_t huge_lock = PTHREAD_MUTEX_INITIALIZER;

static inline unsigned int slot_of(uintptr_t p)
{
	return (unsigned int)((p >> 12) * 0x9e3779b97f4a7c15ull >> 48) & (SLOTS - 1);
}

static int find(uintptr_t p)
{
	for (unsigned int i = slot_of(p), n = 0; n < SLOTS; i = (i + 1) & (SLOTS - 1), n++) {
		if (slots[i] == p)
			return (int)i;
		if (slots[i] == 0)
			return -1;
	}
	return -1;
}

static uintptr_t rehash_tmp[SLOTS];

/* Drop the tombstones: reinsert the live entries into a clean table. */
static void rehash(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SLOTS; i++)
		if (slots[i] > TOMB)
			rehash_tmp[n++] = slots[i];
	memset(slots, 0, sizeof(slots));
	used_slots = n;
	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = slot_of(rehash_tmp[k]);

		while (slots[i])
			i = (i + 1) & (SLOTS - 1);
		slots[i] = rehash_tmp[k];
	}
}

static int insert(uintptr_t p)
{
	if (used_slots >= SLOTS / 4 * 3)
		rehash();
	if (used_slots >= SLOTS / 4 * 3)
		return -1;
	for (unsigned int i = slot_of(p);; i = (i + 1) & (SLOTS - 1)) {
		if (slots[i] == 0 || slots[i] == TOMB) {
			if (slots[i] == 0)
				used_slots++;
			slots[i] = p;
			return 0;
		}
	}
}

static inline struct huge_hdr *hdr_of(const void *p)
{
	return (struct huge_hdr *)p - 1;
}

bool km_huge_owns(const void *p)
{
	int i;

	if (!nr_blocks || ((uintptr_t)p & 4095))
		return false;
	pthread_mutex_lock(&huge_lock);
	i = find((uintptr_t)p);
	pthread_mutex_unlock(&huge_lock);
	return i >= 0;
}

size_t km_huge_usable(const void *p)
{
	return hdr_of(p)->usable;
}

void *km_huge_alloc(size_t size, size_t align)
{
	size_t page = 4096, len, head;
	char *map, *p;

	if (align < page)
		align = page;
	if (size > ((size_t)1 << 46) || align > ((size_t)1 << 30))
		return NULL;
	head = align; /* the header's page, and room to align */
	len = (size + head + align + page - 1) & ~(page - 1);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)map + sizeof(struct huge_hdr) + align - 1) &
		     ~(uintptr_t)(align - 1));
	hdr_of(p)->map = map;
	hdr_of(p)->len = len;
	hdr_of(p)->usable = (size_t)(map + len - p);
	hdr_of(p)->magic = HUGE_MAGIC;
	pthread_mutex_lock(&huge_lock);
	if (insert((uintptr_t)p)) {
		pthread_mutex_unlock(&huge_lock);
		munmap(map, len);
		return NULL;
	}
	nr_blocks++;
	nr_bytes += len;
	pthread_mutex_unlock(&huge_lock);
	return p;
}

void km_huge_free(void *p)
{
	struct huge_hdr h;
	int i;

	pthread_mutex_lock(&huge_lock);
	i = find((uintptr_t)p);
	if (i < 0) {
		pthread_mutex_unlock(&huge_lock);
		return;
	}
	slots[i] = TOMB;
	h = *hdr_of(p);
	nr_blocks--;
	nr_bytes -= h.len;
	pthread_mutex_unlock(&huge_lock);
	munmap(h.map, h.len);
}

void *km_huge_realloc(void *p, size_t size)
{
	struct huge_hdr *h = hdr_of(p);
	size_t off, len;
	char *map, *q;
	int i;

	if (size <= h->usable && size > h->usable / 2)
		return p;
	pthread_mutex_lock(&huge_lock);
	off = (size_t)((char *)p - h->map);
	len = (off + size + 4095) & ~(size_t)4095;
	map = mremap(h->map, h->len, len, MREMAP_MAYMOVE);
	if (map == MAP_FAILED) {
		pthread_mutex_unlock(&huge_lock);
		return NULL;
	}
	q = map + off;
	nr_bytes += len;
	nr_bytes -= hdr_of(q)->len;
	hdr_of(q)->map = map;
	hdr_of(q)->len = len;
	hdr_of(q)->usable = len - off;
	if (q != p) {
		i = find((uintptr_t)p);
		if (i >= 0)
			slots[i] = TOMB;
		insert((uintptr_t)q); /* cannot fail: one slot was just freed */
	}
	pthread_mutex_unlock(&huge_lock);
	return q;
}

void km_huge_totals(size_t *blocks, size_t *bytes)
{
	pthread_mutex_lock(&huge_lock);
	*blocks = nr_blocks;
	*bytes = nr_bytes;
	pthread_mutex_unlock(&huge_lock);
}

/* Held across fork (boot.c's handlers), like the machine's locks. */
void km_huge_lock(void)
{
	pthread_mutex_lock(&huge_lock);
}

void km_huge_unlock(void)
{
	pthread_mutex_unlock(&huge_lock);
}
