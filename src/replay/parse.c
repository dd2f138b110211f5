/* SPDX-License-Identifier: MIT */
/*
 * replay/parse.c - one line of a kmem trace into a struct kmm_trace_event.
 *
 * The formats read, all the same shape once the prefix is found:
 *
 *   ftrace `trace` (6.18):  "   rm-3713  [001] d..2.  414.100796: kmalloc: call_site=..."
 *     (older kernels: no flags column, or a "(TGID)" column after the task)
 *   trace-cmd report:       "   rm-3713  [001]   414.100796: kmalloc:   call_site=..."
 *   perf script:            "   rm  3713 [001]   414.100796: kmem:kmalloc: call_site=..."
 *   kmm record:             the `trace` format under a "# kmm-trace version 1" header
 *
 * i.e. TASK and PID, a CPU in brackets, up to two flag words, a timestamp
 * "SECONDS.FRACTION:", the event name with an optional "subsystem:"
 * prefix and a colon, then "key=value" fields. Lines starting with '#',
 * blank lines and trace-cmd's headers (cpus=, version =, CPU N is empty)
 * are skipped; a "# kmm-trace version N" header newer than
 * KMM_TRACE_FORMAT_VERSION is an error. Event names kmm replays are the seven kmem events plus the
 * older names of the same events (mm_page_free_direct, mm_pagevec_free,
 * kmalloc_node, kmem_cache_alloc_node); any other well-formed event is
 * KMM_TRACE_UNKNOWN. Field sets vary by kernel (node=/accounted= appeared
 * in 5.x kmalloc, name= in kmem_cache_alloc/free in 5.12, order= left
 * mm_page_free_batched in 4.15 and cold= went with it, pfns printed in
 * decimal before 5.x): absent optional fields take their defaults, and a
 * missing required field or a number that does not parse is an error
 * naming the line. Nothing here allocates or keeps a pointer to the line
 * beyond the event it fills.
 */
#include "lib/compiler.h"
#include "lib/format.h"
#include <kmm/trace.h>

struct span {
	const char *s;
	size_t n;
};

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool span_eq(struct span a, const char *lit, size_t n)
{
	return a.n == n && !__builtin_memcmp(a.s, lit, n);
}
#define SPAN_EQ(a, lit) span_eq(a, lit, sizeof(lit) - 1)

/* Unsigned number: decimal, or hex with 0x; "-1" gives ~0. */
static bool parse_ulong(struct span v, unsigned long *out)
{
	unsigned long x = 0;
	size_t i = 0;

	if (v.n == 2 && v.s[0] == '-' && v.s[1] == '1') {
		*out = ~0ul;
		return true;
	}
	if (v.n == 0)
		return false;
	if (v.n > 2 && v.s[0] == '0' && (v.s[1] == 'x' || v.s[1] == 'X')) {
		if (v.n > 18)
			return false;
		for (i = 2; i < v.n; i++) {
			char c = v.s[i];

			if (is_digit(c))
				x = x << 4 | (unsigned long)(c - '0');
			else if (c >= 'a' && c <= 'f')
				x = x << 4 | (unsigned long)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				x = x << 4 | (unsigned long)(c - 'A' + 10);
			else
				return false;
		}
		*out = x;
		return true;
	}
	if (v.n > 20)
		return false;
	for (i = 0; i < v.n; i++) {
		if (!is_digit(v.s[i]))
			return false;
		if (__builtin_mul_overflow(x, 10ul, &x) ||
		    __builtin_add_overflow(x, (unsigned long)(v.s[i] - '0'), &x))
			return false;
	}
	*out = x;
	return true;
}

static bool parse_int(struct span v, int *out)
{
	unsigned long x;
	bool neg = v.n > 0 && v.s[0] == '-';

	if (neg) {
		v.s++;
		v.n--;
	}
	if (!parse_ulong(v, &x) || x > 0x7fffffff)
		return false;
	*out = neg ? -(int)x : (int)x;
	return true;
}

