#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/test_demo.sh - the demo tour runs with pcp=0 appended and says
# so; a user's own pcp= is never overridden silently.
. "$(dirname "$0")/lib.sh"

run demo
expect_rc 0
expect_out "pcp=0 was appended"
expect_out "== Per-CPU page lists (pcp) =="
expect_out "rmqueue_bulk"

run demo --machine 'mem=1G pcp=1'
expect_rc 0
expect_out "Your machine string says pcp=1; the tour appended pcp=0, which overrides"
expect_out "rmqueue_bulk"

run demo --machine 'mem=1G pcp=0'
expect_rc 0
expect_out "pcp=0 as in your machine string"
expect_out "Your machine string says pcp=0: this machine has no per-CPU page lists"
expect_no_out "rmqueue_bulk"

finish
