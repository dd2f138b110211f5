/* SPDX-License-Identifier: MIT */
/*
 * tests/test_stack_cache.c - the kernel stack cache (src/vmalloc/stack.c).
 *
 * What this proves: freed kernel stacks beyond the per-CPU
 * cache of two go back to vmalloc (their pages are gone), and a cached
 * stack comes back zeroed with its end magic intact.
 */
#include "kmm_test.h"

#include <kmm/vmalloc.h>

#include <string.h>

static struct test_log log_;

#define Q "mem=64M nr_cpus=2 kswapd=0 kcompactd=0 page_reporting=0"

static void test_stack_cache_overflow(void **state)
{
	kmm_machine *m = test_boot(Q, &log_);
	unsigned long ts = kmm_thread_size(m);
	char *s[4];

	(void)state;
	assert_true(ts >= kmm_page_size(m));
	test_pin_cpu(0);
	for (int i = 0; i < 4; i++) {
		s[i] = kmm_stack_alloc(m, -1);
		assert_non_null(s[i]);
		assert_non_null(kmm_vmalloc_to_page(m, s[i]));
		memset(s[i] + 64, 0xab, 64);
	}
	for (int i = 0; i < 4; i++)
		kmm_stack_free(m, s[i]);
	/* two cached, two given back to vmalloc */
	assert_non_null(kmm_vmalloc_to_page(m, s[0]));
	assert_non_null(kmm_vmalloc_to_page(m, s[1]));
	assert_null(kmm_vmalloc_to_page(m, s[2]));
	assert_null(kmm_vmalloc_to_page(m, s[3]));
	/* a cached one comes back zeroed, its end magic written */
	s[0] = kmm_stack_alloc(m, -1);
	assert_non_null(s[0]);
	assert_false(kmm_stack_end_corrupted(m, s[0]));
	for (int i = 64; i < 128; i++)
		assert_int_equal(s[0][i], 0);
	kmm_stack_free(m, s[0]);
	kmm_stack_free(m, NULL);
	kmm_stack_free(NULL, s[0]);
	assert_null(kmm_stack_alloc(NULL, -1));
	assert_int_equal(kmm_thread_size(NULL), 0);
	assert_int_equal(kmm_stack_call(m, NULL, NULL, NULL), KMM_EINVAL);
	test_unpin();
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_cache_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
