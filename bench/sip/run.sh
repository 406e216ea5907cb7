#!/usr/bin/env bash
# SIP benchmark and scenario check: sipp against a SIP server on 127.0.0.1 (issue 3, benchmark part).
#
#   bench/sip/run.sh [--check] TARGET...      TARGET = kamailio | webphone | webphone_ng | webphone_sip
#
# webphone runs the server as deployed by default (media relay in process: its CPU counts as the server's);
# webphone_ng runs the relay as its own process (RelayMain over NG): the server's CPU is then the SIP work and the
# NG requests, the relay's CPU is logged per step; webphone_sip runs the server with media anchoring off
# (MEDIA_RELAY=false, no relay at all): the work of Kamailio's configuration here, which does no media.
#
# Default (benchmark), for each target in turn, in the same run:
#   1. start the server on a free 127.0.0.1 port (UDP+TCP) with 2 worker processes/cores' worth of threads,
#   2. provision HEAP_USERS numbers (the first USERS are used by the rate tests, number 0 is the callee),
#   3. REGISTER-with-auth rate: register_auth.xml at REG_RATES calls/s, STEP_SECONDS each (-m = rate * seconds),
#      stopping at the first step with a failed registration or below 90 % of the asked rate,
#   4. call rate: uac_call_auth.xml (180 made optional: under load a proxy may relay 200 before 180) -> server ->
#      uas_register_and_answer.xml + uas_answer.xml at CALL_RATES,
#   5. memory after registering HEAP_USERS numbers (ours: JVM heap used after a full GC; Kamailio: shared memory
#      in use, where usrloc keeps its bindings),
#   and prints a table: highest rate with 0 failures, server CPU seconds per 1000 transactions (utime+stime of
#   the server's processes from /proc, before/after each step), and webphone/kamailio ratios when both ran.
# --check: run every scenario of e2e/src/test/resources/sipp once against the target and print PASS/FAIL
#   (expected exit codes included: the flood ban makes a probe from 127.0.0.2 fail on purpose).
#
# Environment (defaults): USERS=1000 HEAP_USERS=50000 STEP_SECONDS=10 REG_RATES="200 400 800 1600 3200 6400"
#   CALL_RATES="50 100 200 400 800 1600" CALL_HOLD_MS=50 HEAP_REG_RATE=1000 DOMAIN=bench.webph.test
#   WARMUP_SECONDS=60 (an unreported REGISTER and call run at the first rates before measuring: JIT for ours, the
#   same for both targets; with 10 s our JVM was still compiling in the measured steps: half of its CPU there was
#   JIT compiler threads, now shown per step) MEM_SETTLE_SECONDS=35 (memory is read right after the 50,000 registrations and again
#   after this wait, when the UDP server transactions' Timer J, 32 s, has ended them: bindings only).
#   WEBPHONE_MEDIA_PORTS=10000-29999 (our relay's ports, 4 per call).
#   PROFILER_LIB=/path/libasyncProfiler.so (async-profiler 4, e.g. from the Maven Central jar
#   tools.profiler:async-profiler): attached to our JVM for every measured step, PROFILER_EVENT (itimer) samples
#   written as collapsed stacks to the work dir (kept), NAME-RATE.collapsed; not for Kamailio. PROFILER_OPTS adds
#   agent options, e.g. interval=1000000 (1 ms between CPU samples; the default 10 ms gives few samples per step).
#   HISTOGRAM=1 (with KEEP_WORKDIR=1) writes our heap's class histogram at each memory reading, histogram-N.txt.
#   KEEP_WORKDIR=1 keeps logs (always printed on failure). WEBPHONE_JAR=server/target/webphone.jar (the shaded
#   jar of `mvn -pl sip,media,webpush,server package`), JAVA_OPTS="-Xms1g -Xmx1g -XX:+UseG1GC" (our server's JVM).
#   MariaDB at 127.0.0.1:3306 as root without password (databases kamailio_bench and webphone_bench are
#   dropped and recreated). Packages: sip-tester, kamailio, kamailio-mysql-modules, mariadb-server.
# All traffic stays on 127.0.0.1 (127.0.0.2/.3 as extra sources for the flood check); every loop is bounded.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SCEN="$ROOT/e2e/src/test/resources/sipp"

