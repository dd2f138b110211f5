/* SPDX-License-Identifier: MIT */
/*
 * tests/test_tracepoints.c - kmm's kmem tracepoints (trace/): each event
 * fires once, in the kernel's field format, with the decoded fields; the
 * text parses back (replay/parse.c) to the same values; the slab's own
 * page allocations are not page events; nothing fires with tracing off;
 * a failed allocation is an event with pfn -1 / ptr 0; the recorder writes
 * kmm's trace format with its version header.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmm/slab.h>
#include <kmm/trace.h>

struct seen {
	int n;
	struct {
		struct kmm_trace_record r;
		char text[512];
		char cache[64];
	} ev[64];
};

static void collect(void *ctx, const struct kmm_trace_record *r)
{
	struct seen *s = ctx;

	if (s->n >= 64)
		return;
	s->ev[s->n].r = *r;
	snprintf(s->ev[s->n].text, sizeof(s->ev[0].text), "%.*s", (int)r->len, r->text);
	snprintf(s->ev[s->n].cache, sizeof(s->ev[0].cache), "%s", r->cache ? r->cache : "");
	s->n++;
}

/* Parse the record as a `trace` line would carry it. */
static void reparse(const struct seen *s, int i, struct kmm_trace_event *ev)
{
	char line[700], err[256];
	struct kmm_trace_parser p = { 0 };

	snprintf(line, sizeof(line), "  test-1 [%03d] ..... 1.000000: %s: %s", s->ev[i].r.cpu,
		 kmm_trace_event_name(s->ev[i].r.kind), s->ev[i].text);
	if (kmm_trace_parse_line(&p, line, strlen(line), ev, err, sizeof(err)) != KMM_TRACE_EVENT)
		fail_msg("reparse of \"%s\": %s", line, err);
}

static void test_page_events(void **state)
{
	struct test_log log = { 0 };
	kmm_machine *m = test_boot("mem=64M", &log);
	struct seen s = { 0 };
	struct kmm_trace_event ev;
	struct page *pg;

	kmm_trace_set_callback(m, collect, &s);
	pg = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 2);
	assert_non_null(pg);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].r.kind, KMM_EV_MM_PAGE_ALLOC);
	assert_int_equal(s.ev[0].r.pfn, kmm_page_to_pfn(m, pg));
	assert_int_equal(s.ev[0].r.order, 2);
	assert_int_equal(s.ev[0].r.migratetype, 0);
	assert_non_null(strstr(s.ev[0].text, "gfp_flags=GFP_KERNEL|__GFP_ZERO"));
	assert_true(strncmp(s.ev[0].text, "page=ffffea", 11) == 0);
	reparse(&s, 0, &ev);
	assert_int_equal(ev.pfn, kmm_page_to_pfn(m, pg));
	assert_int_equal(ev.order, 2);
	assert_int_equal(ev.gfp, GFP_KERNEL | __GFP_ZERO);
	assert_int_equal(ev.migratetype, 0);

	kmm_get_page(m, pg); /* two references: the first put is not a free */
	kmm_free_pages(m, pg, 2);
	assert_int_equal(s.n, 1);
	kmm_free_pages(m, pg, 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].r.kind, KMM_EV_MM_PAGE_FREE);
	reparse(&s, 1, &ev);
	assert_int_equal(ev.pfn, s.ev[0].r.pfn);
	assert_int_equal(ev.order, 2);

	/* a bad free is reported and not traced */
	kmm_free_pages(m, pg, 2);
	assert_int_equal(s.n, 2);
	assert_true(test_log_contains(&log, "double free") || test_log_contains(&log, "Bad page"));

	/* a failure: order 10 on a machine without such a block, pfn -1 as the kernel prints */
	test_log_clear(&log);
	kmm_machine *tiny = test_boot("mem=24M", &log);
	struct seen t = { 0 };
	struct page *blocks[64];
	int nb = 0;

	kmm_trace_set_callback(tiny, collect, &t);
	while (nb < 64 && (blocks[nb] = kmm_alloc_pages(tiny, GFP_KERNEL | __GFP_NOWARN, 10)))
		nb++;
	assert_true(nb < 64);
	assert_int_equal(t.n, nb + 1);
	assert_true(t.ev[nb].r.pfn == ~0ul);
	reparse(&t, nb, &ev);
	assert_true(ev.pfn_failed);
	kmm_trace_set_callback(tiny, NULL, NULL);
	for (int i = 0; i < nb; i++)
		kmm_free_pages(tiny, blocks[i], 10);
	assert_int_equal(t.n, nb + 1);
	assert_consistent(tiny, &log);
	kmm_machine_destroy(tiny);
	assert_consistent(m, &log);
	kmm_machine_destroy(m);
}

