/* SPDX-License-Identifier: MIT */
/*
 * tests/test_rseq_area.c - whose rseq area kmm uses (platform/posix_rseq.c).
 *
 * Run twice, by re-executing itself:
 *  1. as started: where glibc registered an area (2.35 and later), kmm's
 *     symbol lookup finds glibc's __rseq_offset / __rseq_size (compared
 *     with the values this test links against) and a machine uses that
 *     area;
 *  2. with GLIBC_TUNABLES=glibc.pthread.rseq=0 (glibc registers nothing and
 *     publishes __rseq_size 0, as an older glibc would have no area): kmm
 *     registers an area of its own, the machine still runs in rseq mode, the
 *     area holds the CPU the thread runs on, a thread that kmm has not seen
 *     yet holds -1 (never a CPU number it was not given) and is registered
 *     on its first page allocation or its first kmalloc, and the machine
 *     stays consistent under the two threads.
 * Before kmm registered areas itself, phase 2 found rseq_offset 0 (CAS mode).
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"
#include "platform/posix_rseq.h"
#include "smp/cpu.h"
#include <kmm/slab.h>

/* The test may depend on glibc 2.35; the library must not (docs/building.md). */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

static struct test_log log_;

static bool libc_registered(void)
{
	return &__rseq_size && &__rseq_offset && __rseq_size >= 20;
}

/* The area's CPU number equals sched_getcpu() whenever the thread did not move. */
static void assert_area_tracks_cpu(long offset)
{
	for (int i = 0; i < 1000; i++) {
		int a = sched_getcpu();
		unsigned int r = rseq_cpu_id(offset);
		int b = sched_getcpu();

		if (a == b && a >= 0) {
			assert_int_equal(r, (unsigned int)a);
			return;
		}
	}
	fail_msg("the thread never stayed on one CPU long enough");
}

/* ---- phase 1: glibc's area --------------------------------------------------- */

static void test_lookup_finds_libc_symbols(void **state)
{
	const ptrdiff_t *off;
	const unsigned int *size;

	(void)state;
	if (!&__rseq_size)
		skip(); /* glibc older than 2.35 */
	off = posix_lookup_symbol("__rseq_offset");
	size = posix_lookup_symbol("__rseq_size");
	assert_non_null(off);
	assert_non_null(size);
	assert_int_equal(*off, __rseq_offset);
	assert_int_equal(*size, __rseq_size);
	assert_null(posix_lookup_symbol("kmm_no_such_symbol_anywhere"));
}

static void test_machine_uses_libc_area(void **state)
{
	kmm_machine *m;

	(void)state;
	if (!libc_registered())
		skip();
	m = test_boot("mem=64M nr_cpus=2", &log_);
	assert_int_equal(m->rseq_offset, __rseq_offset);
	assert_area_tracks_cpu(m->rseq_offset);
	kmm_machine_destroy(m);
}

/* ---- phase 2: kmm's own area ------------------------------------------------- */

struct visitor {
	kmm_machine *m;
	bool slab;	     /* kmalloc only (else pages only): both paths register */
	unsigned int before; /* the area's CPU number before the thread touched kmm */
	int done;
};

static void *visit(void *arg)
{
	struct visitor *v = arg;

	v->before = rseq_cpu_id(v->m->rseq_offset);
	for (int i = 0; i < 2000; i++) {
		if (v->slab) {
			char *p = kmm_kmalloc(v->m, 64, GFP_KERNEL);

			if (!p)
				break;
			p[0] = 1;
			kmm_kfree(v->m, p);
		} else {
			struct page *pg = kmm_alloc_pages_node(v->m, 0, GFP_KERNEL, 0);

			if (!pg)
				break;
			kmm_free_pages(v->m, pg, 0);
		}
		v->done++;
	}
	assert_area_tracks_cpu(v->m->rseq_offset);
	return NULL;
}

static void test_own_area(void **state)
{
	long host = sysconf(_SC_NPROCESSORS_CONF);
	struct visitor v[2];
	pthread_t t[2];
	kmm_machine *m;

	(void)state;
	if (!KMM_HAVE_RSEQ)
		skip();
	assert_false(libc_registered()); /* phase 2 runs with glibc.pthread.rseq=0 */
	m = test_boot("mem=64M nr_cpus=2", &log_);
	assert_int_not_equal(m->rseq_offset, 0);
	if (&__rseq_offset)
		assert_int_not_equal(m->rseq_offset, __rseq_offset);
	if (host <= 2)
		assert_int_equal(m->smp_mode, KMM_SMP_RSEQ);
	assert_area_tracks_cpu(m->rseq_offset);
	for (int i = 0; i < 2; i++) {
		v[i] = (struct visitor){ .m = m, .slab = i == 1 };
		assert_int_equal(pthread_create(&t[i], NULL, visit, &v[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(v[i].before, 0xffffffffu);
		assert_int_equal(v[i].done, 2000);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest libc_tests[] = {
		cmocka_unit_test(test_lookup_finds_libc_symbols),
		cmocka_unit_test(test_machine_uses_libc_area),
	};
	const struct CMUnitTest own_tests[] = {
		cmocka_unit_test(test_own_area),
	};
	const char *phase = getenv("KMM_TEST_RSEQ_PHASE");
	int rc;

	(void)argc;
	if (phase && !strcmp(phase, "own"))
		return cmocka_run_group_tests_name("own rseq area", own_tests, NULL, NULL);
	rc = cmocka_run_group_tests_name("libc rseq area", libc_tests, NULL, NULL);
	if (rc)
		return rc;
	fflush(stdout);
	setenv("KMM_TEST_RSEQ_PHASE", "own", 1);
	setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
	execv("/proc/self/exe", argv);
	perror("execv /proc/self/exe");
	return 1;
}
