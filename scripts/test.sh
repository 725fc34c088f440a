#!/usr/bin/env bash
# Runs every test of jianfu. Installs what it needs first (scripts/install-deps.sh skips
# whatever is already there), starts a throwaway PostgreSQL cluster for the run and stops
# it on every exit path. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "install what the tests need"
scripts/install-deps.sh

step "format"
cargo fmt --all -- --check

step "lints (host and wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p jianfu-client --target wasm32-unknown-unknown --all-targets --all-features -- -D warnings

step "throwaway PostgreSQL"
# shellcheck source=scripts/pg.sh
source scripts/pg.sh
start_throwaway_postgres

step "browser module: build into web/pkg (the end-to-end browser test loads it)"
scripts/build-wasm.sh

step "Rust tests: core, server, binary, API on SQLite and PostgreSQL, pages in Chromium"
cargo test --workspace

step "browser module: its tests in node and headless Chromium"
scripts/test-wasm.sh

step "API fuzzer: schemathesis from the OpenAPI document, as a cadre, a reviewer and an admin"
FUZZ_SECONDS=${FUZZ_SECONDS:-60} scripts/fuzz-api.sh
