/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_stress.c - the slab allocator under threads: more
 * threads than CPUs allocate and free kmalloc objects of mixed sizes and
 * objects of shared caches (one with a constructor), in single calls and in
 * bulk, hand objects to each other so that frees happen on other CPUs (and
 * other nodes), while another thread shrinks the caches (draining every
 * CPU's array remotely). Every object carries a cookie (owner, serial,
 * size) written at allocation and checked at free; a constructed object's
 * constructor mark must survive. At the end everything is freed, every
 * empty slab given back, and kmm_check must find the machine consistent
 * with its free pages back where they started.
 *
 * Seeded (one xorshift stream per thread), so a failure replays the same
 * operations; run by the ThreadSanitizer stage (label "threads").
 */
#include "kmm_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/slab.h>

#ifdef KMM_SANITIZED
#define OPS_PER_THREAD 20000
#else
#define OPS_PER_THREAD 200000
#endif
#define THREADS 5
#define HELD 512
#define MAILBOX 256
#define CTOR_MARK 0x5eedc0deu

struct cookie {
	uint32_t owner;
	uint32_t serial;
	uint64_t size;
	uint64_t check;
};

struct held {
	void *p;
	size_t size;
	int kind; /* 0 kmalloc, 1 cache a, 2 cache b (ctor) */
};

struct shared {
	kmm_machine *m;
	struct kmem_cache *a, *b;
	pthread_mutex_t lock;
	struct held mailbox[MAILBOX];
	int nmail;
	int stop;
	unsigned long ctor_runs;
	int failures;
	char why[256];
};

static struct shared sh;

static void fail_once(const char *why)
{
	pthread_mutex_lock(&sh.lock);
	if (!sh.failures++)
		snprintf(sh.why, sizeof(sh.why), "%s", why);
	pthread_mutex_unlock(&sh.lock);
}

static void ctor_b(void *obj)
{
	uint32_t mark = CTOR_MARK;

	memcpy((char *)obj + 200, &mark, sizeof(mark));
	__atomic_add_fetch(&sh.ctor_runs, 1, __ATOMIC_RELAXED);
}

static uint64_t cookie_check(const struct cookie *c)
{
	return ((uint64_t)c->owner << 40) ^ ((uint64_t)c->serial << 8) ^ c->size ^ 0xa5a5a5a5ull;
}

static void stamp(struct held *h, uint32_t owner, uint32_t serial)
{
	struct cookie c = { owner, serial, h->size, 0 };

	c.check = cookie_check(&c);
	if (h->size > sizeof(c)) /* the tail byte must not overlap the cookie */
		memcpy(h->p, &c, sizeof(c));
	((unsigned char *)h->p)[h->size - 1] = (unsigned char)(serial ^ owner);
}

static void verify(const struct held *h)
{
	struct cookie c;

	if (h->size > sizeof(c)) {
		memcpy(&c, h->p, sizeof(c));
		if (c.check != cookie_check(&c) || c.size != h->size)
			fail_once("cookie damaged");
		if (((unsigned char *)h->p)[h->size - 1] != (unsigned char)(c.serial ^ c.owner))
			fail_once("tail byte damaged");
	}
	if (h->kind == 2) {
		uint32_t mark;

		memcpy(&mark, (char *)h->p + 200, sizeof(mark));
		if (mark != CTOR_MARK)
			fail_once("constructed state lost");
	}
}

static void release(const struct held *h)
{
	verify(h);
	switch (h->kind) {
	case 0:
		kmm_kfree(sh.m, h->p);
		break;
	case 1:
		kmm_kmem_cache_free(sh.m, sh.a, h->p);
		break;
	default:
		kmm_kmem_cache_free(sh.m, sh.b, h->p);
	}
}

static bool take(struct held *h, uint64_t *seed)
{
	uint64_t r = test_rand(seed);

	switch (r % 8) {
	case 0:
		h->kind = 1;
		h->size = 48;
		h->p = kmm_kmem_cache_alloc(sh.m, sh.a, GFP_KERNEL);
		break;
	case 1:
		h->kind = 2;
		h->size = 160; /* below the constructor's mark at 200 */
		h->p = kmm_kmem_cache_alloc(sh.m, sh.b, GFP_KERNEL);
		break;
	default:
		h->kind = 0;
		h->size = (r >> 8) % 64 == 0 ? 8193 + (r >> 20) % 30000 : 1 + (r >> 20) % 2048;
		h->p = kmm_kmalloc(sh.m, h->size, GFP_KERNEL);
	}
	if (!h->p)
		fail_once("allocation failed");
	return h->p != NULL;
}

