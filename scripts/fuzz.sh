#!/usr/bin/env bash
# Fuzzes the importers and request bodies (the targets of fuzz/, see docs/fuzzing.md) with
# libFuzzer through cargo-fuzz on the stable toolchain, FUZZ_SECONDS each (default 120), and
# prints executions and time per target. FUZZ_TARGETS="a b" runs only those. An input that makes
# a target panic is copied to fuzz/regressions/<target>/ (replayed by `cargo test -p binhe-fuzz`)
# and the script fails at the end. Installs cargo-fuzz when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[fuzz]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_FUZZ_VERSION=0.13.2
SECONDS_EACH=${FUZZ_SECONDS:-120}
# Coverage flags change every crate's build: the fuzz build keeps its own target folder.
FUZZ_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/smart-binhe/fuzz-target}
# `--sanitizer none`: AddressSanitizer needs a nightly compiler (-Zsanitizer), and the code
# fuzzed is safe Rust (the workspace forbids `unsafe`); the coverage instrumentation libFuzzer
# steers by (-Cpasses=sancov-module, -Cllvm-args=-sanitizer-coverage-*) works on stable.
# `-O`: optimised without debug assertions, so integer overflow wraps as in a release build.
# cargo-fuzz's default (`-a`) turns overflow checks on in every crate, and calamine's unchecked
# column arithmetic (see the root Cargo.toml) would stop the work_orders target at once; the
# overflows are caught instead when `cargo test -p binhe-fuzz` replays the corpus in a debug
# build — which is how that one was found.
FUZZ_FLAGS=(--sanitizer none --features libfuzzer -O --target-dir "$FUZZ_TARGET_DIR")

if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  log "cargo: installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
log "seeds: writing the generated corpus"
cargo run -q -p binhe-fuzz --example fuzz-seeds -- fuzz/corpus
log "building ${targets//$'\n'/ } (release, coverage-instrumented)"
cargo fuzz build "${FUZZ_FLAGS[@]}"

summary=()
failed=()
for target in $targets; do
  log "$target: ${SECONDS_EACH}s"
  out=$(mktemp)
  started=$(date +%s)
  status=0
  # -timeout: one input running 10 s counts as a hang; -rss_limit_mb: a 2 GiB input is a bug.
  cargo fuzz run "${FUZZ_FLAGS[@]}" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$out" 2>&1 || status=$?
  took=$(( $(date +%s) - started ))
  stat() { sed -n "s/^stat::$1: *//p" "$out" | tail -1; }
  execs=$(stat number_of_executed_units)
  rate=$(stat average_exec_per_sec)
  added=$(stat new_units_added)
  crashes=0
  if [ "$status" -ne 0 ]; then
    tail -40 "$out"
    mkdir -p "fuzz/regressions/$target"
    while IFS= read -r artifact; do
      cp "$artifact" "fuzz/regressions/$target/"
      crashes=$((crashes + 1))
      log "$target: kept $artifact in fuzz/regressions/$target/"
    done < <(find "fuzz/artifacts/$target" -type f -newer "$out" 2>/dev/null)
    failed+=("$target")
  fi
  rm -f "$out"
  # Keep only the inputs that add edges (not counters or comparisons), so the corpus committed
  # stays small.
  cargo fuzz cmin "${FUZZ_FLAGS[@]}" "$target" "fuzz/corpus/$target" -- \
    -use_counters=0 -use_cmp=0 >/dev/null 2>&1 || log "$target: corpus not minimised"
  corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
  summary+=("$(printf '%-14s %6ss %12s execs %8s/s %6s corpus %5s new %3s crashes' \
    "$target" "$took" "${execs:-?}" "${rate:-?}" "$corpus" "${added:-?}" "$crashes")")
done

# The minimising names every input by its SHA-1: the seeds get their names back, once.
cargo run -q -p binhe-fuzz --example fuzz-seeds -- fuzz/corpus >/dev/null
shopt -s nullglob
for seed in fuzz/corpus/*/seed-*; do
  rm -f "$(dirname "$seed")/$(sha1sum "$seed" | cut -d' ' -f1)"
done

log "summary (FUZZ_SECONDS=$SECONDS_EACH)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  log "targets that failed: ${failed[*]} (inputs kept under fuzz/regressions/)"
  exit 1
fi
