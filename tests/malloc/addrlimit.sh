#!/usr/bin/env bash
# tests/malloc/addrlimit.sh LIB UNTIL_ENOMEM - libkmm-malloc under an
# address-space limit (RLIMIT_AS, `ulimit -v`, which sandboxes and build
# farms set). The machine reserves only its RAM (the 4 GiB hole below it
# is not mapped) and lowers its growth limit to half of the address space
# the process has left, so programs start, give glibc's output, and malloc
# fails with ENOMEM at the limit. Before, the machine's reservation was 4G
# plus the host's RAM and every program aborted at start under any limit
# below that ("cannot map the machine's memory").
set -euo pipefail
lib="$1"; prog="$2"
fail() { echo "FAIL: $*"; exit 1; }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
pipeline='echo "$(echo sub) $(seq 3 | tr -d "\n")" | tr a-z A-Z; ls / | wc -l'
want="$(sh -c "$pipeline")"

# 1. A pipeline under limits from 4 GB down to 200 MB: glibc's output. The
#    machine shrinks with the limit (MemTotal), below 128 MiB to a machine
#    that does not grow.
for kb in 4000000 1000000 200000; do
  got="$( (ulimit -v $kb; KMM_STATS=1 KMM_STATS_FILE="$dir/st.$kb" LD_PRELOAD="$lib" \
    sh -c "$pipeline") 2>"$dir/err.$kb")" || fail "ulimit -v $kb: status $?: $(cat "$dir/err.$kb")"
  [ "$got" = "$want" ] || fail "ulimit -v $kb: '$got', glibc: '$want'"
  total=$(awk '/^MemTotal:/ {print $2; exit}' "$dir/st.$kb")
  [ -n "$total" ] || fail "ulimit -v $kb: no KMM_STATS meminfo"
  [ "$total" -le $((kb / 2)) ] || fail "ulimit -v $kb: MemTotal $total kB is over half the limit"
  echo "ok   ulimit -v $kb: glibc's output, MemTotal $total kB"
done

# 2. malloc until it fails under 1.5 GB: ENOMEM (no abort) after the
#    machine grew past its boot block, and memory freed is allocated again.
( ulimit -v 1500000; LD_PRELOAD="$lib" "$prog" 8000 ) >"$dir/out" 2>"$dir/err" ||
  fail "status $? under ulimit -v 1500000: $(tail -3 "$dir/err")"
read -r mib unit why <"$dir/out" || true
[ "$unit $why" = "MiB Cannot allocate memory" ] || fail "no ENOMEM: $(cat "$dir/out")"
[ "$mib" -gt 128 ] && [ "$mib" -lt 750 ] || fail "$mib MiB allocated under a 1.5 GB limit"
grep -qx 'after free: ok' "$dir/out" || fail "memory freed was not allocated again"
echo "ok   ulimit -v 1500000: ENOMEM after $mib MiB, then allocated again"

# 3. A limit that leaves no room says so and stops (glibc's malloc could
#    still serve from its heap; kmm needs 16 MiB and its memmap's room).
( ulimit -v 90000; LD_PRELOAD="$lib" ls / ) >/dev/null 2>"$dir/small" && fail "booted under 90 MB"
grep -q 'address-space limit (RLIMIT_AS, ulimit -v) leaves no room' "$dir/small" ||
  fail "no report of the limit: $(cat "$dir/small")"
echo "ok   ulimit -v 90000: the limit is named"
