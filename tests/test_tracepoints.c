/* SPDX-License-Identifier: MIT */
/*
 * tests/test_tracepoints.c - kmm's kmem tracepoints (trace/): each event
 * fires once, in the kernel's field format, with the decoded fields; the
 * text parses back (replay/parse.c) to the same values; the slab's own
 * page allocations are not page events; nothing fires with tracing off;
 * a failed allocation is an event with pfn -1 / ptr 0; the recorder writes
 * kmm's trace format with its version header. Compaction and migration
 * events: their names are the 6.18 tracefs's, a known record prints as the
 * kernel's TP_printk does, compaction of a fragmented machine emits
 * begin/end with the zone's pfns and the kernel's status strings,
 * mm_migrate_pages counts agree with the pgmigrate vmstat deltas, and
 * kswapd's wakeup of kcompactd shows as wakeup/wake/sleep events.
 */
#define _GNU_SOURCE
#include "kmm_test.h"
#include "movable_client.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "compaction/compaction.h"
#include "trace/trace.h"

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

	/* kcompactd's events come from its own thread: these tests look at the kmem events */
	if (r->kind >= KMM_NR_EVENTS)
		return;
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

/* ---- compaction and migration -------------------------------------------------------- */

#define CQUIET "nr_cpus=1 pcp=0 page_reporting=0 kswapd=0 kcompactd=0"

struct ctrace {
	pthread_mutex_t lock;
	unsigned long n[KMM_NR_TRACE_EVENTS];
	unsigned long migrate_ok, migrate_fail, compact_migrated, compact_failed;
	unsigned long iso_migrate_taken, iso_free_taken;
	bool bad_isolate; /* an isolate event outside its range rule */
	struct kmm_trace_record first[KMM_NR_TRACE_EVENTS], last[KMM_NR_TRACE_EVENTS];
	char first_text[KMM_NR_TRACE_EVENTS][256], last_text[KMM_NR_TRACE_EVENTS][256];
};

static void ccollect(void *ctx, const struct kmm_trace_record *r)
{
	struct ctrace *c = ctx;

	if (r->kind < KMM_NR_EVENTS || r->kind >= KMM_NR_TRACE_EVENTS)
		return;
	pthread_mutex_lock(&c->lock);
	if (!c->n[r->kind]++) {
		c->first[r->kind] = *r;
		snprintf(c->first_text[r->kind], 256, "%.*s", (int)r->len, r->text);
	}
	c->last[r->kind] = *r;
	snprintf(c->last_text[r->kind], 256, "%.*s", (int)r->len, r->text);
	switch (r->kind) {
	case KMM_EV_MM_MIGRATE_PAGES:
		c->migrate_ok += r->compact.nr_succeeded;
		c->migrate_fail += r->compact.nr_failed;
		break;
	case KMM_EV_MM_COMPACTION_MIGRATEPAGES:
		c->compact_migrated += r->compact.nr_succeeded;
		c->compact_failed += r->compact.nr_failed;
		break;
	case KMM_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES:
	case KMM_EV_MM_COMPACTION_ISOLATE_FREEPAGES:
		if (r->compact.end_pfn < r->compact.start_pfn ||
		    r->compact.nr_taken > r->compact.nr_scanned + 512 * 1024)
			c->bad_isolate = true;
		if (r->kind == KMM_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES)
			c->iso_migrate_taken += r->compact.nr_taken;
		else
			c->iso_free_taken += r->compact.nr_taken;
		break;
	}
	pthread_mutex_unlock(&c->lock);
}

static unsigned long vm_event(kmm_machine *m, int item)
{
	return __atomic_load_n(&m->events[item], __ATOMIC_RELAXED);
}

/* Client pages over most of the free memory, 3 of every 4 freed: no order-9 block left free. */
static void cscatter(struct mclient *c, uint64_t seed)
{
	long s;

	while ((s = mclient_alloc(c, seed++, KMM_GFP_NOWARN | KMM_GFP_NORETRY)) >= 0)
		if (c->nr == c->cap)
			break;
	for (size_t i = 0; i < c->nr; i++)
		if (i % 4)
			while (!mclient_free(c, i))
				sched_yield();
}

