/* SPDX-License-Identifier: MIT */
/*
 * tests/malloc/buggy.c - a program with one heap bug per argument, run by
 * debug_reports.sh under KMM_CMDLINE=slab_debug=FZPU and libkmm-malloc:
 *   overrun      writes one byte past a 32-byte block, then frees it
 *   uaf          writes into a freed block, then allocates again
 *   double-free  frees a block twice
 * Blocks are allocated and freed through named helpers (global, not
 * inlined, no tail calls, and the program is linked with -rdynamic), so
 * the stacks of the reports' "Allocated in" / "Freed in" lines can name
 * them: buggy_alloc, buggy_free, buggy_double_free, main.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

/* The empty asm after each call keeps it from being a tail call. */
__attribute__((noinline)) char *buggy_alloc(size_t size)
{
	sink = malloc(size); /* through a volatile: the compiler may not elide the bugs */
	__asm__ volatile("" ::: "memory");
	return sink;
}

__attribute__((noinline)) void buggy_free(void *p)
{
	free(p);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void buggy_double_free(void *p)
{
	free(p);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	char *p = buggy_alloc(32);

	if (!strcmp(what, "overrun")) {
		for (volatile int i = 0; i < 33; i++) /* one byte past the block */
			p[i] = 'x';
		buggy_free(p);
	} else if (!strcmp(what, "uaf")) {
		buggy_free(p);
		((char *volatile *)&sink)[0][3] = 1; /* p, through the volatile */
		sink = malloc(32);
	} else if (!strcmp(what, "double-free")) {
		buggy_free(p);
		buggy_double_free(sink);
	} else {
		buggy_free(p);
	}
	printf("%s done\n", what);
	return 0;
}
