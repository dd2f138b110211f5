#!/usr/bin/env bash
# tests/replay/top_tmux.sh KMM RECORD_PROG DATA_DIR WORKDIR - kmm top in a real
# terminal: tmux runs `kmm top TRACE --speed 0.02` (the 171 ms trace over ~9 s);
# capture-pane shows the view (zones against watermarks, free blocks per order,
# slab caches, rates) and its line counter moving; after resize-window the view
# fits the new size; q quits. Then `kmm top -- PROGRAM` shows a program linked
# with kmm. Skips (exit 77) only when tmux is not installed.
set -euo pipefail
kmm="$1"; prog="$2"; data="$3"; dir="$4"
command -v tmux >/dev/null || { echo "SKIP: no tmux (scripts/deps.sh test installs it)"; exit 77; }
mkdir -p "$dir"; cd "$dir"
sock="kmm-top-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT
tgt=top
cap() { t capture-pane -p -t "$tgt"; }
wait_for() { # pattern, seconds
  for _ in $(seq $(( $2 * 10 ))); do cap | grep -- "$1" >/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$1'; screen:"; cap; return 1
}
t new-session -d -s top -x 120 -y 40 \
  "$kmm top $data/linux-6.18-kmem-git-tar.trace.xz --speed 0.02 --machine mem=24M; echo EXITED \$?; sleep 60"
wait_for 'SLAB CACHE' 10
screen="$(cap)"
for want in 'kmm top' 'ZONE' 'Node 0 DMA32' 'FREE BLOCKS' 'rate/s: page alloc' 'q quit' 'line '; do
  grep -q -- "$want" <<<"$screen" || { echo "missing '$want'"; echo "$screen"; exit 1; }
done
l1="$(grep -o 'line [0-9]*' <<<"$screen" | head -1)"
sleep 1.5
l2="$(cap | grep -o 'line [0-9]*' | head -1)"
[ "$l1" != "$l2" ] || { echo "the view does not move: $l1"; exit 1; }
[ "$(cap | grep -n 'q quit' | cut -d: -f1)" = 40 ] || { echo "bar not on row 40"; cap; exit 1; }
t resize-window -t top -x 70 -y 25
sleep 0.6
after="$(cap)"
[ "$(wc -l <<<"$after")" -le 25 ]
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' <<<"$after")" -le 70 ]
[ "$(grep -n 'q quit' <<<"$after" | cut -d: -f1)" = 25 ] || { echo "not redrawn for 25 rows"; echo "$after"; exit 1; }
grep -q 'FREE BLOCKS' <<<"$after"
t send-keys -t top q
wait_for 'EXITED 0' 5
echo "top: replay view ok ($l1 -> $l2), resize ok, q quits"

# a program that opted in (linked with kmm): its allocations, live. The new
# session starts before the old one goes, so the server never runs empty
# (killing its last session stops it, racing the next new-session).
t new-session -d -s prog -x 120 -y 40 "$kmm top -- $prog $dir/prog.state; echo EXITED \$?; sleep 60"
t kill-session -t top
tgt=prog
wait_for 'done' 20
cap | grep 'record_prog' >/dev/null
cap | grep 'rec_cache' >/dev/null
t send-keys -t prog q
wait_for 'EXITED 0' 5
echo "top: program view ok"
