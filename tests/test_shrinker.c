/* SPDX-License-Identifier: MIT */
/*
 * tests/test_shrinker.c - the shrinker API and the proportional scan:
 * registration and bad input, how much a shrinker is asked for at each
 * priority (seeks, batch, deferred work carried to the next call),
 * SHRINK_STOP and SHRINK_EMPTY, NUMA-aware node ids, __GFP_FS/__GFP_IO
 * gating and the memalloc_nofs/noio scopes, the slab layer's shrinker,
 * drop_slab, and shrinker_free waiting for a scan in progress.
 */
#include "kmm_test.h"
#include "reclaim_test.h"

#include <stdio.h>
#include <kmm/slab.h>

#include "reclaim/reclaim.h"

static struct test_log log_;

#define QUIET "mem=256M nr_cpus=1 kswapd=0 page_reporting=0"

struct fake {
	unsigned long objects;
	unsigned long asked[64];
	int calls;
	int nid;
	int stop;
	unsigned long reduce_scanned; /* report fewer scanned than asked */
};

static unsigned long fake_count(struct shrinker *s, struct shrink_control *sc)
{
	struct fake *f = s->private_data;

	f->nid = sc->nid;
	return f->objects ? f->objects : SHRINK_EMPTY;
}

static unsigned long fake_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct fake *f = s->private_data;

	if (f->calls < 64)
		f->asked[f->calls] = sc->nr_to_scan;
	f->calls++;
	if (f->stop)
		return SHRINK_STOP;
	if (f->reduce_scanned)
		sc->nr_scanned = f->reduce_scanned;
	return 0; /* scanned, freed nothing: the count stays, so the arithmetic is visible */
}

static struct shrinker *fake_shrinker(kmm_machine *m, struct fake *f, unsigned int flags, int seeks,
				      long batch)
{
	struct shrinker *s = kmm_shrinker_alloc(m, flags, "fake-%d", 1);

	assert_non_null(s);
	assert_string_equal(s->name, "fake-1");
	s->count_objects = fake_count;
	s->scan_objects = fake_scan;
	s->seeks = seeks;
	s->batch = batch;
	s->private_data = f;
	kmm_shrinker_register(s);
	return s;
}