static void *worker(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (id + 1);
	struct held held[HELD];
	int n = 0;

	for (uint32_t op = 0; op < OPS_PER_THREAD; op++) {
		uint64_t r = test_rand(&seed);

		if (n < HELD && (n == 0 || r % 100 < 52)) {
			if (take(&held[n], &seed)) {
				stamp(&held[n], id, op);
				n++;
			}
		} else if (r % 100 < 92) {
			int i = (int)((r >> 16) % (uint64_t)n);

			release(&held[i]);
			held[i] = held[--n];
		} else if (r % 100 < 97) {
			/* hand an object to whoever looks next */
			int i = (int)((r >> 16) % (uint64_t)n);

			pthread_mutex_lock(&sh.lock);
			if (sh.nmail < MAILBOX) {
				sh.mailbox[sh.nmail++] = held[i];
				held[i] = held[--n];
			}
			pthread_mutex_unlock(&sh.lock);
		} else if (r % 100 < 99) {
			/* free what others handed over */
			struct held got[16];
			int g = 0;

			pthread_mutex_lock(&sh.lock);
			while (sh.nmail && g < 16)
				got[g++] = sh.mailbox[--sh.nmail];
			pthread_mutex_unlock(&sh.lock);
			while (g)
				release(&got[--g]);
		} else {
			/* bulk: all or nothing, all valid */
			void *p[32];
			int k = 1 + (int)((r >> 16) % 32);

			if (kmm_kmem_cache_alloc_bulk(sh.m, sh.a, GFP_KERNEL, (size_t)k, p) != k) {
				fail_once("bulk allocation failed");
				continue;
			}
			for (int i = 0; i < k; i++)
				memset(p[i], (int)id, 48);
			for (int i = 0; i < k; i++)
				for (int j = 0; j < 48; j += 8)
					if (((unsigned char *)p[i])[j] != (unsigned char)id)
						fail_once("bulk object shared");
			kmm_kmem_cache_free_bulk(sh.m, sh.a, (size_t)k, p);
		}
	}
	while (n)
		release(&held[--n]);
	return NULL;
}

static void *shrinker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&sh.stop, __ATOMIC_ACQUIRE)) {
		kmm_kmem_cache_shrink(sh.m, sh.a);
		kmm_kmem_cache_shrink(sh.m, sh.b);
		kmm_slab_shrink_all(sh.m);
		sched_yield();
	}
	return NULL;
}

static void stress(const char *cmdline)
{
	struct test_log *log = calloc(1, sizeof(*log));
	pthread_t t[THREADS], s;
	unsigned long free_before;

	memset(&sh, 0, sizeof(sh));
	pthread_mutex_init(&sh.lock, NULL);
	sh.m = test_boot(cmdline, log);
	sh.a = kmm_kmem_cache_create(sh.m, "stress_a", 48, 0, 0, NULL);
	sh.b = kmm_kmem_cache_create(sh.m, "stress_b", 256, 0, SLAB_HWCACHE_ALIGN, ctor_b);
	assert_non_null(sh.a);
	assert_non_null(sh.b);
	kmm_slab_shrink_all(sh.m);
	free_before = test_free_pages(sh.m);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i), 0);
	assert_int_equal(pthread_create(&s, NULL, shrinker, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
	pthread_join(s, NULL);
	while (sh.nmail)
		release(&sh.mailbox[--sh.nmail]);
	if (sh.failures)
		fail_msg("%s: %d failures, first: %s\n%s", cmdline, sh.failures, sh.why, log->buf);
	assert_int_equal(log->len, 0);
	test_assert_consistent(sh.m, log, __FILE__, __LINE__);
	kmm_slab_shrink_all(sh.m);
	assert_int_equal(test_free_pages(sh.m), free_before);
	test_assert_consistent(sh.m, log, __FILE__, __LINE__);
	kmm_kmem_cache_destroy(sh.m, sh.a);
	kmm_kmem_cache_destroy(sh.m, sh.b);
	assert_int_equal(log->len, 0);
	kmm_machine_destroy(sh.m);
	pthread_mutex_destroy(&sh.lock);
	free(log);
}

static void test_stress_two_cpus(void **state)
{
	(void)state;
	stress("mem=1G nr_cpus=2 pcp=0");
}

static void test_stress_one_cpu(void **state)
{
	(void)state;
	/* every thread shares CPU 0's arrays: the per-CPU lock decides */
	stress("mem=1G nr_cpus=1 pcp=0");
}

static void test_stress_numa(void **state)
{
	(void)state;
	/* two nodes: frees on the other node go straight to the slab */
	stress("mem=1G nr_cpus=2 numa=fake=2 pcp=0");
}

static void test_stress_debug(void **state)
{
	(void)state;
	/* debug caches: every operation under the node lock, full checks */
	stress("mem=1G nr_cpus=2 pcp=0 slab_debug=FZPU,stress_*,kmalloc-64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_two_cpus),
		cmocka_unit_test(test_stress_one_cpu),
		cmocka_unit_test(test_stress_numa),
		cmocka_unit_test(test_stress_debug),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
