#!/usr/bin/env bash
# Builds the PackStream decode micro-benchmark in Release mode (its own build dir) and runs it.
#   scripts/bench-decode.sh [--build DIR] [bench_decode options: --records N --runs R]
# Prints decode MB/s and ns per record (median of the runs) for a realistic node RECORD.
# A benchmark, not a test: the numbers depend on the machine and its load.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/bench
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n 2,5p "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBOLTDIFF_SCRIPT_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_decode >/dev/null
echo "bench_decode ($(uname -m), $(nproc) cores, $(${CC:-cc} --version | head -1))"
"$build/tests/bench_decode" "${args[@]}"
