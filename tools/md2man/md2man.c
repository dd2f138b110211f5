/* SPDX-License-Identifier: MIT */
/*
 * tools/md2man/md2man.c - the man pages' converter: a restricted Markdown to
 * roff (man macros), run by the build so that each page has one source.
 *
 *   md2man -n NAME -s SECTION -v VERSION -d SUMMARY [-I DIR] [-a DIR] -o OUT IN.md
 *
 * kmm(1) and the section-3 pages are written in man/NAME.N.md; kmm-machine(7) is
 * docs/machine.md itself. The section-3 pages do not restate the API: a line
 *
 *   @synopsis include/kmm/slab.h ---- kmalloc
 *
 * copies that part of the header (from the first line containing the text
 * after the file name to the next "---- " section comment or the end of
 * the declarations), comments included, into the page, so the page shows
 * exactly what the header declares. A CTest checks that every KMM_API
 * function lands in some page. With -a DIR, each KMM_API function copied so
 * gets a symbolic link DIR/FUNCTION.N to the page (`man kmm_kmalloc`).
 *
 * The Markdown it reads (and nothing more): "#" headings (the first one is
 * the document's title and is dropped: the page gets NAME from -n/-d),
 * paragraphs, "-", "*" and "1." lists (nested by indentation), fenced code
 * blocks, pipe tables (rendered as tagged paragraphs), inline `code` (bold), **bold**,
 * *italic*, [text](link), and single-line <!-- comments -->. Output is ASCII:
 * other characters become groff's \[uXXXX] glyphs, '-' becomes \-, and a
 * line never starts with '.' or '\''.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 8

static FILE *out;
static const char *include_dir = ".";
static const char *alias_dir; /* -a: where the per-function links go */
static const char *page_file; /* NAME.SECTION, what they link to */
static int at_line_start = 1;

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("md2man: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void put(const char *s)
{
	for (; *s; s++) {
		fputc(*s, out);
		at_line_start = *s == '\n';
	}
}

static void newline(void)
{
	if (!at_line_start)
		put("\n");
}

static void request(const char *req)
{
	newline();
	put(req);
	put("\n");
}

/* ---- reading ------------------------------------------------------------------ */

struct text {
	char **line;
	size_t n;
};

static struct text read_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	struct text t = { NULL, 0 };
	size_t cap = 0;
	char *buf = NULL;
	size_t bufcap = 0;
	ssize_t len;

	if (!f)
		die("cannot open %s", path);
	while ((len = getline(&buf, &bufcap, f)) >= 0) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (t.n == cap) {
			cap = cap ? 2 * cap : 256;
			t.line = realloc(t.line, cap * sizeof(*t.line));
			if (!t.line)
				die("out of memory");
		}
		t.line[t.n++] = strdup(buf);
	}
	free(buf);
	fclose(f);
	return t;
}

static int blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

static int indent_of(const char *s)
{
	int n = 0;

	while (s[n] == ' ')
		n++;
	return n;
}

/* ---- escaping ------------------------------------------------------------------ */

/* One character of literal text; returns the bytes consumed. */
static size_t put_char(const char *s)
{
	unsigned char c = (unsigned char)*s;
	char buf[16];

	if (at_line_start && (c == '.' || c == '\''))
		put("\\&");
	if (c == '\\') {
		put("\\e");
		return 1;
	}
	if (c == '-') {
		put("\\-");
		return 1;
	}
	if (c < 0x80) {
		buf[0] = (char)c;
		buf[1] = '\0';
		put(buf);
		return 1;
	}
	/* UTF-8 to a groff glyph */
	{
		unsigned int cp = 0;
		size_t n = 0;

		if ((c & 0xe0) == 0xc0)
			cp = c & 0x1f, n = 2;
		else if ((c & 0xf0) == 0xe0)
			cp = c & 0x0f, n = 3;
		else if ((c & 0xf8) == 0xf0)
			cp = c & 0x07, n = 4;
		else
			die("invalid UTF-8");
		for (size_t i = 1; i < n; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80)
				die("invalid UTF-8");
			cp = (cp << 6) | ((unsigned char)s[i] & 0x3f);
		}
		snprintf(buf, sizeof(buf), "\\[u%04X]", cp);
		put(buf);
		return n;
	}
}

