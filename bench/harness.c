/* SPDX-License-Identifier: MIT */
/*
 * bench/harness.c - measuring, recording and printing.
 *
 * Owns struct bench (the results, figures and notes of one `kmm bench`
 * run), the measurement method and both output formats.
 *
 * Method (bench_measure): every impl of a pattern is first warmed up by
 * running it in growing batches until a quarter of the --seconds budget has
 * been spent and the last batch took at least an eighth of it; the last
 * batch sizes a repetition to --seconds. Then the repetitions run
 * interleaved - rep 1 of every impl, rep 2 of every impl, ... - so a noisy
 * neighbour on a shared machine hurts all impls alike. Each repetition
 * yields one ns/op figure (CLOCK_MONOTONIC around the whole batch divided by
 * its op count); the result is the median over repetitions with min and max
 * beside it, and `ops` is the number of timed ops over all repetitions.
 *
 * Output: the readable table (one row per name + impl + threads, peer rows
 * carrying kmm/peer, the ratio of medians; below 1 means kmm is faster),
 * or with --json exactly one JSON object on stdout:
 *   {"suite", "machine", "smp_mode", "results": [...], "figures": {...},
 *    "constants": [...], "absent": [...]}
 * where the extensions of the shared format are: "smp_mode", the locking
 * mode of the measured machine's per-CPU fast paths ("rseq" or "cas");
 * "suite" in each result (the suite that measured it, useful with `all`);
 * "constants", the keys of the figures that are compile-time constants
 * rather than measurements; "absent", the peers that could not be loaded
 * and are therefore missing from "results". With --markdown: one table of
 * results (a column per impl) and one of figures, headed by the machine,
 * the mode and the host, for the README (scripts/bench-readme.sh).
 *
 * Progress: bench_measure reports each warm-up and repetition to a
 * one-line bar on stderr (tools/kmm/progress.c), drawn only on a terminal.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "progress.h"

#define BENCH_NAME_LEN 64
#define BENCH_IMPL_LEN 16
#define BENCH_MAX_ABSENT 8

struct bench_result {
	char suite[BENCH_IMPL_LEN];
	char name[BENCH_NAME_LEN];
	char impl[BENCH_IMPL_LEN];
	int threads;
	bool absent;
	double ns_med;
	double ns_min;
	double ns_max;
	uint64_t ops;
};

struct bench_fig {
	char key[BENCH_NAME_LEN];
	double value;
	bool constant; /* fixed at compile time, not measured (bench_constant) */
};

struct bench {
	struct bench_opts opts;
	const char *suite;
	char machine[256];
	char smp_mode[8];
	const char *cur_suite; /* the suite running now */
	int suite_idx, nr_suites;
	char label[64]; /* of the progress bar */
	struct tool_progress progress;

	struct bench_result *res;
	int nr_res, cap_res;
	struct bench_fig *fig;
	int nr_fig, cap_fig;
	char **notes;
	int nr_notes, cap_notes;
	char absent[BENCH_MAX_ABSENT][BENCH_IMPL_LEN];
	int nr_absent;
};

