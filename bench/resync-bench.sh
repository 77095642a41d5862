#!/usr/bin/env bash
# resync-bench.sh - issue 4's resync benchmark: how fast a replicated pair brings a peer up to date.
# Two real daemons (alpha, beta) from one resource file in a private temporary directory, driven with
# replctl and real NBD clients. Four scenarios, each on fresh daemons and disks:
#   1. full sync over loopback: alpha alone, promoted, filled through NBD (nbdcopy) with random data
#      (fully allocated, no holes); then beta starts brand-new (empty state dir, no disk) and gets a
#      full sync. Time: beta's start -> beta Connected, Established, disk UpToDate. Reports MiB/s.
#   2. the same over a 100 Mbit/s link: each daemon in a network namespace made here, joined by a veth
#      pair (10.231.9.1/24, 10.231.9.2/24, inside the namespaces only) with a tbf qdisc on both ends;
#      NBD and HTTP on 127.0.0.1 inside each namespace, control sockets are files (replctl from here).
#      Reports MiB/s / 11.92 (100 Mbit/s in MiB/s; the issue's target is >= 0.9).
#   3. as 2 with `net: compression: lz4` and text (license texts and Perl modules from /usr/share,
#      repeated; ~2.2x with lz4 in 64 KiB blocks): the effective rate
#      (volume bytes / time) against the link limit; it should beat 1.0.
#   4. journal catch-up over loopback: pair in sync, alpha Primary, fio randwrite 4k QD16 through NBD
#      for 60 s; beta stopped (SIGTERM to its PID) 10 s in, restarted 30 s after it exited, while fio
#      still runs. Time: beta's restart -> Established and UpToDate; the sync kind alpha logged.
# Status is polled every 100 ms over each daemon's control socket (the request replctl sends; the
# answer's `status` is what `replctl status --json` prints), with a deadline; at the end of each
# scenario the real `replctl status --json` output for beta is kept in the report.
#
#   bench/resync-bench.sh [OPTIONS]
#
# Options:
#   --only "1 2 3 4"      scenarios to run (default: all)
#   --size-mib N          volume of scenarios 1 and 2 in MiB (default 1024)
#   --text-mib N          volume of scenario 3 in MiB (default 512)
#   --s4-size-mib N       volume of scenario 4 in MiB (default 1024)
#   --link-rate R         tc rate of the veth link (default 100mbit; the reference follows it)
#   --fio-runtime S       scenario 4: fio's runtime (default 60)
#   --stop-at S           scenario 4: stop beta S seconds into the fio run (default 10)
#   --absence S           scenario 4: restart beta S seconds after it exited (default 30)
#   --journal-max-size X  scenario 4: journal.max-size (default 4GiB, so that the journal holds the
#                         whole absence: a degraded Primary takes ~20000 4 KiB writes/s here)
#   --s4-deadline S       scenario 4: give up waiting for beta S seconds after its restart (default 120)
#   -d DIR                parent of the work directory (default /tmp; disks, journals and the data
#                         files: ~3 x the largest volume + the journal)
#   --out FILE            markdown report (default bench/results/resync-<short HEAD>.md)
#   --keep                keep the work directory (logs, status traces, fio output)
#   -h, --help            this help
#
# Needs root (ip netns, tc), iproute2, nbdcopy (libnbd-bin), fio with the nbd engine, python3, jq, lz4,
# and the built jars (replicator/target/replicator.jar, tools/target/replctl.jar; not rebuilt here:
# private copies are run, so a rebuild by someone else during the run changes nothing).
# Everything it creates (processes, by PID; namespaces; the work directory) is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

only="1 2 3 4"; size_mib=1024; text_mib=512; s4_size_mib=1024; link_rate=100mbit
fio_runtime=60; stop_at=10; absence=30; journal_max=4GiB; s4_deadline=120; parent=/tmp; out=; keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --only) only=$2; shift;;
    --size-mib) size_mib=$2; shift;;
    --text-mib) text_mib=$2; shift;;
    --s4-size-mib) s4_size_mib=$2; shift;;
    --link-rate) link_rate=$2; shift;;
    --fio-runtime) fio_runtime=$2; shift;;
    --stop-at) stop_at=$2; shift;;
    --absence) absence=$2; shift;;
    --journal-max-size) journal_max=$2; shift;;
    --s4-deadline) s4_deadline=$2; shift;;
    -d) parent=$2; shift;;
    --out) out=$2; shift;;
    --keep) keep=1;;
    -h|--help) usage; exit 0;;
    *) echo "resync-bench: unknown option $1" >&2; usage >&2; exit 2;;
  esac
  shift
done
for n in "$size_mib" "$text_mib" "$s4_size_mib" "$fio_runtime" "$stop_at" "$absence" "$s4_deadline"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "resync-bench: '$n' is not a positive integer" >&2; exit 2; }
done
[[ "$link_rate" =~ ^([0-9]+)mbit$ ]] || { echo "resync-bench: --link-rate must be like 100mbit" >&2; exit 2; }
link_mbit=${BASH_REMATCH[1]}
[ "$(id -u)" = 0 ] || { echo "resync-bench: needs root (ip netns, tc)" >&2; exit 2; }
for c in ip tc nbdcopy fio python3 jq lz4 timeout; do
  command -v "$c" >/dev/null || { echo "resync-bench: missing $c" >&2; exit 2; }
done
fio --enghelp=nbd >/dev/null 2>&1 || { echo "resync-bench: this fio has no nbd engine" >&2; exit 2; }
for j in replicator/target/replicator.jar tools/target/replctl.jar; do
  [ -f "$repo/$j" ] || { echo "resync-bench: $repo/$j is missing (build it first)" >&2; exit 2; }
done

short=$(git -C "$repo" rev-parse --short HEAD)
out=${out:-$repo/bench/results/resync-$short.md}
mkdir -p "$(dirname "$out")"

