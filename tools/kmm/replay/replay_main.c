/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/replay_main.c - the replay family of kmm commands:
 *
 *   kmm replay TRACE [--machine M] [--vs-machine B] [--report out.html] [--json]
 *              [--speed N | --as-fast] [--top] [--lenient] [--quiet] [--no-pin]
 *   kmm top TRACE [replay options]        the same as kmm replay --top
 *   kmm top [--machine M] -- PROGRAM ARGS  a live view of a program linked with kmm
 *   kmm record -o FILE -- PROGRAM ARGS     run PROGRAM with KMM_RECORD=FILE
 *   kmm map [--machine M] [--trace TRACE] [-o out.svg]   the page-frame map as SVG
 *
 * docs/replay.md is the manual.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "input.h"
#include "progress.h"
#include "replay_cmds.h"
#include "summary.h"
#include "top.h"

/* Options, as bits, so that each command refuses the ones it does not use. */
enum {
	O_MACHINE = 1 << 0,
	O_VS = 1 << 1,
	O_REPORT = 1 << 2,
	O_TRACE = 1 << 3,
	O_OUT = 1 << 4,
	O_STATE = 1 << 5,
	O_SPEED = 1 << 6,
	O_JSON = 1 << 7,
	O_TOP = 1 << 8,
	O_FAST = 1 << 9,
	O_LENIENT = 1 << 10,
	O_QUIET = 1 << 11,
	O_NOPIN = 1 << 12,
	O_PROGRAM = 1 << 13,
	O_REPLAY = O_MACHINE | O_VS | O_REPORT | O_STATE | O_SPEED | O_JSON | O_TOP | O_FAST |
		   O_LENIENT | O_QUIET | O_NOPIN,
};

struct replay_args {
	unsigned int seen; /* O_* */
	const char *trace, *machine, *vs, *report, *out, *state;
	bool json, top, as_fast, lenient, quiet, no_pin;
	double speed;
	bool speed_set;
	char **program; /* after -- */
};

static void replay_usage(FILE *f)
{
	fprintf(f, "usage: kmm replay TRACE [--machine \"...\"] [--vs-machine \"...\"] "
		   "[--report out.html]\n"
		   "                  [--json] [--speed N | --as-fast] [--top] [--lenient] "
		   "[--quiet] [--no-pin]\n"
		   "                  [--final-state FILE]\n"
		   "       kmm top TRACE [replay options] | kmm top [--machine \"...\"] -- PROGRAM "
		   "[ARGS]\n"
		   "       kmm record -o FILE -- PROGRAM [ARGS]\n"
		   "       kmm map [--machine \"...\"] [--trace TRACE] [-o out.svg]\n"
		   "TRACE: ftrace text (trace file, trace-cmd report, perf script, kmm record), "
		   "plain, .gz or .xz\n");
}

