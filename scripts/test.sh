#!/usr/bin/env bash
# scripts/test.sh - the whole test suite, as CI runs it:
#   1. Debug build (internal assertions on) and every CTest test,
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the threaded tests built with ThreadSanitizer,
#   4. smoke runs of the Release build: every `kmm stat` report, `kmm demo`,
#      `kmm slabtop`, and every `kmm bench` suite with --json (valid JSON).
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
  cmake -S . -B "build/$name" "${cargs[@]}" >/dev/null
  cmake --build "build/$name" -j"$jobs" >/dev/null
  (cd "build/$name" && ctest --output-on-failure -j"$jobs" "${targs[@]}")
}
run_suite debug -DCMAKE_BUILD_TYPE=Debug
run_suite sanitize -DCMAKE_BUILD_TYPE=Debug -DKMM_SANITIZE=address,undefined -- -LE static
run_suite tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DKMM_SANITIZE=thread -- -L threads
echo "=== release smoke ==="
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" --target kmm >/dev/null
for r in buddyinfo zoneinfo meminfo pagetypeinfo vmstat unusable_index extfrag_index slabinfo; do
  build/release/kmm stat "$r" --machine "mem=8G nr_cpus=2" >/dev/null
done
build/release/kmm demo >/dev/null
build/release/kmm slabtop >/dev/null
# every benchmark suite runs and prints exactly one JSON object (timings are not checked here)
for suite in pages zones smp slab reclaim; do
  out="build/release/bench-$suite.json"
  build/release/kmm bench "$suite" --json --seconds 0.01 >"$out" 2>/dev/null
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["suite"] == sys.argv[2] and d["results"]' "$out" "$suite"
  else
    [ "$(head -c 1 "$out")" = "{" ] && grep -q '"results"' "$out"
  fi
done
echo "all test stages passed"
