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
{ command -v ip && command -v tc; } >/dev/null 2>&1 || need_apt+=(iproute2)   # the Lab's kernel links (network namespaces, tc)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  if ! apt-get install -y -qq "${need_apt[@]}" >/dev/null; then
    echo "setup.sh: could not install ${need_apt[*]} with apt-get; install them (the .NET 10 SDK comes from Microsoft's package feed where Debian lacks it) and run again" >&2
    exit 1
  fi
fi
# The interop peer's npm packages, reinstalled whenever the lockfile changes.
if [ -f interop/package-lock.json ]; then
  want=$(sha256sum interop/package-lock.json | cut -d' ' -f1)
  have=$(cat interop/node_modules/.shoal-lock-sha256 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    (cd interop && npm ci --omit=peer --no-audit --no-fund --loglevel=error)
    echo "$want" > interop/node_modules/.shoal-lock-sha256
  fi
fi
dotnet restore Shoal.slnx --verbosity quiet
