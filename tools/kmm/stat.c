/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/stat.c - `kmm stat REPORT [--machine '...']`: boot a machine
 * and print one of its /proc reports exactly as the kernel formats it.
 * `kmm stat` alone lists the reports on stdout.
 */
#include <string.h>

#include "tool.h"

static void list_reports(FILE *f, const char *sep)
{
	for (int i = 0; kmm_report_name(i); i++)
		fprintf(f, "%s%s", i ? sep : "", kmm_report_name(i));
}

static const char *machine;

static const struct tool_opt stat_opts[] = {
	TOOL_OPT_MACHINE(&machine),
	{ 0 },
};

static const struct tool_cmd stat_cmd = {
	.name = "kmm stat",
	.synopsis = "[REPORT] [--machine '...']",
	.help = "Boot a fresh machine and print one of its /proc reports, in the kernel's\n"
		"exact format. Without REPORT, list the reports.\n",
	.opts = stat_opts,
	.min_args = 0,
	.max_args = 1,
	.epilog = "`kmm stat` with no REPORT lists the reports (buddyinfo, zoneinfo ...).\n\n"
		  TOOL_MACHINE_HELP,
};

int kmm_stat_main(int argc, char **argv)
{
	const char *args[1];
	kmm_machine *m;
	int nargs, which, rc;

	rc = tool_parse(&stat_cmd, argc, argv, args, &nargs);
	if (rc)
		return rc == TOOL_HELP ? 0 : rc;
	if (nargs == 0) {
		if (machine) { /* a --machine is never accepted unchecked */
			rc = tool_boot(&stat_cmd, machine, machine, &m);
			if (rc)
				return rc;
			kmm_machine_destroy(m);
		}
		list_reports(stdout, "\n");
		putchar('\n');
		return 0;
	}
	which = kmm_report_by_name(args[0]);
	if (which < 0) {
		fprintf(stderr, "kmm stat: unknown report '%s' (expected one of: ", args[0]);
		list_reports(stderr, ", ");
		fprintf(stderr, ")\nTry 'kmm stat --help' for more information.\n");
		return TOOL_USAGE;
	}
	rc = tool_boot(&stat_cmd, machine, machine, &m);
	if (rc)
		return rc;
	kmm_report(m, (enum kmm_report)which, tool_file_sink, stdout);
	kmm_machine_destroy(m);
	return 0;
}
