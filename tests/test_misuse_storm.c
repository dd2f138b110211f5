/* SPDX-License-Identifier: MIT */
/*
 * tests/test_misuse_storm.c - bad input never corrupts: a seeded storm of
 * valid page, kmalloc and cache operations interleaved with every kind of
 * misuse the layers promise to catch (double frees, wrong orders, interior
 * and foreign pointers, kfree of memory kmalloc never returned, frees to the
 * wrong cache, invalid gfp masks and orders). Each misuse must be reported,
 * live data (cookies in every block and object) must survive, and
 * kmm_check must find nothing, throughout and at the end, where everything
 * is freed and the machine's free lists equal their state after boot.
 *
 * Slab objects are checked with slab_debug=FZP, the configuration under
 * which SLUB (and kmm) promise to catch every double free; page misuse is
 * caught in every configuration.
 */
#include "kmm_test.h"

#include <stdlib.h>
#include <string.h>

#include <kmm/percpu.h>
#include <kmm/slab.h>

static struct test_log log_;

enum { PAGES = 256, OBJS = 512, STEPS = 60000 };

struct live_page {
	struct page *page;
	unsigned int order;
	uint64_t cookie;
};

struct live_obj {
	void *p;
	size_t size;
	struct kmem_cache *cache; /* NULL: kmalloc */
	uint64_t cookie;
};

struct storm {
	kmm_machine *m;
	struct kmem_cache *caches[2];
	struct live_page pg[PAGES];
	struct live_obj ob[OBJS];
	uint64_t seed;
	unsigned long reports, misuses;
};

static void page_fill(struct storm *s, struct live_page *l)
{
	uint64_t *mem = kmm_page_address(s->m, l->page);
	size_t words = (kmm_page_size(s->m) << l->order) / 8;

	mem[0] = l->cookie;
	mem[words - 1] = ~l->cookie;
}

static void page_verify(struct storm *s, struct live_page *l)
{
	uint64_t *mem = kmm_page_address(s->m, l->page);
	size_t words = (kmm_page_size(s->m) << l->order) / 8;

	assert_int_equal(mem[0], l->cookie);
	assert_int_equal(mem[words - 1], ~l->cookie);
	assert_int_equal(kmm_page_ref_count(s->m, l->page), 1);
}

static void obj_fill(struct live_obj *o)
{
	memcpy(o->p, &o->cookie, 8);
	memset((char *)o->p + 8, (int)(o->cookie & 0xff), o->size - 8);
}

static void obj_verify(struct live_obj *o)
{
	uint64_t c;

	memcpy(&c, o->p, 8);
	if (c != o->cookie ||
	    ((unsigned char *)o->p)[o->size - 1] != (unsigned char)(o->cookie & 0xff))
		fail_msg("object %p (%zu bytes, %s) was changed; log:\n%s", o->p, o->size,
			 o->cache ? kmm_kmem_cache_name(o->cache) : "kmalloc", log_.buf);
}

/* One misuse: it must produce a report (checked in what was logged since `before`). */
static void expect_report(struct storm *s, size_t before)
{
	s->misuses++;
	if (!strstr(log_.buf + before, "BUG"))
		fail_msg("misuse #%lu was not reported; log:\n%s", s->misuses, log_.buf);
	if (log_.len > sizeof(log_.buf) / 2)
		test_log_clear(&log_);
}

