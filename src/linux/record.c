/* SPDX-License-Identifier: MIT */
/*
 * linux/record.c - the recorder: a machine's tracepoints written to a file
 * in kmm's trace format (docs/replay.md).
 *
 * The format is the ftrace `trace` file, so that every tool that reads
 * one (kmm replay, trace-cmd-style scripts, grep) reads it, under a header
 * that says what it is:
 *
 *   # kmm-trace version 1
 *   # machine: mem=4G nr_cpus=2
 *   # tracer: nop
 *   #
 *          prog-1234    [000] .....     0.000012: mm_page_alloc: page=... pfn=0x... ...
 *
 * The version is KMM_TRACE_FORMAT_VERSION; "# machine:" is the recorded
 * machine's canonical command line, which kmm replay boots when no
 * --machine is given. Timestamps count from kmm_record_start.
 *
 * Hosted code: it writes a FILE. Its state lives on the host heap, not in
 * the machine's memory, on purpose: recording must not change the machine
 * it records, or the replay could not reach the same state. One mutex
 * orders lines written by several threads; a line is written whole. The
 * default machine is never destroyed, so its recording (KMM_RECORD) is
 * closed by an atexit handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kmm/trace.h>

#include "linux/record.h"

struct recorder {
	FILE *f;
	pthread_mutex_t lock;
	uint64_t start_ns;
	int pid;
	char comm[17];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void record_event(void *ctx, const struct kmm_trace_record *r)
{
	struct recorder *rec = ctx;
	uint64_t t = r->ts_ns > rec->start_ns ? r->ts_ns - rec->start_ns : 0;

	pthread_mutex_lock(&rec->lock);
	fprintf(rec->f, "%16s-%-7d [%03d] ..... %5llu.%06llu: %s: %.*s\n", rec->comm, rec->pid,
		r->cpu, (unsigned long long)(t / 1000000000ull),
		(unsigned long long)(t % 1000000000ull / 1000), kmm_trace_event_name(r->kind),
		(int)r->len, r->text);
	pthread_mutex_unlock(&rec->lock);
}

int kmm_record_start(kmm_machine *m, const char *path, char *err, size_t err_len)
{
	struct recorder *rec;

	if (!m || !path || !*path) {
		if (err && err_len)
			snprintf(err, err_len, "kmm_record_start: no machine or no path");
		return KMM_EINVAL;
	}
	rec = calloc(1, sizeof(*rec));
	if (!rec)
		return KMM_ENOMEM;
	rec->f = fopen(path, "w");
	if (!rec->f) {
		if (err && err_len)
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
		free(rec);
		return KMM_EINVAL;
	}
	pthread_mutex_init(&rec->lock, NULL);
	rec->pid = (int)getpid();
	snprintf(rec->comm, sizeof(rec->comm), "%.16s", program_invocation_short_name);
	fprintf(rec->f, "# kmm-trace version %d\n# machine: %s\n# tracer: nop\n#\n",
		KMM_TRACE_FORMAT_VERSION, kmm_machine_cmdline(m));
	rec->start_ns = now_ns();
	kmm_trace_set_callback(m, record_event, rec);
	return KMM_OK;
}

void kmm_record_stop(kmm_machine *m)
{
	kmm_trace_fn fn;
	struct recorder *rec = kmm_trace_get_callback(m, &fn);

	if (!rec || fn != record_event)
		return;
	kmm_trace_set_callback(m, NULL, NULL);
	fclose(rec->f);
	pthread_mutex_destroy(&rec->lock);
	free(rec);
}

/* The default machine lives until exit: its recording is closed then. */
static kmm_machine *env_recorded;

static void stop_env_recording(void)
{
	if (env_recorded)
		kmm_record_stop(env_recorded);
	env_recorded = NULL;
}

void kmm_record_from_env(kmm_machine *m)
{
	const char *path = getenv("KMM_RECORD");
	char err[256];

	if (!path || !*path)
		return;
	if (kmm_record_start(m, path, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "kmm: KMM_RECORD: %s\n", err);
		return;
	}
	if (!env_recorded) {
		env_recorded = m;
		atexit(stop_env_recording);
	}
}
