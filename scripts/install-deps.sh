#!/usr/bin/env bash
# Installs what the tests and the demo need, skipping whatever is already there:
# the wasm32 target, the wasm-bindgen CLI at the version pinned in Cargo.toml,
# Debian's Chromium + ChromeDriver and a CJK font (browser tests), nginx, curl and openssl
# (the deployment test) and PostgreSQL 15 binaries.
# Usage: scripts/install-deps.sh [--no-browser] [--no-postgres]
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=1
want_postgres=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) want_browser=0 ;;
    --no-postgres) want_postgres=0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[install] %s\n' "$*"; }

# The wasm-bindgen crate is pinned with `=` in Cargo.toml; the CLI must match it exactly.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "cannot find the pinned wasm-bindgen version in Cargo.toml" >&2; exit 1; }

for component in rustfmt clippy; do
  if rustup component list --installed | grep -q "^$component"; then
    log "$component: present"
  else
    log "adding $component"
    rustup component add "$component"
  fi
done

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "wasm32-unknown-unknown target: present"
else
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$WASM_BINDGEN_VERSION" ]; then
  log "wasm-bindgen CLI $WASM_BINDGEN_VERSION: present"
else
  log "installing wasm-bindgen CLI $WASM_BINDGEN_VERSION (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
fi

# schemathesis (the API fuzzer of scripts/fuzz-api.sh), pinned, in a venv of its own.
SCHEMATHESIS_VERSION=4.32.5
FUZZ_VENV=${JIANFU_FUZZ_VENV:-$HOME/.cache/jianfu-fuzz}
if [ "$("$FUZZ_VENV/bin/st" --version 2>/dev/null | awk '{print $NF}')" = "$SCHEMATHESIS_VERSION" ]; then
  log "schemathesis $SCHEMATHESIS_VERSION: present"
else
  log "installing schemathesis $SCHEMATHESIS_VERSION into $FUZZ_VENV"
  python3 -m venv "$FUZZ_VENV"
  "$FUZZ_VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "need root to apt-get install $*; install them by hand" >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ "$want_browser" = 1 ]; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    log "chromium + chromedriver: present"
  else
    log "installing chromium + chromium-driver"
    apt_install chromium chromium-driver
  fi
  # A small CJK font (1.6 MB), so screenshots of the Chinese pages are readable.
  if dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
    log "CJK font for screenshots: present"
  else
    log "installing fonts-wqy-microhei"
    apt_install fonts-wqy-microhei
  fi
fi

# The deployment test (server/tests/deploy.rs) runs the shipped nginx site with a throwaway
# certificate and reads it with curl. Debian's policy-rc.d keeps the package from starting
# a system nginx where one is set; the test starts its own on free loopback ports.
for tool in nginx:nginx curl:curl openssl:openssl; do
  bin=${tool%%:*} package=${tool##*:}
  if command -v "$bin" >/dev/null || [ -x "/usr/sbin/$bin" ]; then
    log "$bin: present"
  else
    log "installing $package"
    apt_install "$package"
  fi
done

if [ "$want_postgres" = 1 ]; then
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    log "PostgreSQL 15 binaries: present"
  else
    log "installing PostgreSQL 15"
    apt_install postgresql-15
  fi
fi