USERS="${USERS:-1000}"
HEAP_USERS="${HEAP_USERS:-50000}"
STEP_SECONDS="${STEP_SECONDS:-10}"
REG_RATES="${REG_RATES:-200 400 800 1600 3200 6400}"
CALL_RATES="${CALL_RATES:-50 100 200 400 800 1600}"
CALL_HOLD_MS="${CALL_HOLD_MS:-50}"
HEAP_REG_RATE="${HEAP_REG_RATE:-1000}"
WARMUP_SECONDS="${WARMUP_SECONDS:-60}"
MEM_SETTLE_SECONDS="${MEM_SETTLE_SECONDS:-35}"
DOMAIN="${DOMAIN:-bench.webph.test}"
WEBPHONE_JAR="${WEBPHONE_JAR:-$ROOT/server/target/webphone.jar}"
# A fixed heap for our server, so that runs compare and the heap figure is not shaped by a 1/4-of-RAM default.
JAVA_OPTS="${JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}"
MYSQL=(mysql -uroot -h127.0.0.1 -P3306 --batch --skip-column-names)
CLK_TCK="$(getconf CLK_TCK)"
NUMBER_PREFIX=999100          # numbers are NUMBER_PREFIX + 6 digits; index 0 is the callee
CALLEE_INDEX=0

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

number_of() { printf '%s%06d' "$NUMBER_PREFIX" "$1"; }
password_of() { printf 'pw%06dx' "$1"; }

# A port free for both UDP and TCP on 127.0.0.1 (the kernel picks it; tiny race accepted for a benchmark).
free_port() {
  python3 - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        pass
    finally:
        u.close(); t.close()
EOF
}

# utime+stime (clock ticks) of PID and its direct children (Kamailio forks its workers; the JVM is one process).
cpu_ticks() {
  python3 - "$1" <<'EOF'
import os, sys
pid, total = sys.argv[1], 0
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        with open(f"/proc/{entry}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid ... utime stime
    except (OSError, IndexError):
        continue
    if entry == pid or fields[1] == pid:
        total += int(fields[11]) + int(fields[12])
print(total)
EOF
}

# Ticks of the JVM's JIT compiler threads (C1/C2 CompilerThread) in PID: reported beside the CPU figure, since
# a short step of a JVM still compiling pays for compilation that a long-running server has behind it.
jit_ticks() {
  python3 - "$1" <<'EOF'
import os, sys
pid, total = sys.argv[1], 0
try:
    tasks = os.listdir(f"/proc/{pid}/task")
except OSError:
    tasks = []
for tid in tasks:
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            text = f.read()
    except OSError:
        continue
    comm = text[text.index("(") + 1:text.rindex(")")]
    if "CompilerThre" in comm:
        fields = text.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
print(total)
EOF
}

# users.csv for sipp: SEQUENTIAL, then number;password for indexes FROM..TO (same rule as number_of/password_of).
write_users_csv() {
  local file=$1 from=$2 to=$3
  awk -v from="$from" -v to="$to" -v prefix="$NUMBER_PREFIX" 'BEGIN {
    print "SEQUENTIAL"
    for (i = from; i <= to; i++) printf "%s%06d;pw%06dx\n", prefix, i, i
  }' > "$file"
}

# One sipp run; extra args follow. Writes statistics to $STAT (csv). Bounded by sipp's -timeout and `timeout`.
sipp_run() {
  local port=$1 limit=$2; shift 2
  timeout --kill-after=5 "$limit" sipp "127.0.0.1:$port" -nostdin -key domain "$DOMAIN" -key expires 600 "$@"
}

# Value of a cumulative column, e.g. SuccessfulCall(C), in the last line of a sipp -trace_stat file.
stat_value() {
  local file=$1 column=$2
  python3 - "$file" "$column" <<'EOF'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1]), delimiter=';') if r]
print(dict(zip(rows[0], rows[-1])).get(sys.argv[2], "0") if len(rows) > 1 else "0")
EOF
}

# Wait (bounded: 15 probes of at most ~3 s) until the server answers OPTIONS.
wait_ready() {
  local port=$1 pid=$2
  for _ in $(seq 1 15); do
    kill -0 "$pid" 2>/dev/null || return 1
    if sipp_run "$port" 10 -sf "$SCEN/options_ping.xml" -m 1 -timeout 3 -timeout_error >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Target: kamailio (the reference, bench/sip/kamailio.cfg)
# ---------------------------------------------------------------------------------------------------------------
kamailio_provision() { # N: numbers 0..N-1 in kamailio_bench.subscriber, ha1 = MD5(number:DOMAIN:password)
  local n=$1
  "${MYSQL[@]}" -e "DROP DATABASE IF EXISTS kamailio_bench; CREATE DATABASE kamailio_bench"
  "${MYSQL[@]}" kamailio_bench <<EOF
CREATE TABLE version (table_name VARCHAR(32) NOT NULL, table_version INT UNSIGNED DEFAULT 0 NOT NULL,
  CONSTRAINT table_name_idx UNIQUE (table_name));
INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);
CREATE TABLE subscriber (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
  username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL,
  password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL,
  ha1b VARCHAR(128) DEFAULT '' NOT NULL, CONSTRAINT account_idx UNIQUE (username, domain));
CREATE INDEX username_idx ON subscriber (username);
INSERT INTO subscriber (username, domain, password, ha1, ha1b)
  SELECT u, '$DOMAIN', p, MD5(CONCAT(u, ':', '$DOMAIN', ':', p)), MD5(CONCAT(u, '@', '$DOMAIN', ':', '$DOMAIN', ':', p))
  FROM (SELECT CONCAT('$NUMBER_PREFIX', LPAD(seq, 6, '0')) AS u, CONCAT('pw', LPAD(seq, 6, '0'), 'x') AS p
        FROM seq_0_to_$((n - 1))) AS numbers;
EOF
}

