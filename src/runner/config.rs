//! What a run is asked to do (`RunConfig`) and why one could not be made (`RunError`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use regex::Regex;

use crate::model::Profile;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The profile the model follows.
    pub profile: Profile,
    /// Generated cases (0: none).
    pub cases: u32,
    /// Seed of the generated cases and of the scratch names.
    pub seed: u64,
    /// Only scenarios (and `generated`) whose name matches.
    pub filter: Option<Regex>,
    /// Existing repositories to use instead of scratch ones.
    pub repositories: Vec<String>,
    /// Prefix of scratch repository names.
    pub prefix: String,
    /// The target's registry id when it cannot be learned (with `repositories`).
    pub registry_id: Option<String>,
    /// A folder of scenarios that add to the embedded catalog, each replacing an embedded
    /// scenario of the same name (none: the embedded catalog alone).
    pub scenarios_dir: Option<PathBuf>,
    /// Where a shrunk failing sequence is written (none: not written).
    pub regressions_dir: Option<PathBuf>,
    /// Set to stop between steps (Ctrl-C).
    pub stop: Arc<AtomicBool>,
    /// Show progress on stderr (the CLI sets it when stderr is a terminal).
    pub progress: bool,
    /// Differs fail the run too.
    pub strict: bool,
    /// Run only this share of the catalog and of the generated cases: `(i, n)`, the i-th
    /// of n (from 1), for campaigns split across CI jobs (`merge-reports` joins them).
    pub shard: Option<(u32, u32)>,
}

impl RunConfig {
    /// The defaults of `run`: the catalog embedded in this crate, 256 generated cases
    /// with seed 0, scratch repositories, nothing written.
    pub fn new(profile: Profile) -> Self {
        RunConfig {
            profile,
            cases: 256,
            seed: 0,
            filter: None,
            repositories: Vec::new(),
            prefix: "ecr-conformance".to_owned(),
            registry_id: None,
            scenarios_dir: None,
            regressions_dir: None,
            stop: Arc::new(AtomicBool::new(false)),
            progress: false,
            strict: false,
            shard: None,
        }
    }

    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub(super) fn existing(&self) -> bool {
        !self.repositories.is_empty()
    }

    pub(super) fn selected(&self, name: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f.is_match(name))
    }

    /// Whether the case numbered `n` (a catalog scenario's place in the catalog, or a
    /// generated case's number) is this shard's.
    pub(super) fn in_shard(&self, n: u64) -> bool {
        self.shard
            .is_none_or(|(i, count)| n % u64::from(count) == u64::from(i - 1))
    }
}

/// Why a run could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The arguments or the catalog are wrong.
    Usage(String),
    /// The target cannot be used.
    Target(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Usage(m) | RunError::Target(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RunError {}

/// A progress line on stderr (only when stderr is a terminal); a stderr that cannot take it
/// is ignored, never a panic.
pub(super) fn progress(text: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_fmt(text);
}