/* Every event name is a directory of the 6.18 tracefs (tests/data/linux-6.18). */
static void test_compaction_event_names(void **state)
{
	char path[512], *formats;
	FILE *f;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/linux-6.18/compaction-migrate.format", KMM_TEST_DATA_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	formats = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(formats, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (int k = KMM_NR_EVENTS; k < KMM_NR_TRACE_EVENTS; k++) {
		char want[128];

		assert_non_null(kmm_trace_event_name(k));
		snprintf(want, sizeof(want), "name: %s\n", kmm_trace_event_name(k));
		if (!strstr(formats, want))
			fail_msg("%s is not an event of the 6.18 tracefs", kmm_trace_event_name(k));
	}
	assert_null(kmm_trace_event_name(KMM_NR_TRACE_EVENTS));
	assert_string_equal(kmm_trace_event_name(KMM_EV_MM_COMPACTION_BEGIN),
			    "mm_compaction_begin");
	/* the print formats kmm follows, as the kernel's format files give them */
	assert_non_null(strstr(formats,
			       "print fmt: \"zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx "
			       "zone_end=0x%lx, mode=%s status=%s\""));
	assert_non_null(strstr(formats, "print fmt: \"nr_succeeded=%lu nr_failed=%lu "
					"nr_thp_succeeded=%lu nr_thp_failed=%lu nr_thp_split=%lu "
					"nr_split=%lu mode=%s reason=%s\""));
	assert_non_null(strstr(formats, "print fmt: \"node=%d zone=%-8s order=%d order_failed=%d "
					"consider=%u limit=%lu\""));
	free(formats);
}

/* Known records print as the kernel's TP_printk prints them. */
static void test_compaction_known_records(void **state)
{
	struct test_log log = { 0 };
	kmm_machine *m = test_boot("mem=64M " CQUIET, &log);
	struct zone *z = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];
	struct ctrace c = { .lock = PTHREAD_MUTEX_INITIALIZER };

	(void)state;
	kmm_trace_set_callback(m, ccollect, &c);
	trace_mm_compaction_end(m, 0x1000, 0x1200, 0x7e00, 0x8000, true, COMPACT_PARTIAL_SKIPPED);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_END],
			    "zone_start=0x1000 migrate_pfn=0x1200 free_pfn=0x7e00 zone_end=0x8000, "
			    "mode=sync status=partial_skipped");
	trace_mm_compaction_begin(m, 0x1, 0x1, 0x3e00, 0x4000, false);
	assert_string_equal(
		c.last_text[KMM_EV_MM_COMPACTION_BEGIN],
		"zone_start=0x1 migrate_pfn=0x1 free_pfn=0x3e00 zone_end=0x4000, mode=async");
	trace_mm_compaction_end(m, 0, 0, 0, 0, false, 42); /* outside the table: in hex */
	assert_non_null(strstr(c.last_text[KMM_EV_MM_COMPACTION_END], "status=0x2a"));
	trace_mm_migrate_pages(m, 31, 1, KMM_MIGRATE_SYNC_LIGHT, KMM_MR_CONTIG_RANGE);
	assert_string_equal(
		c.last_text[KMM_EV_MM_MIGRATE_PAGES],
		"nr_succeeded=31 nr_failed=1 nr_thp_succeeded=0 nr_thp_failed=0 "
		"nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC_LIGHT reason=contig_range");
	trace_mm_migrate_pages_start(m, KMM_MIGRATE_ASYNC, KMM_MR_COMPACTION);
	assert_string_equal(c.last_text[KMM_EV_MM_MIGRATE_PAGES_START],
			    "mode=MIGRATE_ASYNC reason=compaction");
	trace_mm_compaction_isolate_freepages(m, 0x3e00, 0x4000, 512, 17);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_ISOLATE_FREEPAGES],
			    "range=(0x3e00 ~ 0x4000) nr_scanned=512 nr_taken=17");
	trace_mm_compaction_migratepages(m, 32, 30);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_MIGRATEPAGES],
			    "nr_migrated=30 nr_failed=2");
	trace_mm_compaction_try_to_compact_pages(m, 9, GFP_KERNEL | __GFP_MOVABLE, 2);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES],
			    "order=9 gfp_mask=GFP_KERNEL|__GFP_MOVABLE priority=2");
	trace_mm_compaction_finished(m, z, -1, COMPACT_CONTINUE);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_FINISHED],
			    "node=0 zone=DMA32    order=-1 ret=continue");
	trace_mm_compaction_wakeup_kcompactd(m, 0, 9, KMM_ZONE_NORMAL);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD],
			    "nid=0 order=9 classzone_idx=Normal  ");
	trace_mm_compaction_kcompactd_sleep(m, 0);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP], "nid=0");

	/* the deferral events, from the real deferral code, with the zone's state after it */
	compaction_defer_reset(m, z, 8, true);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_DEFER_RESET],
			    "node=0 zone=DMA32    order=8 order_failed=9 consider=0 limit=1");
	defer_compaction(m, z, 9);
	defer_compaction(m, z, 9);
	assert_int_equal(c.n[KMM_EV_MM_COMPACTION_DEFER_COMPACTION], 2);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_DEFER_COMPACTION],
			    "node=0 zone=DMA32    order=9 order_failed=9 consider=0 limit=4");
	assert_true(compaction_deferred(m, z, 9));
	assert_int_equal(c.n[KMM_EV_MM_COMPACTION_DEFERRED], 1);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_DEFERRED],
			    "node=0 zone=DMA32    order=9 order_failed=9 consider=1 limit=4");
	assert_int_equal(c.last[KMM_EV_MM_COMPACTION_DEFERRED].compact.defer_shift, 2);
	assert_int_equal(c.last[KMM_EV_MM_COMPACTION_DEFERRED].node, 0);
	assert_int_equal(c.last[KMM_EV_MM_COMPACTION_DEFERRED].compact.zone, KMM_ZONE_DMA32);
	/* not deferred: no event */
	assert_false(compaction_deferred(m, z, 8));
	assert_int_equal(c.n[KMM_EV_MM_COMPACTION_DEFERRED], 1);
	kmm_trace_set_callback(m, NULL, NULL);
	kmm_machine_destroy(m);
}

