/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_barn.c - the per-node barn (src/slab/barn.c): objects
 * freed on one CPU and allocated on another pass between the two CPUs'
 * arrays in whole batches, without going back to their slabs.
 *
 * The thread moves itself between two host CPUs (machine CPU = host CPU),
 * so each step knows which CPU's array it uses: allocate on CPU a, free on
 * CPU b (b's array fills and flushes), allocate again on CPU a (a's array
 * refills). With the barn the refills are the batches b flushed, and the
 * node's slabs see none of it (free_objects does not move); kmm_check
 * validates the barn's entries; kmem_cache_shrink and kmem_cache_destroy
 * give its objects and its page back. A last test runs a producer and a
 * consumer thread on the two CPUs at once (label threads: ThreadSanitizer
 * in CI). On a host with one CPU they are reported as skipped (cmocka's skip()).
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/percpu.h>
#include <kmm/slab.h>

#include "machine.h"
#include "slab/slab.h"

#define NOBJ 600

static struct test_log log_;

static int host_cpus(void)
{
	cpu_set_t set;

	test_unpin();
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

/*
 * These tests move work between two host CPUs; on a host with one there is
 * nothing to test, and cmocka reports them as skipped, not passed (CI's
 * machines have two CPUs, so they run there).
 */
static void need_two_cpus(void)
{
	if (host_cpus() < 2)
		skip();
}

/* Free pages once the caches are shrunk and the per-CPU page lists drained. */
static unsigned long settled_free_pages(kmm_machine *m)
{
	kmm_slab_shrink_all(m);
	kmm_drain_all_pages(m, NULL);
	return test_free_pages(m);
}

static kmm_machine *boot(void)
{
	return test_boot("mem=256M nr_cpus=8", &log_);
}

static struct slab_barn *barn0(struct kmem_cache *s)
{
	return &get_node(s, 0)->barn;
}

static bool in(void *const *set, int n, const void *p)
{
	for (int i = 0; i < n; i++)
		if (set[i] == p)
			return true;
	return false;
}

/* NOBJ objects allocated on CPU index 0, freed on CPU index 1. */
static void alloc_here_free_there(kmm_machine *m, struct kmem_cache *s, void **objs)
{
	test_pin_cpu(0);
	for (int i = 0; i < NOBJ; i++) {
		objs[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
		assert_non_null(objs[i]);
		memset(objs[i], 0x5a, 64);
	}
	test_pin_cpu(1);
	for (int i = 0; i < NOBJ; i++)
		kmm_kmem_cache_free(m, s, objs[i]);
}

static void test_remote_batches_bypass_the_slabs(void **state)
{
	static void *objs[NOBJ], *held[512], *again[NOBJ], *kept[128];
	kmm_machine *m;
	struct kmem_cache *s;
	struct slab_barn *b;
	unsigned long free_before, gets_before;
	int nheld, nkept;

	(void)state;
	need_two_cpus();
	m = boot();
	s = kmm_kmem_cache_create(m, "barn64", 64, 0, 0, NULL);
	assert_non_null(s);
	assert_int_equal(s->batchcount, 60);
	alloc_here_free_there(m, s, objs);
	b = barn0(s);
	/* the first flush had no barn yet and asked for one; later ones filled it */
	assert_non_null(b->entry);
	assert_true(s->stat[SLAB_STAT_BARN_PUT] >= 1);
	assert_true(b->avail >= 60 && b->avail % 60 == 0);
	assert_true(b->avail <= b->cap);
	assert_int_equal(m->slab->barn_pages, 1);
	assert_consistent(m, &log_);

	nheld = b->avail;
	memcpy(held, b->entry, (size_t)nheld * sizeof(void *));
	free_before = get_node(s, 0)->free_objects;
	gets_before = s->stat[SLAB_STAT_BARN_GET];
	/* back on CPU 0; once what its array kept is used, its refills are CPU 1's batches */
	test_pin_cpu(0);
	nkept = cpu_array(s, m->slab->array_shift, sched_getcpu())->avail;
	for (int i = 0; i < nkept; i++)
		kept[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	free_before = get_node(s, 0)->free_objects;
	for (int i = 0; i < nheld; i++) {
		again[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
		assert_true(in(held, nheld, again[i]));
	}
	assert_int_equal(s->stat[SLAB_STAT_BARN_GET] - gets_before, (unsigned long)nheld / 60);
	assert_int_equal(b->avail, 0);
	/* not one of those objects went back to a slab or came out of one */
	assert_int_equal(get_node(s, 0)->free_objects, free_before);
	assert_consistent(m, &log_);
	for (int i = 0; i < nheld; i++)
		kmm_kmem_cache_free(m, s, again[i]);
	for (int i = 0; i < nkept; i++)
		kmm_kmem_cache_free(m, s, kept[i]);
	test_unpin();
	kmm_kmem_cache_destroy(m, s);
	assert_false(test_log_contains(&log_, "still has objects"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_shrink_and_destroy_empty_the_barn(void **state)
{
	static void *objs[NOBJ];
	kmm_machine *m;
	struct kmem_cache *s;
	unsigned long free_pages;

	(void)state;
	need_two_cpus();
	m = boot();
	free_pages = settled_free_pages(m);
	s = kmm_kmem_cache_create(m, "barn_shrink", 64, 0, 0, NULL);
	assert_non_null(s);
	alloc_here_free_there(m, s, objs);
	assert_true(barn0(s)->avail > 0);
	test_unpin();
	/* every object is free: the shrink leaves no slab, no barn and no barn page */
	assert_true(kmm_kmem_cache_shrink(m, s) > 0);
	assert_null(barn0(s)->entry);
	assert_int_equal(barn0(s)->avail, 0);
	assert_int_equal(m->slab->barn_pages, 0);
	assert_int_equal(get_node(s, 0)->nr_partial + get_node(s, 0)->nr_full, 0);
	assert_consistent(m, &log_);

	/* the barn fills again; destroy takes it down with the cache */
	alloc_here_free_there(m, s, objs);
	assert_true(barn0(s)->avail > 0);
	test_unpin();
	test_log_clear(&log_);
	kmm_kmem_cache_destroy(m, s);
	assert_false(test_log_contains(&log_, "still has objects"));
	assert_int_equal(m->slab->barn_pages, 0);
	assert_int_equal(settled_free_pages(m), free_pages);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_check_sees_a_damaged_barn(void **state)
{
	static void *objs[NOBJ];
	kmm_machine *m;
	struct kmem_cache *s;
	struct slab_barn *b;
	uint16_t avail;
	void *saved;

	(void)state;
	need_two_cpus();
	m = boot();
	s = kmm_kmem_cache_create(m, "barn_check", 64, 0, 0, NULL);
	assert_non_null(s);
	alloc_here_free_there(m, s, objs);
	test_unpin();
	b = barn0(s);
	assert_true(b->avail >= 2);
	assert_consistent(m, &log_);

	saved = b->entry[0];
	b->entry[0] = b->entry[1]; /* one object twice */
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "is in the barn twice"));
	b->entry[0] = (char *)saved + 8; /* not the start of an object */
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "is not an object of this cache"));
	b->entry[0] = saved;
	avail = b->avail;
	b->avail = (uint16_t)(b->cap + 1); /* more than it can hold */
	test_log_clear(&log_);
	assert_true(kmm_check(m) > 0);
	assert_true(test_log_contains(&log_, "barn buffer"));
	b->avail = avail;
	test_log_clear(&log_);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- a producer and a consumer on two CPUs at once ----------------------------------- */

#define RING 1024
#define TOTAL 200000

struct ring {
	void *slot[RING];
	unsigned long head, tail; /* atomic */
};

static kmm_machine *pm_;
static struct kmem_cache *ps_;
static struct ring ring_;
static char perr_[160];
static int pcpu_[2]; /* the two host CPUs, found by the main thread */

/* test_pin_cpu keeps its saved affinity in globals: the threads pin themselves. */
static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		abort();
}

static void *producer(void *arg)
{
	(void)arg;
	pin_to(pcpu_[0]);
	for (unsigned long i = 0; i < TOTAL; i++) {
		unsigned long *p = kmm_kmem_cache_alloc(pm_, ps_, GFP_KERNEL);

		if (!p) {
			snprintf(perr_, sizeof(perr_), "allocation %lu failed", i);
			return NULL;
		}
		p[0] = i;
		while (__atomic_load_n(&ring_.head, __ATOMIC_ACQUIRE) -
			       __atomic_load_n(&ring_.tail, __ATOMIC_ACQUIRE) ==
		       RING)
			sched_yield();
		ring_.slot[ring_.head % RING] = p;
		__atomic_store_n(&ring_.head, ring_.head + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pin_to(pcpu_[1]);
	for (unsigned long i = 0; i < TOTAL; i++) {
		unsigned long *p;

		while (__atomic_load_n(&ring_.tail, __ATOMIC_ACQUIRE) ==
		       __atomic_load_n(&ring_.head, __ATOMIC_ACQUIRE)) {
			if (perr_[0])
				return NULL;
			sched_yield();
		}
		p = ring_.slot[ring_.tail % RING];
		if (p[0] != i && !perr_[0])
			snprintf(perr_, sizeof(perr_), "object %lu carries %lu", i, p[0]);
		kmm_kmem_cache_free(pm_, ps_, p);
		__atomic_store_n(&ring_.tail, ring_.tail + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_producer_consumer(void **state)
{
	pthread_t p, c;
	unsigned long free_pages;

	(void)state;
	need_two_cpus();
	pm_ = boot();
	free_pages = settled_free_pages(pm_);
	ps_ = kmm_kmem_cache_create(pm_, "barn_pc", 128, 0, 0, NULL);
	assert_non_null(ps_);
	for (int i = 0; i < 2; i++) {
		test_pin_cpu(i);
		pcpu_[i] = sched_getcpu();
	}
	test_unpin();
	pthread_create(&p, NULL, producer, NULL);
	pthread_create(&c, NULL, consumer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	if (perr_[0])
		fail_msg("%s", perr_);
	print_message("barn: %lu batches in, %lu out; %lu slabs grown\n",
		      ps_->stat[SLAB_STAT_BARN_PUT], ps_->stat[SLAB_STAT_BARN_GET],
		      ps_->stat[SLAB_STAT_GROW]);
	assert_true(ps_->stat[SLAB_STAT_BARN_GET] > 100);
	assert_consistent(pm_, &log_);
	kmm_kmem_cache_destroy(pm_, ps_);
	assert_false(test_log_contains(&log_, "still has objects"));
	assert_int_equal(settled_free_pages(pm_), free_pages);
	assert_consistent(pm_, &log_);
	kmm_machine_destroy(pm_);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote_batches_bypass_the_slabs),
		cmocka_unit_test(test_shrink_and_destroy_empty_the_barn),
		cmocka_unit_test(test_check_sees_a_damaged_barn),
		cmocka_unit_test(test_producer_consumer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
