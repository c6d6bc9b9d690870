#!/usr/bin/env bash
# The demo (README's first command): builds boltdiff, starts three fixture servers standing in
# for a migration chain - Neo4j 3.5 (Bolt 3), 4.4 (Bolt 4.4) and 5.26 (Bolt 5.8) - loaded with
# the demo graph, where the 5.x copy carries planted drift (fixtures/mutations/demo-drift.json),
# and runs one three-way `boltdiff verify`. The report must show the drift on the 5.x instance
# and only expected changes (index names, BTREE -> RANGE, lookup indexes) and ambiguous values
# (the DST fall-back hour that legacy 3.5 datetimes cannot tell apart) on 4.4.
#   scripts/demo.sh [--json] [extra verify options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --runtime
scripts/build.sh --dir build/release --target boltdiff >/dev/null

workdir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

# The demo password lives in a file and in the environment, never in argv.
printf 'neo4j:demo-pass\n' >"$workdir/auth"
start() { # persona [args...]: starts a server, sets $port (not in a subshell: the trap needs the pid)
  local persona=$1; shift
  scripts/fixture-server --persona "$persona" --port 0 --auth-file "$workdir/auth" --quiet \
    --access-log "$workdir/access-$persona.log" "$@" >"$workdir/$persona.out" 2>"$workdir/$persona.err" &
  pids+=($!)
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$workdir/$persona.out" 2>/dev/null)
    [ -n "$port" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "demo: the $persona fixture server did not start: $(tail -1 "$workdir/$persona.err")" >&2
  exit 1
}
start 3.5; p35=$port
start 4.4; p44=$port
start 5 --mutate fixtures/mutations/demo-drift.json; p5=$port

echo "== boltdiff verify 3.5 -> 4.4 -> 5 (fixture servers on ports $p35, $p44, $p5; 5 has planted drift)"
set +e
# Event has no uniqueness constraint, so its sampled nodes are matched by --key: that is how
# the planted datetime drift (a zone id dropped) and the DST fall-back values show up.
NEO4J_USERNAME=neo4j NEO4J_PASSWORD=demo-pass build/release/boltdiff verify --key Event.kind "$@" \
  "bolt://127.0.0.1:$p35" "bolt://127.0.0.1:$p44" "bolt://127.0.0.1:$p5"
rc=$?
set -e
queries=$(cat "$workdir"/access-*.log | wc -l)
writes=$(cat "$workdir"/access-*.log | grep -vc '"mode": *"r"' || true)
echo
echo "== exit code $rc (1 = divergence found, as planted); $queries queries sent, $writes not in read mode"
[ "$rc" = 1 ] && [ "$queries" -gt 0 ] && [ "$writes" = 0 ]
