/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab.c - object caches (slab/): creation and geometry, object
 * alignment, colouring visible in addresses, constructor semantics, the
 * full/partial/free list transitions, shrink giving every page back
 * (buddyinfo back to its baseline), SLUB's min_partial rule for empty slabs,
 * bulk allocation all-or-nothing under exhaustion, SLAB_TYPESAFE_BY_RCU,
 * node, zone and migratetype placement, hardening (obfuscated free
 * pointers, randomized freelists, init_on_alloc/init_on_free), the
 * /proc/slabinfo format and meminfo's slab lines.
 *
 * Tests that count objects in the per-CPU arrays pin the thread to host
 * CPU 0 so that "this CPU" does not change under them.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slab/slab.h"
#include <kmm/slab.h>

static struct test_log log_;

static struct kmm_slab_info cache_info(kmm_machine *m, const char *name)
{
	struct kmm_slab_info info[128];
	int n = kmm_slab_info(m, info, 128);

	for (int i = 0; i < n && i < 128; i++)
		if (!strcmp(info[i].name, name))
			return info[i];
	fail_msg("no cache %s in kmm_slab_info", name);
	return info[0];
}

static uintptr_t page_offset(kmm_machine *m, const void *p)
{
	return (uintptr_t)p & (kmm_page_size(m) - 1);
}

/* Objects on slab freelists + in-use counts, from the node lists (quiescent). */
static void node_counts(struct kmem_cache *s, unsigned long *partial, unsigned long *full,
			unsigned long *free)
{
	*partial = *full = *free = 0;
	for (int nid = 0; nid < kmm_nr_nodes(s->m); nid++) {
		*partial += s->node[nid].nr_partial;
		*full += s->node[nid].nr_full;
		*free += s->node[nid].nr_free;
	}
}

/* ---- creation and geometry ---------------------------------------------------- */

static void test_create_and_use(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "test_obj", 100, 0, 0, NULL);
	void *p[500];

	(void)state;
	assert_non_null(s);
	assert_string_equal(kmm_kmem_cache_name(s), "test_obj");
	assert_int_equal(kmm_kmem_cache_size(s), 100);
	for (int i = 0; i < 500; i++) {
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
		assert_non_null(p[i]);
		memset(p[i], i, 100);
	}
	for (int i = 0; i < 500; i++) {
		for (int j = 0; j < 100; j++)
			assert_int_equal(((unsigned char *)p[i])[j], (unsigned char)i);
		kmm_kmem_cache_free(m, s, p[i]);
	}
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	/* kmem_cache_free(NULL) is a no-op, like Linux */
	kmm_kmem_cache_free(m, s = kmm_kmem_cache_create(m, "x", 8, 0, 0, NULL), NULL);
	kmm_kmem_cache_destroy(m, s);
	kmm_kmem_cache_destroy(m, NULL);
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

