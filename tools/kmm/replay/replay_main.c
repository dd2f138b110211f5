/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/replay_main.c - the replay family of kmm commands:
 *
 *   kmm replay TRACE [--machine M] [--vs-machine B] [--report out.html] [--json]
 *              [--speed N | --as-fast] [--top] [--lenient] [--quiet] [--no-pin]
 *   kmm top TRACE [replay options]        the same as kmm replay --top
 *   kmm top [--machine M] [--preload] -- PROGRAM ARGS   a live view of a program
 *   kmm record -o FILE [--preload] -- PROGRAM ARGS      run PROGRAM with KMM_RECORD=FILE
 *   kmm map [--machine M] [--trace TRACE] [-o out.svg]   the page-frame map as SVG
 *
 * Options go through the kmm command's one parser (tools/kmm/opts.c), so
 * these commands follow the rules of every other (docs/command.md), and a
 * replay draws the shared progress bar (tools/kmm/progress.c).
 * docs/replay.md is the manual.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../opts.h"
#include "../progress.h"
#include "../tool.h"
#include "engine.h"
#include "input.h"
#include "replay_cmds.h"
#include "summary.h"
#include "top.h"

/*
 * The options, parsed by tools/kmm/opts.c with the rules every kmm command
 * follows (opts.h). One record for the four commands; each command's table
 * lists only the options it takes, so the others are refused as unknown.
 */
struct replay_args {
	const char *trace, *machine, *vs, *report, *out, *state;
	bool json, top, as_fast, lenient, quiet, no_pin, preload;
	double speed;	/* 0: not given */
	char **program; /* after -- (kmm top, kmm record) */
};

static struct replay_args ra;

#define OPT_VS                                                                                 \
	{                                                                                      \
		.name = "--vs-machine", .type = OPT_STRING, .dst = &ra.vs, .metavar = "'...'", \
		.help = "replay on a second machine too and compare (B - A)"                   \
	}
#define OPT_REPORT                                                                            \
	{                                                                                     \
		.name = "--report", .type = OPT_STRING, .dst = &ra.report, .metavar = "FILE", \
		.help = "write a self-contained HTML report (charts, maps, failures)"         \
	}
#define OPT_JSON                                                     \
	{                                                            \
		.name = "--json", .type = OPT_FLAG, .dst = &ra.json, \
		.help = "print the summary as one JSON object"       \
	}
#define OPT_SPEED                                                                              \
	{                                                                                      \
		.name = "--speed", .type = OPT_DOUBLE, .dst = &ra.speed, .dlo = 0.001,         \
		.dhi = 10000, .metavar = "N", .help = "replay at N times the trace's own pace" \
	}
#define OPT_FAST                                                                 \
	{                                                                        \
		.name = "--as-fast", .type = OPT_FLAG, .dst = &ra.as_fast,       \
		.help = "replay as fast as possible (the default without --top)" \
	}
#define OPT_TOP                                                               \
	{                                                                     \
		.name = "--top", .type = OPT_FLAG, .dst = &ra.top,            \
		.help = "the live view (kmm top) instead of the progress bar" \
	}
#define OPT_LENIENT                                                        \
	{                                                                  \
		.name = "--lenient", .type = OPT_FLAG, .dst = &ra.lenient, \
		.help = "skip malformed lines instead of stopping"         \
	}
#define OPT_QUIET                                                                         \
	{                                                                                 \
		.name = "--quiet", .short_name = 'q', .type = OPT_FLAG, .dst = &ra.quiet, \
		.help = "no progress bar, no allocation-failure warnings"                 \
	}
#define OPT_NOPIN                                                        \
	{                                                                \
		.name = "--no-pin", .type = OPT_FLAG, .dst = &ra.no_pin, \
		.help = "do not move the thread to the trace's CPU"      \
	}
#define OPT_STATE                                                                                 \
	{                                                                                         \
		.name = "--final-state", .type = OPT_STRING, .dst = &ra.state, .metavar = "FILE", \
		.help = "write buddyinfo, pagetypeinfo and slabinfo at the end"                   \
	}
