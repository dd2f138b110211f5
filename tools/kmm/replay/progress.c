/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/progress.c - the replay's progress bar (progress.h):
 * "label [#####.....]  42%  12345/37897 lines  1.2M lines/s  ETA 0.3 s".
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static unsigned long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

void rp_progress_start(struct rp_progress *p, const char *label)
{
	p->on = isatty(STDERR_FILENO);
	p->start_ns = p->last_ns = now();
	p->label = label;
}

void rp_progress_update(struct rp_progress *p, unsigned long done, unsigned long total)
{
	unsigned long long t = now();
	double el, rate;
	char bar[31];
	int fill;

	if (!p->on || t - p->last_ns < 100000000ull)
		return;
	p->last_ns = t;
	el = (double)(t - p->start_ns) / 1e9;
	rate = el > 0 ? (double)done / el : 0;
	fill = total ? (int)(30.0 * (double)done / (double)total) : 0;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (total)
		fprintf(stderr, "\r%s [%s] %3d%%  %lu/%lu lines  %.0f lines/s  ETA %.1f s\x1b[K",
			p->label, bar, (int)(100.0 * (double)done / (double)total), done, total,
			rate, rate > 0 ? (double)(total - done) / rate : 0.0);
	else
		fprintf(stderr, "\r%s %lu lines  %.0f lines/s\x1b[K", p->label, done, rate);
	fflush(stderr);
}

void rp_progress_end(struct rp_progress *p)
{
	if (p->on && p->last_ns != p->start_ns)
		fprintf(stderr, "\r\x1b[K");
}
