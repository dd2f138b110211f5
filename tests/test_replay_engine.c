/* SPDX-License-Identifier: MIT */
/*
 * tests/test_replay_engine.c - kmm replay's engine (tools/kmm/replay) in
 * process: a hand-written trace whose every counter is known (matched and
 * unmatched frees, batched echoes, implicit frees, kfree(NULL), failures
 * with the kernel's warning), the accounting identities on the shared
 * 6.18 trace on three machine shapes, and a fuzz loop that replays
 * mutated trace lines (numbers, orders, pointers, flags, bytes) and
 * requires kmm_check to stay clean.
 */
#include "kmm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "input.h"

static const char synthetic[] =
	"# tracer: nop\n"
	"#\n"
	"  t-1 [000] ..... 1.000000: mm_page_alloc: page=0 pfn=0x100 order=0 migratetype=0 "
	"gfp_flags=GFP_KERNEL\n"
	"  t-1 [000] ..... 1.000001: mm_page_alloc: page=0 pfn=0x200 order=3 migratetype=1 "
	"gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n"
	"  t-1 [000] ..... 1.000002: mm_page_free: page=0 pfn=0x100 order=0\n"
	"  t-1 [000] ..... 1.000003: mm_page_free_batched: page=0 pfn=0x100 order=0\n" /* echo */
	"  t-1 [000] ..... 1.000004: mm_page_free: page=0 pfn=0x999 order=0\n" /* unmatched */
	"  t-1 [000] ..... 1.000005: mm_page_alloc: page=0 pfn=0x200 order=3 migratetype=1 "
	"gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n" /* implicit free of the first 0x200 */
	"  t-1 [001] ..... 1.000006: kmalloc: call_site=x ptr=00000000aaaa bytes_req=100 "
	"bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false\n"
	"  t-1 [001] ..... 1.000007: kmem_cache_alloc: call_site=x ptr=00000000bbbb name=my_cache "
	"bytes_req=300 bytes_alloc=304 gfp_flags=GFP_KERNEL node=-1 accounted=false\n"
	"  t-1 [001] ..... 1.000008: kfree: call_site=x ptr=0000000000000000\n"
	"  t-1 [001] ..... 1.000009: kfree: call_site=x ptr=00000000aaaa\n"
	"  t-1 [001] ..... 1.000010: kfree: call_site=x ptr=00000000cccc\n" /* unmatched */
	"  t-1 [001] ..... 1.000011: kmem_cache_free: call_site=x ptr=00000000bbbb name=my_cache\n"
	"  t-1 [001] ..... 1.000012: sched_switch: prev_comm=t\n" /* unknown */
	"  t-1 [000] ..... 1.000013: mm_page_free_batched: page=0 pfn=0x200 order=0\n";

static void test_synthetic_counters(void **state)
{
	struct rp_options opt = { .cmdline = "mem=64M nr_cpus=2", .nsamples = 4 };
	struct rp_engine e;

	assert_int_equal(rp_engine_init(&e, &opt, NULL), 0);
	e.warn_out = NULL;
	assert_int_equal(rp_engine_run(&e, synthetic, strlen(synthetic)), 0);
	assert_int_equal(e.st.lines, 16);
	assert_int_equal(e.st.events[KMM_EV_MM_PAGE_ALLOC], 3);
	assert_int_equal(e.st.matched_free[KMM_EV_MM_PAGE_FREE], 1);
	assert_int_equal(e.st.matched_free[KMM_EV_MM_PAGE_FREE_BATCHED], 1);
	assert_int_equal(e.st.batched_echo, 1);
	assert_int_equal(e.st.unmatched_free[KMM_EV_MM_PAGE_FREE], 1);
	assert_int_equal(e.st.implicit_free, 1);
	assert_int_equal(e.st.implicit_free_pages, 1);
	assert_int_equal(e.st.kfree_null, 1);
	assert_int_equal(e.st.unmatched_free[KMM_EV_KFREE], 1);
	assert_int_equal(e.st.matched_free[KMM_EV_KFREE], 1);
	assert_int_equal(e.st.matched_free[KMM_EV_KMEM_CACHE_FREE], 1);
	assert_int_equal(e.st.unknown, 1);
	assert_int_equal(e.st.caches_created, 1);
	assert_int_equal(e.st.failures, 0);
	assert_int_equal(e.st.live_pages, 0);
	assert_int_equal(e.st.peak_pages, 9);
	assert_int_equal(e.pages.live, 0);
	assert_int_equal(e.objs.live, 0);
	assert_true(e.nsamples >= 2);
	assert_int_equal(kmm_check(e.m), 0);
	rp_engine_destroy(&e);
}