kamailio_start() { # PORT WORKDIR [extra kamailio args]; sets SERVER_PID
  local port=$1 dir=$2; shift 2
  command -v kamailio >/dev/null || die "kamailio not installed (apt-get install kamailio kamailio-mysql-modules)"
  kamailio -DD -E -f "$HERE/kamailio.cfg" -P "$dir/kamailio.pid" -w "$dir" -m 256 -M 32 -n 2 \
    -l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" --alias="$DOMAIN" \
    -A "CTL_SOCKET=\"unix:$dir/kamailio_ctl\"" "$@" > "$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$port" "$SERVER_PID" || { tail -20 "$dir/server.log" >&2; die "kamailio did not start"; }
}

kamailio_memory() { # bytes of shared memory in use (usrloc, tm and auth live there)
  kamcmd -s "unix:$WORK/kamailio_ctl" core.shmmem | awk '/real_used:/ {print $2}'
}

kamailio_registered() { # bindings in usrloc
  kamcmd -s "unix:$WORK/kamailio_ctl" stats.get_statistics usrloc: 2>/dev/null | awk '/location_contacts/ {print $3}'
}

kamailio_stop() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  SERVER_PID=
}

# ---------------------------------------------------------------------------------------------------------------
# Target: webphone (our server; fails until the server speaks SIP)
# ---------------------------------------------------------------------------------------------------------------
webphone_env() { # the server's configuration for the benchmark, as WEBPHONE_<KEY> variables
  export WEBPHONE_DOMAIN="$DOMAIN" WEBPHONE_BIND_ADDRESS=127.0.0.1 WEBPHONE_DATA_DIR="$WORK/data"
  export WEBPHONE_DB_URL="jdbc:mariadb://127.0.0.1:3306/webphone_bench" WEBPHONE_DB_USER=root WEBPHONE_DB_PASSWORD=
  export WEBPHONE_LOG_LEVEL="${WEBPHONE_LOG_LEVEL:-warn}"
  # sipp 3.6.1 answers only the first challenge and stops with a fatal error on algorithm=SHA-256.
  export WEBPHONE_DIGEST_ALGORITHMS="${WEBPHONE_DIGEST_ALGORITHMS:-MD5}"
  # Every call is anchored in the relay with 4 ports (2 legs x RTP+RTCP): the default 1000-port range holds 250
  # calls at once, which a 400 calls/s step exceeds while calls pile up. Size it as an operator expecting that
  # load would (Kamailio's configuration here does no media at all).
  export WEBPHONE_MEDIA_PORTS="${WEBPHONE_MEDIA_PORTS:-10000-29999}"
}

# Numbers: a handful through the admin CLI (what an operator does), many by one bulk SQL insert into the
# subscribers table created by the server's migrations (ha1 = MD5(number:DOMAIN:password), ha1_sha256 likewise).
webphone_provision() { # N
  local n=$1
  [ -f "$WEBPHONE_JAR" ] || die "$WEBPHONE_JAR missing: build it with mvn -q package -DskipTests"
  webphone_env
  "${MYSQL[@]}" -e "DROP DATABASE IF EXISTS webphone_bench; CREATE DATABASE webphone_bench"
  java -jar "$WEBPHONE_JAR" db migrate > "$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; die "db migrate failed"; }
  if [ "$n" -le 5 ]; then
    for ((i = 0; i < n; i++)); do
      java -jar "$WEBPHONE_JAR" numbers add "$(number_of "$i")" --password "$(password_of "$i")" >> "$WORK/provision.log" 2>&1 \
        || { cat "$WORK/provision.log" >&2; die "numbers add failed"; }
    done
  else
    local table="${WEBPHONE_SUBSCRIBER_TABLE:-subscribers}"
    "${MYSQL[@]}" webphone_bench <<EOF || die "bulk insert into $table failed (set WEBPHONE_SUBSCRIBER_TABLE?)"
INSERT INTO $table (number, domain, ha1, ha1_sha256)
  SELECT u, '$DOMAIN', MD5(CONCAT(u, ':', '$DOMAIN', ':', p)), SHA2(CONCAT(u, ':', '$DOMAIN', ':', p), 256)
  FROM (SELECT CONCAT('$NUMBER_PREFIX', LPAD(seq, 6, '0')) AS u, CONCAT('pw', LPAD(seq, 6, '0'), 'x') AS p
        FROM seq_0_to_$((n - 1))) AS numbers;
EOF
  fi
}

