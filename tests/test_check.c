/* SPDX-License-Identifier: MIT */
/*
 * tests/test_check.c - kmm_check notices every kind of damage it claims
 * to. Each case boots a fresh machine, damages one thing behind the
 * allocator's back (a free list link, a counter, a flag, a per-CPU list, a
 * slab freelist, a cache's counters ...), and expects kmm_check to count
 * problems and to name the damage in the log in the checker's words. A
 * checker that missed a kind of damage would pass every other test in the
 * suite; these make that visible. The damaged machine is then discarded.
 */
#include "kmm_test.h"

#include <stdio.h>
#include <string.h>

#include "machine.h"
#include "page/pcp.h"
#include "percpu/percpu.h"
#include "slab/slab.h"

#include <kmm/percpu.h>

/* A small exact machine; its DMA zone (pfns 0..4095) starts as four free order-10 blocks. */
#define EXACT "memmap=exactmap memmap=64M@0 nr_cpus=2"
/* Big enough for per-CPU batches of 15 pages (64M gives batches of one). */
#define EXACT_PCP "memmap=exactmap memmap=256M@0 nr_cpus=2"

static struct test_log log_;

struct ctx {
	kmm_machine *m;
	struct zone *dma, *dma32;
	struct page_list *l10; /* DMA's order-10 movable list */
	struct page *head;     /* its first block */
	struct page *held;     /* an allocated order-0 page */
	struct kmem_cache *s;  /* a 64-byte cache with a partial slab */
	void *objs[4];
};

static void setup(struct ctx *c, const char *cmdline)
{
	c->m = test_boot(cmdline, &log_);
	c->dma = &c->m->node_data[0]->node_zones[KMM_ZONE_DMA];
	c->dma32 = &c->m->node_data[0]->node_zones[KMM_ZONE_DMA32];
	c->l10 = &c->dma->free_area[MAX_ORDER].free_list[MIGRATE_MOVABLE];
	assert_int_not_equal(c->l10->head, KMM_NIL_PFN);
	c->head = pfn_to_page(c->m, c->l10->head);
	c->held = kmm_alloc_pages(c->m, GFP_DMA32, 0);
	assert_non_null(c->held);
	c->s = kmm_kmem_cache_create(c->m, "chk", 64, 0, 0, NULL);
	assert_non_null(c->s);
	for (int i = 0; i < 4; i++)
		c->objs[i] = kmm_kmem_cache_alloc(c->m, c->s, GFP_KERNEL);
	/* the frees of a debug-free cache sit in this CPU's array; push them to the slabs */
	kmm_kmem_cache_free(c->m, c->s, c->objs[3]);
	c->objs[3] = NULL;
	kmm_kmem_cache_shrink(c->m, c->s);
	assert_int_equal(kmm_check(c->m), 0);
	test_log_clear(&log_);
}

static void expect_damage(struct ctx *c, const char *needle)
{
	int problems = kmm_check(c->m);

	if (problems <= 0 || !test_log_contains(&log_, needle))
		fail_msg("kmm_check found %d problems and did not say \"%s\"; log:\n%s", problems,
			 needle, log_.buf);
}

static struct page *slab_head(struct ctx *c)
{
	return kmm_virt_to_page(c->m, c->objs[0]);
}

/* ---- the buddy lists (page/check.c) ------------------------------------------------- */

#define CASE(name, cmdline, needle, ...)   \
	static void name(void **state)     \
	{                                  \
		struct ctx c;              \
		(void)state;               \
		setup(&c, cmdline);        \
		__VA_ARGS__;               \
		expect_damage(&c, needle); \
		kmm_machine_destroy(c.m);  \
	}

CASE(test_free_list_outside_zone, EXACT, "list holds pfn",
     c.dma->free_area[3].free_list[MIGRATE_UNMOVABLE].head = 0x5000;
     c.dma->free_area[3].free_list[MIGRATE_UNMOVABLE].tail = 0x5000)
CASE(test_free_list_cycle, EXACT, "list is broken (or has a cycle)",
     pfn_to_page(c.m, c.l10->tail)->lru_next = c.l10->head)
