/* SPDX-License-Identifier: MIT */
/*
 * tests/test_percpu.c - per-CPU variables and the per-CPU allocator:
 * alloc_percpu (zeroed, one copy per CPU, growth into new chunks, misuse),
 * static DEFINE_PER_CPU variables (initialised from the template, one copy
 * per CPU and per machine, the template untouched), get_cpu / put_cpu
 * (nesting, staying on the owned CPU across a migration, mutual exclusion
 * of threads on one CPU), the this_cpu operations and for_each_*_cpu.
 * The Linux names run on a test machine bound as the default machine.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/linux.h>

static struct test_log log_;

struct stats {
	long events;
	int last_cpu;
	char name[12];
};

DEFINE_PER_CPU(int, pcpu_counter) = 5;
DEFINE_PER_CPU(struct stats, pcpu_stats) = { .events = 1, .last_cpu = -1, .name = "tmpl" };
static DEFINE_PER_CPU(long, pcpu_shared);
DECLARE_PER_CPU(int, pcpu_declared);
DEFINE_PER_CPU(int, pcpu_declared) = 11;
KMM_DEFINE_PER_CPU(unsigned long, pcpu_instance);

static kmm_machine *boot_default(const char *cmdline)
{
	kmm_machine *m = test_boot(cmdline, &log_);

	kmm_set_default_machine(m);
	return m;
}

static void shutdown_default(kmm_machine *m)
{
	kmm_set_default_machine(NULL);
	kmm_machine_destroy(m);
}

/* ---- dynamic --------------------------------------------------------------------- */

static void test_alloc_percpu(void **state)
{
	kmm_machine *m = boot_default("mem=1G nr_cpus=4");
	struct stats *s = alloc_percpu(struct stats);
	long *l = alloc_percpu(long);
	int cpu;

	(void)state;
	assert_non_null(s);
	assert_non_null(l);
	for_each_possible_cpu (cpu) {
		struct stats *c = per_cpu_ptr(s, cpu);

		assert_int_equal(c->events, 0);
		assert_int_equal(c->last_cpu, 0);
		c->events = 100 + cpu;
		*per_cpu_ptr(l, cpu) = -cpu;
		/* every CPU's copy is its own memory */
		for (int o = 0; o < cpu; o++)
			assert_ptr_not_equal(per_cpu_ptr(s, o), c);
	}
	for_each_online_cpu (cpu) {
		assert_int_equal(per_cpu_ptr(s, cpu)->events, 100 + cpu);
		assert_int_equal(*per_cpu_ptr(l, cpu), -cpu);
	}
	/* the same stride for every object */
	assert_int_equal((char *)per_cpu_ptr(s, 3) - (char *)per_cpu_ptr(s, 1),
			 (char *)per_cpu_ptr(l, 3) - (char *)per_cpu_ptr(l, 1));
	assert_int_equal((uintptr_t)per_cpu_ptr(s, 2) % __alignof__(struct stats), 0);
	free_percpu(s);
	/* freed and reused: zeroed again */
	s = alloc_percpu(struct stats);
	for_each_possible_cpu (cpu)
		assert_int_equal(per_cpu_ptr(s, cpu)->events, 0);
	free_percpu(s);
	free_percpu(l);
	free_percpu(NULL);
	assert_consistent(m, &log_);
	shutdown_default(m);
}

