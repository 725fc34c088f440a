#!/usr/bin/env bash
# Import benchmark: the national administrative tree into a fresh SQLite file and into a
# fresh PostgreSQL database (throwaway cluster), with the release binary, RUNS times each
# (default 3), then the same file again on top (which must change nothing). Prints each
# run and the medians.
# Usage: scripts/bench-import.sh path/to/divisions.csv.gz
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:?usage: scripts/bench-import.sh path/to/divisions.csv.gz}
file=$(realpath "$file")
runs=${RUNS:-3}

cargo build --release -p jianfu-server --quiet
bin="${CARGO_TARGET_DIR:-target}/release/jianfu"
export JIANFU_LOG=warn

work=$(mktemp -d)
# shellcheck source=scripts/pg.sh
source scripts/pg.sh
export JIANFU_PG_NO_TRAP=1
trap 'rm -rf "$work"; stop_throwaway_postgres' EXIT
start_throwaway_postgres

# Runs one import; prints its line and appends "seconds rows/s" to $2.
import_once() {
  local url=$1 out=$2 line
  line=$("$bin" import-divisions --database-url "$url" "$file")
  echo "  $line"
  echo "$line" | sed -n 's/.* in \([0-9.]*\) s (parse.*= \([0-9]*\) rows\/s/\1 \2/p' >> "$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

report() {
  local label=$1 out=$2
  printf '%-34s median %6.2f s  %9.0f rows/s  (%s runs)\n' "$label" \
    "$(cut -d' ' -f1 "$out" | median)" "$(cut -d' ' -f2 "$out" | median)" "$(wc -l < "$out")"
}

echo "== $(nproc) cores; $(zcat -f "$file" | wc -l) rows in $file"
for i in $(seq "$runs"); do
  echo "SQLite run $i (fresh file, then again):"
  import_once "sqlite://$work/bench-$i.db" "$work/sqlite-fresh"
  import_once "sqlite://$work/bench-$i.db" "$work/sqlite-again"
  rm -f "$work/bench-$i.db"*
done
for i in $(seq "$runs"); do
  echo "PostgreSQL run $i (fresh database, then again):"
  url=$(create_throwaway_database "bench_$i")
  import_once "$url" "$work/pg-fresh"
  import_once "$url" "$work/pg-again"
done

echo
echo "== medians"
report "SQLite, fresh file" "$work/sqlite-fresh"
report "SQLite, same file again (no-op)" "$work/sqlite-again"
report "PostgreSQL, fresh database" "$work/pg-fresh"
report "PostgreSQL, same file again" "$work/pg-again"
