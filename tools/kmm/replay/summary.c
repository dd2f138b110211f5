/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/summary.c - the text summary and the JSON object of a
 * replay. Compare mode prints the same rows for two machines side by side
 * with their difference. Every number is a counter of the engine
 * (engine.h) or read from the machine at the end; docs/replay.md explains
 * each one.
 */
#include <string.h>

#include "summary.h"

struct row {
	const char *name;
	double v[2];
	const char *unit;
};

static unsigned long sum(const unsigned long *a, int n)
{
	unsigned long s = 0;

	for (int i = 0; i < n; i++)
		s += a[i];
	return s;
}

static int rows_of(struct rp_engine *e, int n, struct row *r, int max)
{
	int k = 0;
#define ROW(label, unit_, expr)                              \
	do {                                                 \
		if (k < max) {                               \
			r[k].name = label;                   \
			r[k].unit = unit_;                   \
			for (int i = 0; i < n; i++) {        \
				struct rp_engine *x = &e[i]; \
				r[k].v[i] = (double)(expr);  \
			}                                    \
			k++;                                 \
		}                                            \
	} while (0)
	ROW("events", "", sum(x->st.events, KMM_NR_EVENTS));
	for (int kind = 0; kind < KMM_NR_EVENTS; kind++)
		ROW(kmm_trace_event_name(kind), "", x->st.events[kind]);
	ROW("unknown events skipped", "", x->st.unknown);
	ROW("malformed lines skipped", "", x->st.skipped_bad);
	ROW("unmatched frees (allocated before the trace)", "",
	    sum(x->st.unmatched_free, KMM_NR_EVENTS));
	ROW("  mm_page_free", "", x->st.unmatched_free[KMM_EV_MM_PAGE_FREE]);
	ROW("  mm_page_free_batched", "", x->st.unmatched_free[KMM_EV_MM_PAGE_FREE_BATCHED]);
	ROW("  kfree", "", x->st.unmatched_free[KMM_EV_KFREE]);
	ROW("  kmem_cache_free", "", x->st.unmatched_free[KMM_EV_KMEM_CACHE_FREE]);
	ROW("batched echoes of mm_page_free", "", x->st.batched_echo);
	ROW("implicit frees (reused pfn/pointer)", "", x->st.implicit_free);
	ROW("  pfns", "", x->st.implicit_free_pages);
	ROW("  pointers", "", x->st.implicit_free - x->st.implicit_free_pages);
	ROW("kfree(NULL)", "", x->st.kfree_null);
	ROW("failed in the traced kernel", "", x->st.trace_failed);
	ROW("__GFP_NOFAIL cleared", "", x->st.nofail_cleared);
	ROW("memory blocks added (maxmem=)", "", x->st.grown_blocks);
	ROW("caches created", "", x->st.caches_created);
	ROW("allocation failures", "", x->st.failures);
	for (int o = 0; o <= KMM_MAX_ORDER; o++) {
		static const char *const names[] = { "  order 0", "  order 1", "  order 2",
						     "  order 3", "  order 4", "  order 5",
						     "  order 6", "  order 7", "  order 8",
						     "  order 9", "  order 10" };
		bool any = false;

		for (int i = 0; i < n; i++)
			any = any || e[i].st.fail_pages[o];
		if (any)
			ROW(names[o], "", x->st.fail_pages[o]);
	}
	ROW("  objects", "", x->st.fail_objects);
	ROW("peak pages held by page events", "pages", x->st.peak_pages);
	ROW("peak slab memory", "pages", x->st.peak_slab_pages);
	ROW("peak used (managed - free)", "pages", x->st.peak_used_pages);
	ROW("managed", "pages", x->managed);
	ROW("CPU moves (pinning)", "", x->st.cpu_moves);
	ROW("events on unplaceable CPUs", "", x->st.cpu_unplaced);
	ROW("replay time", "s", x->st.seconds);
	ROW("replay CPU time", "s", x->st.cpu_seconds);
	ROW("throughput", "events/s",
	    x->st.seconds > 0 ? (double)sum(x->st.events, KMM_NR_EVENTS) / x->st.seconds : 0);
	ROW("throughput per CPU second", "events/s",
	    x->st.cpu_seconds > 0 ? (double)sum(x->st.events, KMM_NR_EVENTS) / x->st.cpu_seconds
				  : 0);
#undef ROW
	return k;
}

static void fmt_val(char *b, size_t n, double v)
{
	if (v != (double)(long long)v || v > 1e15)
		snprintf(b, n, "%.3f", v);
	else
		snprintf(b, n, "%lld", (long long)v);
}

static void file_sink(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, (FILE *)ctx);
}

