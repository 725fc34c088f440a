#!/usr/bin/env bash
# Ingest benchmark: the release server on SQLite and on PostgreSQL (throwaway cluster) with
# real counties cut from the national file (default 630223 and 621121: 652 villages), one
# cadre per village (the roster import), a weekly policy; then the load generator
# (tests/src/bin/jianfu-load.rs, a closed loop of distinct new reports of ~700 bytes) at
# each concurrency for RUN_SECONDS (default 5), beside a bare axum JSON echo on the same
# box (the HTTP ceiling). Prints accepted reports/s, p50/p99, the server's CPU per report
# and peak RSS, the ratio to the echo, and the server's reads and writes per report
# (/proc/PID/io: on SQLite the log's, the checkpoints' and the sockets'; on PostgreSQL its
# sockets' only, the database's being in PostgreSQL's processes); then county completeness.
# Durable as in production (SQLite WAL + synchronous=FULL; PostgreSQL fsync=on). Not part
# of scripts/test.sh.
# Usage: scripts/bench-ingest.sh path/to/divisions.csv.gz
#   (LEVELS="1 8 32 64" ENGINES="sqlite postgres" COUNTIES="630223 621121" RUN_SECONDS=5
#    HISTORY=1000000 HISTORY_LEVELS=32: on SQLite, that many reports bulk-inserted, then
#    those levels again)
set -euo pipefail
cd "$(dirname "$0")/.."
file=$(realpath "${1:?usage: scripts/bench-ingest.sh path/to/divisions.csv.gz}")
levels=${LEVELS:-1 8 32 64}
engines=${ENGINES:-sqlite postgres}
counties=${COUNTIES:-630223 621121}
run_seconds=${RUN_SECONDS:-5}

# shellcheck source=scripts/bench-server.sh
source scripts/bench-server.sh

# The server's bytes and calls through write and read so far; then, given that before and
# after N requests, their share per request.
io() { awk '/^wchar/ {w=$2} /^syscw/ {c=$2} /^rchar/ {r=$2} /^syscr/ {s=$2} END {print w, c, r, s}' "/proc/$1/io"; }
per_request() {
  read -r w0 c0 r0 s0 <<<"$1"
  read -r w1 c1 r1 s1 <<<"$2"
  awk -v n="$3" -v w=$((w1 - w0)) -v c=$((c1 - c0)) -v r=$((r1 - r0)) -v s=$((s1 - s0)) 'BEGIN {
    printf "    per report: %.1f KiB written in %.1f calls, %.1f KiB read in %.1f calls", w / n / 1024, c / n, r / n / 1024, s / n }'
}
# One closed-loop run at $1 clients from request $seq against $server: sets $out (the load
# generator's lines) and $io_line (the server's reads and writes per report), moves $seq on.
load_at() {
  local before after next
  before=$(io "$server")
  out=$("$load" run "$base" "$work/tokens" "$1" "$run_seconds" "$seq" "$server")
  after=$(io "$server")
  next=$(echo "$out" | tail -1 | awk '{print $2}')
  io_line=$(per_request "$before" "$after" $((next - seq)))
  seq=$next
}

for county in $counties; do
  zcat -f "$file" | awk -F, -v p="^$county" '$1 ~ p && $3 == "village" { print $1 }' >"$work/villages-$county"
  echo "county $county: $(wc -l <"$work/villages-$county") villages"
done

echo "== bare axum JSON echo (the HTTP ceiling on this machine)"
port=$(free_port)
"$load" echo "$port" >"$work/echo.log" &
pids+=($!)
echo_pid=$!
sleep 0.3
printf 'x\n%.0s' $(seq 1 64) >"$work/echo-tokens"
declare -A ceiling
for c in $levels; do
  line=$("$load" run "http://127.0.0.1:$port" "$work/echo-tokens" "$c" "$run_seconds" 0 "$echo_pid" | sed -n 1p)
  echo "  $line"
  ceiling[$c]=$(echo "$line" | awk '{print $3}')
done
kill "$echo_pid"

