/* SPDX-License-Identifier: MIT */
/*
 * tests/test_regress.c - regression tests for bugs found by fuzzing and
 * stress runs (issue 16). Each test reproduces the original failure and
 * fails on the code before its fix:
 *  - get_page + put_page on the head of a plain order-2 block was reported
 *    as "freed with order 0, allocated with order 2" and the reference was
 *    not dropped, so the later __free_pages(p, 2) lost the block;
 *  - kmm_check run while other threads allocate and free order-0 pages
 *    reported "PG_pcp pages in the memmap but N listed": the memmap was
 *    counted before the per-CPU locks were taken.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <kmm/percpu.h>

static struct test_log log_;

static void put_page_plain_block(const char *cmdline)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	unsigned long boot_free = test_free_pages(m);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 2);

	assert_non_null(p);
	assert_int_equal(kmm_page_ref_count(m, p), 1);
	kmm_get_page(m, p);
	assert_int_equal(kmm_page_ref_count(m, p), 2);
	kmm_put_page(m, p); /* drops the extra reference only */
	assert_int_equal(kmm_page_ref_count(m, p), 1);
	assert_false(test_log_contains(&log_, "Bad page"));
	kmm_free_pages(m, p, 2); /* the last reference: the block is freed */
	assert_false(test_log_contains(&log_, "Bad page"));
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(test_free_pages(m), boot_free);
	assert_consistent(m, &log_);

	/* the other order: __free_pages drops its reference, put_page the last */
	p = kmm_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(p);
	kmm_get_page(m, p);
	kmm_free_pages(m, p, 2);
	assert_int_equal(kmm_page_ref_count(m, p), 1);
	kmm_put_page(m, p);
	assert_false(test_log_contains(&log_, "Bad page"));
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(test_free_pages(m), boot_free);

	/* put_page of the only reference frees the whole plain block */
	p = kmm_alloc_pages(m, GFP_KERNEL, 3);
	assert_non_null(p);
	kmm_put_page(m, p);
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(test_free_pages(m), boot_free);
	assert_false(test_log_contains(&log_, "Bad page"));

	/* still a misuse: put_page on a page inside the block, and a double put */
	p = kmm_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(p);
	kmm_put_page(m, kmm_pfn_to_page(m, kmm_page_to_pfn(m, p) + 2));
	assert_true(test_log_contains(&log_, "Bad page"));
	test_log_clear(&log_);
	kmm_put_page(m, p);
	kmm_put_page(m, p);
	assert_true(test_log_contains(&log_, "Bad page"));
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(test_free_pages(m), boot_free);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_put_page_plain_block(void **state)
{
	(void)state;
	put_page_plain_block("mem=64M nr_cpus=2");
	put_page_plain_block("mem=64M nr_cpus=1 pcp=0");
}

/* ---- kmm_check during order-0 traffic -------------------------------------------- */

struct churn {
	kmm_machine *m;
	int stop;
	uint64_t seed;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	struct page *held[64] = { 0 };

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned int i = (unsigned int)(test_rand(&c->seed) % 64);

		if (held[i]) {
			kmm_free_pages(c->m, held[i], 0);
			held[i] = NULL;
		} else {
			held[i] = kmm_alloc_pages(c->m, GFP_KERNEL, 0);
		}
	}
	for (int i = 0; i < 64; i++)
		if (held[i])
			kmm_free_pages(c->m, held[i], 0);
	return NULL;
}

static void test_check_during_order0_traffic(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2", &log_);
	struct churn c[2];
	pthread_t t[2];
	int problems = 0;

	(void)state;
	for (int i = 0; i < 2; i++) {
		c[i].m = m;
		c[i].stop = 0;
		c[i].seed = 0x1234567u + (uint64_t)i;
		pthread_create(&t[i], NULL, churn_thread, &c[i]);
	}
	for (int round = 0; round < 300; round++)
		problems += kmm_check(m);
	for (int i = 0; i < 2; i++) {
		__atomic_store_n(&c[i].stop, 1, __ATOMIC_RELAXED);
		pthread_join(t[i], NULL);
	}
	if (problems)
		fprintf(stderr, "%s", log_.buf);
	assert_int_equal(problems, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_page_plain_block),
		cmocka_unit_test(test_check_during_order0_traffic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
