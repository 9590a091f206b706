//! What the model is asked: one request per operation, members as sent.
//!
//! Every member is optional because a request may lack it (VAL-1); values are unchecked
//! because a request may break a constraint (VAL-2). Requests that could not be decoded
//! at all are requests too ([`Request::UnknownOperation`], [`Request::Malformed`]), so that
//! the transition function alone decides every answer.

use std::sync::Arc;

use bytes::Bytes;

use super::upload::SpeculativeHash;

/// Where a part's bytes come from when they are not held in memory (a blob still in the
/// request body it arrived in): the model asks for the length, then reads the bytes once, in
/// order, in chunks. The wire layer implements it; the model never sees base64.
pub trait PartSource: Send + Sync {
    /// The number of bytes.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Calls `f` with the bytes in order, in chunks.
    fn for_each_chunk(&self, f: &mut dyn FnMut(&[u8]));
}

/// A layer-part blob: its bytes, or a [`PartSource`] that yields them while they are hashed,
/// so a layer's bytes never sit in memory whole. It may carry a [`SpeculativeHash`]: the
/// upload's hash already carried over these bytes while the request arrived, which the
/// upload takes instead of hashing again when it is still in the state it was cloned from.
#[derive(Clone)]
pub struct PartBlob {
    data: BlobData,
    /// Whether the base64 text carried its `=` padding (WIRE-2, knob `blob-padding`).
    pub padded: bool,
    speculation: Option<SpeculativeHash>,
}

#[derive(Clone)]
enum BlobData {
    Bytes(Bytes),
    Source(Arc<dyn PartSource>),
}

impl PartBlob {
    /// A blob as a conforming client sends it (padded base64).
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        Self::with_padding(bytes, true)
    }

    /// A blob of these bytes whose text was (`padded`) or was not padded.
    pub fn with_padding(bytes: impl Into<Bytes>, padded: bool) -> Self {
        PartBlob {
            data: BlobData::Bytes(bytes.into()),
            padded,
            speculation: None,
        }
    }

    /// A blob whose bytes `source` yields, from a text that was (`padded`) or was not padded.
    pub fn from_source(source: Arc<dyn PartSource>, padded: bool) -> Self {
        PartBlob {
            data: BlobData::Source(source),
            padded,
            speculation: None,
        }
    }

    /// The same blob carrying the upload hash `hash` carried over its bytes.
    #[must_use]
    pub fn with_speculation(mut self, hash: SpeculativeHash) -> Self {
        self.speculation = Some(hash);
        self
    }

    /// The speculative hash the blob carries, if any.
    pub fn speculation(&self) -> Option<&SpeculativeHash> {
        self.speculation.as_ref()
    }

    /// The decoded length.
    pub fn len(&self) -> usize {
        match &self.data {
            BlobData::Bytes(b) => b.len(),
            BlobData::Source(s) => s.len(),
        }
    }

    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes (read whole now, when the blob has a source).
    pub fn bytes(&self) -> Bytes {
        match &self.data {
            BlobData::Bytes(b) => b.clone(),
            BlobData::Source(s) => {
                let mut out = Vec::with_capacity(s.len());
                s.for_each_chunk(&mut |chunk| out.extend_from_slice(chunk));
                out.into()
            }
        }
    }

    /// Calls `f` with the bytes in order, in chunks.
    pub fn for_each_chunk(&self, mut f: impl FnMut(&[u8])) {
        match &self.data {
            BlobData::Bytes(b) => f(b),
            BlobData::Source(s) => s.for_each_chunk(&mut f),
        }
    }
}

impl Default for PartBlob {
    fn default() -> Self {
        Self::with_padding(Bytes::new(), false)
    }
}

impl PartialEq for PartBlob {
    fn eq(&self, other: &Self) -> bool {
        self.padded == other.padded && self.len() == other.len() && self.bytes() == other.bytes()
    }
}

impl Eq for PartBlob {}

impl std::fmt::Debug for PartBlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A 20 MiB blob printed byte by byte helps nobody.
        write!(f, "PartBlob({} bytes, padded: {})", self.len(), self.padded)
    }
}

/// `CreateRepository` (ADMIN-1, MUT-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateRepository {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `imageTagMutability` (MUT-1; absent: `MUTABLE`).
    pub image_tag_mutability: Option<String>,
    /// `imageTagMutabilityExclusionFilters` (MUT-1).
    pub image_tag_mutability_exclusion_filters: Option<Vec<ExclusionFilter>>,
}

