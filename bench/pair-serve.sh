#!/usr/bin/env bash
# pair-serve.sh - a replicated pair (two daemons on loopback) as one peer-bench target:
#   peer-bench.sh ... 'pair=cmd@r0:exec bench/pair-serve.sh'
# alpha serves nbd://127.0.0.1:$PORT/r0 once the pair is ready; beta mirrors it. peer-bench gives
# PORT, SIZE and WORKDIR (its FILE is not used: the daemons create their own disks). To compare
# fairly with peers on fully allocated files, both disks are first filled through the pair (a
# sequential fio write of zeroes over the whole volume, replicated), then both daemons restart and
# the pair serves on $PORT: every block is allocated on both nodes, and nothing is syncing.
# PAIR_PROTOCOL (A|B|C, default C) and PAIR_JAR (default replicator/target/replicator.jar) override.
# PAIR_PEER=down stops beta once alpha is Primary: alpha serves alone (degraded: journal and bitmap, no peer).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
jar=${PAIR_JAR:-$repo/replicator/target/replicator.jar}
replctl=$repo/tools/bin/replctl
dir=$(mktemp -d "${WORKDIR:-/tmp}/pair.XXXXXX")
size=${SIZE:?SIZE (bytes) is required}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

(umask 077; head -c 32 /dev/urandom | base64 > "$dir/r0.secret")
ra=$(free_port); rb=$(free_port); setup_port=$(free_port); nb=$(free_port)
write_config() {  # alpha's NBD port
  cat > "$dir/r0.yaml" <<YAML
resource: r0
protocol: ${PAIR_PROTOCOL:-C}
secret-file: r0.secret
size: $size
nodes:
  alpha:
    replication: 127.0.0.1:$ra
    nbd: 127.0.0.1:$1
    disk: alpha.img
    state-dir: alpha
    control: alpha.sock
  beta:
    replication: 127.0.0.1:$rb
    nbd: 127.0.0.1:$nb
    disk: beta.img
    state-dir: beta
    control: beta.sock
YAML
}

pids=()
start_pair() {
  pids=()
  for node in alpha beta; do
    "$repo/tools/bin/java-launch" "$jar" up --config "$dir/r0.yaml" --node "$node" >>"$dir/$node.log" 2>&1 &
    pids+=($!)
  done
}
stop_pair() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_pair; exit 0' TERM INT
await() {  # node, jq-free pattern on status --json, seconds
  local end=$((SECONDS + $3))
  until "$replctl" status --json --config "$dir/r0.yaml" --node "$1" 2>/dev/null | tr -d ' \n' | grep -q "$2"; do
    [ $SECONDS -lt $end ] || { echo "pair-serve: timed out waiting for $1: $2" >&2; tail -5 "$dir"/*.log >&2; exit 1; }
    sleep 0.2
  done
}

write_config "$setup_port"
start_pair
await alpha '"replication":"Established"' 120
"$replctl" promote --config "$dir/r0.yaml" --node alpha >&2
fio --name=fill --ioengine=nbd --uri="nbd://127.0.0.1:$setup_port/r0" --rw=write --bs=1M --iodepth=4 \
    --size="$size" --zero_buffers --end_fsync=1 --output=/dev/null >&2
"$replctl" demote --config "$dir/r0.yaml" --node alpha >&2
stop_pair

write_config "$PORT"
start_pair
await alpha '"replication":"Established"' 120
"$replctl" promote --config "$dir/r0.yaml" --node alpha >&2
if [ "${PAIR_PEER:-up}" = down ]; then
  kill -TERM "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
  pids=("${pids[0]}")
  await alpha '"connection":"Connecting"' 60
fi
echo "pair-serve: ready on nbd://127.0.0.1:$PORT/r0 (protocol ${PAIR_PROTOCOL:-C}, files in $dir)" >&2
wait
