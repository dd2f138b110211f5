/* SPDX-License-Identifier: MIT */
/*
 * tests/test_check_layers.c - kmm_check's walkers of the upper layers
 * (compaction/check.c, vmalloc/check.c, reclaim/check.c) notice each kind
 * of damage they claim to, as tests/test_check.c proves for the page and
 * slab layers: on a clean machine one field is damaged, kmm_check must
 * count a problem and log the layer's words, and once the damage is
 * undone the machine is clean again (so each case fails if its rule is
 * not checked, and the walkers raise no false alarm).
 */
#include "kmm_test.h"

#include <string.h>

#include <kmm/compaction.h>
#include <kmm/reclaim.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>

#include "compaction/compaction.h"
#include "reclaim/reclaim.h"
#include "vmalloc/vmalloc.h"

static struct test_log log_;

#define QUIET "nr_cpus=1 pcp=0 page_reporting=0 kswapd=0 kcompactd=0"

/* kmm_check finds damage, and says it in words containing `needle` */
static void expect_damage(kmm_machine *m, const char *needle)
{
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	if (!test_log_contains(&log_, needle))
		fail_msg("kmm_check did not say \"%s\"; log:\n%s", needle, log_.buf);
}

static void expect_clean(kmm_machine *m)
{
	test_log_clear(&log_);
	if (kmm_check(m) != 0)
		fail_msg("kmm_check found problems after the damage was undone:\n%s", log_.buf);
}

/* ---- compaction ------------------------------------------------------------------------- */

static bool iso(kmm_machine *m, struct page *p, kmm_isolate_mode_t mode, void *ctx)
{
	(void)m, (void)p, (void)mode, (void)ctx;
	return false;
}

static int mig(kmm_machine *m, struct page *dst, struct page *src, enum kmm_migrate_mode mode,
	       void *ctx)
{
	(void)m, (void)dst, (void)src, (void)mode, (void)ctx;
	return KMM_EAGAIN;
}

static void putback(kmm_machine *m, struct page *p, void *ctx)
{
	(void)m, (void)p, (void)ctx;
}

static const struct kmm_movable_operations ops = { iso, mig, putback };