/* kmm_compact_memory on a fragmented machine: the whole trace of a compaction. */
static void test_compaction_trace(void **state)
{
	struct test_log log = { 0 };
	kmm_machine *m = test_boot("mem=256M " CQUIET, &log);
	struct ctrace c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	unsigned long ok0, fail0, ok, fail;
	struct kmm_trace_record *b = &c.first[KMM_EV_MM_COMPACTION_BEGIN];
	struct kmm_trace_record *e = &c.last[KMM_EV_MM_COMPACTION_END];
	struct mclient mc;
	char want[256];
	long n;

	(void)state;
	assert_int_equal(mclient_init(&mc, m, 80000), 0);
	cscatter(&mc, 3);
	ok0 = vm_event(m, PGMIGRATE_SUCCESS);
	fail0 = vm_event(m, PGMIGRATE_FAIL);
	kmm_trace_set_callback(m, ccollect, &c);
	n = kmm_compact_memory(m);
	kmm_trace_set_callback(m, NULL, NULL);
	ok = vm_event(m, PGMIGRATE_SUCCESS) - ok0;
	fail = vm_event(m, PGMIGRATE_FAIL) - fail0;
	print_message("compact_memory: %ld migrated; events: begin %lu end %lu migrate_pages %lu "
		      "isolate_migratepages %lu isolate_freepages %lu finished %lu\n",
		      n, c.n[KMM_EV_MM_COMPACTION_BEGIN], c.n[KMM_EV_MM_COMPACTION_END],
		      c.n[KMM_EV_MM_MIGRATE_PAGES], c.n[KMM_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES],
		      c.n[KMM_EV_MM_COMPACTION_ISOLATE_FREEPAGES],
		      c.n[KMM_EV_MM_COMPACTION_FINISHED]);
	print_message("first begin: %s\nlast end: %s\n", c.first_text[KMM_EV_MM_COMPACTION_BEGIN],
		      c.last_text[KMM_EV_MM_COMPACTION_END]);
	assert_true(n > 1000);
	/* one begin and one end per zone compacted */
	assert_true(c.n[KMM_EV_MM_COMPACTION_BEGIN] >= 1);
	assert_int_equal(c.n[KMM_EV_MM_COMPACTION_BEGIN], c.n[KMM_EV_MM_COMPACTION_END]);
	/* begin: a zone's span, the scanners at its two ends (compact_memory: the whole zone) */
	assert_true(b->compact.zone_start < b->compact.zone_end);
	assert_int_equal(b->compact.migrate_pfn, b->compact.zone_start);
	assert_true(b->compact.free_pfn > b->compact.migrate_pfn &&
		    b->compact.free_pfn < b->compact.zone_end);
	assert_true(b->compact.sync);
	snprintf(want, sizeof(want),
		 "zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=sync",
		 b->compact.zone_start, b->compact.migrate_pfn, b->compact.free_pfn,
		 b->compact.zone_end);
	assert_string_equal(c.first_text[KMM_EV_MM_COMPACTION_BEGIN], want);
	/* end: the scanners met in the zone; a whole-zone compaction is complete */
	assert_int_equal(e->compact.status, COMPACT_COMPLETE);
	assert_true(e->compact.migrate_pfn >= e->compact.zone_start &&
		    e->compact.free_pfn <= e->compact.migrate_pfn + 512);
	assert_non_null(
		strstr(c.last_text[KMM_EV_MM_COMPACTION_END], ", mode=sync status=complete"));
	/* migrate_pages: the counts are the vmstat's, reason compaction, mode sync */
	assert_true(c.n[KMM_EV_MM_MIGRATE_PAGES] >= 1);
	assert_int_equal(c.n[KMM_EV_MM_MIGRATE_PAGES], c.n[KMM_EV_MM_MIGRATE_PAGES_START]);
	assert_int_equal(c.migrate_ok, ok);
	assert_int_equal(c.migrate_fail, fail);
	assert_int_equal((unsigned long)n, ok);
	assert_int_equal(c.compact_migrated, ok);
	assert_int_equal(c.compact_failed, fail);
	assert_int_equal(c.last[KMM_EV_MM_MIGRATE_PAGES].compact.reason, KMM_MR_COMPACTION);
	assert_int_equal(c.last[KMM_EV_MM_MIGRATE_PAGES].compact.mode, KMM_MIGRATE_SYNC);
	assert_non_null(strstr(c.last_text[KMM_EV_MM_MIGRATE_PAGES],
			       " mode=MIGRATE_SYNC reason=compaction"));
	/* the scanners: every page migrated was isolated, every target a free page taken */
	assert_false(c.bad_isolate);
	assert_true(c.iso_migrate_taken >= ok + fail);
	assert_true(c.iso_free_taken >= ok);
	/* compact_finished after every round: order -1, the last one complete */
	assert_true(c.n[KMM_EV_MM_COMPACTION_FINISHED] > c.n[KMM_EV_MM_MIGRATE_PAGES]);
	assert_int_equal(c.last[KMM_EV_MM_COMPACTION_FINISHED].compact.order, -1);
	assert_int_equal(mclient_verify_all(&mc), 0);
	mclient_destroy(&mc);
	assert_consistent(m, &log);
	kmm_machine_destroy(m);
}