webphone_start() { # PORT WORKDIR; sets SERVER_PID
  local port=$1 dir=$2; shift 2
  webphone_env
  export WEBPHONE_SIP_PORT="$port" WEBPHONE_SIPS_PORT="$(free_port)" WEBPHONE_HTTP_PORT="$(free_port)" \
         WEBPHONE_HTTPS_PORT="$(free_port)"
  WEBPHONE_HTTP_PORT_USED=$WEBPHONE_HTTP_PORT
  # env -u: the server reads every WEBPHONE_* variable as configuration and warns about the script's own ones.
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM options
  env -u WEBPHONE_JAR -u WEBPHONE_SUBSCRIBER_TABLE java $JAVA_OPTS -jar "$WEBPHONE_JAR" serve > "$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$port" "$SERVER_PID" || { tail -20 "$dir/server.log" >&2; die "webphone did not answer OPTIONS on $port"; }
}

webphone_memory() { # bytes of Java heap in use after a full GC ("?" when jcmd cannot attach: logged, not fatal)
  jcmd "$SERVER_PID" GC.run >/dev/null 2>&1 || true
  if [ "${HISTOGRAM:-0}" = 1 ]; then # what the heap holds, per class (kept in the work dir)
    MEM_READS=$((${MEM_READS:-0} + 1))
    jcmd "$SERVER_PID" GC.class_histogram > "$WORK/histogram-$MEM_READS.txt" 2>&1 || true
  fi
  local info
  if ! info="$(jcmd "$SERVER_PID" GC.heap_info 2>&1)"; then
    log "jcmd GC.heap_info failed (server alive: $(kill -0 "$SERVER_PID" 2>/dev/null && echo yes || echo no)): ${info:0:300}"
    echo "?"; return 0
  fi
  awk '/used/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i+1); sub(/K,?$/, "", v); print v * 1024; exit}}' <<< "$info"
}

webphone_registered() { # the registrar's gauge on the plain-HTTP /metrics (Prometheus text)
  curl -s --max-time 5 "http://127.0.0.1:$WEBPHONE_HTTP_PORT_USED/metrics" \
    | awk '/^sip_registrations_active[ {]/ {printf "%d\n", $NF; found = 1; exit} END {if (!found) print "?"}'
}

# webphone_ng: the same server with its media relay in a process of its own (RelayMain over NG, as issue 4's
# "several relay machines serve one SIP server"), so the server's CPU is the SIP work alone, as Kamailio's is here;
# the relay's CPU per step is logged beside it.
webphone_ng_provision() { webphone_provision "$@"; }
webphone_ng_memory() { webphone_memory "$@"; }
webphone_ng_registered() { webphone_registered "$@"; }
webphone_ng_start() { # PORT WORKDIR; sets SERVER_PID and RELAY_PID
  local port=$1 dir=$2 ng_port; ng_port="$(free_port)"
  java -Xms256m -Xmx1g -cp "$WEBPHONE_JAR" one.webph.media.ng.RelayMain --ng "127.0.0.1:$ng_port" \
    --ports "${WEBPHONE_MEDIA_PORTS:-10000-29999}" --public-ip 127.0.0.1 --bind 127.0.0.1 > "$dir/relay.log" 2>&1 &
  RELAY_PID=$!
  export WEBPHONE_MEDIA_NG="127.0.0.1:$ng_port"
  webphone_start "$port" "$dir"
  unset WEBPHONE_MEDIA_NG
}
webphone_ng_stop() {
  webphone_stop
  if [ -n "${RELAY_PID:-}" ]; then kill -TERM "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null || true; fi
  RELAY_PID=
}

# webphone_sip: the same server with media anchoring off (MEDIA_RELAY=false: SDP passes unchanged), the work
# Kamailio's configuration here does: registrar, auth, usrloc, tm, and (ours only) call records and dialogs.
webphone_sip_provision() { webphone_provision "$@"; }
webphone_sip_memory() { webphone_memory "$@"; }
webphone_sip_registered() { webphone_registered "$@"; }
webphone_sip_start() { # PORT WORKDIR; sets SERVER_PID
  export WEBPHONE_MEDIA_RELAY=false
  webphone_start "$@"
  unset WEBPHONE_MEDIA_RELAY
}
webphone_sip_stop() { webphone_stop; }

webphone_stop() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
  fi
  SERVER_PID=
}