#define OPT_PRELOAD                                                                    \
	{                                                                              \
		.name = "--preload", .type = OPT_FLAG, .dst = &ra.preload,             \
		.help = "run PROGRAM under libkmm-malloc (LD_PRELOAD; docs/malloc.md)" \
	}

#define TRACE_HELP                                                                      \
	"TRACE: ftrace text (the trace file, trace-cmd report, perf script) or a kmm\n" \
	"record trace; plain, .gz or .xz (docs/replay.md).\n\n"

static const struct tool_opt replay_opts[] = {
	TOOL_OPT_MACHINE(&ra.machine),
	OPT_VS,
	OPT_REPORT,
	OPT_JSON,
	OPT_SPEED,
	OPT_FAST,
	OPT_TOP,
	OPT_LENIENT,
	OPT_QUIET,
	OPT_NOPIN,
	OPT_STATE,
	{ 0 },
};

static const struct tool_cmd replay_cmd = {
	.name = "kmm replay",
	.synopsis =
		"TRACE [--machine '...'] [--vs-machine '...'] [--report out.html] [--json]\n"
		"                  [--speed N | --as-fast] [--top] [--lenient] [-q] [--no-pin]\n"
		"                  [--final-state FILE]",
	.help = "Replay a kernel kmem trace on a kmm machine and print what it did: events,\n"
		"unmatched frees, failures, peaks, the final buddyinfo, fragmentation.\n",
	.opts = replay_opts,
	.min_args = 1,
	.max_args = 1,
	.epilog = TRACE_HELP "Example:\n  kmm replay trace.xz --machine 'mem=2G' --vs-machine "
			     "'mem=2G page_group_by_mobility=0'\n\n" TOOL_MACHINE_HELP,
};

static const struct tool_opt top_opts[] = {
	TOOL_OPT_MACHINE(&ra.machine),
	OPT_SPEED,
	OPT_FAST,
	OPT_LENIENT,
	OPT_NOPIN,
	OPT_REPORT,
	OPT_STATE,
	OPT_PRELOAD,
	{ 0 },
};

static const struct tool_cmd top_cmd = {
	.name = "kmm top",
	.synopsis = "TRACE [--machine '...'] [--speed N | --as-fast] [--lenient] [--no-pin]\n"
		    "       kmm top [--machine '...'] [--preload] -- PROGRAM [ARGS]",
	.help = "A live view (free pages against the watermarks, free blocks per order, the\n"
		"top slab caches, allocation rates) of a replay, or of a program whose\n"
		"allocations go through kmm (linked with kmm, or under libkmm-malloc with\n"
		"--preload). q quits.\n",
	.opts = top_opts,
	.min_args = 0,
	.max_args = 1,
	.epilog = TRACE_HELP "Examples:\n  kmm top trace.xz --speed 0.05\n"
			     "  kmm top --preload -- /bin/ls -lR /usr/share\n\n" TOOL_MACHINE_HELP,
};

static const struct tool_opt record_opts[] = {
	{ .name = "--output",
	  .short_name = 'o',
	  .type = OPT_STRING,
	  .dst = &ra.out,
	  .metavar = "FILE",
	  .help = "the trace to write (required)" },
	TOOL_OPT_MACHINE(&ra.machine),
	OPT_PRELOAD,
	{ 0 },
};

static const struct tool_cmd record_cmd = {
	.name = "kmm record",
	.synopsis = "-o FILE [--machine '...'] [--preload] -- PROGRAM [ARGS]",
	.help = "Run PROGRAM with KMM_RECORD=FILE: its kmm machine's allocations are written\n"
		"in kmm's trace format, for kmm replay on other machines. PROGRAM is linked\n"
		"with kmm, or runs under libkmm-malloc (--preload, or LD_PRELOAD set by you).\n",
	.opts = record_opts,
	.min_args = 0,
	.max_args = 0,
	.epilog = "Example:\n  kmm record -o ls.trace --preload --machine 'mem=1G' -- "
		  "/bin/ls\n\n" TOOL_MACHINE_HELP,
};

