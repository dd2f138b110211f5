/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_zones.c - the `zones` suite: what the zone allocator's policy
 * costs, and what mobility grouping buys. kmm only (peers have no zones).
 *
 * Every machine is the one under test (--machine, or the library's default)
 * with pcp=0 appended, so the buddy and zone logic is what is measured.
 *
 * Results (one op = one order-0 alloc + free pair, GFP_KERNEL; the serving
 * zone is warmed so its order-0 list holds pages whose buddies are in use,
 * as on a running system):
 *   zone_fast_order0    every zone above its low watermark: the fast path.
 *   zone_slow_order0    every zone between min and low: the fast path fails
 *                       everywhere, kswapd is "woken" (counted), and the slow
 *                       path serves the page at the min watermark.
 *   zone_remote_order0  two nodes (numa=fake=2 appended when the machine has
 *                       one), node 0 drained to its min watermark with
 *                       __GFP_THISNODE: requests preferring node 0 are served
 *                       by node 1 in the fast path (and counted as misses).
 * Figures:
 *   order9_free_blocks_grouped / _ungrouped  order-9 blocks that can still be
 *       allocated after the same seeded mixed workload (bench/frag_workload.c)
 *       with mobility grouping on and off (page_group_by_mobility=0 appended);
 *   unusable_index_order9_grouped / _ungrouped  Linux's unusable free space
 *       index for order 9 in DMA32 afterwards, in thousandths.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "frag_workload.h"

struct zones_ctx {
	kmm_machine *m;
	int nid;
};

static int zones_pair_run(void *ctx, uint64_t iters)
{
	const struct zones_ctx *z = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		struct page *p = kmm_alloc_pages_node(z->m, z->nid, GFP_KERNEL, 0);

		if (!p) {
			fprintf(stderr, "bench: zones: allocation failed\n");
			return -1;
		}
		bench_keep(p);
		kmm_free_pages(z->m, p, 0);
	}
	return 0;
}

struct held {
	struct page **page;
	size_t nr, cap;
};

static void hold(struct held *h, struct page *p)
{
	if (h->nr == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 4096;
		h->page = realloc(h->page, h->cap * sizeof(*h->page));
		if (!h->page)
			abort();
	}
	h->page[h->nr++] = p;
}

static void release(kmm_machine *m, struct held *h)
{
	while (h->nr > 0)
		kmm_free_pages(m, h->page[--h->nr], 0);
	free(h->page);
	h->page = NULL;
	h->cap = 0;
}

/* Take order-0 pages preferring nid until gfp fails. */
static void drain(kmm_machine *m, int nid, gfp_t gfp, struct held *h)
{
	struct page *p;

	while ((p = kmm_alloc_pages_node(m, nid, gfp | __GFP_NOWARN | __GFP_NORETRY, 0)) != NULL)
		hold(h, p);
}

/*
 * Steady state: hold every second one of 64 order-0 pages on node nid, so
 * the order-0 free list has pages whose buddies are in use (no split/merge
 * per op, as on a running system). Released with release().
 */
static void warm(kmm_machine *m, int nid, struct held *h)
{
	struct page *p[64];

	for (int i = 0; i < 64; i++)
		p[i] = kmm_alloc_pages_node(m, nid, GFP_KERNEL | __GFP_THISNODE, 0);
	for (int i = 0; i < 64; i++) {
		if (!p[i])
			continue;
		if (i % 2)
			kmm_free_pages(m, p[i], 0);
		else
			hold(h, p[i]);
	}
}

static int measure_one(struct bench *b, const char *name, kmm_machine *m, int nid)
{
	struct zones_ctx ctx = { m, nid };
	struct bench_impl impl = { .impl = "kmm", .run = zones_pair_run, .ctx = &ctx };

	return bench_measure(b, name, &impl, 1);
}

/* The machine under test (--machine, or the default) with `extra` appended. */
static void zones_cmdline(struct bench *b, const char *extra, char *buf, size_t len)
{
	const char *base = bench_opts(b)->machine;

	snprintf(buf, len, "%s %s", base ? base : KMM_DEFAULT_CMDLINE, extra);
}