/* Grow an array by doubling; the harness cannot continue without memory. */
static void *bench_grow(void *arr, int *cap, size_t elem)
{
	int ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(arr, (size_t)ncap * elem);

	if (!p) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	*cap = ncap;
	return p;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	if (n <= 0)
		return 0.0;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The run's progress bar, so that messages printed outside a struct bench erase it first. */
static struct tool_progress *bench_bar;

struct bench *bench_create(const struct bench_opts *opts, const char *suite)
{
	struct bench *b = calloc(1, sizeof(*b));

	if (!b) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	b->opts = *opts;
	b->suite = suite;
	b->cur_suite = suite;
	snprintf(b->label, sizeof(b->label), "kmm bench %s", suite);
	progress_init(&b->progress, b->label, opts->quiet);
	bench_bar = &b->progress;
	return b;
}

void bench_destroy(struct bench *b)
{
	int i;

	if (bench_bar == &b->progress)
		bench_bar = NULL;
	for (i = 0; i < b->nr_notes; i++)
		free(b->notes[i]);
	free(b->notes);
	free(b->res);
	free(b->fig);
	free(b);
}

const struct bench_opts *bench_opts(const struct bench *b)
{
	return &b->opts;
}

void bench_set_mode(struct bench *b, const char *mode)
{
	snprintf(b->smp_mode, sizeof(b->smp_mode), "%s", mode ? mode : "");
}

void bench_begin_suite(struct bench *b, const char *suite, int index, int count)
{
	b->cur_suite = suite;
	b->suite_idx = index;
	b->nr_suites = count;
	if (count > 1)
		snprintf(b->label, sizeof(b->label), "kmm bench %s (%d/%d: %s)", b->suite,
			 index + 1, count, suite);
	else
		snprintf(b->label, sizeof(b->label), "kmm bench %s", suite);
	progress_label(&b->progress, b->label);
	progress_show(&b->progress, -1, true, "starting");
}

void bench_progress(struct bench *b, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	if (!b->progress.on)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	progress_show(&b->progress, -1, true, "%s", text);
}

void bench_progress_clear(struct bench *b)
{
	progress_clear(&b->progress);
}

void bench_progress_done(struct bench *b)
{
	progress_done(&b->progress);
}

void bench_set_machine(struct bench *b, const char *cmdline)
{
	if (!b->machine[0] && cmdline)
		snprintf(b->machine, sizeof(b->machine), "%s", cmdline);
}

int bench_boot(const char *cmdline, kmm_machine **out)
{
	char err[256] = "";
	int rc = kmm_machine_create(cmdline, out, err, sizeof(err));

	if (rc < 0) {
		if (bench_bar)
			progress_clear(bench_bar);
		fprintf(stderr, "kmm bench: the suite's machine '%s' did not boot: %s (error %d)\n",
			cmdline ? cmdline : KMM_DEFAULT_CMDLINE, err[0] ? err : "no message", rc);
		return -1;
	}
	return 0;
}

static void bench_add_figure(struct bench *b, const char *key, double value, bool constant)
{
	int i;

	for (i = 0; i < b->nr_fig; i++) {
		if (!strcmp(b->fig[i].key, key)) {
			b->fig[i].value = value;
			b->fig[i].constant = constant;
			return;
		}
	}
	if (b->nr_fig == b->cap_fig)
		b->fig = bench_grow(b->fig, &b->cap_fig, sizeof(*b->fig));
	snprintf(b->fig[b->nr_fig].key, BENCH_NAME_LEN, "%s", key);
	b->fig[b->nr_fig].constant = constant;
	b->fig[b->nr_fig++].value = value;
}

void bench_figure(struct bench *b, const char *key, double value)
{
	bench_add_figure(b, key, value, false);
}

void bench_constant(struct bench *b, const char *key, double value)
{
	bench_add_figure(b, key, value, true);
}

void bench_note(struct bench *b, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (b->nr_notes == b->cap_notes)
		b->notes = bench_grow(b->notes, &b->cap_notes, sizeof(*b->notes));
	b->notes[b->nr_notes] = strdup(buf);
	if (!b->notes[b->nr_notes]) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	b->nr_notes++;
}

static struct bench_result *bench_add_result(struct bench *b, const char *name,
					     const struct bench_impl *im)
{
	struct bench_result *r;

	if (b->nr_res == b->cap_res)
		b->res = bench_grow(b->res, &b->cap_res, sizeof(*b->res));
	r = &b->res[b->nr_res++];
	memset(r, 0, sizeof(*r));
	snprintf(r->suite, sizeof(r->suite), "%s", b->cur_suite);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->impl, sizeof(r->impl), "%s", im->impl);
	r->threads = im->threads > 0 ? im->threads : 1;
	return r;
}

static void bench_add_absent(struct bench *b, const char *impl)
{
	int i;

	for (i = 0; i < b->nr_absent; i++)
		if (!strcmp(b->absent[i], impl))
			return;
	if (b->nr_absent < BENCH_MAX_ABSENT)
		snprintf(b->absent[b->nr_absent++], BENCH_IMPL_LEN, "%s", impl);
}

/* Time one batch of `iters` ops; -1 when the impl failed. */
static int bench_time(const struct bench_impl *im, uint64_t iters, uint64_t *ns)
{
	uint64_t t0 = bench_now_ns();

	if (im->run(im->ctx, iters))
		return -1;
	*ns = bench_now_ns() - t0;
	return 0;
}

