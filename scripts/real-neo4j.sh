#!/usr/bin/env bash
# A three-way `boltdiff verify` against REAL Neo4j 3.5, 4.4 and 5 in Docker: the recipe for
# verifying a real migration chain, run on the demo graph (docs/real-servers.md).
#   scripts/real-neo4j.sh [--drift] [verify options...]
#
# 1. Starts neo4j:3.5, neo4j:4.4 and neo4j:5 (Community images), Bolt published on 127.0.0.1
#    only, with a password made for this run.
# 2. Loads fixtures/graphs/demo.json into each with the image's own cypher-shell, from Cypher
#    that scripts/graph-to-cypher writes in that version's syntax (boltdiff itself never
#    writes). --drift loads the 5 copy with fixtures/mutations/demo-drift.json on top, so the
#    report has something to find.
# 3. Runs `boltdiff verify 3.5 4.4 5` (reads only) and exits with its code: 0 same, 1 drift.
# The containers are removed on exit. Without a Docker engine it says so and exits 0.
# BOLTDIFF=path uses that binary instead of building build/release/boltdiff;
# REAL_NEO4J_PORT=N publishes Bolt on ports N, N+1, N+2 (default 17687).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  echo "real-neo4j.sh: no Docker engine here ('docker info' fails): skipped, nothing was started."
  exit 0
fi
drift=()
if [ "${1:-}" = "--drift" ]; then
  drift=(--mutate fixtures/mutations/demo-drift.json)
  shift
fi
if [ -z "${BOLTDIFF:-}" ]; then
  scripts/build.sh --dir build/release --target boltdiff >/dev/null
  BOLTDIFF=build/release/boltdiff
fi

# One password per run that never appears on a command line: `docker run --env NEO4J_AUTH`
# (no value) copies NEO4J_AUTH from this environment into the container, `docker exec -e
# NEO4J_PASSWORD` likewise for cypher-shell, and boltdiff reads NEO4J_USERNAME/NEO4J_PASSWORD.
NEO4J_PASSWORD=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export NEO4J_USERNAME=neo4j NEO4J_PASSWORD NEO4J_AUTH="neo4j/$NEO4J_PASSWORD"

versions=(3.5 4.4 5)
base=${REAL_NEO4J_PORT:-17687}
declare -A port=([3.5]=$base [4.4]=$((base + 1)) [5]=$((base + 2))) name=() uri=()
# 3.5 serves Bolt TLS as an option, with a self-signed certificate it generates: reach it
# encrypted with +ssc (on a real estate, pin it: --pin sha256:..., docs/connections.md).
# 4.4 and 5 have TLS off by default.
uri=([3.5]="bolt+ssc://127.0.0.1:${port[3.5]}" [4.4]="bolt://127.0.0.1:${port[4.4]}"
     [5]="bolt://127.0.0.1:${port[5]}")
started=()
work=$(mktemp -d)
# shellcheck disable=SC2317 # run by the trap
cleanup() {
  # --volumes: the images declare /data and /logs volumes, which would otherwise stay behind
  if [ "${#started[@]}" -gt 0 ]; then
    docker rm --force --volumes "${started[@]}" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

for v in "${versions[@]}"; do
  name[$v]="boltdiff-real-neo4j-${v/./}-$$"
  # small memory settings: three JVMs share this machine (5.x renamed dbms.memory to server.memory)
  mem=dbms
  [ "$v" = 5 ] && mem=server
  echo "== starting neo4j:$v as ${name[$v]} on 127.0.0.1:${port[$v]}"
  started+=("${name[$v]}")  # before the run: a container that fails to start is removed too
  docker run --detach --name "${name[$v]}" --env NEO4J_AUTH \
    --env "NEO4J_${mem}_memory_heap_max__size=512m" --env "NEO4J_${mem}_memory_pagecache_size=64m" \
    --publish "127.0.0.1:${port[$v]}:7687" "neo4j:$v" >/dev/null
done

for v in "${versions[@]}"; do
  # ready when boltdiff can log in (a JVM start, up to a few minutes on a cold machine)
  deadline=$((SECONDS + 300))
  until err=$("$BOLTDIFF" ping --timeout 5 "${uri[$v]}" 2>&1 >/dev/null); do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "real-neo4j.sh: neo4j:$v did not answer within 300 s: $err; its last log lines:" >&2
      docker logs --tail 20 "${name[$v]}" >&2
      exit 1
    fi
    sleep 2
  done
  mutate=()
  [ "$v" = 5 ] && mutate=("${drift[@]+"${drift[@]}"}")
  echo "== loading the demo graph into neo4j:$v with cypher-shell"
  if ! scripts/graph-to-cypher --version "$v" "${mutate[@]+"${mutate[@]}"}" \
      -o "$work/demo-$v.cypher" 2>>"$work/notes"; then
    cat "$work/notes" >&2
    exit 2
  fi
  docker exec --interactive --env NEO4J_USERNAME --env NEO4J_PASSWORD "${name[$v]}" \
    /var/lib/neo4j/bin/cypher-shell <"$work/demo-$v.cypher" >/dev/null
done
sort -u "$work/notes" >&2  # what the Cypher cannot carry (byte arrays), said once

planted=
[ "${#drift[@]}" -gt 0 ] && planted=" (5 loaded with planted drift)"
echo "== boltdiff verify 3.5 -> 4.4 -> 5$planted"
set +e
# :Event has no uniqueness constraint: --key lets the sample check find its nodes by kind
"$BOLTDIFF" verify --key Event.kind "$@" "${uri[3.5]}" "${uri[4.4]}" "${uri[5]}"
rc=$?
set -e
echo "== exit code $rc (0: same, 1: divergence found, 2-4: see docs/exit-codes.md)"
exit "$rc"
