/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/progress.h - a one-line progress bar on a terminal.
 *
 * Behind these two functions so that the kmm command's shared progress bar
 * can replace it in one place. Silent when stderr is not a terminal.
 */
#ifndef KMM_REPLAY_PROGRESS_H
#define KMM_REPLAY_PROGRESS_H

#include <stdbool.h>

struct rp_progress {
	bool on;
	unsigned long long start_ns, last_ns;
	const char *label;
};

void rp_progress_start(struct rp_progress *p, const char *label);
/* done of total (total 0: unknown); rate-limited to 10 updates a second. */
void rp_progress_update(struct rp_progress *p, unsigned long done, unsigned long total);
void rp_progress_end(struct rp_progress *p);

#endif /* KMM_REPLAY_PROGRESS_H */