static int parse_args(int argc, char **argv, struct replay_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
#define VALUE(opt, dst, bit)                                             \
	if (!strcmp(s, opt)) {                                           \
		if (i + 1 >= argc) {                                     \
			fprintf(stderr, "kmm: %s needs a value\n", opt); \
			return -1;                                       \
		}                                                        \
		dst = argv[++i];                                         \
		a->seen |= bit;                                          \
		continue;                                                \
	}                                                                \
	if (!strncmp(s, opt "=", sizeof(opt))) {                         \
		dst = s + sizeof(opt);                                   \
		a->seen |= bit;                                          \
		continue;                                                \
	}
		VALUE("--machine", a->machine, O_MACHINE)
		VALUE("--vs-machine", a->vs, O_VS)
		VALUE("--report", a->report, O_REPORT)
		VALUE("--trace", a->trace, O_TRACE)
		VALUE("-o", a->out, O_OUT)
		VALUE("--final-state", a->state, O_STATE)
		if (!strcmp(s, "--speed") || !strncmp(s, "--speed=", 8)) {
			const char *v = s[7] == '=' ? s + 8 : (i + 1 < argc ? argv[++i] : NULL);
			char *end;

			if (!v || (a->speed = strtod(v, &end)) <= 0 || *end) {
				fprintf(stderr, "kmm: --speed needs a positive number\n");
				return -1;
			}
			a->speed_set = true;
			a->seen |= O_SPEED;
			continue;
		}
		if (!strcmp(s, "--json")) {
			a->json = true;
			a->seen |= O_JSON;
		} else if (!strcmp(s, "--top")) {
			a->top = true;
			a->seen |= O_TOP;
		} else if (!strcmp(s, "--as-fast")) {
			a->as_fast = true;
			a->seen |= O_FAST;
		} else if (!strcmp(s, "--lenient")) {
			a->lenient = true;
			a->seen |= O_LENIENT;
		} else if (!strcmp(s, "--quiet")) {
			a->quiet = true;
			a->seen |= O_QUIET;
		} else if (!strcmp(s, "--no-pin")) {
			a->no_pin = true;
			a->seen |= O_NOPIN;
		} else if (!strcmp(s, "--")) {
			a->program = argv + i + 1;
			a->seen |= O_PROGRAM;
			if (!a->program[0]) {
				fprintf(stderr, "kmm: no program after --\n");
				return -1;
			}
			break;
		} else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			replay_usage(stdout);
			exit(0);
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "kmm: unknown option '%s'\n", s);
			return -1;
		} else if (!a->trace) {
			a->trace = s;
		} else {
			fprintf(stderr, "kmm: unexpected argument '%s'\n", s);
			return -1;
		}
#undef VALUE
	}
	if (a->speed_set && a->as_fast) {
		fprintf(stderr, "kmm: --speed and --as-fast exclude each other\n");
		return -1;
	}
	return 0;
}

static void file_sink(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, ctx);
}

/* buddyinfo, pagetypeinfo and slabinfo: what "the same final state" compares. */
int rp_write_state(const char *path, kmm_machine *m)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	kmm_report(m, KMM_REPORT_BUDDYINFO, file_sink, f);
	kmm_report(m, KMM_REPORT_PAGETYPEINFO, file_sink, f);
	kmm_report(m, KMM_REPORT_SLABINFO, file_sink, f);
	return fclose(f) ? -1 : 0;
}

/* Refuse an option the command does not use, rather than ignore it. */
static int only(const struct replay_args *a, unsigned int allowed, const char *cmd)
{
	static const char *const names[] = {
		"--machine",	 "--vs-machine", "--report", "--trace", "-o",
		"--final-state", "--speed",	 "--json",   "--top",	"--as-fast",
		"--lenient",	 "--quiet",	 "--no-pin", "--"
	};

	for (int b = 0; b < 14; b++) {
		if ((a->seen & (1u << b)) && !(allowed & (1u << b))) {
			fprintf(stderr, "kmm %s: %s does not apply here\n", cmd, names[b]);
			return -1;
		}
	}
	return 0;
}

static void on_sample_progress(struct rp_engine *e, void *ctx)
{
	rp_progress_update(ctx, e->st.lines, e->total_lines);
}