static void test_failures_warn(void **state)
{
	struct rp_options opt = { .cmdline = "mem=24M", .nsamples = 10 };
	struct rp_engine e;
	char trace[64 * 200];
	size_t len = 0;
	char *out = NULL;
	size_t out_len = 0;
	FILE *w = open_memstream(&out, &out_len);

	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(trace + len, sizeof(trace) - len,
					"  t-1 [000] ..... 1.%06d: mm_page_alloc: page=0 pfn=0x%x "
					"order=10 migratetype=0 gfp_flags=GFP_KERNEL\n",
					i, 0x400 * (i + 1));
	assert_int_equal(rp_engine_init(&e, &opt, NULL), 0);
	e.warn_out = w;
	assert_int_equal(rp_engine_run(&e, trace, len), 0);
	fclose(w);
	assert_true(e.st.failures > 0);
	assert_int_equal(e.st.failures, e.st.fail_pages[10]);
	assert_int_equal(e.st.nfail_gfp, 1);
	assert_int_equal(e.st.fail_gfp[0].gfp, GFP_KERNEL);
	assert_int_equal(e.st.fail_gfp[0].count, e.st.failures);
	/* the kernel's warning, through the machine's log */
	assert_non_null(strstr(out, "page allocation failure: order:10"));
	/* what did not fail is held */
	assert_int_equal(e.st.live_pages, (40 - e.st.failures) * 1024);
	assert_int_equal(kmm_check(e.m), 0);
	free(out);
	rp_engine_destroy(&e);
}

static void test_malformed_stops_with_line(void **state)
{
	static const char bad[] =
		"# x\n  t-1 [000] ..... 1.0: kfree: ptr=0\n  t-1 [000] ..... 1.0: "
		"kfree: ptr=zz\n  t-1 [000] ..... 1.0: kfree: ptr=0\n";
	struct rp_options opt = { .cmdline = "mem=64M" };
	struct rp_engine e;

	assert_int_equal(rp_engine_init(&e, &opt, NULL), 0);
	assert_int_equal(rp_engine_run(&e, bad, strlen(bad)), -1);
	assert_non_null(strstr(e.err, "line 3: bad ptr"));
	assert_int_equal(e.st.lines, 3);
	rp_engine_destroy(&e);
	opt.lenient = true;
	assert_int_equal(rp_engine_init(&e, &opt, NULL), 0);
	assert_int_equal(rp_engine_run(&e, bad, strlen(bad)), 0);
	assert_int_equal(e.st.skipped_bad, 1);
	assert_int_equal(e.st.kfree_null, 2);
	rp_engine_destroy(&e);
}

static char *shared_trace(size_t *len)
{
	char *buf, err[256];

	if (rp_read_trace(KMM_TEST_DATA "/linux-6.18-kmem-git-tar.trace.xz", &buf, len, err,
			  sizeof(err)))
		fail_msg("%s", err);
	return buf;
}

/* Every event is accounted for exactly once. */
static void check_identities(struct rp_engine *e)
{
	struct rp_stats *st = &e->st;
	unsigned long page_allocs = st->events[KMM_EV_MM_PAGE_ALLOC];
	unsigned long obj_allocs = st->events[KMM_EV_KMALLOC] + st->events[KMM_EV_KMEM_CACHE_ALLOC];

	assert_int_equal(st->events[0] + st->events[1] + st->events[2] + st->events[3] +
				 st->events[4] + st->events[5] + st->events[6],
			 37885);
	assert_int_equal(st->lines, 37897);
	assert_int_equal(st->unknown, 0);
	assert_int_equal(st->events[KMM_EV_MM_PAGE_FREE],
			 st->matched_free[KMM_EV_MM_PAGE_FREE] +
				 st->unmatched_free[KMM_EV_MM_PAGE_FREE]);
	assert_int_equal(st->events[KMM_EV_MM_PAGE_FREE_BATCHED],
			 st->matched_free[KMM_EV_MM_PAGE_FREE_BATCHED] +
				 st->unmatched_free[KMM_EV_MM_PAGE_FREE_BATCHED] +
				 st->batched_echo);
	/* trace_failed is 0 in this trace: every allocation has a slot */
	assert_int_equal(st->trace_failed, 0);
	assert_int_equal(page_allocs, e->pages.live + st->matched_free[KMM_EV_MM_PAGE_FREE] +
					      st->matched_free[KMM_EV_MM_PAGE_FREE_BATCHED] +
					      st->implicit_free_pages);
	assert_int_equal(obj_allocs, e->objs.live + st->matched_free[KMM_EV_KFREE] +
					     st->matched_free[KMM_EV_KMEM_CACHE_FREE] +
					     (st->implicit_free - st->implicit_free_pages));
	assert_int_equal(st->events[KMM_EV_KFREE] + st->events[KMM_EV_KMEM_CACHE_FREE],
			 st->matched_free[KMM_EV_KFREE] + st->matched_free[KMM_EV_KMEM_CACHE_FREE] +
				 st->unmatched_free[KMM_EV_KFREE] +
				 st->unmatched_free[KMM_EV_KMEM_CACHE_FREE] + st->kfree_null);
	assert_true(st->peak_pages >= st->live_pages);
	assert_true(st->peak_used_pages >= st->peak_pages);
	assert_int_equal(kmm_check(e->m), 0);
}