static void test_slab_events(void **state)
{
	struct test_log log = { 0 };
	kmm_machine *m = test_boot("mem=64M", &log);
	struct seen s = { 0 };
	struct kmm_trace_event ev;
	struct kmem_cache *c = kmm_kmem_cache_create(m, "trace_test", 200, 0, 0, NULL);
	void *p, *o, *big;

	assert_non_null(c);
	kmm_trace_set_callback(m, collect, &s);
	p = kmm_kmalloc(m, 100, GFP_KERNEL);
	assert_non_null(p);
	/* one event, although the first kmalloc-128 allocation grew a slab */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].r.kind, KMM_EV_KMALLOC);
	assert_int_equal(s.ev[0].r.bytes_req, 100);
	assert_int_equal(s.ev[0].r.bytes_alloc, 128);
	reparse(&s, 0, &ev);
	assert_int_equal(ev.bytes_req, 100);
	assert_int_equal(ev.bytes_alloc, 128);
	assert_int_equal(ev.node, -1);
	assert_false(ev.old_fields);

	o = kmm_kmem_cache_alloc(m, c, GFP_KERNEL);
	assert_non_null(o);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].r.kind, KMM_EV_KMEM_CACHE_ALLOC);
	assert_string_equal(s.ev[1].cache, "trace_test");
	reparse(&s, 1, &ev);
	assert_int_equal(ev.bytes_alloc, 200);
	assert_int_equal(ev.name_len, strlen("trace_test"));

	/* a large kmalloc is one kmalloc event, not a page event too */
	big = kmm_kmalloc(m, 100000, GFP_KERNEL);
	assert_non_null(big);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[2].r.kind, KMM_EV_KMALLOC);

	kmm_kmem_cache_free(m, c, o);
	kmm_kfree(m, p);
	kmm_kfree(m, big);
	kmm_kfree(m, NULL);
	assert_int_equal(s.n, 7);
	assert_int_equal(s.ev[3].r.kind, KMM_EV_KMEM_CACHE_FREE);
	assert_int_equal(s.ev[4].r.kind, KMM_EV_KFREE);
	assert_int_equal(s.ev[5].r.kind, KMM_EV_KFREE);
	assert_int_equal(s.ev[6].r.kind, KMM_EV_KFREE);
	assert_null(s.ev[6].r.ptr);
	reparse(&s, 3, &ev);
	assert_true(ev.ptr != 0);
	/* pointers print the same in alloc and free */
	{
		struct kmm_trace_event a;

		reparse(&s, 1, &a);
		assert_true(a.ptr == ev.ptr);
	}
	/* shrinking frees slab pages: not page events */
	kmm_kmem_cache_shrink(m, c);
	assert_int_equal(s.n, 7);

	/* off: nothing */
	kmm_trace_set_callback(m, NULL, NULL);
	p = kmm_kmalloc(m, 64, GFP_KERNEL);
	kmm_kfree(m, p);
	assert_int_equal(s.n, 7);
	assert_consistent(m, &log);
	kmm_machine_destroy(m);
}

static void test_recorder(void **state)
{
	struct test_log log = { 0 };
	kmm_machine *m = test_boot("mem=64M nr_cpus=2", &log);
	char path[] = "/tmp/kmm-record-XXXXXX", err[256], line[512];
	int fd = mkstemp(path), lines = 0;
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(kmm_record_start(m, path, err, sizeof(err)), KMM_OK);
	{
		struct page *pg = kmm_alloc_pages(m, GFP_KERNEL, 0);
		void *p = kmm_kmalloc(m, 32, GFP_KERNEL);

		kmm_kfree(m, p);
		kmm_free_pages(m, pg, 0);
	}
	kmm_record_stop(m);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "# kmm-trace version 1\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "# machine: mem=64M nr_cpus=2\n");
	{
		struct kmm_trace_parser p = { 0 };
		struct kmm_trace_event ev;

		rewind(f);
		while (fgets(line, sizeof(line), f)) {
			int r = kmm_trace_parse_line(&p, line, strlen(line), &ev, err, sizeof(err));

			assert_true(r >= 0);
			if (r == KMM_TRACE_EVENT)
				lines++;
		}
		assert_true(p.kmm_format);
	}
	assert_int_equal(lines, 4);
	fclose(f);
	unlink(path);
	assert_int_equal(kmm_record_start(m, "/nonexistent/dir/x", err, sizeof(err)), KMM_EINVAL);
	assert_non_null(strstr(err, "/nonexistent/dir/x"));
	assert_consistent(m, &log);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_events),
		cmocka_unit_test(test_slab_events),
		cmocka_unit_test(test_recorder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