static int replay_main(int argc, char **argv, bool top)
{
	struct replay_args a;
	struct rp_engine e[2];
	struct rp_progress prog;
	struct rp_top view;
	char *buf = NULL, err[512] = "", hdr_machine[512];
	const char *trace_machine;
	size_t len = 0;
	int n, check[2] = { 0, 0 }, ret = 0;

	if (parse_args(argc, argv, &a) || only(&a, O_REPLAY, top ? "top" : "replay"))
		return 2;
	top = top || a.top;
	if (!a.trace) {
		replay_usage(stderr);
		return 2;
	}
	if (rp_read_trace(a.trace, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "kmm replay: %s\n", err);
		return 1;
	}
	trace_machine = rp_trace_machine(buf, len, hdr_machine, sizeof(hdr_machine));
	n = a.vs ? 2 : 1;
	if (top && n == 2) {
		fprintf(stderr, "kmm replay: --top shows one machine; drop --vs-machine\n");
		free(buf);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		struct rp_options opt = {
			.cmdline = i ? a.vs : a.machine,
			.lenient = a.lenient,
			.pin = !a.no_pin,
			.speed = a.speed_set ? a.speed : (top && !a.as_fast ? 1.0 : 0.0),
			.quiet = a.quiet || a.json || top,
			.want_maps = a.report != NULL,
		};

		if (rp_engine_init(&e[i], &opt, trace_machine)) {
			fprintf(stderr, "kmm replay: %s\n", e[i].err);
			for (int j = 0; j <= i; j++)
				rp_engine_destroy(&e[j]);
			free(buf);
			return 1;
		}
		if (top) {
			rp_top_start(&view, a.trace);
			e[i].on_tick = rp_top_tick;
			e[i].on_sample_ctx = &view;
		} else {
			rp_progress_start(&prog, n == 2 ? (i ? "replay B" : "replay A") : "replay");
			e[i].on_sample = on_sample_progress;
			e[i].on_sample_ctx = &prog;
		}
		ret = rp_engine_run(&e[i], buf, len);
		if (top) {
			if (!ret)
				rp_top_wait(&e[i], &view);
			rp_top_end(&view);
		} else {
			rp_progress_end(&prog);
		}
		if (ret) {
			fprintf(stderr, "kmm replay: %s: %s\n", a.trace, e[i].err);
			for (int j = 0; j <= i; j++)
				rp_engine_destroy(&e[j]);
			free(buf);
			return 1;
		}
		kmm_set_log(e[i].m, NULL, NULL); /* kmm_check problems go to stderr */
		check[i] = kmm_check(e[i].m);
	}
	if (a.json)
		rp_print_json(stdout, a.trace, e, n, check);
	else
		rp_print_summary(stdout, a.trace, e, n, check);
	if (a.state && rp_write_state(a.state, e[0].m)) {
		fprintf(stderr, "kmm replay: cannot write %s: %s\n", a.state, strerror(errno));
		ret = 1;
	}
	if (a.report) {
		if (rp_write_report(a.report, a.trace, e, n)) {
			fprintf(stderr, "kmm replay: cannot write %s: %s\n", a.report,
				strerror(errno));
			ret = 1;
		} else if (!a.json) {
			printf("report: %s\n", a.report);
		}
	}
	for (int i = 0; i < n; i++) {
		if (check[i])
			ret = 1;
		rp_engine_destroy(&e[i]);
	}
	free(buf);
	return ret;
}

int kmm_replay_main(int argc, char **argv)
{
	return replay_main(argc, argv, false);
}

/* kmm top -- PROGRAM: the program records into a pipe, the view replays it as it comes. */
static int top_program(struct replay_args *a)
{
	int fds[2], status = 0;
	pid_t pid;
	FILE *in;
	char *line = NULL, path[64];
	size_t cap = 0;
	ssize_t n;
	struct rp_engine e;
	struct rp_top view;
	bool started = false;
	struct kmm_trace_parser hdr;
	struct kmm_trace_event ev;

	if (pipe(fds)) {
		perror("kmm top: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("kmm top: fork");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		snprintf(path, sizeof(path), "/dev/fd/%d", fds[1]);
		setenv("KMM_RECORD", path, 1);
		if (a->machine)
			setenv("KMM_CMDLINE", a->machine, 1);
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp(a->program[0], a->program);
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	memset(&hdr, 0, sizeof(hdr));
	while (in && (n = getline(&line, &cap, in)) > 0) {
		if (!started) {
			if (line[0] == '#') {
				kmm_trace_parse_line(&hdr, line, (size_t)n, &ev, NULL, 0);
				continue;
			}
			struct rp_options opt = { .cmdline = a->machine,
						  .pin = false,
						  .quiet = true };

			if (rp_engine_init(&e, &opt, hdr.machine[0] ? hdr.machine : NULL)) {
				fprintf(stderr, "kmm top: %s\n", e.err);
				break;
			}
			rp_top_start(&view, a->program[0]);
			e.on_tick = rp_top_tick;
			e.on_sample_ctx = &view;
			rp_engine_begin(&e, 0);
			started = true;
		}
		if (rp_engine_line(&e, line, (size_t)n) || e.stop)
			break;
	}
	if (started) {
		rp_engine_end(&e);
		if (!e.stop)
			rp_top_wait(&e, &view);
		rp_top_end(&view);
		printf("kmm top: %s: %lu lines, %lu failures\n", a->program[0], e.st.lines,
		       e.st.failures);
		rp_engine_destroy(&e);
	} else {
		fprintf(stderr, "kmm top: %s wrote no trace (is it linked with kmm?)\n",
			a->program[0]);
	}
	free(line);
	if (in)
		fclose(in);
	waitpid(pid, &status, 0);
	return started ? 0 : 1;
}

int kmm_top_main(int argc, char **argv)
{
	struct replay_args a;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			if (parse_args(argc, argv, &a) || only(&a, O_MACHINE | O_PROGRAM, "top"))
				return 2;
			return top_program(&a);
		}
	}
	return replay_main(argc, argv, true);
}