/* A pointer as %p prints it: hex with or without 0x; (null)/(nil) is 0. */
static bool parse_ptr(struct span v, uint64_t *out)
{
	uint64_t x = 0;
	size_t i = 0;

	if (SPAN_EQ(v, "(null)") || SPAN_EQ(v, "(nil)")) {
		*out = 0;
		return true;
	}
	if (v.n > 2 && v.s[0] == '0' && (v.s[1] == 'x' || v.s[1] == 'X'))
		i = 2;
	if (v.n == i || v.n - i > 16)
		return false;
	for (; i < v.n; i++) {
		char c = v.s[i];

		if (is_digit(c))
			x = x << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x << 4 | (uint64_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = x << 4 | (uint64_t)(c - 'A' + 10);
		else
			return false;
	}
	*out = x;
	return true;
}

static bool starts_with(const char *s, size_t n, const char *lit)
{
	size_t l = 0;

	while (lit[l])
		l++;

	return n >= l && !__builtin_memcmp(s, lit, l);
}

static int fail(struct kmm_trace_parser *p, char *err, size_t err_len, const char *why,
		const char *line, size_t len)
{
	char shown[73];
	size_t n = len > 72 ? 72 : len;

	/* the line as it was, but only printable bytes: it goes to a terminal */
	for (size_t i = 0; i < n; i++)
		shown[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	shown[n] = '\0';
	if (err && err_len)
		kmm_snprintf(err, err_len, "line %lu: %s: \"%s%s\"", p->line, why, shown,
			     len > 72 ? "..." : "");
	return KMM_EINVAL;
}

static void header_line(struct kmm_trace_parser *p, const char *s, size_t n)
{
	unsigned long v;
	size_t i;

	if (starts_with(s, n, "# kmm-trace version ")) {
		struct span num = { s + 20, 0 };

		while (20 + num.n < n && is_digit(s[20 + num.n]))
			num.n++;
		if (parse_ulong(num, &v) && v < 1000) {
			p->kmm_format = true;
			p->version = (int)v;
		}
	} else if (starts_with(s, n, "# machine: ")) {
		for (i = 0; i + 11 < n && i + 1 < sizeof(p->machine); i++)
			p->machine[i] = s[11 + i];
		p->machine[i] = '\0';
	}
}

enum ev_name { EV_UNKNOWN = -1 };

static int event_kind(struct span e)
{
	if (SPAN_EQ(e, "mm_page_alloc"))
		return KMM_EV_MM_PAGE_ALLOC;
	if (SPAN_EQ(e, "mm_page_free") || SPAN_EQ(e, "mm_page_free_direct"))
		return KMM_EV_MM_PAGE_FREE;
	if (SPAN_EQ(e, "mm_page_free_batched") || SPAN_EQ(e, "mm_pagevec_free"))
		return KMM_EV_MM_PAGE_FREE_BATCHED;
	if (SPAN_EQ(e, "kmalloc") || SPAN_EQ(e, "kmalloc_node"))
		return KMM_EV_KMALLOC;
	if (SPAN_EQ(e, "kfree"))
		return KMM_EV_KFREE;
	if (SPAN_EQ(e, "kmem_cache_alloc") || SPAN_EQ(e, "kmem_cache_alloc_node"))
		return KMM_EV_KMEM_CACHE_ALLOC;
	if (SPAN_EQ(e, "kmem_cache_free"))
		return KMM_EV_KMEM_CACHE_FREE;
	return EV_UNKNOWN;
}

/* Is t "DIGITS.DIGITS:"? Then store nanoseconds. */
static bool timestamp(struct span t, uint64_t *ns)
{
	size_t i = 0, frac = 0;
	uint64_t sec = 0, sub = 0;

	if (t.n < 3 || t.s[t.n - 1] != ':')
		return false;
	t.n--;
	while (i < t.n && is_digit(t.s[i]))
		sec = sec * 10 + (uint64_t)(t.s[i++] - '0');
	if (i == 0 || i >= t.n || t.s[i] != '.' || i > 12)
		return false;
	i++;
	for (; i < t.n; i++, frac++) {
		if (!is_digit(t.s[i]) || frac >= 9)
			return false;
		sub = sub * 10 + (uint64_t)(t.s[i] - '0');
	}
	if (frac == 0)
		return false;
	while (frac++ < 9)
		sub *= 10;
	*ns = sec * 1000000000ull + sub;
	return true;
}

static struct span next_token(const char **pos, const char *end)
{
	const char *s = *pos;
	struct span t;

	while (s < end && is_space(*s))
		s++;
	t.s = s;
	while (s < end && !is_space(*s))
		s++;
	t.n = (size_t)(s - t.s);
	*pos = s;
	return t;
}

int kmm_trace_parse_line(struct kmm_trace_parser *p, const char *line, size_t len,
			 struct kmm_trace_event *ev, char *err, size_t err_len)
{
	const char *s = line, *end = line + len, *cpu_open = NULL, *pos;
	struct span tok, ename, gfp_s = { NULL, 0 };
	bool have_pfn = false, have_order = false, have_ptr = false, have_req = false,
	     have_alloc = false, have_node = false, have_cold = false, have_accounted = false;
	unsigned long cpu = 0;
	int kind;

	p->line++;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	len = (size_t)(end - s);
	while (s < end && is_space(*s))
		s++;
	if (s == end)
		return KMM_TRACE_SKIP;
	if (*s == '#') {
		header_line(p, s, (size_t)(end - s));
		if (p->kmm_format && p->version > KMM_TRACE_FORMAT_VERSION)
			return fail(p, err, err_len,
				    "kmm trace format version newer than this kmm reads", line,
				    len);
		return KMM_TRACE_SKIP;
	}
	if (starts_with(s, (size_t)(end - s), "cpus=") ||
	    starts_with(s, (size_t)(end - s), "version =") ||
	    starts_with(s, (size_t)(end - s), "CPU ") || starts_with(s, (size_t)(end - s), "CPU:"))
		return KMM_TRACE_SKIP;
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\0')
			return fail(p, err, err_len, "NUL byte in line", line, len);

	/* The CPU: the first " [digits]" (a task name may hold brackets, not this). */
	for (const char *c = s; c + 2 < end; c++) {
		if (c[0] == '[' && (c == line || is_space(c[-1])) && is_digit(c[1])) {
			const char *d = c + 1;

			while (d < end && is_digit(*d))
				d++;
			if (d < end && *d == ']' && d + 1 < end && is_space(d[1])) {
				cpu_open = c;
				break;
			}
		}
	}
	if (!cpu_open)
		return fail(p, err, err_len, "no [CPU] column", line, len);
	*ev = (struct kmm_trace_event){ .pid = -1, .migratetype = -1, .node = -1 };
	{
		struct span c = { cpu_open + 1, 0 };

		while (c.s[c.n] != ']')
			c.n++;
		if (!parse_ulong(c, &cpu) || cpu > 65535)
			return fail(p, err, err_len, "bad CPU number", line, len);
		ev->cpu = (int)cpu;
	}
	/* The pid: the digits before the CPU, after '-' (ftrace) or a space (perf). */
	{
		const char *e = cpu_open;

		while (e > s && is_space(e[-1]))
			e--;
		if (e > s && e[-1] == ')') { /* "(TGID)" column */
			while (e > s && e[-1] != '(')
				e--;
			if (e > s)
				e--;
			while (e > s && is_space(e[-1]))
				e--;
		}
		const char *b = e;

		while (b > s && is_digit(b[-1]))
			b--;
		if (b < e && (b == s || b[-1] == '-' || is_space(b[-1]))) {
			struct span pid = { b, (size_t)(e - b) };
			unsigned long v;

			if (parse_ulong(pid, &v) && v < 0x7fffffff)
				ev->pid = (int)v;
		}
	}
	/* Up to two flag words, then the timestamp. */

	pos = cpu_open;
	while (*pos != ']')
		pos++;
	pos++;
	for (int i = 0;; i++) {
		tok = next_token(&pos, end);
		if (tok.n == 0)
			return fail(p, err, err_len, "no timestamp", line, len);
		if (timestamp(tok, &ev->ts_ns))
			break;
		if (i == 2)
			return fail(p, err, err_len, "no timestamp after the CPU", line, len);
	}
	/* The event name, "name:" or "subsystem:name:"; perf may print a period first. */
	ename = next_token(&pos, end);
	if (ename.n && is_digit(ename.s[0])) {
		bool digits = true;

		for (size_t i = 0; i < ename.n; i++)
			digits = digits && is_digit(ename.s[i]);
		if (digits)
			ename = next_token(&pos, end);
	}
	if (ename.n < 2 || ename.s[ename.n - 1] != ':')
		return fail(p, err, err_len, "no event name", line, len);
	ename.n--;
	for (size_t i = 0; i < ename.n; i++) {
		if (ename.s[i] == ':') {
			ename.s += i + 1;
			ename.n -= i + 1;
			break;
		}
	}
	kind = event_kind(ename);
	if (kind < 0)
		return KMM_TRACE_UNKNOWN;
	ev->kind = kind;

	/* key=value fields */
	for (;;) {
		struct span key, val;
		size_t eq = 0;

		tok = next_token(&pos, end);
		if (tok.n == 0)
			break;
		while (eq < tok.n && tok.s[eq] != '=')
			eq++;
		if (eq == tok.n || eq == 0)
			return fail(p, err, err_len, "field without '='", line, len);
		key = (struct span){ tok.s, eq };
		val = (struct span){ tok.s + eq + 1, tok.n - eq - 1 };
		if (SPAN_EQ(key, "pfn")) {
			if (!parse_ulong(val, &ev->pfn))
				return fail(p, err, err_len, "bad pfn", line, len);
			have_pfn = true;
		} else if (SPAN_EQ(key, "order")) {
			if (!parse_int(val, &ev->order) || ev->order < 0 || ev->order > 63)
				return fail(p, err, err_len, "bad order", line, len);
			have_order = true;
		} else if (SPAN_EQ(key, "page")) {
			if (!parse_ptr(val, &ev->page))
				return fail(p, err, err_len, "bad page pointer", line, len);
		} else if (SPAN_EQ(key, "ptr")) {
			if (!parse_ptr(val, &ev->ptr))
				return fail(p, err, err_len, "bad ptr", line, len);
			have_ptr = true;
		} else if (SPAN_EQ(key, "migratetype")) {
			if (!parse_int(val, &ev->migratetype))
				return fail(p, err, err_len, "bad migratetype", line, len);
		} else if (SPAN_EQ(key, "gfp_flags")) {
			gfp_s = val;
		} else if (SPAN_EQ(key, "bytes_req")) {
			if (!parse_ulong(val, &ev->bytes_req))
				return fail(p, err, err_len, "bad bytes_req", line, len);
			have_req = true;
		} else if (SPAN_EQ(key, "bytes_alloc")) {
			if (!parse_ulong(val, &ev->bytes_alloc))
				return fail(p, err, err_len, "bad bytes_alloc", line, len);
			have_alloc = true;
		} else if (SPAN_EQ(key, "node")) {
			if (!parse_int(val, &ev->node) || ev->node < -1)
				return fail(p, err, err_len, "bad node", line, len);
			have_node = true;
		} else if (SPAN_EQ(key, "name")) {
			if (val.n == 0 || val.n > 64)
				return fail(p, err, err_len, "bad cache name", line, len);
			ev->name = val.s;
			ev->name_len = val.n;
		} else if (SPAN_EQ(key, "cold")) {
			have_cold = true;
		} else if (SPAN_EQ(key, "accounted")) {
			have_accounted = true;
		}
		/* call_site= and fields of newer kernels are not needed */
	}

	switch (kind) {
	case KMM_EV_MM_PAGE_ALLOC:
		if (!have_pfn || !have_order || !gfp_s.n)
			return fail(p, err, err_len, "mm_page_alloc needs pfn, order and gfp_flags",
				    line, len);
		ev->pfn_failed = ev->pfn == ~0ul || (ev->page == 0 && ev->pfn == 0);
		break;
	case KMM_EV_MM_PAGE_FREE:
		if (!have_pfn || !have_order)
			return fail(p, err, err_len, "mm_page_free needs pfn and order", line, len);
		break;
	case KMM_EV_MM_PAGE_FREE_BATCHED:
		if (!have_pfn)
			return fail(p, err, err_len, "mm_page_free_batched needs pfn", line, len);
		if (have_cold || !have_order)
			ev->old_fields = true;
		break;
	case KMM_EV_KMALLOC:
	case KMM_EV_KMEM_CACHE_ALLOC:
		if (!have_ptr || !have_req || !have_alloc || !gfp_s.n)
			return fail(p, err, err_len,
				    "allocation needs ptr, bytes_req, bytes_alloc and gfp_flags",
				    line, len);
		if (!have_node || !have_accounted || (kind == KMM_EV_KMEM_CACHE_ALLOC && !ev->name))
			ev->old_fields = true;
		break;
	case KMM_EV_KFREE:
	case KMM_EV_KMEM_CACHE_FREE:
		if (!have_ptr)
			return fail(p, err, err_len, "free needs ptr", line, len);
		if (kind == KMM_EV_KMEM_CACHE_FREE && !ev->name)
			ev->old_fields = true;
		break;
	}
	if (ev->old_fields && !p->kmm_format)
		p->old_kernel = true;
	if (gfp_s.n) {
		if (kmm_parse_gfp(gfp_s.s, gfp_s.n, p->old_kernel, &ev->gfp))
			return fail(p, err, err_len, "unknown gfp flag", line, len);
		ev->has_gfp = true;
	}
	return KMM_TRACE_EVENT;
}
