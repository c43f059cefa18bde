#!/usr/bin/env bash
# Installs everything Smart Binhe needs to build, run and test on Debian 12.
# Idempotent: each step checks first and only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

apt_packages=(
  build-essential pkg-config libssl-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth imagemagick webkit2gtk-driver
  chromium chromium-driver fonts-noto-cjk ffmpeg
  libheif-examples
  postgresql
  gdal-bin
  dbus-daemon dbus-bin
)
# Node.js may already come from another source (with its own npm); only add Debian's when absent.
command -v npm >/dev/null || apt_packages+=(nodejs npm)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  log "rust: cargo not found; install rustup from your distribution or rustup.rs first" >&2
  exit 1
fi
rustup target list --installed | grep -q wasm32-unknown-unknown || {
  log "rustup: adding wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }

# The tools are built from crates.io at the same time, with the npm packages beside them: each
# build has serial stretches (one large crate, the link) another one fills; on a fresh 2-core
# machine one after the other they took 7 min 11 s (wasm-bindgen-cli 2:45, trunk 3:52,
# tauri-driver 0:34). Each one's output is shown if it fails.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
jobs_started=()
in_background() {
  local name=$1
  shift
  log "$name"
  ("$@" >"$logs/${#jobs_started[@]}.log" 2>&1) &
  jobs_started+=("$!:$name")
}

# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly.
bindgen_version=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;q}' Cargo.lock 2>/dev/null || true)
bindgen_version=${bindgen_version:-0.2.130}
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  in_background "cargo: installing wasm-bindgen-cli $bindgen_version" \
    cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "0.21.14" ]; then
  # A debug build: 2 min 49 s to install instead of ~12 min in release, for ~2.4 s more per
  # `trunk build` (it hashes the 25 MB wasm unoptimised); the heavy step, wasm-bindgen, is the
  # release build above.
  in_background "cargo: installing trunk 0.21.14" \
    cargo install --locked --debug trunk --version 0.21.14
fi
command -v tauri-driver >/dev/null ||
  in_background "cargo: installing tauri-driver" cargo install --locked tauri-driver --version '^2'

if [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d ui/node_modules/maplibre-gl ]; then
  in_background "npm: installing test and map packages" \
    sh -c '(cd ui && npm ci --no-audit --no-fund) && (cd tests/e2e && npm ci --no-audit --no-fund)'
fi

failed=0
for i in "${!jobs_started[@]}"; do
  pid=${jobs_started[$i]%%:*}
  name=${jobs_started[$i]#*:}
  if ! wait "$pid"; then
    log "failed: $name" >&2
    cat "$logs/$i.log" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
log "ready"
