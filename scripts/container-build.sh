#!/usr/bin/env bash
# Builds the boltdiff container image with a daemonless builder (podman, else buildah bud).
#   scripts/container-build.sh [--tag boltdiff:0.1.0] [--local-base]
# --local-base: when no container registry is reachable (air-gapped build hosts), build the
# debian:12 and debian:12-slim base images locally with debootstrap from the Debian mirror that
# apt already uses on this machine, and import them, so the Dockerfile builds unchanged.
# BUILD_ISOLATION=chroot: run the RUN steps without an OCI runtime (hosts or sandboxes where crun
# cannot create cgroups).
set -euo pipefail
cd "$(dirname "$0")/.."
tag=boltdiff:0.1.0
local_base=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --local-base) local_base=1; shift ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "container-build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if command -v podman >/dev/null; then builder=(podman build)
elif command -v buildah >/dev/null; then builder=(buildah bud)
else echo "container-build.sh: neither podman nor buildah is installed (apt-get install podman)" >&2; exit 2
fi

if [ "$local_base" = 1 ]; then
  mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
           | head -1 | awk '{print $2}' || true)
  [ -n "$mirror" ] || { echo "container-build.sh: no Debian mirror found in the apt sources" >&2; exit 2; }
  command -v debootstrap >/dev/null || { echo "container-build.sh: apt-get install debootstrap" >&2; exit 2; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "container-build.sh: debootstrap bookworm from $mirror" >&2
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  tar -C "$work/rootfs" -c . | podman import - localhost/debian:12 >/dev/null
  podman tag localhost/debian:12 docker.io/library/debian:12 docker.io/library/debian:12-slim
fi
"${builder[@]}" --network host ${BUILD_ISOLATION:+--isolation "$BUILD_ISOLATION"} -f deploy/Dockerfile -t "$tag" .
echo "built $tag"
