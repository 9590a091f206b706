//! What the model is asked: one request per operation, members as sent.
//!
//! Every member is optional because a request may lack it (VAL-1); values are unchecked
//! because a request may break a constraint (VAL-2). Requests that could not be decoded
//! at all are requests too ([`Request::UnknownOperation`], [`Request::Malformed`]), so that
//! the transition function alone decides every answer.

/// A decoded layer-part blob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartBlob {
    /// The decoded bytes (shared, cheap to clone; large ones live outside the heap).
    pub bytes: bytes::Bytes,
    /// Whether the base64 text carried its `=` padding (WIRE-2, knob `blob-padding`).
    pub padded: bool,
}

impl PartBlob {
    /// A blob as a conforming client sends it (padded base64).
    pub fn new(bytes: impl Into<bytes::Bytes>) -> Self {
        PartBlob {
            bytes: bytes.into(),
            padded: true,
        }
    }
}

/// `CreateRepository` (harness plumbing, ADMIN-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateRepository {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
}

/// `DeleteRepository` (harness plumbing, ADMIN-2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteRepository {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `force`: drop the repository's uploads and layers too.
    pub force: Option<bool>,
}

/// `InitiateLayerUpload`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InitiateLayerUpload {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
}

/// `UploadLayerPart`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UploadLayerPart {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `uploadId`.
    pub upload_id: Option<String>,
    /// `partFirstByte` (inclusive).
    pub part_first_byte: Option<i64>,
    /// `partLastByte` (inclusive).
    pub part_last_byte: Option<i64>,
    /// `layerPartBlob`.
    pub layer_part_blob: Option<PartBlob>,
}

/// `CompleteLayerUpload`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompleteLayerUpload {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `uploadId`.
    pub upload_id: Option<String>,
    /// `layerDigests`.
    pub layer_digests: Option<Vec<String>>,
}

/// `BatchCheckLayerAvailability`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchCheckLayerAvailability {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `layerDigests`.
    pub layer_digests: Option<Vec<String>>,
}

/// One request to the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `CreateRepository`.
    CreateRepository(CreateRepository),
    /// `DeleteRepository`.
    DeleteRepository(DeleteRepository),
    /// `InitiateLayerUpload`.
    InitiateLayerUpload(InitiateLayerUpload),
    /// `UploadLayerPart`.
    UploadLayerPart(UploadLayerPart),
    /// `CompleteLayerUpload`.
    CompleteLayerUpload(CompleteLayerUpload),
    /// `BatchCheckLayerAvailability`.
    BatchCheckLayerAvailability(BatchCheckLayerAvailability),
    /// WIRE-1: a target that names no operation.
    UnknownOperation {
        /// The target as sent.
        target: String,
    },
    /// WIRE-2: a body that could not be decoded as the operation's input.
    Malformed {
        /// What could not be decoded.
        detail: String,
    },
}