static const struct tool_opt map_opts[] = {
	TOOL_OPT_MACHINE(&ra.machine),
	{ .name = "--trace",
	  .type = OPT_STRING,
	  .dst = &ra.trace,
	  .metavar = "TRACE",
	  .help = "replay TRACE first, then draw" },
	{ .name = "--output",
	  .short_name = 'o',
	  .type = OPT_STRING,
	  .dst = &ra.out,
	  .metavar = "FILE",
	  .help = "write the SVG to FILE (default: stdout)" },
	OPT_LENIENT,
	OPT_NOPIN,
	{ 0 },
};

static const struct tool_cmd map_cmd = {
	.name = "kmm map",
	.synopsis = "[--machine '...'] [--trace TRACE] [-o out.svg]",
	.help = "Draw the page-frame map of a freshly booted machine (or of the machine\n"
		"after replaying TRACE) as SVG: one cell per pageblock, coloured by\n"
		"migratetype, shaded by how full it is.\n",
	.opts = map_opts,
	.min_args = 0,
	.max_args = 0,
	.epilog = "Example:\n  kmm map --machine 'mem=8G numa=fake=2' -o "
		  "map.svg\n\n" TOOL_MACHINE_HELP,
};

/*
 * Parse argv with cmd. For the commands that run a program (`-- PROGRAM`),
 * the options are the words before the first "--" that is not an option's
 * value, and the program the words after it. Returns TOOL_OK, TOOL_HELP or
 * TOOL_USAGE (printed).
 */
static int parse(const struct tool_cmd *cmd, int argc, char **argv, bool program)
{
	const char *args[1] = { NULL };
	int nargs = 0, end = argc, rc;

	memset(&ra, 0, sizeof(ra));
	if (program) {
		for (int i = 1; i < argc; i++) {
			const struct tool_opt *o = NULL;

			if (!strcmp(argv[i], "--")) {
				end = i;
				ra.program = argv + i + 1;
				break;
			}
			for (const struct tool_opt *p = cmd->opts; p->name; p++)
				if (!strcmp(argv[i], p->name) ||
				    (p->short_name && argv[i][0] == '-' &&
				     argv[i][1] == p->short_name && !argv[i][2]))
					o = p;
			if (o && o->type != OPT_FLAG)
				i++; /* its value, even if it is "--" */
		}
	}
	rc = tool_parse(cmd, end, argv, args, &nargs);
	if (rc)
		return rc;
	if (nargs)
		ra.trace = args[0];
	if (ra.program && !ra.program[0])
		return tool_refuse(cmd, "no PROGRAM after --");
	if (ra.speed > 0 && ra.as_fast)
		return tool_refuse(cmd, "--speed and --as-fast exclude each other");
	return TOOL_OK;
}

/*
 * The machine a command boots, refused as the other commands refuse it:
 * "bad value 'mem=foo' for --machine: ..." and exit 2 when the user typed
 * it, exit 1 when it came from the trace's header.
 */
