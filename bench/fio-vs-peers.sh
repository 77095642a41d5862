#!/usr/bin/env bash
# fio-vs-peers.sh - our NBD server against nbdkit (and optionally qemu-nbd / nbd-server) with the
# shared peer-bench.sh: same fio workloads, same backing-file preparation, servers interleaved,
# medians over repeats. Prints peer-bench's "result"/"ratio" lines and a markdown table.
#
#   bench/fio-vs-peers.sh [OPTIONS] [-- PEER-BENCH-OPTIONS...]
#
# Options:
#   --qemu               also run qemu-nbd (label qemu)
#   --nbd-server         also run nbd-server (label nbd-server)
#   --ours-args "ARGS"   extra arguments for `replicator serve` (e.g. "--io-threads 8")
#   --variant L="ARGS"   an extra "ours" target labelled L with its own serve ARGS (repeatable), e.g.
#                        --variant io4="--io-threads 4" --variant io32="--io-threads 32"
#   --variant-env L="ENV" an extra "ours" target whose command starts with shell assignments ENV, e.g.
#                        --variant-env noleak="REPLICATOR_JAVA_OPTS=-Dio.netty.leakDetection.level=disabled"
#                        --variant-env jdk25="JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64"
#                        (serve args too: L="ENV -- ARGS")
#   --variant-jar L=JAR  an extra "ours" target running another build of the server jar (e.g. one built
#                        from an older commit: git archive COMMIT | tar -x -C DIR; mvn -o package in DIR);
#                        serve args too: L="JAR -- ARGS"
#   --pair [A|B|C]       also run a replicated pair on loopback (bench/pair-serve.sh, label pair-C etc.;
#                        repeatable): the Primary serves, every write is mirrored to the peer
#   --pair-jar L=JAR     also run a protocol C pair of another build (label pair-L), e.g. an older commit
#                        built as for --variant-jar: an A/B of two pairs in one run (repeatable)
#   --pair-degraded      also run the pair with its Secondary stopped once the Primary serves (label
#                        pair-degraded): the Primary alone, journal and bitmap but no peer; beside pair-C and
#                        ours it splits a replicated write's cost into the journal's and the peer's
#   --jar JAR            the jar of the "ours" target (default: <repo>/replicator/target/replicator.jar)
#   --no-ours            do not run the default "ours" target (only the variants)
#   --md FILE            write the markdown table to FILE (default: stdout, after the result lines)
#   --raw FILE           also keep peer-bench's full stdout (comments, result and ratio lines) in FILE
#   --build              rebuild the server jar even if it exists
#   --wait-load X[:SEC]  first wait (at most SEC seconds, default 1200) until the 1-minute load average
#                        is below X: the machine has 2 cores and is shared
#   -h, --help           this help
# Everything after "--" goes to peer-bench.sh (it comes after our defaults, so it overrides them):
#   -t 10 -r 3 -s 1G -b nbdkit are the defaults; e.g. -- -t 5 -r 1 -w randwrite4k -d /dev/shm -k
#
# Environment:
#   PEER_BENCH            path of peer-bench.sh (default: <repo>/../shared/bench/peer-bench.sh)
#   REPLICATOR_JAVA_OPTS  extra JVM options for our server (e.g. a JFR recording)
#   JAVA_HOME             the JDK our server runs on (default: java on PATH)
#
# The server jar is copied to a private directory first, so a rebuild by someone else during the
# (long) run does not change or break the server under test.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
PEER_BENCH=${PEER_BENCH:-$repo/../shared/bench/peer-bench.sh}
jar=$repo/replicator/target/replicator.jar

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

declare -a pairs=()
declare -a pairjars=()
degraded=0
qemu=0; nbdserver=0; ours=1; build=0; md=; raw=; ours_args=; wait_load=
declare -a variants=() envvariants=() jarvariants=() passthru=()
while [ $# -gt 0 ]; do
  case $1 in
    --qemu) qemu=1;;
    --nbd-server) nbdserver=1;;
    --ours-args) ours_args=$2; shift;;
    --ours-args=*) ours_args=${1#*=};;
    --variant) variants+=("$2"); shift;;
    --variant=*) variants+=("${1#*=}");;
    --variant-env) envvariants+=("$2"); shift;;
    --variant-env=*) envvariants+=("${1#*=}");;
    --variant-jar) jarvariants+=("$2"); shift;;
    --variant-jar=*) jarvariants+=("${1#*=}");;
    --jar) jar=$(readlink -f "$2"); shift;;
    --jar=*) jar=$(readlink -f "${1#*=}");;
    --no-ours) ours=0;;
    --pair-jar) pairjars+=("$2"); shift;;
    --pair-degraded) degraded=1;;
    --pair) if [[ "${2:-}" =~ ^[ABC]$ ]]; then pairs+=("$2"); shift; else pairs+=(C); fi;;
    --md) md=$2; shift;;
    --md=*) md=${1#*=};;
    --raw) raw=$2; shift;;
    --raw=*) raw=${1#*=};;
    --build) build=1;;
    --wait-load) wait_load=$2; shift;;
    --wait-load=*) wait_load=${1#*=};;
    -h|--help) usage; exit 0;;
    --) shift; passthru=("$@"); break;;
    *) echo "fio-vs-peers: unknown option $1 (peer-bench options go after --)" >&2; usage >&2; exit 2;;
  esac
  shift