/*
 * Warm `im` up and choose the op count of one repetition (see the header
 * comment for the rule).
 */
static int bench_calibrate(struct bench *b, const struct bench_impl *im, double seconds,
			   uint64_t *iters, const char *name, double done)
{
	const double target = seconds * 1e9;
	uint64_t n = 1, t = 0, spent = 0;
	double want;

	for (;;) {
		progress_show(&b->progress, done, false, "%s: %s warm-up", name, im->impl);
		if (bench_time(im, n, &t))
			return -1;
		spent += t;
		if ((double)t >= target / 8 && (double)spent >= target / 4)
			break;
		n *= (double)t < target / 64 ? 8 : 2;
	}
	want = (double)n * target / (double)(t ? t : 1);
	*iters = want < 1.0 ? 1 : (uint64_t)want;
	return 0;
}

int bench_measure(struct bench *b, const char *name, const struct bench_impl *impls, int nr)
{
	const int reps = b->opts.reps;
	uint64_t *iters = calloc((size_t)nr, sizeof(*iters));
	double *ns = calloc((size_t)nr * (size_t)reps, sizeof(*ns));
	int i, r, rc = -1;

	if (!iters || !ns) {
		fprintf(stderr, "bench: out of memory\n");
		goto out;
	}
	/* progress: nr warm-ups, then reps x nr repetitions, each about --seconds */
	for (i = 0; i < nr; i++) {
		double done = (double)i / (double)(nr * (reps + 1));

		if (impls[i].run &&
		    bench_calibrate(b, &impls[i], b->opts.seconds, &iters[i], name, done)) {
			progress_clear(&b->progress);
			fprintf(stderr, "bench: %s/%s failed during warm-up\n", name,
				impls[i].impl);
			goto out;
		}
	}
	for (r = 0; r < reps; r++) {
		for (i = 0; i < nr; i++) {
			uint64_t t;

			if (!impls[i].run)
				continue;
			progress_show(&b->progress,
				      (double)(nr + r * nr + i) / (double)(nr * (reps + 1)), false,
				      "%s: %s rep %d/%d", name, impls[i].impl, r + 1, reps);
			if (bench_time(&impls[i], iters[i], &t)) {
				progress_clear(&b->progress);
				fprintf(stderr, "bench: %s/%s failed in repetition %d\n", name,
					impls[i].impl, r + 1);
				goto out;
			}
			ns[i * reps + r] = (double)t / (double)iters[i];
		}
	}
	for (i = 0; i < nr; i++) {
		struct bench_result *res = bench_add_result(b, name, &impls[i]);
		double *v = &ns[i * reps];

		if (!impls[i].run) {
			res->absent = true;
			bench_add_absent(b, impls[i].impl);
			continue;
		}
		res->ns_med = bench_median(v, reps); /* sorts v */
		res->ns_min = v[0];
		res->ns_max = v[reps - 1];
		res->ops = iters[i] * (uint64_t)reps;
	}
	rc = 0;
out:
	free(iters);
	free(ns);
	return rc;
}

double bench_median_of(const struct bench *b, const char *name, const char *impl)
{
	for (int i = b->nr_res - 1; i >= 0; i--) {
		const struct bench_result *r = &b->res[i];

		if (!strcmp(r->name, name) && !strcmp(r->impl, impl))
			return r->absent ? -1 : r->ns_med;
	}
	return -1;
}

/* ---- output -------------------------------------------------------------- */

static const struct bench_result *bench_kmm_row(const struct bench *b,
						const struct bench_result *peer)
{
	int i;

	for (i = 0; i < b->nr_res; i++) {
		const struct bench_result *r = &b->res[i];

		if (!r->absent && !strcmp(r->impl, "kmm") && !strcmp(r->name, peer->name) &&
		    r->threads == peer->threads)
			return r;
	}
	return NULL;
}

/* Integral figures print as integers, the rest with three decimals. */
static void bench_print_number(double v)
{
	if (!isfinite(v))
		fputs("null", stdout);
	else if (v == floor(v) && fabs(v) < 1e15)
		printf("%.0f", v);
	else
		printf("%.3f", v);
}

