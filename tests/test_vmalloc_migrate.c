/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vmalloc_migrate.c - movable vmalloc areas: pages that move to
 * new frames while the owner keeps its pointer (vmalloc/migrate.c).
 *
 * What this proves: __vmalloc(GFP_KERNEL | __GFP_MOVABLE) and
 * vmalloc_movable=1 make areas whose pages are marked movable (and only
 * those: plain vmalloc, vmalloc_32 and vmalloc_user stay unmovable);
 * compaction moves them (the address maps the new frame, the data is
 * intact, kmm_check asks the host); alloc_contig_pages of 64 MiB clears a
 * range over scattered movable vmalloc pages and fails cleanly where an
 * unmovable page blocks every range; threads reading and writing movable
 * areas with checksums while compaction runs never see a wrong byte; vfree
 * of an area with an isolated page waits for it, and a second vfree is
 * refused meanwhile.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compaction/compaction.h"
#include "vmalloc/vmalloc.h"

#include <kmm/compaction.h>
#include <kmm/vmalloc.h>

static struct test_log log_;

#define QUIET "nr_cpus=1 pcp=0 page_reporting=0 kswapd=0 kcompactd=0"
#define MOVABLE (KMM_GFP_KERNEL | KMM_GFP_MOVABLE)

static unsigned long event(kmm_machine *m, int item)
{
	return __atomic_load_n(&m->events[item], __ATOMIC_RELAXED);
}

static uint64_t word_at(uint64_t seed, size_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + i;

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ull;
}

static void fill(void *p, size_t bytes, uint64_t seed)
{
	uint64_t *w = p;

	for (size_t i = 0; i < bytes / 8; i++)
		w[i] = word_at(seed, i);
}

static bool intact(const void *p, size_t bytes, uint64_t seed)
{
	const volatile uint64_t *w = p;

	for (size_t i = 0; i < bytes / 8; i++)
		if (w[i] != word_at(seed, i))
			return false;
	return true;
}

/* A set of areas of `pages` pages each, filled, with their first frame remembered. */
struct areas {
	void **p;
	unsigned long *pfn;
	size_t nr, cap, pages;
};

static void areas_fill_machine(kmm_machine *m, struct areas *a, size_t pages, kmm_gfp_t gfp,
			       size_t cap)
{
	size_t bytes = pages * kmm_page_size(m);

	a->p = calloc(cap, sizeof(*a->p));
	a->pfn = calloc(cap, sizeof(*a->pfn));
	a->cap = cap;
	a->pages = pages;
	a->nr = 0;
	while (a->nr < cap) {
		void *p = kmm___vmalloc(m, bytes, gfp | KMM_GFP_NOWARN | KMM_GFP_NORETRY);

		if (!p)
			break;
		fill(p, bytes, a->nr);
		a->pfn[a->nr] = kmm_vmalloc_to_pfn(m, p);
		a->p[a->nr++] = p;
	}
}

/* Free all but one of every keep_every areas: what stays is scattered over the machine. */
static void areas_thin(kmm_machine *m, struct areas *a, size_t keep_every)
{
	for (size_t i = 0; i < a->nr; i++)
		if (i % keep_every) {
			kmm_vfree(m, a->p[i]);
			a->p[i] = NULL;
		}
}

static size_t areas_damaged(kmm_machine *m, const struct areas *a)
{
	size_t bad = 0;

	for (size_t i = 0; i < a->nr; i++)
		if (a->p[i] && !intact(a->p[i], a->pages * kmm_page_size(m), i))
			bad++;
	return bad;
}

static size_t areas_moved(kmm_machine *m, const struct areas *a)
{
	size_t moved = 0;

	for (size_t i = 0; i < a->nr; i++)
		if (a->p[i] && kmm_vmalloc_to_pfn(m, a->p[i]) != a->pfn[i])
			moved++;
	return moved;
}

static void areas_free(kmm_machine *m, struct areas *a)
{
	for (size_t i = 0; i < a->nr; i++)
		kmm_vfree(m, a->p[i]);
	free(a->p);
	free(a->pfn);
}

