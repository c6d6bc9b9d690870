#!/usr/bin/env bash
# Configures and builds boltdiff: the one build recipe shared by scripts/test.sh, scripts/demo.sh
# and deploy/Dockerfile.
#   scripts/build.sh [--dir DIR] [--asan] [--werror] [--no-script-tests] [--target T] [--type T]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/release
type=RelWithDebInfo
flags=()
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --type) type=$2; shift 2 ;;
    --asan) flags+=(-DBOLTDIFF_SANITIZE=ON); shift ;;
    --werror) flags+=(-DBOLTDIFF_WERROR=ON); shift ;;
    --no-script-tests) flags+=(-DBOLTDIFF_SCRIPT_TESTS=OFF); shift ;;
    --target) targets+=(--target "$2"); shift 2 ;;
    -h|--help) sed -n 2,4p "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "${flags[@]+"${flags[@]}"}" >/dev/null
cmake --build "$dir" -j "${JOBS:-$(nproc)}" "${targets[@]+"${targets[@]}"}"
