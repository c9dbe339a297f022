#!/usr/bin/env bash
# run_fuzzer.sh BINARY CORPUS_DIR SECONDS: runs a libFuzzer target for SECONDS on a scratch copy of
# CORPUS_DIR (the checked-in corpus is never written). Fails on a crash, leak, timeout or a
# sanitizer report, and when the binary is missing.
set -euo pipefail
bin=$1 corpus=$2 seconds=$3
if [[ ! -x $bin ]]; then
  echo "FAIL: fuzz target $bin not built (run: cmake --preset fuzz && cmake --build --preset fuzz)" >&2
  exit 1
fi
if [[ ! -d $corpus ]] || [[ -z $(ls -A "$corpus") ]]; then
  echo "FAIL: seed corpus $corpus is missing or empty" >&2
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$corpus"/. "$scratch"/
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$scratch" 2>&1 | tail -n 25
exit "${PIPESTATUS[0]}"
