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
 *
 * What that branch costs is measured against code without it: two more
 * impls run the same patterns through two copies of the library loaded
 * next to the kmm executable, called alike through dlsym'd pointers:
 *   "so-hooks"   libkmm.so, the shipped library: hooks compiled in, off
 *   "so-nohook"  libkmm-notrace.so, the same sources built with
 *                KMM_TRACEPOINTS=0: every hook compiled out
 * Each library is checked to be what it claims (a callback fires on the
 * first, never on the second) before it is timed. Where either is missing
 * (an installed kmm, a fuzz build) both are marked absent.
 * Figures:
 *   trace_off_cost_ns_<pattern>  so-hooks' median minus so-nohook's, both
 *       measured in this run (noise can make it negative);
 *   replay_page_events_per_s   kmm replay's engine on a synthetic trace of
 *       400,000 mm_page_alloc/mm_page_free lines (orders 0-3, a working set
 *       of 4096 blocks), text parsed and replayed, one thread, no pinning;
 *   replay_mixed_events_per_s  the same with kmalloc/kfree and
 *       kmem_cache_alloc/free lines mixed in (a third each).
 */
#define _GNU_SOURCE /* memrchr */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---- the library with hooks compiled in (off) and compiled out ---------- */

struct dl_kmm {
	const char *impl, *file;
	void *handle;
	int (*machine_create)(const char *, kmm_machine **, char *, size_t);
	void (*machine_destroy)(kmm_machine *);
	struct page *(*alloc_pages)(kmm_machine *, kmm_gfp_t, unsigned int);
	void (*free_pages)(kmm_machine *, struct page *, unsigned int);
	void *(*kmalloc)(kmm_machine *, size_t, kmm_gfp_t);
	void (*kfree)(kmm_machine *, const void *);
	struct kmem_cache *(*cache_create)(kmm_machine *, const char *, unsigned int, unsigned int,
					   kmm_slab_flags_t, void (*)(void *));
	void *(*cache_alloc)(kmm_machine *, struct kmem_cache *, kmm_gfp_t);
	void (*cache_free)(kmm_machine *, struct kmem_cache *, void *);
	void (*set_callback)(kmm_machine *, kmm_trace_fn, void *);
	kmm_machine *m;
	struct kmem_cache *cache;
	bool traces; /* hooks compiled in */
	char why[256];
};

/*
 * The self-check's kmalloc and kfree events only: the kmalloc may also take
 * a slab's page (an mm_page_alloc event) when the CPU it runs on has no
 * object of kmalloc-64 yet, which depends on where the thread runs (the
 * check failed about once in 100 runs that way).
 */
static void count_callback(void *ctx, const struct kmm_trace_record *r)
{
	if (r->kind == KMM_EV_KMALLOC || r->kind == KMM_EV_KFREE)
		(*(unsigned long *)ctx)++;
}

#define DL_SYM(d, field, name)                                                              \
	do {                                                                                \
		*(void **)&(d)->field = dlsym((d)->handle, name);                           \
		if (!(d)->field) {                                                          \
			snprintf((d)->why, sizeof((d)->why), "%s: no %s", (d)->file, name); \
			return -1;                                                          \
		}                                                                           \
	} while (0)

/* Load d->file from the kmm executable's directory and boot a machine in it. 0 or -1 (why). */
static int dl_load(struct dl_kmm *d, const char *machine)
{
	char exe[PATH_MAX], path[PATH_MAX + 64], err[200];
	unsigned long events = 0;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	void *p;

	if (n <= 0 || !(slash = memrchr(exe, '/', (size_t)n))) {
		snprintf(d->why, sizeof(d->why), "cannot find the kmm executable");
		return -1;
	}
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/%s", exe, d->file);
	d->handle = dlopen(path, RTLD_LOCAL | RTLD_NOW);
	if (!d->handle) {
		snprintf(d->why, sizeof(d->why), "%s", dlerror());
		return -1;
	}
	DL_SYM(d, machine_create, "kmm_machine_create");
	DL_SYM(d, machine_destroy, "kmm_machine_destroy");
	DL_SYM(d, alloc_pages, "kmm_alloc_pages");
	DL_SYM(d, free_pages, "kmm_free_pages");
	DL_SYM(d, kmalloc, "kmm_kmalloc");
	DL_SYM(d, kfree, "kmm_kfree");
	DL_SYM(d, cache_create, "kmm_kmem_cache_create");
	DL_SYM(d, cache_alloc, "kmm_kmem_cache_alloc");
	DL_SYM(d, cache_free, "kmm_kmem_cache_free");
	DL_SYM(d, set_callback, "kmm_trace_set_callback");
	if (d->machine_create(machine, &d->m, err, sizeof(err)) != KMM_OK) {
		snprintf(d->why, sizeof(d->why), "%s: %s", d->file, err);
		return -1;
	}
	d->cache = d->cache_create(d->m, "bench64", 64, 0, 0, NULL);
	if (!d->cache) {
		snprintf(d->why, sizeof(d->why), "%s: no cache", d->file);
		return -1;
	}
	/* is it what it claims? one kmalloc + kfree: two events with hooks, none without */
	d->set_callback(d->m, count_callback, &events);
	p = d->kmalloc(d->m, 64, GFP_KERNEL);
	d->kfree(d->m, p);
	d->set_callback(d->m, NULL, NULL);
	if (events != (d->traces ? 2u : 0u)) {
		snprintf(d->why, sizeof(d->why), "%s: %lu events from kmalloc+kfree, expected %d",
			 d->file, events, d->traces ? 2 : 0);
		return -1;
	}
	return 0;
}