static void put_literal(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len)
		i += put_char(s + i);
}

/* Inline Markdown: `code`, **bold**, *italic*, [text](link). */
static void put_inline(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *p = s + i, *end = s + len, *q;

		if (*p == '`' && (q = memchr(p + 1, '`', (size_t)(end - p - 1)))) {
			put("\\fB");
			put_literal(p + 1, (size_t)(q - p - 1));
			put("\\fR");
			i = (size_t)(q + 1 - s);
			continue;
		}
		if (p + 1 < end && p[0] == '*' && p[1] == '*') {
			for (q = p + 2; q + 1 < end && !(q[0] == '*' && q[1] == '*'); q++)
				;
			if (q + 1 < end) {
				put("\\fB");
				put_inline(p + 2, (size_t)(q - p - 2));
				put("\\fR");
				i = (size_t)(q + 2 - s);
				continue;
			}
		}
		if (*p == '*' && p + 1 < end && p[1] != ' ' && p[1] != '*') {
			for (q = p + 1; q < end && *q != '*'; q++)
				;
			if (q < end && q[-1] != ' ') {
				put("\\fI");
				put_inline(p + 1, (size_t)(q - p - 1));
				put("\\fR");
				i = (size_t)(q + 1 - s);
				continue;
			}
		}
		if (*p == '[') {
			const char *close = memchr(p, ']', (size_t)(end - p));

			if (close && close + 1 < end && close[1] == '(' &&
			    (q = memchr(close, ')', (size_t)(end - close)))) {
				put_inline(p + 1, (size_t)(close - p - 1));
				if (!strncmp(close + 2, "http", 4)) {
					put(" (");
					put_literal(close + 2, (size_t)(q - close - 2));
					put(")");
				}
				i = (size_t)(q + 1 - s);
				continue;
			}
		}
		i += put_char(p);
	}
}

static void put_inline_str(const char *s)
{
	put_inline(s, strlen(s));
}

/* A line of a preformatted block: tabs expanded to 8 columns. */
static void put_code_line(const char *s)
{
	int col = 0;

	while (*s) {
		if (*s == '\t') {
			do
				put(" ");
			while (++col % 8);
			s++;
			continue;
		}
		s += put_char(s);
		col++;
	}
	put("\n");
}

/* ---- blocks --------------------------------------------------------------------- */

static int list_depth;		   /* open nested lists */
static int list_indent[MAX_DEPTH]; /* the marker column of each */
static int need_para = 0;	   /* a paragraph break is due before the next text */

static void close_lists(int to_depth)
{
	while (list_depth > to_depth) {
		list_depth--;
		if (list_depth > 0)
			request(".RE");
	}
	if (to_depth == 0)
		need_para = 1;
}

static void para_break(void)
{
	if (list_depth > 0)
		request(".sp");
	else if (need_para)
		request(".PP");
	need_para = 0;
}

/* "- x", "* x", "12. x": the marker's column and the text's start, or -1. */
static int list_item(const char *s, int *text_start, char *tag, size_t tag_len)
{
	int ind = indent_of(s);
	const char *p = s + ind;

	if ((p[0] == '-' || p[0] == '*') && p[1] == ' ') {
		snprintf(tag, tag_len, "\\(bu");
		*text_start = ind + 2;
		return ind;
	}
	if (isdigit((unsigned char)p[0])) {
		int n = 0;

		while (isdigit((unsigned char)p[n]))
			n++;
		if (p[n] == '.' && p[n + 1] == ' ') {
			snprintf(tag, tag_len, "%.*s.", n, p);
			*text_start = ind + n + 2;
			return ind;
		}
	}
	return -1;
}

static int is_fence(const char *s)
{
	return !strncmp(s + indent_of(s), "```", 3);
}

static int is_heading(const char *s)
{
	return s[0] == '#';
}

static int is_table(const char *s)
{
	return s[indent_of(s)] == '|';
}