static void test_proportional_scan(void **state)
{
	kmm_machine *m = test_boot(QUIET, &log_);
	struct fake f = { .objects = 1 << 20 };
	struct shrinker *s = fake_shrinker(m, &f, 0, DEFAULT_SEEKS, 0);
	unsigned long scanned0 = rt_event(m, SLABS_SCANNED);

	(void)state;
	/* priority 12: (2^20 >> 12) * 4 / 2 = 512 objects, in batches of SHRINK_BATCH */
	shrink_slab(m, GFP_KERNEL, 0, DEF_PRIORITY, NULL);
	assert_int_equal(f.calls, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(f.asked[i], SHRINK_BATCH);
	assert_int_equal(rt_event(m, SLABS_SCANNED) - scanned0, 512);
	assert_int_equal(s->nr_deferred[0], 0);
	/* priority 10: 4 times as much */
	f.calls = 0;
	shrink_slab(m, GFP_KERNEL, 0, 10, NULL);
	assert_int_equal(f.calls, 16);
	/* a batch of 100: 512 = 5 * 100 + 12 left over, deferred to the next call */
	kmm_shrinker_free(s);
	f.calls = 0;
	s = fake_shrinker(m, &f, 0, DEFAULT_SEEKS, 100);
	shrink_slab(m, GFP_KERNEL, 0, DEF_PRIORITY, NULL);
	assert_int_equal(f.calls, 5);
	assert_int_equal(f.asked[0], 100);
	assert_int_equal(s->nr_deferred[0], 12);
	kmm_shrinker_free(s);
	/* seeks 0: half of everything, whatever the priority */
	f.calls = 0;
	f.objects = 1000;
	s = fake_shrinker(m, &f, 0, 0, 0);
	shrink_slab(m, GFP_KERNEL, 0, DEF_PRIORITY, NULL);
	assert_int_equal(f.calls, 3); /* 500 = 128 + 128 + 128 + 116 left (< batch, < freeable) */
	assert_int_equal(s->nr_deferred[0], 500 - 384);
	kmm_shrinker_free(s);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_small_cache_is_scanned_once_pressure_asks_for_all(void **state)
{
	kmm_machine *m = test_boot(QUIET, &log_);
	struct fake f = { .objects = 50 };
	struct shrinker *s = fake_shrinker(m, &f, 0, DEFAULT_SEEKS, 0);
	int priority;

	(void)state;
	/* below one batch: nothing until total_scan reaches all 50 objects */
	for (priority = DEF_PRIORITY; priority >= 0 && f.calls == 0; priority--)
		shrink_slab(m, GFP_KERNEL, 0, priority, NULL);
	assert_int_equal(f.calls, 1);
	/* nr_to_scan = min(batch, total_scan): all of it, at most twice the cache */
	assert_true(f.asked[0] >= 50 && f.asked[0] <= 100);
	/* deferred work made it happen before priority 0 (delta alone reaches 50 only there) */
	assert_true(priority + 1 > 0);
	kmm_shrinker_free(s);
	kmm_machine_destroy(m);
}

static void test_stop_empty_and_scanned(void **state)
{
	kmm_machine *m = test_boot(QUIET, &log_);
	struct fake f = { .objects = 1 << 20, .stop = 1 };
	struct shrinker *s = fake_shrinker(m, &f, 0, DEFAULT_SEEKS, 0);

	(void)state;
	/* SHRINK_STOP ends the call after one batch, the rest is deferred */
	shrink_slab(m, GFP_KERNEL, 0, DEF_PRIORITY, NULL);
	assert_int_equal(f.calls, 1);
	assert_int_equal(s->nr_deferred[0], 512);
	/* SHRINK_EMPTY from count: no scan at all, deferred work untouched */
	f.objects = 0;
	f.calls = 0;
	shrink_slab(m, GFP_KERNEL, 0, DEF_PRIORITY, NULL);
	assert_int_equal(f.calls, 0);
	assert_int_equal(s->nr_deferred[0], 512);
	/* a scanner that scanned fewer than asked is asked again */
	f.objects = 1 << 20;
	f.stop = 0;
	f.reduce_scanned = 64;
	f.calls = 0;
	s->nr_deferred[0] = 0;
	shrink_slab(m, GFP_KERNEL, 0, DEF_PRIORITY, NULL);
	assert_int_equal(f.calls, 7); /* 512 - 7 * 64 = 64 left: below a batch, deferred */
	kmm_shrinker_free(s);
	kmm_machine_destroy(m);
}

static void test_numa_aware_and_gfp_gating(void **state)
{
	kmm_machine *m = test_boot("mem=2G nr_cpus=2 numa=fake=2 kswapd=0 page_reporting=0", &log_);
	struct fake a = { .objects = 1 << 20 }, b = { .objects = 1 << 20 };
	struct fake fs = { .objects = 1 << 20 }, io = { .objects = 1 << 20 };
	struct shrinker *sa = fake_shrinker(m, &a, SHRINKER_NUMA_AWARE, DEFAULT_SEEKS, 0);
	struct shrinker *sb = fake_shrinker(m, &b, 0, DEFAULT_SEEKS, 0);
	struct shrinker *sfs = fake_shrinker(m, &fs, SHRINKER_NEEDS_FS, DEFAULT_SEEKS, 0);
	struct shrinker *sio = fake_shrinker(m, &io, SHRINKER_NEEDS_IO, DEFAULT_SEEKS, 0);
	unsigned int flags;

	(void)state;
	shrink_slab(m, GFP_KERNEL, 1, DEF_PRIORITY, NULL);
	assert_int_equal(a.nid, 1);
	assert_int_equal(b.nid, 0); /* not NUMA aware: always node 0 */
	assert_true(fs.calls > 0 && io.calls > 0);
	fs.calls = io.calls = 0;
	shrink_slab(m, GFP_NOFS, 0, DEF_PRIORITY, NULL);
	assert_int_equal(fs.calls, 0);
	assert_true(io.calls > 0);
	fs.calls = io.calls = 0;
	shrink_slab(m, GFP_NOIO, 0, DEF_PRIORITY, NULL);
	assert_int_equal(fs.calls, 0);
	assert_int_equal(io.calls, 0);
	/* the scopes narrow gfp as current->flags do, and nest */
	flags = kmm_memalloc_nofs_save();
	assert_int_equal(kmm_current_gfp_context(GFP_KERNEL), GFP_NOFS);
	{
		unsigned int inner = kmm_memalloc_noio_save();

		assert_int_equal(kmm_current_gfp_context(GFP_KERNEL), GFP_NOIO);
		kmm_memalloc_noio_restore(inner);
	}
	assert_int_equal(kmm_current_gfp_context(GFP_KERNEL), GFP_NOFS);
	kmm_memalloc_nofs_restore(flags);
	assert_int_equal(kmm_current_gfp_context(GFP_KERNEL), GFP_KERNEL);
	kmm_shrinker_free(sa);
	kmm_shrinker_free(sb);
	kmm_shrinker_free(sfs);
	kmm_shrinker_free(sio);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* An allocation inside memalloc_nofs_save that must reclaim does not call an FS shrinker. */
static void test_nofs_scope_reaches_reclaim(void **state)
{
	kmm_machine *m = test_boot(
		"memmap=exactmap memmap=64M@16M nr_cpus=1 pcp=0 kswapd=0 page_reporting=0", &log_);
	struct user_cache *fsc = uc_create(m, 1 << 15, SHRINKER_NEEDS_FS, 0);
	struct user_cache *other = uc_create(m, 1 << 15, 0, 0);
	unsigned int flags;
	struct page *p;

	(void)state;
	uc_gate(fsc, 1);
	uc_gate(other, 1);
	while (uc_add(fsc, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN) &&
	       uc_add(other, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN))
		;
	uc_gate(fsc, 0);
	uc_gate(other, 0);
	uc_scans(fsc, true);
	uc_scans(other, true);
	flags = kmm_memalloc_nofs_save();
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	kmm_memalloc_nofs_restore(flags);
	assert_non_null(p);
	assert_int_equal(uc_scans(fsc, false), 0);
	assert_true(uc_scans(other, false) > 0);
	kmm_free_pages(m, p, 0);
	uc_destroy(fsc);
	uc_destroy(other);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_api_misuse(void **state)
{
	kmm_machine *m = test_boot(QUIET, &log_);
	struct shrinker *s;
	struct fake f = { .objects = 10 };

	(void)state;
	assert_null(kmm_shrinker_alloc(m, 0x80000000u, "bad"));
	assert_true(test_log_contains(&log_, "shrinker_alloc: unknown flags"));
	s = kmm_shrinker_alloc(m, 0, "incomplete");
	test_log_clear(&log_);
	kmm_shrinker_register(s); /* no callbacks */
	assert_true(test_log_contains(&log_, "has no count_objects"));
	assert_false(s->flags & SHRINKER_REGISTERED);
	s->count_objects = fake_count;
	s->scan_objects = fake_scan;
	s->private_data = &f;
	kmm_shrinker_register(s);
	assert_true(s->flags & SHRINKER_REGISTERED);
	test_log_clear(&log_);
	kmm_shrinker_register(s);
	assert_true(test_log_contains(&log_, "already registered"));
	kmm_shrinker_free(s);
	kmm_shrinker_free(NULL);
	/* never registered: freed all the same */
	s = kmm_shrinker_alloc(m, 0, "never");
	kmm_shrinker_free(s);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_slab_shrinker_and_drop_slab(void **state)
{
	kmm_machine *m = test_boot(QUIET, &log_);
	/*
	 * The free path already trims each node to min_partial empty slabs
	 * (SLUB's rule), so one cache leaves little; with seeks 0 the scan is
	 * freeable / 2 and needs a batch (32 for slab-empty) of it: eight
	 * caches leave enough.
	 */
	enum { NC = 8, NO = 2000 };
	struct kmem_cache *c[NC];
	static void *obj[NC][NO];
	unsigned long freed, drops = rt_event(m, DROP_SLAB);
	bool found = false;
	char name[16];

	(void)state;
	/* the slab layer's release of empty slabs is one shrinker on the list, the last one */
	kmm_spin_lock(&m->reclaim->shrinker_lock);
	for (struct shrinker *s = m->reclaim->shrinkers; s; s = s->next)
		if (!kmm_strcmp(s->name, "slab-empty")) {
			found = true;
			assert_null(s->next);
		}
	kmm_spin_unlock(&m->reclaim->shrinker_lock);
	assert_true(found);
	for (int k = 0; k < NC; k++) {
		snprintf(name, sizeof(name), "droppable-%d", k);
		assert_non_null(c[k] = kmm_kmem_cache_create(m, name, 1024, 0, 0, NULL));
		for (int i = 0; i < NO; i++)
			assert_non_null(obj[k][i] = kmm_kmem_cache_alloc(m, c[k], GFP_KERNEL));
	}
	for (int k = 0; k < NC; k++)
		for (int i = 0; i < NO; i++)
			kmm_kmem_cache_free(m, c[k], obj[k][i]);
	freed = kmm_drop_slab(m);
	assert_true(freed > 0);
	assert_int_equal(rt_event(m, DROP_SLAB), drops + 1);
	for (int k = 0; k < NC; k++)
		kmm_kmem_cache_destroy(m, c[k]);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* shrinker_free waits while a reclaimer is inside scan_objects. */
struct slow {
	int inside;
	int release;
	int freed_done;
};

static unsigned long slow_count(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	return 1000;
}

static unsigned long slow_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct slow *w = s->private_data;

	(void)sc;
	__atomic_store_n(&w->inside, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->release, __ATOMIC_ACQUIRE))
		rt_nap();
	return SHRINK_STOP;
}

struct freer {
	struct shrinker *s;
	struct slow *w;
};

static void *freer_main(void *arg)
{
	struct freer *f = arg;

	kmm_shrinker_free(f->s);
	__atomic_store_n(&f->w->freed_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct scanner {
	kmm_machine *m;
};

static void *scanner_main(void *arg)
{
	struct scanner *sc = arg;

	shrink_slab(sc->m, GFP_KERNEL, 0, 0, NULL);
	return NULL;
}

static bool still_registered(kmm_machine *m, struct shrinker *s)
{
	bool r;

	kmm_spin_lock(&m->reclaim->shrinker_lock);
	r = s->flags & SHRINKER_REGISTERED;
	kmm_spin_unlock(&m->reclaim->shrinker_lock);
	return r;
}

static void test_shrinker_free_waits_for_running_scan(void **state)
{
	kmm_machine *m = test_boot(QUIET, &log_);
	struct slow w = { 0, 0, 0 };
	struct shrinker *s = kmm_shrinker_alloc(m, 0, "slow");
	struct scanner sc = { m };
	struct freer fr;
	pthread_t t1, t2;

	(void)state;
	s->count_objects = slow_count;
	s->scan_objects = slow_scan;
	s->private_data = &w;
	kmm_shrinker_register(s);
	fr.s = s;
	fr.w = &w;
	assert_int_equal(pthread_create(&t1, NULL, scanner_main, &sc), 0);
	assert_true(wait_until(__atomic_load_n(&w.inside, __ATOMIC_ACQUIRE), 10000));
	assert_int_equal(pthread_create(&t2, NULL, freer_main, &fr), 0);
	/* the free has unregistered it (no new walker finds it) but waits for the scan */
	assert_true(wait_until(!still_registered(m, s), 10000));
	assert_false(__atomic_load_n(&w.freed_done, __ATOMIC_ACQUIRE));
	__atomic_store_n(&w.release, 1, __ATOMIC_RELEASE);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_true(w.freed_done);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/*
 * No page lost: shrinkers come and go (numa-aware ones with a deferred
 * counter per node), are scanned at every priority and freed; slab caches
 * are filled, emptied and dropped. Afterwards the machine's free pages,
 * with empty slabs dropped and the per-CPU lists drained, are what they
 * were after a warm-up round of the same work.
 */
static void test_no_page_lost(void **state)
{
	kmm_machine *m =
		test_boot("mem=256M nr_cpus=2 numa=fake=2 kswapd=0 page_reporting=0", &log_);
	unsigned long baseline = 0;

	(void)state;
	for (int round = 0; round < 3; round++) {
		struct fake f = { .objects = 1 << 16 };
		struct shrinker *s[8];
		struct kmem_cache *c = kmm_kmem_cache_create(m, "lossless", 512, 0, 0, NULL);
		void *obj[256];

		assert_non_null(c);
		for (int i = 0; i < 8; i++) {
			s[i] = kmm_shrinker_alloc(m, (i & 1) ? SHRINKER_NUMA_AWARE : 0,
						  "lossless-%d", i);
			assert_non_null(s[i]);
			s[i]->count_objects = fake_count;
			s[i]->scan_objects = fake_scan;
			s[i]->seeks = DEFAULT_SEEKS;
			s[i]->private_data = &f;
			kmm_shrinker_register(s[i]);
		}
		for (int i = 0; i < 256; i++)
			assert_non_null(obj[i] = kmm_kmem_cache_alloc(m, c, GFP_KERNEL));
		for (int prio = DEF_PRIORITY; prio >= 0; prio--)
			for (int nid = 0; nid < 2; nid++)
				shrink_slab(m, GFP_KERNEL, nid, prio, NULL);
		for (int i = 0; i < 256; i++)
			kmm_kmem_cache_free(m, c, obj[i]);
		for (int i = 0; i < 8; i++)
			kmm_shrinker_free(s[i]);
		kmm_kmem_cache_destroy(m, c);
		assert_true(f.calls > 0);
		if (round == 0)
			baseline = rt_settled_free(m); /* after the warm-up round */
		else
			assert_no_page_lost(m, baseline);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proportional_scan),
		cmocka_unit_test(test_small_cache_is_scanned_once_pressure_asks_for_all),
		cmocka_unit_test(test_stop_empty_and_scanned),
		cmocka_unit_test(test_numa_aware_and_gfp_gating),
		cmocka_unit_test(test_nofs_scope_reaches_reclaim),
		cmocka_unit_test(test_api_misuse),
		cmocka_unit_test(test_slab_shrinker_and_drop_slab),
		cmocka_unit_test(test_shrinker_free_waits_for_running_scan),
		cmocka_unit_test(test_no_page_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
