/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/stat.c - `kmm stat REPORT [--machine "..."]`: boot a machine
 * and print one of its /proc reports exactly as the kernel formats it.
 */
#include <string.h>

#include "tool.h"

static void list_reports(FILE *f)
{
	for (int i = 0; kmm_report_name(i); i++)
		fprintf(f, "%s%s", i ? "|" : "", kmm_report_name(i));
}

int kmm_stat_main(int argc, char **argv)
{
	const char *report = NULL, *cmdline;
	kmm_machine *m;
	int bad, which;

	cmdline = tool_machine_arg(argc, argv, &bad);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--machine")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--machine=", 10))
			continue;
		if (argv[i][0] == '-' || report) {
			fprintf(stderr, "kmm stat: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
		report = argv[i];
	}
	if (bad || !report) {
		fprintf(stderr, "usage: kmm stat ");
		list_reports(stderr);
		fprintf(stderr, " [--machine \"...\"]\n");
		return 2;
	}
	which = kmm_report_by_name(report);
	if (which < 0) {
		fprintf(stderr, "kmm stat: unknown report '%s' (", report);
		list_reports(stderr);
		fprintf(stderr, ")\n");
		return 2;
	}
	m = tool_boot(cmdline);
	if (!m)
		return 1;
	kmm_report(m, (enum kmm_report)which, tool_file_sink, stdout);
	kmm_machine_destroy(m);
	return 0;
}
