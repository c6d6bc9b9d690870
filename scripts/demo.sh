#!/usr/bin/env bash
# Sets up boltdiff and runs the demo (README's first command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --runtime
scripts/build.sh --dir build/release --target boltdiff >/dev/null
build/release/boltdiff --version
