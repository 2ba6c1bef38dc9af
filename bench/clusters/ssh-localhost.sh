#!/usr/bin/env bash
# Runs a Lab scenario with the `cluster` driver against two SSH "hosts" on this machine: an sshd of its own (not the
# system's) listening on 127.0.0.1 and 127.0.0.2, with a freshly generated host key and client key for the current
# user, and an inventory naming both addresses. The daemons really are started over SSH (`ssh ... shoal daemon`), bind
# 0.0.0.0 and are reached at each host's address, exactly as on remote machines.
#
#   bench/clusters/ssh-localhost.sh [SCENARIO] [extra `shoal lab run` arguments]
#   (default scenario: bench/scenarios/small-4.yaml with the shoal strategy; needs openssh-server: apt-get install openssh-server)
#
# Everything lives in a temporary directory that is removed at the end, and the sshd started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario=${1:-bench/scenarios/small-4.yaml}
shift || true
[ $# -gt 0 ] || set -- --strategies shoal
port=${SHOAL_LAB_SSH_PORT:-22022}
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || { echo "sshd not found: apt-get install openssh-server" >&2; exit 1; }

dir=$(mktemp -d /tmp/shoal-lab-ssh.XXXXXX)
chmod 700 "$dir"
cleanup() { [ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
cp "$dir/client_key.pub" "$dir/authorized_keys"
chmod 600 "$dir/authorized_keys"
mkdir -p /run/sshd
cat > "$dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
ListenAddress 127.0.0.2
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
MaxStartups 100:30:200
MaxSessions 100
EOF
"$sshd" -f "$dir/sshd_config" -E "$dir/sshd.log"
for _ in $(seq 50); do [ -f "$dir/sshd.pid" ] && break; sleep 0.1; done

dotnet build src/Shoal.Cli/Shoal.Cli.csproj -c Release --nologo -v quiet -clp:ErrorsOnly
shoal=$PWD/src/Shoal.Cli/bin/Release/net10.0/shoal.dll
user=$(id -un)
cat > "$dir/inventory.yaml" <<EOF
hosts:
  - { host: 127.0.0.1, user: $user, port: $port, shoal: $shoal, workDir: $dir, address: 127.0.0.1, identityFile: $dir/client_key,
      options: [UserKnownHostsFile=$dir/known_hosts, StrictHostKeyChecking=accept-new, LogLevel=ERROR] }
  - { host: 127.0.0.2, user: $user, port: $port, shoal: $shoal, workDir: $dir, address: 127.0.0.2, identityFile: $dir/client_key,
      options: [UserKnownHostsFile=$dir/known_hosts, StrictHostKeyChecking=accept-new, LogLevel=ERROR] }
EOF
ssh -i "$dir/client_key" -o UserKnownHostsFile="$dir/known_hosts" -o StrictHostKeyChecking=accept-new -o BatchMode=yes -o LogLevel=ERROR \
    -p "$port" "$user@127.0.0.2" 'echo "ssh to 127.0.0.2 works: $(hostname)"'
dotnet "$shoal" lab run "$scenario" --driver cluster --inventory "$dir/inventory.yaml" --out "${SHOAL_LAB_OUT:-reports/cluster-localhost}" "$@"