CASE(test_free_list_back_link, EXACT, "back link", c.head->lru_prev = 7)
CASE(test_free_list_lacks_buddy, EXACT, "lacks PG_buddy", page_clear(c.head, PG_buddy))
CASE(test_free_list_wrong_order, EXACT, "list has order 3", c.head->private = 3)
CASE(test_free_list_wrong_type, EXACT, "records type", c.head->u.buddy_mt = MIGRATE_UNMOVABLE)
CASE(test_free_list_refcount, EXACT, "has refcount 1", set_page_count(c.head, 1))
CASE(test_free_list_reserved, EXACT, "is reserved", page_set(c.head, PG_reserved))
CASE(test_free_list_wrong_zone, EXACT, "belongs to node 0 zone 1",
     set_page_links(c.head, KMM_ZONE_DMA32, 0))
CASE(test_free_list_tail, EXACT, "tail is", c.l10->tail = c.l10->head)
CASE(test_free_list_nr_free, EXACT, "nr_free 5 but 4 blocks", c.dma->free_area[MAX_ORDER].nr_free++)
CASE(test_free_block_misaligned, EXACT, "is not aligned to order 1", {
	struct page *p = c.head + 1;

	page_set(p, PG_buddy);
	p->private = 1;
	p->u.buddy_mt = MIGRATE_MOVABLE;
	page_list_add(c.m->vmemmap, &c.dma->free_area[1].free_list[MIGRATE_MOVABLE],
		      (uint32_t)page_to_pfn(c.m, p));
	c.dma->free_area[1].nr_free++;
})
CASE(test_free_block_page_in_use, EXACT, "inside the free block", page_set(c.head + 5, PG_slab))
CASE(test_allocated_page_wrong_zone, EXACT, "records node 0 zone 0",
     set_page_links(c.held, KMM_ZONE_DMA, 0))
CASE(test_buddy_head_off_list, EXACT, "PG_buddy heads in the memmap", {
	page_set(c.held, PG_buddy);
	c.held->private = 0;
})
CASE(test_nr_free_pages_counter, EXACT, "NR_FREE_PAGES is", c.dma->vm_stat[NR_FREE_PAGES] += 3)
CASE(test_free_exceeds_managed, EXACT, "exceed", c.dma->managed_pages = 10)
CASE(test_pageblock_type, EXACT, "has invalid type 9", c.dma->pageblock_mt[0] = 9)
CASE(test_many_problems_are_counted, EXACT, "problems in all", {
	for (unsigned long i = 1; i < 64; i++)
		set_page_count(c.head + i, 1);
	for (int i = 0; i < 30; i++)
		c.dma->pageblock_mt[i % 8] = 9;
	c.dma->free_area[0].nr_free += 1;
	c.dma->free_area[1].nr_free += 1;
	c.dma->free_area[2].nr_free += 1;
	for (int o = 3; o < MAX_ORDER; o++)
		c.dma->free_area[o].nr_free += 1;
	c.dma->vm_stat[NR_FREE_PAGES] += 1;
	set_page_count(c.head, 1);
	page_set(c.head, PG_reserved);
	c.head->u.buddy_mt = 0;
	c.head->lru_prev = 9;
})

/* ---- the per-CPU lists (page/pcp.c) ------------------------------------------------- */

static struct per_cpu_pages *filled_pcp(struct ctx *c)
{
	struct per_cpu_pages *pcp;
	struct page *p = kmm_alloc_pages(c->m, GFP_KERNEL, 0);

	assert_non_null(p);
	kmm_free_pages(c->m, p, 0); /* this CPU's DMA32 list now holds a batch */
	for (int cpu = 0; cpu < c->m->nr_cpus; cpu++) {
		pcp = pcp_ptr(c->m, c->dma32, cpu);
		if (pcp->count > 1)
			return pcp;
	}
	fail_msg("no per-CPU list was filled");
	return NULL;
}

/* A list of two entries or more. */
static struct page_list *first_list(struct per_cpu_pages *pcp)
{
	for (unsigned int i = 0; i < NR_PCP_LISTS; i++)
		if (!page_list_empty(&pcp->lists[i]) && pcp->lists[i].head != pcp->lists[i].tail)
			return &pcp->lists[i];
	return NULL;
}

#define PCP_CASE(name, needle, ...)        \
	static void name(void **state)     \
	{                                  \
		struct ctx c;              \
		struct per_cpu_pages *pcp; \
		struct page_list *l;       \
		(void)state;               \
		setup(&c, EXACT_PCP);      \
		pcp = filled_pcp(&c);      \
		l = first_list(pcp);       \
		assert_non_null(l);        \
		__VA_ARGS__;               \
		expect_damage(&c, needle); \
		kmm_machine_destroy(c.m);  \
	}

PCP_CASE(test_pcp_outside_zone, "holds pfn", { l->tail = l->head = 0x1; })
PCP_CASE(test_pcp_cycle, "is broken (or has a cycle)",
	 pfn_to_page(c.m, l->tail)->lru_next = l->head)