# ------------------------------------------------------------------ work dir, cleanup
work=$(mktemp -d "$parent/resync-bench.XXXXXX")
: > "$work/pids"          # "PID what": every process started here that may outlive its scenario
: > "$work/netns"         # namespaces created here
: > "$work/killed"        # PIDs that needed SIGKILL
nsA=rsbA$$; nsB=rsbB$$; vethA=rsb$$a; vethB=rsb$$b
addrA=10.231.9.1; addrB=10.231.9.2

log() { printf '%s resync-bench: %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
sleep_until() { local d; d=$(calc %.3f "$1 - $(now)"); [[ "$d" == -* ]] || sleep "$d"; }  # until epoch time $1

# Is PID still one of ours (alive, and its command line names our work directory)?
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF "$work"; }
is_zombie() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# SIGTERM, then up to 30 s for it to exit, then SIGKILL (and up to 10 s more). Only our own PIDs.
stop_pid() {
  local pid=$1 i
  ours "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$pid" 2>/dev/null || is_zombie "$pid"; then wait "$pid" 2>/dev/null || true; return 0; fi
    sleep 0.1
  done
  log "PID $pid did not exit 30 s after SIGTERM: SIGKILL"
  echo "$pid" >> "$work/killed"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null || is_zombie "$pid"; then wait "$pid" 2>/dev/null || true; return 0; fi
    sleep 0.1
  done
}