static void bench_print_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *bench_machine(const struct bench *b)
{
	if (b->machine[0])
		return b->machine;
	return b->opts.machine ? b->opts.machine : KMM_DEFAULT_CMDLINE;
}

static const char *bench_mode(const struct bench *b)
{
	return b->smp_mode[0] ? b->smp_mode : "unknown";
}

static void bench_print_json(const struct bench *b)
{
	int i, n = 0;

	fputs("{\n  \"suite\": ", stdout);
	bench_print_string(b->suite);
	fputs(",\n  \"machine\": ", stdout);
	bench_print_string(bench_machine(b));
	fputs(",\n  \"smp_mode\": ", stdout);
	bench_print_string(bench_mode(b));
	fputs(",\n  \"results\": [", stdout);
	for (i = 0; i < b->nr_res; i++) {
		const struct bench_result *r = &b->res[i];

		if (r->absent)
			continue;
		fputs(n++ ? ",\n    {\"name\": " : "\n    {\"name\": ", stdout);
		bench_print_string(r->name);
		fputs(", \"impl\": ", stdout);
		bench_print_string(r->impl);
		printf(", \"threads\": %d, \"ns_per_op\": %.2f, \"ns_min\": %.2f, "
		       "\"ns_max\": %.2f, \"ops\": %llu, \"suite\": ",
		       r->threads, r->ns_med, r->ns_min, r->ns_max, (unsigned long long)r->ops);
		bench_print_string(r->suite);
		putchar('}');
	}
	fputs(n ? "\n  ],\n  \"figures\": {" : "],\n  \"figures\": {", stdout);
	for (i = 0; i < b->nr_fig; i++) {
		fputs(i ? ", " : "", stdout);
		bench_print_string(b->fig[i].key);
		fputs(": ", stdout);
		bench_print_number(b->fig[i].value);
	}
	fputs("},\n  \"constants\": [", stdout);
	for (i = 0, n = 0; i < b->nr_fig; i++) {
		if (!b->fig[i].constant)
			continue;
		fputs(n++ ? ", " : "", stdout);
		bench_print_string(b->fig[i].key);
	}
	fputs("],\n  \"absent\": [", stdout);
	for (i = 0; i < b->nr_absent; i++) {
		fputs(i ? ", " : "", stdout);
		bench_print_string(b->absent[i]);
	}
	fputs("]\n}\n", stdout);
}

static void bench_print_figures(const struct bench *b)
{
	int i;

	if (!b->nr_fig)
		return;
	printf("\nfigures\n");
	for (i = 0; i < b->nr_fig; i++) {
		printf("  %-32s ", b->fig[i].key);
		bench_print_number(b->fig[i].value);
		if (b->fig[i].constant)
			fputs("   (compile-time constant, not measured)", stdout);
		putchar('\n');
	}
}

static void bench_print_table(const struct bench *b)
{
	int i;

	printf("kmm bench %s    machine: %s    smp mode: %s\n", b->suite, bench_machine(b),
	       bench_mode(b));
	printf("%d repetitions x %.2f s per impl, interleaved; ns per op: median, min, max; "
	       "kmm/peer < 1 means kmm is faster\n\n",
	       b->opts.reps, b->opts.seconds);
	printf("%-26s %-9s %3s %10s %10s %10s %12s %9s\n", "name", "impl", "thr", "ns/op", "min",
	       "max", "ops", "kmm/peer");
	for (i = 0; i < b->nr_res; i++) {
		const struct bench_result *r = &b->res[i];
		const struct bench_result *k;

		printf("%-26s %-9s %3d ", r->name, r->impl, r->threads);
		if (r->absent) {
			printf("%10s\n", "absent");
			continue;
		}
		printf("%10.1f %10.1f %10.1f %12llu", r->ns_med, r->ns_min, r->ns_max,
		       (unsigned long long)r->ops);
		k = strcmp(r->impl, "kmm") ? bench_kmm_row(b, r) : NULL;
		if (k && r->ns_med > 0)
			printf(" %9.3g", k->ns_med / r->ns_med);
		putchar('\n');
	}
	bench_print_figures(b);
	if (b->nr_notes) {
		putchar('\n');
		for (i = 0; i < b->nr_notes; i++)
			printf("* %s\n", b->notes[i]);
	}
}

