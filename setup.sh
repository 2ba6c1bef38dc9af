#!/usr/bin/env bash
# Installs what Shoal's build, tests and Lab need on a fresh Debian machine. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
need_apt=()
command -v dotnet >/dev/null 2>&1 || need_apt+=(dotnet-sdk-10.0)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
[ -x /usr/bin/skopeo ] || need_apt+=(skopeo)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ -f interop/package-lock.json ] && [ ! -d interop/node_modules ]; then
  (cd interop && npm ci --omit=peer --no-audit --no-fund --loglevel=error)
fi
dotnet restore Shoal.slnx --verbosity quiet
