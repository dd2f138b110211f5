/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/top.c - kmm top: vmstat 1 and slabtop in one refreshing
 * screen, for a replay as it runs.
 *
 * Plain ANSI: the cursor goes home, each line is written and cleared to its
 * end, the rest of the screen is cleared; no curses. The terminal size is
 * read with TIOCGWINSZ at every frame (a SIGWINCH only makes the next frame
 * come at once, and clear the screen first), lines are cut to the width and
 * the view to the height. Keys come from stdin in non-canonical mode: q
 * (or Ctrl-C) quits and stops the replay. The terminal is restored on exit.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "top.h"

static volatile sig_atomic_t resized;
static volatile sig_atomic_t interrupted;

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

void rp_top_start(struct rp_top *t, const char *title)
{
	struct sigaction sa;

	memset(t, 0, sizeof(*t));
	t->title = title;
	t->tty_in = isatty(STDIN_FILENO);
	if (t->tty_in && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		struct termios raw = t->saved;

		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			t->raw = true;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_int;
	sigaction(SIGINT, &sa, NULL);
	fputs("\x1b[?25l\x1b[H\x1b[2J", stdout);
	fflush(stdout);
}

void rp_top_end(struct rp_top *t)
{
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	fputs("\x1b[?25h\n", stdout);
	fflush(stdout);
}

static bool key_quit(struct rp_top *t, int timeout_ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char c[16];

	if (interrupted)
		return true;
	if (!t->tty_in) {
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return false;
	}
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return interrupted;
	ssize_t n = read(STDIN_FILENO, c, sizeof(c));

	for (ssize_t i = 0; i < n; i++)
		if (c[i] == 'q' || c[i] == 'Q' || c[i] == 3)
			return true;
	return false;
}

struct screen {
	int rows, cols, row;
};

static void line(struct screen *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct screen *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (s->row >= s->rows - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((int)strlen(buf) > s->cols)
		buf[s->cols > 0 ? s->cols : 0] = '\0';
	fputs(buf, stdout);
	fputs("\x1b[K\r\n", stdout);
	s->row++;
}

static void bar(char *out, int width, double frac)
{
	int n = (int)(frac * width + 0.5);

	if (n > width)
		n = width;
	if (n < 0)
		n = 0;
	for (int i = 0; i < width; i++)
		out[i] = i < n ? '#' : '.';
	out[width] = '\0';
}

static int cmp_pages(const void *a, const void *b)
{
	const struct kmm_slab_info *x = a, *y = b;
	unsigned long px = x->num_slabs * x->pagesperslab, py = y->num_slabs * y->pagesperslab;

	return px < py ? 1 : px > py ? -1 : strcmp(x->name, y->name);
}

static void frame(struct rp_engine *e, struct rp_top *t)
{
	struct winsize ws;
	struct screen s = { 24, 80, 0 };
	unsigned long long now = rp_now_ns();
	static struct kmm_slab_info info[256];
	int n;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		s.rows = ws.ws_row;
		s.cols = ws.ws_col;
	}
	if (resized || s.rows != t->rows || s.cols != t->cols) {
		resized = 0;
		fputs("\x1b[2J", stdout);
	}
	t->rows = s.rows;
	t->cols = s.cols;
	if (now - t->last_rate_ns >= 500000000ull || !t->last_rate_ns) {
		double dt = t->last_rate_ns ? (double)(now - t->last_rate_ns) / 1e9 : 0;

		for (int k = 0; k < KMM_NR_EVENTS; k++) {
			t->rate[k] =
				dt > 0 ? (double)(e->st.events[k] - t->last_events[k]) / dt : 0;
			t->last_events[k] = e->st.events[k];
		}
		t->last_rate_ns = now;
	}
	fputs("\x1b[H", stdout);
	line(&s, "\x1b[1mkmm top\x1b[0m  %s  on \"%s\"", t->title, kmm_machine_cmdline(e->m));
	if (e->total_lines)
		line(&s, "line %lu of %lu (%.0f%%)%s   failures %lu   unmatched frees %lu",
		     e->st.lines, e->total_lines,
		     100.0 * (double)e->st.lines / (double)e->total_lines,
		     t->done ? "  [replay done]" : "", e->st.failures,
		     e->st.unmatched_free[1] + e->st.unmatched_free[2] + e->st.unmatched_free[4] +
			     e->st.unmatched_free[6]);
	else
		line(&s, "line %lu%s   failures %lu", e->st.lines, t->done ? "  [done]" : "",
		     e->st.failures);
	line(&s,
	     "rate/s: page alloc %.0f  page free %.0f  kmalloc %.0f  kfree %.0f  "
	     "cache alloc %.0f  cache free %.0f",
	     t->rate[0], t->rate[1] + t->rate[2], t->rate[3], t->rate[4], t->rate[5], t->rate[6]);
	line(&s, "%s", "");
	line(&s, "\x1b[7m%-16s %9s %8s %8s %8s  %-22s\x1b[0m", "ZONE", "FREE", "MIN", "LOW", "HIGH",
	     "free vs high (x2)");
	for (int z = 0; z < e->nzones; z++) {
		unsigned long wm[3], fp;
		char b[23];

		kmm_zone_watermarks(e->m, e->zones[z].nid, (enum kmm_zone_type)e->zones[z].zone,
				    wm);
		fp = kmm_zone_free_pages(e->m, e->zones[z].nid,
					 (enum kmm_zone_type)e->zones[z].zone);
		bar(b, 22, wm[2] ? (double)fp / (2.0 * (double)wm[2]) : 1.0);
		line(&s, "%-16s %9lu %8lu %8lu %8lu  %s%s", e->zones[z].name, fp, wm[0], wm[1],
		     wm[2], b, fp < wm[1] ? " LOW" : "");
	}
	line(&s, "%s", "");
	{
		char hdr[256];
		int p = snprintf(hdr, sizeof(hdr), "%-16s", "FREE BLOCKS");

		for (int o = 0; o <= KMM_MAX_ORDER; o++)
			p += snprintf(hdr + p, sizeof(hdr) - (size_t)p, " %6d", o);
		line(&s, "\x1b[7m%s\x1b[0m", hdr);
	}
	for (int z = 0; z < e->nzones; z++) {
		unsigned long c[KMM_NR_ORDERS];
		char row[256];
		int p;

		kmm_zone_free_blocks(e->m, e->zones[z].nid, (enum kmm_zone_type)e->zones[z].zone,
				     c);
		p = snprintf(row, sizeof(row), "%-16s", e->zones[z].name);
		for (int o = 0; o <= KMM_MAX_ORDER; o++)
			p += snprintf(row + p, sizeof(row) - (size_t)p, " %6lu", c[o]);
		line(&s, "%s", row);
	}
	line(&s, "%s", "");
	n = kmm_slab_info(e->m, info, 256);
	if (n > 256)
		n = 256;
	qsort(info, (size_t)n, sizeof(info[0]), cmp_pages);
	line(&s, "\x1b[7m%-24s %9s %9s %7s %9s\x1b[0m", "SLAB CACHE", "OBJS", "ACTIVE", "SIZE",
	     "KIB");
	for (int i = 0; i < n && s.row < s.rows - 2; i++)
		line(&s, "%-24.24s %9lu %9lu %7u %9lu", info[i].name, info[i].num_objs,
		     info[i].active_objs, info[i].object_size,
		     info[i].num_slabs * info[i].pagesperslab * kmm_page_size(e->m) / 1024);
	while (s.row < s.rows - 1)
		line(&s, "%s", "");
	printf("\x1b[7m q quit \x1b[0m\x1b[K");
	fputs("\x1b[J", stdout);
	fflush(stdout);
	t->last_frame_ns = now;
}

void rp_top_tick(struct rp_engine *e, void *ctx)
{
	struct rp_top *t = ctx;

	if (key_quit(t, 0)) {
		e->stop = true;
		return;
	}
	if (resized || rp_now_ns() - t->last_frame_ns >= 100000000ull)
		frame(e, t);
}

void rp_top_wait(struct rp_engine *e, struct rp_top *t)
{
	t->done = true;
	frame(e, t);
	if (!t->tty_in || e->stop)
		return;
	while (!key_quit(t, 200))
		frame(e, t);
}
