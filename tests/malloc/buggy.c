/* SPDX-License-Identifier: MIT */
/*
 * tests/malloc/buggy.c - a program with one heap bug per argument, run by
 * debug_reports.sh under KMM_CMDLINE=slab_debug=FZPU and libkmm-malloc:
 *   overrun      writes one byte past a 32-byte block, then frees it
 *   uaf          writes into a freed block, then allocates again
 *   double-free  frees a block twice
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	char *p;

	sink = malloc(32); /* through a volatile: the compiler may not elide the bugs */
	p = sink;

	if (!strcmp(what, "overrun")) {
		for (volatile int i = 0; i < 33; i++) /* one byte past the block */
			p[i] = 'x';
		free(p);
	} else if (!strcmp(what, "uaf")) {
		free(p);
		((char *volatile *)&sink)[0][3] = 1; /* p, through the volatile */
		sink = malloc(32);
	} else if (!strcmp(what, "double-free")) {
		free(p);
		free(sink);
	} else {
		free(p);
	}
	printf("%s done\n", what);
	return 0;
}
