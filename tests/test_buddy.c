/* SPDX-License-Identifier: MIT */
/*
 * tests/test_buddy.c - the buddy allocator, mechanism by mechanism: split,
 * merge, alignment, zone confinement, holes, __GFP_ZERO, compound pages,
 * reference counts, exhaustion and full recovery, misuse reports, and a
 * seeded random stress with cookies. kmm_check runs after each.
 *
 * Most tests use a small exact machine whose DMA zone (pfns 0..4095) holds
 * no boot allocation (memblock allocates top-down, in DMA32), so the DMA
 * free lists start as exactly four order-10 blocks.
 */
#include "kmm_test.h"

#include <stdlib.h>
#include <string.h>

#define SMALL "memmap=exactmap memmap=64M@0 nr_cpus=1 pcp=0"

static struct test_log log_;

static unsigned long dma_blocks(kmm_machine *m, int order)
{
	unsigned long c[KMM_NR_ORDERS];

	kmm_zone_free_blocks(m, 0, KMM_ZONE_DMA, c);
	return c[order];
}

static void test_boot_state(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);

	(void)state;
	assert_int_equal(dma_blocks(m, 10), 4);
	for (int o = 0; o < 10; o++)
		assert_int_equal(dma_blocks(m, o), 0);
	assert_int_equal(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA), 4096);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_split_and_merge(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct free_snapshot boot, now;
	struct page *p;

	(void)state;
	test_snapshot(m, &boot);
	p = kmm_alloc_pages(m, GFP_DMA, 0);
	assert_non_null(p);
	assert_int_equal(kmm_page_zonenum(m, p), KMM_ZONE_DMA);
	/* expand(): one order-10 block became one free block at each order 0..9 */
	assert_int_equal(dma_blocks(m, 10), 3);
	for (int o = 0; o < 10; o++)
		assert_int_equal(dma_blocks(m, o), 1);
	assert_int_equal(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA), 4095);
	assert_consistent(m, &log_);
	/* the lower half is kept at every split: the page is the block's first */
	assert_int_equal(kmm_page_to_pfn(m, p) % 1024, 0);
	kmm_free_pages(m, p, 0);
	test_snapshot(m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_buddies_merge_only_when_both_free(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct page *a = kmm_alloc_pages(m, GFP_DMA, 0);
	struct page *b = kmm_alloc_pages(m, GFP_DMA, 0);

	(void)state;
	/* b is a's buddy: the order-0 block split off the same order-1 block */
	assert_int_equal(kmm_page_to_pfn(m, a) ^ 1, kmm_page_to_pfn(m, b));
	kmm_free_pages(m, a, 0);
	assert_int_equal(dma_blocks(m, 0), 1); /* a waits for its buddy */
	assert_int_equal(dma_blocks(m, 1), 1); /* only the split remainder at pfn 2 */
	assert_int_equal(dma_blocks(m, 10), 3);
	kmm_free_pages(m, b, 0);
	assert_int_equal(dma_blocks(m, 0), 0);
	assert_int_equal(dma_blocks(m, 10), 4);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

struct block {
	struct page *page;
	unsigned int order;
};

static void test_alignment_every_order(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct block held[64];
	int n = 0;

	(void)state;
	for (int round = 0; round < 4; round++) {
		for (unsigned int order = 0; order <= KMM_MAX_ORDER && n < 64; order++) {
			struct page *p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, order);

			if (!p)
				continue;
			assert_int_equal(kmm_page_to_pfn(m, p) & ((1ul << order) - 1), 0);
			held[n++] = (struct block){ p, order };
		}
	}
	assert_true(n > 30);
	assert_consistent(m, &log_);
	while (n-- > 0)
		kmm_free_pages(m, held[n].page, held[n].order);
	assert_false(test_log_contains(&log_, "BUG"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_zone_confinement(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct page **held = calloc(8192, sizeof(*held));
	int n = 0;

	(void)state;
	/* GFP_DMA never leaves ZONE_DMA, though DMA32 has plenty free */
	while (n < 8192 && (held[n] = kmm_alloc_pages(m, GFP_DMA | __GFP_NOWARN, 0)) != NULL) {
		assert_int_equal(kmm_page_zonenum(m, held[n]), KMM_ZONE_DMA);
		assert_true(kmm_page_to_pfn(m, held[n]) < 4096);
		n++;
	}
	/* it stopped at the DMA zone's min watermark, not at an empty zone */
	assert_true(n > 4000 && n < 4096);
	assert_true(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32) > 8000);
	assert_consistent(m, &log_);
	while (n-- > 0)
		kmm_free_pages(m, held[n], 0);
	assert_int_equal(dma_blocks(m, 10), 4);
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

/* RAM: [0,8M) and [16M,24M) and [32M,64M) with [36M,37M) reserved. */
#define HOLEY \
	"memmap=exactmap memmap=8M@0 memmap=8M@16M memmap=32M@32M memmap=1M$36M nr_cpus=1 pcp=0"

static bool pfn_is_ram(unsigned long pfn)
{
	unsigned long mb = (pfn * 4096) >> 20;

	return mb < 8 || (mb >= 16 && mb < 24) || (mb >= 32 && mb < 64 && mb != 36);
}

/* Take every free page (orders mixed), checking each against the RAM map. */
static int drain_machine(kmm_machine *m, struct block *held, int max, bool (*ok)(unsigned long))
{
	unsigned int order = 5;
	int n = 0;

	while (n < max) {
		struct page *p =
			kmm_alloc_pages(m, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, order);

		if (!p) {
			if (order == 0)
				break;
			order--;
			continue;
		}
		if (ok)
			for (unsigned long i = 0; i < (1ul << order); i++)
				assert_true(ok(kmm_page_to_pfn(m, p) + i));
		held[n++] = (struct block){ p, order };
	}
	return n;
}

static void test_holes_never_handed_out(void **state)
{
	kmm_machine *m = test_boot(HOLEY, &log_);
	struct block *held = calloc(16384, sizeof(*held));
	struct free_snapshot boot, now;
	int n;

	(void)state;
	test_snapshot(m, &boot);
	n = drain_machine(m, held, 16384, pfn_is_ram);
	/* __GFP_MEMALLOC ignores watermarks: every free page was handed out */
	assert_int_equal(test_free_pages(m), 0);
	assert_consistent(m, &log_);
	while (n-- > 0)
		kmm_free_pages(m, held[n].page, held[n].order);
	test_snapshot(m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

static void test_exhaustion_and_full_recovery(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 pcp=0", &log_);
	struct block *held = calloc(70000, sizeof(*held));
	struct free_snapshot boot, now;
	uint64_t seed = 42;
	int n;

	(void)state;
	test_snapshot(m, &boot);
	n = drain_machine(m, held, 70000, NULL);
	assert_true(n > 0);
	assert_int_equal(test_free_pages(m), 0);
	/* one more fails, loudly, and changes nothing */
	test_log_clear(&log_);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL, 0));
	assert_true(test_log_contains(&log_, "page allocation failure: order:0, "
					     "mode:0xcc0(GFP_KERNEL), nodemask=(null)"));
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0));
	/* free in a random order */
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(test_rand(&seed) % (uint64_t)(i + 1));
		struct block t = held[i];

		held[i] = held[j];
		held[j] = t;
	}
	while (n-- > 0)
		kmm_free_pages(m, held[n].page, held[n].order);
	test_snapshot(m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

static void test_gfp_zero_really_zeroes(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 1);
	struct page *q;
	unsigned char *mem = kmm_page_address(m, p);
	size_t bytes = 2 * kmm_page_size(m);

	(void)state;
	memset(mem, 0xa5, bytes);
	kmm_free_pages(m, p, 1);
	q = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 1);
	/* the hot end of the free list gives the same, dirtied block back */
	assert_ptr_equal(q, p);
	for (size_t i = 0; i < bytes; i++)
		assert_int_equal(mem[i], 0);
	kmm_free_pages(m, q, 1);
	/* without __GFP_ZERO the old contents stay (no hidden clearing cost) */
	memset(mem, 0x3c, bytes);
	kmm_free_pages(m, kmm_alloc_pages(m, GFP_KERNEL, 1), 1);
	assert_int_equal(mem[0], 0x3c);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_compound_pages(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	unsigned long before = test_free_pages(m);
	struct page *head = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 3);
	struct page *tail;

	(void)state;
	assert_non_null(head);
	assert_int_equal(kmm_compound_order(m, head), 3);
	for (unsigned long i = 1; i < 8; i++) {
		tail = kmm_pfn_to_page(m, kmm_page_to_pfn(m, head) + i);
		assert_ptr_equal(kmm_compound_head(m, tail), head);
		assert_int_equal(kmm_compound_order(m, tail), 3);
	}
	/* a tail cannot be freed on its own */
	tail = kmm_pfn_to_page(m, kmm_page_to_pfn(m, head) + 5);
	kmm_free_pages(m, tail, 0);
	assert_true(test_log_contains(&log_, "freeing a tail page of a compound page"));
	assert_int_equal(test_free_pages(m), before - 8);
	/* get_page on a tail pins the whole compound page */
	kmm_get_page(m, tail);
	assert_int_equal(kmm_page_ref_count(m, head), 2);
	kmm_put_page(m, tail);
	assert_int_equal(test_free_pages(m), before - 8);
	/* put_page on a tail frees the whole compound page, as one */
	kmm_put_page(m, tail);
	assert_int_equal(test_free_pages(m), before);
	assert_int_equal(kmm_compound_order(m, head), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_refcounting(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	unsigned long before = test_free_pages(m);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 2);

	(void)state;
	assert_int_equal(kmm_page_ref_count(m, p), 1);
	kmm_get_page(m, p);
	assert_int_equal(kmm_page_ref_count(m, p), 2);
	kmm_free_pages(m, p, 2); /* drops a reference only */
	assert_int_equal(kmm_page_ref_count(m, p), 1);
	assert_int_equal(test_free_pages(m), before - 4);
	kmm_free_pages(m, p, 2);
	assert_int_equal(kmm_page_ref_count(m, p), 0);
	assert_int_equal(test_free_pages(m), before);
	assert_false(test_log_contains(&log_, "BUG"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- misuse: each is reported and changes nothing ------------------------ */

struct misuse {
	kmm_machine *m;
	struct free_snapshot before;
	unsigned long free_before;
};

static void misuse_begin(struct misuse *t, kmm_machine *m)
{
	t->m = m;
	test_log_clear(&log_);
	test_snapshot(m, &t->before);
	t->free_before = test_free_pages(m);
}

static void misuse_end(struct misuse *t, const char *expect)
{
	struct free_snapshot now;

	if (!test_log_contains(&log_, expect))
		fail_msg("expected a report containing \"%s\", log was:\n%s", expect, log_.buf);
	test_snapshot(t->m, &now);
	assert_true(test_snapshot_equal(&t->before, &now));
	assert_int_equal(test_free_pages(t->m), t->free_before);
	assert_consistent(t->m, &log_);
}

static void test_misuse_is_reported_and_harmless(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	kmm_machine *other = test_boot(SMALL, NULL);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	struct page *big = kmm_alloc_pages(m, GFP_KERNEL, 3);
	struct page *comp = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 2);
	struct page *foreign = kmm_alloc_pages(other, GFP_KERNEL, 0);
	struct misuse t;
	char *addr;

	(void)state;
	kmm_free_pages(m, p, 0);

	misuse_begin(&t, m);
	kmm_free_pages(m, p, 0);
	misuse_end(&t, "double free");
	assert_true(test_log_contains(&log_, "BUG: Bad page state in process"));

	misuse_begin(&t, m);
	kmm_free_pages(m, big, 2);
	misuse_end(&t, "freed with order 2, allocated with order 3");

	misuse_begin(&t, m);
	kmm_free_pages(m, big, 11);
	misuse_end(&t, "freed with an order above MAX_ORDER");

	misuse_begin(&t, m);
	kmm_free_pages(m, kmm_pfn_to_page(m, kmm_page_to_pfn(m, big) + 1), 0);
	misuse_end(&t, "not the head of an allocated block");

	misuse_begin(&t, m);
	kmm_free_pages(m, kmm_pfn_to_page(m, kmm_page_to_pfn(m, comp) + 3), 0);
	misuse_end(&t, "freeing a tail page");

	misuse_begin(&t, m);
	kmm_free_pages(m, foreign, 0);
	misuse_end(&t, "is not a page descriptor of this machine");

	misuse_begin(&t, m);
	kmm_free_pages(m, (struct page *)((char *)kmm_pfn_to_page(m, 100) + 8), 0);
	misuse_end(&t, "is not a page descriptor of this machine");

	misuse_begin(&t, m);
	kmm_free_pages(m, (struct page *)&t, 0);
	misuse_end(&t, "is not a page descriptor of this machine");

	misuse_begin(&t, m);
	kmm_free_pages(m, NULL, 0);
	misuse_end(&t, "NULL page");

	/* the machine struct and memmap live at the top of DMA32: reserved frames */
	misuse_begin(&t, m);
	kmm_free_pages(m, kmm_pfn_to_page(m, kmm_max_pfn(m) - 1), 0);
	misuse_end(&t, "freeing a reserved page");

	assert_null(kmm_pfn_to_page(m, kmm_max_pfn(m)));
	assert_null(kmm_pfn_to_page(m, ~0ul));

	misuse_begin(&t, m);
	addr = kmm_page_address(m, big);
	kmm_free_pages_addr(m, (unsigned long)(addr + 100), 3);
	misuse_end(&t, "is not a page address of this machine");

	misuse_begin(&t, m);
	kmm_free_pages_addr(m, (unsigned long)&t, 0);
	misuse_end(&t, "is not a page address of this machine");

	misuse_begin(&t, m);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL, 11));
	misuse_end(&t, "order 11 is above MAX_ORDER");

	/* free_pages(0) is a no-op, as in Linux */
	misuse_begin(&t, m);
	kmm_free_pages_addr(m, 0, 0);
	assert_int_equal(log_.len, 0);

	kmm_free_pages(m, big, 3);
	kmm_free_pages(m, comp, 2);
	assert_consistent(m, &log_);
	kmm_free_pages(other, foreign, 0);
	kmm_machine_destroy(other);
	kmm_machine_destroy(m);
}

static void test_address_translation(void **state)
{
	kmm_machine *m = test_boot(SMALL, &log_);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 4);
	char *a = kmm_page_address(m, p);
	unsigned long addr;

	(void)state;
	assert_non_null(a);
	assert_ptr_equal(kmm_virt_to_page(m, a), p);
	assert_ptr_equal(kmm_virt_to_page(m, a + kmm_page_size(m) - 1), p);
	assert_ptr_equal(kmm_virt_to_page(m, a + kmm_page_size(m)),
			 kmm_pfn_to_page(m, kmm_page_to_pfn(m, p) + 1));
	assert_ptr_equal(kmm_pfn_to_page(m, kmm_page_to_pfn(m, p)), p);
	assert_null(kmm_virt_to_page(m, &addr));
	/* the direct map is real memory shared with the page's frames */
	memset(a, 0x77, 16 * kmm_page_size(m));
	kmm_free_pages(m, p, 4);
	addr = kmm_get_free_pages(m, GFP_KERNEL, 4);
	assert_ptr_equal((char *)addr, a);
	assert_int_equal(((unsigned char *)addr)[5], 0x77);
	kmm_free_pages_addr(m, addr, 4);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Seeded random stress: cookies in every block, checked on free. */
static void test_random_stress_with_cookies(void **state)
{
	enum { SLOTS = 2048, STEPS = 200000 };
	kmm_machine *m = test_boot("mem=512M nr_cpus=1 pcp=0 kswapd=0", &log_);
	struct {
		struct page *page;
		unsigned int order;
		uint64_t cookie;
	} *slot = calloc(SLOTS, sizeof(*slot));
	static const gfp_t gfps[] = { GFP_KERNEL,
				      GFP_DMA,
				      GFP_DMA32,
				      GFP_HIGHUSER_MOVABLE,
				      GFP_KERNEL | __GFP_RECLAIMABLE,
				      GFP_ATOMIC,
				      GFP_NOWAIT };
	struct free_snapshot boot, now;
	uint64_t seed = 0x5eed;
	size_t ps = kmm_page_size(m);

	(void)state;
	test_snapshot(m, &boot);
	for (int step = 0; step < STEPS; step++) {
		uint64_t r = test_rand(&seed);
		int i = (int)(r % SLOTS);

		if (slot[i].page) {
			uint64_t *mem = kmm_page_address(m, slot[i].page);
			size_t words = (ps << slot[i].order) / 8;

			assert_int_equal(mem[0], slot[i].cookie);
			assert_int_equal(mem[words - 1], ~slot[i].cookie);
			kmm_free_pages(m, slot[i].page, slot[i].order);
			slot[i].page = NULL;
		} else {
			unsigned int order = (r >> 20) % 100 < 70 ? 0 : (unsigned)((r >> 28) % 11);
			gfp_t gfp = gfps[(r >> 36) % (sizeof(gfps) / sizeof(gfps[0]))];
			struct page *p = kmm_alloc_pages(m, gfp | __GFP_NOWARN, order);
			uint64_t *mem;

			if (!p)
				continue;
			mem = kmm_page_address(m, p);
			slot[i].page = p;
			slot[i].order = order;
			slot[i].cookie = r;
			mem[0] = r;
			mem[((ps << order) / 8) - 1] = ~r;
		}
		if (step % 50000 == 0)
			assert_consistent(m, &log_);
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].page)
			kmm_free_pages(m, slot[i].page, slot[i].order);
	test_snapshot(m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	assert_false(test_log_contains(&log_, "BUG"));
	assert_consistent(m, &log_);
	free(slot);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_state),
		cmocka_unit_test(test_split_and_merge),
		cmocka_unit_test(test_buddies_merge_only_when_both_free),
		cmocka_unit_test(test_alignment_every_order),
		cmocka_unit_test(test_zone_confinement),
		cmocka_unit_test(test_holes_never_handed_out),
		cmocka_unit_test(test_exhaustion_and_full_recovery),
		cmocka_unit_test(test_gfp_zero_really_zeroes),
		cmocka_unit_test(test_compound_pages),
		cmocka_unit_test(test_refcounting),
		cmocka_unit_test(test_misuse_is_reported_and_harmless),
		cmocka_unit_test(test_address_translation),
		cmocka_unit_test(test_random_stress_with_cookies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