/* ---- which areas are movable ------------------------------------------------------------- */

static int first_page_id(kmm_machine *m, const void *p)
{
	return kmm_page_movable_ops(m, kmm_vmalloc_to_page(m, p));
}

static void test_movable_areas_are_marked(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	size_t ps = kmm_page_size(m);
	void *mov = kmm___vmalloc(m, 24 * ps, MOVABLE);
	void *plain = kmm_vmalloc(m, 24 * ps);
	void *v32 = kmm___vmalloc(m, 4 * ps, MOVABLE | KMM_GFP_DMA32);

	(void)state;
	assert_non_null(mov);
	assert_non_null(plain);
	for (size_t i = 0; i < 24; i++) {
		struct page *pg = kmm_vmalloc_to_page(m, (char *)mov + i * ps);

		assert_int_equal(kmm_page_movable_ops(m, pg), MOVABLE_ID_VMALLOC);
		assert_int_equal(
			kmm_page_movable_ops(m, kmm_vmalloc_to_page(m, (char *)plain + i * ps)), 0);
	}
	/* a second mapping of a movable page would stay on its old frame: vmap refuses */
	{
		struct page *pg = kmm_vmalloc_to_page(m, mov);

		test_log_clear(&log_);
		assert_null(kmm_vmap(m, &pg, 1, 0));
		assert_true(test_log_contains(&log_, "is movable"));
	}
	/* a DMA32 area cannot move out of its zone's constraint: not movable */
	if (v32)
		assert_int_equal(first_page_id(m, v32), 0);
	/* the id is the vmalloc layer's, not one a caller can unregister */
	assert_int_equal(kmm_unregister_movable_ops(m, MOVABLE_ID_VMALLOC), KMM_EINVAL);
	assert_consistent(m, &log_);
	kmm_vfree(m, mov);
	kmm_vfree(m, plain);
	kmm_vfree(m, v32);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);

	/* vmalloc_movable=1: vmalloc's default; vmalloc_user stays put (it may be mapped to users)
	 */
	m = test_boot("mem=64M vmalloc_movable=1 " QUIET, &log_);
	mov = kmm_vmalloc(m, 8 * ps);
	plain = kmm_vmalloc_user(m, 8 * ps);
	assert_int_equal(first_page_id(m, mov), MOVABLE_ID_VMALLOC);
	assert_int_equal(first_page_id(m, plain), 0);
	kmm_vfree(m, mov);
	kmm_vfree(m, plain);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);

	/* compaction=0: no registry of movable owners, so nothing is made movable */
	m = test_boot("mem=64M compaction=0 " QUIET, &log_);
	mov = kmm___vmalloc(m, 8 * ps, MOVABLE);
	assert_non_null(mov);
	kmm_vfree(m, mov);
	kmm_machine_destroy(m);
}

/* ---- compaction moves them ---------------------------------------------------------------- */

