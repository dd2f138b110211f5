/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/report.c - the HTML report of a replay: one file, no
 * network, charts drawn as inline SVG with inline CSS.
 *
 * Sections, per machine (two in compare mode): the summary numbers; free
 * pages per order over time for each zone (stacked: pages in blocks of
 * each order); free pages against the min/low/high watermarks; slab memory
 * by cache over time (the eight largest caches at their peak, the rest as
 * "other"); the page-frame map at the start, middle and end (one cell per
 * pageblock, coloured by migratetype, darker the fuller it is, holes and
 * reserved blocks drawn apart); the failures by gfp and order.
 *
 * Every chart has a title, axes with units and ticks, and a legend. A
 * small inline script, the only script, checks after load that every
 * chart has a visible size and writes the result into #render-check;
 * the browser test (tests/replay/report_browser.sh) reads it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

#define W 760
#define H 300
#define ML 72
#define MR 190
#define MT 34
#define MB 44

static const char *const order_colors[KMM_NR_ORDERS] = {
	"#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a",
	"#d62728", "#ff9896", "#9467bd", "#c5b0d5", "#8c564b",
};
static const char *const cache_colors[9] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#bab0ac",
};
static const char *const mt_names[] = { "Unmovable",  "Movable", "Reclaimable",
					"HighAtomic", "CMA",	 "Isolate" };
static const char *const mt_colors[] = { "#d62728", "#2ca02c", "#1f77b4",
					 "#ff7f0e", "#17becf", "#7f7f7f" };

