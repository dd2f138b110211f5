/* SPDX-License-Identifier: MIT */
/*
 * page/check.c - kmm_check: the consistency checker every test, stress
 * run and fuzzer leans on.
 *
 * For each populated zone, under its lock:
 *  1. every free list is walked: each entry must be a PG_buddy head with
 *     refcount 0, the list's order in private and the list's migratetype
 *     in u.buddy_mt, aligned to its size, wholly inside the zone, with
 *     links that agree both ways; nr_free must match the count per order;
 *  2. the zone's pfn span is scanned: every PG_buddy page must have been
 *     met on a list, pages inside a free block carry no PG_buddy, are not
 *     reserved and have no references, and every page knows its zone/node;
 *     the zeroed mark (page.h) is only on free blocks' heads;
 *  3. the free pages found must equal the zone's NR_FREE_PAGES counter and
 *     cannot exceed its managed pages; pageblock types must be valid.
 * Further layers add their own walkers (per-CPU lists, slab caches).
 * Returns the number of problems; the first few are described in the log.
 */
#include "boot/late_init.h"
#include "log.h"
#include "page/deferred.h"
#include "page/internal.h"

#define CHECK_REPORT_MAX 20

/* Messages are kept here while a zone lock is held and logged after unlock. */
struct checker {
	struct kmm_machine *m;
	int problems;
	int nmsgs;
	char msgs[CHECK_REPORT_MAX][224];
};

static void flush_messages(struct checker *c)
{
	for (int i = 0; i < c->nmsgs; i++)
		kmm_log(c->m, "%s", c->msgs[i]);
	c->nmsgs = 0;
}

static void problem(struct checker *c, const struct zone *zone, const char *fmt, ...)
	KMM_PRINTF(3, 4);
static void problem(struct checker *c, const struct zone *zone, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	if (c->problems++ >= CHECK_REPORT_MAX)
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kmm_snprintf(c->msgs[c->nmsgs++], sizeof(c->msgs[0]), "kmm_check: Node %d, zone %s: %s\n",
		     zone->node, zone->name, line);
}

/* Step 1; returns the number of free pages on the lists, counts heads in *heads. */
static unsigned long check_free_lists(struct checker *c, struct zone *zone, unsigned long *heads)
{
	struct kmm_machine *m = c->m;
	unsigned long free_pages = 0;

	*heads = 0;
	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long blocks = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct page_list *l = &zone->free_area[order].free_list[mt];
			uint32_t prev = KMM_NIL_PFN, pfn;
			unsigned long n = 0;

			for (pfn = l->head; pfn != KMM_NIL_PFN; pfn = m->vmemmap[pfn].lru_next) {
				const struct page *p;

				if (!zone_spans_pfn(zone, pfn) || !pfn_valid(m, pfn)) {
					problem(c, zone,
						"order %u %s list holds pfn %#x outside the zone",
						order, migratetype_names[mt], pfn);
					break;
				}
				if (++n > zone->spanned_pages) {
					problem(c, zone, "order %u %s list has a cycle", order,
						migratetype_names[mt]);
					break;
				}
				p = pfn_to_page(m, pfn);
				/*
				 * A cycle always shows here first (the entry it closes on
				 * was reached from elsewhere before); walking on would only
				 * repeat the same problems.
				 */
				if (p->lru_prev != prev) {
					problem(c, zone,
						"pfn %#x: back link %#x, expected %#x: the order "
						"%u %s "
						"list is broken (or has a cycle)",
						pfn, p->lru_prev, prev, order,
						migratetype_names[mt]);
					break;
				}
				if (!page_test(p, PG_buddy))
					problem(c, zone, "pfn %#x on order %u list lacks PG_buddy",
						pfn, order);
				if (buddy_order(p) != order)
					problem(c, zone, "pfn %#x on order %u list has order %u",
						pfn, order, buddy_order(p));
				if (p->u.buddy_mt != mt)
					problem(c, zone, "pfn %#x on %s list records type %u", pfn,
						migratetype_names[mt], p->u.buddy_mt);
				if (pfn & ((1u << order) - 1))
					problem(c, zone, "pfn %#x is not aligned to order %u", pfn,
						order);
				if (pfn + (1ul << order) > zone_end_pfn(zone))
					problem(c, zone,
						"block at pfn %#x order %u crosses the zone end",
						pfn, order);
				if (page_ref_count(p) != 0)
					problem(c, zone, "free pfn %#x has refcount %d", pfn,
						page_ref_count(p));
				if (page_test(p, PG_reserved))
					problem(c, zone, "free pfn %#x is reserved", pfn);
				if (page_zonenum(p) != (unsigned int)zone->idx ||
				    page_nid(p) != (unsigned int)zone->node)
					problem(c, zone, "free pfn %#x belongs to node %u zone %u",
						pfn, page_nid(p), page_zonenum(p));
				prev = pfn;
			}
			if (pfn == KMM_NIL_PFN && l->tail != prev)
				problem(c, zone, "order %u %s list tail is %#x, last entry %#x",
					order, migratetype_names[mt], l->tail, prev);
			blocks += n;
		}
		if (blocks != zone->free_area[order].nr_free)
			problem(c, zone, "order %u: nr_free %lu but %lu blocks on the lists", order,
				zone->free_area[order].nr_free, blocks);
		free_pages += blocks << order;
		*heads += blocks;
	}
	return free_pages;
}

