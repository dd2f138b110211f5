#!/bin/sh
# Instructions per fast-path pair, counted by callgrind (docs/smp.md).
# usage: scripts/fastpath-callgrind.sh [probe binary] [machine]
# Each loop is counted at 20000 and 120000 pairs; the difference / 100000
# leaves out the warm-up and one-time work. Valgrind runs no rseq, so the
# machine is in CAS mode. Set CG_DUMP=dir to keep the callgrind files.
probe=${1:-build/release/fastpath_probe}
machine=${2:-mem=4G nr_cpus=2}
dir=${CG_DUMP:-${TMPDIR:-/tmp}/fastpath-cg.$$}
mkdir -p "$dir"
count() { # function pairs
	valgrind --tool=callgrind --callgrind-out-file="$dir/$1.$2" --toggle-collect="$1" \
		"$probe" "$machine" "$2" >/dev/null 2>&1 || { echo "valgrind failed" >&2; exit 1; }
	callgrind_annotate "$dir/$1.$2" 2>/dev/null |
		awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
for f in probe_page_pair probe_kmalloc64_pair probe_cache_pair; do
	a=$(count $f 20000)
	b=$(count $f 120000)
	echo "$f $(( (b - a) / 100000 )) Ir/pair"
done
[ -n "$CG_DUMP" ] || rm -rf "$dir"
