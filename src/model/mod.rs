//! The reference model of the ECR push path (layer uploads, images and tags): a pure, clonable state machine.
//!
//! No I/O, no async, no wire shapes. [`Registry::apply`] is the one transition function
//! that the fake, the runner's oracle, the property tests and the fuzz targets all call.
//! It hashes layer bytes as they arrive and never keeps them.

pub mod digest;
mod error_code;
pub mod image;
mod invariants;
mod kept;
pub mod limits;
pub mod manifest;
mod outcome;
mod profile;
mod registry;
mod request;
pub mod rules;
mod upload;
pub mod validate;

pub use error_code::{ErrorCode, StateKind};
pub use invariants::Invariants;
pub use kept::Kept;
pub use outcome::{
    AuthorizationData, EcrError, FailureCode, LayerFailure, LayerInfo, Outcome, ParameterProblem,
    PartProblem, RepositoryInfo, Response,
};
pub use profile::{
    BlobPadding, DeletedIds, DigestListMeaning, DuplicateImageIds, FailedCompletion,
    ForeignRegistryError, HeaderPresence, ImmutableRepushError, Knob, LayerLookup,
    MalformedRequestError, NothingReceivedYet, OversizeChunk, PartErrorChoice, PatchRange,
    PatchStatus, Profile, ProfileError, RepositoryNamePattern, Schema1Manifest, SmallChunkError,
    UnreferencedBlobGet, UnreferencedLayerCheck, UploadIdCase,
};
pub use registry::{DEFAULT_DOWNLOAD_BASE, Registry, is_image_tag};
pub use request::{
    BatchCheckLayerAvailability, BatchDeleteImage, BatchGetImage, CompleteLayerUpload,
    CreateRepository, DeleteRepository, DescribeImages, ExclusionFilter, GetAuthorizationToken,
    GetDownloadUrlForLayer, ImageFilter, ImageId, InitiateLayerUpload, ListImages, PartBlob,
    PartSource, PutImage, PutImageTagMutability, Request, UploadLayerPart,
};
pub use rules::{RULES, Rule, RuleId, Source, rule_for, rules_checked};
pub use upload::{SpeculativeHash, Upload};
