#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/test_progress.sh - long runs show a one-line progress bar on
# stderr when it is a terminal (run under script(1) for a pty), never with
# --quiet, never when stderr is not a terminal, and never on stdout.
. "$(dirname "$0")/lib.sh"
CR=$'\r'

if ! command -v script >/dev/null; then
	echo "script(1) not found: the terminal cases are skipped"
else
	# stdout goes to a file, stderr to the pty that script records
	# the suite that used to sit silent for 20 s on a terminal
	last="kmm bench pages on a terminal"
	script -qec "'$KMM' bench pages --seconds 0.02 --machine 'mem=512M' >'$TMP/out'" \
		"$TMP/tty" >/dev/null 2>&1
	rc=$?
	expect_rc 0
	expect_out "alloc_free_order0"
	expect_no_out "$CR"
	check
	grep -q "kmm bench pages .*alloc_free_order" "$TMP/tty" || fail "no progress bar on the terminal"
	check
	grep -q "\[#*\.*\]" "$TMP/tty" || fail "no bar drawn"
	check
	grep -q "boot_ms_mem64g: boot" "$TMP/tty" || fail "the boot timings show no progress"
	for q in "--quiet" "-q"; do
		last="kmm bench zones $q on a terminal"
		script -qec "'$KMM' bench zones --seconds 0.02 --machine 'mem=512M' $q >'$TMP/out'" \
			"$TMP/tty" >/dev/null 2>&1
		rc=$?
		expect_rc 0
		expect_out "zone_fast_order0"
		check
		! grep -q "kmm bench zones " "$TMP/tty" || fail "a progress bar despite $q"
		check
		# the terminal ends every line with CR LF; a bar is a CR inside a line
		! grep -q "$CR." "$TMP/tty" || fail "a line redrawn on the terminal despite $q"
	done

	# kmm replay: the same bar (tools/kmm/progress.c), none with -q/--quiet
	TRACE="$(cd "$(dirname "$0")/../data" && pwd)/linux-6.18-kmem-git-tar.trace.xz"
	last="kmm replay on a terminal"
	script -qec "'$KMM' replay '$TRACE' --no-pin --machine 'mem=512M' >'$TMP/out'" \
		"$TMP/tty" >/dev/null 2>&1
	rc=$?
	expect_rc 0
	expect_out "kmm_check: 0 problems"
	expect_no_out "$CR"
	check
	grep -q "kmm replay \[[#.]*\] [0-9]*:[0-9][0-9] [0-9]*/37897 lines" "$TMP/tty" ||
		fail "no shared progress bar on the terminal"
	for q in "--quiet" "-q"; do
		last="kmm replay $q on a terminal"
		script -qec "'$KMM' replay '$TRACE' --no-pin --machine 'mem=512M' $q >'$TMP/out'" \
			"$TMP/tty" >/dev/null 2>&1
		rc=$?
		expect_rc 0
		expect_out "kmm_check: 0 problems"
		check
		! grep -q "lines/s" "$TMP/tty" || fail "a progress bar despite $q"
		check
		! grep -q "$CR." "$TMP/tty" || fail "a line redrawn on the terminal despite $q"
	done
fi

# not a terminal: not a single carriage return or bar on stderr
run bench pages --seconds 0.005 --machine 'mem=512M'
expect_rc 0
expect_no_err "$CR"
expect_no_err "kmm bench pages ["
expect_no_out "$CR"
run replay "$(cd "$(dirname "$0")/../data" && pwd)/linux-6.18-kmem-git-tar.trace.xz" --no-pin
expect_rc 0
expect_no_err "$CR"
expect_no_err "kmm replay ["

finish