static void test_create_refused(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);

	(void)state;
	assert_null(kmm_kmem_cache_create(m, "zero", 0, 0, 0, NULL));
	assert_true(test_log_contains(&log_, "__kmem_cache_create_args(zero) failed with error -22"));
	assert_null(kmm_kmem_cache_create(m, "align", 64, 48, 0, NULL));
	assert_true(test_log_contains(&log_, "alignment is not a power of two"));
	assert_null(kmm_kmem_cache_create(m, NULL, 64, 0, 0, NULL));
	assert_null(kmm_kmem_cache_create(m, "huge", 64u << 20, 0, 0, NULL));
	/* destroying a kmalloc cache is refused */
	test_log_clear(&log_);
	kmm_kmem_cache_destroy(m, m->slab->kmalloc_caches[KMALLOC_NORMAL][6]);
	assert_true(test_log_contains(&log_, "is not a cache that can be destroyed"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* SLUB's geometry: order by waste and min_objects, objects per slab, stride. */
static void test_geometry(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmm_slab_info i;

	(void)state;
	i = cache_info(m, "kmalloc-8");
	assert_int_equal(i.objperslab, 512);
	assert_int_equal(i.pagesperslab, 1);
	i = cache_info(m, "kmalloc-96");
	assert_int_equal(i.objperslab, 42);
	i = cache_info(m, "kmalloc-192");
	assert_int_equal(i.objperslab, 21);
	i = cache_info(m, "kmalloc-8k");
	assert_int_equal(i.objsize, 8192);
	assert_int_equal(i.pagesperslab, 8);
	assert_int_equal(i.objperslab, 4);
	i = cache_info(m, "kmalloc-rcl-64");
	assert_int_equal(i.flags & SLAB_RECLAIM_ACCOUNT, SLAB_RECLAIM_ACCOUNT);
	i = cache_info(m, "dma-kmalloc-64");
	assert_int_equal(i.flags & SLAB_CACHE_DMA, SLAB_CACHE_DMA);
	/* every kmalloc class uses at least 90% of its slab */
	for (int idx = 1; idx < KMALLOC_MAX_INDEX; idx++) {
		struct kmem_cache *s = m->slab->kmalloc_caches[KMALLOC_NORMAL][idx];
		double eff;

		if (!s)
			continue;
		eff = (double)s->objects * s->object_size / (double)(kmm_page_size(m) << s->order);
		assert_true(eff >= 0.90);
	}
	kmm_machine_destroy(m);
}

/* ---- alignment and colouring ------------------------------------------------------ */

static void test_alignment(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	static const unsigned int aligns[] = { 8, 16, 32, 64, 128, 256, 512 };

	(void)state;
	for (size_t a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++) {
		struct kmem_cache *s = kmm_kmem_cache_create(m, "aligned", 40, aligns[a], 0, NULL);
		void *p[300];

		assert_non_null(s);
		for (int i = 0; i < 300; i++) {
			p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
			assert_int_equal((uintptr_t)p[i] % aligns[a], 0);
		}
		for (int i = 0; i < 300; i++)
			kmm_kmem_cache_free(m, s, p[i]);
		kmm_kmem_cache_destroy(m, s);
	}
	/* SLAB_HWCACHE_ALIGN: a cache line, halved while the object fits twice */
	{
		struct kmem_cache *big =
			kmm_kmem_cache_create(m, "hw100", 100, 0, SLAB_HWCACHE_ALIGN, NULL);
		struct kmem_cache *small =
			kmm_kmem_cache_create(m, "hw20", 20, 0, SLAB_HWCACHE_ALIGN, NULL);

		for (int i = 0; i < 200; i++) {
			assert_int_equal((uintptr_t)kmm_kmem_cache_alloc(m, big, GFP_KERNEL) % 64,
					 0);
			assert_int_equal((uintptr_t)kmm_kmem_cache_alloc(m, small, GFP_KERNEL) % 32,
					 0);
		}
		assert_int_equal(big->size, 128);
		assert_int_equal(small->size, 32);
	}
	/*
	 * kmalloc: power-of-two sizes are naturally aligned, in physical
	 * addresses (offsets in the machine's memory) as in Linux, whose
	 * direct map is itself aligned; kmm's mapping is only page aligned.
	 */
	for (size_t size = 8; size <= 8192; size *= 2)
		for (int i = 0; i < 20; i++) {
			char *p = kmm_kmalloc(m, size, GFP_KERNEL);

			assert_int_equal((uintptr_t)(p - m->phys) % size, 0);
		}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Successive slabs start their objects at 0, 64, 128 bytes: the colours. */
static void test_colouring(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "colour", 296, 0, 0, NULL);
	enum { N = 13 * 9 };
	void *p[N];
	uintptr_t first[16];
	int nslabs = 0;
	bool seen[3] = { false, false, false };

	(void)state;
	assert_int_equal(s->objects, 13);
	assert_int_equal(s->colour, 3); /* 4096 - 13 * 296 = 248 bytes: 3 lines */
	assert_int_equal(s->colour_off, 64);
	for (int i = 0; i < N; i++)
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	/* the lowest object offset in each page is that slab's colour */
	for (int i = 0; i < N; i++) {
		uintptr_t page = (uintptr_t)p[i] & ~(uintptr_t)(kmm_page_size(m) - 1);
		int j;

		for (j = 0; j < nslabs; j++)
			if ((first[j] & ~(uintptr_t)(kmm_page_size(m) - 1)) == page)
				break;
		if (j == nslabs) {
			assert_true(nslabs < 16);
			first[nslabs++] = (uintptr_t)p[i];
		} else if ((uintptr_t)p[i] < first[j]) {
			first[j] = (uintptr_t)p[i];
		}
		/* objects sit at colour + k * 296 */
		assert_int_equal((page_offset(m, p[i]) % 296) % 64, 0);
	}
	assert_true(nslabs >= 6);
	for (int j = 0; j < nslabs; j++) {
		uintptr_t off = page_offset(m, (void *)first[j]);

		assert_true(off == 0 || off == 64 || off == 128);
		seen[off / 64] = true;
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	for (int i = 0; i < N; i++)
		kmm_kmem_cache_free(m, s, p[i]);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- constructors ------------------------------------------------------------------ */

static int ctor_calls;

static void ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0, 64);
	*(uint32_t *)obj = 0xc0ffee;
}

static void test_ctor(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "ctor", 64, 0, 0, ctor);
	uint32_t *a, *b;
	int per_slab;

	(void)state;
	test_pin_cpu(0);
	ctor_calls = 0;
	per_slab = (int)s->objects;
	/* the constructor runs for every object when the slab is populated */
	a = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	assert_int_equal(ctor_calls, per_slab);
	assert_int_equal(*a, 0xc0ffee);
	/* not on allocation: a freed object comes back as it was returned */
	a[1] = 0x1234;
	kmm_kmem_cache_free(m, s, a);
	b = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	assert_ptr_equal(a, b);
	assert_int_equal(b[1], 0x1234);
	assert_int_equal(ctor_calls, per_slab);
	/* every other object of the slab is constructed without having been allocated */
	for (int i = 1; i < per_slab; i++)
		assert_int_equal(*(uint32_t *)kmm_kmem_cache_alloc(m, s, GFP_KERNEL), 0xc0ffee);
	assert_int_equal(ctor_calls, per_slab);
	/* the next slab runs it again, per object */
	kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	assert_int_equal(ctor_calls, 2 * per_slab);
	/* a constructor keeps the free pointer outside the object */
	assert_true(s->offset >= s->object_size);
	test_unpin();
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- lists, shrink, hysteresis ------------------------------------------------------- */

/* A debug cache has no per-CPU arrays: every allocation moves its slab. */
static void test_list_transitions(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2 pcp=0", &log_);
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "lists", 256, 0, SLAB_CONSISTENCY_CHECKS, NULL);
	unsigned long partial, full, free;
	void *p[64];
	int n;

	(void)state;
	n = (int)s->objects;
	assert_true(n >= 8 && 2 * n <= 64);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 0 && full == 0 && free == 0);
	p[0] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 1 && full == 0 && free == 0);
	for (int i = 1; i < n; i++)
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 0 && full == 1 && free == 0);
	p[n] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 1 && full == 1 && free == 0);
	/* full -> partial */
	kmm_kmem_cache_free(m, s, p[0]);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 2 && full == 0 && free == 0);
	/* partial -> free: kept (partial + empty <= min_partial) */
	kmm_kmem_cache_free(m, s, p[n]);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 1 && full == 0 && free == 1);
	assert_consistent(m, &log_);
	/* shrink gives the empty slab back */
	assert_int_equal(kmm_kmem_cache_shrink(m, s), 1);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 1 && full == 0 && free == 0);
	for (int i = 1; i < n; i++)
		kmm_kmem_cache_free(m, s, p[i]);
	node_counts(s, &partial, &full, &free);
	assert_true(partial == 0 && full == 0 && free == 1);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

