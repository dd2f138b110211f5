#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/test_machine.sh - a refused --machine is reported quoting exactly
# what the user typed (never a string the tool built from it, like the
# demo's "... pcp=0"), with the machine's own message naming the token;
# exit 2 and nothing on stdout.
. "$(dirname "$0")/lib.sh"

for sub in "stat buddyinfo" demo slabtop "bench pages" "bench zones"; do
	# shellcheck disable=SC2086
	run $sub --machine 'mem=foo'
	expect_usage_error "kmm ${sub%% *}: bad value 'mem=foo' for --machine: bad size in 'mem=foo'"
	expect_no_err "pcp=0"
	# shellcheck disable=SC2086
	run $sub --machine 'mem=1G  nr_cpus=0'
	expect_usage_error "bad value 'mem=1G  nr_cpus=0' for --machine: bad value in 'nr_cpus=0'"
	# shellcheck disable=SC2086
	run $sub --machine 'mem=16M'
	expect_usage_error "bad value 'mem=16M' for --machine: 'mem=16M' leaves"
	# shellcheck disable=SC2086
	run $sub --machine 'mem=16T'
	expect_usage_error "'mem=16T' puts memory beyond 16T"
done

# the $ of a reservation survives: the message shows what was typed
run stat buddyinfo --machine 'mem=1G memmap=64M$100G'
expect_usage_error "bad value 'mem=1G memmap=64M\$100G' for --machine: 'memmap=64M\$100G' reserves"
run stat buddyinfo --machine 'mem=64M numa=fake=08'
expect_usage_error "'numa=fake=08': each node needs at least 32M"

finish
