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
