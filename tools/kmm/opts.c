/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/opts.c - the subcommands' option parser (rules in opts.h).
 *
 * Parsing runs in two passes over a private record of what was seen: the
 * first checks every argument and collects the values, the second stores
 * them through the options' dst pointers. A refusal therefore leaves every
 * dst as the caller set it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

#define TOOL_MAX_OPTS 32

struct seen {
	const char *as_typed; /* the argument that named the option ("--sort", "--sort=z") */
	const char *value;    /* its value, NULL for a flag */
	long l;
	double d;
};

void tool_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

static void tool_vrefuse(const struct tool_cmd *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cmd->name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", cmd->name);
}

int tool_refuse(const struct tool_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vrefuse(cmd, fmt, ap);
	va_end(ap);
	return TOOL_USAGE;
}

/* "'z' for --sort" as one refusal line, the value quoted as typed. */
static int refuse_value(const struct tool_cmd *cmd, const struct tool_opt *o, const char *v,
			const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: bad value ", cmd->name);
	tool_quote(stderr, v);
	fprintf(stderr, " for %s (", o->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ")\nTry '%s --help' for more information.\n", cmd->name);
	return TOOL_USAGE;
}

static void choices_text(const struct tool_opt *o, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (int i = 0; o->choices[i] && pos < len; i++) {
		const char *sep = i == 0 ? "" : o->choices[i + 1] ? ", " : " or ";

		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", sep, o->choices[i]);
	}
}

/* Check v for option o and fill s; TOOL_OK or TOOL_USAGE (printed). */
static int check_value(const struct tool_cmd *cmd, const struct tool_opt *o, const char *v,
		       struct seen *s)
{
	char *end;
	char buf[160];

	s->value = v;
	switch (o->type) {
	case OPT_FLAG:
		break;
	case OPT_STRING:
		break;
	case OPT_LONG:
		errno = 0;
		s->l = strtol(v, &end, 10);
		/* digits as typed: no blanks or '+' before them, nothing after */
		if (!(isdigit((unsigned char)v[0]) ||
		      (v[0] == '-' && isdigit((unsigned char)v[1]))) ||
		    *end || errno || s->l < o->lo || s->l > o->hi)
			return refuse_value(cmd, o, v, "expected an integer %ld..%ld", o->lo,
					    o->hi);
		break;
	case OPT_DOUBLE:
		errno = 0;
		s->d = strtod(v, &end);
		if (!*v || *end || errno || !isfinite(s->d) || s->d < o->dlo || s->d > o->dhi)
			return refuse_value(cmd, o, v, "expected a number %g..%g", o->dlo, o->dhi);
		break;
	case OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(v, o->choices[i]))
				return TOOL_OK;
		choices_text(o, buf, sizeof(buf));
		return refuse_value(cmd, o, v, "expected %s", buf);
	}
	return TOOL_OK;
}

static const struct tool_opt *find_long(const struct tool_cmd *cmd, const char *a, size_t len)
{
	for (const struct tool_opt *o = cmd->opts; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, a, len))
			return o;
	return NULL;
}

