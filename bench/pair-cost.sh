#!/usr/bin/env bash
# pair-cost.sh - what one replicated write costs each thread of a pair, at a fixed write rate:
# server CPU µs and context switches per write, per node and per thread group, read from
# /proc/PID/task/*/{stat,status} around a fio run on the Primary.
#
#   bench/pair-cost.sh [--jar L=JAR]... [--rate IOPS] [--seconds S] [--reps N] [--warmup S] [--bs 4k]
#                      [--iodepth 16] [--peer down] [--size BYTES]
#
# Each --jar (default: cur=replicator/target/replicator.jar) gets its own pair from bench/pair-serve.sh,
# one after the other; every pair runs one unmeasured warm-up (30 s: the JIT compiles for a while), then N
# measured runs. The rate is fixed
# (fio --rate_iops) so that builds are compared at equal load: CPU per write at a fixed rate varies a few
# per cent between runs on this shared 2-core machine, where throughput varies by a third. --peer down
# stops the Secondary first (the Primary alone: journal and bitmap, no peer). Output: one table per jar,
# thread groups (names without their number) with CPU µs/write and context switches/write, and a total
# line per run. Needs fio with its nbd engine; files go to a temporary directory that is removed.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
rate=5000; seconds=8; reps=3; warmup=30; bs=4k; iodepth=16; peer=up; size=$((1 << 30))
declare -a jars=()
while [ $# -gt 0 ]; do
  case $1 in
    --jar) jars+=("$2"); shift;;
    --rate) rate=$2; shift;;
    --seconds) seconds=$2; shift;;
    --reps) reps=$2; shift;;
    --warmup) warmup=$2; shift;;
    --bs) bs=$2; shift;;
    --iodepth) iodepth=$2; shift;;
    --peer) peer=$2; shift;;
    --size) size=$2; shift;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0;;
    *) echo "pair-cost: unknown option $1" >&2; exit 2;;
  esac
  shift
done
[ ${#jars[@]} -gt 0 ] || jars=("cur=$repo/replicator/target/replicator.jar")
[[ "$peer" =~ ^(up|down)$ ]] || { echo "pair-cost: --peer up|down" >&2; exit 2; }
command -v fio >/dev/null || { echo "pair-cost: fio is missing" >&2; exit 2; }
work=$(mktemp -d /tmp/pair-cost.XXXXXX)
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf -- "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# tid name cpu_ticks voluntary nonvoluntary, one line per thread
snapshot() {
  local t stat
  for t in /proc/"$1"/task/*; do
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    read -r -a f <<<"${stat##*) }"
    printf '%s %s %s %s\n' "${t##*/}" "$(tr ' ' '_' <"$t/comm" 2>/dev/null)" "$((f[11] + f[12]))" \
      "$(awk '/^voluntary_ctxt/{v=$2} /^nonvoluntary_ctxt/{n=$2} END{print v, n}' "$t/status" 2>/dev/null)"
  done | sort
}

# per thread group: CPU µs and context switches per write, between two snapshots (threads in both)
per_write() {  # before after writes node
  local hz; hz=$(getconf CLK_TCK)
  join <(cat "$1") <(cat "$2") | awk -v w="$3" -v node="$4" -v hz="$hz" '
    { g = $2; sub(/-[0-9]+$/, "", g); sub(/#[0-9]+$/, "", g); cpu[g] += $7 - $3; cs[g] += ($8 - $4) + ($9 - $5) }
    END { for (g in cpu) if (cpu[g] > 0 || cs[g] > w / 100) printf "%s %s %.1f %.2f\n", node, g, cpu[g] * 1e6 / hz / w, cs[g] / w }'
}

for spec in "${jars[@]}"; do
  label=${spec%%=*}; jar=${spec#*=}
  [[ "$spec" == *=* && -f "$jar" ]] || { echo "pair-cost: bad --jar '$spec' (want LABEL=JAR, an existing jar)" >&2; exit 2; }
  port=$(free_port)
  PAIR_JAR=$jar PAIR_PEER=$peer PORT=$port SIZE=$size WORKDIR=$work setsid "$here/pair-serve.sh" >"$work/$label.serve" 2>&1 &
  serve_pid=$!
  end=$((SECONDS + 300))
  until grep -q 'ready on' "$work/$label.serve"; do
    kill -0 "$serve_pid" 2>/dev/null && [ $SECONDS -lt $end ] || { echo "pair-cost: pair $label did not start" >&2; tail -5 "$work/$label.serve" >&2; exit 1; }
    sleep 1
  done
  dir=$(sed -n 's/.*files in \(.*\))$/\1/p' "$work/$label.serve")
  declare -A pid=()
  for node in alpha beta; do
    p=$(pgrep -f -- "up --config $dir/r0.yaml --node $node" || true)
    [ -n "$p" ] && pid[$node]=$p
  done
  echo "== $label ($jar): ${bs} random writes, QD$iodepth, $rate/s for ${seconds}s, peer $peer; nodes: ${!pid[*]}"
  for run in $(seq 0 "$reps"); do
    for node in "${!pid[@]}"; do snapshot "${pid[$node]}" >"$work/$node.0"; done
    runtime=$seconds
    [ "$run" = 0 ] && runtime=$warmup  # warm-up: JIT, page cache
    fio --name=cost --ioengine=nbd --uri="nbd://127.0.0.1:$port/r0" --rw=randwrite --bs="$bs" --iodepth="$iodepth" \
      --size="$size" --time_based --runtime="$runtime" --rate_iops="$rate" --output-format=terse --output="$work/fio" >/dev/null
    for node in "${!pid[@]}"; do snapshot "${pid[$node]}" >"$work/$node.1"; done
    iops=$(awk -F';' '{print $49}' "$work/fio")
    writes=$((iops * seconds))
    [ "$run" = 0 ] && continue
    [ "$writes" -gt 0 ] || { echo "pair-cost: fio wrote nothing" >&2; exit 1; }
    for node in "${!pid[@]}"; do per_write "$work/$node.0" "$work/$node.1" "$writes" "$node"; done >"$work/run.$run"
    sort -k3 -n -r "$work/run.$run" | awk -v r="$run" -v i="$iops" '
      { printf "  run %d  %-6s %-18s %7.1f µs/write %5.2f cs/write\n", r, $1, $2, $3, $4; cpu += $3; cs += $4 }
      END { printf "  run %d  total (%d IOPS)           %7.1f µs/write %5.2f cs/write\n", r, i, cpu, cs }' | grep -E 'total| [0-9]{2,}\.[0-9] µs'
  done
  kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; serve_pid=
  rm -rf -- "$dir"
done
