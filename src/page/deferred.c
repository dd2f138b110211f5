/* SPDX-License-Identifier: MIT */
/*
 * page/deferred.c - initializing struct pages, at boot and later.
 *
 * Writing every descriptor at boot costs time and memory in proportion to
 * the machine (mem=1T: 268 million descriptors, 8 GiB of memmap touched),
 * although a program may never use most of it. Linux defers the work
 * (CONFIG_DEFERRED_STRUCT_PAGE_INIT) and so does kmm, with the kernel's
 * rule: every zone below a node's highest one is initialized whole (they
 * serve address-constrained allocations); the highest zone is initialized
 * for its first section and up to the next section boundary, and the rest
 * of the node, [first_deferred_pfn, node end), is left as the memmap's
 * untouched (zero, not even resident) memory.
 *
 * The rest is initialized on demand: when an allocation finds the zone's
 * free lists empty, deferred_grow_zone initializes whole sections until
 * at least 2^order pages were freed, and the allocation retries (Linux
 * does this from get_page_from_freelist the same way). The unit can be
 * smaller than a section (deferred_struct_page_init.chunk=, below).
 *
 * Deferred pages are free memory whose descriptors are not written yet:
 * the watermark checks count them as free (zone_free_pages_wmark). Linux
 * has no watermarks while its deferred pages wait (they are set after its
 * init threads finish); kmm, whose pages may wait for the whole run, sets
 * them for the final count at boot and counts the pages as what they will
 * be, so a zone is never "low" only because its memmap is not written, and
 * never grows for a watermark, only for a request its lists cannot meet.
 * Reports, which show the machine as Linux shows it after boot, and
 * kmm_deferred_init_all finish the job.
 *
 * Watermarks, reserves and pcp sizes are computed for the final managed
 * count (zone_managed_final: managed + deferred_pages), as Linux computes
 * them after its deferred init threads are done; zoneinfo's `managed` is
 * what is managed now.
 *
 * Invariants: descriptors below first_deferred_pfn are initialized, none
 * at or above it is on a free list; deferred_pages is the number of RAM
 * pages not reserved by the boot allocator in [first_deferred_pfn, zone
 * end); growth is serialized by the node's deferred_lock, descriptors are
 * written before the zone lock publishes the pages, and first_deferred_pfn
 * advances with a release store once they are.
 */
#include "boot/layout.h"
#include "boot/memblock.h"
#include "log.h"
#include "page/deferred.h"
#include "page/internal.h"

#define NO_DEFERRED (~0ul)

/*
 * The unit of deferral and growth: a section, as in Linux, unless
 * deferred_struct_page_init.chunk= names a smaller power of two (at least
 * the largest buddy block), or `block`, the largest buddy block itself.
 * libkmm-malloc asks for `block`, so a process that uses little memory
 * writes 32 KiB of memmap (4 KiB pages), not 1 MiB.
 */
static unsigned long deferred_chunk(const struct kmm_machine *m)
{
	uint64_t c = m->desc.deferred_chunk_bytes;

	if (c == KMM_DEFERRED_CHUNK_BLOCK)
		return 1ul << MAX_ORDER;
	return c ? (unsigned long)(c >> m->page_shift) : PAGES_PER_SECTION;
}

static bool section_backed(const struct kmm_machine *m, unsigned long pfn)
{
	unsigned long sec = pfn >> PFN_SECTION_SHIFT;

	return (m->section_present[sec / 8] >> (sec % 8)) & 1;
}

void memmap_init_range(struct kmm_machine *m, int nid, unsigned long pfn, unsigned long end)
{
	const struct kmm_layout *lay = &m->layout;

	while (pfn < end) {
		unsigned long sec_end =
			MIN(end, ALIGN_DOWN(pfn, PAGES_PER_SECTION) + PAGES_PER_SECTION);
		struct page tmpl;
		enum kmm_zone_type z;
		unsigned long run_end;

		if (!section_backed(m, pfn)) {
			pfn = sec_end;
			continue;
		}
		/* a run of pfns with the same zone */
		z = kmm_layout_pfn_zone(lay, nid, pfn);
		run_end = MIN(sec_end, kmm_layout_next_zone_boundary(lay, nid, pfn));
		kmm_memset(&tmpl, 0, sizeof(tmpl));
		tmpl.flags = 1u << PG_reserved;
		if (pfn >= lay->max_low_pfn)
			tmpl.flags |= 1u << PG_highmem;
		set_page_links(&tmpl, z, (unsigned int)nid);
		tmpl._refcount = 1;
		tmpl.lru_next = KMM_NIL_PFN;
		tmpl.lru_prev = KMM_NIL_PFN;
		for (unsigned long p = pfn; p < run_end; p++)
			m->vmemmap[p] = tmpl;
		pfn = run_end;
	}
}

