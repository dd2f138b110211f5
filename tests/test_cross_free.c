/* SPDX-License-Identifier: MIT */
/*
 * tests/test_cross_free.c - memory allocated on one thread and freed on
 * another. Four threads (more than the machine's CPUs) each allocate pages
 * (orders 0..3, plain and compound, with get_page/put_page pairs), kmalloc
 * objects of any size, objects of a shared cache and per-CPU objects,
 * stamp a cookie into each and hand it to the next thread through a queue;
 * each thread verifies and frees what the previous one handed it. So every
 * free of the run is remote: a page allocated from CPU a's list goes back
 * to CPU b's, an object from CPU a's array to CPU b's (and from there to
 * its slab on another node). Built under ThreadSanitizer in CI (label
 * "threads"). At the end: kmm_check, and after the drains the free pages
 * equal their value after boot.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/percpu.h>
#include <kmm/slab.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define CROSS_SLOW 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define CROSS_SLOW 1
#endif
#endif
#ifndef CROSS_SLOW
#define CROSS_SLOW 0
#endif

#define THREADS 4
#define QLEN 64
#define ITERS (CROSS_SLOW ? 4000 : 40000)

enum item_kind { ITEM_PAGE, ITEM_KMALLOC, ITEM_CACHE, ITEM_PERCPU };

struct item {
	enum item_kind kind;
	void *p;	   /* object, per-CPU pointer, or struct page */
	unsigned int order; /* pages */
	size_t size;
	uint64_t cookie;
};

struct queue {
	pthread_mutex_t lock;
	int head, count;
	struct item items[QLEN];
};

struct worker {
	int id;
	uint64_t seed;
	struct queue *out, *in;
	char error[200];
	long freed_remote;
	long made;
	int done;		   /* this worker made its last item (atomic) */
	struct worker *producer; /* the worker whose items this one frees */
};

static kmm_machine *m_;
static struct kmem_cache *cache_;
static struct queue queues[THREADS];
static pthread_barrier_t start_;