static void storm_step(struct storm *s)
{
	kmm_machine *m = s->m;
	uint64_t r = test_rand(&s->seed);
	unsigned int what = (unsigned int)(r % 100);
	size_t before = log_.len;

	if (what < 30) { /* pages: alloc or free */
		struct live_page *l = &s->pg[(r >> 8) % PAGES];

		if (l->page) {
			page_verify(s, l);
			kmm_free_pages(m, l->page, l->order);
			if ((r >> 20) % 4 == 0) { /* double free, at once */
				kmm_free_pages(m, l->page, l->order);
				expect_report(s, before);
			}
			l->page = NULL;
		} else {
			static const gfp_t gfps[] = { GFP_KERNEL, GFP_DMA32, GFP_ATOMIC,
						      GFP_KERNEL | __GFP_COMP,
						      GFP_HIGHUSER_MOVABLE };

			l->order = (unsigned int)((r >> 20) % 5);
			l->page = kmm_alloc_pages(m, gfps[(r >> 24) % 5] | __GFP_NOWARN, l->order);
			l->cookie = r;
			if (l->page)
				page_fill(s, l);
		}
	} else if (what < 60) { /* objects: kmalloc or a cache */
		struct live_obj *o = &s->ob[(r >> 8) % OBJS];

		if (o->p) {
			obj_verify(o);
			if (o->cache)
				kmm_kmem_cache_free(m, o->cache, o->p);
			else
				kmm_kfree(m, o->p);
			if ((r >> 20) % 4 == 0) { /* double free, at once */
				if (o->cache)
					kmm_kmem_cache_free(m, o->cache, o->p);
				else
					kmm_kfree(m, o->p);
				expect_report(s, before);
			}
			o->p = NULL;
		} else {
			o->cache = (r >> 20) % 3 ? NULL : s->caches[(r >> 22) & 1];
			o->size = o->cache ? kmm_kmem_cache_size(o->cache) : 9 + (r >> 24) % 6000;
			o->p = o->cache ? kmm_kmem_cache_alloc(m, o->cache, GFP_KERNEL)
					: kmm_kmalloc(m, o->size, GFP_KERNEL);
			o->cookie = r;
			assert_non_null(o->p);
			obj_fill(o);
		}
	} else { /* misuse against live memory */
		struct live_page *l = &s->pg[(r >> 8) % PAGES];
		struct live_obj *o = &s->ob[(r >> 16) % OBJS];
		uint64_t local = r;

		switch ((r >> 32) % 9) {
		case 0: /* wrong order */
			if (!l->page || l->order == 0)
				return;
			kmm_free_pages(m, l->page, l->order - 1);
			break;
		case 1: /* an interior page */
			if (!l->page || l->order == 0)
				return;
			kmm_free_pages(m, kmm_pfn_to_page(m, kmm_page_to_pfn(m, l->page) + 1), 0);
			break;
		case 2: /* not a descriptor at all */
			kmm_free_pages(m, (struct page *)&local, 0);
			break;
		case 3: /* kfree of something kmalloc never returned */
			kmm_kfree(m, &local);
			break;
		case 4: /* kfree inside an object */
			if (!o->p || o->size < 16)
				return;
			kmm_kfree(m, (char *)o->p + 8);
			break;
		case 5: /* kfree of a page-allocator page */
			if (!l->page || kmm_compound_order(m, l->page) ||
			    !kmm_page_address(m, l->page))
				return;
			kmm_kfree(m, kmm_page_address(m, l->page));
			break;
		case 6: /* an object freed to the wrong cache */
			if (!o->p || !o->cache)
				return;
			kmm_kmem_cache_free(
				m, o->cache == s->caches[0] ? s->caches[1] : s->caches[0], o->p);
			break;
		case 7: /* impossible gfp, impossible order */
			assert_null(kmm_alloc_pages(m, __GFP_DMA | __GFP_HIGHMEM, 0));
			assert_null(kmm_alloc_pages(m, GFP_KERNEL, 11));
			break;
		default: /* free_pages of an address that is not a page start */
			if (!l->page || !kmm_page_address(m, l->page))
				return;
			kmm_free_pages_addr(m, (unsigned long)kmm_page_address(m, l->page) + 64,
					    l->order);
			break;
		}
		expect_report(s, before);
	}
}

static void run_storm(uint64_t seed)
{
	struct storm *s = calloc(1, sizeof(*s));
	struct free_snapshot boot, now;

	s->m = test_boot("mem=256M nr_cpus=2 slab_debug=FZP", &log_);
	s->seed = seed;
	s->caches[0] = kmm_kmem_cache_create(s->m, "storm-a", 96, 0, 0, NULL);
	s->caches[1] = kmm_kmem_cache_create(s->m, "storm-b", 300, 0, SLAB_HWCACHE_ALIGN, NULL);
	assert_non_null(s->caches[0]);
	assert_non_null(s->caches[1]);
	kmm_slab_shrink_all(s->m);
	kmm_drain_all_pages(s->m, NULL);
	test_snapshot(s->m, &boot);
	for (int step = 0; step < STEPS; step++) {
		storm_step(s);
		if (step % 5000 == 0)
			assert_consistent(s->m, &log_);
	}
	assert_true(s->misuses > 5000);
	/* everything still live is intact; free it all */
	for (int i = 0; i < PAGES; i++)
		if (s->pg[i].page) {
			page_verify(s, &s->pg[i]);
			kmm_free_pages(s->m, s->pg[i].page, s->pg[i].order);
		}
	for (int i = 0; i < OBJS; i++)
		if (s->ob[i].p) {
			obj_verify(&s->ob[i]);
			if (s->ob[i].cache)
				kmm_kmem_cache_free(s->m, s->ob[i].cache, s->ob[i].p);
			else
				kmm_kfree(s->m, s->ob[i].p);
		}
	assert_consistent(s->m, &log_);
	/* and the machine is whole again */
	kmm_slab_shrink_all(s->m);
	kmm_drain_all_pages(s->m, NULL);
	test_snapshot(s->m, &now);
	assert_true(test_snapshot_equal(&boot, &now));
	kmm_kmem_cache_destroy(s->m, s->caches[0]);
	kmm_kmem_cache_destroy(s->m, s->caches[1]);
	assert_consistent(s->m, &log_);
	print_message("seed %#llx: %lu misuses reported, none changed the allocator\n",
		      (unsigned long long)seed, s->misuses);
	kmm_machine_destroy(s->m);
	free(s);
}

static void test_misuse_storm(void **state)
{
	(void)state;
	run_storm(0x5707);
	run_storm(0xbeef);
	run_storm(0x2026);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_misuse_storm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