done

[ -x "$PEER_BENCH" ] || [ -f "$PEER_BENCH" ] || { echo "fio-vs-peers: no peer-bench.sh at $PEER_BENCH (set PEER_BENCH)" >&2; exit 2; }

if [ "$build" = 1 ] || { [ ! -f "$jar" ] && [ "$jar" = "$repo/replicator/target/replicator.jar" ]; }; then
  echo "fio-vs-peers: building the server jar (tests skipped)" >&2
  (cd "$repo" && mvn -B -q -o package -DskipTests -pl replicator -am)
fi
[ -f "$jar" ] || { echo "fio-vs-peers: build did not produce $jar" >&2; exit 2; }

snap=$(mktemp -d /tmp/fio-vs-peers.XXXXXX)
trap 'rm -rf -- "$snap"' EXIT
cp "$jar" "$snap/replicator.jar"
jar_info="$(sha256sum "$jar" | cut -c1-12) $(date -r "$jar" -u +%FT%TZ)"

# cmd: target running our server on the snapshot jar; $FILE and $PORT are expanded by peer-bench.
ours_cmd() {  # extra serve args [env assignments] [jar]
  printf 'cmd:%s exec %q %q serve --volume "$FILE" --listen 127.0.0.1:$PORT %s' \
    "${2:-}" "$repo/tools/bin/java-launch" "${3:-$snap/replicator.jar}" "$1"
}