static void test_compaction_moves_vmalloc_pages(void **state)
{
	kmm_machine *m = test_boot("mem=256M " QUIET, &log_);
	struct areas a;
	unsigned long before, after, ok0 = event(m, PGMIGRATE_SUCCESS);
	long n;

	(void)state;
	areas_fill_machine(m, &a, 4, MOVABLE, 100000);
	assert_true(a.nr > 1000);
	areas_thin(m, &a, 3);
	before = test_order9_free(m);
	n = kmm_compact_memory(m);
	after = test_order9_free(m);
	print_message("%zu areas, order-9 free %lu -> %lu, %ld pages migrated, %zu areas moved\n",
		      a.nr, before, after, n, areas_moved(m, &a));
	assert_true(n > 0);
	assert_true(after > before + 10);
	assert_true(event(m, PGMIGRATE_SUCCESS) >= ok0 + (unsigned long)n);
	assert_true(areas_moved(m, &a) > 0);
	assert_int_equal(areas_damaged(m, &a), 0);
	assert_true(m->vmalloc->pages_migrated >= (unsigned long)n);
	/* the host maps every moved address to its new frame: kmm_check asks it */
	assert_consistent(m, &log_);
	/* the moved areas still work as areas: rewritten, read back, freed */
	for (size_t i = 0; i < a.nr; i++)
		if (a.p[i])
			fill(a.p[i], a.pages * kmm_page_size(m), i);
	assert_int_equal(areas_damaged(m, &a), 0);
	areas_free(m, &a);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* kmm_check sees a page array or a host mapping that disagrees after a move. */
static void test_check_sees_wrong_mapping(void **state)
{
	kmm_machine *m = test_boot("mem=128M " QUIET, &log_);
	struct areas a;
	struct vm_struct *vm = NULL;
	void *addr = NULL;
	struct page *saved, *other;

	(void)state;
	areas_fill_machine(m, &a, 4, MOVABLE, 100000);
	areas_thin(m, &a, 3);
	assert_true(kmm_compact_memory(m) > 0);
	assert_consistent(m, &log_);
	for (size_t i = 0; i < a.nr && !addr; i++)
		if (a.p[i] && kmm_vmalloc_to_pfn(m, a.p[i]) != a.pfn[i])
			addr = a.p[i];
	assert_non_null(addr);
	kmm_spin_lock(&m->vmalloc->lock);
	vm = find_vmap_area_locked(m->vmalloc, (uintptr_t)addr)->vm;
	kmm_spin_unlock(&m->vmalloc->lock);
	assert_true(vm->nr_moved > 0);
	/* the host maps another frame there than the page array says */
	other = kmm_alloc_pages(m, KMM_GFP_KERNEL, 0);
	assert_int_equal(kmm_os_phys_map_fixed(m->phys_handle,
					       (uint64_t)kmm_page_to_pfn(m, other) << m->page_shift,
					       kmm_page_size(m), addr),
			 0);
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "the area's page array says"));
	assert_int_equal(
		kmm_os_phys_map_fixed(m->phys_handle,
				      (uint64_t)kmm_page_to_pfn(m, vm->pages[0]) << m->page_shift,
				      kmm_page_size(m), addr),
		0);
	assert_consistent(m, &log_);
	/* the page array names a frame the address does not map */
	saved = vm->pages[0];
	vm->pages[0] = other;
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	vm->pages[0] = saved;
	assert_consistent(m, &log_);
	kmm_free_pages(m, other, 0);
	areas_free(m, &a);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- contiguous ranges -------------------------------------------------------------------- */

