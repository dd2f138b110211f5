#!/usr/bin/env bash
# tests/replay/cli.sh KMM DATA_DIR WORKDIR - kmm replay as a command, on the
# shared Linux 6.18 trace: plain, gzip and xz input give the same replay;
# the default machine and two other shapes give summaries and JSON whose
# counts agree with the trace (counted here independently) and with each
# other; compare mode; malformed lines fail with their line number unless
# --lenient; unknown events are counted; kmm map draws a valid SVG.
set -euo pipefail
kmm="$1"; data="$2"; dir="$3"
mkdir -p "$dir"; cd "$dir"
xz -dc "$data/linux-6.18-kmem-git-tar.trace.xz" > t.trace
gzip -c t.trace > t.trace.gz
cp "$data/linux-6.18-kmem-git-tar.trace.xz" t.trace.xz

strip_times() { python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
def strip(x):
    for k in ("seconds", "events_per_second", "cpu_seconds", "events_per_cpu_second", "cpu_moves"):
        x.pop(k, None)
for k in ("replay", "a", "b"):
    if k in d: strip(d[k])
d.pop("trace")
print(json.dumps(d, sort_keys=True))' "$1"; }

for f in t.trace t.trace.gz t.trace.xz; do
  "$kmm" replay "$f" --json > "$f.json"   # pinned: events on the trace's CPUs, deterministic
  strip_times "$f.json" > "$f.norm"
done
cmp t.trace.norm t.trace.gz.norm
cmp t.trace.norm t.trace.xz.norm

# three machine shapes: JSON invariants against an independent count of the trace
for shape in "" "mem=24M" "mem=256M nr_cpus=4 numa=fake=2"; do
  args=(); [ -n "$shape" ] && args=(--machine "$shape")
  "$kmm" replay t.trace.xz "${args[@]}" --json --quiet > shape.json
  "$kmm" replay t.trace.xz "${args[@]}" --quiet > shape.txt
  grep -q '^kmm_check: 0 problems' shape.txt
  grep -q '^final /proc/buddyinfo' shape.txt
  grep -q '^throughput' shape.txt
  grep -q 'fragmentation over time' shape.txt
  python3 - shape.json t.trace "$shape" <<'PY'
import json, re, sys, collections
d = json.load(open(sys.argv[1]))["replay"]
count = collections.Counter()
for line in open(sys.argv[2]):
    m = re.search(r"\] \S+ +\d+\.\d+: (\w+):", line)
    if m: count[m.group(1)] += 1
for ev, n in d["events"].items():
    assert count[ev] == n, (ev, count[ev], n)
assert d["events_total"] == sum(count.values()) == 37885
shape = sys.argv[3] or "mem=4G nr_cpus=2"
assert all(tok in d["machine"] for tok in shape.split()), (shape, d["machine"])
ev, um, mf = d["events"], d["unmatched_free"], d["matched_free"]
assert ev["mm_page_free"] == mf["mm_page_free"] + um["mm_page_free"]
assert ev["mm_page_free_batched"] == mf["mm_page_free_batched"] + um["mm_page_free_batched"] + d["batched_echo"]
assert ev["mm_page_alloc"] == d["live_page_blocks"] + mf["mm_page_free"] + mf["mm_page_free_batched"] + d["implicit_free_pages"]
assert ev["kmalloc"] + ev["kmem_cache_alloc"] == d["live_objects"] + mf["kfree"] + mf["kmem_cache_free"] + d["implicit_free"] - d["implicit_free_pages"]
assert ev["kfree"] + ev["kmem_cache_free"] == mf["kfree"] + mf["kmem_cache_free"] + um["kfree"] + um["kmem_cache_free"] + d["kfree_null"]
assert d["failures"] == sum(d["failures_by_order"]) + d["failures_objects"]
assert d["kmm_check"] == 0 and d["unknown_events"] == 0
assert 0 < d["peak_pages"] <= d["peak_used_pages"] <= d["managed_pages"]
assert d["peak_slab_pages"] > 0
for z in d["zones"]:
    assert z["min"] <= z["low"] <= z["high"]
    assert sum(n << o for o, n in enumerate(z["buddyinfo"])) == z["free_pages"], z
print("shape %-36s ok: %d unmatched frees, %d failures" % (repr(shape), sum(um.values()), d["failures"]))
PY
done

# compare mode: side by side, and a JSON object per machine
"$kmm" replay t.trace.xz --machine mem=24M --vs-machine "mem=2G page_group_by_mobility=0" --quiet > cmp.txt
grep -q 'B - A' cmp.txt
grep -q 'machine A: mem=24M' cmp.txt
grep -q 'machine B: mem=2G' cmp.txt
grep -q '^final /proc/buddyinfo (B)' cmp.txt
"$kmm" replay t.trace.xz --machine mem=24M --vs-machine mem=2G --json > cmp.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["a"]["managed_pages"] < d["b"]["managed_pages"]' cmp.json

# malformed: the line number, or skipped with --lenient; unknown events counted
{ sed -n 1,99p t.trace; echo "  rm-1 [000] ..... 1.0: kfree: ptr=nothex"; sed -n '100,$p' t.trace;
  echo "  rm-1 [000] ..... 999.0: sched_switch: prev_comm=rm"; } > bad.trace
if "$kmm" replay bad.trace --quiet > /dev/null 2> bad.err; then echo "malformed trace accepted"; exit 1; fi
grep -q 'line 100: bad ptr' bad.err
"$kmm" replay bad.trace --lenient --json > lenient.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["replay"]; assert d["malformed_skipped"] == 1 and d["unknown_events"] == 1, d' lenient.json
if "$kmm" replay does-not-exist.trace 2> missing.err; then exit 1; fi
grep -q 'does-not-exist.trace' missing.err
head -c 5000 t.trace.xz > cut.xz
if "$kmm" replay cut.xz 2> cut.err; then echo "truncated xz accepted"; exit 1; fi
grep -qi 'corrupt\|truncated' cut.err

# an option a command does not use is refused, not ignored
if "$kmm" record --json -o x.trace -- true 2> opt.err; then echo "record accepted --json"; exit 1; fi
grep -q -- "kmm record: unknown option '--json'" opt.err
if "$kmm" replay t.trace.xz -o x 2> opt.err; then echo "replay accepted -o"; exit 1; fi

# the page-frame map of a fresh and of a replayed machine
"$kmm" map --machine "mem=1G memmap=64M\$256M" -o fresh.svg
"$kmm" map --trace t.trace.xz --machine mem=24M -o replayed.svg
python3 - fresh.svg replayed.svg <<'PY'
import sys, xml.etree.ElementTree as ET
for f in sys.argv[1:]:
    root = ET.parse(f).getroot()
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") in ("pb", "reserved", "hole")]
    assert rects, f
fresh = ET.parse(sys.argv[1]).getroot()
reserved = [r for r in fresh.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "reserved"]
assert len(reserved) >= 32, len(reserved)   # the 64M memmap= reservation: 32 pageblocks
# the legend names every migratetype a cell can have, CMA and Isolate included
legend = [t.text for t in fresh.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "legend"]
for mt in ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"):
    assert mt in legend, (mt, legend)
PY
echo "cli: all checks passed"