stop_listed() {  # stop every listed PID still ours (optionally only those whose tag starts with $1)
  local pid what
  while read -r pid what; do
    [ -z "${1:-}" ] || [[ "$what" == "$1"* ]] || continue
    if ours "$pid"; then stop_pid "$pid"; fi
  done < "$work/pids"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_listed || true
  local ns
  while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done < "$work/netns"
  if [ "$keep" = 1 ]; then log "work directory kept: $work"; else rm -rf -- "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private copies of the jars (a rebuild by someone else during the run changes nothing).
cp "$repo/replicator/target/replicator.jar" "$work/replicator.jar"
cp "$repo/tools/target/replctl.jar" "$work/replctl.jar"
jar_info="replicator.jar $(sha256sum "$work/replicator.jar" | cut -c1-12) built $(date -r "$repo/replicator/target/replicator.jar" -u +%FT%TZ)"
launch=$repo/tools/bin/java-launch

replctl() { timeout 90 "$launch" "$work/replctl.jar" "$@"; }

# ------------------------------------------------------------------ the status poller
# poll.py SOCKET COND DEADLINE_S T0 TRACE: asks the daemon for its status every 100 ms (what replctl
# status sends) until COND holds or DEADLINE_S seconds after T0 have passed; prints a JSON summary
# (ok, elapsed since T0, when a sync was first seen, the sync kinds seen, the last status).
cat > "$work/poll.py" <<'PY'
import json, socket, sys, time
sock, cond, deadline, t0 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
trace = open(sys.argv[5], "a") if len(sys.argv) > 5 else None

def status():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(sock)
        s.sendall(b'{"command":"status","force":false}\n')
        buf = b""
        while not buf.endswith(b"\n") and len(buf) < (1 << 20):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return json.loads(buf).get("status")
    except (OSError, ValueError):
        return None
    finally:
        s.close()

def holds(st):
    if st is None:
        return False
    if cond == "up":
        return True
    if cond == "primary":
        return st.get("role") == "Primary" and bool(st.get("serving"))
    if cond == "established":   # this node in sync: Connected, Established, no sync, disk UpToDate
        return (st.get("connection") == "Connected" and st.get("replication") == "Established"
                and st.get("syncKind") is None and st.get("disk") == "UpToDate")
    if cond == "pair":          # ... and the peer's disk UpToDate too
        return holds_est(st) and (st.get("peer") or {}).get("disk") == "UpToDate"
    raise SystemExit("unknown condition " + cond)

def holds_est(st):
    return (st.get("connection") == "Connected" and st.get("replication") == "Established"
            and st.get("syncKind") is None and st.get("disk") == "UpToDate")

summary = {"ok": False, "cond": cond, "polls": 0, "firstAnswer": None, "firstSync": None, "syncKinds": [],
           "disks": [], "maxOutOfSync": 0, "status": None}
while True:
    t = time.time()
    st = status()
    summary["polls"] += 1
    if st is not None:
        el = round(t - t0, 3)
        if summary["firstAnswer"] is None:
            summary["firstAnswer"] = el
        if st.get("replication") in ("SyncSource", "SyncTarget") and summary["firstSync"] is None:
            summary["firstSync"] = el
        k = st.get("syncKind")
        if k and k not in summary["syncKinds"]:
            summary["syncKinds"].append(k)
        d = st.get("disk")
        if d and d not in summary["disks"]:
            summary["disks"].append(d)
        summary["maxOutOfSync"] = max(summary["maxOutOfSync"], st.get("outOfSyncBytes") or 0)
        summary["status"] = st
        if trace:
            trace.write(json.dumps({"t": el, "status": st}, separators=(",", ":")) + "\n")
        if cond != "up" and st.get("connection") == "StandAlone":
            summary["error"] = "StandAlone: " + str(st.get("lastError"))
            break
    if holds(st):
        summary["ok"] = True
        summary["elapsed"] = round(t - t0, 3)
        break
    if time.time() - t0 > deadline:
        summary["error"] = "deadline of %g s passed" % deadline
        break
    time.sleep(max(0.0, 0.1 - (time.time() - t)))
print(json.dumps(summary, separators=(",", ":")))
PY

# poll DIR NODE COND DEADLINE T0 [TRACE] -> summary JSON on stdout; exit 1 if COND did not hold
poll() {
  local s
  s=$(timeout $(( ${4%.*} + 30 )) python3 "$work/poll.py" "$1/$2/control.sock" "$3" "$4" "$5" ${6:+"$6"}) || true
  [ -n "$s" ] || s='{"ok":false,"error":"poller failed"}'
  printf '%s\n' "$s"
  [ "$(jq -r .ok <<<"$s")" = true ]
}

cpu_s() {  # user+system CPU seconds of PID so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo na
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# write_config DIR SIZE_MIB MODE(loop|netns) [NET-EXTRA-YAML] [TOP-EXTRA-YAML]
write_config() {
  local dir=$1 size=$2 mode=$3 ra rb na nb ha hb
  mkdir -p "$dir/alpha" "$dir/beta"
  (umask 077; head -c 32 /dev/urandom | base64 > "$dir/r0.secret"); chmod 600 "$dir/r0.secret"
  if [ "$mode" = loop ]; then
    ra=127.0.0.1:$(free_port); rb=127.0.0.1:$(free_port)
    na=127.0.0.1:$(free_port); nb=127.0.0.1:$(free_port); ha=127.0.0.1:$(free_port); hb=127.0.0.1:$(free_port)
  else
    ra=$addrA:7789; rb=$addrB:7789; na=127.0.0.1:10809; nb=127.0.0.1:10809; ha=127.0.0.1:9789; hb=127.0.0.1:9789
  fi
  cat > "$dir/r0.yaml" <<YAML
resource: r0
protocol: C
secret-file: r0.secret
size: ${size}MiB
nodes:
  alpha:
    replication: $ra
    nbd: $na
    disk: alpha/disk.img
    state-dir: alpha/state
    control: alpha/control.sock
    http: $ha
  beta:
    replication: $rb
    nbd: $nb
    disk: beta/disk.img
    state-dir: beta/state
    control: beta/control.sock
    http: $hb
net:
  ping-interval: 1s
  ping-timeout: 5s
  connect-interval: 1s
${4:-}${5:-}
YAML
  echo "${na#*:}" > "$dir/alpha.nbdport"
}

# start_daemon DIR NODE TAG [NETNS]: starts `replicator up` in the background, records its PID; the PID
# is java's own (java-launch and `ip netns exec` exec, they do not fork).
start_daemon() {
  local dir=$1 node=$2 tag=$3 ns=${4:-} pid
  local -a pre=()
  [ -z "$ns" ] || pre=(ip netns exec "$ns")
  "${pre[@]}" "$launch" "$work/replicator.jar" up --config "$dir/r0.yaml" --node "$node" >>"$dir/$node.log" 2>&1 &
  pid=$!
  echo "$pid $tag-$node" >> "$work/pids"
  echo "$pid" > "$dir/$node.pid"
}
pid_of() { cat "$1/$2.pid"; }

await_up() {  # DIR NODE: control socket answers within 60 s
  local s
  s=$(poll "$1" "$2" up 60 "$(now)") || { log "$2 did not come up: $(jq -c . <<<"$s")"; tail -20 "$1/$2.log" >&2; return 1; }
}

promote_alpha() {  # DIR [N]: replctl promote; a fresh node alone is only Consistent, then promote --force
  if replctl promote --config "$1/r0.yaml" --node alpha >>"$1/replctl.log" 2>&1; then
    [ -z "${2:-}" ] || res "$2" promote "replctl promote"
  elif grep -q 'not UpToDate' "$1/replctl.log" \
      && replctl promote --force --config "$1/r0.yaml" --node alpha >>"$1/replctl.log" 2>&1; then
    log "alpha alone is not UpToDate: promoted with --force ($(head -1 "$1/replctl.log"))"
    [ -z "${2:-}" ] || res "$2" promote "replctl promote --force (plain promote refused: $(head -1 "$1/replctl.log"))"
  else
    log "promote alpha failed:"; cat "$1/replctl.log" >&2; return 1
  fi
  poll "$1" alpha primary 60 "$(now)" >/dev/null || { log "alpha not Primary and serving"; tail -20 "$1/alpha.log" >&2; return 1; }
}

# status_json DIR NODE: the node's status now (as replctl status --json has it), without starting a JVM
status_json() { poll "$1" "$2" up 10 "$(now)" | jq -c '.status // {}'; }

# When a sync does not finish: both statuses and a thread dump of each daemon (jcmd), kept in DIR.
diagnose() {  # DIR
  local node pid
  for node in alpha beta; do
    status_json "$1" "$node" > "$1/$node-status-at-deadline.json" || true
    pid=$(pid_of "$1" "$node")
    if ours "$pid" && command -v jcmd >/dev/null; then
      timeout 30 jcmd "$pid" Thread.print > "$1/$node-threads.txt" 2>&1 || true
    fi
  done
  {  # the replication connection's queues (Recv-Q/Send-Q), in every namespace of ours
    ss -tnpi 2>/dev/null | grep -A1 -E "pid=($(pid_of "$1" alpha)|$(pid_of "$1" beta))," || true
    while read -r ns; do ip netns exec "$ns" ss -tnpi 2>/dev/null | grep -A1 ':7789' || true; done < "$work/netns"
  } > "$1/sockets-at-deadline.txt"
}

# Problem lines of a daemon log (WARN/ERROR/exceptions), at most 15.
# Not the lines of a shutdown ("stopping:" to "stopped"), nor the two lines of our own promote --force.
problems() {
  awk '/stopping: finishing/ { skip = 1 } !skip { printf "%d:%s\n", NR, $0 } / stopped$/ { skip = 0 }' "$1" 2>/dev/null \
    | grep -E 'WARN|ERROR|SEVERE|Exception|[Ee]rror:' | grep -vE 'promote --force' | head -15 || true
}

# results: one file per scenario, "key=value" lines, read back for the report
res() { printf '%s=%s\n' "$2" "$3" >> "$work/res.$1"; }
get() { sed -n "s/^$2=//p" "$work/res.$1" 2>/dev/null | tail -1; }

# ------------------------------------------------------------------ data files
rand_file=$work/random.img
text_file=$work/text.img
make_random() {  # MiB
  [ -f "$rand_file" ] && [ "$(stat -c %s "$rand_file")" -ge $(( $1 << 20 )) ] && return 0
  log "writing ${1} MiB of random data"
  head -c "$(( $1 << 20 ))" /dev/urandom > "$rand_file"
}
make_text() {  # MiB: real text (/usr/share/common-licenses, then Perl modules under /usr/share), at most
  # 32 MiB of it, repeated to the size (LZ4 per 64 KiB frame sees no repeats at that distance)
  log "writing ${1} MiB of text"
  python3 - "$text_file" "$(( $1 << 20 ))" <<'PY'
import glob, sys
path, size = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(
    glob.glob("/usr/share/perl*/**/*.pm", recursive=True) + glob.glob("/usr/share/perl*/**/*.pod", recursive=True))
parts, n = [], 0
for f in files:
    if n >= min(size, 32 << 20):
        break
    try:
        data = open(f, "rb").read()
    except OSError:
        continue
    parts.append(data); n += len(data)
block = b"".join(parts)[: min(size, 32 << 20)]
if len(block) < (1 << 20):
    raise SystemExit("too little text found under /usr/share")
with open(path, "wb") as out:
    left = size
    while left > 0:
        out.write(block[:left]); left -= min(left, len(block))
print(len(block))
PY
}

# ------------------------------------------------------------------ network namespaces
make_netns() {
  log "creating namespaces $nsA, $nsB (veth $vethA <-> $vethB, tbf $link_rate on both ends)"
  ip netns add "$nsA"; echo "$nsA" >> "$work/netns"
  ip netns add "$nsB"; echo "$nsB" >> "$work/netns"
  ip link add "$vethA" netns "$nsA" type veth peer name "$vethB" netns "$nsB"
  ip -n "$nsA" addr add "$addrA/24" dev "$vethA"
  ip -n "$nsB" addr add "$addrB/24" dev "$vethB"
  local ns v
  for ns in "$nsA" "$nsB"; do
    v=$vethA; [ "$ns" = "$nsB" ] && v=$vethB
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$v" up
    ip netns exec "$ns" tc qdisc add dev "$v" root tbf rate "$link_rate" burst 32kbit latency 50ms
  done
}

# Raw TCP goodput over the shaped link (one stream, 8 s), for reference.
measure_link() {
  local rpid
  timeout 40 ip netns exec "$nsB" python3 - "$addrB" > "$work/link.txt" 2>"$work/link.err" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], 5201)); s.listen(1)