static bool push(struct queue *q, const struct item *it)
{
	bool ok = false;

	pthread_mutex_lock(&q->lock);
	if (q->count < QLEN) {
		q->items[(q->head + q->count) % QLEN] = *it;
		q->count++;
		ok = true;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

static bool pop(struct queue *q, struct item *it)
{
	bool ok = false;

	pthread_mutex_lock(&q->lock);
	if (q->count > 0) {
		*it = q->items[q->head];
		q->head = (q->head + 1) % QLEN;
		q->count--;
		ok = true;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

static void stamp(struct item *it)
{
	if (it->kind == ITEM_PAGE) {
		uint64_t *mem = kmm_page_address(m_, it->p);
		size_t words = (kmm_page_size(m_) << it->order) / 8;

		mem[0] = it->cookie;
		mem[words - 1] = ~it->cookie;
	} else if (it->kind == ITEM_PERCPU) {
		for (int cpu = 0; cpu < kmm_nr_cpus(m_); cpu++) {
			uint64_t v = it->cookie + (uint64_t)cpu;

			memcpy(kmm_per_cpu_ptr(m_, it->p, cpu, NULL, NULL), &v, 8);
		}
	} else {
		memcpy(it->p, &it->cookie, 8);
		((unsigned char *)it->p)[it->size - 1] = (unsigned char)it->cookie;
	}
}

static bool intact(const struct item *it)
{
	uint64_t v;

	if (it->kind == ITEM_PAGE) {
		const uint64_t *mem = kmm_page_address(m_, it->p);
		size_t words = (kmm_page_size(m_) << it->order) / 8;

		return mem[0] == it->cookie && mem[words - 1] == ~it->cookie;
	}
	if (it->kind == ITEM_PERCPU) {
		for (int cpu = 0; cpu < kmm_nr_cpus(m_); cpu++) {
			memcpy(&v, kmm_per_cpu_ptr(m_, it->p, cpu, NULL, NULL), 8);
			if (v != it->cookie + (uint64_t)cpu)
				return false;
		}
		return true;
	}
	memcpy(&v, it->p, 8);
	return v == it->cookie &&
	       ((unsigned char *)it->p)[it->size - 1] == (unsigned char)it->cookie;
}

static void release(struct item *it)
{
	switch (it->kind) {
	case ITEM_PAGE:
		if (it->cookie & 1) { /* a reference taken here and dropped with put_page */
			kmm_get_page(m_, it->p);
			kmm_put_page(m_, it->p);
		}
		kmm_free_pages(m_, it->p, it->order);
		break;
	case ITEM_KMALLOC:
		kmm_kfree(m_, it->p);
		break;
	case ITEM_CACHE:
		kmm_kmem_cache_free(m_, cache_, it->p);
		break;
	case ITEM_PERCPU:
		kmm_free_percpu(m_, it->p);
		break;
	}
}

static bool make(struct worker *w, struct item *it)
{
	uint64_t r = test_rand(&w->seed);

	it->cookie = r;
	it->kind = (enum item_kind)(r % 4);
	switch (it->kind) {
	case ITEM_PAGE:
		it->order = (unsigned int)(r >> 8) % 4;
		it->p = kmm_alloc_pages(m_, GFP_KERNEL | __GFP_NOWARN | ((r & 0x400) ? __GFP_COMP : 0),
					it->order);
		break;
	case ITEM_KMALLOC:
		it->size = 9 + (size_t)(r >> 12) % 3000;
		it->p = kmm_kmalloc(m_, it->size, GFP_KERNEL);
		break;
	case ITEM_CACHE:
		it->size = 200;
		it->p = kmm_kmem_cache_alloc(m_, cache_, GFP_KERNEL);
		break;
	default:
		if ((r >> 20) % 8) { /* per-CPU objects are rarer */
			it->kind = ITEM_KMALLOC;
			it->size = 64;
			it->p = kmm_kmalloc(m_, 64, GFP_KERNEL);
			break;
		}
		it->size = 8 + (size_t)(r >> 24) % 120;
		it->p = kmm_alloc_percpu(m_, it->size, 8);
		break;
	}
	if (!it->p)
		return false;
	stamp(it);
	return true;
}

/* Free one item of another thread's making; false when none is queued. */
static bool free_one_remote(struct worker *w)
{
	struct item it;

	if (!pop(w->in, &it))
		return false;
	if (!intact(&it) && !w->error[0]) {
		uint64_t v = 0;

		if (it.kind != ITEM_PAGE && it.kind != ITEM_PERCPU)
			memcpy(&v, it.p, 8);
		snprintf(w->error, sizeof(w->error),
			 "thread %d: item kind %d (%p, %zu bytes) from thread %d was "
			 "overwritten: %#llx, cookie %#llx",
			 w->id, it.kind, it.p, it.size, w->producer->id, (unsigned long long)v,
			 (unsigned long long)it.cookie);
	}
	release(&it);
	w->freed_remote++;
	return true;
}

/*
 * Every item a worker makes goes to the next worker, which frees it: while
 * the queue is full the maker frees from its own input (so the ring always
 * moves), and a worker that has made all its items keeps freeing until its
 * producer is done and the queue is empty. So no item is freed by its maker,
 * whatever the scheduler does.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&start_);
	for (int i = 0; i < ITERS && !w->error[0]; i++) {
		struct item mine;

		if (make(w, &mine)) {
			w->made++;
			while (!push(w->out, &mine))
				if (!free_one_remote(w))
					sched_yield();
		}
		for (int n = 0; n < 2 && free_one_remote(w); n++)
			;
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->producer->done, __ATOMIC_ACQUIRE) || free_one_remote(w))
		if (!free_one_remote(w))
			sched_yield();
	return NULL;
}

static void run_cross(const char *cmdline)
{
	static struct test_log log;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	unsigned long boot_free;
	struct item it;
	long remote = 0, made = 0;

	m_ = test_boot(cmdline, &log);
	cache_ = kmm_kmem_cache_create(m_, "cross", 200, 0, SLAB_HWCACHE_ALIGN, NULL);
	assert_non_null(cache_);
	kmm_slab_shrink_all(m_);
	kmm_drain_all_pages(m_, NULL);
	boot_free = test_free_pages(m_);
	for (int i = 0; i < THREADS; i++) {
		pthread_mutex_init(&queues[i].lock, NULL);
		queues[i].head = queues[i].count = 0;
	}
	pthread_barrier_init(&start_, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].seed = 0xc0ffee + (uint64_t)i * 7919;
		w[i].out = &queues[i];
		w[i].in = &queues[(i + THREADS - 1) % THREADS];
		w[i].error[0] = '\0';
		w[i].freed_remote = 0;
		w[i].made = 0;
		w[i].done = 0;
		w[i].producer = &w[(i + THREADS - 1) % THREADS];
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		if (w[i].error[0])
			fail_msg("%s", w[i].error);
		remote += w[i].freed_remote;
		made += w[i].made;
	}
	pthread_barrier_destroy(&start_);
	/* every queue is empty, and every item made was freed by another thread */
	for (int i = 0; i < THREADS; i++)
		assert_false(pop(&queues[i], &it));
	assert_int_equal(remote, made);
	assert_true(made >= ITERS);
	assert_false(test_log_contains(&log, "BUG"));
	assert_consistent(m_, &log);
	kmm_slab_shrink_all(m_);
	kmm_drain_all_pages(m_, NULL);
	assert_int_equal(test_free_pages(m_), boot_free);
	kmm_kmem_cache_destroy(m_, cache_);
	assert_false(test_log_contains(&log, "BUG"));
	assert_consistent(m_, &log);
	kmm_machine_destroy(m_);
	for (int i = 0; i < THREADS; i++)
		pthread_mutex_destroy(&queues[i].lock);
}

static void test_cross_thread_frees(void **state)
{
	(void)state;
	run_cross("mem=256M nr_cpus=2");
	run_cross("mem=512M nr_cpus=3 numa=fake=2");
	run_cross("mem=256M nr_cpus=2 pcp=0 slab_debug=FZ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_thread_frees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
