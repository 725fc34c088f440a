#!/usr/bin/env bash
# Runs the browser module's tests (wasm-client/tests, with the admin page's exports):
# node.rs in node, browser.rs in headless Chromium through ChromeDriver, both via
# wasm-bindgen-test-runner. Fails if any test fails or if node, Chromium or ChromeDriver is
# missing: nothing is skipped.
# Chromium's flags come from wasm-client/webdriver.json.
set -euo pipefail
cd "$(dirname "$0")/.."

export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
for tool in node wasm-bindgen-test-runner "$CHROMEDRIVER" /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "test-wasm: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# The runner reads webdriver.json from its working directory; name it outright.
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/wasm-client/webdriver.json"
# The runner only drives a real browser headless when NO_HEADLESS is unset.
unset NO_HEADLESS WASM_BINDGEN_TEST_ONLY_NODE WASM_BINDGEN_TEST_ONLY_WEB

printf '\n-- wasm tests in node\n'
cargo test -p jianfu-client --target wasm32-unknown-unknown --features admin --lib --test node

printf '\n-- wasm tests in headless Chromium\n'
cargo test -p jianfu-client --target wasm32-unknown-unknown --features admin --test browser