static int machine_refused(const struct tool_cmd *cmd, const struct rp_engine *e,
			   const char *as_typed, const char *option)
{
	if (as_typed) {
		fprintf(stderr, "%s: bad value ", cmd->name);
		tool_quote(stderr, as_typed);
		fprintf(stderr, " for %s: %s\n", option, e->boot_rc ? e->boot_err : e->err);
		return e->boot_rc == KMM_EINVAL ? TOOL_USAGE : 1;
	}
	fprintf(stderr, "%s: %s\n", cmd->name, e->err);
	return 1;
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

/* The bar: lines done of the trace's lines, their rate and the time left. */
struct replay_bar {
	struct tool_progress p;
	uint64_t t0;
};

static void on_sample_progress(struct rp_engine *e, void *ctx)
{
	struct replay_bar *b = ctx;
	double el = (double)(rp_now_ns() - b->t0) / 1e9;
	double rate = el > 0 ? (double)e->st.lines / el : 0;
	unsigned long total = e->total_lines, done = e->st.lines;

	if (total)
		progress_show(&b->p, (double)done / (double)total, false,
			      "%lu/%lu lines  %.0f lines/s  ETA %.1f s", done, total, rate,
			      rate > 0 ? (double)(total - done) / rate : 0.0);
	else
		progress_show(&b->p, -1, false, "%lu lines  %.0f lines/s", done, rate);
}

static int replay_main(const struct tool_cmd *cmd, bool top)
{
	struct rp_engine e[2];
	struct replay_bar bar;
	struct rp_top view;
	char *buf = NULL, err[512] = "", hdr_machine[512];
	const char *trace_machine;
	size_t len = 0;
	int n, check[2] = { 0, 0 }, ret = 0;

	top = top || ra.top;
	if (!ra.trace) /* kmm top with neither TRACE nor -- PROGRAM */
		return tool_refuse(cmd, "missing TRACE (or -- PROGRAM)");
	if (rp_read_trace(ra.trace, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", cmd->name, err);
		return 1;
	}
	trace_machine = rp_trace_machine(buf, len, hdr_machine, sizeof(hdr_machine));
	n = ra.vs ? 2 : 1;
	if (top && n == 2) {
		free(buf);
		return tool_refuse(cmd, "--top shows one machine; drop --vs-machine");
	}
	for (int i = 0; i < n; i++) {
		struct rp_options opt = {
			.cmdline = i ? ra.vs : ra.machine,
			.lenient = ra.lenient,
			.pin = !ra.no_pin,
			.speed = ra.speed > 0 ? ra.speed : (top && !ra.as_fast ? 1.0 : 0.0),
			.quiet = ra.quiet || ra.json || top,
			.want_maps = ra.report != NULL,
		};

		if (rp_engine_init(&e[i], &opt, trace_machine)) {
			ret = machine_refused(cmd, &e[i], opt.cmdline,
					      i ? "--vs-machine" : "--machine");
			for (int j = 0; j <= i; j++)
				rp_engine_destroy(&e[j]);
			free(buf);
			return ret;
		}
	}
	for (int i = 0; i < n; i++) {
		if (top) {
			rp_top_start(&view, ra.trace);
			e[i].on_tick = rp_top_tick;
			e[i].on_sample_ctx = &view;
		} else {
			progress_init(&bar.p,
				      n == 2 ? (i ? "kmm replay B" : "kmm replay A") : "kmm replay",
				      ra.quiet);
			bar.t0 = rp_now_ns();
			e[i].on_sample = on_sample_progress;
			e[i].on_sample_ctx = &bar;
		}
		ret = rp_engine_run(&e[i], buf, len);
		if (top) {
			if (!ret)
				rp_top_wait(&e[i], &view);
			rp_top_end(&view);
		} else {
			progress_done(&bar.p);
		}
		if (ret) {
			fprintf(stderr, "%s: %s: %s\n", cmd->name, ra.trace, e[i].err);
			for (int j = 0; j < n; j++)
				rp_engine_destroy(&e[j]);
			free(buf);
			return 1;
		}
		kmm_set_log(e[i].m, NULL, NULL); /* kmm_check problems go to stderr */
		check[i] = kmm_check(e[i].m);
	}
	if (ra.json)
		rp_print_json(stdout, ra.trace, e, n, check);
	else
		rp_print_summary(stdout, ra.trace, e, n, check);
	if (ra.state && rp_write_state(ra.state, e[0].m)) {
		fprintf(stderr, "%s: cannot write %s: %s\n", cmd->name, ra.state, strerror(errno));
		ret = 1;
	}
	if (ra.report) {
		if (rp_write_report(ra.report, ra.trace, e, n)) {
			fprintf(stderr, "%s: cannot write %s: %s\n", cmd->name, ra.report,
				strerror(errno));
			ret = 1;
		} else if (!ra.json) {
			printf("report: %s\n", ra.report);
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
	int rc = parse(&replay_cmd, argc, argv, false);

	if (rc)
		return rc == TOOL_HELP ? 0 : rc;
	return replay_main(&replay_cmd, false);
}

#ifndef KMM_MALLOC_INSTALLED
#define KMM_MALLOC_INSTALLED "/usr/local/lib/libkmm-malloc.so"
#endif

/*
 * --preload: LD_PRELOAD libkmm-malloc.so for the program. Found as
 * $KMM_MALLOC_LIB, else next to the kmm executable (a build tree), else
 * where cmake --install put it. 0, or -1 with the message printed.
 */
static int set_preload(const struct tool_cmd *cmd)
{
	char exe[PATH_MAX], lib[PATH_MAX + 32], *slash, *both;
	const char *path = getenv("KMM_MALLOC_LIB"), *old = getenv("LD_PRELOAD");
	ssize_t n;

	if (!path || !*path) {
		path = KMM_MALLOC_INSTALLED;
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			slash = strrchr(exe, '/');
			if (slash) {
				*slash = '\0';
				snprintf(lib, sizeof(lib), "%s/libkmm-malloc.so", exe);
				if (access(lib, R_OK) == 0)
					path = lib;
			}
		}
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "%s: --preload: %s: %s (set KMM_MALLOC_LIB)\n", cmd->name, path,
			strerror(errno));
		return -1;
	}
	if (old && *old) {
		if (asprintf(&both, "%s:%s", path, old) < 0)
			return -1;
		setenv("LD_PRELOAD", both, 1);
		free(both);
	} else {
		setenv("LD_PRELOAD", path, 1);
	}
	return 0;
}

/*
 * Before a program runs: its --machine checked as every command checks it,
 * and --preload's library found (LD_PRELOAD is read only by the program's
 * exec, so setting it here changes nothing for kmm itself).
 */
static int check_machine(const struct tool_cmd *cmd)
{
	kmm_machine *m;
	int rc;

	if (ra.machine) {
		rc = tool_boot(cmd, ra.machine, ra.machine, &m);
		if (rc)
			return rc;
		kmm_machine_destroy(m);
	}
	return ra.preload && set_preload(cmd) ? 1 : 0;
}

/*
 * The child's side of kmm top/record: KMM_RECORD=path, KMM_RECORD_PID, the
 * machine (LD_PRELOAD was set before the fork, see set_preload).
 */
static void exec_program(const struct tool_cmd *cmd, const char *record)
{
	char pid[24];

	setenv("KMM_RECORD", record, 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("KMM_RECORD_PID", pid, 1); /* not the programs it starts */
	if (ra.machine)
		setenv("KMM_CMDLINE", ra.machine, 1);
	execvp(ra.program[0], ra.program);
	fprintf(stderr, "%s: %s: %s\n", cmd->name, ra.program[0], strerror(errno));
	_exit(127);
}

/* kmm top -- PROGRAM: the program records into a pipe, the view replays it as it comes. */
static int top_program(const struct tool_cmd *cmd)
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
		/* the view owns the terminal: the program's own output goes nowhere */
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		exec_program(cmd, path);
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
			struct rp_options opt = { .cmdline = hdr.machine[0] ? hdr.machine : NULL,
						  .pin = false,
						  .quiet = true };

			if (rp_engine_init(&e, &opt, NULL)) {
				fprintf(stderr, "%s: %s\n", cmd->name, e.err);
				break;
			}
			rp_top_start(&view, ra.program[0]);
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
		printf("%s: %s: %lu lines, %lu failures\n", cmd->name, ra.program[0], e.st.lines,
		       e.st.failures);
		rp_engine_destroy(&e);
	} else {
		fprintf(stderr,
			"%s: %s wrote no trace (is it linked with kmm, or run with --preload?)\n",
			cmd->name, ra.program[0]);
	}
	free(line);
	if (in)
		fclose(in);
	waitpid(pid, &status, 0);
	return started ? 0 : 1;
}

int kmm_top_main(int argc, char **argv)
{
	int rc = parse(&top_cmd, argc, argv, true);

	if (rc)
		return rc == TOOL_HELP ? 0 : rc;
	if (ra.program) {
		if (ra.trace)
			return tool_refuse(&top_cmd, "TRACE '%s' and -- PROGRAM exclude each other",
					   ra.trace);
		if (ra.speed > 0 || ra.as_fast || ra.lenient || ra.no_pin || ra.report || ra.state)
			return tool_refuse(&top_cmd, "kmm top -- PROGRAM takes only --machine and "
						     "--preload");
		rc = check_machine(&top_cmd);
		return rc ? rc : top_program(&top_cmd);
	}
	if (ra.preload)
		return tool_refuse(&top_cmd, "--preload needs -- PROGRAM");
	return replay_main(&top_cmd, true);
}

int kmm_record_main(int argc, char **argv)
{
	pid_t pid;
	int status, rc = parse(&record_cmd, argc, argv, true);

	if (rc)
		return rc == TOOL_HELP ? 0 : rc;
	if (!ra.out)
		return tool_refuse(&record_cmd, "missing -o FILE");
	if (!ra.program)
		return tool_refuse(&record_cmd, "missing -- PROGRAM");
	rc = check_machine(&record_cmd);
	if (rc)
		return rc;
	pid = fork();
	if (pid < 0) {
		perror("kmm record: fork");
		return 1;
	}
	if (pid == 0)
		exec_program(&record_cmd, ra.out);
	if (waitpid(pid, &status, 0) < 0) {
		perror("kmm record: waitpid");
		return 1;
	}
	if (access(ra.out, R_OK) != 0) {
		fprintf(stderr,
			"kmm record: %s wrote no trace to %s (is it linked with kmm, or run with "
			"--preload?)\n",
			ra.program[0], ra.out);
		return 1;
	}
	fprintf(stderr, "kmm record: %s -> %s\n", ra.program[0], ra.out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int kmm_map_main(int argc, char **argv)
{
	struct rp_engine e;
	struct rp_options opt = { 0 };
	char *buf = NULL, err[512] = "", hdr_machine[512];
	const char *tm = NULL;
	size_t len = 0;
	FILE *f = stdout;
	int ret = parse(&map_cmd, argc, argv, false);

	if (ret)
		return ret == TOOL_HELP ? 0 : ret;
	if (ra.trace && rp_read_trace(ra.trace, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "kmm map: %s\n", err);
		return 1;
	}
	if (buf)
		tm = rp_trace_machine(buf, len, hdr_machine, sizeof(hdr_machine));
	opt.cmdline = ra.machine;
	opt.quiet = true;
	opt.lenient = ra.lenient;
	opt.pin = !ra.no_pin;
	opt.want_maps = true;
	if (rp_engine_init(&e, &opt, tm)) {
		ret = machine_refused(&map_cmd, &e, ra.machine, "--machine");
		rp_engine_destroy(&e);
		free(buf);
		return ret;
	}
	if (buf && rp_engine_run(&e, buf, len)) {
		fprintf(stderr, "kmm map: %s: %s\n", ra.trace, e.err);
		ret = 1;
	}
	if (!buf) {
		rp_engine_begin(&e, 0);
		rp_engine_end(&e);
	}
	if (!ret && ra.out && !(f = fopen(ra.out, "w"))) {
		fprintf(stderr, "kmm map: %s: %s\n", ra.out, strerror(errno));
		ret = 1;
	}
	if (!ret) {
		char title[600];

		const char *base =
			ra.trace && strrchr(ra.trace, '/') ? strrchr(ra.trace, '/') + 1 : ra.trace;

		snprintf(title, sizeof(title), "page-frame map of \"%s\"%s%s",
			 kmm_machine_cmdline(e.m), ra.trace ? " after " : " (fresh boot)",
			 ra.trace ? base : "");
		fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		rp_svg_frame_map(f, &e.moments[e.nmoments - 1], 1ul << 20, title, true);
		if (f != stdout)
			fclose(f);
	}
	rp_engine_destroy(&e);
	free(buf);
	return ret;
}
