/* SPDX-License-Identifier: MIT */
/*
 * tests/test_percpu_modules.c - the registry of program modules with static
 * per-CPU variables (src/percpu/static.c, what DEFINE_PER_CPU reaches).
 *
 * What this proves: each module's template section gets its own per-CPU
 * copies, one per CPU, distinct, each filled from the template, and found again (the
 * same copy) on the next access; a machine
 * takes PCPU_MAX_MODULES (16) modules and the seventeenth is refused with
 * a report and a NULL pointer, the sixteen staying usable with the values
 * written through them. kmm_check is clean.
 */
#include "kmm_test.h"

#include <string.h>

#include "percpu/percpu.h"

static struct test_log log_;

/* seventeen fake module sections, each with an initialised template */
static long templates[PCPU_MAX_MODULES + 1][4];

static void test_module_registry(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2 kswapd=0 page_reporting=0", &log_);
	long *first[PCPU_MAX_MODULES];

	(void)state;
	for (int i = 0; i <= PCPU_MAX_MODULES; i++)
		for (int j = 0; j < 4; j++)
			templates[i][j] = 100 * i + j;
	for (int i = 0; i < PCPU_MAX_MODULES; i++) {
		const char *start = (const char *)templates[i];
		const char *end = (const char *)(templates[i] + 4);
		long *v = pcpu_static_ptr(m, &templates[i][2], start, end);

		assert_non_null(v);
		assert_ptr_not_equal(v, &templates[i][2]);
		assert_int_equal(*v, 100 * i + 2); /* filled from the template */
		for (int cpu = 0; cpu < 2; cpu++) {
			long *c = per_cpu_ptr_m(m, v, cpu);

			assert_int_equal(*c, 100 * i + 2); /* every CPU's copy */
			assert_ptr_not_equal(c, &templates[i][2]);
		}
		assert_ptr_not_equal(per_cpu_ptr_m(m, v, 0), per_cpu_ptr_m(m, v, 1));
		*v = -i;
		first[i] = v;
		/* found again: the same copy */
		assert_ptr_equal(pcpu_static_ptr(m, &templates[i][2], start, end), v);
	}
	test_log_clear(&log_);
	assert_null(pcpu_static_ptr(m, &templates[PCPU_MAX_MODULES][0],
				    (const char *)templates[PCPU_MAX_MODULES],
				    (const char *)(templates[PCPU_MAX_MODULES] + 4)));
	assert_true(test_log_contains(&log_, "DEFINE_PER_CPU: more than 16 program modules"));
	for (int i = 0; i < PCPU_MAX_MODULES; i++) {
		assert_ptr_equal(pcpu_static_ptr(m, &templates[i][2], (const char *)templates[i],
						 (const char *)(templates[i] + 4)),
				 first[i]);
		assert_int_equal(*first[i], -i);
		assert_int_equal(templates[i][2], 100 * i + 2); /* the template is untouched */
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
