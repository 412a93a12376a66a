//! Replays every committed fuzz seed (`fuzz/seeds/<target>/`) and regression input
//! (`fuzz/regressions/<target>/`) through the functions the cargo-fuzz targets call, on
//! the stable toolchain, so a fixed finding stays fixed.
//!
//! Regenerate the seeds with `cargo run -p wirewright-tests --bin fuzz_seeds` (after
//! changing the fuzz types).
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use wirewright_tests::fuzz_cases;

type Case = fn(&[u8]);

const TARGETS: [(&str, Case); 6] = [
    ("frame", fuzz_cases::frame),
    ("payload", fuzz_cases::payload),
    ("roundtrip", fuzz_cases::roundtrip),
    ("json", fuzz_cases::json),
    ("stream", fuzz_cases::stream),
    ("evolution", fuzz_cases::evolution),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

#[test]
fn every_committed_seed_and_regression_replays_cleanly() {
    let mut replayed = 0;
    for (target, case) in TARGETS {
        let seeds = inputs("seeds", target);
        assert!(!seeds.is_empty(), "fuzz/seeds/{target} has no seeds");
        for (path, bytes) in seeds.iter().chain(&inputs("regressions", target)) {
            let outcome = std::panic::catch_unwind(|| case(bytes));
            assert!(outcome.is_ok(), "{target} fails on {}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 20, "only {replayed} inputs replayed");
}
