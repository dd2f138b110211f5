#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/test_bench.sh - kmm bench prints nothing on stdout unless every
# suite ran; `zones` measures the --machine it is given; every table and
# JSON says which SMP mode ran; struct_page_bytes is labelled a compile-time
# constant; --markdown; no thread is created inside timed repetitions;
# `trace` times the tracepoints compiled in (off) against compiled out.
# Timings are never checked (tiny --seconds: this tests the command).
# Usage: test_bench.sh KMM [THREAD_COUNTER.so]
. "$(dirname "$0")/lib.sh"
COUNTER="${2:-}"
FAST=(--seconds 0.001 --reps 5)

json_get() { # file python-expression-on-d
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"
}
have_python() { command -v python3 >/dev/null; }

# a machine that boots but on which a suite cannot run: nothing on stdout, exit 1
run bench zones "${FAST[@]}" --machine 'mem=48M'
expect_rc 1
expect_out_empty
expect_err "numa=fake=2"
expect_err "nothing printed on stdout because a suite failed"
run bench zones "${FAST[@]}" --json --machine 'mem=48M'
expect_rc 1
expect_out_empty

# zones honours --machine, and reports the mode
run bench zones "${FAST[@]}" --json --machine 'mem=512M nr_cpus=2'
expect_rc 0
expect_out '"machine": "mem=512M nr_cpus=2 pcp=0"'
expect_out '"smp_mode": "'
if have_python; then
	check
	mode=$(json_get "$TMP/out" 'd["smp_mode"]') || fail "not JSON"
	case "$mode" in rseq | cas) ;; *) fail "smp_mode '$mode'" ;; esac
	check
	[ "$(json_get "$TMP/out" 'len(d["results"])')" -eq 3 ] || fail "zones: not 3 results"
fi
run bench zones "${FAST[@]}" --machine 'mem=512M nr_cpus=2 numa=fake=2'
expect_rc 0
expect_out "machine: mem=512M nr_cpus=2 numa=fake=2 pcp=0    smp mode: "
expect_out "zone_remote_order0: on 'mem=512M nr_cpus=2 numa=fake=2 pcp=0',"
# one CPU on a host with more: CAS mode, and the table says so
if [ "$(getconf _NPROCESSORS_CONF)" -gt 1 ]; then
	run bench zones "${FAST[@]}" --machine 'mem=512M nr_cpus=1'
	expect_rc 0
	expect_out "smp mode: cas"
fi

# struct_page_bytes is a constant, in the table and in the JSON
run bench pages "${FAST[@]}" --machine 'mem=512M'
expect_rc 0
expect_out "struct_page_bytes"
expect_out "(compile-time constant, not measured)"
expect_out "smp mode: "
run bench pages "${FAST[@]}" --json --machine 'mem=512M'
expect_rc 0
expect_out '"constants": ["struct_page_bytes"]'
if have_python; then
	check
	json_get "$TMP/out" 'd["figures"]["struct_page_bytes"]' >/dev/null || fail "no struct_page_bytes figure"
fi

# --markdown: the README's tables, with the machine and the mode
run bench zones "${FAST[@]}" --markdown --machine 'mem=512M nr_cpus=2'
expect_rc 0
expect_out "machine \`mem=512M nr_cpus=2 pcp=0\`, smp mode **"
expect_out "| result | thr | kmm |"
expect_out "| zones: zone_fast_order0 | 1 |"
expect_out "| order9_free_blocks_grouped |"

# threads come from a persistent pool: none is created per repetition
if [ -n "$COUNTER" ]; then
	for suite in slab smp; do
		last="kmm bench $suite --threads 3 (threads created)"
		rm -f "$TMP/threads"
		KMM_COUNT_THREADS_FILE="$TMP/threads" LD_PRELOAD="$COUNTER" \
			"$KMM" bench "$suite" "${FAST[@]}" --threads 3 --machine 'mem=512M nr_cpus=2' \
			>"$TMP/out" 2>"$TMP/err"
		rc=$?
		expect_rc 0
		check
		n=$(cat "$TMP/threads" 2>/dev/null || echo missing)
		[ "$n" = 3 ] || fail "$n threads created, expected the 3 of one pool"
	done
fi

# the disabled tracepoints' cost is measured: libkmm.so (hooks in, off) and
# libkmm-notrace.so (hooks compiled out) side by side, and the difference
# is a figure computed from this run's medians, not a constant
if [ "${KMM_TEST_TRACEPOINTS:-1}" = 0 ]; then
	echo "KMM_TRACEPOINTS=OFF: no hooks, the disabled-cost checks are skipped"
	finish
fi
run bench trace "${FAST[@]}" --json
expect_rc 0
check
json_get "$TMP/out" '[(r["name"], r["impl"]) for r in d["results"] if not r.get("absent") and r["ns_per_op"] > 0]' >"$TMP/impls"
for pat in page_pair_order0 kmalloc_pair_64 cache_pair_64; do
	for impl in kmm kmm+trace so-hooks so-nohook; do
		check
		grep -qF "('$pat', '$impl')" "$TMP/impls" || fail "no measured $pat/$impl"
	done
	check
	json_get "$TMP/out" '"%.3f" % (d["figures"]["trace_off_cost_ns_'$pat'"] - ([r["ns_per_op"] for r in d["results"] if r["name"] == "'$pat'" and r["impl"] == "so-hooks"][0] - [r["ns_per_op"] for r in d["results"] if r["name"] == "'$pat'" and r["impl"] == "so-nohook"][0]))' >"$TMP/diff" 2>&1 || fail "no trace_off_cost_ns_$pat figure"
	grep -Eqx -- '-?0\.00[0-9]' "$TMP/diff" || fail "trace_off_cost_ns_$pat is not so-hooks - so-nohook: $(cat "$TMP/diff")"
	check
	json_get "$TMP/out" '"trace_off_cost_ns_'$pat'" in d.get("constants", [])' | grep -qx False ||
		fail "trace_off_cost_ns_$pat labelled a constant"
done

finish
