/* SPDX-License-Identifier: MIT */
/*
 * fuzz/trace.c - the trace parsers as a fuzz target: the input is a trace
 * file (any bytes), cut into lines and fed to one kmm_trace_parse_line
 * parser in order, as kmm replay reads a file. Every line must give one of
 * the documented results: an event whose kind is one kmm replays and whose
 * cache name (if any) lies inside the line, a skipped or unknown line, or
 * a refusal whose message starts "line N:" with N the parser's count. The
 * parser must count every line. The first bytes also go to kmm_parse_gfp,
 * and every mask the parser accepted is printed with kmm_format_gfp_name
 * and parsed back to the same value (the printer and the parser agree).
 * The parsers allocate nothing and need no machine.
 */
#include <kmm/trace.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *line, size_t len, const char *why)
{
	fprintf(stderr, "fuzz_trace: %s\nline: \"%.*s\"\n", why, (int)len, line);
	abort();
}

static void check_gfp_round_trip(const char *line, size_t len, kmm_gfp_t gfp)
{
	char name[512];
	kmm_gfp_t back = 0;

	/* an empty mask prints nothing, as %pGg does (tracepoints print "none") */
	if (!gfp || kmm_format_gfp_name(name, sizeof(name), gfp) >= sizeof(name))
		return;
	if (kmm_parse_gfp(name, strlen(name), false, &back) != 0)
		fail(line, len, "a printed gfp mask does not parse");
	if (back != gfp)
		fail(line, len, "a gfp mask does not survive print and parse");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmm_trace_parser p;
	const char *s = (const char *)data;
	unsigned long lines = 0;
	size_t pos = 0;
	kmm_gfp_t gfp;

	/* a gfp string on its own: accepted or refused, never a crash */
	if (kmm_parse_gfp(s, size < 200 ? size : 200, size & 1, &gfp) == 0 && !(size & 1))
		check_gfp_round_trip(s, size < 200 ? size : 200, gfp);

	memset(&p, 0, sizeof(p));
	while (pos < size) {
		const char *line = s + pos;
		const char *nl = memchr(line, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - line) : size - pos;
		struct kmm_trace_event ev;
		char err[256], want[32];
		int r;

		pos += len + (nl != NULL);
		lines++;
		err[0] = 0;
		r = kmm_trace_parse_line(&p, line, len, &ev, err, sizeof(err));
		if (p.line != lines)
			fail(line, len, "the parser's line count is off");
		if (r < 0) {
			snprintf(want, sizeof(want), "line %lu: ", lines);
			if (strncmp(err, want, strlen(want)) != 0 || !err[strlen(want)])
				fail(line, len, "a refusal without \"line N: why\"");
			continue;
		}
		if (r != KMM_TRACE_EVENT && r != KMM_TRACE_SKIP && r != KMM_TRACE_UNKNOWN)
			fail(line, len, "an undocumented result");
		if (r != KMM_TRACE_EVENT)
			continue;
		if (ev.kind < KMM_EV_MM_PAGE_ALLOC || ev.kind >= KMM_NR_EVENTS)
			fail(line, len, "an event of no kind");
		if (ev.name && (ev.name < line || ev.name + ev.name_len > line + len))
			fail(line, len, "a cache name outside the line");
		if (ev.has_gfp)
			check_gfp_round_trip(line, len, ev.gfp);
	}
	return 0;
}