/// One of an image's names in a request: a digest, a tag, both or (wrongly) neither.
/// It is also the wire shape (`ImageIdentifier`), members as AWS spells them.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct ImageId {
    /// `imageDigest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// `imageTag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
}

/// An exclusion filter of a repository's tag mutability (MUT-1); also the wire shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExclusionFilter {
    /// `filterType` (only `WILDCARD` exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_type: Option<String>,
    /// `filter`: a tag pattern, `*` standing for any run of characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// The `filter` of `ListImages` and `DescribeImages`; also the wire shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageFilter {
    /// `tagStatus`: `TAGGED`, `UNTAGGED` or `ANY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_status: Option<String>,
}

/// `PutImage` (IMG-1..8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutImage {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `imageManifest`: the manifest's text, kept as sent.
    pub image_manifest: Option<String>,
    /// `imageManifestMediaType`.
    pub image_manifest_media_type: Option<String>,
    /// `imageTag`.
    pub image_tag: Option<String>,
    /// `imageDigest`.
    pub image_digest: Option<String>,
}

/// `BatchGetImage` (GET-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchGetImage {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `imageIds`.
    pub image_ids: Option<Vec<ImageId>>,
    /// `acceptedMediaTypes` (checked for length; the model serves every type it stores).
    pub accepted_media_types: Option<Vec<String>>,
}

/// `GetDownloadUrlForLayer` (URL-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetDownloadUrlForLayer {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `layerDigest`.
    pub layer_digest: Option<String>,
}

/// `BatchDeleteImage` (DEL-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchDeleteImage {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `imageIds`.
    pub image_ids: Option<Vec<ImageId>>,
}

/// `DescribeImages` (LIST-2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DescribeImages {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `imageIds`.
    pub image_ids: Option<Vec<ImageId>>,
    /// `nextToken`.
    pub next_token: Option<String>,
    /// `maxResults`.
    pub max_results: Option<i64>,
    /// `filter`.
    pub filter: Option<ImageFilter>,
}

/// `ListImages` (LIST-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListImages {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `nextToken`.
    pub next_token: Option<String>,
    /// `maxResults`.
    pub max_results: Option<i64>,
    /// `filter`.
    pub filter: Option<ImageFilter>,
}

/// `PutImageTagMutability` (MUT-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutImageTagMutability {
    /// `registryId`.
    pub registry_id: Option<String>,
    /// `repositoryName`.
    pub repository_name: Option<String>,
    /// `imageTagMutability`.
    pub image_tag_mutability: Option<String>,
    /// `imageTagMutabilityExclusionFilters`.
    pub image_tag_mutability_exclusion_filters: Option<Vec<ExclusionFilter>>,
}

/// `GetAuthorizationToken` (REG-1): a registry-door password.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetAuthorizationToken {
    /// `registryIds` (deprecated by AWS; one authorization entry per id when given).
    pub registry_ids: Option<Vec<String>>,
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
    /// `PutImage`.
    PutImage(PutImage),
    /// `BatchGetImage`.
    BatchGetImage(BatchGetImage),
    /// `GetDownloadUrlForLayer`.
    GetDownloadUrlForLayer(GetDownloadUrlForLayer),
    /// `BatchDeleteImage`.
    BatchDeleteImage(BatchDeleteImage),
    /// `DescribeImages`.
    DescribeImages(DescribeImages),
    /// `ListImages`.
    ListImages(ListImages),
    /// `PutImageTagMutability`.
    PutImageTagMutability(PutImageTagMutability),
    /// `GetAuthorizationToken`.
    GetAuthorizationToken(GetAuthorizationToken),
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