static int is_directive(const char *s)
{
	return !strncmp(s, "@synopsis ", 10) || !strncmp(s, "<!--", 4);
}

static int block_start(const char *s)
{
	char tag[16];
	int ts;

	return blank(s) || is_fence(s) || is_heading(s) || is_table(s) || is_directive(s) ||
	       list_item(s, &ts, tag, sizeof(tag)) >= 0;
}

/* A heading; returns 0 for the dropped title, 1 for a section. */
static int heading(const char *s, int *seen_title)
{
	int level = 0;
	const char *p = s;

	while (*p == '#')
		p++, level++;
	while (*p == ' ')
		p++;
	close_lists(0);
	if (level == 1 && !*seen_title) {
		*seen_title = 1;
		return 0;
	}
	if (level <= 2) {
		char up[256];
		size_t i;

		for (i = 0; p[i] && i + 1 < sizeof(up); i++)
			up[i] = (char)toupper((unsigned char)p[i]);
		up[i] = '\0';
		newline();
		put(".SH \"");
		put_inline_str(up);
		put("\"\n");
	} else {
		newline();
		put(".SS \"");
		put_inline_str(p);
		put("\"\n");
	}
	need_para = 0;
	return 1;
}

/* A fenced block starting at t->line[*i]; leaves *i after the closing fence. */
static void code_block(const struct text *t, size_t *i)
{
	int ind = indent_of(t->line[*i]);

	para_break();
	request(".RS 4");
	request(".nf");
	for ((*i)++; *i < t->n && !is_fence(t->line[*i]); (*i)++) {
		const char *s = t->line[*i];
		int strip = indent_of(s) < ind ? indent_of(s) : ind;

		put_code_line(s + strip);
	}
	if (*i < t->n)
		(*i)++;
	request(".fi");
	request(".RE");
	need_para = 1;
}

/* Split a table row into its cells (a | inside `code` is text); returns the count. */
static int table_cells(const char *row, const char **cell, size_t *len, int max)
{
	const char *p = row + indent_of(row) + 1;
	int n = 0;

	while (*p && n < max) {
		const char *bar = p, *s = p;
		size_t l;

		while (*bar && *bar != '|') {
			if (*bar == '`') {
				const char *q = strchr(bar + 1, '`');

				bar = q ? q : bar;
			}
			bar++;
		}
		if (!*bar)
			break; /* text after the last bar is not a cell */
		l = (size_t)(bar - p);
		while (l && *s == ' ')
			s++, l--;
		while (l && s[l - 1] == ' ')
			l--;
		cell[n] = s;
		len[n++] = l;
		p = bar + 1;
	}
	return n;
}

static int is_separator_row(const char *s)
{
	for (; *s; s++)
		if (!strchr("|-: ", *s))
			return 0;
	return 1;
}

/*
 * A pipe table as a tagged list, the man-page way: each row's first cell is
 * the tag; its other cells follow, each after its column's heading (two
 * columns: the second cell alone).
 */
static void table(const struct text *t, size_t *i)
{
	const char *head[16], *cell[16];
	size_t head_len[16], len[16];
	int nhead = table_cells(t->line[*i], head, head_len, 16);

	close_lists(0);
	para_break();
	for ((*i)++; *i < t->n && is_table(t->line[*i]); (*i)++) {
		int n;

		if (is_separator_row(t->line[*i]))
			continue;
		n = table_cells(t->line[*i], cell, len, 16);
		if (n == 0)
			continue;
		request(".TP");
		put_inline(cell[0], len[0]);
		put("\n");
		for (int c = 1; c < n; c++) {
			if (c > 1)
				request(".br");
			if (nhead > 2 && c < nhead) {
				put("\\fI");
				put_inline(head[c], head_len[c]);
				put(":\\fR ");
			}
			put_inline(cell[c], len[c]);
			put("\n");
		}
	}
	need_para = 1;
}

/*
 * With -a DIR: a symbolic link DIR/FUNCTION.SECTION -> NAME.SECTION for the
 * function a KMM_API declaration line declares, so `man kmm_kmalloc` finds
 * kmm_slab(3).
 */
