/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.c - `kmm bench`: the suite table and the command line.
 *
 * Adding a suite is one line in BENCH_SUITES below plus its file
 * bench_<name>.c defining `const struct bench_suite bench_suite_<name>`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Every suite, in the order `kmm bench all` runs them. */
#define BENCH_SUITES(X) X(pages) X(zones) X(smp) X(slab) X(reclaim)

#define BENCH_DECLARE(n) extern const struct bench_suite bench_suite_##n;
#define BENCH_ENTRY(n) &bench_suite_##n,

BENCH_SUITES(BENCH_DECLARE)

const struct bench_suite *const bench_suites[] = { BENCH_SUITES(BENCH_ENTRY) NULL };

static void bench_usage(FILE *f)
{
	int i;

	fprintf(f,
		"usage: kmm bench SUITE [--json] [--machine \"CMDLINE\"] [--threads N] "
		"[--seconds S] [--reps N]\n\n"
		"  --json         print exactly one JSON object on stdout\n"
		"  --machine      the machine to measure (default: \"%s\")\n"
		"  --threads N    threads per measurement, for suites that run threads\n"
		"  --seconds S    time of one repetition of one implementation (default %.1f)\n"
		"  --reps N       repetitions per implementation (default and minimum %d)\n\n"
		"suites:\n",
		KMM_DEFAULT_CMDLINE, BENCH_DEFAULT_SECONDS, BENCH_MIN_REPS);
	for (i = 0; bench_suites[i]; i++)
		fprintf(f, "  %-12s %s\n", bench_suites[i]->name, bench_suites[i]->desc);
	fprintf(f, "  %-12s %s\n", "all", "every suite above, in this order");
	fprintf(f, "  %-12s %s\n", "list", "print the suites and exit");
}

/* The value of option argv[*i] ("--opt=V" or "--opt V"); NULL when missing. */
static const char *bench_optval(int argc, char **argv, int *i, const char *opt)
{
	size_t len = strlen(opt);
	const char *a = argv[*i];

	if (a[len] == '=')
		return a + len + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool bench_is_opt(const char *arg, const char *opt)
{
	size_t len = strlen(opt);

	return !strncmp(arg, opt, len) && (arg[len] == '\0' || arg[len] == '=');
}

static int bench_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int bench_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.001 && v <= 3600))
		return -1;
	*out = v;
	return 0;
}

/* 0 on success, 1 for --help, -1 on a usage error (printed). */
static int bench_parse(int argc, char **argv, struct bench_opts *o, const char **suite)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		long n;

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (bench_is_opt(a, "--machine")) {
			v = bench_optval(argc, argv, &i, "--machine");
			if (!v)
				goto missing;
			o->machine = v;
		} else if (bench_is_opt(a, "--threads")) {
			v = bench_optval(argc, argv, &i, "--threads");
			if (!v)
				goto missing;
			if (bench_parse_long(v, 1, 1024, &n))
				goto bad;
			o->threads = (int)n;
		} else if (bench_is_opt(a, "--seconds")) {
			v = bench_optval(argc, argv, &i, "--seconds");
			if (!v)
				goto missing;
			if (bench_parse_seconds(v, &o->seconds))
				goto bad;
		} else if (bench_is_opt(a, "--reps")) {
			v = bench_optval(argc, argv, &i, "--reps");
			if (!v)
				goto missing;
			if (bench_parse_long(v, BENCH_MIN_REPS, 1000, &n))
				goto bad;
			o->reps = (int)n;
		} else if (a[0] == '-') {
			fprintf(stderr, "kmm bench: unknown option '%s'\n", a);
			return -1;
		} else if (!*suite) {
			*suite = a;
		} else {
			fprintf(stderr, "kmm bench: unexpected argument '%s'\n", a);
			return -1;
		}
		continue;
	missing:
		fprintf(stderr, "kmm bench: option '%s' needs a value\n", a);
		return -1;
	bad:
		fprintf(stderr, "kmm bench: bad value '%s' for '%s'\n", v, a);
		return -1;
	}
	return 0;
}

static int bench_run_suite(struct bench *b, const struct bench_suite *s)
{
	const struct bench_opts *o = bench_opts(b);

	if (!s->threaded && o->threads > 1) {
		fprintf(stderr, "kmm bench: %s is single-threaded; --threads %d ignored\n", s->name,
			o->threads);
		bench_note(b, "%s is single-threaded: --threads %d was ignored", s->name,
			   o->threads);
	}
	if (s->run(b)) {
		fprintf(stderr, "kmm bench: suite %s failed\n", s->name);
		return -1;
	}
	return 0;
}

int kmm_bench_main(int argc, char **argv)
{
	struct bench_opts o = { .seconds = BENCH_DEFAULT_SECONDS, .reps = BENCH_MIN_REPS };
	const char *suite = NULL;
	const struct bench_suite *one = NULL;
	struct bench *b;
	int i, rc = 0;

	switch (bench_parse(argc, argv, &o, &suite)) {
	case 1:
		bench_usage(stdout);
		return 0;
	case 0:
		break;
	default:
		bench_usage(stderr);
		return 2;
	}
	if (!suite) {
		bench_usage(stderr);
		return 2;
	}
	if (!strcmp(suite, "list")) {
		for (i = 0; bench_suites[i]; i++)
			printf("%-12s %s\n", bench_suites[i]->name, bench_suites[i]->desc);
		return 0;
	}
	if (strcmp(suite, "all")) {
		for (i = 0; bench_suites[i] && !one; i++)
			if (!strcmp(bench_suites[i]->name, suite))
				one = bench_suites[i];
		if (!one) {
			fprintf(stderr, "kmm bench: unknown suite '%s'\n", suite);
			bench_usage(stderr);
			return 2;
		}
	}

	bench_peers_init();
	b = bench_create(&o, suite);
	if (one) {
		rc = bench_run_suite(b, one);
	} else {
		for (i = 0; bench_suites[i]; i++)
			rc |= bench_run_suite(b, bench_suites[i]);
	}
	if (rc && o.json)
		fprintf(stderr, "kmm bench: no JSON written because a suite failed\n");
	else
		bench_print(b);
	bench_destroy(b);
	return rc ? 1 : 0;
}