/* Direct compaction: try_to_compact_pages, then the suitability and finished checks. */
static void test_direct_compaction_trace(void **state)
{
	struct test_log log = { 0 };
	kmm_machine *m = test_boot("mem=256M " CQUIET, &log);
	struct ctrace c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct page *taken[512], *big;
	struct mclient mc;
	int nt = 0;

	(void)state;
	assert_int_equal(mclient_init(&mc, m, 80000), 0);
	cscatter(&mc, 9);
	while (nt < 512 && (taken[nt] = kmm_alloc_pages(m, KMM_GFP_NOWAIT, 9)) != NULL)
		nt++;
	kmm_trace_set_callback(m, ccollect, &c);
	big = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_MOVABLE | KMM_GFP_NOWARN, 9);
	kmm_trace_set_callback(m, NULL, NULL);
	assert_non_null(big);
	print_message("try_to_compact_pages: %s\nsuitable: %s\nfinished: %s\nend: %s\n",
		      c.first_text[KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES],
		      c.first_text[KMM_EV_MM_COMPACTION_SUITABLE],
		      c.last_text[KMM_EV_MM_COMPACTION_FINISHED],
		      c.last_text[KMM_EV_MM_COMPACTION_END]);
	assert_true(c.n[KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES] >= 1);
	assert_string_equal(c.first_text[KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES],
			    "order=9 gfp_mask=GFP_KERNEL|__GFP_MOVABLE|__GFP_NOWARN priority=2");
	assert_int_equal(c.first[KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES].compact.prio,
			 COMPACT_PRIO_ASYNC);
	assert_true(c.n[KMM_EV_MM_COMPACTION_SUITABLE] >= 1);
	assert_int_equal(c.first[KMM_EV_MM_COMPACTION_SUITABLE].compact.order, 9);
	/* the allocation succeeded after compaction: the last compaction ended in success */
	assert_int_equal(c.last[KMM_EV_MM_COMPACTION_END].compact.status, COMPACT_SUCCESS);
	assert_non_null(strstr(c.last_text[KMM_EV_MM_COMPACTION_END], " status=success"));
	assert_int_equal(c.last[KMM_EV_MM_COMPACTION_FINISHED].compact.status, COMPACT_SUCCESS);
	assert_non_null(strstr(c.last_text[KMM_EV_MM_COMPACTION_FINISHED], " order=9 ret=success"));
	kmm_free_pages(m, big, 9);
	while (nt-- > 0)
		kmm_free_pages(m, taken[nt], 9);
	mclient_destroy(&mc);
	assert_consistent(m, &log);
	kmm_machine_destroy(m);
}

