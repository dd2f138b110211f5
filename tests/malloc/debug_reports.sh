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
# SLAB_STORE_USER's stacks (the stack depot): after each "INFO: Allocated in"
# / "Freed in" line, one frame a line, indented by one space as the kernel's
# stack_trace_print, symbolised (buggy is linked with -rdynamic) from the
# program's call site outwards
stack() { # bug, which line ("Allocated" or "Freed"), expected frames in order...
  local bug="$1" what="$2"; shift 2
  local out frames
  out="$(KMM_CMDLINE='slab_debug=FZPU' LD_PRELOAD="$lib" "$buggy" "$bug" 2>&1)"
  # the frames of the first such track: the indented lines right after it
  frames="$(awk -v w="INFO: $what in " 'f && /^ / { print; next } f { exit } index($0, w) == 1 { f = 1 }' <<<"$out")"
  local n=0 rest="$frames"
  for want in "$@"; do
    if ! grep -qE -- "^ $want\+0x[0-9a-f]+/0x[0-9a-f]+\$" <<<"$rest"; then
      echo "FAIL $bug $what stack: no frame '$want' (in order) in:"; echo "$out" | head -40; fails=$((fails + 1)); return
    fi
    rest="$(sed -n "/^ $want+0x/,\$p" <<<"$rest" | tail -n +2)"
    n=$((n + 1))
  done
  if [ "$(wc -l <<<"$frames")" -lt 3 ]; then
    echo "FAIL $bug $what stack: fewer than 3 frames:"; echo "$frames"; fails=$((fails + 1)); return
  fi
  echo "ok   $bug $what stack ($(wc -l <<<"$frames") frames)"; passes=$((passes + 1))
}
stack overrun Allocated malloc buggy_alloc main
stack uaf Freed free buggy_free main
stack double-free Allocated malloc buggy_alloc main
stack double-free Freed free buggy_free main
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
