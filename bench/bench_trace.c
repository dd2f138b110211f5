/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_trace.c - the `trace` suite: what kmm's tracepoints cost, and
 * how fast `kmm replay` replays.
 *
 * Results (impl "kmm": tracing off, the shipped state; "kmm+trace": a
 * callback that does nothing is installed, so every event is formatted in
 * the kernel's text and delivered). One op = one alloc + free pair:
 *   page_pair_order0   kmm_alloc_pages + kmm_free_pages (per-CPU lists)
 *   kmalloc_pair_64    kmm_kmalloc(64) + kmm_kfree
 *   cache_pair_64      kmm_kmem_cache_alloc + kmm_kmem_cache_free, 64-byte cache
 * With tracing off each hook is one predicted-not-taken branch on a field
 * of the machine the allocator has already loaded, so "kmm" here is the
 * allocator's own cost; compare it with the same patterns of the pages and
 * slab suites.
 * Figures:
 *   replay_page_events_per_s   kmm replay's engine on a synthetic trace of
 *       400,000 mm_page_alloc/mm_page_free lines (orders 0-3, a working set
 *       of 4096 blocks), text parsed and replayed, one thread, no pinning;
 *   replay_mixed_events_per_s  the same with kmalloc/kfree and
 *       kmem_cache_alloc/free lines mixed in (a third each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/slab.h>
#include <kmm/trace.h>

#include "bench.h"
#include "replay/engine.h"

struct trace_ctx {
	kmm_machine *m;
	struct kmem_cache *cache;
};

static void nop_callback(void *ctx, const struct kmm_trace_record *r)
{
	bench_keep(r);
}

static int page_pair(void *ctx, uint64_t iters)
{
	struct trace_ctx *t = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		struct page *p = kmm_alloc_pages(t->m, GFP_KERNEL, 0);

		if (!p)
			return -1;
		kmm_free_pages(t->m, p, 0);
	}
	return 0;
}

static int kmalloc_pair(void *ctx, uint64_t iters)
{
	struct trace_ctx *t = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		void *p = kmm_kmalloc(t->m, 64, GFP_KERNEL);

		if (!p)
			return -1;
		bench_keep(p);
		kmm_kfree(t->m, p);
	}
	return 0;
}

static int cache_pair(void *ctx, uint64_t iters)
{
	struct trace_ctx *t = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		void *p = kmm_kmem_cache_alloc(t->m, t->cache, GFP_KERNEL);

		if (!p)
			return -1;
		bench_keep(p);
		kmm_kmem_cache_free(t->m, t->cache, p);
	}
	return 0;
}

static char *synthetic_trace(size_t *len, bool mixed)
{
	size_t cap = 64u << 20, n = 0;
	char *buf = malloc(cap);
	uint64_t x = 88172645463325252ull;
	bool live[4096] = { false }, olive[4096] = { false };
	unsigned char order[4096];

	if (!buf)
		return NULL;
	for (int i = 0; i < 400000 && n + 512 < cap; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned k = (unsigned)(x % 4096), kind = mixed ? (unsigned)(x >> 20) % 3 : 0;
		unsigned long long ts = 1000000ull + (unsigned long long)i;

		if (kind == 0) {
			if (live[k])
				n += (size_t)snprintf(
					buf + n, cap - n,
					"  bench-1 [000] ..... %llu.%06llu: mm_page_free: "
					"page=0000000000000000 pfn=0x%x order=%u\n",
					ts / 1000000, ts % 1000000, k * 16, order[k]);
			else {
				order[k] = (unsigned char)((x >> 32) % 4);
				n += (size_t)snprintf(
					buf + n, cap - n,
					"  bench-1 [000] ..... %llu.%06llu: mm_page_alloc: "
					"page=0000000000000000 pfn=0x%x order=%u migratetype=0 "
					"gfp_flags=GFP_KERNEL\n",
					ts / 1000000, ts % 1000000, k * 16, order[k]);
			}
			live[k] = !live[k];
		} else {
			bool cache = kind == 2;

			if (olive[k])
				n += (size_t)snprintf(buf + n, cap - n,
						      "  bench-1 [000] ..... %llu.%06llu: %s: "
						      "call_site=x ptr=%016x%s\n",
						      ts / 1000000, ts % 1000000,
						      cache ? "kmem_cache_free" : "kfree", k,
						      cache ? " name=bench_obj" : "");
			else
				n += (size_t)snprintf(buf + n, cap - n,
						      "  bench-1 [000] ..... %llu.%06llu: %s: "
						      "call_site=x ptr=%016x%s "
						      "bytes_req=200 bytes_alloc=256 "
						      "gfp_flags=GFP_KERNEL node=-1 "
						      "accounted=false\n",
						      ts / 1000000, ts % 1000000,
						      cache ? "kmem_cache_alloc" : "kmalloc", k,
						      cache ? " name=bench_obj" : "");
			/* an object freed by the other kind of free is still one free */
			olive[k] = !olive[k];
		}
	}
	*len = n;
	return buf;
}