static int zones_fast_and_slow(struct bench *b)
{
	char cmdline[512];
	struct held h = { 0 };
	kmm_machine *m;
	int rc;

	zones_cmdline(b, "pcp=0", cmdline, sizeof(cmdline));
	if (bench_boot(cmdline, &m))
		return -1;
	bench_set_machine(b, kmm_machine_cmdline(m));
	warm(m, 0, &h);
	rc = measure_one(b, "zone_fast_order0", m, 0);
	if (rc == 0) {
		/*
		 * Everything down to min, then give back a few pages per zone so
		 * each sits between min and low: only the slow path can serve.
		 */
		size_t give;

		bench_progress(b, "zone_slow_order0: draining every zone to its min watermark");
		drain(m, 0, GFP_KERNEL, &h);
		give = h.nr < 64 ? h.nr : 64;
		for (size_t i = 0; i < give; i++)
			kmm_free_pages(m, h.page[--h.nr], 0);
		rc = measure_one(b, "zone_slow_order0", m, 0);
		bench_note(b, "zone_slow_order0: every zone between its min and low watermarks; "
			      "each alloc takes the slow path");
	}
	release(m, &h);
	if (kmm_check(m) != 0)
		rc = -1;
	kmm_machine_destroy(m);
	return rc;
}

/*
 * The remote case needs two nodes: the machine under test if it has them,
 * otherwise the same machine with numa=fake=2 appended.
 */
static int zones_remote(struct bench *b)
{
	struct held h = { 0 };
	char cmdline[512];
	kmm_machine *m;
	int rc;
	bool faked = false;

	zones_cmdline(b, "pcp=0", cmdline, sizeof(cmdline));
	if (bench_boot(cmdline, &m))
		return -1;
	if (kmm_nr_nodes(m) < 2) {
		kmm_machine_destroy(m);
		zones_cmdline(b, "pcp=0 numa=fake=2", cmdline, sizeof(cmdline));
		if (bench_boot(cmdline, &m))
			return -1;
		faked = true;
	}
	bench_progress(b, "zone_remote_order0: draining node 0");
	warm(m, 1, &h);
	drain(m, 0, GFP_KERNEL | __GFP_THISNODE, &h);
	rc = measure_one(b, "zone_remote_order0", m, 0);
	bench_note(b, "zone_remote_order0: on '%s'%s, node 0 drained to min with "
		      "__GFP_THISNODE; node-0 requests are served by node 1",
		   kmm_machine_cmdline(m), faked ? " (numa=fake=2 appended)" : "");
	release(m, &h);
	if (kmm_check(m) != 0)
		rc = -1;
	kmm_machine_destroy(m);
	return rc;
}

static int zones_fragmentation(struct bench *b)
{
	static const struct {
		const char *extra, *blocks_key, *index_key;
	} runs[] = {
		{ "pcp=0", "order9_free_blocks_grouped", "unusable_index_order9_grouped" },
		{ "pcp=0 page_group_by_mobility=0", "order9_free_blocks_ungrouped",
		  "unusable_index_order9_ungrouped" },
	};
	char cmdline[512];

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct frag_result res;
		kmm_machine *m;

		zones_cmdline(b, runs[i].extra, cmdline, sizeof(cmdline));
		bench_progress(b, "%s: the fragmentation workload", runs[i].blocks_key);
		if (bench_boot(cmdline, &m))
			return -1;
		if (frag_workload_run(m, 7, &res)) {
			kmm_machine_destroy(m);
			return -1;
		}
		bench_figure(b, runs[i].blocks_key, (double)res.order9_allocatable);
		bench_figure(b, runs[i].index_key,
			     (double)kmm_zone_unusable_index(m, 0, KMM_ZONE_DMA32, 9));
		frag_workload_release(m, &res);
		kmm_machine_destroy(m);
	}
	bench_note(b, "order9_free_blocks_*: order-9 blocks allocatable after the same seeded "
		      "mixed workload on the machine under test, with and without mobility "
		      "grouping");
	return 0;
}

static int zones_run(struct bench *b)
{
	if (zones_fast_and_slow(b) || zones_remote(b) || zones_fragmentation(b))
		return -1;
	return 0;
}

const struct bench_suite bench_suite_zones = {
	.name = "zones",
	.desc = "zone allocator: fast path, slow path at min, remote node; grouping vs "
		"fragmentation",
	.threaded = false,
	.run = zones_run,
};