/* ---- Markdown (scripts/bench-readme.sh) -------------------------------------- */

/* The implementations in the order of the table's columns: kmm, then as first seen. */
static int bench_md_impls(const struct bench *b, const char *impls[], int max)
{
	int n = 0;

	impls[n++] = "kmm";
	for (int i = 0; i < b->nr_res && n < max; i++) {
		int j;

		for (j = 0; j < n && strcmp(impls[j], b->res[i].impl); j++)
			;
		if (j == n)
			impls[n++] = b->res[i].impl;
	}
	return n;
}

/* Three significant digits, as the README's tables print them: 6.2, 42.8, 201. */
static void bench_md_ns(double v)
{
	if (v >= 100)
		printf(" %.0f |", v);
	else
		printf(" %.1f |", v);
}

static void bench_md_host(void)
{
	char model[160] = "", line[256];
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (colon && !strncmp(line, "model name", 10)) {
			colon++;
			while (*colon == ' ' || *colon == '\t')
				colon++;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(model, sizeof(model), "%s", colon);
			break;
		}
	}
	if (f)
		fclose(f);
	if (uname(&u) == 0)
		printf("host: %ld CPUs%s%s, %s %s %s", cpus, model[0] ? " " : "", model, u.sysname,
		       u.release, u.machine);
	else
		printf("host: %ld CPUs%s%s", cpus, model[0] ? " " : "", model);
}

static void bench_print_markdown(const struct bench *b)
{
	const char *impls[BENCH_MAX_ABSENT + 4];
	int nimpl = bench_md_impls(b, impls, BENCH_MAX_ABSENT + 4), i;
	time_t now = time(NULL);
	char date[32] = "";

	strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&now));
	printf("`kmm bench %s`, %s: machine `%s`, smp mode **%s** (per-CPU fast paths on %s), ",
	       b->suite, date, bench_machine(b), bench_mode(b),
	       !strcmp(bench_mode(b), "rseq") ? "restartable sequences" : "compare-and-swap");
	bench_md_host();
	printf("; median of %d repetitions x %g s, ns per op (one alloc+free pair unless the "
	       "name says otherwise; threads > 1: per thread).\n\n",
	       b->opts.reps, b->opts.seconds);
	printf("| result | thr |");
	for (int j = 0; j < nimpl; j++)
		printf(" %s |", impls[j]);
	printf("\n|--------|-----|");
	for (int j = 0; j < nimpl; j++)
		printf("---|");
	putchar('\n');
	for (i = 0; i < b->nr_res; i++) {
		const struct bench_result *r = &b->res[i];
		int k;

		/* one row per suite + name + threads, at its first result */
		for (k = 0; k < i; k++)
			if (!strcmp(b->res[k].suite, r->suite) &&
			    !strcmp(b->res[k].name, r->name) && b->res[k].threads == r->threads)
				break;
		if (k < i)
			continue;
		printf("| %s: %s | %d |", r->suite, r->name, r->threads);
		for (int j = 0; j < nimpl; j++) {
			const struct bench_result *c = NULL;

			for (k = i; k < b->nr_res && !c; k++)
				if (!strcmp(b->res[k].suite, r->suite) &&
				    !strcmp(b->res[k].name, r->name) &&
				    b->res[k].threads == r->threads &&
				    !strcmp(b->res[k].impl, impls[j]))
					c = &b->res[k];
			if (!c)
				printf(" - |");
			else if (c->absent)
				printf(" absent |");
			else
				bench_md_ns(c->ns_med);
		}
		putchar('\n');
	}
	if (b->nr_fig) {
		printf("\n| figure | value |\n|--------|-------|\n");
		for (i = 0; i < b->nr_fig; i++) {
			printf("| %s | ", b->fig[i].key);
			bench_print_number(b->fig[i].value);
			printf("%s |\n",
			       b->fig[i].constant ? " (compile-time constant, not measured)" : "");
		}
	}
}

void bench_print(const struct bench *b)
{
	if (b->opts.json)
		bench_print_json(b);
	else if (b->opts.markdown)
		bench_print_markdown(b);
	else
		bench_print_table(b);
	fflush(stdout);
}
