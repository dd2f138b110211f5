#!/usr/bin/env bash
# scripts/test.sh - the whole test suite, as CI runs it:
#   1. Debug build (internal assertions on) and every CTest test,
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the threaded tests built with ThreadSanitizer,
#   4. a Release build with gcc of every target and every CTest test,
#   5. every other build type with gcc and clang, built warning-free (-Werror),
#   6. smoke runs of the Release build: every `kmm stat` report, `kmm demo`,
#      `kmm slabtop`, and every `kmm bench` suite with --json (valid JSON),
#   7. the Debian packages (scripts/deb.sh --ci): built, lintian-clean,
#      installed with apt, examples/*.c built and run against them with
#      pkg-config and find_package(kmm), removed again.
#   8. each libFuzzer target for KMM_FUZZ_SECONDS (60) under ASan + UBSan (fuzz_api from
#      its short corpus inputs: the CTests replay the whole corpora).
# The Debug builds have internal assertions and lock-order checking on (KMM_DEBUG_CHECKS).
# Every build passes -DKMM_WERROR=ON (users' builds default to OFF).
# Installs missing Debian packages first (libcmocka-dev, cmake, clang ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs="$(nproc)"
run_suite() { # name, cmake args..., -- ctest args...
  local name="$1"; shift
  local cargs=() targs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  targs=("$@")
  echo "=== $name ==="
  cmake -S . -B "build/$name" -DKMM_WERROR=ON -DBUILD_TESTING=ON "${cargs[@]}" >/dev/null
  cmake --build "build/$name" -j"$jobs" >/dev/null
  (cd "build/$name" && ctest --output-on-failure -j"$jobs" "${targs[@]}")
}
run_suite debug -DCMAKE_BUILD_TYPE=Debug
run_suite sanitize -DCMAKE_BUILD_TYPE=Debug -DKMM_SANITIZE=address,undefined -- -LE static
run_suite tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DKMM_SANITIZE=thread -- -L threads
run_suite release-gcc -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc
echo "=== warnings: every build type, gcc and clang ==="
for cc in gcc clang; do
  for bt in Debug Release RelWithDebInfo MinSizeRel; do
    case "$cc/$bt" in gcc/Debug | gcc/Release) continue ;; esac # built above
    echo "--- $cc $bt"
    cmake -S . -B "build/warn-$cc-$bt" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE="$bt" -DKMM_WERROR=ON >/dev/null
    cmake --build "build/warn-$cc-$bt" -j"$jobs" >/dev/null
  done
done
echo "=== release smoke ==="
rel=build/release-gcc
for r in buddyinfo zoneinfo meminfo pagetypeinfo vmstat unusable_index extfrag_index slabinfo; do
  $rel/kmm stat "$r" --machine "mem=8G nr_cpus=2" >/dev/null
done
$rel/kmm demo >/dev/null
$rel/kmm slabtop >/dev/null
# every benchmark suite runs and prints exactly one JSON object (timings are not checked here)
for suite in pages zones smp slab reclaim trace vmalloc; do
  out="$rel/bench-$suite.json"
  $rel/kmm bench "$suite" --json --seconds 0.01 >"$out" 2>/dev/null
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["suite"] == sys.argv[2] and d["results"]' "$out" "$suite"
    # trace: the disabled hooks' cost is measured (libkmm.so against libkmm-notrace.so)
    [ "$suite" != trace ] || python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert {r["impl"] for r in d["results"] if not r.get("absent")} >= {"so-hooks", "so-nohook"} and "trace_off_cost_ns_page_pair_order0" in d["figures"]' "$out"
  else
    [ "$(head -c 1 "$out")" = "{" ] && grep -q '"results"' "$out"
  fi