static void dl_unload(struct dl_kmm *d)
{
	if (d->m)
		d->machine_destroy(d->m);
	/* never dlclose: its atexit and thread-key destructors may still run */
	d->m = NULL;
}

static int dl_page_pair(void *ctx, uint64_t iters)
{
	struct dl_kmm *d = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		struct page *p = d->alloc_pages(d->m, GFP_KERNEL, 0);

		if (!p)
			return -1;
		d->free_pages(d->m, p, 0);
	}
	return 0;
}

static int dl_kmalloc_pair(void *ctx, uint64_t iters)
{
	struct dl_kmm *d = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		void *p = d->kmalloc(d->m, 64, GFP_KERNEL);

		if (!p)
			return -1;
		bench_keep(p);
		d->kfree(d->m, p);
	}
	return 0;
}

static int dl_cache_pair(void *ctx, uint64_t iters)
{
	struct dl_kmm *d = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		void *p = d->cache_alloc(d->m, d->cache, GFP_KERNEL);

		if (!p)
			return -1;
		bench_keep(p);
		d->cache_free(d->m, d->cache, p);
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
	static struct dl_kmm in = { .impl = "so-hooks", .file = "libkmm.so", .traces = true },
			     out = { .impl = "so-nohook", .file = "libkmm-notrace.so" };
	const char *machine = bench_opts(b)->machine;
	bool dl = dl_load(&in, machine) == 0 && dl_load(&out, machine) == 0;
	bench_run_fn dl_run[3] = { dl_page_pair, dl_kmalloc_pair, dl_cache_pair };
	bench_run_fn run[3] = { page_pair, kmalloc_pair, cache_pair };
	static const char *const names[3] = { "page_pair_order0", "kmalloc_pair_64",
					      "cache_pair_64" };

	for (int i = 0; i < 3; i++) {
		struct bench_impl impls[] = { { "kmm", run[i], &off, 0 },
					      { "kmm+trace", run[i], &on, 0 },
					      { "so-hooks", dl ? dl_run[i] : NULL, &in, 0 },
					      { "so-nohook", dl ? dl_run[i] : NULL, &out, 0 } };

		rc |= bench_measure(b, names[i], impls, 4);
	}
	bench_note(b, "kmm: tracepoints off (one predicted branch per hook); kmm+trace: a "
		      "callback that does nothing, every event formatted in the kernel's text");
	for (int i = 0; dl && !rc && i < 3; i++) {
		static const char *const keys[3] = { "trace_off_cost_ns_page_pair_order0",
						     "trace_off_cost_ns_kmalloc_pair_64",
						     "trace_off_cost_ns_cache_pair_64" };
		double with = bench_median_of(b, names[i], "so-hooks");
		double without = bench_median_of(b, names[i], "so-nohook");

		if (with >= 0 && without >= 0)
			bench_figure(b, keys[i], with - without);
	}
	if (dl)
		bench_note(b, "so-hooks: libkmm.so, hooks compiled in and off; so-nohook: "
			      "libkmm-notrace.so, the same code with the hooks compiled out "
			      "(KMM_TRACEPOINTS=0); both called through pointers; "
			      "trace_off_cost_ns_*: so-hooks minus so-nohook, the cost of the "
			      "disabled hooks");
	else
		bench_note(b, "so-hooks and so-nohook absent: %s", in.why[0] ? in.why : out.why);
	dl_unload(&in);
	dl_unload(&out);
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
