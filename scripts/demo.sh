#!/usr/bin/env bash
# Runs the product with demo data: builds the browser module and the server, imports the
# demo county into jianfu-demo.db (SQLite), prints `role username password` per login and
# serves on http://127.0.0.1:8080/. Extra flags go to `jianfu demo` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --no-browser --no-postgres
scripts/build-wasm.sh
exec cargo run --release -p jianfu-server -- demo "$@"
