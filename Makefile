# Smart Binhe — every entry point. `make run` and `make test` install what is missing first.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

export PATH := $(HOME)/.cargo/bin:$(PATH)
# Build caches live outside the checkout so a fresh clone (CI) reuses them; a new machine
# simply starts cold.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/smart-binhe/target
WASM_TARGET_DIR ?= $(HOME)/.cache/smart-binhe/target-wasm
BIN := $(CARGO_TARGET_DIR)/debug

.PHONY: run test setup ui ui-release native lint unit e2e package package-test bench bench-map bench-desktop bench-city soak fuzz demo-dataset clean-db

## Open the desktop app in demo mode (embedded SQLite under ~/.local/share/smart-binhe), built
## optimised: the native app in release, the wasm UI in release.
run: setup ui-release
	cargo build --release -p smart-binhe
	BINHE_UI_DIR=$(CURDIR)/ui/dist $(CARGO_TARGET_DIR)/release/smart-binhe

## Every test: formatting, lints, unit/property/store (SQLite and PostgreSQL)/API tests, browser
## and desktop end-to-end. The e2e tests drive the binhe-server and smart-binhe executables
## `cargo test` built (both packages have tests that run them): `make native` would build them
## again with other features, minutes of it on a fresh machine.
##
## Clippy (-D warnings) lints inside the builds the tests use: clippy-driver is the workspace's
## compiler, as `cargo clippy` itself sets it up, but the build goes on to make the artifacts
## — the dependencies are built once instead of checked for clippy and built again (on a new
## 2-core machine `make lint` alone took 11.5 min). The wasm UI (linted the same way) builds
## while the native tests run. `make lint` does the same checks the usual way.
CLIPPY_ENV := RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

test: setup
	cargo fmt --all -- --check
	export $(CLIPPY_ENV)
	cargo test --workspace --all-targets --no-run
	ui_log=$$(mktemp)
	trap 'rm -f "$$ui_log"' EXIT
	$(MAKE) ui >"$$ui_log" 2>&1 &
	ui_build=$$!
	if ! $(MAKE) unit; then wait $$ui_build || true; exit 1; fi
	if ! wait $$ui_build; then cat "$$ui_log"; exit 1; fi
	cat "$$ui_log"
	$(MAKE) e2e

setup:
	scripts/setup.sh

ui:
	cd ui && CARGO_TARGET_DIR=$(WASM_TARGET_DIR) TRUNK_OFFLINE=true trunk build

ui-release:
	cd ui && PATH="$(CURDIR)/ui/node_modules/.bin:$$PATH" CARGO_TARGET_DIR=$(WASM_TARGET_DIR) TRUNK_OFFLINE=true trunk build --release

native:
	cargo build -p binhe-server -p smart-binhe

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	CARGO_TARGET_DIR=$(WASM_TARGET_DIR) cargo clippy -p binhe-ui --target wasm32-unknown-unknown -- -D warnings

## The store tests run on SQLite and on a private PostgreSQL (scripts/postgres.sh), stopped again
## whatever the tests' outcome.
unit:
	trap 'scripts/postgres.sh stop' EXIT
	scripts/postgres.sh start
	BINHE_TEST_PG_URL=$$(scripts/postgres.sh url)
	export BINHE_TEST_PG_URL
	# One run for the whole workspace, the wasm UI's logic included (natively): the crates they
	# share are built once, with one set of features.
	cargo test --workspace

e2e:
	cd tests/e2e
	BINHE_SERVER_BIN=$(BIN)/binhe-server BINHE_DESKTOP_BIN=$(BIN)/smart-binhe BINHE_UI_DIR=$(CURDIR)/ui/dist \
	  node --test --test-concurrency=1 *.test.mjs

## The desktop app as a Debian package (Tauri's bundler), optimised: prints the .deb's path
## (under $(CARGO_TARGET_DIR)/release/bundle/deb). See docs/packaging.md.
package: setup ui-release
	scripts/package.sh

## The package installed with apt, started under Xvfb from /usr/bin with the UI it carries,
## then removed again. Separate from `make test` (a release build: see docs/packaging.md);
## .ci/run calls it after `make test`.
package-test: setup ui-release
	deb=$$(scripts/package.sh | tail -1)
	cd tests/package
	BINHE_DEB=$$deb node --test --test-concurrency=1 *.test.mjs

