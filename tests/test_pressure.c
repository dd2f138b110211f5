/* SPDX-License-Identifier: MIT */
/*
 * tests/test_pressure.c - the page allocator's behaviour under memory
 * pressure, with threads: a blocking allocation waits on a real wait and
 * proceeds when another thread frees; an atomic allocation under
 * pressure dips into the reserves and wakes kswapd; the OOM killer fires
 * only when nothing can be reclaimed, its victim callback frees memory
 * and the allocation succeeds; an exiting victim is waited for; NOFAIL
 * waits; the retry modifiers (NORETRY, RETRY_MAYFAIL, costly orders)
 * never reach the OOM killer; PF_MEMALLOC (noreclaim) never reclaims.
 * Every wait for another thread is on a condition with a timeout.
 */
#include "kmm_test.h"
#include "reclaim_test.h"

#include <stdio.h>
#include <string.h>

#include "reclaim/reclaim.h"

static struct test_log log_;

#define ONE_ZONE "memmap=exactmap memmap=64M@16M nr_cpus=2 pcp=0 page_reporting=0"
#define NOTHREADS ONE_ZONE " kswapd=0"

struct hoard {
	struct page **p;
	int n, cap;
};

static void hoard_init(struct hoard *h, int cap)
{
	h->p = calloc((size_t)cap, sizeof(*h->p));
	h->n = 0;
	h->cap = cap;
}

/* Take every page gfp can get. */
static void hoard_fill(kmm_machine *m, struct hoard *h, gfp_t gfp)
{
	struct page *p;

	while (h->n < h->cap && (p = kmm_alloc_pages(m, gfp | __GFP_NOWARN, 0)) != NULL)
		h->p[h->n++] = p;
}

static void hoard_release(kmm_machine *m, struct hoard *h, int keep)
{
	while (h->n > keep)
		kmm_free_pages(m, h->p[--h->n], 0);
}

static void hoard_free(kmm_machine *m, struct hoard *h)
{
	hoard_release(m, h, 0);
	free(h->p);
}

/* ---- a thread that allocates ------------------------------------------------------------- */

struct allocator {
	kmm_machine *m;
	gfp_t gfp;
	unsigned int order;
	struct page *page;
	int done;
	pthread_t thread;
};

