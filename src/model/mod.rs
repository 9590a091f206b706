//! The reference model of the ECR layer-upload protocol: a pure, clonable state machine.
//!
//! No I/O, no async, no wire shapes. [`Registry::apply`] is the one transition function
//! that the fake, the runner's oracle, the property tests and the fuzz targets all call.
//! It hashes layer bytes as they arrive and never keeps them.

pub mod digest;
mod error_code;
mod invariants;
pub mod limits;
mod outcome;
mod profile;
mod registry;
mod request;
pub mod rules;
mod upload;
pub mod validate;

pub use error_code::{ErrorCode, StateKind};
pub use invariants::Invariants;
pub use outcome::{
    EcrError, FailureCode, LayerFailure, LayerInfo, Outcome, ParameterProblem, PartProblem,
    RepositoryInfo, Response,
};
pub use profile::{
    BlobPadding, DigestListMeaning, FailedCompletion, ForeignRegistryError, Knob, LayerLookup,
    MalformedRequestError, NothingReceivedYet, PartErrorChoice, Profile, ProfileError,
    RepositoryNamePattern, UploadIdCase,
};
pub use registry::Registry;
pub use request::{
    BatchCheckLayerAvailability, CompleteLayerUpload, CreateRepository, DeleteRepository,
    InitiateLayerUpload, PartBlob, PartSource, Request, UploadLayerPart,
};
pub use rules::{RULES, Rule, RuleId, Source, rule_for, rules_checked};
pub use upload::{SpeculativeHash, Upload};
