/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_compaction.c - `kmm bench compaction`: what moving pages buys.
 *
 * The same seeded fragmentation workload (bench/frag_workload.c) with a
 * movable-ops owner's share (1 in 8 allocations: long-lived movable pages
 * kept to the end, bench/movable_client.c) and a movable vmalloc share
 * (1 in 16: long-lived areas of 2-8 pages allocated with
 * __GFP_MOVABLE, moved by remapping) runs on three machines:
 *   neither      page_group_by_mobility=0 compaction=0
 *   grouping     compaction=0 (anti-fragmentation alone)
 *   compaction   grouping, then kmm_compact_memory after the workload
 * and reports side by side, for each: order-9 blocks allocatable
 * afterwards (order9_free_blocks_*) and Linux's unusable free space index
 * at order 9 of the largest zone (unusable_index_order9_*, in thousandths).
 * Cost figures of the compaction run: pages migrated, wall time,
 * pages_migrated_per_s and ms_per_order9_block_gained (compaction time over
 * the order-9 free blocks it added), vmalloc_areas / vmalloc_pages /
 * vmalloc_areas_moved (areas whose first page is on another frame
 * afterwards), and checksum_failures (the owner's pages and the vmalloc
 * areas checked after compaction; must be 0). Then
 * contig_64m_blocked_*: alloc_contig_pages of 64 MiB after the workload,
 * whose unmovable pages sit in every range (it must fail and lose no
 * page), and contig_64m_*: the same on a fresh machine over the owner's
 * pages scattered everywhere (it must succeed; its time and the owner's
 * checksums), and contig_64m_vmalloc_*: over movable vmalloc areas
 * scattered everywhere instead (with the pages it moved and
 * vmalloc_pages_migrated_per_s: a vmalloc page costs two host calls).
 *
 * The machine is --machine, or mem=1G nr_cpus=1; pcp=0, page_reporting=0,
 * kswapd=0 and kcompactd=0 are appended, so only the workload moves pages.
 */
#include "bench.h"
#include "frag_workload.h"
#include "movable_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kmm/compaction.h>
#include <kmm/vmalloc.h>

#define BENCH_COMPACTION_DEFAULT "mem=1G nr_cpus=1"
#define QUIET_KEYS "pcp=0 page_reporting=0 kswapd=0 kcompactd=0"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The populated zone of node 0 with the most memory: where fragmentation is measured. */
static enum kmm_zone_type largest_zone(kmm_machine *m)
{
	enum kmm_zone_type best = KMM_ZONE_NORMAL;
	unsigned long most = 0;

	for (int z = 0; z < KMM_NR_ZONES; z++) {
		unsigned long n = kmm_zone_managed_pages(m, 0, (enum kmm_zone_type)z);

		if (n > most) {
			most = n;
			best = (enum kmm_zone_type)z;
		}
	}
	return best;
}

static unsigned long free_pages(kmm_machine *m)
{
	unsigned long n = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			n += kmm_zone_free_pages(m, nid, (enum kmm_zone_type)z);
	return n;
}

/*
 * The same over movable vmalloc areas: a fresh machine filled with areas of
 * 8 pages (__GFP_MOVABLE), two of every three freed, then 64 MiB contiguous:
 * the areas' pages in the range move by remapping, their contents checked.
 */
