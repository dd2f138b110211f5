/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/tool.h - shared pieces of the kmm command's subcommands.
 */
#ifndef KMM_TOOL_H
#define KMM_TOOL_H

#include <stdio.h>

#include <kmm/kmm.h>

int kmm_demo_main(int argc, char **argv);
int kmm_stat_main(int argc, char **argv);
int kmm_slabtop_main(int argc, char **argv);

/* A sink writing to a FILE * (ctx). */
void tool_file_sink(void *ctx, const char *text, size_t len);

/*
 * Find "--machine STR" or "--machine=STR" in argv; removes nothing.
 * Returns NULL when absent; sets *bad when the option has no value.
 */
const char *tool_machine_arg(int argc, char **argv, int *bad);

/* Boot a machine or print the error (naming the offending token) and return NULL. */
kmm_machine *tool_boot(const char *cmdline);

#endif /* KMM_TOOL_H */
