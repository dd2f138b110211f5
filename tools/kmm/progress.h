/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/progress.h - a one-line progress bar on stderr for the kmm
 * command's long runs (kmm bench; kmm replay can use it the same way).
 *
 * The bar is drawn only when stderr is a terminal and the user did not ask
 * for --quiet; otherwise every call is a no-op, so a redirected stderr
 * never sees a carriage return. It is one line, redrawn in place ("\r",
 * then erase to the end of the line) at most every 50 ms, cut to the
 * terminal's width so it never wraps, and erased by progress_clear() before
 * anything else is printed and by progress_done() at the end, so the
 * terminal is left as if the bar had never been there. Nothing is ever
 * written to stdout.
 *
 *   struct tool_progress p;
 *   progress_init(&p, "kmm bench pages", quiet);
 *   progress_show(&p, 0.35, "alloc_free_order3 glibc rep %d/%d", r, n);
 *   ...
 *   progress_done(&p);
 */
#ifndef KMM_TOOL_PROGRESS_H
#define KMM_TOOL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct tool_progress {
	bool on;	   /* stderr is a terminal and not --quiet */
	bool drawn;	   /* the bar is on the screen now */
	const char *label; /* printed first, e.g. "kmm bench pages" */
	uint64_t t0_ns;	   /* progress_init time, for the elapsed clock */
	uint64_t last_ns;  /* last redraw */
};

/* Decide whether to draw at all (isatty(stderr) && !quiet) and start the clock. */
void progress_init(struct tool_progress *p, const char *label, bool quiet);

/* Change the label (e.g. the next suite of `kmm bench all`). */
void progress_label(struct tool_progress *p, const char *label);

/*
 * Redraw: the label, a bar filled to `fraction` (0..1; a negative fraction
 * draws no bar), the text, the elapsed time. Rate-limited unless `force`.
 */
__attribute__((format(printf, 4, 5))) void progress_show(struct tool_progress *p, double fraction,
							 bool force, const char *fmt, ...);

/* Erase the bar (before printing anything else on stderr); the next show redraws it. */
void progress_clear(struct tool_progress *p);

/* Erase the bar for good. */
void progress_done(struct tool_progress *p);

#endif /* KMM_TOOL_PROGRESS_H */
