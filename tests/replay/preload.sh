#!/usr/bin/env bash
# tests/replay/preload.sh KMM PLAIN_PROG WORKDIR - kmm record and kmm top for
# programs not linked with kmm, under libkmm-malloc (--preload): the recorder
# is reached from libkmm-malloc's machine, the trace holds exactly what the
# program allocated (not its forked child's allocations), and kmm replay
# reads it back with kmm_check clean. /bin/ls is recorded too.
set -euo pipefail
kmm="$1"; prog="$2"; dir="$3"
mkdir -p "$dir"; cd "$dir"
rm -f *.trace *.out *.err
fail() { echo "FAIL: $*"; exit 1; }

# without --preload a plain program writes nothing: the reason is named
if "$kmm" record -o none.trace -- "$prog" > none.out 2> none.err; then
  fail "kmm record without --preload succeeded"
fi
grep -q 'wrote no trace to none.trace' none.err || fail "no explanation: $(cat none.err)"

"$kmm" record -o prog.trace --preload --machine 'mem=512M' -- "$prog" > prog.out
grep -qx 'plain_prog done' prog.out || fail "the program did not run to its end"
head -1 prog.trace | grep -qx '# kmm-trace version 1' || fail "no kmm-trace header"
# libkmm-malloc's machine boots with one memory block and may grow to mem=
sed -n 2p prog.trace | grep -q '^# machine: memmap=exactmap memmap=128M@4G .* maxmem=4608M ' ||
  fail "not libkmm-malloc's machine: $(sed -n 2p prog.trace)"
n=$(grep -c ' kmalloc: .* bytes_req=40009 ' prog.trace || true)
[ "$n" -eq 100 ] || fail "$n kmalloc events of 40009 bytes, expected 100"
n=$(grep -c ' kmem_cache_alloc: .* name=malloc-48 ' prog.trace || true)
[ "$n" -ge 300 ] || fail "$n kmem_cache_alloc events from malloc-48, expected at least 300"
grep -q ' kfree: ' prog.trace || fail "no kfree events"
# the forked child's allocations are its own: not in the parent's trace
! grep -q 'bytes_req=50021 ' prog.trace || fail "the forked child's events are in the trace"
grep -q ' plain_prog-' prog.trace || fail "events not named after the program"

"$kmm" replay prog.trace --json > prog.json
python3 - prog.json prog.trace <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["replay"]
events = sum(1 for l in open(sys.argv[2]) if not l.startswith("#"))
assert d["kmm_check"] == 0, d
assert d["events_total"] == events, (d["events_total"], events)
assert d["failures"] == 0, d
assert d["malformed_skipped"] == 0 and d["unknown_events"] == 0, d
PY
"$kmm" replay prog.trace --quiet | grep 'kmm_check: 0 problems' >/dev/null

# a program whose machine grew while it was recorded (200 MB of 4 KB blocks):
# the replay machine grows the same way and serves every allocation
"$kmm" record -o grow.trace --preload --machine 'mem=1G' -- \
  python3 -c 'l = [bytearray(4000) for _ in range(50000)]; print(len(l))' > grow.out
grep -qx 50000 grow.out || fail "the growing program did not finish: $(cat grow.out)"
"$kmm" replay grow.trace --json > grow.json
python3 - grow.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["replay"]
assert d["kmm_check"] == 0, d
assert d["failures"] == 0, d
assert d["grown_blocks"] >= 1, d
PY

# a program nobody built for kmm
"$kmm" record -o ls.trace --preload --machine 'mem=512M' -- /bin/ls -l / > ls.out
[ -s ls.out ] || fail "ls printed nothing"
grep -q ' kmem_cache_alloc: ' ls.trace || fail "no allocations of ls recorded"
"$kmm" replay ls.trace --quiet | grep 'kmm_check: 0 problems' >/dev/null

# kmm top -- PROGRAM replays the program's events as they come
"$kmm" top --preload --machine 'mem=512M' -- "$prog" > top.out 2> top.err </dev/null
grep -Eq "kmm top: .*plain_prog: [1-9][0-9]* lines, 0 failures" top.out ||
  fail "kmm top did not see the program: $(tail -c 300 top.out)"

# a libkmm-malloc that is not there is named
if KMM_MALLOC_LIB=/nonexistent/libkmm-malloc.so "$kmm" record -o x.trace --preload -- "$prog" \
  2> nolib.err; then
  fail "a missing libkmm-malloc accepted"
fi
grep -q "/nonexistent/libkmm-malloc.so" nolib.err || fail "$(cat nolib.err)"
echo "preload: ok"
