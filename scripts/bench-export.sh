#!/usr/bin/env bash
# Export benchmark: the release server on a SQLite database of the demo county (吴桥县)
# with REPORTS reports (default 100,000: 1,000 cadres × 100 weeks, three outcomes each,
# written by bulk SQL inserts), then reports.csv and reports.xlsx downloaded over HTTP
# RUNS times each (default 3) as the county reviewer. Prints each run's time, rows/s and
# the server's peak resident memory during that download (VmHWM, reset before each; it
# counts the database pages the export maps) and its peak heap (RssAnon, sampled), and
# the medians. Not part of scripts/test.sh.
# Usage: scripts/bench-export.sh   (REPORTS=200000 RUNS=5 BENCH_DIR=/tmp/b scripts/bench-export.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
reports=${REPORTS:-100000}
runs=${RUNS:-3}
weeks=100
cadres=$(((reports + weeks - 1) / weeks))

cargo build --release -p jianfu-server --quiet
bin="${CARGO_TARGET_DIR:-target}/release/jianfu"

# BENCH_DIR keeps the database (and the last download) there for a closer look.
work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
rm -f "$work"/bench.db*
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  [ -n "${BENCH_DIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# The demo sets up the county, its weekly template and policy, and a county reviewer.
JIANFU_DEMO_DATABASE_URL="sqlite://$work/bench.db" JIANFU_LOG=warn \
  "$bin" demo --host 127.0.0.1 --port 0 >"$work/demo.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q '^demo: open http' "$work/demo.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/demo.log" >&2; exit 1; }
  sleep 0.2
done
base=$(sed -n 's#^demo: open \(http://[0-9.:]*\)/.*#\1#p' "$work/demo.log")
[ -n "$base" ] || { echo "bench-export: the server did not start" >&2; cat "$work/demo.log" >&2; exit 1; }
read -r _ reviewer password < <(grep '^reviewer ' "$work/demo.log" | head -1)

echo "== $(nproc) cores; writing $reports reports ($cadres cadres × $weeks weeks) into SQLite"
started=$(date +%s.%N)
python3 - "$work/bench.db" "$cadres" "$weeks" "$reports" <<'PY'
import json, sqlite3, sys, uuid, datetime, random
path, cadres, weeks, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
db = sqlite3.connect(path, timeout=30)
db.execute("PRAGMA journal_mode=WAL")
villages = [r[0] for r in db.execute(
    "SELECT code FROM org_units WHERE level = 'village' AND code LIKE '130928%' ORDER BY code")]
surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
rng = random.Random(7)
now = int(datetime.datetime.now().timestamp())
users = []
for i in range(cadres):
    name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
    users.append((f"bench.cadre{i:05}", name, "x", "cadre", villages[i % len(villages)], now))
db.executemany("INSERT INTO users (username, display_name, password_hash, role, org_unit, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", users)
ids = dict(db.execute("SELECT username, id FROM users WHERE username LIKE 'bench.cadre%'"))
monday = datetime.date(2024, 1, 1)
what = ["协调修复三组自来水管道，恢复供水", "走访低保户，核实家庭收入变化",
        "组织村民代表会议，讨论道路硬化方案", "帮助种植户联系收购商，签订订单",
        "排查危房两处，报镇里安排修缮", "调解邻里宅基地纠纷，双方签字确认"]
status = ["done", "in_progress", "handed_off", "blocked"]
reports, revisions, outcomes = [], [], []
n = 0
for week in range(weeks):
    start = monday + datetime.timedelta(weeks=week)
    end = start + datetime.timedelta(days=7)
    received = int(datetime.datetime(end.year, end.month, end.day, 9, 30).timestamp()) + rng.randrange(0, 200000)
    late = received > int(datetime.datetime(end.year, end.month, end.day).timestamp()) + 4 * 86400
    for username, name, _, _, village, _ in users:
        if n == total:
            break
        n += 1
        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        items = []
        for k in range(3):
            o = {"id": f"o{week}-{k}", "category": "民生", "what": rng.choice(what),
                 "for_whom": "村民", "status": rng.choice(status)}
            if k == 0:
                o["quantity"] = {"value": rng.randrange(1, 500), "unit": "户"}
            items.append(o)
        content = json.dumps({"outcomes": items, "fields": {"contact": "13800000000",
                              "households": rng.randrange(0, 60)}, "days_in_village": rng.randrange(3, 7)},
                             ensure_ascii=False, separators=(",", ":"))
        reports.append((rid, ids[username], village, f"weekly:{start}", str(start), str(end),
                        "submitted", int(late), received, received))
        revisions.append((rid, content, " ".join(o["id"] for o in items), received))
        outcomes.extend((rid, o["id"], ids[username], str(start)) for o in items)
db.executemany("INSERT INTO reports (id, user_id, org_unit, period_key, period_start, period_end, revision, "
               "status, late, first_received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)", reports)
db.executemany("INSERT INTO report_revisions (report_id, revision, content, outcome_ids, received_at) "
               "VALUES (?, 1, ?, ?, ?)", revisions)
db.executemany("INSERT INTO outcomes (report_id, outcome_id, user_id, period_start) VALUES (?, ?, ?, ?)", outcomes)
db.commit()
db.execute("ANALYZE")
print(f"   {len(reports)} reports, {len(outcomes)} outcomes in {len(villages)} villages")
PY
awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "   written in %.1f s\n", b - a}'

