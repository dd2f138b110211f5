/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/progress.c - the progress bar (see progress.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define PROGRESS_PERIOD_NS 50000000ull /* at most 20 redraws a second */
#define PROGRESS_BAR 24		       /* cells of the bar */

static uint64_t progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int progress_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

void progress_init(struct tool_progress *p, const char *label, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->on = !quiet && isatty(STDERR_FILENO);
	p->label = label;
	p->t0_ns = progress_now();
}

void progress_label(struct tool_progress *p, const char *label)
{
	p->label = label;
}

void progress_show(struct tool_progress *p, double fraction, bool force, const char *fmt, ...)
{
	char line[512], text[256];
	uint64_t now, secs;
	size_t pos = 0;
	int width;
	va_list ap;

	if (!p->on)
		return;
	now = progress_now();
	if (!force && p->drawn && now - p->last_ns < PROGRESS_PERIOD_NS)
		return;
	p->last_ns = now;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	secs = (now - p->t0_ns) / 1000000000ull;
	pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "%s ", p->label ? p->label : "");
	if (fraction >= 0) {
		int fill = (int)(fraction * PROGRESS_BAR + 0.5);

		if (fill > PROGRESS_BAR)
			fill = PROGRESS_BAR;
		line[pos++] = '[';
		for (int i = 0; i < PROGRESS_BAR; i++)
			line[pos++] = i < fill ? '#' : '.';
		line[pos++] = ']';
		line[pos++] = ' ';
	}
	snprintf(line + pos, sizeof(line) - pos, "%u:%02u %s", (unsigned)(secs / 60),
		 (unsigned)(secs % 60), text);
	width = progress_width() - 1;
	if ((int)strlen(line) > width)
		line[width] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = true;
}

void progress_clear(struct tool_progress *p)
{
	if (!p->on || !p->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->drawn = false;
}

void progress_done(struct tool_progress *p)
{
	progress_clear(p);
	p->on = false;
}
