/* SPDX-License-Identifier: MIT */
/*
 * highmem/pkmap.c - kmap / kunmap: the persistent kmap window (Linux's
 * mm/highmem.c kmap_high), and page_address() of a kmapped highmem page.
 *
 * The window is LAST_PKMAP page slots. pkmap_count[i] is 0 for a free slot
 * that maps nothing, 1 for a slot nobody uses but that still maps its page
 * (not yet flushed: a kmap of the same page reuses it), and n + 1 while n
 * users hold it. kmap of a highmem page looks the page up in the address
 * hash (page_address_htable); if it has no slot, map_new_virtual scans
 * from the last slot handed out, and each time the scan wraps to slot 0
 * it flushes every count-1 slot (unmaps it, drops it from the hash, sets
 * it 0: flush_all_zero_pkmaps). When a full scan finds nothing the caller
 * sleeps on pkmap_wait (kmm_os_wait) until a kunmap makes a slot unused,
 * then looks again - another thread may have mapped the same page in the
 * meantime. kmap of a lowmem page is its direct-map address, no slot.
 *
 * Invariants (pkmap_check): a slot with count > 0 maps a highmem pfn and
 * is on the hash chain of that pfn, exactly once; a slot with count 0 is
 * on no chain; no pfn has two slots.
 *
 * kmap may sleep (might_sleep). Misuse - kunmap of a page that is not
 * kmapped, a page of another machine - is reported ("kunmap: ...") and
 * changes nothing (Linux BUGs).
 */
#include "highmem/highmem.h"
#include "lib/lockdep.h"
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"

#include <kmm/highmem.h>

static inline unsigned int pa_hash(unsigned long pfn)
{
	return (unsigned int)((pfn * 0x9e3779b97f4a7c15ull) >> 57) & (PA_HASH_SIZE - 1);
}

static inline char *pkmap_addr(const struct kmm_machine *m, unsigned int nr)
{
	return m->highmem->pkmap_base + ((size_t)nr << m->page_shift);
}

/* Slot of pfn, or PKMAP_NONE; under kmap_lock. */
static unsigned int pkmap_lookup(const struct kmm_highmem *h, unsigned long pfn)
{
	for (unsigned int nr = h->hash_head[pa_hash(pfn)]; nr != PKMAP_NONE; nr = h->hash_next[nr])
		if (h->pkmap_pfn[nr] == pfn)
			return nr;
	return PKMAP_NONE;
}

static void hash_del(struct kmm_highmem *h, unsigned int nr)
{
	uint16_t *link = &h->hash_head[pa_hash(h->pkmap_pfn[nr])];

	while (*link != nr)
		link = &h->hash_next[*link];
	*link = h->hash_next[nr];
	h->hash_next[nr] = PKMAP_NONE;
}

void *pkmap_page_address(const struct kmm_machine *m, unsigned long pfn)
{
	struct kmm_highmem *h = m->highmem;
	unsigned int nr;

	if (!h || !h->remap)
		return NULL;
	kmm_spin_lock(&h->kmap_lock);
	nr = pkmap_lookup(h, pfn);
	kmm_spin_unlock(&h->kmap_lock);
	return nr == PKMAP_NONE ? NULL : pkmap_addr(m, nr);
}

/* flush_all_zero_pkmaps; under kmap_lock */
static void flush_all_zero_pkmaps(struct kmm_machine *m, struct kmm_highmem *h)
{
	h->pkmap_flushes++;
	for (unsigned int i = 0; i < LAST_PKMAP; i++) {
		if (h->pkmap_count[i] != 1)
			continue;
		h->pkmap_count[i] = 0;
		hash_del(h, i);
		h->pkmap_pfn[i] = KMM_NIL_PFN;
		kmm_os_unmap_fixed(pkmap_addr(m, i), m->page_size);
	}
}

/*
 * A new slot for pfn; under kmap_lock, which it may drop to sleep. Returns
 * the slot, which already counts 1 (mapped, unused), or PKMAP_NONE when the
 * host refused the mapping.
 */
