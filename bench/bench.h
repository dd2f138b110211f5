/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.h - the harness behind `kmm bench SUITE`.
 *
 * A suite is one file (bench_<suite>.c) exporting a struct bench_suite; the
 * table in bench.c lists them. A suite measures patterns: for each pattern
 * it hands bench_measure() one struct bench_impl per implementation (kmm and
 * its peers), and the harness warms every impl up, sizes a repetition to the
 * --seconds budget, runs the repetitions interleaved (rep 1 of every impl,
 * then rep 2 ...), and records median, min and max nanoseconds per op.
 * Suites add single numbers with bench_figure() and table footnotes with
 * bench_note(). At the end, and only when every suite succeeded, the
 * harness prints the readable table, exactly one JSON object (--json) or
 * Markdown tables (--markdown) on stdout; a failed run prints nothing on
 * stdout. Everything else goes to stderr, including a one-line progress bar
 * when stderr is a terminal (tools/kmm/progress.h; --quiet turns it off).
 *
 * Peers (glibc, jemalloc, mimalloc, tcmalloc) are loaded by bench/peers.c.
 */
#ifndef KMM_BENCH_H
#define KMM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmm/kmm.h>

/* `kmm bench ...`: argv[0] is "bench", argv[1] the suite. Returns the exit status. */
int kmm_bench_main(int argc, char **argv);

#define BENCH_MIN_REPS 5
#define BENCH_DEFAULT_SECONDS 0.2

struct bench_opts {
	const char *machine; /* --machine, NULL: the library's default machine */
	int threads;	     /* --threads, 0 when not given */
	double seconds;	     /* --seconds: time of one repetition of one impl */
	int reps;	     /* --reps: repetitions per impl, >= BENCH_MIN_REPS */
	bool json;	     /* --json */
	bool markdown;	     /* --markdown: Markdown tables (scripts/bench-readme.sh) */
	bool quiet;	     /* --quiet: no progress bar */
};

/* One run of `kmm bench`: options, results, figures, notes. */
struct bench;

const struct bench_opts *bench_opts(const struct bench *b);

struct bench_suite {
	const char *name;
	const char *desc;
	bool threaded; /* honours --threads; otherwise every result has threads = 1 */
	/* 0 on success; -1 after printing the reason to stderr. */
	int (*run)(struct bench *b);
};

/* The suites, in the order `kmm bench all` runs them (bench.c). */
extern const struct bench_suite *const bench_suites[];

/*
 * One implementation of a pattern. run() performs `iters` ops and returns 0,
 * or -1 after printing why to stderr. With threads > 1 it performs `iters`
 * ops on each of `threads` threads and returns when all are done; ns/op is
 * then per-thread time (wall time / iters). run == NULL marks an absent peer.
 */
typedef int (*bench_run_fn)(void *ctx, uint64_t iters);

struct bench_impl {
	const char *impl; /* "kmm", "glibc", "jemalloc", "mimalloc", "tcmalloc", "mmap" */
	bench_run_fn run;
	void *ctx;
	int threads; /* 0 means 1 */
};

/*
 * Measure pattern `name` for each impl, repetitions interleaved across the
 * impls. Returns 0, or -1 when an impl failed (the failure is printed).
 */
int bench_measure(struct bench *b, const char *name, const struct bench_impl *impls, int nr);

/*
 * The median ns/op bench_measure recorded for pattern `name`, impl `impl`
 * in this run (the latest), or -1 when it was absent or not measured.
 */
double bench_median_of(const struct bench *b, const char *name, const char *impl);

/* A single number that is not a per-op timing; the unit is part of the key. */
void bench_figure(struct bench *b, const char *key, double value);

/*
 * A number fixed when kmm was compiled (a structure size ...), not measured:
 * printed with the figures but labelled as a constant in every format
 * (the JSON lists its key in "constants").
 */
void bench_constant(struct bench *b, const char *key, double value);

/*
 * Show what a suite is doing outside bench_measure (a long set-up, boot
 * timings ...) on the progress bar; nothing when the bar is off.
 */
__attribute__((format(printf, 2, 3))) void bench_progress(struct bench *b, const char *fmt, ...);

/* A footnote under the readable table (not part of the JSON). */
__attribute__((format(printf, 2, 3))) void bench_note(struct bench *b, const char *fmt, ...);

/* Record the machine the suite measured (kmm_machine_cmdline); the first one wins. */
void bench_set_machine(struct bench *b, const char *cmdline);

/* kmm_machine_create with the error printed to stderr; 0 or -1. */
int bench_boot(const char *cmdline, kmm_machine **out);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* Median of v[0..n) (v is reordered). */
double bench_median(double *v, int n);

/* Keep a value live so the compiler cannot drop the work that produced it. */
static inline void bench_keep(const void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* ---- peers (peers.c) ----------------------------------------------------- */

struct bench_peer {
	const char *name;   /* the JSON impl name */
	const char *soname; /* NULL for the process's own malloc */
	void *(*malloc_fn)(size_t size);
	void (*free_fn)(void *ptr);
	bool present;
	char why[160]; /* why it is absent */
};

/*
 * Load the peers once. May re-execute the command (see peers.c) before
 * anything has been printed, so call it before producing output.
 */
void bench_peers_init(void);
int bench_nr_peers(void);
const struct bench_peer *bench_peer(int i);

/* ---- the run (harness.c) ------------------------------------------------- */

struct bench *bench_create(const struct bench_opts *opts, const char *suite);
/*
 * The locking mode of the per-CPU fast paths on the measured machine
 * ("rseq" or "cas", kmm_smp_mode()), shown in every table and JSON.
 */
void bench_set_mode(struct bench *b, const char *mode);
/* The suite about to run (suite `index` of `count`): labels its results and the progress bar. */
void bench_begin_suite(struct bench *b, const char *suite, int index, int count);
/* Erase the progress bar before a message on stderr; the next update redraws it. */
void bench_progress_clear(struct bench *b);
/* Erase the progress bar for good (the run is over). */
void bench_progress_done(struct bench *b);
void bench_destroy(struct bench *b);
/* Print the table or the JSON object to stdout. */
void bench_print(const struct bench *b);

#endif /* KMM_BENCH_H */
