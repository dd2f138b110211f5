/* SPDX-License-Identifier: MIT */
/*
 * tests/test_memory_notifiers.c - the memory notifier table
 * (src/hotplug/memory_block.c, register_memory_notifier).
 *
 * What this proves: the table holds KMM_MEMORY_NOTIFIERS entries and the
 * next registration is refused with -ENOMEM; unregistering an entry in the
 * middle keeps the others, in their order (a block's onlining calls
 * exactly the remaining ones, in registration order); unregistering an
 * entry that is not there, or with another ctx, is -EINVAL and changes
 * nothing; a veto from one notifier stops the onlining with -EBUSY and the
 * block stays offline. kmm_memory_block_info refuses a NULL info.
 * kmm_check is clean after each step.
 */
#include "kmm_test.h"

#include <kmm/hotplug.h>

#include "hotplug/hotplug.h" /* KMM_MEMORY_NOTIFIERS */

static struct test_log log_;

#define MB (1ull << 20)

struct rec {
	int order[32];
	int n;
	int veto; /* index that vetoes GOING_ONLINE, -1 none */
};

static struct rec rec_;
static int idx_[KMM_MEMORY_NOTIFIERS + 1];

static int note(void *ctx, unsigned long action, unsigned long start_pfn, unsigned long nr)
{
	int i = *(int *)ctx;

	(void)start_pfn, (void)nr;
	if (action != KMM_MEM_GOING_ONLINE)
		return 0;
	if (rec_.n < 32)
		rec_.order[rec_.n++] = i;
	return i == rec_.veto ? 1 : 0;
}

static void test_notifier_table(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=1G nr_cpus=2 page_reporting=0", &log_);
	unsigned long block = kmm_memory_block_size_bytes(m);
	unsigned long id = (unsigned long)(256 * MB / block);
	struct kmm_memory_block_info info;
	int other = 99;

	(void)state;
	for (int i = 0; i <= KMM_MEMORY_NOTIFIERS; i++)
		idx_[i] = i;
	for (int i = 0; i < KMM_MEMORY_NOTIFIERS; i++)
		assert_int_equal(kmm_register_memory_notifier(m, note, &idx_[i]), 0);
	assert_int_equal(kmm_register_memory_notifier(m, note, &idx_[KMM_MEMORY_NOTIFIERS]),
			 KMM_ENOMEM);
	assert_int_equal(kmm_register_memory_notifier(m, NULL, NULL), KMM_EINVAL);
	assert_int_equal(kmm_register_memory_notifier(NULL, note, NULL), KMM_EINVAL);
	/* remove the third: the others keep their order */
	assert_int_equal(kmm_unregister_memory_notifier(m, note, &idx_[2]), 0);
	assert_int_equal(kmm_unregister_memory_notifier(m, note, &idx_[2]), KMM_EINVAL);
	assert_int_equal(kmm_unregister_memory_notifier(m, note, &other), KMM_EINVAL);
	assert_int_equal(kmm_unregister_memory_notifier(NULL, note, &other), KMM_EINVAL);
	/* and the freed entry can be taken again */
	assert_int_equal(kmm_register_memory_notifier(m, note, &idx_[KMM_MEMORY_NOTIFIERS]), 0);

	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, block), 0);
	assert_int_equal(kmm_memory_block_info(m, id, &info), 0);
	assert_int_equal(info.state, KMM_MEM_BLOCK_OFFLINE);
	/* a veto by the fifth registered: those before it and it ran, none after, the block stays
	 * offline */
	rec_.n = 0, rec_.veto = 5;
	assert_int_equal(kmm_memory_block_online(m, id, KMM_MMOP_ONLINE), KMM_EBUSY);
	assert_int_equal(kmm_memory_block_info(m, id, &info), 0);
	assert_int_equal(info.state, KMM_MEM_BLOCK_OFFLINE);
	assert_int_equal(rec_.n, 5); /* 0, 1, 3, 4 and the vetoing 5 */
	assert_int_equal(rec_.order[3], 4);
	assert_int_equal(rec_.order[4], 5);
	assert_consistent(m, &log_);
	rec_.n = 0, rec_.veto = -1;
	assert_int_equal(kmm_memory_block_online(m, id, KMM_MMOP_ONLINE), 0);
	{
		const int want[] = { 0, 1, 3, 4, 5, 6, 7, KMM_MEMORY_NOTIFIERS };

		assert_int_equal(rec_.n, 8);
		for (int i = 0; i < 8; i++)
			assert_int_equal(rec_.order[i], want[i]);
	}
	assert_int_equal(kmm_memory_block_info(m, id, &info), 0);
	assert_int_equal(info.state, KMM_MEM_BLOCK_ONLINE);
	assert_int_equal(kmm_memory_block_info(m, id, NULL), KMM_EINVAL);
	assert_int_equal(kmm_memory_block_info(NULL, id, &info), KMM_EINVAL);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notifier_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
