#!/usr/bin/env bash
# scripts/demo.sh - build kmm (Release) and run `kmm demo` on the default machine.
# Extra arguments go to `kmm demo`, e.g. scripts/demo.sh --machine "mem=8G numa=fake=2".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target kmm >/dev/null
exec build/release/kmm demo "$@"
