#!/usr/bin/env bash
# scripts/deps.sh - install what building and testing kmm needs on Debian,
# only where it is missing. Runs as root (or through sudo when available).
# Usage: scripts/deps.sh [build|test|bench|deb]
set -euo pipefail
need=(cmake gcc make pkg-config)
case "${1:-build}" in
  test) need+=(libcmocka-dev clang qemu-system-x86 chromium tmux xz-utils zlib1g-dev liblzma-dev) # qemu: examples/kernel; chromium, tmux: kmm replay tests
    need+=(g++ git sqlite3 python3) ;; # libkmm-malloc's program tests (tests/malloc)
  bench) need+=(libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev) ;;
  deb) need+=(build-essential debhelper dpkg-dev fakeroot lintian) ;;
esac
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
