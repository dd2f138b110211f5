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
#include "tool.h"

/* Every suite, in the order `kmm bench all` runs them. */
#define BENCH_SUITES(X) \
	X(pages) X(zones) X(smp) X(slab) X(reclaim) X(trace) X(vmalloc) X(hotplug) X(compaction)

#define BENCH_DECLARE(n) extern const struct bench_suite bench_suite_##n;
#define BENCH_ENTRY(n) &bench_suite_##n,

BENCH_SUITES(BENCH_DECLARE)

const struct bench_suite *const bench_suites[] = { BENCH_SUITES(BENCH_ENTRY) NULL };

static struct bench_opts opts = { .seconds = BENCH_DEFAULT_SECONDS, .reps = BENCH_MIN_REPS };
static long opt_threads, opt_reps = BENCH_MIN_REPS;

static const struct tool_opt bench_opt_table[] = {
	{ .name = "--json",
	  .type = OPT_FLAG,
	  .dst = &opts.json,
	  .help = "print exactly one JSON object on stdout" },
	{ .name = "--markdown",
	  .type = OPT_FLAG,
	  .dst = &opts.markdown,
	  .help = "print Markdown tables (for the README: scripts/bench-readme.sh)" },
	TOOL_OPT_MACHINE(&opts.machine),
	{ .name = "--threads",
	  .type = OPT_LONG,
	  .dst = &opt_threads,
	  .lo = 1,
	  .hi = 64,
	  .metavar = "N",
	  .help = "threads per measurement, for suites that run threads (default 2)" },
	{ .name = "--seconds",
	  .type = OPT_DOUBLE,
	  .dst = &opts.seconds,
	  .dlo = 0.001,
	  .dhi = 3600,
	  .metavar = "S",
	  .help = "time of one repetition of one implementation (default 0.2)" },
	{ .name = "--reps",
	  .type = OPT_LONG,
	  .dst = &opt_reps,
	  .lo = BENCH_MIN_REPS,
	  .hi = 1000,
	  .metavar = "N",
	  .help = "repetitions per implementation (default and minimum 5)" },
	{ .name = "--quiet",
	  .short_name = 'q',
	  .type = OPT_FLAG,
	  .dst = &opts.quiet,
	  .help = "no progress bar (it is drawn only when stderr is a terminal)" },
	{ 0 },
};

static char bench_epilog[2048];

static const struct tool_cmd bench_cmd = {
	.name = "kmm bench",
	.synopsis = "SUITE [--json | --markdown] [--machine '...'] [--threads N] [--seconds S] "
		    "[--reps N] [-q]",
	.help = "Measure kmm side by side with glibc, jemalloc, mimalloc and tcmalloc (those\n"
		"installed), repetitions interleaved; print a table, one JSON object or\n"
		"Markdown on stdout once every suite has run, nothing on stdout if one fails.\n"
		"A progress bar is drawn on stderr when it is a terminal (bench/README.md).\n",
	.opts = bench_opt_table,
	.min_args = 1,
	.max_args = 1,
	.epilog = bench_epilog,
};

static void bench_make_epilog(void)
{
	size_t pos = 0;
	int i;

	pos += (size_t)snprintf(bench_epilog + pos, sizeof(bench_epilog) - pos, "suites:\n");
	for (i = 0; bench_suites[i]; i++)
		pos += (size_t)snprintf(bench_epilog + pos, sizeof(bench_epilog) - pos,
					"  %-8s %s\n", bench_suites[i]->name,
					bench_suites[i]->desc);
	snprintf(bench_epilog + pos, sizeof(bench_epilog) - pos, "  %-8s %s\n  %-8s %s\n\n%s",
		 "all", "every suite above, in this order", "list", "print the suites and exit",
		 TOOL_MACHINE_HELP);
}

static int bench_run_suite(struct bench *b, const struct bench_suite *s)
{
	const struct bench_opts *o = bench_opts(b);

	if (!s->threaded && o->threads > 1) {
		bench_progress_clear(b);
		fprintf(stderr, "kmm bench: %s is single-threaded; --threads %d ignored\n", s->name,
			o->threads);
		bench_note(b, "%s is single-threaded: --threads %d was ignored", s->name,
			   o->threads);
	}
	if (s->run(b)) {
		bench_progress_done(b);
		fprintf(stderr, "kmm bench: suite %s failed\n", s->name);
		return -1;
	}
	return 0;
}

int kmm_bench_main(int argc, char **argv)
{
	const char *suite;
	const struct bench_suite *one = NULL;
	struct bench *b;
	kmm_machine *m;
	int i, rc = 0, nr_suites = 0;

	bench_make_epilog();
	rc = tool_parse(&bench_cmd, argc, argv, &suite, NULL);
	if (rc)
		return rc == TOOL_HELP ? 0 : rc;
	opts.threads = (int)opt_threads;
	opts.reps = (int)opt_reps;
	if (opts.json && opts.markdown)
		return tool_refuse(&bench_cmd, "--json and --markdown exclude each other");
	if (!strcmp(suite, "list")) {
		if (opts.machine) { /* a --machine is never accepted unchecked */
			rc = tool_boot(&bench_cmd, opts.machine, opts.machine, &m);
			if (rc)
				return rc;
			kmm_machine_destroy(m);
		}
		for (i = 0; bench_suites[i]; i++)
			printf("%-12s %s\n", bench_suites[i]->name, bench_suites[i]->desc);
		return 0;
	}
	if (strcmp(suite, "all")) {
		for (i = 0; bench_suites[i] && !one; i++)
			if (!strcmp(bench_suites[i]->name, suite))
				one = bench_suites[i];
		if (!one) {
			fprintf(stderr, "kmm bench: unknown suite '%s' (expected ", suite);
			for (i = 0; bench_suites[i]; i++)
				fprintf(stderr, "%s, ", bench_suites[i]->name);
			fprintf(stderr, "all or list)\nTry 'kmm bench --help' for more "
					"information.\n");
			return TOOL_USAGE;
		}
	}
	for (i = 0; bench_suites[i]; i++)
		nr_suites++;

	/*
	 * The machine must boot as given before anything runs, so that a bad
	 * --machine is refused quoting what was typed, not a suite's variant.
	 */
	rc = tool_boot(&bench_cmd, opts.machine, opts.machine, &m);
	if (rc)
		return rc;
	bench_peers_init();
	b = bench_create(&opts, suite);
	bench_set_mode(b, kmm_smp_mode(m));
	if (!one) /* `all`: the machine as given (a suite may append pcp=0 ...) */
		bench_set_machine(b, kmm_machine_cmdline(m));
	kmm_machine_destroy(m);
	if (one) {
		bench_begin_suite(b, one->name, 0, 1);
		rc = bench_run_suite(b, one);
	} else {
		for (i = 0; bench_suites[i] && !rc; i++) {
			bench_begin_suite(b, bench_suites[i]->name, i, nr_suites);
			rc = bench_run_suite(b, bench_suites[i]);
		}
	}
	bench_progress_done(b);
	if (rc)
		fprintf(stderr, "kmm bench: nothing printed on stdout because a suite failed\n");
	else
		bench_print(b);
	bench_destroy(b);
	return rc ? 1 : 0;
}