static void shrink_returns_every_page(const char *cmdline, slab_flags_t flags)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "shrinkme", 200, 0, flags, NULL);
	struct free_snapshot base, now;
	char *before, *after;
	enum { N = 5000 };
	void **p = calloc(N, sizeof(*p));
	unsigned long free_before = test_free_pages(m);

	/* the cache exists: from here on only its slabs move memory */
	test_snapshot(m, &base);
	before = test_report(m, KMM_REPORT_BUDDYINFO);
	for (int i = 0; i < N; i++)
		assert_non_null(p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL));
	assert_true(test_free_pages(m) < free_before);
	for (int i = 0; i < N; i += 2)
		kmm_kmem_cache_free(m, s, p[i]);
	for (int i = 1; i < N; i += 2)
		kmm_kmem_cache_free(m, s, p[i]);
	assert_true(kmm_kmem_cache_shrink(m, s) > 0);
	test_snapshot(m, &now);
	after = test_report(m, KMM_REPORT_BUDDYINFO);
	assert_string_equal(before, after);
	assert_true(test_snapshot_equal(&base, &now));
	assert_int_equal(test_free_pages(m), free_before);
	assert_int_equal(cache_info(m, "shrinkme").num_slabs, 0);
	assert_consistent(m, &log_);
	free(before);
	free(after);
	free(p);
	kmm_machine_destroy(m);
}

static void test_shrink_returns_every_page(void **state)
{
	(void)state;
	shrink_returns_every_page("mem=512M nr_cpus=2 pcp=0", 0);
	shrink_returns_every_page("mem=512M nr_cpus=2 numa=fake=2 pcp=0", 0);
	shrink_returns_every_page("mem=512M nr_cpus=1 pcp=0", SLAB_RED_ZONE | SLAB_POISON);
	/* the shrinker walks every cache */
	{
		kmm_machine *m = test_boot("mem=256M nr_cpus=2 pcp=0", &log_);
		void *p[2000];
		unsigned long free_before;

		kmm_slab_shrink_all(m);
		free_before = test_free_pages(m);
		for (int i = 0; i < 2000; i++)
			p[i] = kmm_kmalloc(m, 8u << (i % 10), GFP_KERNEL);
		for (int i = 0; i < 2000; i++)
			kmm_kfree(m, p[i]);
		assert_true(kmm_slab_shrink_all(m) > 0);
		assert_int_equal(test_free_pages(m), free_before);
		assert_consistent(m, &log_);
		kmm_machine_destroy(m);
	}
}

