#!/usr/bin/env bash
# Media relay control benchmark: CPU per call setup + teardown (offer, answer, HOLD_MS with no RTP, then the end
# as the proxy makes it: final statistics + delete), the per-call cost of anchoring that the SIP benchmark's short
# calls pay. bench/media/ControlLoad.java drives, per target, a fresh relay:
#   ours       one.webph.media.ng.RelayMain over NG (2 event loops), CPU of the relay process
#   rtpengine  the Debian RTPEngine daemon over NG (userspace, --num-threads=2, --delete-delay=0), CPU of rtpengine
#   inproc     a MediaRelay inside the load generator's JVM, driven from an event loop as the proxy does; CPU of
#              that whole JVM (no NG encoding, no second process: the SIP server's in-process case)
# Every target gets the ports 10000-29999 (the SIP benchmark's MEDIA_PORTS; one relay runs at a time).
# Each target: an unreported WARMUP s at the highest rate (JIT), then per rate SETTLE s unmeasured and MEASURE s
# measured; one line per rate.
#
#   bench/media/control.sh        (env: TARGETS="ours rtpengine inproc" RATES="200 400 800" WARMUP=30 SETTLE=2
#                                  MEASURE=15 HOLD_MS=50 CALLER=plain|browser RELAY_THREADS=2
#                                  RELAY_JVM_OPTS: extra JVM options for ours and inproc;
#                                  PROFILER_LIB=/path/libasyncProfiler.so: async-profiler (itimer) over the first
#                                  measured rate of ours/inproc, collapsed stacks in $PROFILE_DIR (default /tmp))
# Needs: JDK 17, Maven (media module built offline), rtpengine for TARGETS=rtpengine. Everything on 127.0.0.1;
# relays are stopped on exit.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGETS="${TARGETS:-ours rtpengine inproc}"
RATES="${RATES:-200 400 800}"
WARMUP="${WARMUP:-30}"
SETTLE="${SETTLE:-2}"
MEASURE="${MEASURE:-15}"
HOLD_MS="${HOLD_MS:-50}"
CALLER="${CALLER:-plain}"
RELAY_THREADS="${RELAY_THREADS:-2}"
PROFILE_DIR="${PROFILE_DIR:-/tmp}"
OUR_NG=127.0.0.1:22223
RTPE_NG=127.0.0.1:22224
CLK_TCK="$(getconf CLK_TCK)"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d)"
relay_pid=""
stop_relay() {
  if [[ -n "$relay_pid" ]]; then
    kill "$relay_pid" 2>/dev/null || true
    wait "$relay_pid" 2>/dev/null || true
    relay_pid=""
  fi
}
cleanup() {
  stop_relay
  [[ -n "${KEEP_WORKDIR:-}" ]] && echo "logs in $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

echo "[build] media module + classpath" >&2
(cd "$ROOT" && mvn -q -o -Dskip.npm=true -pl media compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test >&2)
CP="$ROOT/media/target/classes:$(cat "$work/cp.txt")"
LOGBACK="-Dlogback.configurationFile=$HERE/logback.xml"

wait_ng() { # host:port -> waits until the NG socket answers ping (bounded)
  python3 - "$1" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
for _ in range(150):
    try:
        s.sendto(b"w d7:command4:pinge", (host, int(port))); s.recv(100); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("NG at %s did not answer" % sys.argv[1])
PY
}

load() { # TARGET [args...]
  local target=$1; shift
  local profile=()
  if [[ -n "${PROFILER_LIB:-}" && "$target" != rtpengine ]]; then
    profile=(--profiler "$PROFILER_LIB" --profile-out "$PROFILE_DIR/control-$target-$(date +%H%M%S).collapsed")
  fi
  java -Xms256m -Xmx1g ${LOAD_JVM_OPTS:-} "$LOGBACK" -cp "$CP" "$HERE/ControlLoad.java" --target "$target" --rates "$(echo $RATES | tr ' ' ,)" \
    --warmup "$WARMUP" --settle "$SETTLE" --measure "$MEASURE" --hold-ms "$HOLD_MS" --caller "$CALLER" \
    --clk-tck "$CLK_TCK" "${profile[@]}" "$@"
}

for target in $TARGETS; do
  case "$target" in
    ours)
      java -Xms256m -Xmx1g ${RELAY_JVM_OPTS:-} "$LOGBACK" -cp "$CP" one.webph.media.ng.RelayMain --ng "$OUR_NG" \
        --ports 10000-29999 --public-ip 127.0.0.1 --bind 127.0.0.1 --threads "$RELAY_THREADS" >"$work/ours.log" 2>&1 &
      relay_pid=$!
      wait_ng "$OUR_NG"
      load ours --ng "$OUR_NG" --pid "$relay_pid"
      stop_relay ;;
    rtpengine)
      command -v rtpengine >/dev/null || { echo "control.sh: rtpengine missing (apt-get install rtpengine-daemon)" >&2; exit 1; }
      rtpengine --config-file=none --foreground --table=-1 --interface=127.0.0.1 --listen-ng="$RTPE_NG" \
        --port-min=10000 --port-max=29999 --num-threads="$RELAY_THREADS" --log-stderr --log-level=4 \
        --delete-delay=0 >"$work/rtpengine.log" 2>&1 &
      relay_pid=$!
      wait_ng "$RTPE_NG"
      load rtpengine --ng "$RTPE_NG" --pid "$relay_pid"
      stop_relay ;;
    inproc)
      LOAD_JVM_OPTS="${RELAY_JVM_OPTS:-}" load inproc --ports 10000-29999 ;;
    *) echo "unknown target $target" >&2; exit 1 ;;
  esac
done