static const struct tool_opt *find_short(const struct tool_cmd *cmd, char c)
{
	for (const struct tool_opt *o = cmd->opts; o && o->name; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

static void store(const struct tool_opt *o, const struct seen *s)
{
	switch (o->type) {
	case OPT_FLAG:
		*(bool *)o->dst = true;
		break;
	case OPT_STRING:
	case OPT_CHOICE:
		*(const char **)o->dst = s->value;
		break;
	case OPT_LONG:
		*(long *)o->dst = s->l;
		break;
	case OPT_DOUBLE:
		*(double *)o->dst = s->d;
		break;
	}
}

int tool_parse(const struct tool_cmd *cmd, int argc, char **argv, const char **args, int *nargs)
{
	struct seen seen[TOOL_MAX_OPTS];
	bool given[TOOL_MAX_OPTS] = { false };
	bool only_args = false;
	int n = 0, nopts = 0;

	while (cmd->opts && cmd->opts[nopts].name)
		nopts++;
	if (nopts > TOOL_MAX_OPTS) {
		fprintf(stderr, "%s: too many options declared\n", cmd->name);
		return TOOL_USAGE;
	}
	/* --help wins over everything else on the line, as in most commands */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			tool_usage(cmd, stdout);
			return TOOL_HELP;
		}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq;
		const struct tool_opt *o;
		int idx, rc;

		if (only_args || a[0] != '-' || !a[1]) {
			if (n >= cmd->max_args) {
				if (cmd->max_args == 0)
					return tool_refuse(cmd,
							   "unexpected argument '%s' (%s takes "
							   "no arguments)",
							   a, cmd->name);
				return tool_refuse(cmd, "unexpected argument '%s'", a);
			}
			args[n++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a, '=');
			o = find_long(cmd, a, eq ? (size_t)(eq - a) : strlen(a));
			if (eq)
				v = eq + 1;
		} else {
			o = a[2] ? NULL : find_short(cmd, a[1]);
		}
		if (!o)
			return tool_refuse(cmd, "unknown option '%s'", a);
		idx = (int)(o - cmd->opts);
		if (o->type == OPT_FLAG) {
			if (v)
				return tool_refuse(cmd, "option %s takes no value (got '%s')",
						   o->name, a);
		} else if (!v) {
			if (i + 1 >= argc)
				return tool_refuse(cmd, "option %s needs a value (%s %s)", o->name,
						   o->name, o->metavar ? o->metavar : "VALUE");
			v = argv[++i];
		}
		if (given[idx]) {
			if (o->type == OPT_FLAG)
				return tool_refuse(cmd, "option %s given twice", o->name);
			fprintf(stderr, "%s: option %s given twice (", cmd->name, o->name);
			tool_quote(stderr, seen[idx].value);
			fputs(", then ", stderr);
			tool_quote(stderr, v);
			fprintf(stderr, ")\nTry '%s --help' for more information.\n", cmd->name);
			return TOOL_USAGE;
		}
		rc = check_value(cmd, o, v ? v : "", &seen[idx]);
		if (rc)
			return rc;
		seen[idx].as_typed = a;
		if (o->type == OPT_FLAG)
			seen[idx].value = NULL;
		given[idx] = true;
	}
	if (n < cmd->min_args) {
		fprintf(stderr, "%s: missing argument\n", cmd->name);
		fprintf(stderr, "usage: %s %s\n", cmd->name, cmd->synopsis);
		fprintf(stderr, "Try '%s --help' for more information.\n", cmd->name);
		return TOOL_USAGE;
	}
	for (int i = 0; i < nopts; i++)
		if (given[i])
			store(&cmd->opts[i], &seen[i]);
	if (nargs)
		*nargs = n;
	return TOOL_OK;
}

void tool_usage(const struct tool_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: %s %s\n", cmd->name, cmd->synopsis);
	if (cmd->help)
		fprintf(f, "\n%s", cmd->help);
	if (cmd->opts && cmd->opts->name) {
		fprintf(f, "\noptions:\n");
		for (const struct tool_opt *o = cmd->opts; o->name; o++) {
			char left[64];

			if (o->short_name)
				snprintf(left, sizeof(left), "-%c, %s%s%s", o->short_name, o->name,
					 o->metavar ? " " : "", o->metavar ? o->metavar : "");
			else
				snprintf(left, sizeof(left), "%s%s%s", o->name,
					 o->metavar ? " " : "", o->metavar ? o->metavar : "");
			fprintf(f, "  %-22s %s\n", left, o->help ? o->help : "");
		}
		fprintf(f, "  %-22s %s\n", "-h, --help", "print this help and exit");
	}
	if (cmd->epilog)
		fprintf(f, "\n%s", cmd->epilog);
}