done
# kmm bench compaction (figures only): compaction must beat grouping alone, no data lost
out="$rel/bench-compaction.json"
$rel/kmm bench compaction --json >"$out" 2>/dev/null
if command -v python3 >/dev/null; then
  python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["figures"]; assert f["order9_free_blocks_compaction"] > f["order9_free_blocks_grouping"] >= f["order9_free_blocks_neither"] and f["checksum_failures"] == 0 and f["contig_64m_ok"] == 1 and f["contig_64m_blocked_lost_pages"] == 0' "$out"
else
  [ "$(head -c 1 "$out")" = "{" ] && grep -q '"figures"' "$out"
fi
# kmm replay: the shared Linux 6.18 trace on the default machine and two other
# shapes (summary, JSON, HTML report), compare mode, and kmm map
trace=tests/data/linux-6.18-kmem-git-tar.trace.xz
$rel/kmm replay "$trace" --quiet --report $rel/replay.html | grep 'kmm_check: 0 problems' >/dev/null
for shape in "mem=24M" "mem=256M nr_cpus=4 numa=fake=2"; do
  $rel/kmm replay "$trace" --machine "$shape" --json >$rel/replay.json
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["replay"]; assert d["kmm_check"] == 0 and d["events_total"] == 37885' $rel/replay.json
  fi
done
$rel/kmm replay "$trace" --machine mem=24M --vs-machine "mem=2G page_group_by_mobility=0" --quiet >/dev/null
$rel/kmm map --machine "mem=8G" -o $rel/map.svg
echo "=== debian packages ==="
scripts/deb.sh --ci
# 8. each libFuzzer target for a bounded time (KMM_FUZZ_SECONDS, default 60) under ASan+UBSan
#    with the debug checks on, starting from its corpus; a crash fails the stage (docs/testing.md)
echo "=== fuzz ==="
fuzz_secs="${KMM_FUZZ_SECONDS:-60}"
cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKMM_DEBUG_CHECKS=ON -DCMAKE_C_COMPILER=clang \
  -DKMM_FUZZ=ON -DKMM_SANITIZE=address,undefined >/dev/null
cmake --build build/fuzz -j"$jobs" --target fuzz_api fuzz_machine fuzz_trace >/dev/null
# The box is for new inputs: the whole corpora are replayed by the fuzz_*_corpus CTests of the
# Debug, ASan and Release stages, so fuzz_api starts from the corpus inputs of at most
# KMM_FUZZ_SEED_BYTES (256) bytes: its long inputs (about 0.1-0.5 s each with the checker after
# every operation) would otherwise take the whole box to replay (docs/testing.md).
seed_bytes="${KMM_FUZZ_SEED_BYTES:-256}"
for t in api machine trace; do
  mkdir -p "build/fuzz/work-$t" build/fuzz/crashes
  seeds="fuzz/corpus/$t"
  if [ "$t" = api ]; then
    seeds="build/fuzz/seeds-$t"
    rm -rf "$seeds" && mkdir -p "$seeds"
    find "fuzz/corpus/$t" -type f -size -"$((seed_bytes + 1))"c -exec cp {} "$seeds/" \;
    echo "fuzz_$t: $(ls "$seeds" | wc -l) of $(ls "fuzz/corpus/$t" | wc -l) corpus inputs as seeds (<= $seed_bytes bytes)"
  fi
  if ! "build/fuzz/fuzz/fuzz_$t" "build/fuzz/work-$t" "$seeds" -max_total_time="$fuzz_secs" -max_len=4096 \
      -artifact_prefix=build/fuzz/crashes/ -print_final_stats=1 >"build/fuzz/fuzz_$t.log" 2>&1; then
    tail -60 "build/fuzz/fuzz_$t.log"
    echo "fuzz_$t crashed: the input is in build/fuzz/crashes/ (keep it in fuzz/corpus/$t/ once fixed)"
    exit 1
  fi
  echo "fuzz_$t: $(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "build/fuzz/fuzz_$t.log" | tr '\n' ' ')"
done
echo "all test stages passed"
