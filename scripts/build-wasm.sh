#!/usr/bin/env bash
# Builds the browser module (crate jianfu-client) into web/pkg/: the .wasm, its ES-module
# JS glue (loaded by the pages from /pkg/jianfu_client.js) and TypeScript declarations.
# Prints the raw and gzipped sizes: the module has to load over a weak rural signal.
# Needs the wasm32 target and the wasm-bindgen CLI (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

out=web/pkg
wasm=target/wasm32-unknown-unknown/wasm-release/jianfu_client.wasm
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/jianfu_client.wasm"
fi

# build FEATURES OUT_DIR: one module, with its precompressed copies, sent as they are by the
# server (server/src/http/pages.rs): the module is the largest download of the cadre page,
# so it gets the strongest settings once here rather than a quick compression on every
# request. Brotli only where its CLI exists.
build() {
  local features=$1 dir=$2
  cargo build -p jianfu-client --target wasm32-unknown-unknown --profile wasm-release $features
  wasm-bindgen --target web --remove-name-section --remove-producers-section \
    --out-dir "$dir" "$wasm"
  for file in "$dir/jianfu_client_bg.wasm" "$dir/jianfu_client.js"; do
    gzip -9 -n -k -f "$file"
    if command -v brotli >/dev/null; then brotli -q 11 -f -k "$file"; fi
  done
}

rm -rf "$out"
# The admin page's module (web/pkg/admin/): the same exports plus the template editor's
# burden preview (feature `admin`), which the cadre page never loads. Built first, so the
# cadre module is the last artifact left in the target directory.
build "--features admin" "$out/admin"
build "" "$out"

size_line() {
  local file=$1 raw gz
  raw=$(wc -c <"$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  printf '  %-28s %8d bytes raw %8d bytes gzip\n' "${file#"$out"/}" "$raw" "$gz"
}

echo "browser module in $out/:"
size_line "$out/jianfu_client_bg.wasm"
size_line "$out/jianfu_client.js"
total_raw=$(cat "$out/jianfu_client_bg.wasm" "$out/jianfu_client.js" | wc -c)
total_gz=$(( $(gzip -9 -c "$out/jianfu_client_bg.wasm" | wc -c) + $(gzip -9 -c "$out/jianfu_client.js" | wc -c) ))
printf '  %-28s %8d bytes raw %8d bytes gzip\n' "wasm + JS glue" "$total_raw" "$total_gz"
admin_gz=$(( $(gzip -9 -c "$out/admin/jianfu_client_bg.wasm" | wc -c) + $(gzip -9 -c "$out/admin/jianfu_client.js" | wc -c) ))
printf '  %-28s %8s           %8d bytes gzip (admin page only)\n' "admin/ wasm + JS glue" "" "$admin_gz"
