#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang and runs each one.
#   scripts/fuzz.sh [--seconds N] [--build DIR] [TARGET...]
# N defaults to 60; run for hours with e.g. --seconds 14400. New inputs go to a work corpus
# under the build directory; crashes are written there too and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
build=build/fuzz
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n 2,5p "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed (scripts/bootstrap.sh)" >&2; exit 2; }
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOLTDIFF_FUZZ=ON \
  -DBOLTDIFF_SANITIZE=ON -DBOLTDIFF_SCRIPT_TESTS=OFF >/dev/null
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >/dev/null
rc=0
for t in "${targets[@]}"; do
  work="$build/corpus-work/$t"; art="$build/artifacts/$t/"
  mkdir -p "$work" "$art"
  log="$build/$t.log"
  if ASAN_OPTIONS=detect_leaks=1 "$build/tests/$t" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$art" -max_len=65536 "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    execs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}')
    echo "fuzz $t: ok, ${execs:-?} executions in ${seconds}s"
  else
    echo "fuzz $t: FAILED (see $log; inputs in $art)"; tail -30 "$log"; rc=1
  fi
done
exit $rc
