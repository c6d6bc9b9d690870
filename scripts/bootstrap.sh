#!/usr/bin/env bash
# Installs what boltdiff needs on a Debian 12 machine, only what is missing.
#   scripts/bootstrap.sh            build + test dependencies
#   scripts/bootstrap.sh --runtime  only what the demo needs (compiler, libraries, python3)
set -euo pipefail

runtime_only=0
[ "${1:-}" = "--runtime" ] && runtime_only=1

pkgs=(build-essential cmake pkg-config libuv1-dev libssl-dev libmsgpack-dev libxxhash-dev
      libcunit1-dev python3 openssl ca-certificates tzdata)
if [ "$runtime_only" = 0 ]; then
  pkgs+=(clang libclang-rt-14-dev valgrind nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere (nvm, a newer image): accept them when on PATH.
if [ "$runtime_only" = 0 ]; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    filtered+=("$p")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
