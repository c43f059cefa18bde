//! Every kept fuzz input — the corpus (`fuzz/corpus/<target>/`) and the inputs that once made a
//! target panic (`fuzz/regressions/<target>/`) — goes through the same target functions
//! `make fuzz` runs, and none may panic. The generated seeds must also be taken in, so a
//! harness that refused everything would not pass unnoticed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use binhe_fuzz::TARGETS;

fn kept(kind: &str, target: &str) -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The inputs of `files` that panic `run`, with the panic's message.
fn panicking(run: fn(&[u8]) -> usize, files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).expect("a readable input");
            catch_unwind(AssertUnwindSafe(|| run(&bytes)))
                .err()
                .map(|panic| {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    format!("{}: {message}", path.display())
                })
        })
        .collect()
}

#[test]
fn every_kept_input_runs_without_panic() {
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for (target, run) in TARGETS {
        let corpus = kept("corpus", target);
        let regressions = kept("regressions", target);
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{target}/ holds no input: run `make fuzz` (or `cargo run -p binhe-fuzz --example fuzz-seeds`)"
        );
        failures.extend(panicking(run, &corpus));
        failures.extend(panicking(run, &regressions));
        counts.push(format!(
            "{target}: {} corpus, {} regressions",
            corpus.len(),
            regressions.len()
        ));
    }
    println!("{}", counts.join("\n"));
    assert!(
        failures.is_empty(),
        "kept inputs panic:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_generated_seed_is_taken_in() {
    for (target, run) in TARGETS {
        let seeds = binhe_fuzz::seeds::seeds(target);
        assert!(!seeds.is_empty(), "{target} has no seeds");
        for (name, bytes) in seeds {
            assert!(
                run(&bytes) > 0,
                "{target}: the seed {name} was refused, so fuzzing would start from nothing"
            );
        }
    }
}
