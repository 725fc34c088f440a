# Sourced by the ingest benchmarks (bench-ingest.sh, bench-national.sh): builds the release
# server and the load generator, sets $bin and $load, makes a work folder $work, and on
# exit stops every process in $pids and the throwaway PostgreSQL and removes $work.
# wait_ready URL waits up to 30 s for the server's /readyz; database_url ENGINE NAME gives
# a fresh database's URL (a file in $work, or a database of the throwaway PostgreSQL).
cargo build --release -p jianfu-server -p jianfu-tests --bin jianfu --bin jianfu-load --quiet
target=${CARGO_TARGET_DIR:-target}/release
# JIANFU_BENCH_BIN: another build of the server, to compare two releases on one machine.
bin=${JIANFU_BENCH_BIN:-$target/jianfu}
load=$target/jianfu-load
export JIANFU_LOG=warn
# The servers serve /metrics with this token; the load generator reads the report
# writer's counts there (an older build without them prints no writer line).
export JIANFU_METRICS_TOKEN=bench-metrics-token-0123456789
export JIANFU_LOAD_METRICS_TOKEN=$JIANFU_METRICS_TOKEN

work=$(mktemp -d)
# shellcheck source=scripts/pg.sh
source scripts/pg.sh
export JIANFU_PG_NO_TRAP=1
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_throwaway_postgres
  rm -rf "$work"
}
trap cleanup EXIT

wait_ready() {
  for _ in $(seq 1 300); do
    curl -fs "$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not start" >&2
  return 1
}

database_url() {
  case $1 in
    sqlite) echo "sqlite://$work/$2.db" ;;
    postgres) create_throwaway_database "$2" ;;
    *) echo "unknown engine $1" >&2; return 1 ;;
  esac
}
