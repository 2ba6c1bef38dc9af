#!/usr/bin/env bash
# N nodes pull the same image at once: through their local Shoal mirrors vs all straight from one registry.
# Real parts only: Debian's docker-registry (CNCF distribution) on loopback as the upstream, N `shoal daemon`
# processes (each with its mirror on, libp2p full mesh on loopback), the image pushed with skopeo, and N
# `skopeo copy` clients pulling every blob. Prints per-node times, the blob bytes the upstream served (from its
# access log) and the bytes each mirror got from peers / from the upstream (from its Prometheus counters).
#
#   bench/registry/mirror-vs-registry.sh [N=6] [LAYERS=4] [LAYER_MIB=16]
#
# Three rounds, each with its own freshly generated image (so nothing is cached from an earlier round):
#   direct   N skopeo clients pull straight from the registry at once
#   cold     N clients pull at once through their N mirrors, nobody has the image yet
#   rollout  one client pulls through its mirror first (the canary), then the other N-1 at once
set -euo pipefail
N=${1:-6}; LAYERS=${2:-4}; LAYER_MIB=${3:-16}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHOAL_DLL=${SHOAL_DLL:-$ROOT/src/Shoal.Cli/bin/Release/net10.0/shoal.dll}
if [[ ! -f $SHOAL_DLL ]]; then dotnet build "$ROOT/src/Shoal.Cli/Shoal.Cli.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly; fi
shoal() { dotnet "$SHOAL_DLL" "$@"; }
W=$(mktemp -d /tmp/shoal-regbench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  rm -rf "$W"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # file pattern seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1; }

# ---- upstream registry
PORT=$(free_port)
cat > "$W/registry.yml" <<YML
version: 0.1
log: { level: info }
storage: { filesystem: { rootdirectory: $W/registry-data } }
http: { addr: 127.0.0.1:$PORT, secret: bench }
YML
docker-registry serve "$W/registry.yml" >"$W/access.log" 2>"$W/registry.err" & PIDS+=($!)
wait_for "$W/registry.err" "listening on" 20
UP=127.0.0.1:$PORT

# ---- images: LAYERS uncompressed tar layers of random bytes each, as an OCI layout, pushed with skopeo
make_image() { # name
  local d=$W/img-$1; mkdir -p "$d/blobs/sha256" "$d/src"
  local layers="" diffs=""
  for i in $(seq 1 "$LAYERS"); do
    head -c $(( LAYER_MIB * 1048576 )) /dev/urandom > "$d/src/data$i.bin"
    tar -C "$d/src" -cf "$d/layer.tar" "data$i.bin"; rm "$d/src/data$i.bin"
    local h; h=$(sha256sum "$d/layer.tar" | cut -d' ' -f1); mv "$d/layer.tar" "$d/blobs/sha256/$h"
    local size; size=$(stat -c %s "$d/blobs/sha256/$h")
    layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$h\",\"size\":$size}"
    diffs+="${diffs:+,}\"sha256:$h\""
  done
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]},"config":{"Labels":{"bench":"%s"}}}' "$diffs" "$1" > "$d/config.json"
  local ch cs; ch=$(sha256sum "$d/config.json" | cut -d' ' -f1); cs=$(stat -c %s "$d/config.json"); mv "$d/config.json" "$d/blobs/sha256/$ch"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$ch" "$cs" "$layers" > "$d/manifest.json"
  local mh ms; mh=$(sha256sum "$d/manifest.json" | cut -d' ' -f1); ms=$(stat -c %s "$d/manifest.json"); mv "$d/manifest.json" "$d/blobs/sha256/$mh"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' "$mh" "$ms" > "$d/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"; rmdir "$d/src"
  skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$d" "docker://$UP/bench/$1:v1"
}
for img in direct cold rollout; do make_image $img; done
IMAGE_BYTES=$(du -cb "$W"/img-cold/blobs/sha256/* | tail -1 | cut -f1)

# ---- N daemons with their mirrors on, connected in a full mesh (and to node 1 as DHT bootstrap)
declare -a ADDR REG API ID
for i in $(seq 1 "$N"); do
  boot=(); if (( i > 1 )); then boot=(--bootstrap "${ADDR[1]}/p2p/${ID[1]}"); fi
  # dotnet itself in the background (not through the shoal function), so $! is the daemon and cleanup stops it
  dotnet "$SHOAL_DLL" daemon --repo "$W/n$i" --init --init-profile test --json --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 --gateway "" \
    --dht-mode server --set Dht.AllowPrivateAddresses=true \
    --registry-listen 127.0.0.1:0 --registry-upstream "http://$UP" "${boot[@]}" >"$W/n$i.out" 2>"$W/n$i.err" & PIDS+=($!)
  wait_for "$W/n$i.out" '"Registry"' 60
  line=$(grep '"Registry"' "$W/n$i.out" | head -1)
  ID[$i]=$(jq -r .ID <<<"$line"); ADDR[$i]=$(jq -r '.Addresses[0]' <<<"$line" | sed 's#/p2p/.*##')
  REG[$i]=$(jq -r .Registry <<<"$line" | sed 's#^http://##; s#/$##'); API[$i]=$(jq -r .Api <<<"$line" | sed 's#^http://##; s#/$##')
done
for i in $(seq 2 "$N"); do for j in $(seq 1 $(( i - 1 ))); do
  shoal swarm connect --repo "$W/n$i" "${ADDR[$j]}/p2p/${ID[$j]}" >/dev/null
done; done

# ---- measuring
upstream_blob_bytes() { # sum of response bytes of blob GETs in the registry's access log for one repository
  grep -oE "\"GET /v2/bench/$1/blobs/sha256:[0-9a-f]{64} HTTP/[0-9.]+\" [0-9]{3} [0-9]+" "$W/access.log" | awk '{s+=$NF} END {print s+0}'; }
metric() { # node name label
  curl -s "http://${API[$1]}/metrics" | awk -v m="$2" -v l="source=\"$3\"" '$1 == m"{"l"}" {print $2+0; f=1} END {if (!f) print 0}'; }
pull() { # host repo dest -> prints seconds
  local t0 t1; t0=$(date +%s.%N)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$1/bench/$2:v1" "dir:$3" >/dev/null
  t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
declare -A BASE_PEERS BASE_UP
snapshot() { for i in $(seq 1 "$N"); do BASE_PEERS[$i]=$(metric "$i" shoal_registry_bytes_total peers); BASE_UP[$i]=$(metric "$i" shoal_registry_bytes_total upstream); done; }
report() { # round nodes...
  local round=$1; shift; local peers=0 up=0
  printf '%-8s' "$round"
  for i in "$@"; do printf ' n%s=%5.2fs' "$i" "$(cat "$W/t-$round-$i")"; done
  if [[ $round != direct ]]; then
    for i in $(seq 1 "$N"); do
      peers=$(( peers + $(metric "$i" shoal_registry_bytes_total peers | cut -d. -f1) - ${BASE_PEERS[$i]%.*} ))
      up=$(( up + $(metric "$i" shoal_registry_bytes_total upstream | cut -d. -f1) - ${BASE_UP[$i]%.*} ))
    done
  fi
  local served; served=$(upstream_blob_bytes "$round")
  printf '\n         upstream served %d blob bytes = %.2f image copies; mirrors: %d bytes from upstream, %d from peers\n' \
    "$served" "$(echo "$served / $IMAGE_BYTES" | bc -l)" "$up" "$peers"
  local max; max=$(for i in "$@"; do cat "$W/t-$round-$i"; echo; done | sort -g | tail -1)
  printf '         slowest %.2fs\n' "$max"; }

echo "Shoal registry mirror benchmark: N=$N nodes, image = $LAYERS layers x $LAYER_MIB MiB + config ($IMAGE_BYTES bytes), loopback, $(nproc) cores"
round() { # name host-of-node-i... : the pulls of one wave run at once; each writes its time
  local name=$1; shift; local pids=() i
  for i in "$@"; do
    local host=$UP; [[ $name != direct ]] && host=${REG[$i]}
    ( pull "$host" "$name" "$W/out-$name-$i" > "$W/t-$name-$i" ) & pids+=($!)
  done
  wait "${pids[@]}"; }

snapshot; round direct $(seq 1 "$N"); report direct $(seq 1 "$N")
snapshot; round cold $(seq 1 "$N"); report cold $(seq 1 "$N")
snapshot; round rollout 1; round rollout $(seq 2 "$N"); report rollout $(seq 1 "$N")