static unsigned int expect_min_partial(unsigned int stride)
{
	unsigned int half = (31u - (unsigned int)__builtin_clz(stride)) / 2;

	return half < 5 ? 5 : half > 10 ? 10 : half;
}

/*
 * SLUB's min_partial: after a burst (a radix-tree-like load: thousands of
 * nodes allocated, then all freed) a node keeps at most min_partial empty
 * slabs, clamp(ilog2(stride) / 2, 5, 10); kmem_cache_shrink frees those too.
 */
static void burst_leaves_min_partial(const char *cmdline, unsigned int size)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "radix_tree_node", size, 0, 0, NULL);
	enum { N = 20000 };
	void **p = calloc(N, sizeof(*p));
	unsigned long grown, pages_before;

	assert_non_null(s);
	assert_int_equal(s->min_partial, expect_min_partial(s->size));
	pages_before = test_free_pages(m);
	for (int i = 0; i < N; i++)
		assert_non_null(p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL));
	grown = s->stat[SLAB_STAT_GROW];
	assert_true(grown >= N / s->objects);
	/* free in an order that empties slabs one after another, then interleaved */
	for (int i = 0; i < N; i += 2)
		kmm_kmem_cache_free(m, s, p[i]);
	for (int i = 1; i < N; i += 2)
		kmm_kmem_cache_free(m, s, p[i]);
	for (int nid = 0; nid < kmm_nr_nodes(m); nid++) {
		assert_true(s->node[nid].nr_free <= s->min_partial);
		assert_true(s->node[nid].nr_partial + s->node[nid].nr_free <= s->min_partial ||
			    s->node[nid].nr_free == 0);
	}
	/* what stays: the kept empty slabs and the objects in the per-CPU arrays */
	assert_true(cache_info(m, "radix_tree_node").num_slabs <=
		    (unsigned long)kmm_nr_nodes(m) * s->min_partial +
			    (unsigned long)kmm_nr_cpus(m) * s->limit);
	assert_true(s->stat[SLAB_STAT_SHRINK] + cache_info(m, "radix_tree_node").num_slabs ==
		    grown);
	/* the shrinker still frees what is kept */
	kmm_kmem_cache_shrink(m, s);
	assert_int_equal(cache_info(m, "radix_tree_node").num_slabs, 0);
	assert_int_equal(test_free_pages(m), pages_before);
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	free(p);
	kmm_machine_destroy(m);
}

static void test_min_partial(void **state)
{
	(void)state;
	burst_leaves_min_partial("mem=512M nr_cpus=2 pcp=0", 576);
	burst_leaves_min_partial("mem=512M nr_cpus=2 numa=fake=2 pcp=0", 576);
	burst_leaves_min_partial("mem=512M nr_cpus=1 pcp=0", 8192);
	/* the formula at its bounds, from the stride */
	{
		kmm_machine *m = test_boot("mem=256M nr_cpus=1", &log_);
		static const unsigned int sizes[] = { 8, 200, 1000, 4096, 16384, 65536, 131072 };

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct kmem_cache *s = kmm_kmem_cache_create(m, "mp", sizes[i], 0, 0, NULL);

			assert_non_null(s);
			assert_int_equal(s->min_partial, expect_min_partial(s->size));
			kmm_kmem_cache_destroy(m, s);
		}
		kmm_machine_destroy(m);
	}
}

/* ---- bulk -------------------------------------------------------------------------- */

static void test_bulk(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "bulk", 64, 0, 0, NULL);
	void *p[1000];

	(void)state;
	assert_int_equal(kmm_kmem_cache_alloc_bulk(m, s, GFP_KERNEL, 1000, p), 1000);
	for (int i = 0; i < 1000; i++) {
		assert_non_null(p[i]);
		memset(p[i], 0xab, 64);
		for (int j = 0; j < i; j += 97)
			assert_ptr_not_equal(p[i], p[j]);
	}
	kmm_kmem_cache_free_bulk(m, s, 1000, p);
	assert_int_equal(kmm_kmem_cache_alloc_bulk(m, s, GFP_KERNEL | __GFP_ZERO, 100, p), 100);
	for (int i = 0; i < 100; i++)
		for (int j = 0; j < 64; j++)
			assert_int_equal(((unsigned char *)p[i])[j], 0);
	/* free_bulk with no cache: each object goes back to its own cache */
	p[100] = kmm_kmalloc(m, 300, GFP_KERNEL);
	kmm_kmem_cache_free_bulk(m, NULL, 101, p);
	kmm_kmem_cache_shrink(m, s);
	assert_int_equal(cache_info(m, "bulk").active_objs, 0);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

