/* SPDX-License-Identifier: MIT */
/*
 * tests/test_oom_constraint.c - out_of_memory with a nodemask, an unnamed
 * victim and a bad oom_control (src/reclaim/oom_kill.c).
 *
 * What this proves: an oom_control whose nodemask leaves out some of the
 * machine's nodes is CONSTRAINT_MEMORY_POLICY, and the oom-kill line prints
 * that mask as Linux's nodelist ("0-1,3": runs joined, singles alone) next
 * to mems_allowed of all nodes; a victim callback that names no task is
 * reported as "victim"; a victim that frees nothing is
 * "no killable processes"; an order past MAX_ORDER or a NULL control is
 * refused with a report and runs no victim.
 */
#include "kmm_test.h"

#include <kmm/reclaim.h>

static struct test_log log_;

struct held {
	kmm_machine *m;
	struct page *page;
	int calls;
};

static unsigned long kill_one(void *ctx, const struct oom_control *oc, struct kmm_oom_victim *v)
{
	struct held *h = ctx;

	(void)oc;
	h->calls++;
	if (!h->page)
		return 0;
	v->pid = 4242;
	v->rss_pages = 4;
	kmm_free_pages(h->m, h->page, 2);
	h->page = NULL;
	return 4;
}

static void test_nodemask_constraint(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2 numa=fake=4 kswapd=0 page_reporting=0", &log_);
	uint64_t mask = 0xb; /* nodes 0, 1, 3 */
	struct oom_control oc = { .nodemask = &mask, .gfp_mask = GFP_KERNEL, .order = 0 };
	struct held h = { m, NULL, 0 };

	(void)state;
	h.page = kmm_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(h.page);
	kmm_set_oom_victim(m, kill_one, &h);
	test_log_clear(&log_);
	assert_int_equal(kmm_out_of_memory(m, &oc), 1);
	assert_int_equal(h.calls, 1);
	assert_true(test_log_contains(&log_, "oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,"
					     "nodemask=0-1,3,cpuset=/,mems_allowed=0-3,"));
	assert_true(test_log_contains(&log_, "Killed process 4242 (victim) total-vm:"));
	/* a full mask is no constraint */
	mask = 0xf;
	h.page = kmm_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(h.page);
	test_log_clear(&log_);
	assert_int_equal(kmm_out_of_memory(m, &oc), 1);
	assert_true(test_log_contains(&log_, "constraint=CONSTRAINT_NONE,nodemask=0-3,"));
	/* nothing left to kill */
	test_log_clear(&log_);
	assert_int_equal(kmm_out_of_memory(m, &oc), 0);
	assert_true(test_log_contains(&log_, "Out of memory and no killable processes..."));
	assert_int_equal(h.calls, 3);
	/* refused: no victim runs */
	test_log_clear(&log_);
	oc.order = 11;
	assert_int_equal(kmm_out_of_memory(m, &oc), 0);
	assert_true(test_log_contains(&log_, "out_of_memory: invalid oom_control"));
	assert_int_equal(kmm_out_of_memory(m, NULL), 0);
	oc.order = -1;
	assert_int_equal(kmm_out_of_memory(m, &oc), 0);
	assert_int_equal(h.calls, 3);
	assert_false(test_log_contains(&log_, "Killed process"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodemask_constraint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
