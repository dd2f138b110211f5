/* SPDX-License-Identifier: MIT */
/*
 * tests/replay/record_prog.c - a program linked with kmm for the record
 * test: pinned to one host CPU, it runs a seeded mix of page, kmalloc and
 * cache allocations through <kmm/linux.h> (krealloc, kstrdup and bulk calls
 * among them), frees some, and writes its
 * machine's final buddyinfo, pagetypeinfo and slabinfo to argv[1] -
 * what `kmm replay --final-state` writes for the replayed machine.
 * With KMM_RECORD set, kmm records every allocation (tests/replay/record.sh).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kmm/linux.h>

static void sink(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, ctx);
}

int main(int argc, char **argv)
{
	cpu_set_t set, one;
	uint64_t x = 12345;
	struct page *pages[512] = { 0 };
	unsigned int orders[512];
	void *objs[2048] = { 0 };
	struct kmem_cache *c;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: record_prog STATE_FILE\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set)) {
				CPU_ZERO(&one);
				CPU_SET(i, &one);
				sched_setaffinity(0, sizeof(one), &one);
				break;
			}
	c = kmem_cache_create("rec_cache", 192, 0, 0, NULL);
	if (!c)
		return 1;
	for (int round = 0; round < 20000; round++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned int i = (unsigned int)(x % 512), j = (unsigned int)((x >> 16) % 2048);

		switch ((x >> 40) % 3) {
		case 0:
			if (pages[i]) {
				__free_pages(pages[i], orders[i]);
				pages[i] = NULL;
			} else {
				orders[i] = (unsigned int)((x >> 24) % 4);
				pages[i] = alloc_pages(GFP_KERNEL, orders[i]);
			}
			break;
		case 1:
			if (objs[j] && (x >> 50) % 8 == 0) {
				void *r = krealloc(objs[j], 3100 + (x >> 52) % 2000, GFP_KERNEL);

				if (r)
					objs[j] = r;
			} else if (objs[j]) {
				kfree(objs[j]);
				objs[j] = NULL;
			} else if ((x >> 50) % 16 == 1) {
				objs[j] = kstrdup("a string kmm records", GFP_KERNEL);
			} else {
				objs[j] = kmalloc(8 + (x >> 32) % 3000, GFP_KERNEL);
			}
			break;
		default:
			if (round % 997 == 0) {
				void *bulk[8];

				if (kmem_cache_alloc_bulk(c, GFP_KERNEL, 8, bulk) == 8) {
					kmem_cache_free_bulk(c, 5, bulk);
					for (int b = 5; b < 8; b++)
						kmem_cache_free(c, bulk[b]);
				}
			}
			j = (j + 1024) % 2048;
			if (objs[j]) {
				kfree(objs[j]); /* cache objects may be given to kfree */
				objs[j] = NULL;
			} else {
				objs[j] = kmem_cache_alloc(c, GFP_KERNEL);
			}
			break;
		}
	}
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	kmm_report(kmm_default_machine(), KMM_REPORT_BUDDYINFO, sink, f);
	kmm_report(kmm_default_machine(), KMM_REPORT_PAGETYPEINFO, sink, f);
	kmm_report(kmm_default_machine(), KMM_REPORT_SLABINFO, sink, f);
	fclose(f);
	return 0;
}