struct series {
	const char *name;
	const char *color;
	const double *y;
	int dashed;
};

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static double nice_step(double range)
{
	double raw = range / 5, mag = pow(10, floor(log10(raw > 0 ? raw : 1))), r = raw / mag;

	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static void num(char *b, size_t n, double v)
{
	if (fabs(v) >= 1e6)
		snprintf(b, n, "%.1fM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(b, n, "%.0fk", v / 1e3);
	else if (v == floor(v))
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, "%.1f", v);
}

/* One chart: lines, or stacked areas when `stacked`. x in ms. */
static void chart(FILE *f, const char *id, const char *title, const char *xlab, const char *ylab,
		  const double *x, int np, const struct series *s, int ns, int stacked)
{
	double xmax = np ? x[np - 1] : 1, ymax = 0;
	int pw = W - ML - MR, ph = H - MT - MB;
	double acc[2048];

	if (np > 2048)
		np = 2048;
	if (xmax <= 0)
		xmax = 1;
	for (int i = 0; i < np; i++) {
		double t = 0;

		for (int k = 0; k < ns; k++) {
			if (stacked)
				t += s[k].y[i];
			else if (s[k].y[i] > t)
				t = s[k].y[i];
		}
		if (t > ymax)
			ymax = t;
	}
	if (ymax <= 0)
		ymax = 1;
	double step = nice_step(ymax);

	ymax = ceil(ymax / step) * step;
	fprintf(f,
		"<figure class=\"chart\" id=\"%s\"><svg viewBox=\"0 0 %d %d\" width=\"%d\" "
		"height=\"%d\" "
		"role=\"img\" aria-label=\"",
		id, W, H, W, H);
	esc(f, title);
	fprintf(f, "\"><text class=\"title\" x=\"%d\" y=\"20\">", ML);
	esc(f, title);
	fprintf(f, "</text>\n");
	/* grid and y ticks */
	for (double v = 0; v <= ymax + step / 2; v += step) {
		double y = MT + ph - v / ymax * ph;
		char b[32];

		num(b, sizeof(b), v);
		fprintf(f,
			"<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			ML, y, ML + pw, y, ML - 6, y + 4, b);
	}
	double xs = nice_step(xmax);

	for (double v = 0; v <= xmax + xs / 100; v += xs) {
		double xx = ML + v / xmax * pw;
		char b[32];

		num(b, sizeof(b), v);
		fprintf(f,
			"<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\">%s</text>\n",
			xx, MT + ph, xx, MT + ph + 5, xx, MT + ph + 18, b);
	}
	fprintf(f,
		"<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
		"<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		ML, MT, ML, MT + ph, ML, MT + ph, ML + pw, MT + ph);
	fprintf(f, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ML + pw / 2,
		H - 6);
	esc(f, xlab);
	fprintf(f,
		"</text><text class=\"label\" transform=\"translate(16,%d) rotate(-90)\" "
		"text-anchor=\"middle\">",
		MT + ph / 2);
	esc(f, ylab);
	fprintf(f, "</text>\n");
	for (int i = 0; i < np; i++)
		acc[i] = 0;
	for (int k = 0; k < ns; k++) {
		if (stacked) {
			fprintf(f, "<path class=\"series\" fill=\"%s\" stroke=\"%s\" d=\"",
				s[k].color, s[k].color);
			for (int i = 0; i < np; i++)
				fprintf(f, "%s%.1f %.1f", i ? " L" : "M", ML + x[i] / xmax * pw,
					MT + ph - (acc[i] + s[k].y[i]) / ymax * ph);
			for (int i = np - 1; i >= 0; i--)
				fprintf(f, " L%.1f %.1f", ML + x[i] / xmax * pw,
					MT + ph - acc[i] / ymax * ph);
			fprintf(f, " Z\"><title>");
			esc(f, s[k].name);
			fprintf(f, "</title></path>\n");
			for (int i = 0; i < np; i++)
				acc[i] += s[k].y[i];
		} else {
			fprintf(f, "<path class=\"series line\" fill=\"none\" stroke=\"%s\"%s d=\"",
				s[k].color, s[k].dashed ? " stroke-dasharray=\"6 4\"" : "");
			for (int i = 0; i < np; i++)
				fprintf(f, "%s%.1f %.1f", i ? " L" : "M", ML + x[i] / xmax * pw,
					MT + ph - s[k].y[i] / ymax * ph);
			fprintf(f, "\"><title>");
			esc(f, s[k].name);
			fprintf(f, "</title></path>\n");
		}
	}
	/* legend, top entry = top of the stack */
	for (int k = 0; k < ns; k++) {
		int kk = stacked ? ns - 1 - k : k, y = MT + 4 + k * 17;

		fprintf(f,
			"<rect class=\"key\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/>"
			"<text class=\"legend\" x=\"%d\" y=\"%d\">",
			W - MR + 14, y, s[kk].color, W - MR + 32, y + 10);
		esc(f, s[kk].name);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</svg></figure>\n");
}

void rp_svg_frame_map(FILE *f, const struct rp_map_moment *mo, unsigned long cap, const char *title,
		      bool standalone)
{
	unsigned long nb = mo->nblocks < cap ? mo->nblocks : cap;
	int cell = nb <= 128 ? 28 : nb <= 1024 ? 14 : 10;
	int cols = nb < 64 ? (nb ? (int)nb : 1) : 64;
	int rows = (int)((nb + (unsigned long)cols - 1) / (unsigned long)cols);
	int w = cols * cell + 240,
	    h = (rows * cell > 10 * 18 + 10 ? rows * cell : 10 * 18 + 10) + 50;

	if (standalone)
		fprintf(f,
			"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
			"width=\"%d\" height=\"%d\"><style>text{font-family:sans-serif}"
			".title{font-size:14px;font-weight:600}.legend{font-size:12px}</style>"
			"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
			"<text class=\"title\" x=\"4\" y=\"18\">",
			w, h, w, h);
	else
		fprintf(f,
			"<figure class=\"chart framemap\"><svg viewBox=\"0 0 %d %d\" width=\"%d\" "
			"height=\"%d\" role=\"img\" aria-label=\"page-frame map\">"
			"<text class=\"title\" x=\"4\" y=\"18\">",
			w, h, w, h);
	esc(f, title);
	fprintf(f, "</text>\n<defs><pattern id=\"hole\" width=\"4\" height=\"4\" "
		   "patternUnits=\"userSpaceOnUse\"><path d=\"M0 4 L4 0\" stroke=\"#999\" "
		   "stroke-width=\"1\"/></pattern></defs>\n");
	for (unsigned long b = 0; b < nb; b++) {
		const struct kmm_pageblock_info *pb = &mo->blocks[b];
		int x = 4 + (int)(b % (unsigned long)cols) * cell,
		    y = 30 + (int)(b / (unsigned long)cols) * cell;
		unsigned int total = pb->total ? pb->total : 1;

		if (pb->zone < 0) {
			fprintf(f,
				"<rect class=\"hole\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				"fill=\"url(#hole)\"><title>pfn %#lx: hole</title></rect>\n",
				x, y, cell - 1, cell - 1, b * 512);
		} else if (pb->reserved * 2 >= total) {
			fprintf(f,
				"<rect class=\"reserved\" x=\"%d\" y=\"%d\" width=\"%d\" "
				"height=\"%d\" "
				"fill=\"#222\"><title>pfn %#lx: reserved %u/%u</title></rect>\n",
				x, y, cell - 1, cell - 1, b * 512, pb->reserved, total);
		} else {
			int mt = pb->migratetype >= 0 && pb->migratetype < 6 ? pb->migratetype : 5;
			double used = 1.0 - (double)pb->free / total;

			fprintf(f,
				"<rect class=\"pb\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				"fill=\"%s\" fill-opacity=\"%.2f\"><title>pfn %#lx: %s, %u of %u "
				"free"
				"</title></rect>\n",
				x, y, cell - 1, cell - 1, mt_colors[mt], 0.12 + 0.88 * used,
				b * 512, mt_names[mt], pb->free, total);
		}
	}
	int lx = 4 + cols * cell + 16;

	/* every migratetype, CMA and Isolate included (a cma= machine has both) */
	for (int i = 0; i < 6; i++)
		fprintf(f,
			"<rect class=\"key\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/>"
			"<text class=\"legend\" x=\"%d\" y=\"%d\">%s</text>\n",
			lx, 34 + i * 18, mt_colors[i], lx + 18, 44 + i * 18, mt_names[i]);
	fprintf(f,
		"<rect class=\"key\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#222\"/>"
		"<text class=\"legend\" x=\"%d\" y=\"%d\">reserved</text>\n"
		"<rect class=\"key\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
		"fill=\"url(#hole)\" "
		"stroke=\"#999\"/><text class=\"legend\" x=\"%d\" y=\"%d\">hole (no RAM)</text>\n"
		"<text class=\"legend\" x=\"%d\" y=\"%d\">pale = free, dark = full</text>\n"
		"<text class=\"legend\" x=\"%d\" y=\"%d\">one cell = 512 pages (2 MiB)</text>\n",
		lx, 34 + 6 * 18, lx + 18, 44 + 6 * 18, lx, 34 + 7 * 18, lx + 18, 44 + 7 * 18, lx,
		44 + 8 * 18 + 6, lx, 44 + 9 * 18 + 6);
	if (nb < mo->nblocks)
		fprintf(f,
			"<text class=\"legend\" x=\"4\" y=\"%d\">first %lu of %lu "
			"pageblocks</text>",
			h - 6, nb, mo->nblocks);
	fprintf(f, standalone ? "</svg>\n" : "</svg></figure>\n");
}

static void section(FILE *f, struct rp_engine *e, const char *tag)
{
	int np = e->nsamples < 2048 ? e->nsamples : 2048;
	double x[2048], *y = calloc((size_t)np * 16, sizeof(double));
	char id[64], title[160];

	if (!y)
		return;
	for (int i = 0; i < np; i++)
		x[i] = (double)e->samples[i].ts_ns / 1e6;
	for (int z = 0; z < e->nzones; z++) {
		struct series s[KMM_NR_ORDERS];
		char names[KMM_NR_ORDERS][24];

		for (int o = 0; o < KMM_NR_ORDERS; o++) {
			double *yo = y + (size_t)o * (size_t)np;

			for (int i = 0; i < np; i++)
				yo[i] = (double)(e->samples[i].free_blocks[z][o] << o);
			snprintf(names[o], sizeof(names[o]), "order %d", o);
			s[o] = (struct series){ names[o], order_colors[o], yo, 0 };
		}
		snprintf(id, sizeof(id), "free-orders-%s%d", tag, z);
		snprintf(title, sizeof(title), "%s: free pages by block order", e->zones[z].name);
		chart(f, id, title, "trace time (ms)", "free pages", x, np, s, KMM_NR_ORDERS, 1);
	}
	for (int z = 0; z < e->nzones; z++) {
		unsigned long wm[3];
		double *yf = y, *ymin = y + np, *ylow = y + 2 * np, *yhigh = y + 3 * np;

		kmm_zone_watermarks(e->m, e->zones[z].nid, (enum kmm_zone_type)e->zones[z].zone,
				    wm);
		for (int i = 0; i < np; i++) {
			yf[i] = (double)e->samples[i].free_pages[z];
			ymin[i] = (double)wm[0];
			ylow[i] = (double)wm[1];
			yhigh[i] = (double)wm[2];
		}
		struct series s[4] = { { "free", "#1f77b4", yf, 0 },
				       { "high", "#2ca02c", yhigh, 1 },
				       { "low", "#ff7f0e", ylow, 1 },
				       { "min", "#d62728", ymin, 1 } };

		snprintf(id, sizeof(id), "watermarks-%s%d", tag, z);
		snprintf(title, sizeof(title), "%s: free pages against the watermarks",
			 e->zones[z].name);
		chart(f, id, title, "trace time (ms)", "pages", x, np, s, 4, 0);
	}
	/* slab: the 8 caches with the largest peak, then other */
	{
		int top[8], ntop = 0;
		double peak[1024] = { 0 };
		int nc = e->ncaches < 1024 ? e->ncaches : 1024;

		for (int i = 0; i < np; i++)
			for (int c = 0; c < nc && c < e->samples[i].ncache_at; c++)
				if ((double)e->samples[i].cache_pages[c] > peak[c])
					peak[c] = (double)e->samples[i].cache_pages[c];
		for (; ntop < 8; ntop++) {
			int best = -1;

			for (int c = 0; c < nc; c++) {
				bool used = false;

				for (int t = 0; t < ntop; t++)
					used = used || top[t] == c;
				if (!used && peak[c] > 0 && (best < 0 || peak[c] > peak[best]))
					best = c;
			}
			if (best < 0)
				break;
			top[ntop] = best;
		}
		struct series s[9];

		for (int t = 0; t <= ntop; t++) {
			double *yt = y + (size_t)t * (size_t)np;

			for (int i = 0; i < np; i++) {
				const struct rp_sample *sm = &e->samples[i];
				double v = 0;

				if (t < ntop) {
					v = top[t] < sm->ncache_at ? (double)sm->cache_pages[top[t]]
								   : 0;
				} else {
					v = (double)sm->slab_pages;
					for (int k = 0; k < ntop; k++)
						v -= top[k] < sm->ncache_at
							     ? (double)sm->cache_pages[top[k]]
							     : 0;
				}
				yt[i] = v * (double)kmm_page_size(e->m) / 1024.0;
			}
			s[t] = (struct series){ t < ntop ? e->caches[top[t]].name : "other caches",
						cache_colors[t], yt, 0 };
		}
		snprintf(id, sizeof(id), "slab-%s", tag);
		chart(f, id, "slab memory by cache (largest 8 at their peak)", "trace time (ms)",
		      "slab memory (KiB)", x, np, s, ntop + 1, 1);
	}
	free(y);
	fprintf(f, "<h3>Page-frame map</h3><div class=\"maps\">\n");
	for (int i = 0; i < e->nmoments; i++) {
		snprintf(title, sizeof(title), "%s of the replay (line %lu)", e->moments[i].label,
			 e->moments[i].event);
		rp_svg_frame_map(f, &e->moments[i], 4096, title, false);
	}
	fprintf(f, "</div>\n<h3>Allocation failures</h3>\n");
	if (!e->st.nfail_gfp) {
		fprintf(f, "<p class=\"none\">No allocation failed on this machine.</p>\n");
	} else {
		fprintf(f, "<table "
			   "class=\"failures\"><tr><th>count</th><th>order</th><th>gfp_flags</th></"
			   "tr>\n");
		for (int j = 0; j < e->st.nfail_gfp; j++) {
			char name[320];

			kmm_format_gfp_name(name, sizeof(name), e->st.fail_gfp[j].gfp);
			fprintf(f, "<tr><td>%lu</td><td>", e->st.fail_gfp[j].count);
			if (e->st.fail_gfp[j].order <= KMM_MAX_ORDER)
				fprintf(f, "%u", e->st.fail_gfp[j].order);
			else
				fprintf(f, "object");
			fprintf(f, "</td><td>");
			esc(f, name);
			fprintf(f, "</td></tr>\n");
		}
		fprintf(f, "</table>\n");
	}
}

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}"
	"h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc}"
	"figure.chart{margin:12px 0;display:inline-block;vertical-align:top}"
	"svg text{font-family:system-ui,sans-serif}.title{font-size:14px;font-weight:600}"
	".tick{font-size:11px;fill:#444}.label{font-size:12px;fill:#222}.legend{font-size:12px}"
	".grid{stroke:#e4e4e4}.axis{stroke:#555}.series{fill-opacity:.85;stroke-width:1}"
	".line{stroke-width:2;fill:none}table{border-collapse:collapse}"
	"td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
	"th{background:#f3f3f3}td:last-child{text-align:left}.summary "
	"td:first-child{text-align:left}"
	".summary{float:right;margin:0 0 12px 16px;font-size:13px}"
	"#render-check{color:#888;font-size:11px}";

static const char script[] =
	"window.addEventListener('load',function(){var f=document.querySelectorAll('figure.chart "
	"svg'),"
	"v=0;f.forEach(function(s){var "
	"r=s.getBoundingClientRect();if(r.width>50&&r.height>50)v++;});"
	"var p=document.querySelectorAll('svg path.series').length,c=document.querySelectorAll("
	"'svg rect.pb').length;document.getElementById('render-check').textContent='rendered "
	"charts='+"
	"f.length+' visible='+v+' series='+p+' cells='+c;});";

int rp_write_report(const char *path, const char *trace, struct rp_engine *e, int n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<title>kmm replay: ");
	esc(f, trace);
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>kmm replay of ", css);
	esc(f, trace);
	fprintf(f, "</h1>\n<table class=\"summary\"><tr><th></th>");
	for (int i = 0; i < n; i++) {
		fprintf(f, "<th>");
		esc(f, kmm_machine_cmdline(e[i].m));
		fprintf(f, "</th>");
	}
	fprintf(f, "</tr>\n");
#define SROW(label, expr)                                                  \
	do {                                                               \
		fprintf(f, "<tr><td>%s</td>", label);                      \
		for (int i = 0; i < n; i++)                                \
			fprintf(f, "<td>%lu</td>", (unsigned long)(expr)); \
		fprintf(f, "</tr>\n");                                     \
	} while (0)
	SROW("lines", e[i].st.lines);
	for (int k = 0; k < KMM_NR_EVENTS; k++)
		SROW(kmm_trace_event_name(k), e[i].st.events[k]);
	SROW("unknown events skipped", e[i].st.unknown);
	SROW("unmatched frees", e[i].st.unmatched_free[1] + e[i].st.unmatched_free[2] +
					e[i].st.unmatched_free[4] + e[i].st.unmatched_free[6]);
	SROW("batched echoes", e[i].st.batched_echo);
	SROW("allocation failures", e[i].st.failures);
	SROW("peak pages held by page events", e[i].st.peak_pages);
	SROW("peak slab pages", e[i].st.peak_slab_pages);
	SROW("peak used pages", e[i].st.peak_used_pages);
#undef SROW
	fprintf(f, "</table>\n");
	for (int i = 0; i < n; i++) {
		fprintf(f, "<h2>Machine %s<code>", n > 1 ? (i ? "B: " : "A: ") : "");
		esc(f, kmm_machine_cmdline(e[i].m));
		fprintf(f, "</code></h2>\n");
		section(f, &e[i], i ? "b" : "a");
	}
	fprintf(f, "<p id=\"render-check\">not rendered</p>\n<script>%s</script>\n</body></html>\n",
		script);
	return fclose(f) ? -1 : 0;
}
