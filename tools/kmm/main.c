/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/main.c - the `kmm` command: dispatch to its subcommands.
 *
 *   kmm demo  [--machine '...']          a guided tour of the buddy allocator
 *   kmm stat  REPORT [--machine '...']   a /proc report of a freshly booted machine
 *   kmm slabtop [--machine '...'] ...    the slab caches sorted by memory
 *   kmm bench SUITE [--json] ...         benchmarks (bench/)
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "replay/replay_cmds.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kmm COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  demo [--machine '...']             boot a machine and walk through the buddy\n"
		"                                     allocator, zones and their reports\n"
		"  stat [REPORT] [--machine '...']    print a /proc report of a freshly booted\n"
		"                                     machine (kmm stat lists the reports)\n"
		"  slabtop [--machine '...'] [--sort KEY] [--lines N] [--alloc N]\n"
		"                                     the slab caches by memory, as slabtop -o\n"
		"  bench SUITE [--json] [--machine '...'] [--threads N] [--seconds S]\n"
		"                                     run a benchmark suite (kmm bench list)\n"
		"  replay TRACE [--machine '...'] [--vs-machine '...'] [--report out.html]\n"
		"         [--json] [--speed N|--as-fast] [--top] [--lenient] [--quiet]\n"
		"                                     replay a kernel kmem trace (docs/replay.md)\n"
		"  top TRACE | top [--preload] -- PROGRAM\n"
		"                                     live view of a replay or of a kmm program\n"
		"  record -o FILE [--preload] -- PROGRAM [ARGS]\n"
		"                                     record a kmm program's allocations\n"
		"  map [--machine '...'] [--trace T] [-o out.svg]\n"
		"                                     the page-frame map as SVG\n"
		"  help [COMMAND]                     this text, or COMMAND's (kmm COMMAND "
		"--help)\n"
		"\n"
		"--machine takes a kernel-command-line-style machine description, e.g.\n"
		"  --machine 'mem=8G nr_cpus=4 numa=fake=2 memmap=64M$1G'\n"
		"(single quotes: in double quotes a shell expands $1). Default: '%s'.\n",
		KMM_DEFAULT_CMDLINE);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kmm %s\n", kmm_version());
		return 0;
	}
	if (!strcmp(argv[1], "demo"))
		return kmm_demo_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat"))
		return kmm_stat_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "slabtop"))
		return kmm_slabtop_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return kmm_bench_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return kmm_replay_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "top"))
		return kmm_top_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "record"))
		return kmm_record_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "map"))
		return kmm_map_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") && argc > 2 && strcmp(argv[2], "help")) {
		char help[] = "--help";
		char *hargv[] = { argv[0], argv[2], help, NULL };

		return main(3, hargv); /* kmm help COMMAND is kmm COMMAND --help */
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "kmm: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