static void test_bulk_all_or_nothing(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1 pcp=0", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "bulk", 128, 0, 0, NULL);
	struct page **held = calloc(65536, sizeof(*held));
	void *p[4096], *keep;
	int nheld = 0;

	(void)state;
	/* __GFP_NO_GROW: the cache has no slab, so nothing can be served */
	assert_int_equal(kmm_kmem_cache_alloc_bulk(m, s, GFP_KERNEL | __GFP_NO_GROW, 10, p), 0);
	assert_int_equal(cache_info(m, "bulk").num_slabs, 0);
	keep = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	/* more than the one slab holds: refused, and nothing stays allocated */
	assert_int_equal(
		kmm_kmem_cache_alloc_bulk(m, s, GFP_KERNEL | __GFP_NO_GROW, s->objects + 5, p), 0);
	kmm_kmem_cache_shrink(m, s);
	assert_int_equal(cache_info(m, "bulk").active_objs, 1);
	assert_int_equal(cache_info(m, "bulk").num_slabs, 1);
	/* real exhaustion: every page is taken, the bulk needs new slabs */
	while (nheld < 65536) {
		struct page *pg = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN | __GFP_MEMALLOC, 0);

		if (!pg)
			break;
		held[nheld++] = pg;
	}
	assert_int_equal(test_free_pages(m), 0);
	assert_int_equal(kmm_kmem_cache_alloc_bulk(m, s, GFP_KERNEL | __GFP_NOWARN, 4096, p), 0);
	kmm_kmem_cache_shrink(m, s);
	assert_int_equal(cache_info(m, "bulk").active_objs, 1);
	while (nheld)
		kmm_free_pages(m, held[--nheld], 0);
	/* and with memory back, the same request succeeds */
	assert_int_equal(kmm_kmem_cache_alloc_bulk(m, s, GFP_KERNEL, 4096, p), 4096);
	kmm_kmem_cache_free_bulk(m, s, 4096, p);
	kmm_kmem_cache_free(m, s, keep);
	assert_consistent(m, &log_);
	free(held);
	kmm_machine_destroy(m);
}

/* ---- SLAB_TYPESAFE_BY_RCU ----------------------------------------------------------- */

