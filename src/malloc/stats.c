/* SPDX-License-Identifier: MIT */
/*
 * malloc/stats.c - glibc's malloc_trim, mallinfo2, malloc_stats and mallopt,
 * and KMM_STATS.
 *
 * malloc_trim(pad) shrinks every slab cache (per-CPU arrays flushed, empty
 * slabs freed to the page allocator) and then gives the host frames of
 * every free block back (kmm_discard_free_pages): the process's resident
 * memory falls to what is in use. `pad` is ignored (glibc keeps that much
 * at the top of its heap; kmm's free memory has no top).
 *
 * mallinfo2 counts from the slab caches: arena is the bytes of every slab
 * of the size classes, uordblks the bytes of their objects in use, fordblks
 * the rest, ordblks the number of slabs; hblks/hblkhd are the huge blocks
 * (host mappings). Compound blocks of 32 KiB - 4 MiB (kmalloc's large path)
 * are in neither: the machine's meminfo (KMM_STATS) shows them as part of
 * SUnreclaim. The remaining fields are 0.
 *
 * mallopt accepts glibc's parameters (M_MXFAST, M_TRIM_THRESHOLD,
 * M_TOP_PAD, M_MMAP_THRESHOLD, M_MMAP_MAX, M_CHECK_ACTION, M_PERTURB,
 * M_ARENA_TEST, M_ARENA_MAX) and returns 1, changing nothing: kmm's size
 * classes, thresholds and per-CPU caches are fixed (docs/malloc.md). Any
 * other parameter returns 0.
 *
 * KMM_STATS=1: at exit, /proc/slabinfo, buddyinfo and meminfo of the
 * process's machine are written to standard error, or appended to the file
 * KMM_STATS_FILE names.
 */
#define _GNU_SOURCE
#include "malloc/kmm_malloc.h"

#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

KM_EXPORT int malloc_trim(size_t pad)
{
	unsigned long pages;

	(void)pad;
	if (km_boot())
		return 0;
	km_gate_enter();
	kmm_slab_shrink_all(km.m);
	pages = kmm_discard_free_pages(km.m, 0);
	km_gate_exit();
	return pages != 0;
}

KM_EXPORT struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi;
	static struct kmm_slab_info info[256];
	size_t blocks, bytes;
	int n;

	memset(&mi, 0, sizeof(mi));
	if (km_boot())
		return mi;
	km_gate_enter();
	n = kmm_slab_info(km.m, info, 256);
	km_gate_exit();
	if (n > 256)
		n = 256;
	for (int i = 0; i < n; i++) {
		if (strncmp(info[i].name, "malloc-", 7))
			continue;
		mi.arena += info[i].num_slabs * info[i].pagesperslab * km.page_size;
		mi.uordblks += info[i].active_objs * info[i].object_size;
		mi.ordblks += info[i].num_slabs;
	}
	mi.fordblks = mi.arena - mi.uordblks;
	km_huge_totals(&blocks, &bytes);
	mi.hblks = blocks;
	mi.hblkhd = bytes;
	return mi;
}

KM_EXPORT void malloc_stats(void)
{
	struct mallinfo2 mi = mallinfo2();
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "Arena 0:\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
		     "Total (incl. mmap):\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
		     "max mmap regions = %10zu\nmax mmap bytes   = %10zu\n",
		     mi.arena, mi.uordblks, mi.arena + mi.hblkhd, mi.uordblks + mi.hblkhd, mi.hblks,
		     mi.hblkhd);
	if (n > 0 && write(2, buf, (size_t)n) < 0)
		return;
}

KM_EXPORT int mallopt(int param, int value)
{
	(void)value;
	switch (param) {
	case M_MXFAST:
	case M_TRIM_THRESHOLD:
	case M_TOP_PAD:
	case M_MMAP_THRESHOLD:
	case M_MMAP_MAX:
	case M_CHECK_ACTION:
	case M_PERTURB:
	case M_ARENA_TEST:
	case M_ARENA_MAX:
		return 1;
	default:
		return 0;
	}
}

static void fd_sink(void *ctx, const char *text, size_t len)
{
	int fd = (int)(intptr_t)ctx;

	while (len > 0) {
		ssize_t w = write(fd, text, len);

		if (w <= 0)
			return;
		text += w;
		len -= (size_t)w;
	}
}

static int stats_on;

static void print_stats(void)
{
	const char *file = getenv("KMM_STATS_FILE");
	int fd = 2;
	static const enum kmm_report which[] = { KMM_REPORT_SLABINFO, KMM_REPORT_BUDDYINFO,
						 KMM_REPORT_MEMINFO };

	if (!stats_on || !km.m)
		return;
	if (file && *file) {
		fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return;
	}
	km_gate_enter();
	for (unsigned int i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		char title[64];
		int n = snprintf(title, sizeof(title), "==> /proc/%s (pid %d) <==\n",
				 kmm_report_name(which[i]), (int)getpid());

		fd_sink((void *)(intptr_t)fd, title, (size_t)n);
		kmm_report(km.m, which[i], fd_sink, (void *)(intptr_t)fd);
	}
	km_gate_exit();
	if (fd != 2)
		close(fd);
}

__attribute__((destructor)) static void km_stats_at_exit(void)
{
	print_stats();
}

void km_stats_init(void)
{
	const char *env = getenv("KMM_STATS");

	stats_on = env && *env && strcmp(env, "0") != 0;
}