static void test_shared_trace_shapes(void **state)
{
	static const char *const shapes[] = { NULL, "mem=24M", "mem=256M nr_cpus=4 numa=fake=2",
					      "mem=2G page_group_by_mobility=0" };
	size_t len;
	char *buf = shared_trace(&len);

	for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct rp_options opt = { .cmdline = shapes[i], .quiet = true, .want_maps = true };
		struct rp_engine e;

		assert_int_equal(rp_engine_init(&e, &opt, NULL), 0);
		assert_int_equal(rp_engine_run(&e, buf, len), 0);
		check_identities(&e);
		assert_int_equal(e.nmoments, 3);
		/* the workload holds more than one page and reaches the slab */
		assert_true(e.st.peak_pages > 100);
		assert_true(e.st.peak_slab_pages > 10);
		assert_true(e.st.caches_created > 10);
		rp_engine_destroy(&e);
	}
	free(buf);
}

static void mutate_number(char *line, size_t *len, size_t cap, uint64_t *rng)
{
	static const char *const keys[] = { "pfn=",  "order=",	   "ptr=",	   "bytes_req=",
					    "node=", "gfp_flags=", "bytes_alloc=", "name=" };
	static const char *const gfps[] = { "GFP_KERNEL",
					    "GFP_ATOMIC",
					    "GFP_DMA",
					    "GFP_HIGHUSER_MOVABLE",
					    "__GFP_MOVABLE|__GFP_RECLAIMABLE",
					    "GFP_DMA|__GFP_DMA32",
					    "GFP_NOWAIT|__GFP_NOFAIL",
					    "__GFP_THISNODE" };
	const char *key = keys[test_rand(rng) % 8];
	char *at = strstr(line, key), *end, val[64], out[1024];

	if (!at)
		return;
	at += strlen(key);
	end = at;
	while (*end && *end != ' ' && *end != '\n')
		end++;
	switch (test_rand(rng) % 6) {
	case 0:
		snprintf(val, sizeof(val), "%llu", (unsigned long long)(test_rand(rng) % 16));
		break;
	case 1:
		snprintf(val, sizeof(val), "0x%llx",
			 (unsigned long long)(test_rand(rng) % 0x200000));
		break;
	case 2:
		snprintf(val, sizeof(val), "%s", gfps[test_rand(rng) % 8]);
		break;
	case 3:
		snprintf(val, sizeof(val), "%016llx", (unsigned long long)(test_rand(rng) % 64));
		break;
	case 4:
		snprintf(val, sizeof(val), "-1");
		break;
	default:
		snprintf(val, sizeof(val), "%llu", (unsigned long long)test_rand(rng) % 100000000);
		break;
	}
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - line), line, val, end);
	*len = strlen(out) < cap ? strlen(out) : cap - 1;
	memcpy(line, out, *len);
	line[*len] = '\0';
}

static void test_fuzz_replay(void **state)
{
	size_t len;
	char *buf = shared_trace(&len), *pos = buf;
	struct rp_options opt = {
		.cmdline = "mem=32M nr_cpus=2", .lenient = true, .quiet = true, .nsamples = 20
	};
	struct rp_engine e;
	uint64_t rng = 0xf00d;
	unsigned long lines = 0;

	assert_int_equal(rp_engine_init(&e, &opt, NULL), 0);
	e.warn_out = NULL;
	rp_engine_begin(&e, 0);
	for (int round = 0; round < 3; round++) {
		pos = buf;
		while (pos < buf + len && lines < 60000) {
			char *nl = memchr(pos, '\n', (size_t)(buf + len - pos));
			size_t n = nl ? (size_t)(nl - pos) : (size_t)(buf + len - pos);
			char line[1024];
			size_t l = n < sizeof(line) - 1 ? n : sizeof(line) - 1;

			memcpy(line, pos, l);
			line[l] = '\0';
			pos += n + 1;
			switch (test_rand(&rng) % 4) {
			case 0:
				break;
			case 1:
				mutate_number(line, &l, sizeof(line), &rng);
				break;
			case 2:
				if (l)
					line[test_rand(&rng) % l] = (char)(test_rand(&rng) & 0xff);
				break;
			default:
				mutate_number(line, &l, sizeof(line), &rng);
				mutate_number(line, &l, sizeof(line), &rng);
				break;
			}
			assert_int_equal(rp_engine_line(&e, line, l), 0);
			lines++;
			if (lines % 5000 == 0)
				assert_int_equal(kmm_check(e.m), 0);
		}
	}
	rp_engine_end(&e);
	assert_true(e.st.skipped_bad > 100);
	assert_true(e.st.events[KMM_EV_MM_PAGE_ALLOC] > 1000);
	assert_int_equal(kmm_check(e.m), 0);
	rp_engine_destroy(&e);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_counters),
		cmocka_unit_test(test_failures_warn),
		cmocka_unit_test(test_malformed_stops_with_line),
		cmocka_unit_test(test_shared_trace_shapes),
		cmocka_unit_test(test_fuzz_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
