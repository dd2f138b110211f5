#!/usr/bin/env bash
# tests/replay/report_browser.sh KMM DATA_DIR WORKDIR - the HTML report renders
# in a real browser: headless Chromium loads it, its only script (which
# measures every chart after load) reports every chart visible, the console
# shows no script error, and a screenshot shows drawn charts (png_check.py).
# Skips (exit 77) only when no Chromium is installed; scripts/deps.sh test
# installs Debian's chromium.
set -euo pipefail
kmm="$1"; data="$2"; dir="$3"; here="$(cd "$(dirname "$0")" && pwd)"
browser=""
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null && { browser="$b"; break; }
done
if [ -z "$browser" ]; then
  echo "SKIP: no chromium installed (scripts/deps.sh test installs Debian's chromium)"
  exit 77
fi
mkdir -p "$dir"; cd "$dir"
run_browser() { # url, extra args...
  local url="$1"; shift
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --disable-extensions --user-data-dir="$dir/profile" \
    --enable-logging=stderr --v=0 "$@" "$url"
}
check_report() { # report.html expected-charts
  local html="$1" want="$2"
  grep -q '<script' "$html"
  ! grep -qiE '(src|href)="https?:' "$html"      # self-contained: nothing from the network
  run_browser "file://$dir/$html" --dump-dom > "$html.dom" 2> "$html.log"
  if grep -E 'CONSOLE|Uncaught' "$html.log" | grep -qi 'error\|uncaught'; then
    echo "script errors:"; grep -i 'uncaught\|error' "$html.log" | head; exit 1
  fi
  local check
  check="$(grep -o 'rendered charts=[0-9]* visible=[0-9]* series=[0-9]* cells=[0-9]*' "$html.dom")" \
    || { echo "$html: the render check did not run"; exit 1; }
  echo "$html: $check"
  python3 - "$check" "$want" <<'PY'
import re, sys
c = dict(re.findall(r"(\w+)=(\d+)", sys.argv[1]))
want = int(sys.argv[2])
assert int(c["charts"]) == want, (c, want)
assert int(c["visible"]) == want, c
assert int(c["series"]) > 10 and int(c["cells"]) > 5, c
PY
  run_browser "file://$dir/$html" --window-size=1280,2400 --screenshot="$dir/$html.png" \
    > /dev/null 2>&1
  python3 "$here/png_check.py" "$html.png" 1280 2400
}
"$kmm" replay "$data/linux-6.18-kmem-git-tar.trace.xz" --quiet --machine mem=24M \
  --report small.html > /dev/null
# mem=24M: DMA and DMA32 -> 2 order charts + 2 watermark charts + slab + 3 frame maps
check_report small.html 8
"$kmm" replay "$data/linux-6.18-kmem-git-tar.trace.xz" --quiet --report default.html \
  --vs-machine "mem=2G page_group_by_mobility=0" > /dev/null
# A (4G): 3 zones -> 3+3+1+3 = 10; B (2G): 2 zones -> 2+2+1+3 = 8
check_report default.html 18
echo "report: renders in $browser"
