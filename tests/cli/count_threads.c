/* SPDX-License-Identifier: MIT */
/*
 * tests/cli/count_threads.c - an LD_PRELOAD shim for tests/cli/test_bench.sh:
 * counts pthread_create calls and writes the count to the file named by
 * KMM_COUNT_THREADS_FILE at exit, so the test can check that a threaded
 * benchmark suite creates its threads once, not once per repetition.
 * The service threads every kmm machine runs (kswapd<nid>, page_reporting:
 * docs/reclaim.md; kcompactd<nid>: docs/compaction.md) are not the suite's: they name themselves
 * with pthread_setname_np as they start, and the shim takes them off the count.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long created;

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
	__atomic_add_fetch(&created, 1, __ATOMIC_RELAXED);
	return real(thread, attr, fn, arg);
}

int pthread_setname_np(pthread_t thread, const char *name)
{
	static int (*real)(pthread_t, const char *);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_setname_np");
	if (!strncmp(name, "kswapd", 6) || !strncmp(name, "kcompactd", 9) ||
	    !strcmp(name, "page_reporting"))
		__atomic_sub_fetch(&created, 1, __ATOMIC_RELAXED);
	return real(thread, name);
}

__attribute__((destructor)) static void count_threads_report(void)
{
	const char *path = getenv("KMM_COUNT_THREADS_FILE");
	FILE *f = path ? fopen(path, "w") : NULL;

	if (f) {
		fprintf(f, "%lu\n", created);
		fclose(f);
	}
}
