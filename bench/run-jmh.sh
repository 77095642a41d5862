#!/usr/bin/env bash
# run-jmh.sh - run the JMH benchmarks (bench/target/benchmarks.jar) with the project's JVM flags
# (tools/bin/jvm-flags, plus the JDK 21+ ones), short runs and the GC profiler by default.
#
#   bench/run-jmh.sh [--build] [JMH-ARGS...]
#
# Defaults: -f 1 -wi 2 -i 3 -prof gc, each unless the same option is given (JMH refuses repeated
# options; "-prof none" drops the profiler). The benchmark classes set 1-2 s iterations. Examples:
#   bench/run-jmh.sh                                   # everything (about 6 minutes)
#   bench/run-jmh.sh RequestDecode ReplyEncode         # regexps of benchmark names
#   bench/run-jmh.sh SessionRoundTrip -p command=WRITE -rf json -rff /tmp/jmh.json
#   bench/run-jmh.sh -l                                # list benchmarks
# --build rebuilds the jar first (also done when it is missing or older than a bench source).
# JAVA_HOME selects the JDK (default: java on PATH). The forked benchmark JVMs inherit the flags.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/.." && pwd)
jar=$here/target/benchmarks.jar

build=0
if [ "${1:-}" = --build ]; then build=1; shift; fi
if [ "$build" = 0 ] && [ -f "$jar" ] && [ -z "$(find "$here/src" -name '*.java' -newer "$jar" -print -quit)" ]; then
  :
else
  echo "run-jmh: building $jar (tests skipped)" >&2
  (cd "$repo" && mvn -B -q -o package -DskipTests -pl bench -am)
fi

java=${JAVA_HOME:+$JAVA_HOME/bin/}java
mapfile -t flags < <(grep -v -e '^#' -e '^$' "$repo/tools/bin/jvm-flags")
feature=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${feature:-17}" -ge 21 ]; then
  flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi
defaults=()
has() { local a; for a in "${args[@]}"; do [ "$a" = "$1" ] && return 0; done; return 1; }
args=("$@")
has -f || defaults+=(-f 1)
has -wi || defaults+=(-wi 2)
has -i || defaults+=(-i 3)
if has -prof; then
  # "-prof none": no profiler at all
  for k in "${!args[@]}"; do
    if [ "${args[$k]:-}" = -prof ] && [ "${args[$((k+1))]:-}" = none ]; then unset 'args[k]' "args[$((k+1))]"; fi
  done
  args=("${args[@]}")
else
  defaults+=(-prof gc)
fi
exec "$java" "${flags[@]}" -jar "$jar" "${defaults[@]}" "${args[@]}"