start_throwaway_postgres >/dev/null
for engine in $engines; do
  url=$(database_url "$engine" bench)
  echo "== $engine"
  specs=()
  for county in $counties; do
    "$bin" import-divisions --database-url "$url" --prefix "$county" "$file" >/dev/null
    JIANFU_NEW_PASSWORD="bench-admin-password-$county" \
      "$bin" user add --database-url "$url" --username "admin$county" --role admin --unit "$county" >/dev/null
    specs+=("$county:admin$county:bench-admin-password-$county:$work/villages-$county")
  done
  port=$(free_port)
  JIANFU_DATABASE_URL=$url JIANFU_JWT_SECRET=bench-secret-0123456789abcdef-0123456789 \
    "$bin" serve --host 127.0.0.1 --port "$port" --trusted-proxy 127.0.0.1 >"$work/server-$engine.log" 2>&1 &
  server=$!
  pids+=("$server")
  base="http://127.0.0.1:$port"
  wait_ready "$base"
  "$load" setup "$base" "${specs[@]}" >"$work/tokens"
  echo "  $(wc -l <"$work/tokens") cadres signed in"
  seq=0
  for c in $levels; do
    load_at "$c"
    line=$(echo "$out" | sed -n 1p)
    rate=$(echo "$line" | awk '{print $3}')
    ratio=$(awk -v r="$rate" -v e="${ceiling[$c]}" 'BEGIN { if (e > 0) printf "%.0f %%", 100 * r / e; else print "-" }')
    echo "  $line  = $ratio of the echo"
    echo "$out" | grep '^  first refusal\|^  writer' || true
    echo "$io_line"
  done
  # History: HISTORY reports (default 1,000,000) bulk-inserted on SQLite for these cadres'
  # weeks before 2015, then the middle level again: the rate must not fall with history.
  if [ "$engine" = sqlite ] && [ "${HISTORY:-1000000}" -gt 0 ]; then
    started=$(date +%s.%N)
    python3 - "$work/bench.db" "${HISTORY:-1000000}" <<'PY'
import datetime, json, sqlite3, sys, uuid, random
path, total = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, timeout=60)
cadres = list(db.execute("SELECT u.id, p.org_unit FROM users u JOIN postings p ON p.user_id = u.id WHERE u.role = 'cadre'"))
rng = random.Random(7)
weeks = -(-total // len(cadres))
monday = datetime.date(2014, 12, 29) - datetime.timedelta(weeks=weeks)
n = 0
for week in range(weeks):
    start = monday + datetime.timedelta(weeks=week)
    end = start + datetime.timedelta(days=7)
    received = int(datetime.datetime(end.year, end.month, end.day, 9, 30).timestamp())
    reports, revisions, outcomes = [], [], []
    for user_id, village in cadres:
        if n == total:
            break
        n += 1
        # A UUID v7 of the time it was received, as the cadre page makes them.
        rid = (((received * 1000 + n % 1000) << 80) | rng.getrandbits(80)) & ~(0xF << 76) & ~(0x3 << 62)
        rid = str(uuid.UUID(int=rid | (0x7 << 76) | (0x2 << 62)))
        items = [{"id": f"h{week}-{k}", "category": "民生", "what": "协调修复三组自来水管道，恢复供水",
                  "for_whom": "村民", "status": "done"} for k in range(2)]
        content = json.dumps({"outcomes": items, "fields": {"households": 12}, "days_in_village": 5},
                             ensure_ascii=False, separators=(",", ":"))
        reports.append((rid, user_id, village, f"weekly:{start}", str(start), str(end), received, received))
        revisions.append((rid, content, " ".join(o["id"] for o in items), received))
        outcomes.extend((rid, o["id"], user_id, str(start)) for o in items)
    db.executemany("INSERT INTO reports (id, user_id, org_unit, period_key, period_start, period_end, revision, "
                   "status, late, first_received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 'submitted', 0, ?, ?)", reports)
    db.executemany("INSERT INTO report_revisions (report_id, revision, content, outcome_ids, received_at) "
                   "VALUES (?, 1, ?, ?, ?)", revisions)
    db.executemany("INSERT INTO outcomes (report_id, outcome_id, user_id, period_start) VALUES (?, ?, ?, ?)", outcomes)
    db.commit()
print(f"  history: {n} reports of {len(cadres)} cadres ({weeks} weeks each) bulk-inserted", end="")
PY
    awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf " in %.0f s\n", b - a}'
    for c in ${HISTORY_LEVELS:-32}; do
      load_at "$c"
      echo "  with history: $(echo "$out" | sed -n 1p)"
      echo "$out" | grep '^  first refusal\|^  writer' || true
      echo "$io_line"
    done
  fi
  # County completeness, the reviewer's most frequent question: the last week's.
  for county in $counties; do
    token=$(curl -fs -H 'content-type: application/json' \
      -d "{\"username\":\"admin$county\",\"password\":\"bench-admin-password-$county\"}" \
      "$base/api/v1/auth/login" | sed 's/.*"token":"\([^"]*\)".*/\1/')
    times=()
    for _ in $(seq 1 11); do
      times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "authorization: Bearer $token" \
        "$base/api/v1/completeness?unit=$county")")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 6p)
    echo "  completeness of county $county: median $(awk -v t="$median" 'BEGIN { printf "%.1f", t * 1000 }') ms (11 requests)"
  done
  echo "  reports stored: $seq sent in all; server peak RSS $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status")"
  kill "$server"
  wait "$server" 2>/dev/null || true
done
