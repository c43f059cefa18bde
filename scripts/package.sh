#!/usr/bin/env bash
# make package: the desktop app as a Debian package, made by Tauri's bundler (its CLI, from npm).
#
# Prints the package's path as its last line. The optimised UI (ui/dist, `trunk build --release`)
# must be built first; the package carries it as a resource (/usr/lib/smart-binhe/ui), where the
# installed app finds it.
#
# The CLI wants its configuration beside the app's crate, and paths in it relative to that
# crate; ours is tauri.conf.json at the repository root (the crate reads it as
# ../tauri.conf.json). So the CLI gets src-tauri/tauri.conf.json for the length of the build:
# the root file with its paths moved to src-tauri, and packaging/tauri.package.json (the
# bundle's settings) merged in. It is removed again whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1;34m[package]\033[0m %s\n' "$*" >&2; }

[ -f ui/dist/index.html ] || { log "ui/dist is not built (make package builds it first)"; exit 1; }
if [ ! -x packaging/node_modules/.bin/tauri ]; then
  log "npm: installing Tauri's CLI"
  (cd packaging && npm ci --no-audit --no-fund >&2)
fi

generated=src-tauri/tauri.conf.json
trap 'rm -f "$generated"' EXIT
node - "$generated" <<'EOF'
const { readFileSync, writeFileSync } = require('node:fs');
const { relative, resolve } = require('node:path');
const [out] = process.argv.slice(2);
const root = resolve('.');
const crate = resolve('src-tauri');
// A path relative to the repository root, made relative to the crate.
const moved = (p) => relative(crate, resolve(root, p));
const config = JSON.parse(readFileSync('tauri.conf.json', 'utf8'));
const bundle = JSON.parse(readFileSync('packaging/tauri.package.json', 'utf8')).bundle;
config.build.frontendDist = moved(config.build.frontendDist);
config.bundle = {
  ...config.bundle,
  ...bundle,
  icon: config.bundle.icon.map(moved),
  resources: Object.fromEntries(Object.entries(bundle.resources).map(([from, to]) => [moved(from) + '/', to])),
};
writeFileSync(out, JSON.stringify(config, null, 2));
EOF

log "building the optimised app and its Debian package"
TAURI_APP_PATH="$PWD/src-tauri" packaging/node_modules/.bin/tauri build --bundles deb --ci >&2
target=${CARGO_TARGET_DIR:-$PWD/target}
version=$(node -p "require('./tauri.conf.json').version")
deb=$(ls -t "$target"/release/bundle/deb/smart-binhe_"$version"_*.deb | head -1)
log "made $deb ($(du -h "$deb" | cut -f1))"
echo "$deb"