static int contig_64m_vmalloc(struct bench *b, const char *cmdline)
{
	struct kmm_vmalloc_stats v0, v1;
	kmm_machine *m;
	size_t cap, nr_areas = 0, live = 0, bad = 0, ps;
	void **areas;
	unsigned long nr;
	struct page *p;
	double t0, dt;

	bench_progress(b, "contig: alloc_contig_pages of 64 MiB over scattered vmalloc pages");
	if (bench_boot(cmdline, &m))
		return -1;
	ps = kmm_page_size(m);
	nr = (64ul << 20) / ps;
	cap = free_pages(m) / 8 + 1;
	areas = calloc(cap, sizeof(*areas));
	while (areas && nr_areas < cap &&
	       (areas[nr_areas] = kmm___vmalloc(m, 8 * ps,
						KMM_GFP_KERNEL | KMM_GFP_MOVABLE | KMM_GFP_NOWARN |
							KMM_GFP_NORETRY)) != NULL) {
		memset(areas[nr_areas], (int)(nr_areas % 251) + 1, 8 * ps);
		nr_areas++;
	}
	for (size_t i = 0; i < nr_areas; i++)
		if (i % 3) {
			kmm_vfree(m, areas[i]);
			areas[i] = NULL;
		} else {
			live++;
		}
	bench_figure(b, "contig_64m_vmalloc_scattered_pages", (double)(live * 8));
	kmm_vmalloc_stats(m, &v0);
	t0 = now_s();
	p = kmm_alloc_contig_pages(m, nr, KMM_GFP_KERNEL, 0, NULL);
	dt = now_s() - t0;
	kmm_vmalloc_stats(m, &v1);
	bench_figure(b, "contig_64m_vmalloc_ms", dt * 1e3);
	bench_figure(b, "contig_64m_vmalloc_pages_moved",
		     (double)(v1.pages_migrated - v0.pages_migrated));
	bench_figure(b, "vmalloc_pages_migrated_per_s",
		     dt > 0 ? (double)(v1.pages_migrated - v0.pages_migrated) / dt : 0);
	bench_figure(b, "contig_64m_vmalloc_ok", p ? 1 : 0);
	for (size_t i = 0; i < nr_areas; i++)
		if (areas[i]) {
			const unsigned char *c = areas[i];

			for (size_t k = 0; k < 8 * ps; k++)
				if (c[k] != (unsigned char)(i % 251 + 1)) {
					bad++;
					break;
				}
			kmm_vfree(m, areas[i]);
		}
	free(areas);
	bench_figure(b, "contig_64m_vmalloc_checksum_failures", (double)bad);
	if (p)
		kmm_free_contig_range(m, kmm_page_to_pfn(m, p), nr);
	if (kmm_check(m) != 0 || bad) {
		fprintf(stderr,
			"kmm bench compaction: contig over vmalloc pages: %zu areas damaged "
			"or kmm_check failed\n",
			bad);
		kmm_machine_destroy(m);
		return -1;
	}
	kmm_machine_destroy(m);
	return 0;
}

/* alloc_contig_pages of 64 MiB over an owner's pages scattered across a fresh machine. */
static int contig_64m(struct bench *b, const char *base)
{
	char cmdline[512];
	struct mclient c;
	kmm_machine *m;
	unsigned long nr;
	struct page *p;
	double t0;

	snprintf(cmdline, sizeof(cmdline), "%s %s", base, QUIET_KEYS);
	bench_progress(b, "contig: alloc_contig_pages of 64 MiB over scattered movable pages");
	if (bench_boot(cmdline, &m))
		return -1;
	nr = (64ul << 20) / kmm_page_size(m);
	if (mclient_init(&c, m, free_pages(m))) {
		kmm_machine_destroy(m);
		return -1;
	}
	mclient_scatter(&c, 5, 3);
	bench_figure(b, "contig_64m_scattered_pages", (double)c.live_pages);
	t0 = now_s();
	p = kmm_alloc_contig_pages(m, nr, KMM_GFP_KERNEL, 0, NULL);
	bench_figure(b, "contig_64m_ms", (now_s() - t0) * 1e3);
	bench_figure(b, "contig_64m_ok", p ? 1 : 0);
	bench_figure(b, "contig_64m_checksum_failures", (double)mclient_verify_all(&c));
	if (p)
		kmm_free_contig_range(m, kmm_page_to_pfn(m, p), nr);
	mclient_destroy(&c);
	if (kmm_check(m) != 0) {
		fprintf(stderr, "kmm bench compaction: kmm_check failed after contig_64m\n");
		kmm_machine_destroy(m);
		return -1;
	}
	kmm_machine_destroy(m);
	return contig_64m_vmalloc(b, cmdline);
}

