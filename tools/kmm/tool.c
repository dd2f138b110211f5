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

int tool_boot(const struct tool_cmd *cmd, const char *as_typed, const char *cmdline,
	      kmm_machine **out)
{
	char err[256] = "";
	int rc;

	*out = NULL;
	rc = kmm_machine_create(cmdline, out, err, sizeof(err));
	if (rc == KMM_OK)
		return 0;
	if (as_typed) {
		fprintf(stderr, "%s: bad value ", cmd->name);
		tool_quote(stderr, as_typed);
		fprintf(stderr, " for --machine: %s\n", err[0] ? err : "refused");
	} else {
		fprintf(stderr, "%s: the default machine '%s' did not boot: %s\n", cmd->name,
			KMM_DEFAULT_CMDLINE, err[0] ? err : "refused");
	}
	return rc == KMM_EINVAL ? TOOL_USAGE : 1;
}
