#!/usr/bin/env bash
# tests/malloc/overcommit.sh LIB UNTIL_ENOMEM - libkmm-malloc on a host with
# strict overcommit (vm.overcommit_memory=2, the setting databases ask for).
# The machine reserves its address space with no access (not charged) and
# commits a memory block at a time as it grows, so a program starts and
# runs; when the host's commit limit refuses the next block, malloc fails
# with ENOMEM and one "the host cannot back" line, and memory freed is
# allocated again. Before the machine grew by hotplug, every program
# aborted at start here ("cannot map the machine's memory").
# Needs root (it sets the sysctls for a few seconds and restores them):
# otherwise it is skipped (77). Run alone (RUN_SERIAL): the limit is the
# whole host's.
set -euo pipefail
lib="$1"; prog="$2"
mode=/proc/sys/vm/overcommit_memory kb=/proc/sys/vm/overcommit_kbytes
if [ ! -w "$mode" ] || ! [ -w "$kb" ]; then echo "SKIP: needs root to set $mode"; exit 77; fi
old_mode=$(cat "$mode"); old_ratio=$(cat /proc/sys/vm/overcommit_ratio); old_kb=$(cat "$kb")
restore() {
  echo "$old_mode" > "$mode"
  if [ "$old_kb" != 0 ]; then echo "$old_kb" > "$kb"; else echo "$old_ratio" > /proc/sys/vm/overcommit_ratio; fi
}
trap restore EXIT
fail() { echo "FAIL: $*"; exit 1; }
dir=$(mktemp -d); trap 'restore; rm -rf "$dir"' EXIT

# the commit limit: what the host has committed now, and 768 MiB more
committed=$(awk '/^Committed_AS:/ {print $2}' /proc/meminfo)
echo $((committed + 768 * 1024)) > "$kb"
echo 2 > "$mode"

LD_PRELOAD="$lib" ls / > "$dir/ls.out" 2> "$dir/ls.err" || fail "ls under the preload: $(cat "$dir/ls.err")"
[ -s "$dir/ls.out" ] || fail "ls printed nothing"
LD_PRELOAD="$lib" "$prog" 4096 > "$dir/out" 2> "$dir/err" || fail "the program failed: $(cat "$dir/err")"
restore
cat "$dir/out"
read -r mib _ why < <(head -1 "$dir/out")
[ "$why" = "Cannot allocate memory" ] || fail "malloc did not fail with ENOMEM: $(head -1 "$dir/out")"
[ "$mib" -ge 128 ] && [ "$mib" -le 900 ] || fail "$mib MiB before ENOMEM (the limit left about 768)"
grep -q 'the host cannot back' "$dir/err" || fail "no report of the refusal: $(cat "$dir/err")"
[ "$(grep -c 'the host cannot back' "$dir/err")" -le 2 ] || fail "the refusal reported on every failed malloc"
! grep -q 'invoked oom-killer' "$dir/err" || fail "an OOM report for a host refusal"
grep -qx 'after free: ok' "$dir/out" || fail "memory freed was not allocated again"
echo "overcommit: ok"