static void test_typesafe_by_rcu(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2 pcp=0", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "rcu", 128, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	unsigned long free_before;
	void *p[1000];

	(void)state;
	free_before = test_free_pages(m);
	for (int i = 0; i < 1000; i++)
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	for (int i = 0; i < 1000; i++)
		kmm_kmem_cache_free(m, s, p[i]);
	/* freed memory stays an object of this cache until a grace period */
	assert_int_equal(kmm_kmem_cache_shrink(m, s), 0);
	for (int i = 0; i < 1000; i++) {
		struct page *pg = kmm_compound_head(m, kmm_virt_to_page(m, p[i]));

		assert_ptr_equal(page_slab_cache(pg), s);
	}
	assert_true(test_free_pages(m) < free_before);
	assert_true(s->node[0].nr_rcu > 0);
	assert_consistent(m, &log_);
	/* the rcu-pending slabs may be reused by the cache itself */
	p[0] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	kmm_kmem_cache_free(m, s, p[0]);
	kmm_kmem_cache_shrink(m, s);
	/* a grace period: now they go */
	assert_true(kmm_slab_synchronize_rcu(m) > 0);
	assert_int_equal(test_free_pages(m), free_before);
	assert_int_equal(cache_info(m, "rcu").num_slabs, 0);
	/* destroy implies rcu_barrier */
	for (int i = 0; i < 100; i++)
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	for (int i = 0; i < 100; i++)
		kmm_kmem_cache_free(m, s, p[i]);
	kmm_kmem_cache_destroy(m, s);
	assert_int_equal(test_free_pages(m), free_before);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

/* ---- placement ---------------------------------------------------------------------- */

static void test_node_zone_migratetype(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2 numa=fake=2", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "nodes", 64, 0, 0, NULL);
	struct kmem_cache *dma = kmm_kmem_cache_create(m, "dmaobj", 64, 0, SLAB_CACHE_DMA, NULL);
	struct kmem_cache *rcl =
		kmm_kmem_cache_create(m, "rclobj", 64, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	void *p;

	(void)state;
	for (int nid = 0; nid < 2; nid++) {
		for (int i = 0; i < 300; i++) {
			p = kmm_kmem_cache_alloc_node(m, s, GFP_KERNEL, nid);
			assert_int_equal(kmm_page_to_nid(m, kmm_virt_to_page(m, p)), nid);
			p = kmm_kmalloc_node(m, 200, GFP_KERNEL, nid);
			assert_int_equal(kmm_page_to_nid(m, kmm_virt_to_page(m, p)), nid);
		}
	}
	assert_null(kmm_kmem_cache_alloc_node(m, s, GFP_KERNEL, 2));
	assert_true(test_log_contains(&log_, "node 2 does not exist"));
	test_log_clear(&log_);
	for (int i = 0; i < 100; i++) {
		struct page *pg;

		p = kmm_kmem_cache_alloc(m, dma, GFP_KERNEL);
		assert_int_equal(kmm_page_zonenum(m, kmm_virt_to_page(m, p)), KMM_ZONE_DMA);
		p = kmm_kmalloc(m, 100, GFP_DMA);
		assert_int_equal(kmm_page_zonenum(m, kmm_virt_to_page(m, p)), KMM_ZONE_DMA);
		p = kmm_kmem_cache_alloc(m, rcl, GFP_KERNEL);
		pg = kmm_compound_head(m, kmm_virt_to_page(m, p));
		assert_int_equal(page_alloc_mt(pg), MIGRATE_RECLAIMABLE);
		p = kmm_kmalloc(m, 100, GFP_KERNEL | __GFP_RECLAIMABLE);
		pg = kmm_compound_head(m, kmm_virt_to_page(m, p));
		assert_string_equal(page_slab_cache(pg)->name, "kmalloc-rcl-128");
		assert_int_equal(page_alloc_mt(pg), MIGRATE_RECLAIMABLE);
	}
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

/* ---- hardening -------------------------------------------------------------------------- */

/* A free object's next pointer is stored as ptr ^ secret ^ swab(&slot). */
static void test_freepointer_obfuscated(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1", &log_);
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "hard", 64, 0, SLAB_CONSISTENCY_CHECKS, NULL);
	struct kmem_cache *t =
		kmm_kmem_cache_create(m, "hard2", 64, 0, SLAB_CONSISTENCY_CHECKS, NULL);
	void *a = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	void *b = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	uintptr_t raw;

	(void)state;
	assert_int_not_equal(s->random, t->random);
	kmm_kmem_cache_free(m, s, b);
	kmm_kmem_cache_free(m, s, a); /* a -> b on the freelist */
	memcpy(&raw, (char *)a + s->offset, sizeof(raw));
	assert_int_not_equal(raw, (uintptr_t)b);
	assert_int_equal(raw ^ s->random ^ __builtin_bswap64((uintptr_t)a + s->offset),
			 (uintptr_t)b);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static bool ascending(void **p, int n)
{
	for (int i = 1; i < n; i++)
		if ((uintptr_t)p[i] < (uintptr_t)p[i - 1])
			return false;
	return true;
}

static void test_freelist_random(void **state)
{
	kmm_machine *m;
	struct kmem_cache *s;
	void *p[42];

	(void)state;
	test_pin_cpu(0);
	/* default: a fresh slab hands its objects out in address order */
	m = test_boot("mem=256M nr_cpus=1", &log_);
	s = kmm_kmem_cache_create(m, "order", 96, 0, 0, NULL);
	assert_int_equal(s->objects, 42);
	for (int i = 0; i < 42; i++)
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	assert_true(ascending(p, 42));
	kmm_machine_destroy(m);
	/* slab_freelist_random=1: a permutation of the slab's objects */
	m = test_boot("mem=256M nr_cpus=1 slab_freelist_random=1", &log_);
	s = kmm_kmem_cache_create(m, "order", 96, 0, SLAB_CONSISTENCY_CHECKS, NULL);
	for (int i = 0; i < 42; i++)
		p[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	assert_false(ascending(p, 42));
	for (int i = 0; i < 42; i++) {
		assert_int_equal(((uintptr_t)p[i] - ((uintptr_t)p[i] & ~(uintptr_t)4095)) % 96 % 64,
				 ((uintptr_t)p[0] & 4095) % 96 % 64);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(p[i], p[j]);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

static void test_init_on_alloc_free(void **state)
{
	kmm_machine *m;
	struct kmem_cache *s;
	unsigned char *p, *q;

	(void)state;
	test_pin_cpu(0);
	m = test_boot("mem=256M nr_cpus=1 init_on_alloc=1", &log_);
	s = kmm_kmem_cache_create(m, "init", 128, 0, 0, NULL);
	p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	memset(p, 0xee, 128);
	kmm_kmem_cache_free(m, s, p);
	q = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	assert_ptr_equal(p, q);
	for (int i = 0; i < 128; i++)
		assert_int_equal(q[i], 0);
	p = kmm_kmalloc(m, 200, GFP_KERNEL);
	memset(p, 0xee, 200);
	kmm_kfree(m, p);
	q = kmm_kmalloc(m, 200, GFP_KERNEL);
	assert_ptr_equal(p, q);
	for (int i = 0; i < 200; i++)
		assert_int_equal(q[i], 0);
	kmm_machine_destroy(m);

	m = test_boot("mem=256M nr_cpus=1 init_on_free=1", &log_);
	s = kmm_kmem_cache_create(m, "init", 128, 0, 0, NULL);
	p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	memset(p, 0xee, 128);
	kmm_kmem_cache_free(m, s, p);
	for (int i = 0; i < 128; i++)
		assert_int_equal(p[i], 0); /* the freed object (machine memory) reads zero */
	/* a constructor cache keeps its constructed contents */
	{
		struct kmem_cache *c = kmm_kmem_cache_create(m, "initctor", 64, 0, 0, ctor);
		uint32_t *o = kmm_kmem_cache_alloc(m, c, GFP_KERNEL);

		kmm_kmem_cache_free(m, c, o);
		assert_int_equal(*o, 0xc0ffee);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
	test_unpin();
}

/* ---- reports ------------------------------------------------------------------------------ */

static void test_slabinfo_format(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "a_very_long_cache_name_indeed", 72, 0, 0, NULL);
	char *r, *line, *save = NULL;
	int rows = 0;
	bool found = false;

	(void)state;
	for (int i = 0; i < 100; i++)
		kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	r = test_report(m, KMM_REPORT_SLABINFO);
	assert_int_equal(strncmp(r,
				 "slabinfo - version: 2.1\n"
				 "# name            <active_objs> <num_objs> <objsize> "
				 "<objperslab> <pagesperslab> : tunables <limit> <batchcount> "
				 "<sharedfactor> : slabdata <active_slabs> <num_slabs> "
				 "<sharedavail>\n",
				 strlen("slabinfo - version: 2.1\n") + 174),
			 0);
	/* every row reprints identically with the kernel's format */
	line = strtok_r(r, "\n", &save);
	line = strtok_r(NULL, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char name[64], again[256];
		unsigned long ao, no, as, ns, sa;
		unsigned int os, ops, lim, bat, sh;
		int pps;

		assert_int_equal(sscanf(line,
					"%63s %lu %lu %u %u %d : tunables %u %u %u : slabdata %lu "
					"%lu %lu",
					name, &ao, &no, &os, &ops, &pps, &lim, &bat, &sh, &as, &ns,
					&sa),
				 12);
		snprintf(again, sizeof(again),
			 "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu "
			 "%6lu %6lu",
			 name, ao, no, os, ops, pps, lim, bat, sh, as, ns, sa);
		assert_string_equal(line, again);
		if (!strcmp(name, "a_very_long_cache_name_indeed")) {
			found = true;
			assert_true(ao >= 100);
			assert_int_equal(os, 72);
		}
		/* 6.18 is SLUB-only: no tunables, every slab active, nothing shared */
		assert_int_equal(lim, 0);
		assert_int_equal(bat, 0);
		assert_int_equal(sh, 0);
		assert_int_equal(as, ns);
		assert_int_equal(sa, 0);
		if (!strcmp(name, "a_very_long_cache_name_indeed")) {
			/* newest first: the cache just created is the first row */
			assert_int_equal(rows, 0);
		}
		rows++;
	}
	assert_true(found);
	assert_int_equal(rows, m->slab->nr_caches);
	free(r);
	/* the per-CPU arrays slabinfo cannot show are in kmm_slab_info (and kmm slabtop) */
	{
		struct kmm_slab_info in[1];

		assert_true(kmm_slab_info(m, in, 1) >= 1);
		assert_string_equal(in[0].name, "a_very_long_cache_name_indeed");
		assert_int_equal(in[0].limit, 120);
		assert_int_equal(in[0].batchcount, 60);
	}
	/* kmm stat's name for it */
	assert_int_equal(kmm_report_by_name("slabinfo"), KMM_REPORT_SLABINFO);
	kmm_machine_destroy(m);
}

static unsigned long meminfo_kb(const char *report, const char *label)
{
	const char *p = strstr(report, label);

	assert_non_null(p);
	return strtoul(p + 16, NULL, 10);
}

static void test_meminfo_slab_lines(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2", &log_);
	struct kmem_cache *r =
		kmm_kmem_cache_create(m, "reclaimable", 256, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	char *before = test_report(m, KMM_REPORT_MEMINFO), *after;
	void *big;

	(void)state;
	assert_non_null(strstr(before, "\nSlab:           "));
	assert_int_equal(meminfo_kb(before, "\nSReclaimable:"), 0);
	assert_int_equal(meminfo_kb(before, "\nSlab:"),
			 meminfo_kb(before, "\nSReclaimable:") +
				 meminfo_kb(before, "\nSUnreclaim:"));
	for (int i = 0; i < 1000; i++)
		kmm_kmem_cache_alloc(m, r, GFP_KERNEL);
	big = kmm_kmalloc(m, 1 << 20, GFP_KERNEL);
	after = test_report(m, KMM_REPORT_MEMINFO);
	assert_true(meminfo_kb(after, "\nSReclaimable:") >= 250);
	/* a large kmalloc counts as unreclaimable slab memory, as in Linux */
	assert_true(meminfo_kb(after, "\nSUnreclaim:") >=
		    meminfo_kb(before, "\nSUnreclaim:") + 1024);
	assert_int_equal(meminfo_kb(after, "\nSlab:"),
			 meminfo_kb(after, "\nSReclaimable:") + meminfo_kb(after, "\nSUnreclaim:"));
	kmm_kfree(m, big);
	free(before);
	free(after);
	kmm_machine_destroy(m);
}

/*
 * slab_obj_index_own (the free path's check that a pointer starts an
 * object, one multiplication and a rotation) against a plain division, at
 * every byte of a slab (its colour offset included), for odd, even and
 * power-of-two strides and a red-zoned cache whose objects start after a
 * left pad.
 */
static void check_index_every_offset(kmm_machine *m, unsigned int size, slab_flags_t flags)
{
	struct kmem_cache *s = kmm_kmem_cache_create(m, "index", size, 0, flags, NULL);
	void *obj;
	struct page *page;
	char *start;

	assert_non_null(s);
	obj = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	assert_non_null(obj);
	page = virt_to_head_page_m(m, obj);
	assert_non_null(page);
	start = (char *)s->phys + (((uintptr_t)obj - s->phys) & ~s->slab_mask);
	for (uintptr_t off = 0; off <= s->slab_mask; off++) {
		uintptr_t first = page->u.slab.colour + s->red_left_pad;
		int want = -1;

		if (off >= first && (off - first) % s->size == 0 &&
		    (off - first) / s->size < page->u.slab.objects)
			want = (int)((off - first) / s->size);
		if (slab_obj_index_own(s, page, start + off) != want)
			fail_msg("size %u (stride %u) offset %lu: index %d, want %d", size, s->size,
				 (unsigned long)off, slab_obj_index_own(s, page, start + off),
				 want);
	}
	assert_int_equal(slab_obj_index_own(s, page, obj), slab_obj_index(s, page, obj));
	kmm_kmem_cache_free(m, s, obj);
	kmm_kmem_cache_destroy(m, s);
}

static void test_object_index_every_offset(void **state)
{
	static const unsigned int sizes[] = { 8,    16,	  24,	40,   48,   96,	   100,
					      104,  192,  320,	640,  1000, 1024,  1280,
					      3000, 4096, 5000, 7168, 8192, 12288, 32768 };
	kmm_machine *m = test_boot("mem=256M nr_cpus=1", &log_);

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_index_every_offset(m, sizes[i], 0);
	check_index_every_offset(m, 200, SLAB_RED_ZONE);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_use),
		cmocka_unit_test(test_create_refused),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_colouring),
		cmocka_unit_test(test_ctor),
		cmocka_unit_test(test_list_transitions),
		cmocka_unit_test(test_shrink_returns_every_page),
		cmocka_unit_test(test_min_partial),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_bulk_all_or_nothing),
		cmocka_unit_test(test_typesafe_by_rcu),
		cmocka_unit_test(test_node_zone_migratetype),
		cmocka_unit_test(test_freepointer_obfuscated),
		cmocka_unit_test(test_freelist_random),
		cmocka_unit_test(test_init_on_alloc_free),
		cmocka_unit_test(test_slabinfo_format),
		cmocka_unit_test(test_meminfo_slab_lines),
		cmocka_unit_test(test_object_index_every_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
