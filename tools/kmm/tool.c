/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/tool.c - helpers shared by the subcommands (see tool.h).
 */
#include <string.h>

#include "tool.h"

void tool_file_sink(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, (FILE *)ctx);
}

const char *tool_machine_arg(int argc, char **argv, int *bad)
{
	*bad = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--machine")) {
			if (i + 1 >= argc) {
				*bad = 1;
				return NULL;
			}
			return argv[i + 1];
		}
		if (!strncmp(argv[i], "--machine=", 10))
			return argv[i] + 10;
	}
	return NULL;
}

kmm_machine *tool_boot(const char *cmdline)
{
	kmm_machine *m = NULL;
	char err[256];

	if (kmm_machine_create(cmdline, &m, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "kmm: bad machine \"%s\": %s\n", cmdline ? cmdline : "", err);
		return NULL;
	}
	return m;
}