int kmm_record_main(int argc, char **argv)
{
	struct replay_args a;
	pid_t pid;
	int status;

	if (parse_args(argc, argv, &a) || only(&a, O_MACHINE | O_OUT | O_PROGRAM, "record"))
		return 2;
	if (!a.out || !a.program || a.trace) {
		fprintf(stderr,
			"usage: kmm record -o FILE [--machine \"...\"] -- PROGRAM [ARGS]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("kmm record: fork");
		return 1;
	}
	if (pid == 0) {
		setenv("KMM_RECORD", a.out, 1);
		if (a.machine)
			setenv("KMM_CMDLINE", a.machine, 1);
		execvp(a.program[0], a.program);
		fprintf(stderr, "kmm record: %s: %s\n", a.program[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("kmm record: waitpid");
		return 1;
	}
	if (access(a.out, R_OK) != 0) {
		fprintf(stderr,
			"kmm record: %s wrote no trace to %s (is it linked with kmm, and "
			"does it use the default machine or kmm_record_start?)\n",
			a.program[0], a.out);
		return 1;
	}
	fprintf(stderr, "kmm record: %s -> %s\n", a.program[0], a.out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int kmm_map_main(int argc, char **argv)
{
	struct replay_args a;
	struct rp_engine e;
	struct rp_options opt = { 0 };
	char *buf = NULL, err[512] = "", hdr_machine[512];
	const char *tm = NULL;
	size_t len = 0;
	FILE *f = stdout;
	int ret = 0;

	if (parse_args(argc, argv, &a) ||
	    only(&a, O_MACHINE | O_TRACE | O_OUT | O_LENIENT | O_NOPIN, "map"))
		return 2;
	if (a.trace && rp_read_trace(a.trace, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "kmm map: %s\n", err);
		return 1;
	}
	if (buf)
		tm = rp_trace_machine(buf, len, hdr_machine, sizeof(hdr_machine));
	opt.cmdline = a.machine;
	opt.quiet = true;
	opt.lenient = a.lenient;
	opt.pin = !a.no_pin;
	opt.want_maps = true;
	if (rp_engine_init(&e, &opt, tm)) {
		fprintf(stderr, "kmm map: %s\n", e.err);
		free(buf);
		return 1;
	}
	if (buf && rp_engine_run(&e, buf, len)) {
		fprintf(stderr, "kmm map: %s: %s\n", a.trace, e.err);
		ret = 1;
	}
	if (!buf) {
		rp_engine_begin(&e, 0);
		rp_engine_end(&e);
	}
	if (!ret && a.out && !(f = fopen(a.out, "w"))) {
		fprintf(stderr, "kmm map: %s: %s\n", a.out, strerror(errno));
		ret = 1;
	}
	if (!ret) {
		char title[600];

		const char *base =
			a.trace && strrchr(a.trace, '/') ? strrchr(a.trace, '/') + 1 : a.trace;

		snprintf(title, sizeof(title), "page-frame map of \"%s\"%s%s",
			 kmm_machine_cmdline(e.m), a.trace ? " after " : " (fresh boot)",
			 a.trace ? base : "");
		fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		rp_svg_frame_map(f, &e.moments[e.nmoments - 1], 1ul << 20, title, true);
		if (f != stdout)
			fclose(f);
	}
	rp_engine_destroy(&e);
	free(buf);
	return ret;
}
