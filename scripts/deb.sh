#!/usr/bin/env bash
# scripts/deb.sh - build kmm's Debian packages from this tree into build/deb/
# (libkmm0, libkmm-malloc0, libkmm-dev, kmm-tools; docs/building.md) and check them with
# lintian (any error fails). The tree is copied first, so dpkg-buildpackage
# writes nothing outside build/.
#   scripts/deb.sh            build and lint (the unit tests run during the build)
#   scripts/deb.sh --ci       the same without the unit tests (nocheck; CI runs
#                             them in its other stages), then install the packages
#                             with apt, build and run every examples/*.c against
#                             them with pkg-config and with find_package(kmm), run
#                             programs under the installed libkmm-malloc (LD_PRELOAD,
#                             -lkmm-malloc, kmm record --preload), and remove the
#                             packages again
set -euo pipefail
cd "$(dirname "$0")/.."
ci=0
[ "${1:-}" = "--ci" ] && ci=1
scripts/deps.sh deb
out=build/deb
rm -rf "$out"
mkdir -p "$out/src"
# the working tree as it is (committed or not), without build output
tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$out/src"
opts=()
if [ $ci = 1 ]; then
  export DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)"
  opts=(-Pnocheck)
fi
(cd "$out/src" && dpkg-buildpackage -us -uc -b "${opts[@]}") >"$out/build.log" 2>&1 || {
  tail -40 "$out/build.log"
  echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
  exit 1
}
ls "$out"/*.deb
# lintian: errors fail; warnings are printed
lintian --fail-on error --suppress-tags initial-upload-closes-no-bugs "$out"/*.changes
[ $ci = 1 ] || exit 0

# install with apt, then serve the examples both ways
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
debs=("$out"/libkmm0_*.deb "$out"/libkmm-malloc0_*.deb "$out"/libkmm-dev_*.deb "$out"/kmm-tools_*.deb)
$SUDO apt-get install -y -qq --no-install-recommends "${debs[@]/#/./}" >/dev/null
remove() { $SUDO apt-get purge -y -qq libkmm0 libkmm-malloc0 libkmm-dev kmm-tools >/dev/null; }
trap remove EXIT
kmm --version
man -w kmm kmm-machine kmm_slab kmm_kmalloc >/dev/null
mkdir -p "$out/pc" "$out/cmake"
cat >"$out/cmake/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(kmm_examples C)
find_package(kmm REQUIRED)
file(GLOB examples $PWD/examples/*.c)
foreach(src \${examples})
  get_filename_component(name \${src} NAME_WE)
  add_executable(\${name} \${src})
  target_link_libraries(\${name} kmm::kmm)
endforeach()
CMAKE
cmake -S "$out/cmake" -B "$out/cmake/build" >/dev/null
cmake --build "$out/cmake/build" >/dev/null
n=0
for src in examples/*.c; do
  name=$(basename "$src" .c)
  # shellcheck disable=SC2046
  cc -std=gnu11 -Wall -Wextra -Werror "$src" $(pkg-config --cflags --libs kmm) -o "$out/pc/$name"
  "$out/pc/$name" >/dev/null
  "$out/cmake/build/$name" >/dev/null
  n=$((n + 1))
done
echo "deb: $n examples built and run against the installed packages (pkg-config and find_package)"

# libkmm-malloc0: a shell pipeline with command substitution under the preload gives
# glibc's output; KMM_STATS shows the kernel's view of its heap; -lkmm-malloc links it in;
# the installed kmm finds the installed library for --preload
want="$(sh -c 'echo "$(echo sub) $(seq 3 | tr -d "\n")" | tr a-z A-Z')"
got="$(LD_PRELOAD=libkmm-malloc.so.0 sh -c 'echo "$(echo sub) $(seq 3 | tr -d "\n")" | tr a-z A-Z')"
[ "$got" = "$want" ] || { echo "deb: under libkmm-malloc.so.0: '$got', glibc: '$want'" >&2; exit 1; }
# (ls closes its standard error at exit, as coreutils do: the report goes to a file)
KMM_STATS=1 KMM_STATS_FILE="$out/pc/ls.stats" LD_PRELOAD=libkmm-malloc.so.0 ls / >/dev/null
grep -qF 'slabinfo - version: 2.1' "$out/pc/ls.stats" ||
  { echo "deb: KMM_STATS=1 under the installed preload wrote no slabinfo" >&2; exit 1; }
cat >"$out/pc/heap.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
	char *p = malloc(100), *q = calloc(10, 10);
	strcpy(p, "heap");
	printf("%s %d\n", p, q[99]);
	free(p);
	free(q);
	return 0;
}
C
cc -std=gnu11 -Wall -Werror "$out/pc/heap.c" -lkmm-malloc -ldl -lpthread -o "$out/pc/heap"
[ "$("$out/pc/heap")" = "heap 0" ]
# (the report goes to a file: grep -q in a pipe would leave the program writing into a closed
# pipe, and pipefail would count its SIGPIPE as a failure)
KMM_STATS=1 "$out/pc/heap" 2>"$out/pc/heap.stats" >/dev/null
grep -qF 'MemTotal:' "$out/pc/heap.stats" ||
  { echo "deb: a program linked with -lkmm-malloc does not run on kmm" >&2; exit 1; }
kmm record -o "$out/pc/ls.trace" --preload -- ls / >/dev/null
[ -s "$out/pc/ls.trace" ] || { echo "deb: kmm record --preload wrote no trace" >&2; exit 1; }
echo "deb: libkmm-malloc0 serves a preloaded pipeline, a -lkmm-malloc program and kmm record --preload"
