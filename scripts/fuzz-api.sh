#!/usr/bin/env bash
# Fuzzes the API from its OpenAPI document with schemathesis (pinned; installed by
# scripts/install-deps.sh into ~/.cache/jianfu-fuzz) against a demo server on a throwaway
# SQLite database, once as a cadre, once as a reviewer, once as an admin. Fails on any
# 5xx, any status the document does not list for the operation, any response (error
# bodies included) that does not match its documented schema or content type.
# Bounded: FUZZ_SECONDS per role (default 60). Usage: scripts/fuzz-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
st=${JIANFU_FUZZ_VENV:-$HOME/.cache/jianfu-fuzz}/bin/st
[ -x "$st" ] || { echo "fuzz-api: schemathesis is missing (run scripts/install-deps.sh)" >&2; exit 1; }

cargo build -q -p jianfu-server --bin jianfu
bin=${CARGO_TARGET_DIR:-target}/debug/jianfu

tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

JIANFU_DEMO_DATABASE_URL="sqlite://$tmp/fuzz.db" JIANFU_LOG=warn \
  "$bin" demo --host 127.0.0.1 --port 0 >"$tmp/demo.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q '^demo: open http' "$tmp/demo.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/demo.log" >&2; exit 1; }
  sleep 0.2
done
base=$(sed -n 's#^demo: open \(http://[0-9.:]*\)/.*#\1#p' "$tmp/demo.log")
[ -n "$base" ] || { echo "fuzz-api: the demo server did not start" >&2; cat "$tmp/demo.log" >&2; exit 1; }
echo "[fuzz] demo server at $base"

token_of() {
  local role=$1 user password
  read -r _ user password < <(grep "^$role " "$tmp/demo.log" | head -1)
  curl -sf -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$password\"}" "$base/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# Every token first: the fuzzer's own sign-in attempts use up this address's attempts.
declare -A tokens
for role in cadre reviewer admin; do
  tokens[$role]=$(token_of "$role")
done

status=0
for role in cadre reviewer admin; do
  token=${tokens[$role]}
  echo "[fuzz] as $role, ${seconds} s"
  # Signing out would end the run's own session: everything else is fuzzed.
  "$st" --no-color run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-path /api/v1/auth/logout \
    --max-time "$seconds" --seed 20261130 --workers 2 \
    --suppress-health-check all --request-timeout 10 \
    --report junit --report-dir "${CARGO_TARGET_DIR:-target}/fuzz-$role" || status=1
done
if grep -q 'panicked' "$tmp/demo.log"; then
  echo "fuzz-api: the server panicked:" >&2
  grep -A3 panicked "$tmp/demo.log" >&2
  status=1
fi
exit $status
