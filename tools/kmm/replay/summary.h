/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/summary.h - what `kmm replay` prints: the text summary
 * (one machine, or two side by side), the JSON object, the HTML report.
 */
#ifndef KMM_REPLAY_SUMMARY_H
#define KMM_REPLAY_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"

/* e[0..n), n = 1 or 2 (compare mode); check[i] = kmm_check result of each machine. */
void rp_print_summary(FILE *f, const char *trace, struct rp_engine *e, int n, const int *check);
void rp_print_json(FILE *f, const char *trace, struct rp_engine *e, int n, const int *check);
/* The self-contained HTML report. 0 or -1. */
int rp_write_report(const char *path, const char *trace, struct rp_engine *e, int n);
/* The page-frame map of one moment as an SVG element (kmm map, the report). */
void rp_svg_frame_map(FILE *f, const struct rp_map_moment *mo, unsigned long nblocks_cap,
		      const char *title, bool standalone);

#endif /* KMM_REPLAY_SUMMARY_H */
