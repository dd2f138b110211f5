#!/usr/bin/env bash
# bench/preload.sh [BUILD_DIR] [REPS] - whole programs under each malloc.
# Runs bench/preload/workloads.c (churn, prodcons, larson, start: 200
# process start-ups of a program that mallocs once) and a sqlite3
# database workload under glibc, jemalloc, mimalloc, tcmalloc (Debian's
# libjemalloc2, libmimalloc2.0, libtcmalloc-minimal4: scripts/deps.sh bench)
# and kmm (BUILD_DIR/libkmm-malloc.so), repetitions interleaved (every
# allocator once per round), and prints a Markdown table of the median wall
# time (s) and the median peak RSS (MB, /usr/bin/time's %M) per program.
# A peer whose library is missing is left out. Timings on a shared machine
# are noisy: compare within one run.
# --json (anywhere): one JSON object on stdout instead of the table, in
# shared/BENCH.md's shape: suite "preload", one result per program and
# allocator (seconds median/min/max, peak_rss_mb median/min/max), and figures
# with kmm's ratio to glibc and to the best peer per program.
set -euo pipefail
cd "$(dirname "$0")/.."
json=0 args=()
for a in "$@"; do if [ "$a" = --json ]; then json=1; else args+=("$a"); fi; done
build="${args[0]:-build/release}" reps="${args[1]:-3}"
kmm_lib="$(realpath "$build/libkmm-malloc.so")"
[ -f "$kmm_lib" ] || { echo "no $kmm_lib: build the kmm_malloc_shared target" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gcc -O2 -pthread bench/preload/workloads.c -o "$work/workloads"
libdir=/usr/lib/x86_64-linux-gnu
declare -A lib=([glibc]="" [kmm]="$kmm_lib")
[ -f $libdir/libjemalloc.so.2 ] && lib[jemalloc]=$libdir/libjemalloc.so.2
[ -f $libdir/libmimalloc.so.2 ] && lib[mimalloc]=$libdir/libmimalloc.so.2
[ -f $libdir/libtcmalloc_minimal.so.4 ] && lib[tcmalloc]=$libdir/libtcmalloc_minimal.so.4
peers=()
for p in kmm glibc jemalloc mimalloc tcmalloc; do [ -n "${lib[$p]+x}" ] && peers+=("$p"); done
cat >"$work/db.sql" <<'SQL'
create table t(a integer primary key, b text, c real);
with recursive n(x) as (select 1 union all select x + 1 from n where x < 200000)
insert into t select x, printf('key-%08d-%s', x * 7919 % 200000, substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 26)), x * 0.5 from n;
create index tb on t(b);
select count(*), sum(length(b)) from t where b like 'key-00%';
update t set c = c * 2 where a % 5 = 0;
delete from t where a % 3 = 0;
select count(*), max(c) from t;
SQL
progs=(churn prodcons larson sqlite start)
run() { # prog peer -> "seconds kb"
  local cmd
  case "$1" in
    sqlite) cmd=(sqlite3 ":memory:" ".read $work/db.sql") ;;
    *) cmd=("$work/workloads" "$1") ;;
  esac
  if [ -n "${lib[$2]}" ]; then
    LD_PRELOAD="${lib[$2]}" /usr/bin/time -f "%e %M" -o "$work/t" "${cmd[@]}" >"$work/out.$1.$2"
  else
    /usr/bin/time -f "%e %M" -o "$work/t" "${cmd[@]}" >"$work/out.$1.$2"
  fi
  tail -1 "$work/t"
}
declare -A times rss
for ((r = 0; r < reps; r++)); do
  for prog in "${progs[@]}"; do
    for p in "${peers[@]}"; do
      read -r s kb < <(run "$prog" "$p")
      times[$prog.$p]+="$s "
      rss[$prog.$p]+="$kb "
    done
    for p in "${peers[@]}"; do # every allocator computes the same thing
      cmp -s "$work/out.$prog.glibc" "$work/out.$prog.$p" || { echo "$prog: $p's output differs" >&2; exit 1; }
    done
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minv() { tr ' ' '\n' | grep -v '^$' | sort -g | head -1; }
maxv() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -1; }
mb() { echo "scale=1; $1 / 1024" | bc -l; }
threads() { case "$1" in prodcons | larson) echo 2 ;; *) echo 1 ;; esac; }
if [ "$json" = 1 ]; then
  printf '{"suite": "preload", "machine": "host: %s CPUs, %s MB", "reps": %s, "absent": [' \
    "$(nproc)" "$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024))" "$reps"
  sep=""
  for p in glibc jemalloc mimalloc tcmalloc; do
    [ -n "${lib[$p]+x}" ] || { printf '%s"%s"' "$sep" "$p"; sep=", "; }
  done
  printf '],\n "results": ['
  sep=""
  for prog in "${progs[@]}"; do
    for p in "${peers[@]}"; do
      t="${times[$prog.$p]}" k="${rss[$prog.$p]}"
      printf '%s\n  {"name": "%s", "impl": "%s", "threads": %s, "seconds": %s, "seconds_min": %s, "seconds_max": %s, "peak_rss_mb": %s, "peak_rss_mb_min": %s, "peak_rss_mb_max": %s}' \
        "$sep" "$prog" "$p" "$(threads "$prog")" "$(median <<<"$t")" "$(minv <<<"$t")" "$(maxv <<<"$t")" \
        "$(mb "$(median <<<"$k")")" "$(mb "$(minv <<<"$k")")" "$(mb "$(maxv <<<"$k")")"
      sep=","
    done
  done
  printf '],\n "figures": {'
  sep=""
  for prog in "${progs[@]}"; do
    kt=$(median <<<"${times[$prog.kmm]}") gt=$(median <<<"${times[$prog.glibc]}")
    kk=$(median <<<"${rss[$prog.kmm]}") gk=$(median <<<"${rss[$prog.glibc]}")
    best=""
    for p in "${peers[@]}"; do
      [ "$p" = kmm ] && continue
      t=$(median <<<"${times[$prog.$p]}")
      if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    ratio() { if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then printf '%.3f' "$(echo "$1 / $2" | bc -l)"; else echo null; fi; }
    printf '%s\n  "%s_kmm_over_glibc_time": %s, "%s_kmm_over_best_peer_time": %s, "%s_kmm_over_glibc_rss": %s' \
      "$sep" "$prog" "$(ratio "$kt" "$gt")" "$prog" "$(ratio "$kt" "$best")" "$prog" "$(ratio "$kk" "$gk")"
    sep=","
  done
  printf '}}\n'
  exit 0
fi
printf '| program |'; for p in "${peers[@]}"; do printf ' %s s | %s MB |' "$p" "$p"; done; echo
printf '|---|'; for p in "${peers[@]}"; do printf -- '---|---|'; done; echo
for prog in "${progs[@]}"; do
  printf '| %s |' "$prog"
  for p in "${peers[@]}"; do
    t=$(median <<<"${times[$prog.$p]}"); k=$(median <<<"${rss[$prog.$p]}")
    printf ' %s | %.1f |' "$t" "$(echo "$k / 1024" | bc -l)"
  done
  echo
done
echo "(median of $reps interleaved runs; $(nproc) CPUs; $(date -u +%Y-%m-%d))"