static void *allocator_main(void *arg)
{
	struct allocator *a = arg;

	a->page = kmm_alloc_pages(a->m, a->gfp, a->order);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void allocator_start(struct allocator *a, kmm_machine *m, gfp_t gfp, unsigned int order)
{
	a->m = m;
	a->gfp = gfp;
	a->order = order;
	a->page = NULL;
	a->done = 0;
	assert_int_equal(pthread_create(&a->thread, NULL, allocator_main, a), 0);
}

static bool allocator_done(struct allocator *a)
{
	return __atomic_load_n(&a->done, __ATOMIC_ACQUIRE);
}

static bool someone_waits(kmm_machine *m)
{
	return __atomic_load_n(&m->alloc_waiters, __ATOMIC_ACQUIRE) > 0;
}

/* ---- scenarios ------------------------------------------------------------------------------ */

static void test_blocking_allocation_waits_for_a_free(void **state)
{
	kmm_machine *m = test_boot(ONE_ZONE, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct hoard h;
	struct allocator a;

	(void)state;
	hoard_init(&h, 20000);
	hoard_fill(m, &h, GFP_KERNEL | __GFP_NORETRY);
	hoard_fill(m, &h, GFP_ATOMIC);
	assert_null(kmm_alloc_pages(m, GFP_ATOMIC | __GFP_NOWARN, 0));
	/*
	 * GFP_NOFS may block but the OOM killer does not act for it: it waits
	 * for memory (the kernel's IO-less reclaim rule).
	 */
	allocator_start(&a, m, GFP_NOFS, 0);
	assert_true(wait_until(someone_waits(m), 10000));
	assert_false(allocator_done(&a));
	hoard_release(m, &h, h.n - 600); /* give the zone back above min */
	assert_true(wait_until(allocator_done(&a), 10000));
	pthread_join(a.thread, NULL);
	assert_non_null(a.page);
	assert_int_equal(rt_event(m, OOM_KILL), 0);
	kmm_free_pages(m, a.page, 0);
	hoard_free(m, &h);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_nofail_waits(void **state)
{
	kmm_machine *m = test_boot(ONE_ZONE, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct hoard h;
	struct allocator a;

	(void)state;
	hoard_init(&h, 20000);
	hoard_fill(m, &h, GFP_KERNEL | __GFP_NORETRY);
	hoard_fill(m, &h, GFP_ATOMIC);
	hoard_fill(m, &h, GFP_KERNEL | __GFP_MEMALLOC); /* the last reserves */
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0));
	allocator_start(&a, m, GFP_KERNEL | __GFP_NOFAIL, 0);
	assert_true(wait_until(someone_waits(m), 10000));
	assert_false(allocator_done(&a));
	/* no victim: the OOM killer has nothing to kill, and NOFAIL does not fail */
	assert_true(wait_until(test_log_contains(&log_, "invoked oom-killer"), 10000));
	assert_false(allocator_done(&a));
	hoard_release(m, &h, h.n - 1);
	assert_true(wait_until(allocator_done(&a), 10000));
	pthread_join(a.thread, NULL);
	assert_non_null(a.page);
	kmm_free_pages(m, a.page, 0);
	hoard_free(m, &h);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_atomic_uses_reserves_and_wakes_kswapd(void **state)
{
	kmm_machine *m = test_boot(ONE_ZONE " watermark_boost_factor=0", &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct zone *z = rt_zone(m, 0, KMM_ZONE_DMA32);
	struct user_cache *c = uc_create(m, 1 << 16, 0, DEFAULT_SEEKS);
	unsigned long wakes, stalls, min = min_wmark_pages(z);
	struct kmm_kswapd_info ki;
	bool dipped = false;
	struct hoard h;

	(void)state;
	hoard_init(&h, 4096);
	/* the cache holds the memory, its shrinker refuses work for now */
	uc_gate(c, 1);
	while (uc_add(c, (GFP_KERNEL & ~__GFP_KSWAPD_RECLAIM) | __GFP_NORETRY | __GFP_NOWARN))
		;
	stalls = rt_allocstalls(m);
	/* below min: only an allocation with reserve rights gets a page, and it wakes kswapd */
	assert_null(kmm_alloc_pages(m, GFP_NOWAIT | __GFP_NOWARN, 0));
	wakes = rt_event(m, KSWAPD_WAKE);
	for (int i = 0; i < 32; i++) {
		struct page *p = kmm_alloc_pages(m, GFP_ATOMIC, 0);

		assert_non_null(p);
		h.p[h.n++] = p;
		dipped |= kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32) < min;
	}
	assert_true(dipped);
	assert_true(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32) >= min - min / 2 - min / 4);
	assert_true(rt_event(m, KSWAPD_WAKE) > wakes);
	assert_int_equal(rt_allocstalls(m), stalls);
	/* the wakeups reached the thread: it ran (and, the cache refusing, freed nothing) */
	assert_true(wait_until((kmm_kswapd_info(m, 0, &ki), ki.runs > 0), 10000));
	/*
	 * The cache lets go: a blocking allocation reclaims directly, which
	 * also ends kswapd's hopeless state if it got there; then kswapd,
	 * woken again, brings the zone back above high.
	 */
	uc_gate(c, 0);
	assert_non_null(h.p[h.n++] = kmm_alloc_pages(m, GFP_KERNEL, 0));
	assert_non_null(h.p[h.n++] = kmm_alloc_pages(m, GFP_ATOMIC, 0));
	assert_true(wait_until(kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32) >= high_wmark_pages(z),
			       10000));
	hoard_free(m, &h);
	uc_destroy(c);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- OOM ------------------------------------------------------------------------------ */

struct victim {
	kmm_machine *m;
	struct hoard *h;
	int keep;
	int calls;
	int exiting;	 /* free from another thread instead */
	int release_now; /* set by the callback for the helper thread */
};

static unsigned long victim_kill(void *ctx, const struct oom_control *oc, struct kmm_oom_victim *v)
{
	struct victim *vc = ctx;
	unsigned long freed;

	(void)oc;
	vc->calls++;
	if (vc->h->n <= vc->keep)
		return 0;
	strcpy(v->comm, "hog");
	v->pid = 4242;
	v->rss_pages = (unsigned long)(vc->h->n - vc->keep);
	if (vc->exiting) {
		__atomic_store_n(&vc->release_now, 1, __ATOMIC_RELEASE);
		return KMM_OOM_VICTIM_EXITING;
	}
	freed = (unsigned long)(vc->h->n - vc->keep);
	hoard_release(vc->m, vc->h, vc->keep);
	return freed;
}

static void test_oom_only_when_nothing_reclaimable(void **state)
{
	kmm_machine *m = test_boot(NOTHREADS, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct user_cache *c = uc_create(m, 1 << 16, 0, DEFAULT_SEEKS);
	struct hoard h;
	struct victim vc = { .m = m, .keep = 0 };
	struct page *p;

	(void)state;
	hoard_init(&h, 20000);
	vc.h = &h;
	kmm_set_oom_victim(m, victim_kill, &vc);
	/* the cache is reclaimable: allocating past memory never reaches the OOM killer */
	for (int i = 0; i < 40000; i++)
		assert_true(uc_add(c, GFP_KERNEL));
	assert_int_equal(vc.calls, 0);
	assert_int_equal(rt_event(m, OOM_KILL), 0);
	assert_true(rt_event(m, PGSTEAL_DIRECT) > 0);
	assert_true(rt_event(m, ALLOCSTALL_NORMAL) > 0);
	/* now the memory is held by the hog, which nothing can reclaim */
	uc_destroy(c);
	hoard_fill(m, &h, GFP_KERNEL | __GFP_NORETRY);
	test_log_clear(&log_);
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	assert_int_equal(vc.calls, 1);
	assert_int_equal(rt_event(m, OOM_KILL), 1);
	assert_true(test_log_contains(&log_,
				      "invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0"));
	assert_true(test_log_contains(&log_, "Out of memory: Killed process 4242 (hog)"));
	kmm_free_pages(m, p, 0);
	/* a notifier that frees is enough: no kill */
	hoard_fill(m, &h, GFP_KERNEL | __GFP_NORETRY);
	kmm_set_oom_victim(m, NULL, NULL);
	test_log_clear(&log_);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0));
	assert_true(test_log_contains(&log_, "Out of memory and no killable processes..."));
	hoard_free(m, &h);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static struct hoard *notifier_hoard;
static kmm_machine *notifier_m;

static int free_some(void *ctx, unsigned long event, unsigned long *freed)
{
	int n = notifier_hoard->n < 64 ? notifier_hoard->n : 64;

	(void)ctx;
	(void)event;
	hoard_release(notifier_m, notifier_hoard, notifier_hoard->n - n);
	*freed += (unsigned long)n;
	return 0;
}

static void test_oom_notifier_chain(void **state)
{
	kmm_machine *m = test_boot(NOTHREADS, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct hoard h;
	struct page *p;

	(void)state;
	hoard_init(&h, 20000);
	notifier_hoard = &h;
	notifier_m = m;
	assert_int_equal(kmm_register_oom_notifier(m, free_some, NULL), KMM_OK);
	assert_int_equal(kmm_register_oom_notifier(m, free_some, NULL), KMM_EINVAL);
	assert_int_equal(kmm_register_oom_notifier(m, NULL, NULL), KMM_EINVAL);
	for (int i = 1; i < 8; i++)
		assert_int_equal(kmm_register_oom_notifier(m, free_some, (void *)(intptr_t)i),
				 KMM_OK);
	assert_int_equal(kmm_register_oom_notifier(m, free_some, (void *)99), KMM_ENOMEM);
	for (int i = 1; i < 8; i++)
		assert_int_equal(kmm_unregister_oom_notifier(m, free_some, (void *)(intptr_t)i),
				 KMM_OK);
	assert_int_equal(kmm_unregister_oom_notifier(m, free_some, (void *)99), KMM_EINVAL);
	hoard_fill(m, &h, GFP_KERNEL | __GFP_NORETRY);
	test_log_clear(&log_);
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	/* the notifier's pages were enough: no report, no kill */
	assert_false(test_log_contains(&log_, "invoked oom-killer"));
	assert_int_equal(rt_event(m, OOM_KILL), 0);
	kmm_free_pages(m, p, 0);
	assert_int_equal(kmm_unregister_oom_notifier(m, free_some, NULL), KMM_OK);
	hoard_free(m, &h);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

struct releaser {
	struct victim *vc;
	pthread_t thread;
};

static void *releaser_main(void *arg)
{
	struct releaser *r = arg;

	while (!__atomic_load_n(&r->vc->release_now, __ATOMIC_ACQUIRE))
		rt_nap();
	hoard_release(r->vc->m, r->vc->h, r->vc->keep);
	return NULL;
}

static void test_oom_waits_for_an_exiting_victim(void **state)
{
	kmm_machine *m = test_boot(NOTHREADS, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct hoard h;
	struct victim vc = { .m = m, .keep = 0, .exiting = 1 };
	struct releaser r = { .vc = &vc };
	struct page *p;

	(void)state;
	hoard_init(&h, 20000);
	vc.h = &h;
	hoard_fill(m, &h, GFP_KERNEL | __GFP_NORETRY);
	kmm_set_oom_victim(m, victim_kill, &vc);
	assert_int_equal(pthread_create(&r.thread, NULL, releaser_main, &r), 0);
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	pthread_join(r.thread, NULL);
	assert_non_null(p);
	assert_true(vc.calls >= 1);
	kmm_free_pages(m, p, 0);
	hoard_free(m, &h);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_retry_modifiers_never_oom(void **state)
{
	kmm_machine *m = test_boot(NOTHREADS, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct hoard h;
	struct victim vc = { .m = m, .keep = 0 };

	(void)state;
	hoard_init(&h, 20000);
	vc.h = &h;
	kmm_set_oom_victim(m, victim_kill, &vc);
	hoard_fill(m, &h, GFP_KERNEL | __GFP_NORETRY);
	/* one round of reclaim, then failure */
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0));
	/* retries while reclaim progresses, but never kills */
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, 0));
	/* costly orders: no OOM killer for them */
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 4));
	/* lowmem-only requests: no OOM killer either */
	assert_null(kmm_alloc_pages(m, GFP_DMA32 | GFP_KERNEL | __GFP_NOWARN, 0));
	/* an atomic request never sleeps nor reclaims: it takes from the reserves */
	{
		unsigned long stalls = rt_allocstalls(m);
		struct page *p = kmm_alloc_pages(m, GFP_ATOMIC, 0);

		assert_non_null(p);
		assert_int_equal(rt_allocstalls(m), stalls);
		h.p[h.n++] = p;
	}
	assert_int_equal(vc.calls, 0);
	assert_int_equal(rt_event(m, OOM_KILL), 0);
	hoard_free(m, &h);
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_noreclaim_scope_and_nofail_order_warning(void **state)
{
	kmm_machine *m = test_boot(NOTHREADS, &log_);
	unsigned long boot_free = rt_settled_free(m);
	struct user_cache *c = uc_create(m, 1 << 16, 0, 0);
	unsigned long stalls;
	unsigned int flags;
	struct page *p;

	(void)state;
	uc_gate(c, 1);
	while (uc_add(c, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN))
		;
	uc_gate(c, 0);
	/* PF_MEMALLOC: no direct reclaim (no recursion), but the reserves below min */
	stalls = rt_allocstalls(m);
	flags = kmm_memalloc_noreclaim_save();
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	kmm_memalloc_noreclaim_restore(flags);
	assert_non_null(p);
	assert_int_equal(rt_allocstalls(m), stalls);
	kmm_free_pages(m, p, 0);
	/* outside the scope the same request reclaims */
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	assert_true(rt_allocstalls(m) > stalls);
	kmm_free_pages(m, p, 0);
	uc_destroy(c);
	/* __GFP_NOFAIL above order 1: warned once, as the kernel warns */
	test_log_clear(&log_);
	p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOFAIL, 2);
	assert_non_null(p);
	assert_true(test_log_contains(&log_, "__GFP_NOFAIL allocation of order 2"));
	kmm_free_pages(m, p, 2);
	test_log_clear(&log_);
	p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOFAIL, 1);
	kmm_free_pages(m, p, 1);
	p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOFAIL, 3);
	kmm_free_pages(m, p, 3);
	assert_false(test_log_contains(&log_, "__GFP_NOFAIL"));
	assert_no_page_lost(m, boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocking_allocation_waits_for_a_free),
		cmocka_unit_test(test_nofail_waits),
		cmocka_unit_test(test_atomic_uses_reserves_and_wakes_kswapd),
		cmocka_unit_test(test_oom_only_when_nothing_reclaimable),
		cmocka_unit_test(test_oom_notifier_chain),
		cmocka_unit_test(test_oom_waits_for_an_exiting_victim),
		cmocka_unit_test(test_retry_modifiers_never_oom),
		cmocka_unit_test(test_noreclaim_scope_and_nofail_order_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
