#!/usr/bin/env bash
# The cadre page over a weak link (issue 10's targets): first and second visit on the
# "2G/EDGE" (800 ms, 240 kbit/s down) and "weak 3G" (400 ms, 400 kbit/s) profiles, in
# headless Chromium at 390 px behind a throttling proxy (the .mjs says why not DevTools'
# throttling). Prints, for each, the time to visible, to usable (the form drawn and
# editable), to checked (the browser module loaded), the bytes and the requests. A
# benchmark command, not a test: it prints
# figures and asserts nothing. Not part of scripts/test.sh.
#
#   scripts/bench-weak-network.sh
#
# Starts the demo (scripts/demo.sh's server: the demo county, a weekly policy, cadres) on
# a free port with a throwaway SQLite file, signs a cadre in, and runs
# scripts/bench-weak-network.mjs with playwright-core (npm, installed once into
# target/bench-node) driving the Debian /usr/bin/chromium. Builds the browser module when
# web/pkg/ is missing; JIANFU_BENCH_PROFILE=release builds the server in release mode
# (the default, debug, is what the tests run; static files cost little CPU either way).
# To measure another build (the "before" figures in README.md), point
# JIANFU_BENCH_SERVER at its `jianfu` binary and JIANFU_WEB_DIR at its web/.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
profile=${JIANFU_BENCH_PROFILE:-debug}
node_dir="$target/bench-node"

[ -f web/pkg/jianfu_client_bg.wasm ] || scripts/build-wasm.sh
if [ "$profile" = release ]; then
  cargo build -q -p jianfu-server --release
else
  cargo build -q -p jianfu-server
fi
if [ ! -d "$node_dir/node_modules/playwright-core" ]; then
  mkdir -p "$node_dir"
  npm install --silent --no-audit --no-fund --prefix "$node_dir" playwright-core@1.65.1 >/dev/null
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

JIANFU_DEMO_DATABASE_URL="sqlite://$work/demo.db" JIANFU_LOG=warn JIANFU_WEB_DIR="${JIANFU_WEB_DIR:-$PWD/web}" \
  "${JIANFU_BENCH_SERVER:-$target/$profile/jianfu}" demo --port 0 >"$work/demo.out" 2>"$work/demo.err" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q '^demo: open ' "$work/demo.out" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's#^demo: open \(http://[^/]*\)/.*#\1#p' "$work/demo.out")
read -r _ user password < <(grep '^cadre ' "$work/demo.out" | head -1)
[ -n "$url" ] && [ -n "$user" ] || { echo "bench: the demo did not start" >&2; cat "$work/demo.err" >&2; exit 1; }

echo "cadre page at $url, signed in as $user; 390 px, Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
# Run from beside its node_modules, where ES-module imports resolve playwright-core.
cp scripts/bench-weak-network.mjs "$node_dir/bench-weak-network.mjs"
node "$node_dir/bench-weak-network.mjs" "$url" "$user" "$password"