static void alias(const char *decl)
{
	const char *paren = strchr(decl, '('), *start;
	char path[1024];
	const char *dot;

	if (!alias_dir || !paren)
		return;
	for (start = paren; start > decl && (isalnum((unsigned char)start[-1]) || start[-1] == '_');
	     start--)
		;
	if (strncmp(start, "kmm_", 4) != 0)
		return;
	dot = strrchr(page_file, '.');
	/* a function named like its page (kmm_vmalloc in kmm_vmalloc(3)) is the page itself */
	if (!dot || ((size_t)(paren - start) == (size_t)(dot - page_file) &&
		     strncmp(start, page_file, (size_t)(dot - page_file)) == 0))
		return;
	snprintf(path, sizeof(path), "%s/%.*s%s", alias_dir, (int)(paren - start), start, dot);
	unlink(path);
	if (symlink(page_file, path) != 0)
		die("cannot create %s", path);
}

/* @synopsis FILE START: the header from START to the end of its section. */
static void synopsis(const char *args)
{
	char path[1024];
	const char *sp = strchr(args, ' ');
	struct text h;
	size_t i, start = 0;
	int found = 0, shift = 0;

	if (!sp)
		die("@synopsis needs a file and a start text: %s", args);
	snprintf(path, sizeof(path), "%s/%.*s", include_dir, (int)(sp - args), args);
	h = read_lines(path);
	for (i = 0; i < h.n; i++)
		if (strstr(h.line[i], sp + 1)) {
			start = i;
			found = 1;
			break;
		}
	if (!found)
		die("%s has no line containing '%s'", path, sp + 1);
	close_lists(0);
	para_break();
	request(".RS 4");
	request(".nf");
	for (i = start; i < h.n; i++) {
		char line[1024], *api;
		int col = 0;
		size_t n = 0;

		if (i > start && (strstr(h.line[i], "/* ----") == h.line[i] ||
				  !strncmp(h.line[i], "#ifdef __cplusplus", 18) ||
				  !strncmp(h.line[i], "#endif /*", 9)))
			break;
		if (i == start && strstr(h.line[i], "/* ----") == h.line[i])
			continue; /* the section's own title line */
		for (const char *c = h.line[i]; *c && n + 9 < sizeof(line); c++) {
			if (*c == '\t') {
				do
					line[n++] = ' ';
				while (++col % 8);
			} else {
				line[n++] = *c;
				col++;
			}
		}
		line[n] = '\0';
		/*
		 * Drop the visibility macro, and as much indentation from the
		 * declaration's continuation lines, so they stay aligned.
		 */
		if (shift && indent_of(line) >= shift)
			memmove(line, line + shift, strlen(line + shift) + 1);
		else if ((api = strstr(line, "KMM_API "))) {
			memmove(api, api + 8, strlen(api + 8) + 1);
			shift = 8;
			alias(line);
		}
		if (strchr(line, ';') || strchr(line, '{') || !*line)
			shift = 0;
		put_code_line(line);
	}
	request(".fi");
	request(".RE");
	need_para = 1;
	for (i = 0; i < h.n; i++)
		free(h.line[i]);
	free(h.line);
}

/* `first`, then the lines from *i up to the next block, joined by spaces, as one line. */
static void put_joined(const struct text *t, size_t *i, const char *first)
{
	size_t len = strlen(first);
	char *joined = strdup(first);

	for (; *i < t->n && !block_start(t->line[*i]); (*i)++) {
		const char *c = t->line[*i] + indent_of(t->line[*i]);

		joined = realloc(joined, len + strlen(c) + 2);
		if (!joined)
			die("out of memory");
		joined[len++] = ' ';
		strcpy(joined + len, c);
		len += strlen(c);
	}
	put_inline(joined, len);
	put("\n");
	free(joined);
}