static void frag_table(FILE *f, struct rp_engine *e)
{
	int points = e->nsamples < 10 ? e->nsamples : 10;

	fprintf(f,
		"fragmentation over time, per zone: unusable free space index of order 3 and 9,\n"
		"and fragmentation index of order 9 (thousandths; -1000: an order-9 block is "
		"free)\n");
	fprintf(f, "  %-10s", "line");
	for (int z = 0; z < e->nzones; z++)
		fprintf(f, " %22s", e->zones[z].name);
	fprintf(f, "\n");
	for (int p = 0; p < points; p++) {
		int idx = points > 1 ? (int)((long)p * (e->nsamples - 1) / (points - 1)) : 0;
		struct rp_sample *s = &e->samples[idx];

		fprintf(f, "  %-10lu", s->event);
		for (int z = 0; z < e->nzones; z++)
			fprintf(f, "   %4d / %4d / %5d", s->unusable3[z], s->unusable9[z],
				s->extfrag9[z]);
		fprintf(f, "\n");
	}
}

void rp_print_summary(FILE *f, const char *trace, struct rp_engine *e, int n, const int *check)
{
	struct row rows[96];
	int k = rows_of(e, n, rows, 96);
	char a[32], b[32], d[32];

	fprintf(f, "kmm replay %s: %lu lines\n", trace, e[0].st.lines);
	for (int i = 0; i < n; i++)
		fprintf(f, "  machine %c: %s\n", n > 1 ? 'A' + i : ' ',
			kmm_machine_cmdline(e[i].m));
	fprintf(f, "\n");
	if (n == 1) {
		for (int i = 0; i < k; i++) {
			fmt_val(a, sizeof(a), rows[i].v[0]);
			fprintf(f, "%-46s %14s %s\n", rows[i].name, a, rows[i].unit);
		}
	} else {
		fprintf(f, "%-46s %14s %14s %14s\n", "", "A", "B", "B - A");
		for (int i = 0; i < k; i++) {
			fmt_val(a, sizeof(a), rows[i].v[0]);
			fmt_val(b, sizeof(b), rows[i].v[1]);
			fmt_val(d, sizeof(d), rows[i].v[1] - rows[i].v[0]);
			fprintf(f, "%-46s %14s %14s %14s %s\n", rows[i].name, a, b,
				rows[i].v[1] == rows[i].v[0] ? "" : d, rows[i].unit);
		}
	}
	for (int i = 0; i < n; i++) {
		struct rp_stats *st = &e[i].st;

		if (st->nfail_gfp) {
			fprintf(f, "\nfailures by gfp%s:\n", n > 1 ? (i ? " (B)" : " (A)") : "");
			for (int j = 0; j < st->nfail_gfp; j++) {
				char name[320];

				kmm_format_gfp_name(name, sizeof(name), st->fail_gfp[j].gfp);
				if (st->fail_gfp[j].order <= KMM_MAX_ORDER)
					fprintf(f, "  %8lu  order %u  %s\n", st->fail_gfp[j].count,
						st->fail_gfp[j].order, name);
				else
					fprintf(f, "  %8lu  object   %s\n", st->fail_gfp[j].count,
						name);
			}
		}
		fprintf(f, "\nfinal /proc/buddyinfo%s:\n", n > 1 ? (i ? " (B)" : " (A)") : "");
		kmm_report(e[i].m, KMM_REPORT_BUDDYINFO, file_sink, f);
		fprintf(f, "\n");
		frag_table(f, &e[i]);
		fprintf(f, "kmm_check%s: %d problems\n", n > 1 ? (i ? " (B)" : " (A)") : "",
			check[i]);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_one(FILE *f, struct rp_engine *e, int check)
{
	struct rp_stats *st = &e->st;
	unsigned long total = sum(st->events, KMM_NR_EVENTS);

	fprintf(f, "{\"machine\": ");
	json_str(f, kmm_machine_cmdline(e->m));
	fprintf(f, ", \"lines\": %lu, \"events\": {", st->lines);
	for (int k = 0; k < KMM_NR_EVENTS; k++)
		fprintf(f, "%s\"%s\": %lu", k ? ", " : "", kmm_trace_event_name(k), st->events[k]);
	fprintf(f, "}, \"events_total\": %lu, \"unknown_events\": %lu, \"malformed_skipped\": %lu",
		total, st->unknown, st->skipped_bad);
	fprintf(f, ", \"unmatched_free\": {");
	for (int k = 0, first = 1; k < KMM_NR_EVENTS; k++) {
		if (k == KMM_EV_MM_PAGE_ALLOC || k == KMM_EV_KMALLOC ||
		    k == KMM_EV_KMEM_CACHE_ALLOC)
			continue;
		fprintf(f, "%s\"%s\": %lu", first ? "" : ", ", kmm_trace_event_name(k),
			st->unmatched_free[k]);
		first = 0;
	}
	fprintf(f, "}, \"matched_free\": {");
	for (int k = 0, first = 1; k < KMM_NR_EVENTS; k++) {
		if (k == KMM_EV_MM_PAGE_ALLOC || k == KMM_EV_KMALLOC ||
		    k == KMM_EV_KMEM_CACHE_ALLOC)
			continue;
		fprintf(f, "%s\"%s\": %lu", first ? "" : ", ", kmm_trace_event_name(k),
			st->matched_free[k]);
		first = 0;
	}
	fprintf(f,
		"}, \"batched_echo\": %lu, \"implicit_free\": %lu, \"implicit_free_pages\": %lu"
		", \"kfree_null\": %lu",
		st->batched_echo, st->implicit_free, st->implicit_free_pages, st->kfree_null);
	fprintf(f,
		", \"trace_failed\": %lu, \"nofail_cleared\": %lu, \"grown_blocks\": %lu, "
		"\"caches_created\": %lu",
		st->trace_failed, st->nofail_cleared, st->grown_blocks, st->caches_created);
	fprintf(f, ", \"failures\": %lu, \"failures_by_order\": [", st->failures);
	for (int o = 0; o <= KMM_MAX_ORDER; o++)
		fprintf(f, "%s%lu", o ? ", " : "", st->fail_pages[o]);
	fprintf(f, "], \"failures_objects\": %lu, \"failures_by_gfp\": [", st->fail_objects);
	for (int j = 0; j < st->nfail_gfp; j++) {
		char name[320];

		kmm_format_gfp_name(name, sizeof(name), st->fail_gfp[j].gfp);
		fprintf(f, "%s{\"gfp\": ", j ? ", " : "");
		json_str(f, name);
		fprintf(f, ", \"order\": %d, \"count\": %lu}",
			st->fail_gfp[j].order <= KMM_MAX_ORDER ? (int)st->fail_gfp[j].order : -1,
			st->fail_gfp[j].count);
	}
	fprintf(f, "], \"peak_pages\": %lu, \"peak_slab_pages\": %lu, \"peak_used_pages\": %lu",
		st->peak_pages, st->peak_slab_pages, st->peak_used_pages);
	fprintf(f,
		", \"live_pages\": %lu, \"live_page_blocks\": %zu, \"live_objects\": %zu"
		", \"managed_pages\": %lu",
		st->live_pages, e->pages.live, e->objs.live, e->managed);
	fprintf(f, ", \"zones\": [");
	for (int z = 0; z < e->nzones; z++) {
		struct rp_sample *last = &e->samples[e->nsamples - 1];
		unsigned long wm[3];

		kmm_zone_watermarks(e->m, e->zones[z].nid, (enum kmm_zone_type)e->zones[z].zone,
				    wm);
		fprintf(f, "%s{\"name\": ", z ? ", " : "");
		json_str(f, e->zones[z].name);
		fprintf(f,
			", \"free_pages\": %lu, \"min\": %lu, \"low\": %lu, \"high\": %lu, "
			"\"buddyinfo\": [",
			last->free_pages[z], wm[0], wm[1], wm[2]);
		for (int o = 0; o <= KMM_MAX_ORDER; o++)
			fprintf(f, "%s%lu", o ? ", " : "", last->free_blocks[z][o]);
		fprintf(f, "], \"unusable_index_9\": [");
		for (int s = 0; s < e->nsamples; s += (e->nsamples + 19) / 20)
			fprintf(f, "%s%d", s ? ", " : "", e->samples[s].unusable9[z]);
		fprintf(f, "], \"fragmentation_index_9\": [");
		for (int s = 0; s < e->nsamples; s += (e->nsamples + 19) / 20)
			fprintf(f, "%s%d", s ? ", " : "", e->samples[s].extfrag9[z]);
		fprintf(f, "]}");
	}
	fprintf(f, "], \"cpu_moves\": %lu, \"cpu_unplaced\": %lu", st->cpu_moves, st->cpu_unplaced);
	fprintf(f,
		", \"seconds\": %.6f, \"events_per_second\": %.0f, \"cpu_seconds\": %.6f"
		", \"events_per_cpu_second\": %.0f, \"kmm_check\": %d}",
		st->seconds, st->seconds > 0 ? (double)total / st->seconds : 0.0, st->cpu_seconds,
		st->cpu_seconds > 0 ? (double)total / st->cpu_seconds : 0.0, check);
}

void rp_print_json(FILE *f, const char *trace, struct rp_engine *e, int n, const int *check)
{
	fprintf(f, "{\"trace\": ");
	json_str(f, trace);
	if (n == 1) {
		fprintf(f, ", \"replay\": ");
		json_one(f, &e[0], check[0]);
	} else {
		fprintf(f, ", \"a\": ");
		json_one(f, &e[0], check[0]);
		fprintf(f, ", \"b\": ");
		json_one(f, &e[1], check[1]);
	}
	fprintf(f, "}\n");
}
