//! Every committed fuzz input (corpus and regressions) replays through the same functions
//! the fuzz targets call, on stable, in a plain `cargo test`; and the committed corpus holds
//! the seeds made from the fixtures (UPDATE_CORPUS=1 writes missing ones).

use std::path::Path;

use ecr_conformance::fuzzing::{TARGETS, seed_corpus};
use sha2::{Digest, Sha256};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn file_name(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..10]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_committed_corpus_holds_the_seeds_made_from_the_fixtures() {
    let update = std::env::var_os("UPDATE_CORPUS").is_some();
    let mut missing = Vec::new();
    for (target, bytes) in seed_corpus(&root().join("fixtures")) {
        let path = root()
            .join("fuzz/corpus")
            .join(target)
            .join(file_name(&bytes));
        if update {
            std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&path, &bytes).expect("write");
        } else if !path.exists() {
            missing.push(path.display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "seeds not in the corpus (run with UPDATE_CORPUS=1): {missing:?}"
    );
}

#[test]
fn every_committed_fuzz_input_replays_without_a_failure() {
    for (target, run) in TARGETS {
        let mut replayed = 0;
        for kind in ["corpus", "regressions"] {
            let dir = root().join("fuzz").join(kind).join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("entry").path();
                let bytes = std::fs::read(&path).expect("read");
                let outcome = std::panic::catch_unwind(|| run(&bytes));
                assert!(outcome.is_ok(), "{target}: {} fails", path.display());
                replayed += 1;
            }
        }
        assert!(
            replayed > 0,
            "{target}: no input replayed: is fuzz/corpus/{target} there?"
        );
    }
}
