#!/usr/bin/env bash
# Installs what every lane needs, builds (gcc, release, warnings as errors) and the fuzz targets
# (clang), and runs every test lane through ctest. The output ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh all

# Fuzz targets: clang + libFuzzer, pure core only. ctest runs each for a bounded time.
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

cmake --preset ci -DRESIZELET_FUZZ_BINARY_DIR="$PWD/build/fuzz/tests/fuzz" >/dev/null
cmake --build --preset ci

ctest --test-dir build/ci --output-on-failure -j"$(nproc)" --timeout 900
