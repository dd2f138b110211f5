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
 * Hosted code: it writes a file descriptor. It never calls malloc: its
 * state and its buffer are an anonymous mapping of their own, and lines are
 * formatted into that buffer and written with write(2), not through stdio.
 * That is what lets libkmm-malloc record (KMM_RECORD in a program under
 * LD_PRELOAD): there malloc *is* the recorded machine, so a recorder that
 * allocated would change the machine it records (the replay could not reach
 * the same state) and re-enter itself from inside an allocation. One mutex
 * orders lines written by several threads; a line is written whole.
 *
 * A forked child inherits the callback and the descriptor; its events are
 * not written (the fork generation below), so the parent's trace is never
 * interleaved with another process's. KMM_RECORD_PID, when set, names the
 * one process that records: `kmm record` sets it to the program's pid, so
 * programs the recorded program starts (with KMM_RECORD inherited) do not
 * truncate the trace. The default machine and libkmm-malloc's are never
 * destroyed, so their recording (KMM_RECORD) is closed by an atexit handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <kmm/trace.h>

#include "linux/record.h"

#define REC_BUF (64u << 10) /* written out when a line might not fit */
#define REC_LINE 1024u	    /* room kept for one line */

struct recorder {
	int fd;
	unsigned int gen; /* fork_gen when recording started */
	pthread_mutex_t lock;
	uint64_t start_ns;
	int pid;
	size_t used;
	char comm[17];
	char buf[REC_BUF];
};

/* Bumped in every forked child: a recorder inherited across fork stays silent. */
static unsigned int fork_gen;
static int atfork_registered; /* not pthread_once: GLIBC_2.34, above the baseline */

static void forked_child(void)
{
	__atomic_add_fetch(&fork_gen, 1, __ATOMIC_RELAXED);
}

static void register_atfork(void)
{
	if (!__atomic_exchange_n(&atfork_registered, 1, __ATOMIC_ACQ_REL))
		pthread_atfork(NULL, NULL, forked_child);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void rec_flush(struct recorder *rec)
{
	size_t done = 0;

	while (done < rec->used) {
		ssize_t n = write(rec->fd, rec->buf + done, rec->used - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* a full disk or a closed pipe: drop the rest */
		done += (size_t)n;
	}
	rec->used = 0;
}

static void record_event(void *ctx, const struct kmm_trace_record *r)
{
	struct recorder *rec = ctx;
	uint64_t t = r->ts_ns > rec->start_ns ? r->ts_ns - rec->start_ns : 0;
	int n;

	if (__atomic_load_n(&fork_gen, __ATOMIC_RELAXED) != rec->gen)
		return;
	/* the kmem events only, as a recording of events/kmem: compaction's are not replayed */
	if (r->kind >= KMM_NR_EVENTS)
		return;
	pthread_mutex_lock(&rec->lock);
	if (REC_BUF - rec->used < REC_LINE)
		rec_flush(rec);
	n = snprintf(rec->buf + rec->used, REC_LINE,
		     "%16s-%-7d [%03d] ..... %5llu.%06llu: %s: %.*s\n", rec->comm, rec->pid, r->cpu,
		     (unsigned long long)(t / 1000000000ull),
		     (unsigned long long)(t % 1000000000ull / 1000), kmm_trace_event_name(r->kind),
		     (int)r->len, r->text);
	if (n > 0 && (size_t)n >= REC_LINE) { /* cut, but still one line */
		n = REC_LINE - 1;
		rec->buf[rec->used + REC_LINE - 2] = '\n';
	}
	if (n > 0)
		rec->used += (size_t)n;
	pthread_mutex_unlock(&rec->lock);
}

int kmm_record_start(kmm_machine *m, const char *path, char *err, size_t err_len)
{
	struct recorder *rec;
	int fd;

	if (!m || !path || !*path) {
		if (err && err_len)
			snprintf(err, err_len, "kmm_record_start: no machine or no path");
		return KMM_EINVAL;
	}
	register_atfork();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (err && err_len)
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return KMM_EINVAL;
	}
	rec = mmap(NULL, sizeof(*rec), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rec == MAP_FAILED) {
		close(fd);
		return KMM_ENOMEM;
	}
	rec->fd = fd;
	rec->gen = __atomic_load_n(&fork_gen, __ATOMIC_RELAXED);
	pthread_mutex_init(&rec->lock, NULL);
	rec->pid = (int)getpid();
	snprintf(rec->comm, sizeof(rec->comm), "%.16s", program_invocation_short_name);
	rec->used = (size_t)snprintf(rec->buf, REC_LINE,
				     "# kmm-trace version %d\n# machine: %s\n# tracer: nop\n#\n",
				     KMM_TRACE_FORMAT_VERSION, kmm_machine_cmdline(m));
	if (rec->used >= REC_LINE)
		rec->used = REC_LINE - 1;
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
	/* a forked child's copy: the parent's events are the parent's to write */
	if (__atomic_load_n(&fork_gen, __ATOMIC_RELAXED) == rec->gen) {
		pthread_mutex_lock(&rec->lock);
		rec_flush(rec);
		pthread_mutex_unlock(&rec->lock);
	}
	close(rec->fd);
	pthread_mutex_destroy(&rec->lock);
	munmap(rec, sizeof(*rec));
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
	const char *path = getenv("KMM_RECORD"), *only = getenv("KMM_RECORD_PID");
	char err[256];

	if (!path || !*path)
		return;
	if (only && *only && strtol(only, NULL, 10) != (long)getpid())
		return; /* a program the recorded one started (kmm record) */
	if (kmm_record_start(m, path, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "kmm: KMM_RECORD: %s\n", err);
		return;
	}
	if (!env_recorded) {
		env_recorded = m;
		atexit(stop_env_recording);
	}
}
