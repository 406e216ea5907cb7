#!/usr/bin/env bash
# Measures (1) server startup: process start to the "ready" log line, and (2) number allocations per second one
# instance sustains over HTTPS (POST /api/v1/numbers, NUMBER_RATE_LIMIT=0, CLIENTS concurrent keep-alive clients).
# Usage: bench/alloc.sh [CLIENTS=32] [SECONDS=20]     (DB: WEBPHONE_DB_URL etc. as usual; default H2 in a temp dir)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clients="${1:-32}"
seconds="${2:-20}"
jar="$root/server/target/webphone.jar"
[[ -f "$jar" ]] || (cd "$root" && mvn -q package -DskipTests)

work="$(mktemp -d)"
port_http=18080
port_https=18443
cleanup() { [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export WEBPHONE_DATA_DIR="$work" WEBPHONE_HTTP_PORT=$port_http WEBPHONE_HTTPS_PORT=$port_https \
  WEBPHONE_SIP_PORT=15060 WEBPHONE_SIPS_PORT=15061 WEBPHONE_NUMBER_RATE_LIMIT=0 WEBPHONE_NUMBER_DIGITS=7
start_ms=$(date +%s%3N)
java ${JAVA_OPTS:-} -jar "$jar" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -q "ready for" "$work/server.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.05
done
ready_ms=$(date +%s%3N)
echo "startup: $(grep -o 'in [0-9]* ms since process start' "$work/server.log") (wall clock to log line seen: $((ready_ms - start_ms)) ms)"

java "$root/bench/AllocBench.java" "https://localhost:$port_https" "$clients" "$seconds"
