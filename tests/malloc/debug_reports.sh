#!/usr/bin/env bash
# tests/malloc/debug_reports.sh LIBKMM_MALLOC BUGGY: SLUB's reports for a
# program's heap bugs under KMM_CMDLINE=slab_debug=FZPU: each bug of
# buggy.c is reported in SLUB's words, naming the cache (malloc-32) and the
# object, and the program runs on (SLUB repairs and continues).
set -uo pipefail
lib="$1" buggy="$2" fails=0 passes=0
check() { # bug, expected text...
  local bug="$1"; shift
  local out
  out="$(KMM_CMDLINE='slab_debug=FZPU' LD_PRELOAD="$lib" "$buggy" "$bug" 2>&1)"
  for want in "$@" "$bug done"; do
    if ! grep -qF -- "$want" <<<"$out"; then
      echo "FAIL $bug: no '$want' in:"; echo "$out" | head -30; fails=$((fails + 1)); return
    fi
  done
  echo "ok   $bug"; passes=$((passes + 1))
}
check overrun "BUG malloc-32 (Not tainted): Right Redzone overwritten" "INFO: Allocated in" "FIX malloc-32: Restoring Right Redzone"
check uaf "BUG malloc-32 (Not tainted): Poison overwritten" "INFO: Freed in" "First byte 0x1 instead of 0x6b"
check double-free "BUG malloc-32 (Not tainted): Object already free" "INFO: Freed in"
# and without debugging the clean run prints nothing but its output
out="$(LD_PRELOAD="$lib" "$buggy" none 2>&1)"
if [ "$out" = " done" ] || [ "$out" = "none done" ]; then echo "ok   clean"; passes=$((passes + 1)); else echo "FAIL clean: $out"; fails=$((fails + 1)); fi
# KMM_STATS=1: the machine's slabinfo, buddyinfo and meminfo at exit, on
# standard error or appended to KMM_STATS_FILE
stats() { # name, output, expected text...
  local name="$1" out="$2"; shift 2
  for want in "$@"; do
    if ! grep -qF -- "$want" <<<"$out"; then
      echo "FAIL $name: no '$want' in:"; echo "$out" | head -30; fails=$((fails + 1)); return
    fi
  done
  echo "ok   $name"; passes=$((passes + 1))
}
stats stats "$(KMM_STATS=1 LD_PRELOAD="$lib" "$buggy" none 2>&1 >/dev/null)" \
  "==> /proc/slabinfo (pid" "slabinfo - version: 2.1" "malloc-32 " "==> /proc/buddyinfo" "Node 0, zone   Normal" \
  "==> /proc/meminfo" "MemTotal:"
file="$(mktemp)"
KMM_STATS=1 KMM_STATS_FILE="$file" LD_PRELOAD="$lib" "$buggy" none >/dev/null 2>&1
KMM_STATS=1 KMM_STATS_FILE="$file" LD_PRELOAD="$lib" "$buggy" none >/dev/null 2>&1
stats stats-file "$(cat "$file") titles=$(grep -c '^==> /proc/meminfo' "$file")" "slabinfo - version: 2.1" "MemTotal:" "titles=2"
rm -f "$file"
out="$(KMM_STATS=0 LD_PRELOAD="$lib" "$buggy" none 2>&1 >/dev/null)"
if [ -z "$out" ]; then echo "ok   stats-off"; passes=$((passes + 1)); else echo "FAIL stats-off: $out"; fails=$((fails + 1)); fi
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