impl Request {
    /// The operation's name (`UploadLayerPart`), or `None` for a request that names none
    /// or could not be decoded.
    pub fn operation(&self) -> Option<&'static str> {
        Some(match self {
            Request::CreateRepository(_) => "CreateRepository",
            Request::DeleteRepository(_) => "DeleteRepository",
            Request::InitiateLayerUpload(_) => "InitiateLayerUpload",
            Request::UploadLayerPart(_) => "UploadLayerPart",
            Request::CompleteLayerUpload(_) => "CompleteLayerUpload",
            Request::BatchCheckLayerAvailability(_) => "BatchCheckLayerAvailability",
            Request::PutImage(_) => "PutImage",
            Request::BatchGetImage(_) => "BatchGetImage",
            Request::GetDownloadUrlForLayer(_) => "GetDownloadUrlForLayer",
            Request::BatchDeleteImage(_) => "BatchDeleteImage",
            Request::DescribeImages(_) => "DescribeImages",
            Request::ListImages(_) => "ListImages",
            Request::PutImageTagMutability(_) => "PutImageTagMutability",
            Request::GetAuthorizationToken(_) => "GetAuthorizationToken",
            Request::UnknownOperation { .. } | Request::Malformed { .. } => return None,
        })
    }

    /// `repositoryName`, as sent.
    pub fn repository(&self) -> Option<&str> {
        match self {
            Request::CreateRepository(r) => r.repository_name.as_deref(),
            Request::DeleteRepository(r) => r.repository_name.as_deref(),
            Request::InitiateLayerUpload(r) => r.repository_name.as_deref(),
            Request::UploadLayerPart(r) => r.repository_name.as_deref(),
            Request::CompleteLayerUpload(r) => r.repository_name.as_deref(),
            Request::BatchCheckLayerAvailability(r) => r.repository_name.as_deref(),
            Request::PutImage(r) => r.repository_name.as_deref(),
            Request::BatchGetImage(r) => r.repository_name.as_deref(),
            Request::GetDownloadUrlForLayer(r) => r.repository_name.as_deref(),
            Request::BatchDeleteImage(r) => r.repository_name.as_deref(),
            Request::DescribeImages(r) => r.repository_name.as_deref(),
            Request::ListImages(r) => r.repository_name.as_deref(),
            Request::PutImageTagMutability(r) => r.repository_name.as_deref(),
            Request::GetAuthorizationToken(_)
            | Request::UnknownOperation { .. }
            | Request::Malformed { .. } => None,
        }
    }

    /// `registryId`, as sent.
    pub fn registry_id(&self) -> Option<&str> {
        match self {
            Request::CreateRepository(r) => r.registry_id.as_deref(),
            Request::DeleteRepository(r) => r.registry_id.as_deref(),
            Request::InitiateLayerUpload(r) => r.registry_id.as_deref(),
            Request::UploadLayerPart(r) => r.registry_id.as_deref(),
            Request::CompleteLayerUpload(r) => r.registry_id.as_deref(),
            Request::BatchCheckLayerAvailability(r) => r.registry_id.as_deref(),
            Request::PutImage(r) => r.registry_id.as_deref(),
            Request::BatchGetImage(r) => r.registry_id.as_deref(),
            Request::GetDownloadUrlForLayer(r) => r.registry_id.as_deref(),
            Request::BatchDeleteImage(r) => r.registry_id.as_deref(),
            Request::DescribeImages(r) => r.registry_id.as_deref(),
            Request::ListImages(r) => r.registry_id.as_deref(),
            Request::PutImageTagMutability(r) => r.registry_id.as_deref(),
            Request::GetAuthorizationToken(_)
            | Request::UnknownOperation { .. }
            | Request::Malformed { .. } => None,
        }
    }

    /// `uploadId`, as sent (only the part and completion requests carry one).
    pub fn upload_id(&self) -> Option<&str> {
        match self {
            Request::UploadLayerPart(r) => r.upload_id.as_deref(),
            Request::CompleteLayerUpload(r) => r.upload_id.as_deref(),
            _ => None,
        }
    }

    /// `layerDigests`, as sent (completion and availability checks).
    pub fn layer_digests(&self) -> &[String] {
        match self {
            Request::CompleteLayerUpload(r) => r.layer_digests.as_deref().unwrap_or_default(),
            Request::BatchCheckLayerAvailability(r) => {
                r.layer_digests.as_deref().unwrap_or_default()
            }
            _ => &[],
        }
    }

    /// `imageIds`, as sent (the batch image operations and `DescribeImages`).
    pub fn image_ids(&self) -> &[ImageId] {
        match self {
            Request::BatchGetImage(r) => r.image_ids.as_deref().unwrap_or_default(),
            Request::BatchDeleteImage(r) => r.image_ids.as_deref().unwrap_or_default(),
            Request::DescribeImages(r) => r.image_ids.as_deref().unwrap_or_default(),
            _ => &[],
        }
    }
}
