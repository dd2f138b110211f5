/* SPDX-License-Identifier: MIT */
/*
 * tests/test_stack.c - kernel stacks (src/vmalloc/stack.c): THREAD_SIZE
 * vmalloc'd stacks with a guard page below, the per-CPU cache, the end
 * magic and stack_not_used, code run on them for real, and an overflow
 * caught on the guard page (in a child process).
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <kmm/vmalloc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct test_log log_;

struct probe {
	char *local;
	int depth;
	long sum;
};

static long __attribute__((noinline)) burn(int depth, volatile char *trail)
{
	volatile char buf[256];

	buf[0] = (char)depth;
	buf[255] = trail ? trail[0] : 0;
	if (depth == 0)
		return buf[0];
	return burn(depth - 1, buf) + buf[255];
}

static void on_stack(void *arg)
{
	struct probe *p = arg;
	char here;

	p->local = &here;
	p->sum = burn(p->depth, NULL);
}

static void test_stack_alloc_and_call(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 highmem=64M kswapd=0", &log_);
	unsigned long ts = kmm_thread_size(m);
	char *s = kmm_stack_alloc(m, -1), *t;
	struct probe p = { .depth = 20 };
	char *info, *mi;

	(void)state;
	assert_int_equal(ts, 16384);
	assert_non_null(s);
	assert_int_equal((uintptr_t)s % ts, 0);
	assert_false(kmm_stack_end_corrupted(m, s));
	assert_int_equal(kmm_stack_not_used(m, s), ts);
	assert_int_equal(kmm_stack_call(m, s, on_stack, &p), KMM_OK);
	assert_true(p.local >= s && p.local < s + ts); /* it really ran there */
	assert_true(kmm_stack_not_used(m, s) < ts - 20 * 256);
	assert_true(kmm_stack_not_used(m, s) > 0);
	printf("stack_not_used after 20 frames of 256 bytes: %lu of %lu\n",
	       kmm_stack_not_used(m, s), ts);
	info = test_report(m, KMM_REPORT_VMALLOCINFO);
	assert_non_null(strstr(info, "   20480 "));
	assert_non_null(strstr(info, " pages=4 vmalloc N0=4\n"));
	free(info);
	mi = test_report(m, KMM_REPORT_MEMINFO);
	assert_non_null(strstr(mi, "KernelStack:          16 kB\n"));
	free(mi);
	/* the per-CPU cache: the same stack comes back, zeroed */
	kmm_stack_free(m, s);
	t = kmm_stack_alloc(m, -1);
	assert_ptr_equal(t, s);
	assert_int_equal(kmm_stack_not_used(m, t), ts);
	/* an overwritten end magic is found */
	test_log_clear(&log_);
	*(volatile unsigned long *)t = 0;
	assert_int_equal(kmm_stack_call(m, t, on_stack, &p), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "corrupted stack end detected"));
	assert_true(kmm_stack_end_corrupted(m, t));
	kmm_stack_free(m, t);
	/* misuse */
	test_log_clear(&log_);
	kmm_stack_free(m, &p);
	assert_true(test_log_contains(&log_, "is not a kernel stack"));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void deep(void *arg)
{
	(void)arg;
	burn(1 << 20, NULL); /* far more than 16 KiB */
}

/* An overflow runs into the guard page: the kernel's report, then abort. */
static void test_overflow_hits_guard(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 kswapd=0", &log_);
	char *s = kmm_stack_alloc(m, -1), out[512] = { 0 }, want[128];
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	(void)state;
	assert_non_null(s);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		kmm_stack_call(m, s, deep, NULL);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(n > 0);
	printf("child said: %s", out);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	snprintf(want, sizeof(want), "(stack is %p..%p)", (void *)s,
		 (void *)(s + kmm_thread_size(m) - 1));
	assert_non_null(strstr(out, "BUG: stack guard page was hit at 0x"));
	assert_non_null(strstr(out, want));
	kmm_stack_free(m, s);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_thread_size_key(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 kswapd=0 thread_size=32K", &log_);
	char err[256];
	void *s;

	(void)state;
	assert_int_equal(kmm_thread_size(m), 32768);
	assert_non_null(strstr(kmm_machine_cmdline(m), "thread_size=32K"));
	s = kmm_stack_alloc(m, -1);
	assert_int_equal((uintptr_t)s % 32768, 0);
	kmm_stack_free(m, s);
	kmm_machine_destroy(m);
	assert_int_not_equal(test_boot_fails("mem=256M thread_size=12K", err, sizeof(err)), KMM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_alloc_and_call),
		cmocka_unit_test(test_overflow_hits_guard),
		cmocka_unit_test(test_thread_size_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
