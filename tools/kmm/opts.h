/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/opts.h - the one option parser every `kmm` subcommand uses, so
 * they all behave alike.
 *
 * A subcommand describes itself in a struct tool_cmd: its name, a synopsis,
 * a paragraph of help, its options and how many positional arguments it
 * takes. tool_parse() then applies the same rules everywhere:
 *
 *   - `-h` / `--help` anywhere prints the full usage on stdout; exit 0.
 *   - `--opt VALUE` and `--opt=VALUE` are the same; a flag takes no value
 *     (`--json=1` is refused).
 *   - Every value is checked here: an integer against its range, a number
 *     against its range, a choice against its list. A refusal names the
 *     option and quotes the value exactly as typed:
 *         kmm slabtop: bad value 'z' for --sort (expected c, o, a, s, l or n)
 *   - An option may be given once; a second one is refused, quoting both.
 *   - An unknown option is refused, quoted as typed (`--bogus=1` whole).
 *   - `--` ends the options; the rest are positional arguments.
 *   - Too many or too few positional arguments are refused.
 * Every refusal is one line on stderr, then a line pointing at --help, and
 * makes tool_parse return TOOL_USAGE (the command exits 2).
 *
 * Values are stored through the option's `dst` only when the whole command
 * line was accepted, so a refused command line changes nothing.
 */
#ifndef KMM_TOOL_OPTS_H
#define KMM_TOOL_OPTS_H

#include <stdbool.h>
#include <stdio.h>

/* What tool_parse returns; the exit status the command then returns. */
#define TOOL_OK 0      /* parsed, go on */
#define TOOL_HELP (-1) /* usage printed on stdout: exit 0 */
#define TOOL_USAGE 2   /* refused (printed on stderr): exit 2 */

enum tool_opt_type {
	OPT_FLAG,   /* bool *dst = true */
	OPT_STRING, /* const char **dst = the value as typed */
	OPT_LONG,   /* long *dst, decimal, in [lo, hi] */
	OPT_DOUBLE, /* double *dst, in [dlo, dhi] */
	OPT_CHOICE, /* const char **dst = one of choices[] (NULL-terminated) */
};

struct tool_opt {
	const char *name; /* "--sort" */
	char short_name;  /* 'q' for -q, or 0 */
	enum tool_opt_type type;
	void *dst;
	long lo, hi;		    /* OPT_LONG */
	double dlo, dhi;	    /* OPT_DOUBLE */
	const char *const *choices; /* OPT_CHOICE */
	const char *metavar;	    /* "N", "KEY", "'...'" */
	const char *help;	    /* one line */
};

struct tool_cmd {
	const char *name;	     /* "kmm slabtop" */
	const char *synopsis;	     /* after the name: "[--machine '...'] [--sort KEY]" */
	const char *help;	     /* paragraph(s) printed under the synopsis, or NULL */
	const struct tool_opt *opts; /* terminated by an entry with name == NULL */
	int min_args, max_args;	     /* positional arguments */
	const char *epilog;	     /* printed after the options, or NULL */
};

/*
 * Parse argv[1..argc) (argv[0] is the subcommand's own name). Positional
 * arguments go to args[0..*nargs) (args has room for cmd->max_args).
 * Returns TOOL_OK, TOOL_HELP or TOOL_USAGE.
 */
int tool_parse(const struct tool_cmd *cmd, int argc, char **argv, const char **args, int *nargs);

/* The full usage: synopsis, help, options, epilog. */
void tool_usage(const struct tool_cmd *cmd, FILE *f);

/*
 * A refusal after parsing, in the parser's format: "NAME: MESSAGE" and the
 * --help pointer on stderr. Returns TOOL_USAGE.
 */
__attribute__((format(printf, 2, 3))) int tool_refuse(const struct tool_cmd *cmd, const char *fmt,
						      ...);

/* Print s in single quotes as a shell user would type it ('it'\''s'). */
void tool_quote(FILE *f, const char *s);

#endif /* KMM_TOOL_OPTS_H */