/* More than a unit's worth of objects: new chunks, all reachable, all freed. */
static void test_alloc_percpu_grows(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2", &log_);
	enum { N = 600 };
	void **p = calloc(N, sizeof(*p));
	unsigned long free_before = test_free_pages(m);
	uint64_t seed = 3;

	(void)state;
	for (int i = 0; i < N; i++) {
		size_t size = 8 + test_rand(&seed) % 400;
		size_t align = (size_t)1 << (test_rand(&seed) % 7);

		p[i] = kmm_alloc_percpu(m, size, align);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % align, 0);
		for (int c = 0; c < 2; c++)
			memset(kmm_per_cpu_ptr(m, p[i], c, NULL, NULL), 0x5a, size);
	}
	assert_true(test_free_pages(m) < free_before); /* chunks were added */
	assert_consistent(m, &log_);
	for (int i = 0; i < N; i += 2)
		kmm_free_percpu(m, p[i]);
	for (int i = 0; i < N / 2; i++) {
		p[2 * i] = kmm_alloc_percpu(m, 64, 64);
		assert_non_null(p[2 * i]);
	}
	for (int i = 0; i < N; i++)
		kmm_free_percpu(m, p[i]);
	free(p);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_percpu_misuse(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2", &log_);
	int local = 0;
	void *p;

	(void)state;
	test_log_clear(&log_);
	assert_null(kmm_alloc_percpu(m, 0, 8));
	assert_true(test_log_contains(&log_, "illegal size (0) or align (8)"));
	assert_null(kmm_alloc_percpu(m, 1 << 20, 8));
	assert_null(kmm_alloc_percpu(m, 16, 12));
	test_log_clear(&log_);
	kmm_free_percpu(m, &local);
	assert_true(test_log_contains(&log_, "is not a live per-CPU allocation"));
	p = kmm_alloc_percpu(m, 32, 8);
	test_log_clear(&log_);
	kmm_free_percpu(m, (char *)p + 8);
	assert_true(test_log_contains(&log_, "is not a live per-CPU allocation"));
	kmm_free_percpu(m, p);
	test_log_clear(&log_);
	kmm_free_percpu(m, p);
	assert_true(test_log_contains(&log_, "is not a live per-CPU allocation"));
	test_log_clear(&log_);
	assert_null(kmm_per_cpu_ptr(m, p, 2, NULL, NULL));
	assert_true(test_log_contains(&log_, "cpu 2 does not exist"));
	test_log_clear(&log_);
	assert_null(kmm_per_cpu_ptr(m, &local, 0, NULL, NULL));
	assert_true(test_log_contains(&log_, "neither a per-CPU allocation"));
	test_log_clear(&log_);
	kmm_put_cpu(m);
	assert_true(test_log_contains(&log_, "put_cpu: this thread owns no CPU"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- static ------------------------------------------------------------------------ */

static void test_define_per_cpu(void **state)
{
	kmm_machine *m = boot_default("mem=1G nr_cpus=3");
	int cpu;

	(void)state;
	for_each_possible_cpu (cpu) {
		assert_int_equal(per_cpu(pcpu_counter, cpu), 5);
		assert_int_equal(per_cpu(pcpu_stats, cpu).events, 1);
		assert_int_equal(per_cpu(pcpu_stats, cpu).last_cpu, -1);
		assert_string_equal(per_cpu(pcpu_stats, cpu).name, "tmpl");
		assert_int_equal(per_cpu(pcpu_shared, cpu), 0);
		assert_int_equal(per_cpu(pcpu_declared, cpu), 11);
	}
	per_cpu(pcpu_counter, 1) = 7;
	per_cpu(pcpu_stats, 2).events += 41;
	strcpy(per_cpu(pcpu_stats, 0).name, "cpu0");
	assert_int_equal(per_cpu(pcpu_counter, 0), 5);
	assert_int_equal(per_cpu(pcpu_counter, 1), 7);
	assert_int_equal(per_cpu(pcpu_counter, 2), 5);
	assert_int_equal(per_cpu(pcpu_stats, 2).events, 42);
	assert_string_equal(per_cpu(pcpu_stats, 1).name, "tmpl");
	/* the template in the program's image is not any CPU's copy */
	assert_int_equal(pcpu_counter, 5);
	assert_string_equal(pcpu_stats.name, "tmpl");
	assert_ptr_not_equal(&per_cpu(pcpu_counter, 0), &pcpu_counter);
	/* per_cpu_ptr and per_cpu agree */
	assert_ptr_equal(per_cpu_ptr(&pcpu_stats, 2), &per_cpu(pcpu_stats, 2));
	shutdown_default(m);
}

/* Each machine has its own copies, made from the template when first used. */
static void test_static_copies_per_machine(void **state)
{
	kmm_machine *a = test_boot("mem=1G nr_cpus=2", &log_);
	kmm_machine *b = test_boot("mem=1G nr_cpus=4", NULL);

	(void)state;
	kmm_per_cpu(a, pcpu_instance, 1) = 111;
	assert_int_equal(kmm_per_cpu(b, pcpu_instance, 1), 0);
	kmm_per_cpu(b, pcpu_instance, 3) = 333;
	kmm_this_cpu_add(a, pcpu_instance, 5);
	kmm_this_cpu_inc(b, pcpu_instance);
	{
		unsigned long sa = 0, sb = 0;

		for (int c = 0; c < 2; c++)
			sa += kmm_per_cpu(a, pcpu_instance, c);
		for (int c = 0; c < 4; c++)
			sb += kmm_per_cpu(b, pcpu_instance, c);
		assert_int_equal(sa, 116);
		assert_int_equal(sb, 334);
	}
	assert_int_equal(pcpu_instance, 0);
	assert_consistent(a, &log_);
	kmm_machine_destroy(a);
	kmm_machine_destroy(b);
}

/* ---- get_cpu --------------------------------------------------------------------- */

static void test_get_cpu_nests_and_stays(void **state)
{
	kmm_machine *m = boot_default("mem=1G nr_cpus=2");
	int cpu, inner;

	(void)state;
	test_pin_cpu(0);
	cpu = get_cpu();
	assert_int_equal(cpu, 0);
	assert_int_equal(smp_processor_id(), 0);
	inner = get_cpu();
	assert_int_equal(inner, cpu);
	/* moved to host CPU 1: the thread keeps owning CPU 0 */
	test_pin_cpu(1);
	assert_int_equal(smp_processor_id(), 0);
	assert_ptr_equal(this_cpu_ptr(&pcpu_counter), &per_cpu(pcpu_counter, 0));
	this_cpu_write(pcpu_counter, 40);
	this_cpu_add(pcpu_counter, 2);
	assert_int_equal(this_cpu_read(pcpu_counter), 42);
	put_cpu();
	assert_int_equal(smp_processor_id(), 0);
	put_cpu();
	/* released: now the thread is on CPU 1 */
	assert_int_equal(smp_processor_id(), 1);
	assert_int_equal(get_cpu(), 1);
	put_cpu();
	assert_int_equal(per_cpu(pcpu_counter, 0), 42);
	assert_int_equal(per_cpu(pcpu_counter, 1), 5);
	/* get_cpu_var / put_cpu_var */
	get_cpu_var(pcpu_stats).events = 9;
	put_cpu_var(pcpu_stats);
	assert_int_equal(per_cpu(pcpu_stats, 1).events, 9);
	test_unpin();
	shutdown_default(m);
}

struct excl_arg {
	int iters;
	uint64_t seed;
};

/* Non-atomic read-modify-write of this CPU's copy, with yields to invite preemption. */
static void *exclusion_thread(void *p)
{
	struct excl_arg *a = p;

	for (int i = 0; i < a->iters; i++) {
		if (i % 3 == 0) {
			this_cpu_inc(pcpu_shared);
			continue;
		}
		long *v = &get_cpu_var(pcpu_shared);
		long old = *v;

		if ((test_rand(&a->seed) & 15) == 0)
			sched_yield();
		*v = old + 1;
		put_cpu_var(pcpu_shared);
	}
	return NULL;
}

/* Threads beyond the CPU count: no update of a CPU's copy is lost. */
static void test_get_cpu_excludes(void **state)
{
	kmm_machine *m = boot_default("mem=1G nr_cpus=2");
	enum { T = 6 };
	struct excl_arg args[T];
	pthread_t t[T];
	long total = 0;
	int cpu, iters = 3000;

	(void)state;
	for (int i = 0; i < T; i++) {
		args[i] = (struct excl_arg){ .iters = iters, .seed = 1 + (uint64_t)i };
		pthread_create(&t[i], NULL, exclusion_thread, &args[i]);
	}
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	for_each_possible_cpu (cpu)
		total += per_cpu(pcpu_shared, cpu);
	assert_int_equal(total, (long)T * iters);
	shutdown_default(m);
}

static void test_cpu_iterators(void **state)
{
	kmm_machine *m = boot_default("mem=1G nr_cpus=5 numa=fake=2");
	int cpu, n = 0, on = 0;

	(void)state;
	for_each_possible_cpu (cpu)
		n++;
	for_each_online_cpu (cpu) {
		on++;
		assert_true(cpu_to_node(cpu) >= 0 && cpu_to_node(cpu) < 2);
	}
	assert_int_equal(n, 5);
	assert_int_equal(on, 5);
	assert_int_equal(num_possible_cpus(), 5);
	assert_true(smp_processor_id() >= 0 && smp_processor_id() < 5);
	shutdown_default(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_percpu),
		cmocka_unit_test(test_alloc_percpu_grows),
		cmocka_unit_test(test_percpu_misuse),
		cmocka_unit_test(test_define_per_cpu),
		cmocka_unit_test(test_static_copies_per_machine),
		cmocka_unit_test(test_get_cpu_nests_and_stays),
		cmocka_unit_test(test_get_cpu_excludes),
		cmocka_unit_test(test_cpu_iterators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