targets=(nbdkit=nbdkit)
[ "$ours" = 1 ] && targets+=("ours=$(ours_cmd "$ours_args")")
for v in "${variants[@]}"; do
  label=${v%%=*}; args=${v#*=}
  [[ "$v" == *=* && "$label" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "fio-vs-peers: bad --variant '$v' (want LABEL=ARGS)" >&2; exit 2; }
  targets+=("$label=$(ours_cmd "$args")")
done
for v in "${envvariants[@]}"; do
  label=${v%%=*}; spec=${v#*=}; env=${spec%% -- *}; args=
  [[ "$spec" == *" -- "* ]] && args=${spec#* -- }
  [[ "$v" == *=* && "$label" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "fio-vs-peers: bad --variant-env '$v' (want LABEL=ENV)" >&2; exit 2; }
  targets+=("$label=$(ours_cmd "$args" "$env")")
  variants+=("$label: $env${args:+ -- $args}")
done
for v in "${jarvariants[@]}"; do
  label=${v%%=*}; spec=${v#*=}; vjar=${spec%% -- *}; args=
  [[ "$spec" == *" -- "* ]] && args=${spec#* -- }
  [[ "$v" == *=* && "$label" =~ ^[A-Za-z0-9._-]+$ && -f "$vjar" ]] || { echo "fio-vs-peers: bad --variant-jar '$v' (want LABEL=JAR, an existing jar)" >&2; exit 2; }
  cp "$vjar" "$snap/$label.jar"
  targets+=("$label=$(ours_cmd "$args" "" "$snap/$label.jar")")
  variants+=("$label: jar $(sha256sum "$vjar" | cut -c1-12) $(date -r "$vjar" -u +%FT%TZ)${args:+ -- $args}")
done
for p in "${pairs[@]}"; do
  targets+=("pair-$p=$(printf 'cmd@r0:PAIR_PROTOCOL=%s PAIR_JAR=%q exec %q' "$p" "$snap/replicator.jar" "$repo/bench/pair-serve.sh")")
done
for v in "${pairjars[@]}"; do
  label=${v%%=*}; pjar=${v#*=}
  [[ "$v" == *=* && "$label" =~ ^[A-Za-z0-9._-]+$ && -f "$pjar" ]] || { echo "fio-vs-peers: bad --pair-jar '$v' (want LABEL=JAR, an existing jar)" >&2; exit 2; }
  cp "$pjar" "$snap/pair-$label.jar"
  targets+=("pair-$label=$(printf 'cmd@r0:PAIR_PROTOCOL=C PAIR_JAR=%q exec %q' "$snap/pair-$label.jar" "$repo/bench/pair-serve.sh")")
  variants+=("pair-$label: jar $(sha256sum "$pjar" | cut -c1-12) $(date -r "$pjar" -u +%FT%TZ)")
done
[ "$degraded" = 1 ] && targets+=("pair-degraded=$(printf 'cmd@r0:PAIR_PEER=down PAIR_JAR=%q exec %q' "$snap/replicator.jar" "$repo/bench/pair-serve.sh")")
[ "$qemu" = 1 ] && targets+=(qemu=qemu-nbd)
[ "$nbdserver" = 1 ] && targets+=(nbd-server=nbd-server)
[ ${#targets[@]} -ge 2 ] || { echo "fio-vs-peers: nothing to compare with nbdkit" >&2; exit 2; }

out=$snap/peer-bench.out
if [ -n "$wait_load" ]; then
  limit=${wait_load%%:*}; maxwait=1200
  [[ "$wait_load" == *:* ]] && maxwait=${wait_load#*:}
  end=$((SECONDS + maxwait))
  while awk -v l="$limit" '{exit !($1 >= l)}' /proc/loadavg && [ $SECONDS -lt $end ]; do sleep 10; done
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "fio-vs-peers: load average before: $load_before (2 cores: above ~0.5 the numbers are suspect)" >&2
for t in "${targets[@]}"; do echo "fio-vs-peers: target $t" >&2; done
rc=0
bash "$PEER_BENCH" -t 10 -r 3 -s 1G -b nbdkit -W 600 "${passthru[@]}" "${targets[@]}" >"$out" || rc=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "fio-vs-peers: load average after: $load_after" >&2
[ -n "$raw" ] && cp "$out" "$raw"

grep -E '^(result|ratio) ' "$out" || true

table=$(python3 - "$out" "$jar_info" "$load_before" "$load_after" "$ours_args" "${variants[@]}" <<'EOF'
import sys
path, jar_info, load_before, load_after, ours_args = sys.argv[1:6]
variants = sys.argv[6:]
res, comments = {}, []
for ln in open(path):
    ln = ln.rstrip('\n')
    if ln.startswith('#'):
        comments.append(ln[1:].strip())
    elif ln.startswith('result '):
        kv = dict(x.split('=', 1) for x in ln.split()[1:])
        res[(kv['target'], kv['workload'])] = kv
targets, workloads = [], []
for (t, w) in res:
    if t not in targets: targets.append(t)
    if w not in workloads: workloads.append(w)
goal = {'randwrite4k': 1.2, 'randread4k': 1.2, 'randrw4k': 1.2, 'seqwrite1m': 1.0, 'seqread1m': 1.0, 'fsyncwrite4k': 1.0}
# a replicated pair against unreplicated nbdkit (issue 3's targets)
pair_goal = {'randwrite4k': 0.8, 'seqwrite1m': 0.8, 'randread4k': 1.0}

def num(x):
    try: return float(x)
    except (TypeError, ValueError): return None

def us_per_io(r):  # server CPU time per I/O, microseconds (100 % = one core)
    c, i = num(r.get('srv_cpu_pct')), num(r.get('iops'))
    return None if c is None or not i else c / 100.0 * 1e6 / i

def f(x, d=0):
    return 'na' if x is None else ('%.*f' % (d, x))

print('| workload | target | IOPS | nbdkit IOPS | ratio (goal) | p50 µs | p99 µs | nbdkit p99 µs | flush p99 µs (nbdkit) | srv CPU % (nbdkit) | srv CPU µs/IO (nbdkit) | IOPS min–max |')
print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for w in workloads:
    b = res.get(('nbdkit', w))
    for t in targets:
        if t == 'nbdkit': continue
        r = res.get((t, w))
        if r is None: continue
        ratio = num(r['iops']) / num(b['iops']) if b and num(b['iops']) else None
        g = (pair_goal if t.startswith('pair') else goal).get(w)
        mark = '' if ratio is None or g is None else (' ✔' if ratio >= g else ' ✘')
        ratio_s = 'na' if ratio is None else '%.2f× (≥%.1f)%s' % (ratio, g, mark) if g else '%.2f×' % ratio
        flush = 'na' if r['flush_p99_us'] == 'na' else '%s (%s)' % (r['flush_p99_us'], b['flush_p99_us'] if b else 'na')
        print('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s) | %s–%s |' % (
            w, t, f(num(r['iops'])), f(num(b['iops'])) if b else 'na', ratio_s, r['p50_us'], r['p99_us'],
            b['p99_us'] if b else 'na', flush, f(num(r['srv_cpu_pct'])), f(num(b['srv_cpu_pct'])) if b else 'na',
            f(us_per_io(r), 1), f(us_per_io(b), 1) if b else 'na', f(num(r['iops_min'])), f(num(r['iops_max']))))
print()
hdr = [c for c in comments if c.startswith('peer-bench') or c.startswith('runtime=')]
print('Medians over repeats; ratio = IOPS / nbdkit IOPS; srv CPU µs/IO = server CPU time per I/O (less leaves more of the')
print('2 cores to fio). Server jar %s; ours extra args: `%s`%s. Load average before/after: %s / %s.' % (
    jar_info, ours_args or '(none)', ''.join('; %s' % v for v in variants), load_before, load_after))
for c in hdr:
    print('`%s`  ' % c)
EOF
) || { echo "fio-vs-peers: cannot build the table" >&2; rc=1; }

if [ -n "$md" ]; then
  printf '%s\n' "$table" >"$md"
  echo "fio-vs-peers: table written to $md" >&2
else
  echo
  printf '%s\n' "$table"
fi
exit $rc