unsigned long memmap_free_range(struct kmm_machine *m, struct zone *zone, unsigned long start,
				unsigned long end)
{
	const struct kmm_layout *lay = &m->layout;
	const struct memblock *mb = m->memblock;
	unsigned long freed = 0;

	for (int r = 0; r < lay->nr_ram; r++) {
		unsigned long s = MAX(start, lay->ram[r].start);
		unsigned long e = MIN(end, lay->ram[r].end);

		while (s < e) {
			unsigned int order;
			unsigned long nr;

			if (memblock_is_reserved(mb, s)) {
				s++;
				continue;
			}
			order = s ? MIN((unsigned int)__builtin_ctzl(s), (unsigned)MAX_ORDER)
				  : MAX_ORDER;
			while ((s + (1ul << order) > e ||
				memblock_reserved_in(mb, s, s + (1ul << order))) &&
			       order > 0)
				order--;
			nr = 1ul << order;
			for (unsigned long p = s; p < s + nr; p++) {
				struct page *pg = pfn_to_page(m, p);

				page_clear(pg, PG_reserved);
				set_page_count(pg, 0);
			}
			/*
			 * No merging needed: a block is the largest aligned one that fits,
			 * and ranges freed apart meet at chunk boundaries (a section, or
			 * deferred_struct_page_init.chunk=: multiples of the largest
			 * block), or at a hole or reservation.
			 */
			__free_boot_block(m, zone, s, order);
			freed += nr;
			s += nr;
		}
	}
	return freed;
}

/* RAM pages in [start, end) the boot allocator did not take. */
static unsigned long free_ram_pages(const struct kmm_machine *m, unsigned long start,
				    unsigned long end)
{
	if (start >= end)
		return 0;
	return kmm_layout_ram_pages(&m->layout, start, end) -
	       memblock_reserved_in(m->memblock, start, end);
}

/* The node's highest populated zone, or NULL. */
static struct zone *node_top_zone(struct pglist_data *pgdat)
{
	for (int z = MAX_NR_ZONES - 1; z >= 0; z--)
		if (zone_is_populated(&pgdat->node_zones[z]))
			return &pgdat->node_zones[z];
	return NULL;
}

void deferred_setup(struct kmm_machine *m)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pgdat = m->node_data[n];
		struct zone *zone = node_top_zone(pgdat);
		unsigned long pfn, end, counted = 0, chunk = deferred_chunk(m);

		pgdat->first_deferred_pfn = NO_DEFERRED;
		kmm_spin_init_class(&pgdat->deferred_lock, KMM_LOCK_DEFERRED);
		if (!m->desc.deferred_init || !zone)
			continue;
		/*
		 * Linux's defer_init(): count the zone's present pages from its
		 * start; past one section's worth, defer at the next section
		 * boundary. Linux counts the pfn it is looking at (nr_initialised
		 * > PAGES_PER_SECTION at an aligned pfn), so a zone that starts on
		 * a section boundary defers at its second section: the pages
		 * counted before that boundary are exactly one section's worth.
		 * (With a smaller chunk, read "chunk" for "section".)
		 */
		end = zone_end_pfn(zone);
		pfn = zone->zone_start_pfn;
		while (pfn < end) {
			unsigned long next = MIN(end, ALIGN_DOWN(pfn, chunk) + chunk);

			if (counted >= chunk) {
				pgdat->first_deferred_pfn = pfn;
				zone->deferred_pages = free_ram_pages(m, pfn, end);
				break;
			}
			counted += kmm_layout_ram_pages(&m->layout, pfn, next);
			pfn = next;
		}
	}
}

/* Initialize [start, end) of zone and hand its free pages over; the caller holds deferred_lock. */
static unsigned long deferred_init_sections(struct kmm_machine *m, struct zone *zone,
					    unsigned long start, unsigned long end)
{
	unsigned long freed;

	memmap_init_range(m, zone->node, start, end);
	kmm_spin_lock(&zone->lock);
	freed = memmap_free_range(m, zone, start, end);
	__atomic_add_fetch(&zone->managed_pages, freed, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&zone->deferred_pages, freed, __ATOMIC_RELAXED);
	kmm_spin_unlock(&zone->lock);
	__atomic_add_fetch(&m->totalram_pages, freed, __ATOMIC_RELAXED);
	if (zone->idx == KMM_ZONE_HIGHMEM)
		__atomic_add_fetch(&m->totalhigh_pages, freed, __ATOMIC_RELAXED);
	return freed;
}

/* Grow the deferred zone of pgdat by at least `want` free pages (all: ~0ul). */
static bool deferred_grow(struct kmm_machine *m, struct zone *zone, unsigned long want)
{
	struct pglist_data *pgdat = zone->zone_pgdat;
	unsigned long seen = __atomic_load_n(&pgdat->first_deferred_pfn, __ATOMIC_ACQUIRE);
	unsigned long pfn, end = zone_end_pfn(zone), freed = 0, chunk = deferred_chunk(m);

	if (seen == NO_DEFERRED)
		return false;
	kmm_spin_lock(&pgdat->deferred_lock);
	pfn = pgdat->first_deferred_pfn;
	if (pfn != seen) { /* another thread grew it meanwhile: retry with that */
		kmm_spin_unlock(&pgdat->deferred_lock);
		return true;
	}
	while (pfn < end && freed < want) {
		unsigned long next = MIN(end, ALIGN_DOWN(pfn, chunk) + chunk);

		freed += deferred_init_sections(m, zone, pfn, next);
		pfn = next;
		/* Publish each chunk, so allocations never wait for the whole node. */
		__atomic_store_n(&pgdat->first_deferred_pfn, pfn < end ? pfn : NO_DEFERRED,
				 __ATOMIC_RELEASE);
	}
	kmm_spin_unlock(&pgdat->deferred_lock);
	return true;
}