# ---------------------------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------------------------
# One step: sets STEP_OK (1/0), STEP_RATE (achieved calls/s), STEP_CPU (CPU s per 1000 transactions), STEP_FAILED.
measure_step() { # NAME RATE TRANSACTIONS_PER_CALL sipp-args...
  local name=$1 rate=$2 per_call=$3; shift 3
  local calls=$((rate * STEP_SECONDS)) stat="$WORK/$name-$rate.csv" cpu0 cpu1 rc=0
  cpu0="$(cpu_ticks "$SERVER_PID")"
  local relay0=0 relay1=0; [ -n "${RELAY_PID:-}" ] && relay0="$(cpu_ticks "$RELAY_PID")"
  local jit0 jit1; jit0="$(jit_ticks "$SERVER_PID")"
  profiler_start
  local t0 t1; t0="$(date +%s%N)"
  sipp_run "$PORT" $((STEP_SECONDS * 3 + 30)) "$@" -r "$rate" -m "$calls" -timeout "$((STEP_SECONDS * 3 + 20))s" \
    -trace_stat -stf "$stat" -fd 1 -trace_err -error_file "$WORK/$name-$rate.err" -max_log_size 2000000 \
    > "$WORK/$name-$rate.out" 2>&1 || rc=$?
  t1="$(date +%s%N)"
  profiler_stop "$WORK/$name-$rate.collapsed"
  cpu1="$(cpu_ticks "$SERVER_PID")"
  jit1="$(jit_ticks "$SERVER_PID")"
  [ -n "${RELAY_PID:-}" ] && relay1="$(cpu_ticks "$RELAY_PID")"
  local ok failed
  ok="$(stat_value "$stat" 'SuccessfulCall(C)')"
  failed="$(stat_value "$stat" 'FailedCall(C)')"
  # Achieved rate: successful calls over the wall-clock time of the whole sipp run (start-up included: conservative).
  read -r STEP_RATE STEP_CPU STEP_JIT < <(python3 - "$ok" "$(((t1 - t0) / 1000000))" "$((cpu1 - cpu0))" "$CLK_TCK" \
    "$per_call" "$((jit1 - jit0))" <<'EOF'
import sys
ok, millis, ticks, hz, per_call, jit = (int(a) for a in sys.argv[1:7])
rate = ok / (millis / 1000) if millis > 0 else 0
cpu = (ticks / hz) / (ok * per_call) * 1000 if ok else 0
jit_cpu = (jit / hz) / (ok * per_call) * 1000 if ok else 0
print(f"{rate:.0f} {cpu:.3f} {jit_cpu:.3f}")
EOF
)
  STEP_FAILED=$((calls - ok))
  STEP_OK=0
  if [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$ok" -eq "$calls" ] && [ $((STEP_RATE * 10)) -ge $((rate * 9)) ]; then STEP_OK=1; fi
  log "  $name at $rate/s: $ok/$calls ok, failed $failed, achieved ${STEP_RATE}/s, ${STEP_CPU} CPU s/1000 txn (JIT compiler threads ${STEP_JIT})${RELAY_PID:+, relay process $(python3 -c "import sys; t,hz,ok,pc=map(int,sys.argv[1:]); print(f'{t/hz/(ok*pc)*1000:.3f}' if ok else '-')" "$((relay1 - relay0))" "$CLK_TCK" "$ok" "$per_call") CPU s/1000 txn}, sipp rc $rc"
}

# async-profiler in our JVM for one step (jcmd would read "a=b" in the options as its own argument: quoted) (PROFILER_LIB set, target not Kamailio); failures are logged, not fatal.
profiler_start() {
  [ -n "${PROFILER_LIB:-}" ] && [ "$CURRENT_TARGET" != kamailio ] || return 0
  jcmd "$SERVER_PID" JVMTI.agent_load "$PROFILER_LIB" "\"start,threads,event=${PROFILER_EVENT:-itimer}${PROFILER_OPTS:+,$PROFILER_OPTS}\"" >/dev/null 2>&1 \
    || log "profiler: could not attach to $SERVER_PID"
}
profiler_stop() { # FILE
  [ -n "${PROFILER_LIB:-}" ] && [ "$CURRENT_TARGET" != kamailio ] || return 0
  jcmd "$SERVER_PID" JVMTI.agent_load "$PROFILER_LIB" "\"stop,file=$1,collapsed\"" >/dev/null 2>&1 \
    || log "profiler: could not stop in $SERVER_PID"
  PROFILED=1
}

# Stepped rates: sets BEST_RATE (highest asked rate fully passed) and BEST_CPU (its CPU s per 1000 transactions).
stepped() { # NAME TRANSACTIONS_PER_CALL "RATES" setup-fn teardown-fn sipp-args...
  local name=$1 per_call=$2 rates=$3 setup=$4 teardown=$5; shift 5
  BEST_RATE=0 BEST_CPU=-
  for rate in $rates; do
    $setup
    measure_step "$name" "$rate" "$per_call" "$@"
    $teardown
    if [ "$STEP_OK" -ne 1 ]; then break; fi
    BEST_RATE=$rate BEST_CPU=$STEP_CPU
  done
}

no_op() { :; }

# The callee for the call steps: registers number 0, answers every call for the step's duration (+5 s), then
# unregisters and exits by itself. Started as sipp itself (no wrapper) so that signals reach it; its -timeout
# bounds it.
callee_start() {
  sipp "127.0.0.1:$PORT" -nostdin -key domain "$DOMAIN" -key expires 600 -sf "$SCEN/uas_register_and_answer.xml" \
    -oocsf "$SCEN/uas_answer.xml" -inf "$WORK/callee.csv" -d "$(((STEP_SECONDS + 5) * 1000))" -m 1 -p "$CALLEE_PORT" \
    -timeout "$((STEP_SECONDS * 3 + 30))s" > "$WORK/callee.out" 2>&1 &
  CALLEE_PID=$!
  sleep 1
}

callee_stop() {
  if [ -n "${CALLEE_PID:-}" ]; then
    for _ in $(seq 1 $(((STEP_SECONDS * 3 + 30) * 10))); do kill -0 "$CALLEE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$CALLEE_PID" 2>/dev/null && kill -TERM "$CALLEE_PID" 2>/dev/null
    wait "$CALLEE_PID" 2>/dev/null || true
  fi
  CALLEE_PID=
}

declare -A RESULT

bench_target() {
  local t=$1
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/sipbench-$t.XXXXXX")"
  PORT="$(free_port)"; CALLEE_PORT="$(free_port)"
  log "$t: work dir $WORK, SIP port $PORT"
  "${t}_provision" "$HEAP_USERS"
  write_users_csv "$WORK/users.csv" 1 "$USERS"
  write_users_csv "$WORK/callee.csv" "$CALLEE_INDEX" "$CALLEE_INDEX"
  write_users_csv "$WORK/heap_users.csv" 0 $((HEAP_USERS - 1))
  CURRENT_TARGET=$t
  trap '"${CURRENT_TARGET}_stop"; callee_stop' EXIT
  "${t}_start" "$PORT" "$WORK"
  # The same caller with the 180 optional: under load the proxy may relay the 200 before the 180 (allowed over
  # UDP, and the JIT-cold warm-up does), which the functional scenario counts as a failure.
  sed 's|<recv response="180" response_txn="invite"/>|<recv response="180" optional="true" response_txn="invite"/>|' \
    "$SCEN/uac_call_auth.xml" > "$WORK/uac_call_bench.xml"
  grep -q '<recv response="180" optional="true"' "$WORK/uac_call_bench.xml" || die "uac_call_auth.xml changed: update run.sh"

  if [ "$WARMUP_SECONDS" -gt 0 ]; then
    log "$t: warm-up (not reported), ${WARMUP_SECONDS}s of REGISTER then of calls at the first rates"
    local saved_step=$STEP_SECONDS; STEP_SECONDS=$WARMUP_SECONDS
    measure_step warmup-register "${REG_RATES%% *}" 2 -sf "$SCEN/register_auth.xml" -inf "$WORK/users.csv"
    callee_start
    measure_step warmup-call "${CALL_RATES%% *}" 3 -sf "$WORK/uac_call_bench.xml" -inf "$WORK/users.csv" \
      -s "$(number_of "$CALLEE_INDEX")" -d "$CALL_HOLD_MS"
    callee_stop
    STEP_SECONDS=$saved_step
  fi

  log "$t: REGISTER with auth (2 transactions each), ${STEP_SECONDS}s steps: $REG_RATES"
  stepped register 2 "$REG_RATES" no_op no_op -sf "$SCEN/register_auth.xml" -inf "$WORK/users.csv"
  RESULT[$t.reg_rate]=$BEST_RATE RESULT[$t.reg_cpu]=$BEST_CPU

  log "$t: calls (INVITE 407 / INVITE 100 180 200 ACK / BYE: 3 transactions each), ${STEP_SECONDS}s steps: $CALL_RATES"
  stepped call 3 "$CALL_RATES" callee_start callee_stop -sf "$WORK/uac_call_bench.xml" -inf "$WORK/users.csv" \
    -s "$(number_of "$CALLEE_INDEX")" -d "$CALL_HOLD_MS"
  RESULT[$t.call_rate]=$BEST_RATE RESULT[$t.call_cpu]=$BEST_CPU

  log "$t: memory after registering $HEAP_USERS numbers at $HEAP_REG_RATE/s"
  local before after rc=0
  sleep "$MEM_SETTLE_SECONDS"   # the rate tests' transactions end first: "before" is USERS bindings only
  before="$("${t}_memory")"
  sipp_run "$PORT" $((HEAP_USERS / HEAP_REG_RATE * 3 + 60)) -sf "$SCEN/register_auth.xml" -inf "$WORK/heap_users.csv" \
    -r "$HEAP_REG_RATE" -m "$HEAP_USERS" -timeout "$((HEAP_USERS / HEAP_REG_RATE * 3 + 30))s" \
    -trace_stat -stf "$WORK/heap.csv" -fd 1 > "$WORK/heap.out" 2>&1 || rc=$?
  after="$("${t}_memory")"
  sleep "$MEM_SETTLE_SECONDS"
  RESULT[$t.mem_settled]="$("${t}_memory")"
  RESULT[$t.heap_ok]="$(stat_value "$WORK/heap.csv" 'SuccessfulCall(C)')"
  RESULT[$t.registered]="$("${t}_registered")"
  RESULT[$t.mem_before]=$before RESULT[$t.mem_after]=$after
  log "  registered ${RESULT[$t.heap_ok]}/$HEAP_USERS (server says ${RESULT[$t.registered]}), sipp rc $rc, memory $before -> $after bytes, ${RESULT[$t.mem_settled]} after ${MEM_SETTLE_SECONDS}s"

  "${t}_stop"; trap - EXIT
  if [ "${KEEP_WORKDIR:-0}" = 1 ] || [ -n "${PROFILED:-}" ]; then log "$t: logs kept in $WORK"; else rm -rf "$WORK"; fi
  PROFILED=
}

mib() { python3 -c "import sys; v=sys.argv[1]; print(f'{int(v)/1048576:.1f}' if v.isdigit() else '?')" "${1:-?}"; }

report() {
  local targets=("$@")
  echo
  echo "SIP benchmark, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), steps of ${STEP_SECONDS}s, $USERS users, sipp $(sipp -v 2>&1 | grep -o 'v[0-9.]*' | head -1)"
  printf '%-10s %12s %12s %10s %12s %10s %14s %14s %12s\n' target "REGISTER/s" "CPU s/1k txn" "calls/s" \
    "CPU s/1k txn" "mem before" "mem@${HEAP_USERS} MiB" "+${MEM_SETTLE_SECONDS}s MiB" registered
  for t in "${targets[@]}"; do
    printf '%-10s %12s %12s %10s %12s %10s %14s %14s %12s\n' "$t" "${RESULT[$t.reg_rate]}" "${RESULT[$t.reg_cpu]}" \
      "${RESULT[$t.call_rate]}" "${RESULT[$t.call_cpu]}" "$(mib "${RESULT[$t.mem_before]}")" \
      "$(mib "${RESULT[$t.mem_after]}")" "$(mib "${RESULT[$t.mem_settled]}")" "${RESULT[$t.registered]}"
  done
  local w
  for w in webphone webphone_ng webphone_sip; do
    if [ -n "${RESULT[$w.reg_rate]:-}" ] && [ -n "${RESULT[kamailio.reg_rate]:-}" ]; then
      python3 - "${RESULT[$w.reg_rate]}" "${RESULT[kamailio.reg_rate]}" "${RESULT[$w.reg_cpu]}" "${RESULT[kamailio.reg_cpu]}" \
        "${RESULT[$w.call_rate]}" "${RESULT[kamailio.call_rate]}" "${RESULT[$w.call_cpu]}" "${RESULT[kamailio.call_cpu]}" "$w" <<'EOF'
import sys
a = sys.argv[1:]
def ratio(x, y):
    try: return f"{float(x) / float(y):.2f}"
    except (ValueError, ZeroDivisionError): return "?"
print(f"ratio {a[8]}/kamailio: REGISTER rate {ratio(a[0], a[1])}, REGISTER CPU {ratio(a[2], a[3])}, "
      f"call rate {ratio(a[4], a[5])}, call CPU {ratio(a[6], a[7])}  (rate > 1 and CPU < 1 favour webphone)")
EOF
    fi
  done
}

# ---------------------------------------------------------------------------------------------------------------
# --check: every scenario once, with its expected exit code
# ---------------------------------------------------------------------------------------------------------------
CHECK_FAILS=0
check() { # LABEL EXPECTED_RC sipp-args...
  local label=$1 expected=$2 rc=0; shift 2
  sipp_run "$PORT" 30 "$@" -timeout 20s -timeout_error -trace_err -error_file "$WORK/$label.err" > "$WORK/$label.out" 2>&1 || rc=$?
  if [ "$rc" -eq "$expected" ]; then echo "PASS  $label (exit $rc)"; else echo "FAIL  $label (exit $rc, expected $expected; $WORK/$label.err)"; CHECK_FAILS=$((CHECK_FAILS + 1)); fi
}

# A callee holder in the background for one check; the caller's exit code is the verdict.
with_callee() { # LABEL OOC_SCENARIO caller-args...
  local label=$1 ooc=$2; shift 2
  sipp_run "$PORT" 30 -sf "$SCEN/uas_register_and_answer.xml" -oocsf "$SCEN/$ooc" -inf "$WORK/callee.csv" -d 3000 -m 1 \
    -p "$CALLEE_PORT" "${TRANSPORT_ARGS[@]}" -timeout 20s -timeout_error > "$WORK/$label-callee.out" 2>&1 &
  local holder=$! hrc=0
  sleep 0.8
  check "$label" 0 "$@"
  wait "$holder" || hrc=$?
  if [ "$hrc" -ne 0 ]; then echo "FAIL  $label callee holder (exit $hrc)"; CHECK_FAILS=$((CHECK_FAILS + 1)); fi
}

check_target() {
  local t=$1
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/sipcheck-$t.XXXXXX")"
  PORT="$(free_port)"; CALLEE_PORT="$(free_port)"
  log "$t: scenario check, work dir $WORK, SIP port $PORT"
  "${t}_provision" 3
  write_users_csv "$WORK/users.csv" 1 1
  write_users_csv "$WORK/callee.csv" "$CALLEE_INDEX" "$CALLEE_INDEX"
  CURRENT_TARGET=$t
  trap '"${CURRENT_TARGET}_stop"' EXIT
  if [ "$t" = kamailio ]; then
    kamailio_start "$PORT" "$WORK" -A NONCE_EXPIRE=3
  else
    # Only 127.0.0.1 is trusted, so the flood from 127.0.0.2 can be banned; nonces live 3 s (< CHECK_NONCE_WAIT_MS)
    # for the expired-nonce check.
    export WEBPHONE_FLOOD_EXEMPT_LOOPBACK=false WEBPHONE_SIP_TRUSTED=127.0.0.1/32 WEBPHONE_NONCE_LIFETIME_SECONDS=3
    webphone_start "$PORT" "$WORK"
  fi
  local callee; callee="$(number_of "$CALLEE_INDEX")"
  TRANSPORT_ARGS=(-t u1)
  check register_auth_udp 0 -sf "$SCEN/register_auth.xml" -inf "$WORK/users.csv" -m 1 -t u1
  check register_auth_tcp 0 -sf "$SCEN/register_auth.xml" -inf "$WORK/users.csv" -m 1 -t t1
  check register_wrong_password 0 -sf "$SCEN/register_wrong_password.xml" -inf "$WORK/users.csv" -m 1
  check register_expired_nonce 0 -sf "$SCEN/register_expired_nonce.xml" -inf "$WORK/users.csv" -m 1 -d "${CHECK_NONCE_WAIT_MS:-4500}"
  with_callee call_udp uas_answer.xml -sf "$SCEN/uac_call_auth.xml" -inf "$WORK/users.csv" -s "$callee" -m 2 -d 300
  TRANSPORT_ARGS=(-t t1)
  with_callee call_tcp uas_answer.xml -sf "$SCEN/uac_call_auth.xml" -inf "$WORK/users.csv" -s "$callee" -m 2 -d 300 -t t1
  TRANSPORT_ARGS=(-t u1)
  with_callee busy uas_busy.xml -sf "$SCEN/uac_call_busy.xml" -inf "$WORK/users.csv" -s "$callee" -m 1
  with_callee cancel uas_ring.xml -sf "$SCEN/uac_cancel.xml" -inf "$WORK/users.csv" -s "$callee" -m 1
  with_callee message uas_message.xml -sf "$SCEN/uac_message.xml" -inf "$WORK/users.csv" -s "$callee" -m 1
  check unknown_number 0 -sf "$SCEN/uac_unknown.xml" -inf "$WORK/users.csv" -s "$(number_of 999999)" -m 1
  check flood_probe_before 0 -sf "$SCEN/options_ping.xml" -i 127.0.0.2 -m 1
  check flood_from_127.0.0.2 0 -sf "$SCEN/options_flood.xml" -i 127.0.0.2 -r 100 -m 200 -nr
  check banned_probe_127.0.0.2 1 -sf "$SCEN/options_ping.xml" -i 127.0.0.2 -m 1
  check other_source_127.0.0.3 0 -sf "$SCEN/options_ping.xml" -i 127.0.0.3 -m 1
  "${t}_stop"; trap - EXIT
  echo "$t: $CHECK_FAILS failed check(s)"
  [ "$CHECK_FAILS" -eq 0 ] && [ "${KEEP_WORKDIR:-0}" != 1 ] && rm -rf "$WORK"
  return 0
}

# ---------------------------------------------------------------------------------------------------------------
main() {
  local mode=bench targets=()
  for a in "$@"; do
    case "$a" in
      --check) mode=check ;;
      kamailio|webphone|webphone_ng|webphone_sip) targets+=("$a") ;;
      -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
      *) die "unknown argument '$a' (targets: kamailio, webphone, webphone_ng; option: --check)" ;;
    esac
  done
  [ "${#targets[@]}" -gt 0 ] || die "usage: bench/sip/run.sh [--check] kamailio|webphone..."
  command -v sipp >/dev/null || die "sipp not installed (apt-get install sip-tester)"
  "${MYSQL[@]}" -e "SELECT 1" >/dev/null || die "MariaDB not reachable at 127.0.0.1:3306 as root"
  if [ "$mode" = check ]; then
    for t in "${targets[@]}"; do check_target "$t"; done
    [ "$CHECK_FAILS" -eq 0 ]
  else
    for t in "${targets[@]}"; do bench_target "$t"; done
    report "${targets[@]}"
  fi
}

main "$@"
