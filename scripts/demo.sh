#!/usr/bin/env bash
# Sets up boltdiff and runs the demo (README's first command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --runtime
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOLTDIFF_SCRIPT_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)" --target boltdiff >/dev/null
build/release/boltdiff --version
