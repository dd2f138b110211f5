#!/usr/bin/env bash
# scripts/deb.sh - build kmm's Debian packages from this tree into build/deb/
# (libkmm0, libkmm-dev, kmm-tools; docs/building.md) and check them with
# lintian (any error fails). The tree is copied first, so dpkg-buildpackage
# writes nothing outside build/.
#   scripts/deb.sh            build and lint (the unit tests run during the build)
#   scripts/deb.sh --ci       the same without the unit tests (nocheck; CI runs
#                             them in its other stages), then install the packages
#                             with apt, build and run every examples/*.c against
#                             them with pkg-config and with find_package(kmm), and
#                             remove the packages again
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
debs=("$out"/libkmm0_*.deb "$out"/libkmm-dev_*.deb "$out"/kmm-tools_*.deb)
$SUDO apt-get install -y -qq --no-install-recommends "${debs[@]/#/./}" >/dev/null
remove() { $SUDO apt-get purge -y -qq libkmm0 libkmm-dev kmm-tools >/dev/null; }
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
