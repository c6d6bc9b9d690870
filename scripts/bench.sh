#!/usr/bin/env bash
# boltdiff benchmarks: streaming throughput against the raw socket and the official driver,
# peak memory, parallel coverage scans, instructions per record. A script, never a test: the
# figures depend on the machine and its load. Details: docs/benchmarks.md.
#
#   scripts/bench.sh [--records N | --big | --quick] [--reps R] [--build DIR] [--json FILE]
#                    [--no-driver] [--no-coverage] [--no-callgrind]
#
#   --records N      node records in the stream (default 2000000)
#   --big            10000000 records (peak RSS compared between 1 M and 10 M); long
#   --quick          200000 records, 100000-node coverage graph, 3 runs: a smoke run (1-2 min)
#   --reps R         interleaved repetitions per client and fetch size (default 3)
#   --coverage-nodes N  nodes of the coverage graph (default 1000000)
#   --coverage-reps R   interleaved repetitions of each K (default 3)
#   --build DIR      Release build directory (default build/bench-full)
#   --json FILE      also write every figure as JSON
#
# Builds the C clients in Release mode, installs neo4j-driver 5.28 with npm ci when it is
# missing (scripts/conformance), and prints one table. Needs: cmake, a C compiler, the Debian
# packages of the build, python3, node + npm (for the driver), valgrind (for callgrind; the
# section is skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."
cmdline="scripts/bench.sh${*:+ $*}"
build=build/bench-full
py_args=()
no_driver=0
usage() { sed -n 2,23p "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --records) py_args+=(--records "$2"); shift 2 ;;
    --big) py_args+=(--records 10000000); shift ;;
    --quick) py_args+=(--records 200000 --coverage-nodes 100000 --reps 3); shift ;;
    --reps) py_args+=(--reps "$2"); shift 2 ;;
    --coverage-nodes|--coverage-reps) py_args+=("$1" "$2"); shift 2 ;;
    --build) build=$2; shift 2 ;;
    --json) py_args+=(--json "$2"); shift 2 ;;
    --no-driver) no_driver=1; py_args+=(--no-driver); shift ;;
    --no-coverage|--no-callgrind) py_args+=("$1"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

echo "building the benchmark clients (Release) in $build ..." >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBOLTDIFF_SCRIPT_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target boltdiff bench_drain bench_stream >/dev/null

if [ "$no_driver" = 0 ] && [ ! -d scripts/conformance/node_modules/neo4j-driver-5 ]; then
  if ! command -v npm >/dev/null; then
    echo "bench.sh: npm is needed for the neo4j-driver comparison (or pass --no-driver)" >&2
    exit 2
  fi
  echo "installing neo4j-driver 5.28 (npm ci in scripts/conformance) ..." >&2
  npm ci --prefix scripts/conformance --no-audit --no-fund >/dev/null
fi

exec python3 scripts/bench/bench.py --build "$build" --command "$cmdline" \
  "${py_args[@]}"
