#!/usr/bin/env bash
# The one command that sets up and runs every test (README, .ci/run):
#   1. installs missing Debian and npm packages,
#   2. builds with warnings as errors and runs every test through ctest
#      (C unit tests, corpus replays, fixture-server and driver-conformance tests, end to end),
#   3. builds again with ASan + UBSan and runs the C tests and end-to-end tests there,
#   4. runs every libFuzzer target for FUZZ_SECONDS (default 30) each.
# Environment: FUZZ_SECONDS=N (0 skips fuzzing), JOBS=N, BUILD_ROOT=DIR (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_root=${BUILD_ROOT:-$root/build}
jobs=${JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-30}

scripts/bootstrap.sh
# npm packages pinned by committed lock files: the official drivers for the conformance test,
# the Kubernetes schema for the manifest checks.
for dir in scripts/conformance scripts/k8s-validate; do
  (cd "$dir" && { [ -d node_modules ] && npm ls >/dev/null 2>&1 || npm ci --no-audit --no-fund --loglevel=error; })
done

total_pass=0
total_fail=0
summarize() { # ctest log -> counts
  local line
  line=$(grep -E "tests passed, [0-9]+ tests failed out of" "$1" | tail -1 || true)
  if [ -n "$line" ]; then
    local failed total
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    total=$(echo "$line" | sed -E 's/.* tests failed out of ([0-9]+).*/\1/')
    total_pass=$((total_pass + total - failed))
    total_fail=$((total_fail + failed))
  fi
}

status=0
echo "== build and test (warnings are errors)"
JOBS=$jobs scripts/build.sh --dir "$build_root/release" --werror
ctest --test-dir "$build_root/release" --output-on-failure -j "$jobs" 2>&1 | tee "$build_root/release/ctest.log" || status=1
summarize "$build_root/release/ctest.log"

echo "== ASan + UBSan"
JOBS=$jobs scripts/build.sh --dir "$build_root/asan" --type Debug --werror --asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$build_root/asan" --output-on-failure -j "$jobs" -LE fixture 2>&1 | tee "$build_root/asan/ctest.log" || status=1
summarize "$build_root/asan/ctest.log"

if [ "$fuzz_seconds" -gt 0 ] && command -v clang >/dev/null; then
  echo "== fuzz smoke (${fuzz_seconds}s per target)"
  if scripts/fuzz.sh --seconds "$fuzz_seconds" --build "$build_root/fuzz"; then
    total_pass=$((total_pass + 1))
  else
    total_fail=$((total_fail + 1)); status=1
  fi
fi

echo
echo "tests: $total_pass passed, $total_fail failed"
exit $status