PCP_CASE(test_pcp_back_link, "back link", pfn_to_page(c.m, l->head)->lru_prev = 3)
PCP_CASE(test_pcp_lacks_flag, "lacks PG_pcp", page_clear(pfn_to_page(c.m, l->head), PG_pcp))
PCP_CASE(test_pcp_bad_flags, "has flags", page_set(pfn_to_page(c.m, l->head), PG_slab))
PCP_CASE(test_pcp_refcount, "has refcount 2", set_page_count(pfn_to_page(c.m, l->head), 2))
PCP_CASE(test_pcp_wrong_zone, "belongs to node 0 zone 0",
	 set_page_links(pfn_to_page(c.m, l->head), KMM_ZONE_DMA, 0))
PCP_CASE(test_pcp_wrong_cpu, "records order", pfn_to_page(c.m, l->head)->u.pcp_cpu = 7)
PCP_CASE(test_pcp_tail, "tail is", l->tail = l->head)
PCP_CASE(test_pcp_count, "count is", pcp->count += 5)
PCP_CASE(test_pcp_high_batch, "the zone says", pcp->high_max += 1)
PCP_CASE(test_pcp_high_range, "outside 0..high_max", pcp->high = pcp->high_max + 1)
PCP_CASE(test_pcp_marked_not_listed, "PG_pcp pages in the memmap but", {
	page_set(c.held, PG_pcp);
	c.held->u.pcp_cpu = 0;
})

static void test_pcp_marked_with_pcp_off(void **state)
{
	struct ctx c;

	(void)state;
	setup(&c, EXACT " pcp=0");
	page_set(c.held, PG_pcp);
	expect_damage(&c, "PG_pcp pages but pcp is off");
	kmm_machine_destroy(c.m);
}

/* ---- the slab layer (slab/check.c) --------------------------------------------------- */

CASE(test_slab_inuse, EXACT, "objects on the freelist", slab_head(&c)->u.slab.inuse++)
CASE(test_slab_on_wrong_list, EXACT, "is on the partial list",
     slab_head(&c)->u.slab.inuse = slab_head(&c)->u.slab.objects)
CASE(test_slab_objects, EXACT, "cache has", slab_head(&c)->u.slab.objects = 1)
CASE(test_slab_freelist_twice, EXACT, "on the freelist twice", {
	struct page *p = slab_head(&c);
	void *first = slab_object(c.s, p, p->u.slab.freelist);

	set_freepointer(c.s, first, first);
})
CASE(test_slab_freelist_foreign, EXACT, "not an object", {
	struct page *p = slab_head(&c);
	void *first = slab_object(c.s, p, p->u.slab.freelist);

	set_freepointer(c.s, first, (char *)c.objs[0] + 3);
})
CASE(test_slab_list_count, EXACT, "nr_partial is", get_node(c.s, 0)->nr_partial++)
CASE(test_slab_list_back_link, EXACT, "back link", slab_head(&c)->lru_prev = 11)
CASE(test_slab_list_tail, EXACT, "list tail", get_node(c.s, 0)->partial.tail = KMM_NIL_PFN - 1)
CASE(test_slab_free_objects, EXACT, "free_objects is", get_node(c.s, 0)->free_objects += 2)
CASE(test_slab_not_a_slab, EXACT, "is not a slab head of this cache",
     page_clear(slab_head(&c), PG_slab))
CASE(test_slab_page_unowned, EXACT, "PG_slab but no listed cache owns it",
     page_set(c.held, PG_slab))
CASE(test_slab_nr_caches, EXACT, "nr_caches is", c.m->slab->nr_caches++)
CASE(test_slab_page_counters, EXACT, "slab page counters", c.m->slab->slab_pages[0] += 1)

static void test_slab_array_damage(void **state)
{
	struct ctx c;
	struct slab_array *ac;
	int cpu;

	(void)state;
	setup(&c, EXACT);
	/* a free on this CPU leaves the object in its array */
	test_pin_cpu(0);
	kmm_kmem_cache_free(c.m, c.s, c.objs[1]);
	c.objs[1] = NULL;
	cpu = kmm_smp_processor_id(c.m);
	ac = cpu_array(c.s, c.m->slab->array_shift, cpu);
	if (ac->avail == 0) {
		test_unpin();
		skip(); /* this host put the thread on a CPU without a local array */
	}
	ac->entry[ac->avail++] = ac->entry[0];
	expect_damage(&c, "is in the array twice");
	ac->avail--;
	ac->entry[0] = (char *)c.objs[0] + 1;
	test_log_clear(&log_);
	expect_damage(&c, "cpu");
	ac->avail = (uint16_t)(ac->limit + 1);
	test_log_clear(&log_);
	expect_damage(&c, "limit");
	ac->avail = 0;
	test_unpin();
	kmm_machine_destroy(c.m);
}

