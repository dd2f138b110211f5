/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_hotplug.c - the `hotplug` suite: what growing a running
 * machine costs. kmm only (no peer can grow its heap by hot-adding memory).
 * Machine: mem=256M maxmem=80G nr_cpus=2, page reporting and kswapd off.
 *
 * Figures (each on a freshly booted machine, median of the runs):
 *   add_online_1g_ms / add_online_64g_ms    kmm_add_memory of the range
 *                          above the boot memory, then kmm_online_pages
 *                          of all of it (8 and 512 memory blocks);
 *   rss_1g_mib / rss_64g_mib   the process's resident memory growth over
 *                          the same step: the blocks' memmaps (written on
 *                          add and on online) and nothing of the pages;
 *   offline_remove_1g_ms   kmm_offline_pages + kmm_remove_memory of the
 *                          1 GiB again (every page free).
 */
#include <stdio.h>
#include <unistd.h>

#include <kmm/hotplug.h>

#include "bench.h"

#define MACHINE "mem=256M maxmem=80G nr_cpus=2 page_reporting=0 kswapd=0"
#define START (256ull << 20)

static double rss_mib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return (double)rss * (double)sysconf(_SC_PAGESIZE) / (1 << 20);
}

/* One run: boot, add + online `size`, optionally offline + remove it. */
static int one_run(uint64_t size, double *ms, double *rss, double *off_ms)
{
	kmm_machine *m;
	uint64_t t0;
	double r0;
	unsigned long shift = 12;

	if (bench_boot(MACHINE, &m))
		return -1;
	r0 = rss_mib();
	t0 = bench_now_ns();
	if (kmm_add_memory(m, 0, START, size) ||
	    kmm_online_pages(m, (unsigned long)(START >> shift), (unsigned long)(size >> shift),
			     KMM_MMOP_ONLINE)) {
		fprintf(stderr, "hotplug: adding %llu bytes failed\n", (unsigned long long)size);
		kmm_machine_destroy(m);
		return -1;
	}
	*ms = (double)(bench_now_ns() - t0) / 1e6;
	*rss = rss_mib() - r0;
	if (off_ms) {
		t0 = bench_now_ns();
		if (kmm_offline_pages(m, (unsigned long)(START >> shift),
				      (unsigned long)(size >> shift)) ||
		    kmm_remove_memory(m, START, size)) {
			fprintf(stderr, "hotplug: offlining %llu bytes failed\n",
				(unsigned long long)size);
			kmm_machine_destroy(m);
			return -1;
		}
		*off_ms = (double)(bench_now_ns() - t0) / 1e6;
	}
	kmm_machine_destroy(m);
	return 0;
}

static int measure(struct bench *b, uint64_t size, int runs, const char *ms_key,
		   const char *rss_key, const char *off_key)
{
	double ms[9], rss[9], off[9];

	for (int i = 0; i < runs; i++)
		if (one_run(size, &ms[i], &rss[i], off_key ? &off[i] : NULL))
			return -1;
	bench_figure(b, ms_key, bench_median(ms, runs));
	bench_figure(b, rss_key, bench_median(rss, runs));
	if (off_key)
		bench_figure(b, off_key, bench_median(off, runs));
	return 0;
}

static int hotplug_run(struct bench *b)
{
	bench_set_machine(b, MACHINE);
	if (measure(b, 1ull << 30, 5, "add_online_1g_ms", "rss_1g_mib", "offline_remove_1g_ms"))
		return -1;
	if (measure(b, 64ull << 30, 3, "add_online_64g_ms", "rss_64g_mib", NULL))
		return -1;
	bench_note(b, "mem=256M maxmem=80G grown by 1 GiB (8 blocks) and 64 GiB (512 blocks), "
		      "memmap on the added memory");
	return 0;
}

const struct bench_suite bench_suite_hotplug = {
	.name = "hotplug",
	.desc = "memory hotplug: add + online 1 GiB and 64 GiB, resident memory, offline",
	.threaded = false,
	.run = hotplug_run,
};