static void convert(const struct text *t)
{
	int seen_title = 0, in_section = 0;
	size_t i = 0;

	while (i < t->n) {
		const char *s = t->line[i];
		char tag[16];
		int ts, ind;

		if (blank(s)) {
			i++;
			/* a list goes on across blank lines only to an item or indented text */
			if (list_depth && i < t->n && !blank(t->line[i]) &&
			    list_item(t->line[i], &ts, tag, sizeof(tag)) < 0 &&
			    indent_of(t->line[i]) <= list_indent[0])
				close_lists(0);
			else if (!list_depth)
				need_para = 1;
			continue;
		}
		if (!strncmp(s, "<!--", 4)) {
			i++;
			continue;
		}
		if (!strncmp(s, "@synopsis ", 10)) {
			synopsis(s + 10);
			i++;
			continue;
		}
		if (is_heading(s)) {
			in_section |= heading(s, &seen_title);
			i++;
			continue;
		}
		if (!in_section) { /* text before the first heading after the title */
			request(".SH DESCRIPTION");
			in_section = 1;
			need_para = 0;
		}
		if (is_fence(s)) {
			code_block(t, &i);
			continue;
		}
		if (is_table(s)) {
			table(t, &i);
			continue;
		}
		ind = list_item(s, &ts, tag, sizeof(tag));
		if (ind >= 0) {
			char req[64];

			while (list_depth && ind < list_indent[list_depth - 1])
				close_lists(list_depth - 1);
			if (!list_depth || ind > list_indent[list_depth - 1]) {
				if (list_depth == MAX_DEPTH)
					die("lists nested too deeply");
				if (list_depth)
					request(".RS");
				else if (need_para)
					request(".PP");
				list_indent[list_depth++] = ind;
			}
			snprintf(req, sizeof(req), ".IP %s %d", tag,
				 tag[0] == '\\' ? 2 : (int)strlen(tag) + 1);
			request(req);
			need_para = 0;
			/* the item's text and its continuation lines */
			i++;
			put_joined(t, &i, s + ts);
			continue;
		}
		/* a paragraph (or indented text inside a list item) */
		if (list_depth && indent_of(s) <= list_indent[0])
			close_lists(0);
		para_break();
		i++;
		put_joined(t, &i, s + indent_of(s));
	}
	close_lists(0);
}

int main(int argc, char **argv)
{
	const char *name = NULL, *section = NULL, *version = "", *summary = NULL;
	const char *output = NULL, *input = NULL;
	struct text t;

	for (int i = 1; i < argc; i++) {
		const char **opt = NULL;

		if (!strcmp(argv[i], "-n"))
			opt = &name;
		else if (!strcmp(argv[i], "-s"))
			opt = &section;
		else if (!strcmp(argv[i], "-v"))
			opt = &version;
		else if (!strcmp(argv[i], "-d"))
			opt = &summary;
		else if (!strcmp(argv[i], "-I"))
			opt = &include_dir;
		else if (!strcmp(argv[i], "-a"))
			opt = &alias_dir;
		else if (!strcmp(argv[i], "-o"))
			opt = &output;
		else if (!input && argv[i][0] != '-')
			input = argv[i];
		else
			die("usage: md2man -n NAME -s SECTION -v VERSION -d SUMMARY [-I DIR] [-a "
			    "DIR] -o OUT IN.md");
		if (opt) {
			if (++i == argc)
				die("%s needs a value", argv[i - 1]);
			*opt = argv[i];
		}
	}
	if (!name || !section || !summary || !output || !input)
		die("usage: md2man -n NAME -s SECTION -v VERSION -d SUMMARY [-I DIR] [-a DIR] -o "
		    "OUT IN.md");
	t = read_lines(input);
	page_file = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
	out = fopen(output, "w");
	if (!out)
		die("cannot write %s", output);
	put(".\\\" Generated by md2man from ");
	put(strrchr(input, '/') ? strrchr(input, '/') + 1 : input);
	put(": edit that file, not this one.\n");
	fprintf(out, ".TH \"%s\" \"%s\" \"\" \"kmm %s\" \"kmm manual\"\n", name, section, version);
	put(".nh\n.ad l\n.SH NAME\n");
	put_inline_str(name);
	put(" \\- ");
	put_inline_str(summary);
	put("\n");
	convert(&t);
	if (fclose(out) != 0)
		die("cannot write %s", output);
	for (size_t i = 0; i < t.n; i++)
		free(t.line[i]);
	free(t.line);
	return 0;
}