static void test_contig_64m_over_vmalloc_pages(void **state)
{
	kmm_machine *m = test_boot("mem=512M " QUIET, &log_);
	unsigned long nr = (64ul << 20) / kmm_page_size(m), free0;
	struct areas a;
	struct page *p, **pins;
	int npins;

	(void)state;
	areas_fill_machine(m, &a, 8, MOVABLE, 200000);
	areas_thin(m, &a, 3);
	print_message("%zu movable areas of 8 pages, order-9 free %lu\n", a.nr / 3,
		      test_order9_free(m));
	p = kmm_alloc_contig_pages(m, nr, KMM_GFP_KERNEL, 0, NULL);
	assert_non_null(p);
	assert_true(areas_moved(m, &a) > 0);
	assert_int_equal(areas_damaged(m, &a), 0);
	/* no page of the range is an area's any more */
	for (size_t i = 0; i < a.nr; i++)
		if (a.p[i])
			for (size_t j = 0; j < a.pages; j++) {
				unsigned long pfn = kmm_vmalloc_to_pfn(
					m, (char *)a.p[i] + j * kmm_page_size(m));

				assert_false(pfn >= kmm_page_to_pfn(m, p) &&
					     pfn < kmm_page_to_pfn(m, p) + nr);
			}
	assert_consistent(m, &log_);
	kmm_free_contig_range(m, kmm_page_to_pfn(m, p), nr);
	assert_consistent(m, &log_);

	/* an unmovable page in every 32 MiB: refused, nothing lost, the areas intact */
	pins = test_pin_pages(m, 8192, &npins);
	free0 = test_free_pages(m);
	test_log_clear(&log_);
	assert_null(kmm_alloc_contig_pages(m, nr, KMM_GFP_KERNEL, 0, NULL));
	assert_int_equal(test_free_pages(m), free0);
	assert_int_equal(areas_damaged(m, &a), 0);
	assert_consistent(m, &log_);
	test_unpin_pages(m, pins, npins);
	areas_free(m, &a);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* A plain (unmovable) vmalloc page blocks its range: KMM_EBUSY and nothing changed. */
static void test_plain_vmalloc_blocks_contig(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	size_t ps = kmm_page_size(m);
	void *plain = kmm_vmalloc(m, 4 * ps);
	unsigned long pfn = kmm_vmalloc_to_pfn(m, plain), start = pfn & ~1023ul, free0;
	struct free_snapshot before, after;

	(void)state;
	fill(plain, 4 * ps, 5);
	free0 = test_free_pages(m);
	test_snapshot(m, &before);
	assert_int_equal(kmm_alloc_contig_range(m, start, start + 1024, 0, KMM_GFP_KERNEL),
			 KMM_EBUSY);
	test_snapshot(m, &after);
	assert_true(test_snapshot_equal(&before, &after));
	assert_int_equal(test_free_pages(m), free0);
	assert_int_equal(kmm_vmalloc_to_pfn(m, plain), pfn);
	assert_true(intact(plain, 4 * ps, 5));
	kmm_vfree(m, plain);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- vfree and isolation ------------------------------------------------------------------ */

struct vfree_arg {
	kmm_machine *m;
	void *addr;
	int done;
};

static void *vfree_thread(void *p)
{
	struct vfree_arg *a = p;

	kmm_vfree(a->m, a->addr);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_vfree_waits_for_isolated_page(void **state)
{
	kmm_machine *m = test_boot("mem=64M " QUIET, &log_);
	size_t ps = kmm_page_size(m);
	void *addr = kmm___vmalloc(m, 4 * ps, MOVABLE);
	struct page *pg = kmm_vmalloc_to_page(m, (char *)addr + ps);
	struct page *other = kmm_vmalloc_to_page(m, addr);
	unsigned long free0 = test_free_pages(m);
	struct vfree_arg a = { m, addr, 0 };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	pthread_t th;

	(void)state;
	assert_true(isolate_movable_page(m, pg, 0));
	assert_false(isolate_movable_page(m, pg, 0)); /* isolated already */
	pthread_create(&th, NULL, vfree_thread, &a);
	nanosleep(&ts, NULL);
	assert_int_equal(__atomic_load_n(&a.done, __ATOMIC_ACQUIRE), 0);
	/* meanwhile: the area is gone for every lookup; a second vfree is refused */
	assert_null(kmm_vmalloc_to_page(m, addr));
	test_log_clear(&log_);
	kmm_vfree(m, addr);
	assert_true(test_log_contains(&log_, "Trying to vfree() nonexistent vm area"));
	/* and its other pages cannot be isolated any more */
	assert_false(isolate_movable_page(m, other, 0));
	putback_movable_page(m, pg);
	pthread_join(th, NULL);
	assert_int_equal(a.done, 1);
	assert_int_equal(test_free_pages(m), free0 + 4);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- threads: data integrity while compaction moves the pages ----------------------------- */

struct rw_arg {
	kmm_machine *m;
	void **bufs;
	size_t nbufs, bytes;
	uint64_t seed;
	volatile int *stop;
	bool writer;
	unsigned long ops, bad;
	uint64_t *gen; /* writer: each buffer's current seed */
};

static void *rw_thread(void *p)
{
	struct rw_arg *a = p;
	uint64_t r = a->seed;

	while (!__atomic_load_n(a->stop, __ATOMIC_ACQUIRE)) {
		size_t i = (size_t)(test_rand(&r) % a->nbufs);

		if (a->writer) {
			/* the last write must be there, then a new one, read back at once */
			if (!intact(a->bufs[i], a->bytes, a->gen[i]))
				a->bad++;
			a->gen[i] = test_rand(&r);
			fill(a->bufs[i], a->bytes, a->gen[i]);
			if (!intact(a->bufs[i], a->bytes, a->gen[i]))
				a->bad++;
		} else if (!intact(a->bufs[i], a->bytes, a->seed + i)) {
			a->bad++;
		}
		a->ops++;
	}
	return NULL;
}

static void test_integrity_under_migration(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2 page_reporting=0 kcompactd=0", &log_);
	size_t ps = kmm_page_size(m), nb = 48, bytes = 8 * ps;
	void *ro[48], *rw[48];
	uint64_t gen[48];
	struct areas churn;
	struct rw_arg args[3];
	pthread_t th[3];
	volatile int stop = 0;
	long migrated = 0;

	(void)state;
	/* fragment first, so the buffers land among pages compaction will move */
	areas_fill_machine(m, &churn, 2, MOVABLE, 100000);
	areas_thin(m, &churn, 2);
	for (size_t i = 0; i < nb; i++) {
		ro[i] = kmm___vmalloc(m, bytes, MOVABLE);
		rw[i] = kmm___vmalloc(m, bytes, MOVABLE);
		assert_non_null(ro[i]);
		assert_non_null(rw[i]);
		fill(ro[i], bytes, 1000 + i);
		gen[i] = 7 + i;
		fill(rw[i], bytes, gen[i]);
	}
	args[0] = (struct rw_arg){ m, rw, nb, bytes, 1, &stop, true, 0, 0, gen };
	args[1] = (struct rw_arg){ m, ro, nb, bytes, 1000, &stop, false, 0, 0, NULL };
	args[2] = (struct rw_arg){ m, ro, nb, bytes, 1000, &stop, false, 0, 0, NULL };
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, rw_thread, &args[i]);
	for (int round = 0; round < 8; round++) {
		long n = kmm_compact_memory(m);
		struct page *p;

		migrated += n > 0 ? n : 0;
		/* a contig range through the middle of the machine moves more of them */
		p = kmm_alloc_contig_pages(m, 2048, KMM_GFP_KERNEL, 0, NULL);
		if (p)
			kmm_free_contig_range(m, kmm_page_to_pfn(m, p), 2048);
		/* churn: free and reallocate some areas so the next pass has work */
		for (size_t i = (size_t)round % 2; i < churn.nr; i += 5)
			if (churn.p[i]) {
				kmm_vfree(m, churn.p[i]);
				churn.p[i] = NULL;
			}
		for (size_t i = 0; i < churn.nr; i += 5)
			if (!churn.p[i] &&
			    (churn.p[i] = kmm___vmalloc(m, 2 * ps, MOVABLE | KMM_GFP_NOWARN)))
				fill(churn.p[i], 2 * ps, i);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	print_message("%ld pages migrated (%lu vmalloc pages) under %lu writes, %lu + %lu reads\n",
		      migrated, m->vmalloc->pages_migrated, args[0].ops, args[1].ops, args[2].ops);
	assert_true(m->vmalloc->pages_migrated > 100);
	assert_int_equal(args[0].bad + args[1].bad + args[2].bad, 0);
	for (size_t i = 0; i < nb; i++) {
		assert_true(intact(ro[i], bytes, 1000 + i));
		assert_true(intact(rw[i], bytes, gen[i]));
		kmm_vfree(m, ro[i]);
		kmm_vfree(m, rw[i]);
	}
	assert_consistent(m, &log_);
	for (size_t i = 0; i < churn.nr; i++)
		if (churn.p[i] && !intact(churn.p[i], 2 * ps, i))
			fail_msg("churn area %zu damaged", i);
	areas_free(m, &churn);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_movable_areas_are_marked),
		cmocka_unit_test(test_compaction_moves_vmalloc_pages),
		cmocka_unit_test(test_check_sees_wrong_mapping),
		cmocka_unit_test(test_contig_64m_over_vmalloc_pages),
		cmocka_unit_test(test_plain_vmalloc_blocks_contig),
		cmocka_unit_test(test_vfree_waits_for_isolated_page),
		cmocka_unit_test(test_integrity_under_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