static unsigned int map_new_virtual(struct kmm_machine *m, struct kmm_highmem *h, unsigned long pfn)
{
	unsigned int count = LAST_PKMAP, nr;

	for (;;) {
		nr = h->last_pkmap_nr = (h->last_pkmap_nr + 1) & LAST_PKMAP_MASK;
		if (nr == 0) {
			flush_all_zero_pkmaps(m, h);
			count = LAST_PKMAP;
		}
		if (h->pkmap_count[nr] == 0)
			break;
		if (--count)
			continue;
		/* every slot is in use: sleep until a kunmap frees one */
		uint32_t seq = __atomic_load_n(&h->pkmap_wait, __ATOMIC_ACQUIRE);

		h->kmap_sleeps++;
		kmm_spin_unlock(&h->kmap_lock);
		kmm_os_wait(&h->pkmap_wait, seq, KMM_OS_WAIT_FOREVER);
		kmm_spin_lock(&h->kmap_lock);
		/* somebody else may have mapped it meanwhile */
		nr = pkmap_lookup(h, pfn);
		if (nr != PKMAP_NONE)
			return nr;
		count = LAST_PKMAP;
	}
	if (kmm_os_phys_map_fixed(m->phys_handle, (uint64_t)pfn << m->page_shift, m->page_size,
				  pkmap_addr(m, nr)))
		return PKMAP_NONE;
	h->pkmap_count[nr] = 1;
	h->pkmap_pfn[nr] = (uint32_t)pfn;
	h->hash_next[nr] = h->hash_head[pa_hash(pfn)];
	h->hash_head[pa_hash(pfn)] = (uint16_t)nr;
	return nr;
}

static bool page_ok(struct kmm_machine *m, const struct page *page, const char *fn)
{
	if (unlikely(!m || !page_in_machine(m, page))) {
		if (m)
			kmm_report_bad_call(m, "%s: %p is not a page of this machine", fn,
					    (const void *)page);
		return false;
	}
	return true;
}

void *kmm_kmap(kmm_machine *m, struct page *page)
{
	struct kmm_highmem *h;
	unsigned long pfn;
	unsigned int nr;

	if (!page_ok(m, page, "kmap"))
		return NULL;
	might_sleep();
	pfn = page_to_pfn(m, page);
	h = m->highmem;
	if (!pfn_is_highmem(m, pfn) || !h->remap)
		return pfn_to_phys_virt(m, pfn); /* lowmem, or the flat fallback */
	kmm_spin_lock(&h->kmap_lock);
	nr = pkmap_lookup(h, pfn);
	if (nr == PKMAP_NONE)
		nr = map_new_virtual(m, h, pfn);
	if (nr != PKMAP_NONE)
		h->pkmap_count[nr]++;
	kmm_spin_unlock(&h->kmap_lock);
	if (nr == PKMAP_NONE) {
		kmm_report_bad_call(m, "kmap: the host refused to map pfn %#lx", pfn);
		return NULL;
	}
	return pkmap_addr(m, nr);
}

void kmm_kunmap(kmm_machine *m, struct page *page)
{
	struct kmm_highmem *h;
	unsigned long pfn;
	unsigned int nr;
	bool wake = false, bad = false;

	if (!page_ok(m, page, "kunmap"))
		return;
	pfn = page_to_pfn(m, page);
	h = m->highmem;
	if (!pfn_is_highmem(m, pfn) || !h->remap)
		return;
	kmm_spin_lock(&h->kmap_lock);
	nr = pkmap_lookup(h, pfn);
	if (nr == PKMAP_NONE || h->pkmap_count[nr] < 2) {
		bad = true;
	} else if (--h->pkmap_count[nr] == 1) {
		__atomic_add_fetch(&h->pkmap_wait, 1, __ATOMIC_RELEASE);
		wake = true;
	}
	kmm_spin_unlock(&h->kmap_lock);
	if (bad)
		kmm_report_bad_call(m, "kunmap: page %p (pfn %#lx) is not kmapped", (void *)page,
				    pfn);
	if (wake)
		kmm_os_wake(&h->pkmap_wait, 0x7fffffff);
}

int pkmap_check(struct kmm_machine *m)
{
	struct kmm_highmem *h = m->highmem;
	int problems = 0, mapped = 0, chained = 0, bad_slot = -1;

	if (!h->remap)
		return 0;
	kmm_spin_lock(&h->kmap_lock);
	for (unsigned int i = 0; i < LAST_PKMAP; i++) {
		if (h->pkmap_count[i] < 0) {
			problems++, bad_slot = (int)i;
			continue;
		}
		if (h->pkmap_count[i] == 0)
			continue;
		mapped++;
		if (!pfn_valid(m, h->pkmap_pfn[i]) || !pfn_is_highmem(m, h->pkmap_pfn[i]) ||
		    pkmap_lookup(h, h->pkmap_pfn[i]) != i)
			problems++, bad_slot = (int)i;
	}
	for (unsigned int b = 0; b < PA_HASH_SIZE; b++)
		for (unsigned int nr = h->hash_head[b]; nr != PKMAP_NONE && chained <= LAST_PKMAP;
		     nr = h->hash_next[nr])
			chained++;
	kmm_spin_unlock(&h->kmap_lock);
	if (chained != mapped)
		problems++;
	if (problems)
		kmm_log(m, "kmm_check: pkmap: %d problems (slot %d; %d slots mapped, %d hashed)\n",
			problems, bad_slot, mapped, chained);
	return problems;
}
