#!/usr/bin/env bash
# Shoal's main job until the Lab lands: add a generated file to a fresh repository and read it back by CID.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
dotnet build src/Shoal.Cli -c Release --verbosity quiet -nologo >/dev/null
shoal() { dotnet src/Shoal.Cli/bin/Release/net10.0/shoal.dll "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shoal init --repo "$work/repo" >/dev/null
head -c $((8 * 1024 * 1024)) /dev/urandom > "$work/sample.bin"
cid=$(shoal add --repo "$work/repo" -q "$work/sample.bin")
echo "added sample.bin (8 MiB): $cid"
shoal cat --repo "$work/repo" "$cid" > "$work/back.bin"
if cmp -s "$work/sample.bin" "$work/back.bin"; then
  echo "cat $cid: $(stat -c %s "$work/back.bin") bytes, identical to the file added"
else
  echo "cat $cid: content differs" >&2
  exit 1
fi