static int replay_rate(struct bench *b, const char *key, bool mixed)
{
	size_t len;
	char *buf = synthetic_trace(&len, mixed);
	struct rp_options opt = { .cmdline = bench_opts(b)->machine, .quiet = true };
	double best = 0;

	if (!buf)
		return -1;
	for (int rep = 0; rep < 3; rep++) {
		struct rp_engine e;
		unsigned long ev = 0;

		if (rp_engine_init(&e, &opt, NULL)) {
			fprintf(stderr, "bench: trace: %s\n", e.err);
			free(buf);
			return -1;
		}
		if (rp_engine_run(&e, buf, len) || kmm_check(e.m)) {
			fprintf(stderr, "bench: trace: replay failed: %s\n", e.err);
			rp_engine_destroy(&e);
			free(buf);
			return -1;
		}
		for (int k = 0; k < KMM_NR_EVENTS; k++)
			ev += e.st.events[k];
		if (e.st.seconds > 0 && (double)ev / e.st.seconds > best)
			best = (double)ev / e.st.seconds;
		rp_engine_destroy(&e);
	}
	bench_figure(b, key, best);
	free(buf);
	return 0;
}

static int trace_run(struct bench *b)
{
	struct trace_ctx off = { 0 }, on = { 0 };
	int rc = 0;

	if (bench_boot(bench_opts(b)->machine, &off.m) || bench_boot(bench_opts(b)->machine, &on.m))
		return -1;
	bench_set_machine(b, kmm_machine_cmdline(off.m));
	off.cache = kmm_kmem_cache_create(off.m, "bench64", 64, 0, 0, NULL);
	on.cache = kmm_kmem_cache_create(on.m, "bench64", 64, 0, 0, NULL);
	kmm_trace_set_callback(on.m, nop_callback, NULL);
	struct bench_impl pages[] = { { "kmm", page_pair, &off, 0 },
				      { "kmm+trace", page_pair, &on, 0 } };
	struct bench_impl km[] = { { "kmm", kmalloc_pair, &off, 0 },
				   { "kmm+trace", kmalloc_pair, &on, 0 } };
	struct bench_impl cp[] = { { "kmm", cache_pair, &off, 0 },
				   { "kmm+trace", cache_pair, &on, 0 } };

	rc |= bench_measure(b, "page_pair_order0", pages, 2);
	rc |= bench_measure(b, "kmalloc_pair_64", km, 2);
	rc |= bench_measure(b, "cache_pair_64", cp, 2);
	bench_note(b, "kmm: tracepoints off (one predicted branch per hook); kmm+trace: a "
		      "callback that does nothing, every event formatted in the kernel's text");
	kmm_machine_destroy(off.m);
	kmm_machine_destroy(on.m);
	rc |= replay_rate(b, "replay_page_events_per_s", false);
	rc |= replay_rate(b, "replay_mixed_events_per_s", true);
	return rc ? -1 : 0;
}

const struct bench_suite bench_suite_trace = {
	.name = "trace",
	.desc = "tracepoints off and on; kmm replay throughput (events/s)",
	.threaded = false,
	.run = trace_run,
};