s.settimeout(20); c, _ = s.accept(); c.settimeout(20)
n, t0, buf = 0, None, bytearray(1 << 20)
while True:
    k = c.recv_into(buf)
    if not k: break
    if t0 is None: t0 = time.time()
    n += k
print("%.2f" % (n / (time.time() - t0) / 1048576))
PY
  rpid=$!
  sleep 1
  timeout 20 ip netns exec "$nsA" python3 - "$addrB" 2>>"$work/link.err" <<'PY' || true
import os, socket, sys, time
c = socket.create_connection((sys.argv[1], 5201), timeout=10)
data, end = os.urandom(1 << 20), time.time() + 8
while time.time() < end: c.sendall(data)
c.close()
PY
  wait "$rpid" || true
  [ -s "$work/link.txt" ] && cat "$work/link.txt" || echo na
}

# ------------------------------------------------------------------ scenarios 1-3: full sync
# full_sync N DIR SIZE_MIB DATAFILE MODE(loop|netns) [NET-EXTRA-YAML]
full_sync() {
  local n=$1 dir=$2 size=$3 data=$4 mode=$5 netyaml=${6:-} nsa= nsb= deadline t0 t1 s port a_cpu0 fill
  local -a inA=()
  if [ "$mode" = netns ]; then nsa=$nsA; nsb=$nsB; inA=(ip netns exec "$nsA"); fi
  write_config "$dir" "$size" "$mode" "$netyaml"
  res "$n" volume_mib "$size"
  log "scenario $n: alpha alone ($mode)"
  start_daemon "$dir" alpha "s$n" "$nsa"
  await_up "$dir" alpha
  promote_alpha "$dir" "$n"
  port=$(cat "$dir/alpha.nbdport")
  log "scenario $n: filling ${size} MiB through NBD (nbdcopy $(basename "$data") -> alpha)"
  t0=$(now)
  "${inA[@]}" timeout 600 nbdcopy --flush "$data" "nbd://127.0.0.1:$port/r0" 2>>"$dir/nbdcopy.log" \
    || { log "nbdcopy failed: $(tail -3 "$dir/nbdcopy.log")"; return 1; }
  t1=$(now)
  fill=$(calc %.1f "$size / ($t1 - $t0)")
  res "$n" fill_mibs "$fill"
  status_json "$dir" alpha > "$dir/alpha-before.json" || true
  log "scenario $n: filled at $fill MiB/s; alpha: $(jq -c '{role,disk,connection,degraded,journalBytes,lastSeq}' "$dir/alpha-before.json" 2>/dev/null)"

  # deadline: loopback 300 s; shaped link 60 s + 3x the time at the link rate (uncompressed)
  if [ "$mode" = loop ]; then deadline=300; else deadline=$(calc %.0f "60 + 3 * $size / ($link_mbit * 1000000 / 8 / 1048576)"); fi
  a_cpu0=$(cpu_s "$(pid_of "$dir" alpha)")
  log "scenario $n: starting beta (brand-new: no state dir, no disk); deadline ${deadline} s"
  t0=$(now)
  start_daemon "$dir" beta "s$n" "$nsb"
  s=$(poll "$dir" beta established "$deadline" "$t0" "$dir/beta-trace.ndjson") && res "$n" ok 1 || { res "$n" ok 0; diagnose "$dir"; }
  res "$n" beta_cpu "$(cpu_s "$(pid_of "$dir" beta)")"
  res "$n" alpha_cpu "$(calc %.1f "$(cpu_s "$(pid_of "$dir" alpha)") - $a_cpu0")"
  echo "$s" > "$dir/poll-summary.json"
  res "$n" elapsed "$(jq -r '.elapsed // empty' <<<"$s")"
  res "$n" first_sync "$(jq -r '.firstSync // empty' <<<"$s")"
  res "$n" kinds "$(jq -r '.syncKinds | join(",")' <<<"$s")"
  res "$n" error "$(jq -r '.error // empty' <<<"$s")"
  res "$n" last "$(jq -c '.status | {disk,connection,replication,syncKind,syncProgress,outOfSyncBytes,lastError}' <<<"$s" 2>/dev/null)"
  replctl status --json --config "$dir/r0.yaml" --node beta > "$dir/beta-after.json" 2>&1 || true
  status_json "$dir" alpha > "$dir/alpha-after.json" || true
  log "scenario $n: $(jq -c '{ok,elapsed,firstSync,syncKinds,error}' <<<"$s")"
  grep -hE 'SyncSource:|SyncTarget:|in sync with' "$dir/alpha.log" "$dir/beta.log" > "$dir/sync-lines.txt" || true
  stop_listed "s$n"
  if [ "$(get "$n" ok)" = 1 ]; then  # both stopped cleanly: beta's disk must hold the data
    if timeout 300 cmp -s "$data" "$dir/beta/disk.img"; then res "$n" identical yes; else res "$n" identical NO; fi
  fi
  rm -f "$dir"/alpha/disk.img "$dir"/beta/disk.img
  rm -rf "$dir"/alpha/state "$dir"/beta/state
}