/* ---- the per-CPU allocator (percpu/alloc.c) ---------------------------------------- */

#define PCPU_CASE(name, needle, ...)       \
	static void name(void **state)     \
	{                                  \
		struct ctx c;              \
		struct pcpu_chunk *ch;     \
		(void)state;               \
		setup(&c, EXACT);          \
		ch = c.m->pcpu->chunks;    \
		(void)ch;                  \
		__VA_ARGS__;               \
		expect_damage(&c, needle); \
		kmm_machine_destroy(c.m);  \
	}

PCPU_CASE(test_percpu_free_bytes, "free_bytes", ch->free_bytes += 8)
PCPU_CASE(test_percpu_allocated, "bytes allocated but the maps hold",
	  c.m->pcpu->allocated_bytes += 8)
PCPU_CASE(test_percpu_chunks, "chunks counted", c.m->pcpu->nr_chunks++)
PCPU_CASE(test_percpu_bound_free, "starts an allocation but is free", {
	unsigned long g = ch->nr_granules - 1;

	ch->bound_map[g / (8 * sizeof(long))] |= 1ul << (g % (8 * sizeof(long)));
})

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_list_outside_zone),
		cmocka_unit_test(test_free_list_cycle),
		cmocka_unit_test(test_free_list_back_link),
		cmocka_unit_test(test_free_list_lacks_buddy),
		cmocka_unit_test(test_free_list_wrong_order),
		cmocka_unit_test(test_free_list_wrong_type),
		cmocka_unit_test(test_free_list_refcount),
		cmocka_unit_test(test_free_list_reserved),
		cmocka_unit_test(test_free_list_wrong_zone),
		cmocka_unit_test(test_free_list_tail),
		cmocka_unit_test(test_free_list_nr_free),
		cmocka_unit_test(test_free_block_misaligned),
		cmocka_unit_test(test_free_block_page_in_use),
		cmocka_unit_test(test_allocated_page_wrong_zone),
		cmocka_unit_test(test_buddy_head_off_list),
		cmocka_unit_test(test_nr_free_pages_counter),
		cmocka_unit_test(test_free_exceeds_managed),
		cmocka_unit_test(test_pageblock_type),
		cmocka_unit_test(test_many_problems_are_counted),
		cmocka_unit_test(test_pcp_outside_zone),
		cmocka_unit_test(test_pcp_cycle),
		cmocka_unit_test(test_pcp_back_link),
		cmocka_unit_test(test_pcp_lacks_flag),
		cmocka_unit_test(test_pcp_bad_flags),
		cmocka_unit_test(test_pcp_refcount),
		cmocka_unit_test(test_pcp_wrong_zone),
		cmocka_unit_test(test_pcp_wrong_cpu),
		cmocka_unit_test(test_pcp_tail),
		cmocka_unit_test(test_pcp_count),
		cmocka_unit_test(test_pcp_high_batch),
		cmocka_unit_test(test_pcp_high_range),
		cmocka_unit_test(test_pcp_marked_not_listed),
		cmocka_unit_test(test_pcp_marked_with_pcp_off),
		cmocka_unit_test(test_slab_inuse),
		cmocka_unit_test(test_slab_on_wrong_list),
		cmocka_unit_test(test_slab_objects),
		cmocka_unit_test(test_slab_freelist_twice),
		cmocka_unit_test(test_slab_freelist_foreign),
		cmocka_unit_test(test_slab_list_count),
		cmocka_unit_test(test_slab_list_back_link),
		cmocka_unit_test(test_slab_list_tail),
		cmocka_unit_test(test_slab_free_objects),
		cmocka_unit_test(test_slab_not_a_slab),
		cmocka_unit_test(test_slab_page_unowned),
		cmocka_unit_test(test_slab_nr_caches),
		cmocka_unit_test(test_slab_page_counters),
		cmocka_unit_test(test_slab_array_damage),
		cmocka_unit_test(test_percpu_free_bytes),
		cmocka_unit_test(test_percpu_allocated),
		cmocka_unit_test(test_percpu_chunks),
		cmocka_unit_test(test_percpu_bound_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
