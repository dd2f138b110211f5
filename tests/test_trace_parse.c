/* SPDX-License-Identifier: MIT */
/*
 * tests/test_trace_parse.c - the trace-line parser (replay/parse.c) and the
 * gfp-name parser (replay/gfp_parse.c): every format kmm replay reads
 * (ftrace `trace` of 6.18 and of 4.x/5.x kernels, trace-cmd report, perf
 * script, kmm's own), every field variant of the seven events, unknown
 * events, and malformed lines, which must fail with their line number and
 * never crash. Lines are copied into exactly-sized heap buffers so that
 * ASan catches any read past the end.
 */
#include "kmm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/trace.h>

static int parse(struct kmm_trace_parser *p, const char *line, struct kmm_trace_event *ev,
		 char *err, size_t err_len)
{
	size_t n = strlen(line);
	char *copy = malloc(n ? n : 1);
	int r;

	memcpy(copy, line, n);
	r = kmm_trace_parse_line(p, copy, n, ev, err, err_len);
	/* ev->name points into the copy: keep what the tests read */
	static char name[80];

	if (r == KMM_TRACE_EVENT && ev->name) {
		memcpy(name, ev->name, ev->name_len);
		name[ev->name_len] = '\0';
		ev->name = name;
	}
	free(copy);
	return r;
}