/* Step 2; returns the number of PG_buddy heads met in the span. */
static unsigned long scan_span(struct checker *c, struct zone *zone)
{
	struct kmm_machine *m = c->m;
	unsigned long heads = 0;
	unsigned long pfn = zone->zone_start_pfn;
	/* Descriptors past the first deferred pfn are not initialized yet. */
	unsigned long end = MIN(zone_end_pfn(zone), zone->zone_pgdat->first_deferred_pfn);
	unsigned long valid_end = 0; /* [pfn, valid_end) is known to have a memmap */

	while (pfn < end) {
		const struct page *p;

		if (pfn >= valid_end) {
			/* one section at a time: a section's memmap is wholly there or not */
			unsigned long stop = ALIGN_DOWN(pfn, PAGES_PER_SECTION) + PAGES_PER_SECTION;

			if (!pfn_valid(m, pfn)) {
				pfn = stop;
				continue;
			}
			valid_end = stop;
		}
		p = pfn_to_page(m, pfn);
		if (page_test(p, PG_buddy)) {
			unsigned long nr = 1ul << MIN(buddy_order(p), (unsigned int)MAX_ORDER);

			heads++;
			for (unsigned long i = 1; i < nr && pfn + i < end; i++) {
				const struct page *q = p + i;

				if (q->flags & ((1u << PG_buddy) | (1u << PG_reserved) |
						(1u << PG_head) | (1u << PG_tail) |
						(1u << PG_slab) | (1u << PAGE_ZEROED_BIT)) ||
				    page_ref_count(q) != 0) {
					problem(c, zone,
						"pfn %#lx inside the free block at %#lx is in use "
						"(flags %#x refcount %d)",
						pfn + i, pfn, q->flags & PAGE_FLAGS_MASK,
						page_ref_count(q));
					break;
				}
			}
			pfn += nr;
			continue;
		}
		/* the zeroed mark is a free block's: never on a page in use (one read of flags) */
		{
			uint32_t f = page_flags(p);

			if ((f >> PAGE_ZEROED_BIT) & 1u &&
			    f & ((1u << PG_reserved) | (1u << PG_head) | (1u << PG_tail) |
				 (1u << PG_slab) | (PAGE_ORDER_MASK << PAGE_ORDER_SHIFT)))
				problem(c, zone, "pfn %#lx is marked zeroed but in use (flags %#x)",
					pfn, f);
		}
		if (!page_test(p, PG_reserved) && (page_zonenum(p) != (unsigned int)zone->idx ||
						   page_nid(p) != (unsigned int)zone->node))
			problem(c, zone, "pfn %#lx records node %u zone %u", pfn, page_nid(p),
				page_zonenum(p));
		pfn++;
	}
	return heads;
}

static void check_zone(struct checker *c, struct zone *zone)
{
	unsigned long heads_listed, heads_seen, free_pages;
	unsigned long first, nblocks;

	/* deferred_lock first, as deferred init takes them: the span cannot grow meanwhile. */
	kmm_spin_lock(&zone->zone_pgdat->deferred_lock);
	kmm_spin_lock(&zone->lock);
	free_pages = check_free_lists(c, zone, &heads_listed);
	heads_seen = scan_span(c, zone);
	if (heads_seen != heads_listed)
		problem(c, zone, "%lu PG_buddy heads in the memmap but %lu on the free lists",
			heads_seen, heads_listed);
	if ((long)free_pages != zone->vm_stat[NR_FREE_PAGES])
		problem(c, zone, "NR_FREE_PAGES is %ld but the lists hold %lu pages",
			zone->vm_stat[NR_FREE_PAGES], free_pages);
	if (free_pages > zone->managed_pages)
		problem(c, zone, "%lu free pages exceed %lu managed", free_pages,
			zone->managed_pages);
	first = pageblock_index(zone, zone->zone_start_pfn);
	nblocks = pageblock_index(zone, zone_end_pfn(zone) - 1) + 1ul;
	for (unsigned long i = first; i < nblocks; i++)
		if (zone->pageblock_mt[i] >= MIGRATE_TYPES)
			problem(c, zone, "pageblock %lu has invalid type %u", i,
				zone->pageblock_mt[i]);
	kmm_spin_unlock(&zone->lock);
	kmm_spin_unlock(&zone->zone_pgdat->deferred_lock);
	flush_messages(c);
}

int kmm_check(kmm_machine *m)
{
	struct checker c;

	c.m = m;
	c.problems = 0;
	c.nmsgs = 0;
	for_each_zone_m (m, zone) {
		if (zone_is_populated(zone))
			check_zone(&c, zone);
	}
	c.problems += deferred_check(m);
	c.problems += kmm_layers_check(m);
	if (c.problems > CHECK_REPORT_MAX)
		kmm_log(m, "kmm_check: %d problems in all (the first %d shown)\n", c.problems,
			CHECK_REPORT_MAX);
	return c.problems;
}