static void test_compaction_walker(void **state)
{
	kmm_machine *m = test_boot("mem=128M " QUIET, &log_);
	struct page *mov, *other, *slabp;
	struct zone *zone;
	struct compact_zone *cz;
	unsigned int first_pb;
	unsigned long first, last;
	void *obj;
	int id;

	(void)state;
	id = kmm_register_movable_ops(m, &ops, NULL);
	assert_true(id >= 1);
	assert_non_null(mov = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0));
	assert_int_equal(kmm_page_set_movable_ops(m, mov, id), KMM_OK);
	assert_non_null(other = kmm_alloc_pages(m, GFP_KERNEL, 1));
	expect_clean(m);

	/* an id on a page the owner does not count */
	set_page_movable_id(other, (unsigned int)id);
	expect_damage(m, "counts 1 pages, the memmap marks 2");
	/* ... which is not an allocated order-0 page (order 1) */
	assert_true(test_log_contains(&log_, "but is not an allocated order-0 page"));
	set_page_movable_id(other, 0);
	expect_clean(m);

	/* an id nobody registered */
	set_page_movable_id(mov, KMM_MAX_MOVABLE_OPS);
	expect_damage(m, "which is not registered");
	set_page_movable_id(mov, (unsigned int)id);

	/* an id left on a slab page */
	assert_non_null(obj = kmm_kmalloc(m, 64, GFP_KERNEL));
	slabp = kmm_virt_to_page(m, obj);
	set_page_movable_id(slabp, (unsigned int)id);
	expect_damage(m, "but is not an allocated order-0 page");
	set_page_movable_id(slabp, 0);
	kmm_kfree(m, obj);
	expect_clean(m);

	/* the isolation mark without an owner, and a count that disagrees */
	page_set(other, PG_movable_ops_isolated);
	expect_damage(m, "is isolated but has no owner");
	assert_true(test_log_contains(&log_, "1 pages isolated, nr_isolated says 0"));
	page_clear(other, PG_movable_ops_isolated);
	expect_clean(m);

	/* a skip byte that is neither 0 nor 1 */
	zone = page_zone(m, mov);
	cz = compact_zone_of(m, zone);
	zone_skip_range(zone, &first, &last);
	first_pb = (unsigned int)first;
	cz->skip[first_pb] = 7;
	expect_damage(m, "skip byte 7");
	cz->skip[first_pb] = 0;
	expect_clean(m);

	/* an id left on a freed frame: what a migration that forgot its old page leaves */
	assert_int_equal(kmm_page_clear_movable_ops(m, mov), KMM_OK);
	kmm_free_pages(m, mov, 0);
	set_page_movable_id(mov, (unsigned int)id);
	expect_damage(m, "is free but still carries movable id");
	set_page_movable_id(mov, 0);
	expect_clean(m);

	kmm_free_pages(m, other, 1);
	assert_int_equal(kmm_unregister_movable_ops(m, id), KMM_OK);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_cma_walker(void **state)
{
	kmm_machine *m = test_boot("mem=256M cma=16M " QUIET, &log_);
	struct kmm_compact *c = m->compact;
	struct cma_area *cma = &c->cma;
	struct zone *zone;
	struct page *got;
	unsigned long base, count, allocated;

	(void)state;
	assert_int_equal(kmm_cma_info(m, &base, &count, &allocated), KMM_OK);
	assert_true(count >= 4096);
	assert_non_null(got = kmm_cma_alloc(m, 8, 0, false));
	expect_clean(m);

	/* the bitmap and the count disagree */
	cma->allocated++;
	expect_damage(m, "CMA bitmap holds 8 pages, allocated says 9");
	cma->allocated--;
	expect_clean(m);

	/* a pageblock of the area that is not MIGRATE_CMA */
	zone = page_zone(m, got);
	set_pageblock_migratetype(zone, base + count - pageblock_nr_pages, MIGRATE_MOVABLE);
	expect_damage(m, "CMA pageblock at pfn");
	set_pageblock_migratetype(zone, base + count - pageblock_nr_pages, MIGRATE_CMA);
	expect_clean(m);

	assert_true(kmm_cma_release(m, got, 8));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- vmalloc ---------------------------------------------------------------------------- */

static struct vm_struct *area_of(kmm_machine *m, const void *addr)
{
	struct kmm_vmalloc *v = vmalloc_of(m);

	for (struct vmap_area *va = va_tree_next(v->busy_root, v->start); va;
	     va = va_tree_next(v->busy_root, va->va_end))
		if (va->va_start == (uintptr_t)addr)
			return va->vm;
	return NULL;
}

static void test_vmalloc_walker(void **state)
{
	kmm_machine *m = test_boot("mem=128M " QUIET, &log_);
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct vm_struct *vm;
	struct page *stranger, *saved;
	unsigned char *buf;

	(void)state;
	assert_non_null(buf = kmm_vmalloc(m, 8 * 4096));
	memset(buf, 0xa5, 8 * 4096);
	assert_non_null(vm = area_of(m, buf));
	assert_int_equal(vm->nr_pages, 8);
	expect_clean(m);

	/* counters that disagree with the trees and the areas */
	v->nr_busy++;
	expect_damage(m, "kmm_check: vmalloc: 1 problems");
	v->nr_busy--;
	v->host_maps += 3;
	expect_damage(m, "kmm_check: vmalloc: 1 problems");
	v->host_maps -= 3;
	v->nr_vmalloc_pages--;
	expect_damage(m, "kmm_check: vmalloc: 1 problems");
	v->nr_vmalloc_pages++;
	expect_clean(m);

	/* the page array names a frame the mapping does not show (the probe reads differ) */
	assert_non_null(stranger = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 0));
	saved = vm->pages[0];
	vm->pages[0] = stranger;
	expect_damage(m, "1 bad pages");
	vm->pages[0] = saved;
	expect_clean(m);

	/* the page array names a free frame */
	kmm_free_pages(m, stranger, 0);
	vm->pages[0] = stranger;
	expect_damage(m, "1 bad pages");
	vm->pages[0] = saved;
	expect_clean(m);

	/* an area whose descriptor disagrees with its vmap_area */
	vm->size += 4096;
	expect_damage(m, "kmm_check: vmalloc: 1 problems");
	vm->size -= 4096;
	expect_clean(m);

	kmm_vfree(m, buf);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- reclaim ---------------------------------------------------------------------------- */

static unsigned long count0(struct shrinker *s, struct shrink_control *sc)
{
	(void)s, (void)sc;
	return 0;
}

static unsigned long scan0(struct shrinker *s, struct shrink_control *sc)
{
	(void)s, (void)sc;
	return SHRINK_STOP;
}

static void test_reclaim_walker(void **state)
{
	kmm_machine *m = test_boot("mem=128M " QUIET, &log_);
	kmm_machine *other = test_boot("mem=64M " QUIET, NULL);
	struct kmm_reclaim *r = m->reclaim;
	struct shrinker *a, *b, *saved_prev;
	int *failures = kswapd_failures(reclaim_node(m, 0));

	(void)state;
	assert_non_null(a = kmm_shrinker_alloc(m, 0, "walker-a"));
	assert_non_null(b = kmm_shrinker_alloc(m, 0, "walker-b"));
	a->count_objects = b->count_objects = count0;
	a->scan_objects = b->scan_objects = scan0;
	kmm_shrinker_register(a);
	kmm_shrinker_register(b);
	expect_clean(m);

	/* a broken back link */
	saved_prev = r->shrinkers->next->prev;
	r->shrinkers->next->prev = NULL;
	expect_damage(m, "broken back link");
	r->shrinkers->next->prev = saved_prev;
	expect_clean(m);

	/* on the list with no reference, and belonging to another machine */
	a->refcount--;
	expect_damage(m, "walker-a: on the list with no reference");
	a->refcount++;
	b->machine = other;
	expect_damage(m, "walker-b: belongs to another machine");
	b->machine = m;
	expect_clean(m);

	/* the list's count */
	r->nr_shrinkers++;
	expect_damage(m, "shrinkers on the list");
	r->nr_shrinkers--;
	expect_clean(m);

	/* kswapd's failure count out of range */
	*failures = -1;
	expect_damage(m, "kswapd_failures -1");
	*failures = 0;
	expect_clean(m);

	kmm_shrinker_free(a);
	kmm_shrinker_free(b);
	assert_consistent(m, &log_);
	kmm_machine_destroy(other);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compaction_walker),
		cmocka_unit_test(test_cma_walker),
		cmocka_unit_test(test_vmalloc_walker),
		cmocka_unit_test(test_reclaim_walker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
