/* SPDX-License-Identifier: MIT */
/*
 * bench/preload/pairs.c - the fast paths of a preloaded malloc, alone:
 * each step frees a random one of SLOTS live blocks and allocates a block
 * of 8..8+SPREAD-1 bytes in its place; prints the nanoseconds per pair.
 *
 *   pairs TOUCH SLOTS SPREAD [PAIRS]
 *
 * TOUCH=1 writes the new block's first and last byte (as bench/preload's
 * churn does), TOUCH=0 never touches a block, so only the allocator's own
 * memory is read. SLOTS=64 keeps everything in the L1 cache; 4096 gives
 * churn's working set. Run it under each malloc with LD_PRELOAD, several
 * times interleaved: one run is noisy on a shared machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	enum { MAX_SLOTS = 1 << 20 };
	static char *slot[MAX_SLOTS];
	uint64_t s = 88172645463325252ull;
	unsigned long sum = 0;
	struct timespec a, b;
	int touch;
	unsigned long slots, spread;
	long pairs;

	if (argc < 4) {
		fprintf(stderr, "usage: pairs TOUCH SLOTS SPREAD [PAIRS]\n");
		return 2;
	}
	touch = atoi(argv[1]);
	slots = strtoul(argv[2], NULL, 10);
	spread = strtoul(argv[3], NULL, 10);
	pairs = argc > 4 ? atol(argv[4]) : 10000000;
	if (slots < 1 || slots > MAX_SLOTS || spread < 1) {
		fprintf(stderr, "pairs: SLOTS must be 1..%d and SPREAD at least 1\n", MAX_SLOTS);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < pairs; i++) {
		unsigned long k = rnd(&s) % slots;
		size_t n = 8 + rnd(&s) % spread;

		free(slot[k]);
		slot[k] = malloc(n);
		if (touch) {
			slot[k][0] = (char)i;
			slot[k][n - 1] = (char)n;
			sum += (unsigned char)slot[k][0];
		} else {
			sum += (uintptr_t)slot[k] & 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	for (unsigned long k = 0; k < slots; k++)
		free(slot[k]);
	printf("%.1f ns per pair (checksum %lu)\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
		       (double)pairs,
	       sum);
	return 0;
}
