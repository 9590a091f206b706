//! proptest generators: layers and part plans, and sequences of operations with valid and
//! near-miss values, for the property tests, the runner and the fuzz targets.
//!
//! Server-chosen values are symbolic: an operation names "upload #2", and
//! [`Step::concretize`] turns it into the id the registry minted, so that a sequence stays
//! meaningful while proptest shrinks it.

mod layers;
mod ops;

pub use layers::{fill, fill_seed, part_plan};
pub use ops::{DigestPick, Position, RepoPick, Step, UploadPick, step, steps};

/// Runs steps through a fresh `ecr` model with the repositories `r0`..`r2` and checks the
/// model's [`Invariants`](crate::model::Invariants) after every one; the error names the
/// step.
pub fn check_step_invariants(steps: &[Step]) -> Result<(), String> {
    use crate::model::{Invariants, Profile, Registry};
    let repos: Vec<String> = ["r0", "r1", "r2"].iter().map(|s| (*s).to_owned()).collect();
    let mut registry = Registry::new(Profile::ecr());
    let mut invariants = Invariants::new();
    let mut minted: Vec<String> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let request = step.concretize(&registry, &minted, &repos);
        let outcome = invariants
            .apply(&mut registry, &request)
            .map_err(|e| format!("step {i}: {e}"))?;
        if let Ok(crate::model::Response::UploadInitiated { upload_id, .. }) = outcome {
            minted.push(upload_id);
        }
    }
    Ok(())
}