static bool wait_kind(struct ctrace *c, int kind, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		unsigned long n;

		pthread_mutex_lock(&c->lock);
		n = c->n[kind];
		pthread_mutex_unlock(&c->lock);
		if (n)
			return true;
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	return false;
}

/* kswapd wakes kcompactd for the order that failed: wakeup, wake, and its sleep after. */
static void test_kcompactd_trace(void **state)
{
	struct test_log log = { 0 };
	kmm_machine *m = test_boot("mem=256M nr_cpus=1 pcp=0 page_reporting=0", &log);
	struct ctrace c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct page *taken[512];
	struct mclient mc;
	int nt = 0;
	unsigned long sleeps_at_wake;

	(void)state;
	assert_int_equal(kmm_set_compaction_proactiveness(m, 0), KMM_OK);
	assert_int_equal(mclient_init(&mc, m, test_free_pages(m) * 8 / 10), 0);
	cscatter(&mc, 11);
	while (nt < 512 && (taken[nt] = kmm_alloc_pages(m, KMM_GFP_NOWARN, 9)) != NULL)
		nt++;
	kmm_trace_set_callback(m, ccollect, &c);
	while (nt < 512 && (taken[nt] = kmm_alloc_pages(m, KMM_GFP_NOWAIT, 9)) != NULL)
		nt++;
	assert_true(wait_kind(&c, KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE, 20000));
	pthread_mutex_lock(&c.lock);
	sleeps_at_wake = c.n[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP];
	pthread_mutex_unlock(&c.lock);
	/* after its run kcompactd goes back to sleep (at the latest after one 500 ms period) */
	for (int i = 0; i < 2000; i++) {
		unsigned long s;
		struct timespec ts = { 0, 10000000 };

		pthread_mutex_lock(&c.lock);
		s = c.n[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP];
		pthread_mutex_unlock(&c.lock);
		if (s > sleeps_at_wake)
			break;
		nanosleep(&ts, NULL);
	}
	kmm_trace_set_callback(m, NULL, NULL);
	print_message("wakeup: %s\nwake: %s\nsleep: %s (%lu)\n",
		      c.first_text[KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD],
		      c.first_text[KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE],
		      c.last_text[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP],
		      c.n[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP]);
	assert_true(c.n[KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD] >= 1);
	assert_int_equal(c.first[KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD].node, 0);
	assert_int_equal(c.first[KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD].compact.order, 9);
	assert_int_equal(c.first[KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE].compact.order, 9);
	/* kcompactd compacts up to the zone the wakeup asked for (the lowest asked, as 6.18) */
	assert_int_equal(c.first[KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE].compact.zone,
			 c.first[KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD].compact.zone);
	assert_non_null(strstr(c.first_text[KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE],
			       "nid=0 order=9 classzone_idx="));
	assert_true(c.n[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP] > sleeps_at_wake);
	assert_string_equal(c.last_text[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP], "nid=0");
	while (nt-- > 0)
		kmm_free_pages(m, taken[nt], 9);
	mclient_destroy(&mc);
	assert_consistent(m, &log);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_events),
		cmocka_unit_test(test_slab_events),
		cmocka_unit_test(test_recorder),
		cmocka_unit_test(test_compaction_event_names),
		cmocka_unit_test(test_compaction_known_records),
		cmocka_unit_test(test_compaction_trace),
		cmocka_unit_test(test_direct_compaction_trace),
		cmocka_unit_test(test_kcompactd_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
