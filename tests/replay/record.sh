#!/usr/bin/env bash
# tests/replay/record.sh KMM RECORD_PROG WORKDIR - a trace kmm records replays to
# the same final state: record_prog runs under `kmm record`, writes its final
# buddyinfo/pagetypeinfo/slabinfo; `kmm replay --final-state` must write the
# same bytes. Also: the trace has kmm's header, and a second recording of the
# same program is identical (kmm is deterministic).
set -euo pipefail
kmm="$1"; prog="$2"; dir="$3"
mkdir -p "$dir"; cd "$dir"
rm -f rec.trace rec2.trace prog.state replay.state
"$kmm" record -o rec.trace -- "$prog" prog.state
head -1 rec.trace | grep -qx '# kmm-trace version 1'
sed -n 2p rec.trace | grep -q '^# machine: '
events=$(grep -vc '^#' rec.trace)
[ "$events" -gt 10000 ] || { echo "only $events events recorded"; exit 1; }
for ev in mm_page_alloc mm_page_free kmalloc kfree kmem_cache_alloc; do
  grep -q " $ev: " rec.trace || { echo "no $ev events"; exit 1; }
done
"$kmm" replay rec.trace --quiet --final-state replay.state > replay.out
grep -q 'kmm_check: 0 problems' replay.out
grep -q '^unmatched frees (allocated before the trace) *0' replay.out
grep -q '^allocation failures *0' replay.out
if ! cmp -s prog.state replay.state; then
  echo "final state differs:"; diff prog.state replay.state | head -40; exit 1
fi
# the state is not trivially equal: the program left pages and objects allocated
grep -q rec_cache replay.state
# the JSON agrees: nothing unmatched, nothing implicit
"$kmm" replay rec.trace --json > replay.json
python3 - replay.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["replay"]
assert d["kmm_check"] == 0, d
assert sum(d["unmatched_free"].values()) == 0, d["unmatched_free"]
assert d["implicit_free"] == 0 and d["batched_echo"] == 0, d
assert d["live_page_blocks"] > 0 and d["live_objects"] > 0, d
PY
# and the comparison can fail: without per-CPU page lists the state is another
"$kmm" replay rec.trace --quiet --machine "mem=4G nr_cpus=2 pcp=0" --final-state other.state >/dev/null
if cmp -s prog.state other.state; then echo "pcp=0 replay gave the same state"; exit 1; fi
echo "record: $events events replayed to the same final state"