static int compaction_run(struct bench *b)
{
	static const struct {
		const char *name, *extra;
		bool compact;
	} runs[] = {
		{ "neither", "page_group_by_mobility=0 compaction=0", false },
		{ "grouping", "compaction=0", false },
		{ "compaction", "", true },
	};
	const char *base =
		bench_opts(b)->machine ? bench_opts(b)->machine : BENCH_COMPACTION_DEFAULT;
	char cmdline[512], key[96];

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct frag_opts opts = { .movable_client = true,
					  .compact = runs[i].compact,
					  .movable_vmalloc = true };
		struct frag_result res;
		kmm_machine *m;

		snprintf(cmdline, sizeof(cmdline), "%s %s %s", base, QUIET_KEYS, runs[i].extra);
		bench_progress(b,
			       "%s: the fragmentation workload with movable-ops and vmalloc shares",
			       runs[i].name);
		if (bench_boot(cmdline, &m))
			return -1;
		if (i == 2)
			bench_set_machine(b, kmm_machine_cmdline(m));
		if (frag_workload_run_opts(m, 7, &opts, &res)) {
			fprintf(stderr, "kmm bench compaction: the workload failed\n");
			kmm_machine_destroy(m);
			return -1;
		}
		snprintf(key, sizeof(key), "order9_free_blocks_%s", runs[i].name);
		bench_figure(b, key, (double)res.order9_allocatable);
		snprintf(key, sizeof(key), "unusable_index_order9_%s", runs[i].name);
		bench_figure(b, key, (double)kmm_zone_unusable_index(m, 0, largest_zone(m), 9));
		if (runs[i].compact) {
			double gained =
				(double)res.order9_free_blocks - (double)res.order9_before_compact;

			bench_figure(b, "order9_free_blocks_before_compaction",
				     (double)res.order9_before_compact);
			bench_figure(b, "pages_migrated", (double)res.pages_migrated);
			bench_figure(b, "compaction_ms", res.compact_seconds * 1e3);
			bench_figure(b, "pages_migrated_per_s",
				     res.compact_seconds > 0
					     ? res.pages_migrated / res.compact_seconds
					     : 0);
			bench_figure(b, "ms_per_order9_block_gained",
				     gained > 0 ? res.compact_seconds * 1e3 / gained : 0);
			bench_figure(b, "vmalloc_areas", (double)res.nr_vareas);
			bench_figure(b, "vmalloc_pages", (double)res.vmalloc_pages);
			bench_figure(b, "vmalloc_areas_moved", (double)res.vmalloc_areas_moved);
			bench_figure(b, "vmalloc_pages_migrated",
				     (double)res.vmalloc_pages_migrated);
			bench_figure(
				b, "checksum_failures",
				(double)(res.checksum_failures + res.vmalloc_checksum_failures));
			if (res.checksum_failures || res.vmalloc_checksum_failures) {
				fprintf(stderr,
					"kmm bench compaction: %lu pages and %lu vmalloc areas "
					"lost "
					"their data\n",
					res.checksum_failures, res.vmalloc_checksum_failures);
				frag_workload_release(m, &res);
				kmm_machine_destroy(m);
				return -1;
			}
			/* the workload's unmovable pages sit everywhere: 64 MiB must fail cleanly
			 */
			{
				unsigned long nr = (64ul << 20) / kmm_page_size(m);
				unsigned long free0 = free_pages(m);
				struct page *p =
					kmm_alloc_contig_pages(m, nr, KMM_GFP_KERNEL, 0, NULL);

				bench_figure(b, "contig_64m_blocked_ok", p ? 1 : 0);
				bench_figure(b, "contig_64m_blocked_lost_pages",
					     p ? 0 : (double)free0 - (double)free_pages(m));
				if (p)
					kmm_free_contig_range(m, kmm_page_to_pfn(m, p), nr);
			}
		}
		frag_workload_release(m, &res);
		if (kmm_check(m) != 0) {
			fprintf(stderr, "kmm bench compaction: kmm_check failed after %s\n",
				runs[i].name);
			kmm_machine_destroy(m);
			return -1;
		}
		kmm_machine_destroy(m);
	}
	if (contig_64m(b, base))
		return -1;
	bench_note(b, "order9_free_blocks_*: order-9 blocks allocatable after the same seeded "
		      "workload with a movable-ops owner's share: no grouping and no compaction, "
		      "grouping alone, grouping and compaction (kmm_compact_memory)");
	bench_note(b, "unusable_index_order9_*: Linux's unusable free space index at order 9 of "
		      "the largest zone, thousandths (lower is better)");
	return 0;
}

const struct bench_suite bench_suite_compaction = {
	.name = "compaction",
	.desc = "order-9 blocks with compaction vs grouping alone vs neither; migration cost; "
		"64 MiB contig",
	.threaded = false,
	.run = compaction_run,
};
