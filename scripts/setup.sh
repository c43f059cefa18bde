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
  xvfb xauth imagemagick webkit2gtk-driver binaryen
  chromium chromium-driver fonts-noto-cjk ffmpeg
  libheif-examples
  postgresql
  gdal-bin
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

# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly.
bindgen_version=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;q}' Cargo.lock 2>/dev/null || true)
bindgen_version=${bindgen_version:-0.2.130}
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  log "cargo: installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "0.21.14" ]; then
  log "cargo: installing trunk 0.21.14"
  # A debug build: 2 min 49 s to install instead of ~12 min in release, for ~2.4 s more per
  # `trunk build` (it hashes the 25 MB wasm unoptimised); the heavy step, wasm-bindgen, is the
  # release build above.
  cargo install --locked --debug trunk --version 0.21.14
fi
command -v tauri-driver >/dev/null || { log "cargo: installing tauri-driver"; cargo install --locked tauri-driver --version '^2'; }

if [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d ui/node_modules/maplibre-gl ]; then
  log "npm: installing test and map packages"
  (cd ui && npm ci --no-audit --no-fund)
  (cd tests/e2e && npm ci --no-audit --no-fund)
fi
log "ready"