bool deferred_grow_zone(struct kmm_machine *m, struct zone *zone, unsigned int order)
{
	if (!zone_has_deferred(zone))
		return false;
	return deferred_grow(m, zone, MAX(1ul << order, deferred_chunk(m)));
}

void deferred_init_pfn(struct kmm_machine *m, unsigned long pfn)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct zone *zone = node_top_zone(m->node_data[n]);

		if (!zone || pfn < zone->zone_start_pfn || pfn >= zone_end_pfn(zone))
			continue;
		while (pfn_deferred(m, n, pfn) && deferred_grow(m, zone, 1))
			;
	}
}

void deferred_init_all(struct kmm_machine *m)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct zone *zone = node_top_zone(m->node_data[n]);

		while (zone && deferred_grow(m, zone, ~0ul))
			;
	}
}

void kmm_deferred_init_all(kmm_machine *m)
{
	deferred_init_all(m);
}

unsigned long kmm_deferred_pages(kmm_machine *m)
{
	unsigned long n = 0;

	for_each_zone_m (m, zone)
		n += __atomic_load_n(&zone->deferred_pages, __ATOMIC_RELAXED);
	return n;
}

/* What deferred_check found in one node, reported after its locks are released. */
struct deferred_findings {
	int zone_count_bad; /* zone index whose deferred_pages is wrong, or -1 */
	unsigned long counted, want;
	bool boundary_bad;
	uint32_t listed_pfn; /* a deferred pfn found on a free list, or KMM_NIL_PFN */
};

static void check_node(struct kmm_machine *m, struct pglist_data *pgdat, unsigned long *fdp_out,
		       struct deferred_findings *f)
{
	struct zone *top = node_top_zone(pgdat);
	unsigned long fdp;

	f->zone_count_bad = -1;
	f->counted = f->want = 0;
	f->boundary_bad = false;
	f->listed_pfn = KMM_NIL_PFN;
	kmm_spin_lock(&pgdat->deferred_lock);
	fdp = *fdp_out = pgdat->first_deferred_pfn;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		unsigned long want;

		if (!zone_is_populated(zone))
			continue;
		want = zone == top && fdp != NO_DEFERRED
			       ? free_ram_pages(m, fdp, zone_end_pfn(zone))
			       : 0;
		if (zone->deferred_pages != want && f->zone_count_bad < 0) {
			f->zone_count_bad = z;
			f->counted = zone->deferred_pages;
			f->want = want;
		}
	}
	if (fdp != NO_DEFERRED && top) {
		f->boundary_bad = fdp < top->zone_start_pfn || fdp >= zone_end_pfn(top) ||
				  fdp % deferred_chunk(m);
		/* Nothing deferred may be on a free list. */
		kmm_spin_lock(&top->lock);
		for (int o = 0; o < NR_PAGE_ORDERS && f->listed_pfn == KMM_NIL_PFN; o++)
			for (int t = 0; t < MIGRATE_TYPES; t++) {
				uint32_t pfn;

				page_list_for_each (m->vmemmap, &top->free_area[o].free_list[t],
						    pfn)
					if (pfn >= fdp) {
						f->listed_pfn = pfn;
						break;
					}
			}
		kmm_spin_unlock(&top->lock);
	} else if (fdp != NO_DEFERRED) {
		f->boundary_bad = true;
	}
	kmm_spin_unlock(&pgdat->deferred_lock);
}

int deferred_check(struct kmm_machine *m)
{
	int problems = 0;

	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pgdat = m->node_data[n];
		struct deferred_findings f;
		unsigned long fdp;

		check_node(m, pgdat, &fdp, &f);
		if (f.zone_count_bad >= 0) {
			kmm_log(m,
				"kmm_check: node %d %s: %lu deferred pages counted, %lu in [%#lx, "
				"end)\n",
				n, pgdat->node_zones[f.zone_count_bad].name, f.counted, f.want,
				fdp);
			problems++;
		}
		if (f.boundary_bad) {
			kmm_log(m,
				"kmm_check: node %d: first deferred pfn %#lx is not a chunk "
				"boundary inside its highest zone\n",
				n, fdp);
			problems++;
		}
		if (f.listed_pfn != KMM_NIL_PFN) {
			kmm_log(m, "kmm_check: node %d: deferred pfn %#x is on a free list\n", n,
				f.listed_pfn);
			problems++;
		}
	}
	return problems;
}
