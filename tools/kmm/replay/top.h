/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/top.h - kmm top: a live terminal view of a replay.
 */
#ifndef KMM_REPLAY_TOP_H
#define KMM_REPLAY_TOP_H

#include <stdbool.h>
#include <termios.h>

#include "engine.h"

struct rp_top {
	const char *title;
	bool tty_in, raw;
	struct termios saved;
	int rows, cols;
	unsigned long long last_frame_ns, last_rate_ns;
	unsigned long last_events[KMM_NR_EVENTS];
	double rate[KMM_NR_EVENTS];
	bool done;
};

void rp_top_start(struct rp_top *t, const char *title);
/* engine on_tick: keys (q quits) and a frame at most every 100 ms. */
void rp_top_tick(struct rp_engine *e, void *ctx);
/* After the replay: the last frame until q (returns at once without a terminal on stdin). */
void rp_top_wait(struct rp_engine *e, struct rp_top *t);
void rp_top_end(struct rp_top *t);

#endif /* KMM_REPLAY_TOP_H */