## Benchmarks with in-run baselines (release build): point → micro-grid lookup, duplicate
## detection at 100k open tickets, the hotspot scan (power, false alarms, street and district run
## times vs a plain pass), intake throughput vs raw insert, live fan-out to 200
## terminals vs one (also on PostgreSQL, across two servers), camera gateway (first picture,
## shared upstreams, CPU per stream), the KPI dashboard over a year of 5 M tickets vs a full
## scan (SQLite and PostgreSQL; the generated databases are cached under ~/.cache/smart-binhe).
## Figures in BENCHMARKS.md.
bench:
	trap 'scripts/postgres.sh stop' EXIT
	scripts/postgres.sh start
	BINHE_BENCH_PG_URL=$$(scripts/postgres.sh url)
	export BINHE_BENCH_PG_URL
	cargo bench -p binhe-core --bench locate
	cargo bench -p binhe-core --bench dedupe
	cargo bench -p binhe-core --bench hotspots
	cargo bench -p binhe-server --bench intake
	cargo bench -p binhe-server --bench fanout
	cargo bench -p binhe-server --bench cameras
	cargo bench -p binhe-store --bench kpi

## The app's map against a bare MapLibre GL JS page drawing the same layers and GeoJSON (issue
## 19), both in headless Chromium in one run: time to a ready map, bytes loaded, requests asked
## twice and long tasks, for the demo street and for 10,000 open tickets; medians of 5 rounds
## and the app / bare ratios. Release builds, as users get them. Figures in BENCHMARKS.md.
bench-map: setup ui-release
	cargo build --release -p binhe-server
	cd tests/e2e
	BINHE_SERVER_BIN=$(CARGO_TARGET_DIR)/release/binhe-server BINHE_UI_DIR=$(CURDIR)/ui/dist node bench/map_vs_bare.mjs

## The desktop app's start against the same UI in Chromium (issue 19): from launching the release
## smart-binhe (demo mode, a fresh home, its own Xvfb, started by tauri-driver) to a ready map —
## first start (the database made and its history played) and usual start (the database there)
## — against headless Chromium opening the UI from an already-running release binhe-server on
## the same database; medians of 5 rounds, where the time goes (process, embedded server, window
## and web process, page) and the ratios. DESKTOP_ARGS passes flags (--rounds, --json). Figures
## in BENCHMARKS.md.
bench-desktop: setup ui-release
	# Apart, as `make run` and `make bench-map` build them: together, cargo would unify their
	# dependencies' features and build a third set.
	cargo build --release -p smart-binhe
	cargo build --release -p binhe-server
	cd tests/e2e
	BINHE_SERVER_BIN=$(CARGO_TARGET_DIR)/release/binhe-server BINHE_DESKTOP_BIN=$(CARGO_TARGET_DIR)/release/smart-binhe \
	  BINHE_UI_DIR=$(CURDIR)/ui/dist node bench/desktop_start.mjs $(DESKTOP_ARGS)

## The city tier (issue 19): two street databases and a district database — three private
## PostgreSQL clusters on loopback (scripts/city-postgres.sh) — joined by PostgreSQL's logical
## replication; 10× Binhe's busiest hour on each street (60× faster than real time) and the
## district down for 5 minutes meanwhile: replication lag, catch-up, retained WAL, nothing lost
## and the district's KPIs equal to the streets', then both streets as fast as they write for a
## minute. Release build, about 14 minutes; CITY_ARGS passes
## flags (crates/store/benches/city.rs). Figures in BENCHMARKS.md.
bench-city:
	trap 'scripts/city-postgres.sh stop all' EXIT
	scripts/city-postgres.sh start all
	cargo bench -p binhe-store --bench city -- $(CITY_ARGS)

## Soak (issue 15): a server on PostgreSQL under 200 terminals and 10x Binhe's busiest hour for
## SOAK_MINUTES (30) minutes; prints memory, open files, threads, ffmpeg processes and p99s.
soak:
	trap 'scripts/postgres.sh stop' EXIT
	scripts/postgres.sh start
	BINHE_BENCH_PG_URL=$$(scripts/postgres.sh url)
	export BINHE_BENCH_PG_URL
	cargo bench -p binhe-server --bench soak

## Fuzz the importers and request bodies (grid GeoJSON and survey files, 12345 CSV/XLSX, intake
## JSON, Open311 forms) with libFuzzer on stable, FUZZ_SECONDS each (default 120; FUZZ_TARGETS
## to choose); prints executions and time per target. Panicking inputs go to fuzz/regressions/,
## which `make test` replays. Installs cargo-fuzz if missing. See docs/fuzzing.md.
fuzz:
	scripts/fuzz.sh

## Regenerate assets/demo from the seeded generator (commit the result).
demo-dataset:
	cargo run -q -p binhe-server -- generate-demo --out assets/demo