static void test_ftrace_618(void **state)
{
	struct kmm_trace_parser p = { 0 };
	struct kmm_trace_event ev;
	char err[256];

	assert_int_equal(parse(&p, "# tracer: nop", &ev, err, sizeof(err)), KMM_TRACE_SKIP);
	assert_int_equal(parse(&p, "#", &ev, err, sizeof(err)), KMM_TRACE_SKIP);
	assert_int_equal(parse(&p, "", &ev, err, sizeof(err)), KMM_TRACE_SKIP);
	assert_int_equal(parse(&p,
			       "              rm-3713    [001] .....   414.100839: mm_page_alloc: "
			       "page=00000000168f957c pfn=0x1096ec order=0 migratetype=1 "
			       "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_MM_PAGE_ALLOC);
	assert_int_equal(ev.cpu, 1);
	assert_int_equal(ev.pid, 3713);
	assert_int_equal(ev.pfn, 0x1096ec);
	assert_int_equal(ev.order, 0);
	assert_int_equal(ev.migratetype, 1);
	assert_int_equal(ev.gfp, GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP);
	assert_true(ev.ts_ns == 414100839000ull);
	assert_false(ev.pfn_failed);
	assert_int_equal(p.line, 4);

	assert_int_equal(
		parse(&p,
		      "              rm-3713    [001] d..2.   414.100796: kmem_cache_alloc: "
		      "call_site=__send_signal_locked+0x98/0x460 ptr=0000000027d79be2 "
		      "name=sigqueue bytes_req=80 bytes_alloc=80 gfp_flags=GFP_ATOMIC "
		      "node=-1 accounted=true",
		      &ev, err, sizeof(err)),
		KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_KMEM_CACHE_ALLOC);
	assert_string_equal(ev.name, "sigqueue");
	assert_true(ev.ptr == 0x27d79be2ull);
	assert_int_equal(ev.bytes_req, 80);
	assert_int_equal(ev.bytes_alloc, 80);
	assert_int_equal(ev.node, -1);
	assert_int_equal(ev.gfp, GFP_ATOMIC);
	assert_false(ev.old_fields);

	assert_int_equal(parse(&p,
			       "              rm-3713    [001] .....   414.100953: kmalloc: "
			       "call_site=alloc_bprm+0x45/0x220 ptr=000000009e474101 bytes_req=408 "
			       "bytes_alloc=512 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 "
			       "accounted=false",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_KMALLOC);
	assert_int_equal(ev.bytes_req, 408);
	assert_int_equal(ev.gfp, GFP_KERNEL | __GFP_ZERO);

	assert_int_equal(parse(&p,
			       "              rm-3713    [001] .....   414.100961: kfree: "
			       "call_site=ida_alloc_range+0x39b/0x400 ptr=0000000000000000",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_KFREE);
	assert_true(ev.ptr == 0);

	assert_int_equal(parse(&p,
			       "              rm-3713    [001] ...2.   414.101201: "
			       "mm_page_free_batched: page=00000000b4c0d8b6 pfn=0x1077c3 order=0",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_MM_PAGE_FREE_BATCHED);
	assert_int_equal(ev.pfn, 0x1077c3);
	assert_false(ev.old_fields);
	assert_false(p.old_kernel);
	/* a failed allocation as 6.18 prints it */
	assert_int_equal(
		parse(&p,
		      "  cc1-99 [000] ..... 1.000001: mm_page_alloc: page=0000000000000000 "
		      "pfn=0xffffffffffffffff order=10 migratetype=0 gfp_flags=GFP_KERNEL",
		      &ev, err, sizeof(err)),
		KMM_TRACE_EVENT);
	assert_true(ev.pfn_failed);
	assert_int_equal(ev.order, 10);
}

static void test_trace_cmd_and_perf(void **state)
{
	struct kmm_trace_parser p = { 0 };
	struct kmm_trace_event ev;
	char err[256];

	assert_int_equal(parse(&p, "cpus=2", &ev, err, sizeof(err)), KMM_TRACE_SKIP);
	assert_int_equal(parse(&p, "CPU 1 is empty", &ev, err, sizeof(err)), KMM_TRACE_SKIP);
	/* trace-cmd report: no flags column, padded event name */
	assert_int_equal(parse(&p,
			       "      git-4242  [000]  5012.345678: mm_page_free:         "
			       "page=0xffffea0004123400 pfn=1066240 order=2",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_MM_PAGE_FREE);
	assert_int_equal(ev.pid, 4242);
	assert_int_equal(ev.cpu, 0);
	assert_int_equal(ev.pfn, 1066240);
	assert_int_equal(ev.order, 2);
	/* trace-cmd with nanoseconds and a task name holding a dash and a space */
	assert_int_equal(parse(&p,
			       "  kworker/u4:1-my job-77 [003] d..1. 12.123456789: kfree: "
			       "call_site=foo ptr=0xffff888012345678",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.pid, 77);
	assert_int_equal(ev.cpu, 3);
	assert_true(ev.ts_ns == 12123456789ull);
	assert_true(ev.ptr == 0xffff888012345678ull);
	/* perf script: "comm pid [cpu] time: kmem:event:" */
	assert_int_equal(parse(&p,
			       "             tar  5150 [001]  1234.567890: kmem:kmem_cache_free: "
			       "call_site=0xffffffff8123 ptr=0xffff888003d1c000 name=dentry",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_KMEM_CACHE_FREE);
	assert_int_equal(ev.pid, 5150);
	assert_string_equal(ev.name, "dentry");
	/* perf script with a period column */
	assert_int_equal(parse(&p,
			       " tar 5150 [001] 1234.567891:          1 kmem:mm_page_alloc: "
			       "page=0xffffea0000a00000 pfn=0x28000 order=9 migratetype=1 "
			       "gfp_flags=GFP_TRANSHUGE",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.order, 9);
	assert_int_equal(ev.pfn, 0x28000);
	assert_true((ev.gfp & __GFP_MOVABLE) && (ev.gfp & __GFP_DIRECT_RECLAIM));
	/* a "(TGID)" column */
	assert_int_equal(parse(&p,
			       "   bash-1234  (  1230) [000] .... 99.000001: kfree: call_site=x "
			       "ptr=(null)",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.pid, 1234);
	assert_true(ev.ptr == 0);
}

static void test_old_kernel_fields(void **state)
{
	struct kmm_trace_parser p = { 0 };
	struct kmm_trace_event ev;
	char err[256];

	/* 4.x kmalloc: no node, no accounted; call_site as hex */
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000001: kmalloc: call_site=ffffffff811c "
			       "ptr=ffff88003a8b2c00 bytes_req=100 bytes_alloc=128 "
			       "gfp_flags=GFP_KERNEL|__GFP_REPEAT|__GFP_NOTRACK",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_true(ev.old_fields);
	assert_int_equal(ev.node, -1);
	assert_int_equal(ev.gfp, GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	assert_true(p.old_kernel);
	/* kmalloc_node, kmem_cache_alloc without name= */
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000002: kmalloc_node: call_site=ffffffff811c "
			       "ptr=ffff88003a8b2c00 bytes_req=100 bytes_alloc=128 "
			       "gfp_flags=GFP_KERNEL node=0",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_KMALLOC);
	assert_int_equal(ev.node, 0);
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000003: kmem_cache_alloc: call_site=c0ffee "
			       "ptr=ffff88003a8b2d00 bytes_req=192 bytes_alloc=192 "
			       "gfp_flags=GFP_KERNEL|__GFP_WAIT",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_null(ev.name);
	assert_true(ev.old_fields);
	/* mm_page_free_batched with cold= (before 4.15), and without order */
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000004: mm_page_free_batched: "
			       "page=ffffea0000d8a000 pfn=221824 order=0 cold=1",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_true(ev.old_fields);
	assert_int_equal(ev.pfn, 221824);
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000005: mm_page_free_batched: "
			       "page=ffffea0000d8a000 pfn=221825 cold=0",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.order, 0);
	/* 3.x names */
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000006: mm_page_free_direct: "
			       "page=ffffea0000d8a000 pfn=221826 order=1",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_MM_PAGE_FREE);
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000007: mm_pagevec_free: "
			       "page=ffffea0000d8a000 pfn=221827 order=0 cold=0",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.kind, KMM_EV_MM_PAGE_FREE_BATCHED);
	/* the old GFP_NOWAIT had no __GFP_NOWARN */
	assert_int_equal(parse(&p,
			       " bash-1 [000] .... 10.000008: mm_page_alloc: page=ffffea0000d8a000 "
			       "pfn=221828 order=0 migratetype=0 gfp_flags=GFP_NOWAIT",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_EVENT);
	assert_int_equal(ev.gfp, __GFP_KSWAPD_RECLAIM);
}

static void test_unknown_events(void **state)
{
	struct kmm_trace_parser p = { 0 };
	struct kmm_trace_event ev;
	char err[256];

	assert_int_equal(parse(&p,
			       "  rm-1 [000] ..... 1.0: mm_page_pcpu_drain: page=0 pfn=0x1 order=0 "
			       "migratetype=0",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_UNKNOWN);
	assert_int_equal(parse(&p, "  rm-1 [000] ..... 1.0: sched_switch: prev_comm=rm prev_pid=1",
			       &ev, err, sizeof(err)),
			 KMM_TRACE_UNKNOWN);
	assert_int_equal(
		parse(&p, "  rm-1 [000] 1.5: kmem:rss_stat: mm_id=1 curr=1", &ev, err, sizeof(err)),
		KMM_TRACE_UNKNOWN);
}

static void expect_error(struct kmm_trace_parser *p, const char *line, const char *why)
{
	struct kmm_trace_event ev;
	char err[256], want[32];

	err[0] = '\0';
	assert_true(parse(p, line, &ev, err, sizeof(err)) < 0);
	snprintf(want, sizeof(want), "line %lu: ", p->line);
	if (strncmp(err, want, strlen(want)) || !strstr(err, why))
		fail_msg("\"%s\": got \"%s\", want \"%s...%s\"", line, err, want, why);
}

static void test_malformed_lines(void **state)
{
	struct kmm_trace_parser p = { 0 };

	expect_error(&p, "garbage", "no [CPU] column");
	expect_error(&p, "  rm-1 [000] ..... 1.0 kfree: ptr=0", "no timestamp");
	expect_error(&p, "  rm-1 [000] a b c 1.0: kfree: ptr=0", "no timestamp after the CPU");
	expect_error(&p, "  rm-1 [000] ..... 1.0:", "no event name");
	expect_error(&p, "  rm-1 [000] ..... 1.0: kfree: ptr=xyz", "bad ptr");
	expect_error(&p, "  rm-1 [000] ..... 1.0: kfree: call_site=foo", "free needs ptr");
	expect_error(&p, "  rm-1 [000] ..... 1.0: mm_page_free: pfn=0x10", "needs pfn and order");
	expect_error(&p, "  rm-1 [000] ..... 1.0: mm_page_free: pfn=0x1g order=0", "bad pfn");
	expect_error(&p, "  rm-1 [000] ..... 1.0: mm_page_free: pfn=1 order=99", "bad order");
	expect_error(&p, "  rm-1 [000] ..... 1.0: mm_page_alloc: pfn=1 order=0 gfp_flags=GFP_BOGUS",
		     "unknown gfp flag");
	expect_error(&p, "  rm-1 [000] ..... 1.0: mm_page_alloc: pfn=1 order=0",
		     "needs pfn, order and gfp_flags");
	expect_error(&p, "  rm-1 [000] ..... 1.0: kmalloc: ptr=1 bytes_req=1 gfp_flags=GFP_KERNEL",
		     "allocation needs");
	expect_error(&p, "  rm-1 [000] ..... 1.0: kfree: ptr", "field without '='");
	expect_error(&p, "  rm-1 [99999999999999] ..... 1.0: kfree: ptr=0", "bad CPU number");
	expect_error(&p,
		     "  rm-1 [000] ..... 1.0: kmalloc: ptr=1 bytes_req=99999999999999999999999 "
		     "bytes_alloc=8 gfp_flags=GFP_KERNEL",
		     "bad bytes_req");
	expect_error(&p,
		     "  rm-1 [000] ..... 1.0: kmalloc: ptr=1 bytes_req=1 bytes_alloc=8 "
		     "gfp_flags=GFP_KERNEL node=-7",
		     "bad node");
	assert_int_equal(p.line, 16);
	/* a NUL byte inside the line */
	{
		struct kmm_trace_event ev;
		char line[] = "  rm-1 [000] ..... 1.0: kfree: ptr=0\0x", err[128];

		assert_true(kmm_trace_parse_line(&p, line, sizeof(line) - 1, &ev, err,
						 sizeof(err)) < 0);
		assert_non_null(strstr(err, "line 17: NUL byte"));
	}
}

static void test_kmm_header(void **state)
{
	struct kmm_trace_parser p = { 0 };
	struct kmm_trace_event ev;
	char err[256];

	assert_int_equal(parse(&p, "# kmm-trace version 1", &ev, err, sizeof(err)), KMM_TRACE_SKIP);
	assert_int_equal(parse(&p, "# machine: mem=8G nr_cpus=4", &ev, err, sizeof(err)),
			 KMM_TRACE_SKIP);
	assert_true(p.kmm_format);
	assert_int_equal(p.version, KMM_TRACE_FORMAT_VERSION);
	assert_string_equal(p.machine, "mem=8G nr_cpus=4");
	{
		struct kmm_trace_parser q = { 0 };

		assert_true(parse(&q, "# kmm-trace version 2", &ev, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, "line 1: kmm trace format version newer"));
	}
}

static void test_gfp_names(void **state)
{
	gfp_t g;

#define GFP_OK(str, old, want)                                                 \
	do {                                                                   \
		assert_int_equal(kmm_parse_gfp(str, strlen(str), old, &g), 0); \
		assert_int_equal(g, (want));                                   \
	} while (0)
	GFP_OK("GFP_KERNEL", false, GFP_KERNEL);
	GFP_OK("GFP_NOWAIT", false, __GFP_KSWAPD_RECLAIM | __GFP_NOWARN);
	GFP_OK("GFP_NOWAIT", true, __GFP_KSWAPD_RECLAIM);
	GFP_OK("GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_"
	       "HARDWALL",
	       false,
	       GFP_NOFS | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_NOWARN | __GFP_NORETRY |
		       __GFP_COMP | __GFP_HARDWALL);
	GFP_OK("GFP_KERNEL_ACCOUNT|__GFP_ZERO", false, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	GFP_OK("__GFP_RECLAIMABLE|__GFP_IO|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC",
	       false,
	       __GFP_RECLAIMABLE | __GFP_IO | __GFP_NOWARN | __GFP_NORETRY | __GFP_COMP |
		       __GFP_NOMEMALLOC);
	GFP_OK("GFP_TEMPORARY", true, GFP_KERNEL | __GFP_RECLAIMABLE);
	GFP_OK("GFP_IOFS|__GFP_COLD", true, __GFP_IO | __GFP_FS | __GFP_COLD);
	GFP_OK("__GFP_WAIT|__GFP_IO", true, __GFP_RECLAIM | __GFP_IO);
	GFP_OK("GFP_ATOMIC|0x4000000", false, GFP_ATOMIC); /* unknown leftover bits dropped */
	GFP_OK("GFP_KERNEL|0x2000", false, GFP_KERNEL | __GFP_NOWARN);
	GFP_OK("none", false, 0);
	assert_int_equal(kmm_parse_gfp("GFP_KERNEL|", 11, false, &g), KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("|GFP_KERNEL", 11, false, &g), KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("GFP_KERNELX", 11, false, &g), KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("0x", 2, false, &g), KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("", 0, false, &g), KMM_EINVAL);
	/* what kmm prints, it reads back */
	for (gfp_t bit = 1; bit && bit <= __GFP_ACCOUNT; bit <<= 1) {
		char name[320];
		gfp_t mask = GFP_KERNEL | bit;

		if (bit == 0x200 || bit == 0x2000000 || bit == 0x1000000)
			continue;
		kmm_format_gfp_name(name, sizeof(name), mask);
		assert_int_equal(kmm_parse_gfp(name, strlen(name), false, &g), 0);
		assert_int_equal(g, mask);
	}
}

/* Random bytes and mutations of real lines: every result is an event, a skip or an error. */
static void test_fuzz_no_crash(void **state)
{
	/* each seed is one line; the parentheses keep the split literals one element */
	static const char *const seeds[] = {
		("              rm-3713    [001] d..2.   414.100796: kmem_cache_alloc: "
		 "call_site=__send_signal_locked+0x98/0x460 ptr=0000000027d79be2 name=sigqueue "
		 "bytes_req=80 bytes_alloc=80 gfp_flags=GFP_ATOMIC node=-1 accounted=true"),
		("              rm-3713    [001] .....   414.100839: mm_page_alloc: "
		 "page=00000000168f957c pfn=0x1096ec order=0 migratetype=1 "
		 "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP"),
		("             tar  5150 [001]  1234.567890: kmem:kmem_cache_free: "
		 "call_site=0xffff "
		 "ptr=0xffff888003d1c000 name=dentry"),
	};
	struct kmm_trace_parser p = { 0 };
	uint64_t rng = 0x5eed;
	unsigned long events = 0, errors = 0;

	for (int i = 0; i < 200000; i++) {
		const char *seed = seeds[i % 3];
		size_t n = strlen(seed), len;
		char buf[400], err[128];
		struct kmm_trace_event ev;
		int r, muts = 1 + (int)(test_rand(&rng) % 4);

		memcpy(buf, seed, n);
		len = n;
		for (int k = 0; k < muts; k++) {
			size_t at = test_rand(&rng) % len;

			switch (test_rand(&rng) % 4) {
			case 0:
				buf[at] = (char)test_rand(&rng);
				break;
			case 1:
				len = at ? at : 1;
				break; /* truncate */
			case 2:
				buf[at] = "0123456789abcdefx=|: []-.\t"[test_rand(&rng) % 27];
				break;
			default:
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			}
			if (len == 0)
				len = 1;
		}
		char *copy = malloc(len);

		memcpy(copy, buf, len);
		r = kmm_trace_parse_line(&p, copy, len, &ev, err, sizeof(err));
		free(copy);
		assert_true(r == KMM_TRACE_EVENT || r == KMM_TRACE_SKIP || r == KMM_TRACE_UNKNOWN ||
			    r == KMM_EINVAL);
		if (r == KMM_TRACE_EVENT) {
			events++;
			assert_true(ev.kind >= 0 && ev.kind < KMM_NR_EVENTS);
			assert_true(ev.order >= 0 && ev.order <= 63);
		}
		if (r < 0) {
			errors++;
			assert_true(strncmp(err, "line ", 5) == 0);
		}
	}
	/* the mutations are mild enough that both outcomes occur */
	assert_true(events > 1000);
	assert_true(errors > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ftrace_618),	  cmocka_unit_test(test_trace_cmd_and_perf),
		cmocka_unit_test(test_old_kernel_fields), cmocka_unit_test(test_unknown_events),
		cmocka_unit_test(test_malformed_lines),	  cmocka_unit_test(test_kmm_header),
		cmocka_unit_test(test_gfp_names),	  cmocka_unit_test(test_fuzz_no_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
