#!/usr/bin/env bash
# bench/preload.sh [BUILD_DIR] [REPS] - whole programs under each malloc.
# Runs bench/preload/workloads.c (churn, prodcons, larson) and a sqlite3
# database workload under glibc, jemalloc, mimalloc, tcmalloc (Debian's
# libjemalloc2, libmimalloc2.0, libtcmalloc-minimal4: scripts/deps.sh bench)
# and kmm (BUILD_DIR/libkmm-malloc.so), repetitions interleaved (every
# allocator once per round), and prints a Markdown table of the median wall
# time (s) and the median peak RSS (MB, /usr/bin/time's %M) per program.
# A peer whose library is missing is left out. Timings on a shared machine
# are noisy: compare within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/release}" reps="${2:-3}"
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
progs=(churn prodcons larson sqlite)
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
