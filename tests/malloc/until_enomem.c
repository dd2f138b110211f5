/* SPDX-License-Identifier: MIT */
/*
 * tests/malloc/until_enomem.c - malloc 64 KB blocks (each touched) until
 * malloc fails or LIMIT_MB is reached, then print how far it got and
 * errno, free everything and allocate once more. Run under libkmm-malloc
 * by overcommit.sh, where the host's commit limit ends the growth.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (64u << 10)

int main(int argc, char **argv)
{
	size_t limit = (argc > 1 ? strtoul(argv[1], NULL, 10) : 1024) << 20, n = 0;
	size_t max = limit / BLOCK;
	char **v = calloc(max, sizeof(*v));
	int err = 0;

	if (!v)
		return 2;
	for (; n < max; n++) {
		errno = 0;
		v[n] = malloc(BLOCK);
		if (!v[n]) {
			err = errno;
			break;
		}
		memset(v[n], 1, BLOCK);
	}
	printf("%zu MiB %s\n", n * BLOCK >> 20, n == max ? "limit" : strerror(err));
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	v = malloc(BLOCK);
	printf("after free: %s\n", v ? "ok" : "NULL");
	return 0;
}