# ------------------------------------------------------------------ scenario 4: journal catch-up
catch_up() {
  local n=4 dir=$work/s4 port t_fio t_stop t0 s fio_pid fio_rc a_jb before
  write_config "$dir" "$s4_size_mib" loop "" "journal:
  max-size: $journal_max
"
  res 4 volume_mib "$s4_size_mib"
  log "scenario 4: starting the pair (both fresh: in sync without a sync)"
  start_daemon "$dir" alpha s4; start_daemon "$dir" beta s4
  await_up "$dir" alpha; await_up "$dir" beta
  poll "$dir" alpha pair 120 "$(now)" >/dev/null || { log "pair not Established"; tail -20 "$dir"/*.log >&2; return 1; }
  promote_alpha "$dir" 4
  port=$(cat "$dir/alpha.nbdport")
  log "scenario 4: fio randwrite 4k QD16 for ${fio_runtime} s on alpha"
  t_fio=$(now)
  timeout -k 15 $((fio_runtime + 120)) fio --name=load --ioengine=nbd --uri="nbd://127.0.0.1:$port/r0" --rw=randwrite \
    --bs=4k --iodepth=16 --size="${s4_size_mib}m" --time_based --runtime="$fio_runtime" --randrepeat=0 \
    --write_iops_log="$dir/fio" --log_avg_msec=1000 --output-format=json --output="$dir/fio.json" \
    >"$dir/fio.log" 2>&1 &
  fio_pid=$!
  echo "$fio_pid s4-fio" >> "$work/pids"
  sleep_until "$(calc %.3f "$t_fio + $stop_at - 1")"
  status_json "$dir" alpha > "$dir/alpha-before-stop.json" || true
  sleep_until "$(calc %.3f "$t_fio + $stop_at")"
  log "scenario 4: stopping beta (SIGTERM to PID $(pid_of "$dir" beta))"
  stop_pid "$(pid_of "$dir" beta)"
  t_stop=$(now)
  res 4 stopped_at "$(calc %.1f "$t_stop - $t_fio")"
  sleep_until "$(calc %.3f "$t_stop + $absence - 1")"
  status_json "$dir" alpha > "$dir/alpha-before-restart.json" || true
  before=$(jq -c '{role,degraded,journalBytes,lastSeq,outOfSyncBytes}' "$dir/alpha-before-restart.json" 2>/dev/null || echo '{}')
  res 4 alpha_before "$before"
  log "scenario 4: alpha before beta's restart: $before"
  kill -0 "$fio_pid" 2>/dev/null && res 4 fio_running_at_restart yes || res 4 fio_running_at_restart NO
  sleep_until "$(calc %.3f "$t_stop + $absence")"
  log "scenario 4: restarting beta"
  t0=$(now)
  res 4 restarted_at "$(calc %.1f "$t0 - $t_fio")"
  start_daemon "$dir" beta s4b
  s=$(poll "$dir" beta established "$s4_deadline" "$t0" "$dir/beta-trace.ndjson") && res 4 ok 1 || { res 4 ok 0; diagnose "$dir"; }
  local t_done; t_done=$(now)
  kill -0 "$fio_pid" 2>/dev/null && res 4 fio_running_at_done yes || res 4 fio_running_at_done no
  echo "$s" > "$dir/poll-summary.json"
  res 4 elapsed "$(jq -r '.elapsed // empty' <<<"$s")"
  res 4 done_at "$(calc %.1f "$t_done - $t_fio")"
  res 4 first_sync "$(jq -r '.firstSync // empty' <<<"$s")"
  res 4 kinds "$(jq -r '.syncKinds | join(",")' <<<"$s")"
  res 4 disks "$(jq -r '.disks | join(",")' <<<"$s")"
  res 4 error "$(jq -r '.error // empty' <<<"$s")"
  res 4 last "$(jq -c '.status | {disk,connection,replication,syncKind,syncProgress,outOfSyncBytes,lastError}' <<<"$s" 2>/dev/null)"
  replctl status --json --config "$dir/r0.yaml" --node beta > "$dir/beta-after.json" 2>&1 || true
  status_json "$dir" alpha > "$dir/alpha-after.json" || true
  log "scenario 4: $(jq -c '{ok,elapsed,firstSync,syncKinds,disks,error}' <<<"$s")"
  # fio ends by itself at its runtime; if it is still there 30 s later, its writes are stuck
  while kill -0 "$fio_pid" 2>/dev/null && ! is_zombie "$fio_pid" \
      && [ "$(calc %d "($(now) < $t_fio + $fio_runtime + 30)")" = 1 ]; do sleep 0.5; done
  if kill -0 "$fio_pid" 2>/dev/null && ! is_zombie "$fio_pid"; then
    res 4 fio_stuck "yes: still running $(calc %.0f "$(now) - $t_fio") s after its start (runtime ${fio_runtime} s)"
    log "scenario 4: fio is stuck (its writes do not complete): stopping it"
    stop_pid "$fio_pid"
  fi
  fio_rc=0; wait "$fio_pid" 2>/dev/null || fio_rc=$?
  res 4 fio_rc "$fio_rc"
  sed -n '/^{/,$p' "$dir/fio.json" > "$dir/fio-clean.json" 2>/dev/null || true
  res 4 fio_iops "$(jq -r '.jobs[0].write.iops | floor' "$dir/fio-clean.json" 2>/dev/null || echo na)"
  res 4 fio_errors "$(jq -r '.jobs[0].error' "$dir/fio-clean.json" 2>/dev/null || echo na)"
  res 4 iops_series "$(awk -F, '{ printf "%s%d", (NR > 1 ? " " : ""), $2 }' "$dir"/fio_iops*.log 2>/dev/null || true)"
  res 4 last_write_s "$(awk -F, '$2 > 0 { t = $1 } END { printf "%d", t / 1000 }' "$dir"/fio_iops*.log 2>/dev/null || true)"
  res 4 fio_msgs "$(grep -m3 -E 'stuck|error' "$dir/fio.log" 2>/dev/null | cut -c1-160 | paste -sd '|' | sed 's/|/; /g' || true)"
  # fio's per-second IOPS, averaged per phase (times from fio's start)
  local r0=$(get 4 restarted_at) d0=$(get 4 done_at) st=$(get 4 stopped_at)
  res 4 iops_phases "$(awk -F, -v st="$st" -v r="$r0" -v d="$d0" '
      { t = $1 / 1000; p = (t <= st) ? 1 : (t <= r) ? 2 : (t <= d) ? 3 : 4; s[p] += $2; c[p]++ }
      END { for (p = 1; p <= 4; p++) printf "%s%s", (p > 1 ? " / " : ""), (c[p] ? int(s[p] / c[p]) : "-") }' \
      "$dir"/fio_iops*.log 2>/dev/null || echo na)"
  grep -hE 'SyncSource:|SyncTarget:|in sync with' "$dir/alpha.log" "$dir/beta.log" > "$dir/sync-lines.txt" || true
  res 4 source_line "$(grep -E 'SyncSource:' "$dir/alpha.log" | tail -1 | sed 's/|/\\|/g')"
  res 4 kind_logged "$(grep -oE 'SyncSource: [a-z]+ sync' "$dir/alpha.log" | tail -1)"
  stop_listed "s4"
}

# ------------------------------------------------------------------ run
load0=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%FT%TZ)
t_start=$(now)
log "work directory $work; report $out"
link_ref=$(calc %.2f "$link_mbit * 1000000 / 8 / 1048576")
link_measured=na

run() {  # run N: the scenario in a subshell with errexit; a failure is recorded, the rest still run
  local n=$1 rc=0
  log "=== scenario $n ==="
  res "$n" load "$(cut -d' ' -f1 /proc/loadavg)"
  set +e
  ( set -e; "${@:2}" )
  rc=$?
  set -e
  [ "$rc" = 0 ] || { res "$n" failed "exit $rc"; log "scenario $n failed (exit $rc)"; }
  stop_listed "s$n"
  res "$n" duration "$(calc %.0f "$(now) - $t_scn")"
}

for n in $only; do
  t_scn=$(now)
  case $n in
    1) make_random "$size_mib"; run 1 full_sync 1 "$work/s1" "$size_mib" "$rand_file" loop;;
    2|3)
      if [ ! -s "$work/netns" ]; then make_netns; link_measured=$(measure_link); log "link goodput: $link_measured MiB/s"; fi
      if [ "$n" = 2 ]; then
        make_random "$size_mib"; run 2 full_sync 2 "$work/s2" "$size_mib" "$rand_file" netns
      else
        make_text "$text_mib" >/dev/null
        res 3 lz4_ratio "$(calc %.2f "$(stat -c %s "$text_file") / $(lz4 -1 -B4 -c "$text_file" | wc -c)")"
        run 3 full_sync 3 "$work/s3" "$text_mib" "$text_file" netns "  compression: lz4
"
      fi;;
    4) rm -f "$rand_file" "$text_file"; run 4 catch_up;;
    *) echo "resync-bench: no scenario $n" >&2;;
  esac
done

# ------------------------------------------------------------------ report
rate() { [ -n "$(get "$1" elapsed)" ] && calc %.1f "$(get "$1" volume_mib) / $(get "$1" elapsed)" || echo "—"; }
syncrate() {  # from the first status that showed the sync to the end (excludes JVM start and connect)
  [ -n "$(get "$1" elapsed)" ] && [ -n "$(get "$1" first_sync)" ] \
    && calc %.1f "$(get "$1" volume_mib) / ($(get "$1" elapsed) - $(get "$1" first_sync))" || echo "—"
}
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "—") print "—"; else printf "%.2f× %s", r / t, (r / t >= 0.9 ? "✔" : "✘") }'; }
beat() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "—") print "—"; else printf "%.2f× %s", r / t, (r / t > 1.0 ? "✔" : "✘") }'; }
status_cell() {
  if [ -n "$(get "$1" failed)" ]; then echo "FAILED ($(get "$1" failed)): $(get "$1" error) $(get "$1" last)"
  elif [ "$(get "$1" ok)" = 1 ]; then echo "UpToDate"
  else echo "not done: $(get "$1" error) $(get "$1" last)"; fi
}

{
  echo "# Resync benchmark (issue 4) — $short"
  echo
  echo "\`bench/resync-bench.sh$( [ "$only" = "1 2 3 4" ] || printf ' --only "%s"' "$only")\`, started $started, $(calc %.0f "$(now) - $t_start") s in all."
  echo "Host $(uname -n), kernel $(uname -r), $(nproc) CPUs (shared, noisy), load average at start $load0;"
  echo "$jar_info (the working tree may hold uncommitted edits of others: the jar is what ran);"
  echo "$(java -version 2>&1 | head -1); $(fio --version); $(nbdcopy --version 2>/dev/null | head -1)."
  echo "Both daemons protocol C, sync defaults (\`max-rate\` 0 = unlimited, \`min-rate\` 10 MiB/s), disks and"
  echo "journals under $parent ($(df -h --output=source,fstype "$parent" | tail -1 | tr -s ' ')). Times: beta's start (its \`replicator up\`) until its"
  echo "status says Connected, Established, no sync, disk UpToDate (polled every 100 ms on its control socket)."
  echo "Link: two namespaces, veth, \`tbf rate $link_rate burst 32kbit latency 50ms\` on both ends;"
  echo "reference $link_ref MiB/s ($link_rate); one TCP stream measured $link_measured MiB/s over it."
  echo
  echo "| # | scenario | volume | time s | MiB/s | MiB/s sync phase | vs reference (goal) | sync kind | beta result | CPU s alpha / beta | load |"
  echo "|---|---|---:|---:|---:|---:|---|---|---|---|---:|"
  for n in $only; do
    case $n in
      1) name="full sync, loopback, random data"; ref="loopback: no reference";;
      2) name="full sync, $link_rate veth, random data"; ref="$(verdict "$(rate 2)" "$link_ref") (≥ 0.9)";;
      3) name="full sync, $link_rate veth, lz4, text (lz4 alone: $(get 3 lz4_ratio)×)"; ref="$(beat "$(rate 3)" "$link_ref") (> 1.0)";;
      4) name="journal catch-up after ${absence} s away, fio randwrite 4k QD16, loopback"; ref="—";;
    esac
    if [ "$n" = 4 ]; then
      printf '| 4 | %s | %s MiB | %s | — | — | %s | %s (alpha logged: %s) | %s | — | %s |\n' "$name" "$(get 4 volume_mib)" \
        "$(get 4 elapsed)" "$ref" "$(get 4 kinds)" "$(get 4 kind_logged)" "$(status_cell 4)" "$(get 4 load)"
    else
      printf '| %s | %s | %s MiB | %s | %s | %s | %s | %s | %s%s | %s / %s | %s |\n' "$n" "$name" "$(get "$n" volume_mib)" \
        "$(get "$n" elapsed)" "$(rate "$n")" "$(syncrate "$n")" "$ref" "$(get "$n" kinds)" "$(status_cell "$n")" \
        "$( [ -n "$(get "$n" identical)" ] && echo ", data identical: $(get "$n" identical)")" \
        "$(get "$n" alpha_cpu)" "$(get "$n" beta_cpu)" "$(get "$n" load)"
    fi
  done
  echo
  for n in $only; do
    [ "$n" != 4 ] || continue
    [ -f "$work/res.$n" ] || continue
    echo "- Scenario $n: alpha alone: $(get "$n" promote); filled through NBD (degraded Primary) at $(get "$n" fill_mibs) MiB/s;"
    echo "  the sync was first seen in beta's status $(get "$n" first_sync) s after its start (JVM start, connect, handshake)."
  done
  if [[ " $only " == *" 4 "* ]] && [ -f "$work/res.4" ]; then
    if [ "$(get 4 ok)" = 1 ]; then done4="UpToDate at $(get 4 done_at) s"; else done4="still not UpToDate at the deadline, $(get 4 done_at) s"; fi
    echo "- Scenario 4 (times from fio's start): fio ran ${fio_runtime} s; beta had exited at $(get 4 stopped_at) s (SIGTERM"
    echo "  sent at ${stop_at} s), restarted at $(get 4 restarted_at) s (fio running: $(get 4 fio_running_at_restart)), $done4 (fio running"
    echo "  then: $(get 4 fio_running_at_done)); beta's disk states seen: $(get 4 disks); first seen syncing $(get 4 first_sync) s after its restart."
    echo "  Alpha just before the restart: \`$(get 4 alpha_before)\`; journal.max-size $journal_max."
    echo "  fio: $(get 4 fio_iops) IOPS over the run (exit $(get 4 fio_rc), error $(get 4 fio_errors)); per phase (connected /"
    echo "  beta away / catch-up / after): $(get 4 iops_phases) IOPS; last second with a completed write: $(get 4 last_write_s) s."
    [ -z "$(get 4 fio_stuck)" ] || echo "  **fio stuck** — $(get 4 fio_stuck); fio said: \`$(get 4 fio_msgs)\`."
    echo "  fio IOPS per second: $(get 4 iops_series)."
    echo "  Alpha's log: \`$(get 4 source_line)\`"
    from=$(sed -n 's/.*SyncSource: [a-z]* sync to [^ ]* from seq \([0-9]*\).*/\1/p' <<<"$(get 4 source_line)")
    last=$(jq -r '.lastSeq // empty' <<<"$(get 4 alpha_before)" 2>/dev/null || true)
    [ -z "$from" ] || [ -z "$last" ] || echo "  Beta was $((last - from + 1)) writes behind one second before its restart (alpha's lastSeq $last, replay from seq $from)."
  fi
  echo
  echo "## Sync log lines"
  for n in $only; do
    [ -f "$work/s$n/sync-lines.txt" ] || continue
    echo; echo "Scenario $n:"; echo; echo '```'; cut -c1-300 "$work/s$n/sync-lines.txt"; echo '```'
  done
  echo
  echo "## replctl status --json --node beta at the end"
  for n in $only; do
    [ -f "$work/s$n/beta-after.json" ] || continue
    echo; echo "Scenario $n: \`$(jq -c '{role,disk,connection,replication,syncKind,outOfSyncBytes,peer,lastError}' "$work/s$n/beta-after.json" 2>/dev/null || head -c 300 "$work/s$n/beta-after.json")\`"
  done
  echo
  echo "## Problems in the daemon logs"
  echo
  echo "WARN/ERROR/exception lines outside the daemons' shutdowns, first 15 per log; the two warnings of"
  echo 'alpha'"'"'s `promote --force` (a node alone is only Consistent) are left out.'
  found=0
  for n in $only; do
    for f in "$work/s$n"/alpha.log "$work/s$n"/beta.log "$work/s$n"/nbdcopy.log "$work/s$n"/fio.log; do
      [ -s "$f" ] || continue
      p=$(problems "$f")
      [ -n "$p" ] || continue
      found=1
      echo; echo "Scenario $n, $(basename "$f"):"; echo; echo '```'; cut -c1-400 <<<"$p"; echo '```'
    done
    if [ -n "$(get "$n" failed)" ] || [ "$(get "$n" ok)" = 0 ]; then
      found=1
      echo; echo "Scenario $n did not finish: $(get "$n" failed) $(get "$n" error); beta's last status $(get "$n" last)."
      for f in "$work/s$n"/alpha-status-at-deadline.json "$work/s$n"/beta-status-at-deadline.json; do
        [ -s "$f" ] || continue
        echo "$(basename "$f" -status-at-deadline.json) at the deadline: \`$(jq -c '{role,disk,connection,replication,syncKind,syncProgress,outOfSyncBytes,lastSeq,journalBytes,degraded,lastError,peer}' "$f")\`"
      done
      if [ -s "$work/s$n/beta-trace.ndjson" ]; then
        lp=$(jq -sc 'reduce .[] as $r (null; if . == null or $r.status.lastSeq != .lastSeq
            or $r.status.syncProgress != .syncProgress then {t: $r.t, lastSeq: $r.status.lastSeq, syncProgress: $r.status.syncProgress}
            else . end)' "$work/s$n/beta-trace.ndjson")
        lt=$(jq -s '.[-1].t' "$work/s$n/beta-trace.ndjson")
        if [ "$(calc %d "($(jq .t <<<"$lp") > $lt - 2)")" = 1 ]; then how="still progressing at the deadline (slowly)"
        else how="no progress in the $(calc %.0f "$lt - $(jq .t <<<"$lp")") s after it, until the deadline"; fi
        echo "Last progress in beta's status trace: \`$lp\` (t: seconds after beta's start): $how."
      fi
      if [ -s "$work/s$n/alpha-threads.txt" ]; then
        echo "Alpha's sync-pump thread at the deadline (jcmd Thread.print): \`$(grep -A6 '^"sync-pump"' "$work/s$n/alpha-threads.txt" \
            | grep -m1 'at io\.replicator' | sed 's/^[[:space:]]*//')\`; beta's applier: \`$(grep -A8 '^"apply-' \
            "$work/s$n/beta-threads.txt" 2>/dev/null | grep -m1 'at io\.replicator' | sed 's/^[[:space:]]*//')\`."
      fi
      parked=$(grep -c 'AckTracker.awaitRoom' "$work/s$n/alpha-threads.txt" 2>/dev/null || true)
      if [ "${parked:-0}" -gt 0 ]; then
        echo "Alpha's threads parked in \`AckTracker.awaitRoom\` (writers waiting for room in the send window): $(grep -c 'AckTracker.awaitRoom' "$work/s$n/alpha-threads.txt"),"
        echo "e.g. \`$(awk '/^"/ { h = $1 } /AckTracker.awaitRoom/ { print h; exit }' "$work/s$n/alpha-threads.txt")\`: $(grep -m1 -A6 'AckTracker.awaitRoom' "$work/s$n/alpha-threads.txt" | grep 'at io\.replicator' | sed 's/^[[:space:]]*at //' | head -4 | paste -sd '<' | sed 's/</ ← /g')."
      fi
      if [ -s "$work/s$n/sockets-at-deadline.txt" ]; then
        echo "The replication connection at the deadline (ss: state, Recv-Q, Send-Q, local, peer):"
        echo; echo '```'; grep '^ESTAB' "$work/s$n/sockets-at-deadline.txt" | awk '{ print $1, $2, $3, $4, $5 }'; echo '```'
      fi
      echo; echo "Log tails:"
      for f in "$work/s$n"/alpha.log "$work/s$n"/beta.log; do
        [ -s "$f" ] || continue
        echo; echo "$(basename "$f"):"; echo; echo '```'; tail -15 "$f" | cut -c1-400; echo '```'
      done
    fi
  done
  if [ -s "$work/killed" ]; then
    found=1
    echo
    while read -r pid; do
      echo "- PID $pid ($(awk -v p="$pid" '$1 == p { print $2 }' "$work/pids")) did not exit within 30 s of SIGTERM and was SIGKILLed."
    done < "$work/killed"
  fi
  [ "$found" = 1 ] || echo; [ "$found" = 1 ] || echo "None."
} > "$out"
log "report written to $out"
cat "$out"
