#!/usr/bin/env bash
# National benchmark: the whole national tree (665k units) imported on SQLite and on
# PostgreSQL (throwaway cluster); a weekly policy per province; one cadre per village
# (620,573) stored in bulk with tokens minted from the server's secret (jianfu-load
# national); then the national week: one report per village through the HTTP API (the
# closed loop of jianfu-load run at CONCURRENCY, default 64), and the national
# completeness roll-up of that week (each province in turn, as its admin). Prints the
# week's time and rate, each province's completeness and their sum, and the server's peak
# RSS. Durable as in production. Not part of scripts/test.sh; it needs ~3 GB of disk.
# Usage: scripts/bench-national.sh path/to/divisions.csv.gz
#   (ENGINES="sqlite postgres" CONCURRENCY=64 REPEAT=5: completeness requests per province)
set -euo pipefail
cd "$(dirname "$0")/.."
file=$(realpath "${1:?usage: scripts/bench-national.sh path/to/divisions.csv.gz}")
engines=${ENGINES:-sqlite postgres}
concurrency=${CONCURRENCY:-64}
repeat=${REPEAT:-5}
secret=bench-secret-0123456789abcdef-0123456789

# shellcheck source=scripts/bench-server.sh
source scripts/bench-server.sh

seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

zcat -f "$file" | awk -F, '$3 == "village" { print $1 }' >"$work/villages"
echo "villages: $(wc -l <"$work/villages")"

start_throwaway_postgres >/dev/null
for engine in $engines; do
  url=$(database_url "$engine" national)
  echo "== $engine"
  started=$(date +%s.%N)
  "$bin" import-divisions --database-url "$url" "$file" >/dev/null
  echo "  national tree imported in $(seconds_since "$started") s"
  port=$(free_port)
  JIANFU_DATABASE_URL=$url JIANFU_JWT_SECRET=$secret \
    "$bin" serve --host 127.0.0.1 --port "$port" >"$work/server-$engine.log" 2>&1 &
  server=$!
  pids+=("$server")
  base="http://127.0.0.1:$port"
  wait_ready "$base"
  started=$(date +%s.%N)
  "$load" national "$base" "$url" "$secret" "$work/villages" "$work/admins" >"$work/tokens"
  echo "  $(wc -l <"$work/admins") province policies, $(wc -l <"$work/tokens") cadres posted, in $(seconds_since "$started") s"
  out=$("$load" run "$base" "$work/tokens" "$concurrency" 600 0 "$server" "$(wc -l <"$work/tokens")")
  echo "  national week: $(echo "$out" | sed -n 1p)"
  echo "$out" | grep '^  first refusal\|^  writer' || true
  # The roll-up: every province's completeness of that week, as its admin.
  total=0
  slowest=""
  while read -r code token; do
    times=()
    for _ in $(seq 1 "$repeat"); do
      times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "authorization: Bearer $token" \
        "$base/api/v1/completeness?unit=$code&period=weekly:2015-01-05")")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")
    total=$(awk -v t="$total" -v m="$median" 'BEGIN { print t + m }')
    slowest=$(printf '%s\n%s %s\n' "$slowest" "$median" "$code" | sort -n | tail -1)
  done <"$work/admins"
  echo "  national completeness roll-up: $(awk -v t="$total" 'BEGIN { printf "%.0f", t * 1000 }') ms for $(wc -l <"$work/admins") provinces (medians of $repeat); slowest province $(echo "$slowest" | awk '{ printf "%s: %.0f ms", $2, $1 * 1000 }')"
  echo "  server peak RSS $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status")"
  kill "$server"
  wait "$server" 2>/dev/null || true
  if [ "$engine" = sqlite ]; then rm -f "$work"/national.db*; fi
done
