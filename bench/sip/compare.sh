#!/usr/bin/env bash
# A/B comparison of two builds or two JVM settings of our server with the SIP benchmark (bench/sip/run.sh),
# alternating A and B for ROUNDS rounds so that the machine's drift hits both alike, then printing per step the
# median (min-max) CPU seconds per 1000 transactions of each and the ratio of the medians.
#
#   bench/sip/compare.sh A_JAR B_JAR            e.g. a jar of main and one of a branch (copy them first)
#   JAVA_OPTS_A=... JAVA_OPTS_B=... bench/sip/compare.sh JAR JAR      the same jar with two JVM settings
#
# Environment (defaults): ROUNDS=3 TARGET=webphone (or webphone_ng) REG_RATES="1600 3200" CALL_RATES="400 800"
#   STEP_SECONDS=20 WARMUP_SECONDS=60 HEAP_USERS=2000 (the memory part is not compared) JAVA_OPTS_A/JAVA_OPTS_B
#   (default: run.sh's JAVA_OPTS). Logs of every run stay in the printed directory.
# A step that failed (a failed call, or under 90 % of its rate) shows as "fail" in its run and is left out of
# the median. Single runs of this benchmark spread by up to ~30 % (docs/PERFORMANCE.md): compare medians.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -eq 2 ] || { sed -n '2,16p' "$0"; exit 2; }
A_JAR=$(realpath "$1") B_JAR=$(realpath "$2")
[ -f "$A_JAR" ] && [ -f "$B_JAR" ] || { echo "compare.sh: jar not found" >&2; exit 2; }
ROUNDS="${ROUNDS:-3}"
TARGET="${TARGET:-webphone}"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/sipcompare.XXXXXX")"
echo "compare.sh: logs in $OUT" >&2

run_one() { # LABEL JAR OPTS ROUND
  local label=$1 jar=$2 opts=$3 round=$4
  echo "[$(date +%H:%M:%S)] round $round: $label" >&2
  env WEBPHONE_JAR="$jar" ${opts:+JAVA_OPTS="$opts"} REG_RATES="${REG_RATES:-1600 3200}" \
    CALL_RATES="${CALL_RATES:-400 800}" STEP_SECONDS="${STEP_SECONDS:-20}" WARMUP_SECONDS="${WARMUP_SECONDS:-60}" \
    HEAP_USERS="${HEAP_USERS:-2000}" MEM_SETTLE_SECONDS=1 \
    "$HERE/run.sh" "$TARGET" > "$OUT/$label-$round.log" 2>&1 || true
}

for round in $(seq 1 "$ROUNDS"); do
  run_one A "$A_JAR" "${JAVA_OPTS_A:-}" "$round"
  run_one B "$B_JAR" "${JAVA_OPTS_B:-}" "$round"
done

python3 - "$OUT" <<'EOF'
import re, sys, os, statistics
out = sys.argv[1]
# "  register at 1600/s: 32000/32000 ok, failed 0, achieved 1596/s, 0.147 CPU s/1000 txn (JIT ...)"
line = re.compile(r"^\[[\d:]+\]\s+(register|call) at (\d+)/s: (\d+)/(\d+) ok, failed (\d+), achieved (\d+)/s, ([\d.]+) CPU")
data = {}
for name in sorted(os.listdir(out)):
    m = re.match(r"([AB])-(\d+)\.log$", name)
    if not m:
        continue
    for l in open(os.path.join(out, name)):
        x = line.match(l)
        if not x:
            continue
        kind, rate, ok, total, failed, achieved, cpu = x.groups()
        passed = ok == total and failed == "0" and int(achieved) * 10 >= int(rate) * 9
        data.setdefault((kind, int(rate)), {}).setdefault(m.group(1), []).append(float(cpu) if passed else None)
print(f"{'step':<16} {'A median (min-max) [runs]':<32} {'B median (min-max) [runs]':<32} B/A")
for key in sorted(data):
    cells, med = [], {}
    for side in "AB":
        values = data[key].get(side, [])
        good = [v for v in values if v is not None]
        fails = len(values) - len(good)
        if good:
            med[side] = statistics.median(good)
            cells.append(f"{med[side]:.3f} ({min(good):.3f}-{max(good):.3f}) [{len(good)}{', ' + str(fails) + ' fail' if fails else ''}]")
        else:
            cells.append(f"- [{fails} fail]")
    ratio = f"{med['B'] / med['A']:.2f}" if "A" in med and "B" in med else "-"
    print(f"{key[0] + ' ' + str(key[1]) + '/s':<16} {cells[0]:<32} {cells[1]:<32} {ratio}")
EOF
