/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/tool.h - shared pieces of the kmm command's subcommands: the
 * --machine option, booting the machine it names, a FILE sink.
 * Options are parsed by opts.h; long runs show progress with progress.h.
 */
#ifndef KMM_TOOL_H
#define KMM_TOOL_H

#include <stdio.h>

#include <kmm/kmm.h>

#include "opts.h"

int kmm_demo_main(int argc, char **argv);
int kmm_stat_main(int argc, char **argv);
int kmm_slabtop_main(int argc, char **argv);

/* A sink writing to a FILE * (ctx). */
void tool_file_sink(void *ctx, const char *text, size_t len);

/* The --machine option every subcommand takes, storing into a const char *. */
#define TOOL_OPT_MACHINE(where)                                                         \
	{                                                                             \
		.name = "--machine", .type = OPT_STRING, .dst = (where), .metavar = "'...'", \
		.help = "the machine: a kernel-style command line (docs/machine.md)"  \
	}

/* The help text's paragraph about --machine, examples in single quotes. */
#define TOOL_MACHINE_HELP                                                               \
	"--machine takes a kernel-command-line-style machine description, e.g.\n"      \
	"  --machine 'mem=8G nr_cpus=4 numa=fake=2 memmap=64M$1G'\n"                   \
	"(single quotes: in double quotes a shell expands $1). Default: '" KMM_DEFAULT_CMDLINE \
	"'.\n"

/*
 * Boot `cmdline` (NULL: the default machine). On failure print, for
 * command `cmd`, what the user typed as --machine (`as_typed`, NULL when
 * they gave none) and the machine's own message, and return the exit
 * status: 2 when the description is refused (a bad value), 1 otherwise.
 * Returns 0 with *out set on success.
 */
int tool_boot(const struct tool_cmd *cmd, const char *as_typed, const char *cmdline,
	      kmm_machine **out);

#endif /* KMM_TOOL_H */
