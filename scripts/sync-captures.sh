#!/usr/bin/env bash
# Refreshes fixtures/captures/ (byte-exact conversations with a real Neo4j 3.5.22) from the
# team's shared folder, so that a fresh clone carries the vectors its tests read.
#   scripts/sync-captures.sh [SHARED_DIR]   (default: ../shared beside the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-../shared}/captures
[ -d "$src/neo4j-3.5.22" ] || { echo "sync-captures.sh: $src/neo4j-3.5.22 not found" >&2; exit 2; }
rm -rf fixtures/captures.tmp
mkdir -p fixtures/captures.tmp
cp -r "$src/neo4j-3.5.22" "$src/README.md" fixtures/captures.tmp/
chmod -R u+w fixtures/captures.tmp
rm -rf fixtures/captures && mv fixtures/captures.tmp fixtures/captures
git status --short fixtures/captures
