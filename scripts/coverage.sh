#!/usr/bin/env bash
# scripts/coverage.sh - line and branch coverage of the core (src/ minus
# src/platform, src/linux and src/malloc) from the whole CTest suite, fuzz corpus replays
# included. gcc --coverage build in build/coverage, Debug without the debug
# checks (their never-taken assertion branches would count as uncovered),
# gcov's JSON output summed by a short Python script: no gcovr/lcov needed.
# Prints one line per file (worst first) and the totals; with --json FILE also
# writes them as JSON. docs/testing.md quotes the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
json_out=""
if [ "${1:-}" = "--json" ]; then json_out="$2"; fi
scripts/deps.sh test >/dev/null
jobs="$(nproc)"
dir=build/coverage
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc -DKMM_DEBUG_CHECKS=OFF -DKMM_KERNEL=OFF \
  -DCMAKE_C_FLAGS="--coverage -fprofile-update=atomic" -DCMAKE_EXE_LINKER_FLAGS=--coverage \
  -DCMAKE_SHARED_LINKER_FLAGS=--coverage >/dev/null
cmake --build "$dir" -j"$jobs" >/dev/null
find "$dir" -name '*.gcda' -delete
(cd "$dir" && ctest -j"$jobs" -LE static --output-on-failure >/dev/null)
objdir="$dir/CMakeFiles/kmm_core.dir/src"
rm -rf "$dir/gcov" && mkdir -p "$dir/gcov"
# gcov wants each object's own directory: run it per object file
(cd "$dir/gcov" && find "$OLDPWD/$objdir" -name '*.gcda' | while read -r f; do
  gcov -b -j -p -o "$(dirname "$f")" "$f" >/dev/null 2>&1 || true
done)
python3 - "$PWD" "$dir/gcov" "$json_out" <<'PY'
import gzip, json, os, sys
root, gdir, out = sys.argv[1], sys.argv[2], sys.argv[3]
files = {}
for name in os.listdir(gdir):
    if not name.endswith('.gcov.json.gz'):
        continue
    data = json.load(gzip.open(os.path.join(gdir, name)))
    for f in data['files']:
        path = os.path.relpath(os.path.join(data.get('current_working_directory', ''), f['file']), root)
        if not path.startswith('src/') or path.startswith(('src/platform/', 'src/linux/', 'src/malloc/')):
            continue
        lines = files.setdefault(path, {})
        for l in f['lines']:
            n = l['line_number']
            cnt, br = lines.get(n, (0, []))
            bs = [b['count'] for b in l.get('branches', [])]
            if br and len(br) == len(bs):
                bs = [a + b for a, b in zip(br, bs)]
            elif br:
                bs = br if len(br) > len(bs) else bs
            lines[n] = (cnt + l['count'], bs)
rows = []
tl = tc = tb = tbc = 0
for path, lines in sorted(files.items()):
    nl = len(lines); cl = sum(1 for c, _ in lines.values() if c > 0)
    nb = sum(len(b) for _, b in lines.values()); cb = sum(1 for _, b in lines.values() for x in b if x > 0)
    rows.append((path, nl, cl, nb, cb))
    tl += nl; tc += cl; tb += nb; tbc += cb
pct = lambda a, b: 100.0 * a / b if b else 100.0
for path, nl, cl, nb, cb in sorted(rows, key=lambda r: pct(r[2], r[1])):
    print(f"{pct(cl, nl):6.1f}% lines {cl:5d}/{nl:<5d} {pct(cb, nb):6.1f}% branches {cb:5d}/{nb:<5d} {path}")
print(f"TOTAL core: {pct(tc, tl):.1f}% lines ({tc}/{tl}), {pct(tbc, tb):.1f}% branches ({tbc}/{tb})")
if out:
    json.dump({"lines": [tc, tl], "branches": [tbc, tb],
               "files": {p: {"lines": [cl, nl], "branches": [cb, nb]} for p, nl, cl, nb, cb in rows}},
              open(out, "w"), indent=1)
PY
