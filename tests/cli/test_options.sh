#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/test_options.sh - every subcommand parses its options alike
# (tools/kmm/opts.c): help on stdout with exit 0, unknown options and bad
# values refused naming the option and quoting the value (exit 2, nothing on
# stdout), a repeated option refused, help examples in single quotes.
. "$(dirname "$0")/lib.sh"

TRACE="$(cd "$(dirname "$0")/../data" && pwd)/linux-6.18-kmem-git-tar.trace.xz"

for sub in demo stat slabtop bench replay top record map; do
	for h in -h --help; do
		run "$sub" "$h"
		expect_rc 0
		expect_out "usage: kmm $sub"
		expect_out "--machine '...'"
		expect_err_empty
	done
	run help "$sub"
	expect_rc 0
	expect_out "usage: kmm $sub"
	# help wins wherever it is on the line
	run "$sub" --machine mem=1G --help
	expect_rc 0
	expect_out "usage: kmm $sub"
	# examples use single quotes: "memmap=64M$1G" would lose its $1 in a shell
	run "$sub" --help
	expect_out "'mem=8G nr_cpus=4 numa=fake=2 memmap=64M\$1G'"
	expect_no_out "\"mem=8G"

	run "$sub" --bogus
	expect_usage_error "kmm $sub: unknown option '--bogus'"
	run "$sub" --bogus=1
	expect_usage_error "unknown option '--bogus=1'"
	run "$sub" -x
	expect_usage_error "unknown option '-x'"
	run "$sub" --machine
	expect_usage_error "option --machine needs a value"
	run "$sub" --machine 'mem=1G' --machine 'mem=2G'
	expect_usage_error "option --machine given twice ('mem=1G', then 'mem=2G')"
	run "$sub" --machine=mem=1G --machine mem=1G
	expect_usage_error "given twice"
done

run --help
expect_rc 0
expect_out "usage: kmm COMMAND"
expect_out "'mem=8G nr_cpus=4 numa=fake=2 memmap=64M\$1G'"
expect_no_out '"mem=8G'
run help
expect_rc 0
expect_out "usage: kmm COMMAND"
run
expect_rc 2
expect_out_empty
run bogus
expect_usage_error "kmm: unknown command 'bogus'"

# the demo no longer ignores what it does not understand
run demo extra
expect_usage_error "kmm demo: unexpected argument 'extra'"

# stat
run stat
expect_rc 0
expect_out "buddyinfo"
expect_out "slabinfo"
run stat --machine 'mem=foo'
expect_usage_error "bad value 'mem=foo' for --machine"
run stat nosuchreport
expect_usage_error "kmm stat: unknown report 'nosuchreport'"
run stat buddyinfo zoneinfo
expect_usage_error "unexpected argument 'zoneinfo'"
run stat buddyinfo --machine 'mem=1G'
expect_rc 0
expect_out "Node 0, zone      DMA"

# slabtop: the value is blamed, not the option
run slabtop --sort z
expect_usage_error "kmm slabtop: bad value 'z' for --sort (expected c, o, a, s, l or n)"
run slabtop --sort=cc
expect_usage_error "bad value 'cc' for --sort"
run slabtop --sort
expect_usage_error "option --sort needs a value"
run slabtop --lines x
expect_usage_error "bad value 'x' for --lines"
run slabtop --lines 3x
expect_usage_error "bad value '3x' for --lines"
run slabtop --lines -1
expect_usage_error "bad value '-1' for --lines"
run slabtop --alloc many
expect_usage_error "bad value 'many' for --alloc"
run slabtop --sort n --lines 3
expect_rc 0
expect_err_empty
check
rows=$(sed -n '/^  *OBJS/,$p' "$TMP/out" | tail -n +2 | wc -l)
[ "$rows" -eq 3 ] || fail "--lines 3 printed $rows cache rows"
run slabtop --sort=o --alloc 200 --lines=1
expect_rc 0
expect_out "CACHE SIZE"

