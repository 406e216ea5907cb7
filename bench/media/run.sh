#!/usr/bin/env bash
# Media relay benchmark (issue 4): our relay (one.webph.media.ng.RelayMain) and the Debian RTPEngine daemon
# (userspace forwarding, --table=-1), both driven over the NG protocol by bench/media/MediaLoad.java, in one run:
#   plain->plain   caller RTP/AVP, callee RTP/AVP
#   srtp->plain    caller SRTP, callee RTP/AVP. Our relay: DTLS-SRTP (ICE-lite check + DTLS handshake by the
#                  generator, as a browser); RTPEngine: SDES a=crypto (our relay has no SDES). Per packet both are
#                  AES_CM_128_HMAC_SHA1_80 decrypt one way / encrypt the other.
# For each, N calls (STEPS) with 20 ms PCMU both ways; per step WARMUP s then MEASURE s measured; stops at the first
# step with loss >= 0.1 % or p99 latency >= 5 ms. Prints one line per step and a summary.
#
#   bench/media/run.sh                       (env: STEPS="50 100 200 400 800" WARMUP=2 MEASURE=6
#                                             TARGETS="ours rtpengine" MODES="plain srtp" RELAY_THREADS=2
#                                             P99_LIMIT_MS=5: raise it to find the loss-only capacity on a busy box;
#                                             RELAY_JVM_OPTS: extra JVM options for our relay, e.g. a JFR recording)
# Needs: JDK 17, Maven (media module built offline), rtpengine (apt-get install rtpengine-daemon).
# Everything on 127.0.0.1; relays are stopped on exit.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
STEPS="${STEPS:-50 100 200 400 800}"
WARMUP="${WARMUP:-2}"
MEASURE="${MEASURE:-6}"
TARGETS="${TARGETS:-ours rtpengine}"
MODES="${MODES:-plain srtp}"
RELAY_THREADS="${RELAY_THREADS:-2}"
P99_LIMIT_MS="${P99_LIMIT_MS:-5}"
OUR_NG=127.0.0.1:22223
RTPE_NG=127.0.0.1:22224
CLK_TCK="$(getconf CLK_TCK)"

command -v rtpengine >/dev/null || { echo "run.sh: rtpengine missing (apt-get install rtpengine-daemon)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
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

start_ours() {
  java -Xms256m -Xmx1g ${RELAY_JVM_OPTS:-} "$LOGBACK" -cp "$CP" one.webph.media.ng.RelayMain --ng "$OUR_NG" --ports 10000-19999 \
    --public-ip 127.0.0.1 --bind 127.0.0.1 --threads "$RELAY_THREADS" >"$work/ours.log" 2>&1 &
  our_pid=$!; pids+=("$our_pid")
  wait_ng "$OUR_NG"
}

start_rtpengine() {
  rtpengine --config-file=none --foreground --table=-1 --interface=127.0.0.1 --listen-ng="$RTPE_NG" \
    --port-min=20000 --port-max=29999 --num-threads="$RELAY_THREADS" --log-stderr --log-level=4 \
    --delete-delay=0 >"$work/rtpengine.log" 2>&1 &
  rtpe_pid=$!; pids+=("$rtpe_pid")
  wait_ng "$RTPE_NG"
}

start_ours
start_rtpengine
echo "[relays] ours pid $our_pid, rtpengine pid $rtpe_pid ($(rtpengine --version 2>&1 | head -1))" >&2

steps_csv="$(echo $STEPS | tr ' ' ',')"
results="$work/results.txt"
for mode in $MODES; do
  for target in $TARGETS; do
    case "$target" in
      ours) ng=$OUR_NG; pid=$our_pid; keying=dtls ;;
      rtpengine) ng=$RTPE_NG; pid=$rtpe_pid; keying=sdes ;;
      *) echo "unknown target $target" >&2; exit 1 ;;
    esac
    java -Xms256m -Xmx1g "$LOGBACK" -cp "$CP" "$HERE/MediaLoad.java" --target "$target" --ng "$ng" --pid "$pid" \
      --mode "$mode" --keying "$keying" --steps "$steps_csv" --warmup "$WARMUP" --measure "$MEASURE" \
      --clk-tck "$CLK_TCK" --p99-limit-ms "$P99_LIMIT_MS" 2>>"$work/generator.log" | tee -a "$results"
  done
done

echo
echo "== summary (highest N with loss < 0.1 % and p99 < $P99_LIMIT_MS ms; relay CPU us per relayed packet at that N) =="
grep '^RESULT' "$results" | sed 's/^RESULT //'