token=$(curl -sf -H 'content-type: application/json' \
  -d "{\"username\":\"$reviewer\",\"password\":\"$password\"}" "$base/api/v1/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# The largest RssAnon (the heap, without mapped file pages) seen every 10 ms until $1 exists.
sample_anon() {
  local stop=$1 max=0 key value _
  while [ ! -e "$stop" ]; do
    while read -r key value _; do
      [ "$key" = RssAnon: ] && [ "$value" -gt "$max" ] && max=$value
    done < "/proc/$pid/status"
    sleep 0.01
  done
  echo "$max"
}

# Downloads one export; prints its line and appends "seconds rows/s peak_rss_mib
# peak_anon_mib" to $2. The peak RSS (VmHWM, reset before) counts the pages of the
# database file that the export maps; the heap is RssAnon, sampled.
download_once() {
  local path=$1 out=$2 file="$work/export" seconds rows before peak anon
  echo 5 > "/proc/$pid/clear_refs" # resets VmHWM to the current RSS
  before=$(kib RssAnon)
  rm -f "$work/stop"
  sample_anon "$work/stop" > "$work/anon" &
  seconds=$(curl -sf -o "$file" -w '%{time_total}' -H "Authorization: Bearer $token" "$base$path")
  touch "$work/stop"
  wait $!
  peak=$(kib VmHWM)
  anon=$(cat "$work/anon")
  rows=$(python3 - "$file" "$path" <<'PY'
import csv, sys, zipfile
path, kind = sys.argv[1], sys.argv[2]
if kind.endswith(".csv"):
    with open(path, encoding="utf-8-sig", newline="") as f:
        print(sum(1 for _ in csv.reader(f)) - 1)
else:
    with zipfile.ZipFile(path) as z, z.open("xl/worksheets/sheet1.xml") as f:
        print(sum(chunk.count(b"<row ") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1)
PY
)
  local line
  line=$(awk -v s="$seconds" -v r="$rows" -v b="$before" -v p="$peak" -v a="$anon" \
    -v bytes="$(stat -c %s "$file")" \
    'BEGIN {printf "%.3f %.0f %.1f %.1f %d %.1f %.1f", s, r / s, p / 1024, a / 1024, r, b / 1024, bytes / 1048576}')
  read -r s rps mib amib r b mb <<<"$line"
  printf '  %-13s %6s s %8s rows/s %7s rows %5s MB  peak RSS %6s MiB, heap %6s MiB (%s before)\n' \
    "${path##*/}" "$s" "$rps" "$r" "$mb" "$mib" "$amib" "$b"
  echo "$s $rps $mib $amib" >> "$out"
}

report() {
  local label=$1 out=$2
  printf '%-13s median %6.3f s %8.0f rows/s  peak RSS %6.1f MiB, heap %6.1f MiB  (%s runs)\n' "$label" \
    "$(cut -d' ' -f1 "$out" | median)" "$(cut -d' ' -f2 "$out" | median)" \
    "$(cut -d' ' -f3 "$out" | median)" "$(cut -d' ' -f4 "$out" | median)" "$(wc -l < "$out")"
}

for i in $(seq "$runs"); do
  echo "run $i:"
  download_once /api/v1/exports/reports.csv "$work/csv"
  download_once /api/v1/exports/reports.xlsx "$work/xlsx"
done
echo
echo "== medians"
report "reports.csv" "$work/csv"
report "reports.xlsx" "$work/xlsx"