# bench
run bench
expect_usage_error "kmm bench: missing argument"
run bench nosuchsuite
expect_usage_error "kmm bench: unknown suite 'nosuchsuite'"
run bench zones --threads 0
expect_usage_error "bad value '0' for --threads"
run bench zones --threads two
expect_usage_error "bad value 'two' for --threads"
run bench zones --seconds abc
expect_usage_error "bad value 'abc' for --seconds"
run bench zones --seconds 0
expect_usage_error "bad value '0' for --seconds"
run bench zones --reps 2
expect_usage_error "bad value '2' for --reps"
run bench zones --json=yes
expect_usage_error "option --json takes no value"
run bench zones --json --json
expect_usage_error "option --json given twice"
run bench zones --json --markdown
expect_usage_error "--json and --markdown exclude each other"
run bench zones pages
expect_usage_error "unexpected argument 'pages'"
run bench list --machine 'mem=foo'
expect_usage_error "bad value 'mem=foo' for --machine"
run bench list
expect_rc 0
expect_out "pages"
expect_out "slab"

# the replay family (tools/kmm/replay) follows the same rules
for sub in replay top; do
	run "$sub" "$TRACE" --machine 'mem=1G' --machine 'mem=2G'
	expect_usage_error "kmm $sub: option --machine given twice ('mem=1G', then 'mem=2G')"
	run "$sub" "$TRACE" --machine 'mem=foo'
	expect_usage_error "kmm $sub: bad value 'mem=foo' for --machine"
	expect_no_err '"mem=foo'
	expect_no_err "kswapd=0"
	run "$sub" "$TRACE" --speed 0
	expect_usage_error "kmm $sub: bad value '0' for --speed"
	run "$sub" "$TRACE" --speed=-1
	expect_usage_error "bad value '-1' for --speed"
	run "$sub" "$TRACE" --speed fast
	expect_usage_error "bad value 'fast' for --speed"
	run "$sub" "$TRACE" --speed 2 --as-fast
	expect_usage_error "--speed and --as-fast exclude each other"
	run "$sub" "$TRACE" --lenient --lenient
	expect_usage_error "option --lenient given twice"
	run "$sub" "$TRACE" other.trace
	expect_usage_error "unexpected argument 'other.trace'"
done
run replay
expect_usage_error "kmm replay: missing argument"
run replay "$TRACE" --vs-machine 'mem=16T'
expect_usage_error "kmm replay: bad value 'mem=16T' for --vs-machine"
run replay "$TRACE" --json=1
expect_usage_error "option --json takes no value"
run replay "$TRACE" --top --vs-machine 'mem=1G'
expect_usage_error "--top shows one machine"
run replay "$TRACE" --preload
expect_usage_error "kmm replay: unknown option '--preload'"
run replay "$TRACE" -q --no-pin --machine 'mem=256M'
expect_rc 0
expect_out "kmm_check: 0 problems"
expect_err_empty
run top
expect_usage_error "kmm top: missing TRACE (or -- PROGRAM)"
run top "$TRACE" --preload
expect_usage_error "--preload needs -- PROGRAM"
run top --speed 2 -- true
expect_usage_error "kmm top -- PROGRAM takes only --machine and --preload"
run top "$TRACE" -- true
expect_usage_error "exclude each other"
run top --machine 'mem=foo' -- true
expect_usage_error "kmm top: bad value 'mem=foo' for --machine"
run top --
expect_usage_error "kmm top: no PROGRAM after --"

# record: -o and -- PROGRAM required, the machine checked before the program runs
run record -- true
expect_usage_error "kmm record: missing -o FILE"
run record -o "$TMP/t"
expect_usage_error "kmm record: missing -- PROGRAM"
run record -o "$TMP/t" -o "$TMP/u" -- true
expect_usage_error "option --output given twice"
run record -o "$TMP/t" --machine 'mem=foo' -- touch "$TMP/ran"
expect_usage_error "kmm record: bad value 'mem=foo' for --machine"
check
[ ! -e "$TMP/ran" ] || fail "the program ran although its machine was refused"
run record -o "$TMP/t" --json -- true
expect_usage_error "kmm record: unknown option '--json'"
# after --, the program's own options are its own
run record -o "$TMP/t" -- sh -c ': >"$0"; exit 3' "$TMP/t" --machine
expect_rc 3
expect_err "kmm record: sh -> $TMP/t"

# map
run map extra
expect_usage_error "kmm map: unexpected argument 'extra'"
run map --machine 'mem=foo'
expect_usage_error "kmm map: bad value 'mem=foo' for --machine"
run map --machine 'mem=1G' -o "$TMP/m.svg" --output "$TMP/n.svg"
expect_usage_error "option --output given twice"
run map --machine 'mem=256M' -o "$TMP/m.svg"
expect_rc 0
expect_out_empty
check
grep -q "<svg" "$TMP/m.svg" || fail "no SVG written"

finish
