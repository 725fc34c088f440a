# Sourced by scripts: start_throwaway_postgres starts a PostgreSQL 15 cluster in a temp dir
# on a free port, exports JIANFU_TEST_PG_URL, and registers its stop on every exit path.
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop_throwaway_postgres() {
  if [ -n "${JIANFU_PG_DIR:-}" ] && [ -d "$JIANFU_PG_DIR/data" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$JIANFU_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$JIANFU_PG_DIR"
  fi
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_throwaway_postgres() {
  JIANFU_PG_DIR=$(mktemp -d)
  [ "$(id -u)" = 0 ] && chown postgres "$JIANFU_PG_DIR"
  # Callers with cleanup of their own set JIANFU_PG_NO_TRAP=1 and call stop_throwaway_postgres.
  [ -n "${JIANFU_PG_NO_TRAP:-}" ] || trap stop_throwaway_postgres EXIT
  local port
  port=$(free_port)
  as_pg "$PG_BIN/initdb" -D "$JIANFU_PG_DIR/data" -U test --auth=trust -E UTF8 --no-locale -N >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$JIANFU_PG_DIR/data" -l "$JIANFU_PG_DIR/log" -w \
    -o "-p $port -k $JIANFU_PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null
  export JIANFU_PG_PORT=$port
  export JIANFU_TEST_PG_URL="postgres://test@127.0.0.1:$port/postgres"
  echo "[postgres] throwaway cluster on 127.0.0.1:$port ($JIANFU_PG_DIR)"
}

# A new empty database in the throwaway cluster; prints its URL.
create_throwaway_database() {
  local name=$1
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$JIANFU_PG_PORT" -U test "$name"
  echo "postgres://test@127.0.0.1:$JIANFU_PG_PORT/$name"
}
