//! What the model answers: a response, or an error that names the ECR exception.
//!
//! Errors are comparable values. Each variant is one ECR exception and carries the members
//! the service model gives it, so a test can assert the exact error.

use super::rules::RuleId;
use std::fmt;

/// One ECR exception, with the members the service model gives it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcrError {
    /// WIRE-1: the `X-Amz-Target` names no operation of the service.
    UnknownOperation {
        /// The target as sent (empty when the header was missing).
        target: String,
    },
    /// WIRE-2: the body is not a JSON object of the operation's shape, or a blob is not base64.
    Serialization {
        /// What could not be decoded.
        detail: String,
    },
    /// VAL-1 / VAL-2: a required member is missing or a member breaks its constraint.
    InvalidParameter {
        /// The member, spelled as on the wire (`repositoryName`).
        member: String,
        /// What is wrong with it.
        problem: ParameterProblem,
    },
    /// REPO-1: another registry, or no such repository.
    RepositoryNotFound {
        /// The registry asked for.
        registry_id: String,
        /// The repository asked for.
        repository_name: String,
    },
    /// REPO-1 under `foreign-registry-error=access-denied`: another account's registry.
    AccessDenied {
        /// The registry asked for.
        registry_id: String,
    },
    /// ADMIN-1: `CreateRepository` for a name that exists.
    RepositoryAlreadyExists {
        /// The registry.
        registry_id: String,
        /// The repository.
        repository_name: String,
    },
    /// ADMIN-2: `DeleteRepository` without `force` for a repository that holds layers.
    RepositoryNotEmpty {
        /// The registry.
        registry_id: String,
        /// The repository.
        repository_name: String,
    },
    /// PART-1 / DONE-1: the upload is unknown, finished, or belongs to another repository.
    UploadNotFound {
        /// The id as sent.
        upload_id: String,
    },
    /// PART-3 / PART-4 / PART-5: the part does not continue the upload.
    InvalidLayerPart {
        /// The registry of the upload.
        registry_id: String,
        /// The repository of the upload.
        repository_name: String,
        /// The upload.
        upload_id: String,
        /// The last byte accepted so far; `None` where the member is omitted.
        last_valid_byte_received: Option<i64>,
        /// What is wrong with the part.
        problem: PartProblem,
    },
    /// DONE-2: no byte was received.
    EmptyUpload {
        /// The upload.
        upload_id: String,
    },
    /// DONE-3: a part other than the last is smaller than 5 MiB.
    LayerPartTooSmall {
        /// The upload.
        upload_id: String,
    },
    /// DONE-4: a listed digest does not name the received bytes.
    InvalidLayer {
        /// The upload.
        upload_id: String,
        /// The digest of what was received.
        actual_digest: String,
    },
    /// DONE-5: the repository already holds a layer with this digest.
    LayerAlreadyExists {
        /// The digest.
        layer_digest: String,
    },
    /// IMG-2: `imageDigest` is not the digest of the manifest sent.
    ImageDigestDoesNotMatch {
        /// The digest given.
        given: String,
        /// The manifest's digest.
        actual: String,
    },
    /// IMG-4 / URL-1: a blob the request names is not a completed layer of the repository.
    LayersNotFound {
        /// The repository.
        repository_name: String,
        /// The digests missing.
        layer_digests: Vec<String>,
    },
    /// IMG-5: an index names a child that is not an image of the repository.
    ReferencedImagesNotFound {
        /// The digests missing.
        image_digests: Vec<String>,
    },
    /// IMG-6: the image is already stored, with this tag (or untagged, as asked).
    ImageAlreadyExists {
        /// The repository.
        repository_name: String,
        /// The image's digest.
        image_digest: String,
        /// The tag asked for.
        image_tag: Option<String>,
    },
    /// IMG-7: the tag is on another image and cannot move (tag immutability).
    ImageTagAlreadyExists {
        /// The repository.
        repository_name: String,
        /// The tag.
        image_tag: String,
        /// Whether the push was identical (the tag already on this digest: IMG-6 under
        /// `immutable-repush-error=image-tag-already-exists`) rather than a move (IMG-7).
        identical: bool,
    },
    /// URL-1: a completed layer that no image references.
    LayerInaccessible {
        /// The layer.
        layer_digest: String,
    },
    /// LIST-2: `DescribeImages` names an image the repository does not hold.
    ImageNotFound {
        /// The repository.
        repository_name: String,
        /// The id asked for.
        image_id: super::ImageId,
    },
    /// An injected fault: the request was throttled ("Rate exceeded").
    Throttling,
    /// An injected fault: the server failed (HTTP 500).
    Server {
        /// The message.
        message: String,
    },
}

/// What is wrong with a member (VAL-1, VAL-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterProblem {
    /// VAL-1: required and absent.
    Missing,
    /// VAL-2: present and breaking the named constraint.
    Constraint(String),
    /// PART-2 or PART-4, where the profile makes a part problem a parameter error.
    Part(PartProblem),
    /// A constraint one rule of the image operations states (IMG-3, IMG-8, MUT-1, LIST-1,
    /// LIST-2, GET-1, DEL-1): that rule decides the answer.
    Rule(RuleId, String),
}

/// What is wrong with a layer part (PART-2, PART-3, PART-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartProblem {
    /// PART-2: the blob is over the profile's `max-part-bytes`.
    Oversize {
        /// Decoded length.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// PART-3: the part does not start at the next expected byte.
    WrongStart {
        /// `partFirstByte` as sent.
        sent: i64,
        /// The next expected byte.
        expected: u64,
    },
    /// PART-4: the range is inverted or does not fit the blob's length.
    RangeMismatch {
        /// `partFirstByte`.
        first: i64,
        /// `partLastByte`.
        last: i64,
        /// Decoded blob length.
        len: u64,
    },
}

impl PartProblem {
    /// The rule the problem breaks.
    pub fn rule(&self) -> RuleId {
        match self {
            PartProblem::Oversize { .. } => RuleId::Part2,
            PartProblem::WrongStart { .. } => RuleId::Part3,
            PartProblem::RangeMismatch { .. } => RuleId::Part4,
        }
    }
}

impl fmt::Display for PartProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartProblem::Oversize { len, max } => {
                write!(
                    f,
                    "The layer part is {len} bytes; at most {max} are allowed"
                )
            }
            // As ECR words it: what was sent, then what was expected.
            PartProblem::WrongStart { sent, expected } => write!(
                f,
                "First byte of the layer part is {sent} instead of {expected}"
            ),
            PartProblem::RangeMismatch { first, last, len } => write!(
                f,
                "The layer part range {first}..={last} does not fit the {len}-byte blob"
            ),
        }
    }
}

impl EcrError {
    /// The name of every exception, in the order of the variants; the last two are the
    /// injected faults (`ThrottlingException`, `ServerException`), which no request alone
    /// provokes.
    pub const NAMES: &'static [&'static str] = &[
        "UnknownOperationException",
        "SerializationException",
        "InvalidParameterException",
        "RepositoryNotFoundException",
        "AccessDeniedException",
        "RepositoryAlreadyExistsException",
        "RepositoryNotEmptyException",
        "UploadNotFoundException",
        "InvalidLayerPartException",
        "EmptyUploadException",
        "LayerPartTooSmallException",
        "InvalidLayerException",
        "LayerAlreadyExistsException",
        "ImageDigestDoesNotMatchException",
        "LayersNotFoundException",
        "ReferencedImagesNotFoundException",
        "ImageAlreadyExistsException",
        "ImageTagAlreadyExistsException",
        "LayerInaccessibleException",
        "ImageNotFoundException",
        "ThrottlingException",
        "ServerException",
    ];

    /// The names of the exceptions a request can get from the model itself (every one but
    /// the injected faults).
    pub fn model_names() -> &'static [&'static str] {
        &Self::NAMES[..Self::NAMES.len() - 2]
    }

    /// The exception's name, as `__type` carries it (sanitized: no namespace, no URI).
    pub fn name(&self) -> &'static str {
        // The match has no wildcard: a new variant does not compile until it has a name.
        let index = match self {
            EcrError::UnknownOperation { .. } => 0,
            EcrError::Serialization { .. } => 1,
            EcrError::InvalidParameter { .. } => 2,
            EcrError::RepositoryNotFound { .. } => 3,
            EcrError::AccessDenied { .. } => 4,
            EcrError::RepositoryAlreadyExists { .. } => 5,
            EcrError::RepositoryNotEmpty { .. } => 6,
            EcrError::UploadNotFound { .. } => 7,
            EcrError::InvalidLayerPart { .. } => 8,
            EcrError::EmptyUpload { .. } => 9,
            EcrError::LayerPartTooSmall { .. } => 10,
            EcrError::InvalidLayer { .. } => 11,
            EcrError::LayerAlreadyExists { .. } => 12,
            EcrError::ImageDigestDoesNotMatch { .. } => 13,
            EcrError::LayersNotFound { .. } => 14,
            EcrError::ReferencedImagesNotFound { .. } => 15,
            EcrError::ImageAlreadyExists { .. } => 16,
            EcrError::ImageTagAlreadyExists { .. } => 17,
            EcrError::LayerInaccessible { .. } => 18,
            EcrError::ImageNotFound { .. } => 19,
            EcrError::Throttling => 20,
            EcrError::Server { .. } => 21,
        };
        Self::NAMES[index]
    }

    /// The exception as an error code, the value the judge compares.
    pub fn code(&self) -> super::ErrorCode {
        super::ErrorCode::from_name(self.name())
    }

    /// The HTTP status ECR answers with: 500 for `ServerException`, else 400.
    pub fn status(&self) -> u16 {
        match self {
            EcrError::Server { .. } => 500,
            _ => 400,
        }
    }
}

impl fmt::Display for EcrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EcrError::UnknownOperation { target } => {
                write!(f, "Unknown operation: X-Amz-Target '{target}'")
            }
            EcrError::Serialization { detail } => write!(f, "{detail}"),
            EcrError::InvalidParameter {
                member,
                problem: ParameterProblem::Missing,
            } => write!(
                f,
                "1 validation error detected: Value null at '{member}' failed to satisfy \
                 constraint: Member must not be null"
            ),
            EcrError::InvalidParameter {
                member,
                problem: ParameterProblem::Part(p),
            } => write!(f, "Invalid parameter at '{member}': {p}"),
            EcrError::InvalidParameter {
                member,
                problem: ParameterProblem::Constraint(c) | ParameterProblem::Rule(_, c),
            } => write!(
                f,
                "Invalid parameter at '{member}' failed to satisfy constraint: '{c}'"
            ),
            EcrError::RepositoryNotFound {
                registry_id,
                repository_name,
            } => write!(
                f,
                "The repository with name '{repository_name}' does not exist in the registry \
                 with id '{registry_id}'"
            ),
            EcrError::AccessDenied { registry_id } => write!(
                f,
                "User is not authorized to access the registry with id '{registry_id}'"
            ),
            EcrError::RepositoryAlreadyExists {
                registry_id,
                repository_name,
            } => write!(
                f,
                "The repository with name '{repository_name}' already exists in the registry \
                 with id '{registry_id}'"
            ),
            EcrError::RepositoryNotEmpty {
                registry_id,
                repository_name,
            } => write!(
                f,
                "The repository with name '{repository_name}' in registry with id \
                 '{registry_id}' cannot be deleted because it still contains images"
            ),
            EcrError::UploadNotFound { upload_id } => {
                write!(f, "The upload with id '{upload_id}' does not exist")
            }
            EcrError::InvalidLayerPart { problem, .. } => write!(f, "{problem}"),
            EcrError::EmptyUpload { upload_id } => write!(
                f,
                "The layer upload with upload id '{upload_id}' is empty. Upload the layer and \
                 try again."
            ),
            EcrError::LayerPartTooSmall { .. } => {
                write!(f, "Layer parts must be at least 5 MiB in size.")
            }
            EcrError::InvalidLayer { actual_digest, .. } => write!(
                f,
                "The layer digest does not match the uploaded content: computed {actual_digest}"
            ),
            EcrError::LayerAlreadyExists { layer_digest } => write!(
                f,
                "The layer with digest '{layer_digest}' already exists in the repository"
            ),
            EcrError::ImageDigestDoesNotMatch { given, actual } => write!(
                f,
                "Provided digest {given} does not match the digest {actual} of the image manifest"
            ),
            EcrError::LayersNotFound {
                repository_name,
                layer_digests,
            } => write!(
                f,
                "The layers with layerDigests '{layer_digests:?}' do not exist in the repository \
                 with name '{repository_name}'"
            ),
            EcrError::ReferencedImagesNotFound { image_digests } => write!(
                f,
                "The manifest list references images that do not exist: {image_digests:?}"
            ),
            EcrError::ImageAlreadyExists {
                repository_name,
                image_digest,
                image_tag,
            } => match image_tag {
                // As ECR words it (facts S1).
                Some(t) => write!(
                    f,
                    "Image with digest '{image_digest}' and tag '{t}' already exists in the \
                     repository with name '{repository_name}'"
                ),
                None => write!(
                    f,
                    "Image with digest '{image_digest}' already exists in the repository with \
                     name '{repository_name}'"
                ),
            },
            EcrError::ImageTagAlreadyExists {
                repository_name,
                image_tag,
                ..
            } => write!(
                f,
                "The image tag '{image_tag}' already exists in the '{repository_name}' repository \
                 and cannot be overwritten because the tag is immutable."
            ),
            EcrError::LayerInaccessible { layer_digest } => write!(
                f,
                "The layer with digest '{layer_digest}' is not associated with an image"
            ),
            EcrError::ImageNotFound {
                repository_name,
                image_id,
            } => write!(
                f,
                "The image with imageId {{imageDigest:'{}', imageTag:'{}'}} does not exist within \
                 the repository with name '{repository_name}'",
                image_id.image_digest.as_deref().unwrap_or("null"),
                image_id.image_tag.as_deref().unwrap_or("null")
            ),
            EcrError::Throttling => write!(f, "Rate exceeded"),
            EcrError::Server { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for EcrError {}

/// A repository as `CreateRepository` and `DeleteRepository` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryInfo {
    /// `arn:aws:ecr:<region>:<registry>:repository/<name>`.
    pub repository_arn: String,
    /// The registry.
    pub registry_id: String,
    /// The name.
    pub repository_name: String,
    /// `<registry>.dkr.ecr.<region>.amazonaws.com/<name>`.
    pub repository_uri: String,
    /// The tag mutability (MUT-1), answered by `CreateRepository`.
    pub image_tag_mutability: Option<super::image::TagMutability>,
}

/// A stored layer, as `BatchCheckLayerAvailability` lists it (CHECK-1, CHECK-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The digest as asked.
    pub layer_digest: String,
    /// Its size in bytes.
    pub layer_size: u64,
    /// `AVAILABLE` (true) or `UNAVAILABLE`: a layer no image references is `UNAVAILABLE`
    /// only under `unreferenced-layer-check=unavailable` (CHECK-3).
    pub available: bool,
    /// Whether an image references it (CHECK-3 speaks of the layers none does).
    pub referenced: bool,
}

/// Why a digest of `BatchCheckLayerAvailability` is not available (CHECK-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCode {
    /// The digest does not match the `LayerDigest` pattern.
    InvalidLayerDigest,
    /// No layer with that digest is stored in the repository.
    MissingLayerDigest,
}

impl FailureCode {
    /// The code as ECR spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::InvalidLayerDigest => "InvalidLayerDigest",
            FailureCode::MissingLayerDigest => "MissingLayerDigest",
        }
    }
}

/// A digest of `BatchCheckLayerAvailability` that is not available (CHECK-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerFailure {
    /// The digest as asked.
    pub layer_digest: String,
    /// Why.
    pub failure_code: FailureCode,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `CreateRepository` / `DeleteRepository`.
    Repository(RepositoryInfo),
    /// `InitiateLayerUpload` (INIT-1, INIT-2).
    UploadInitiated {
        /// The new upload's id.
        upload_id: String,
        /// The advertised part size.
        part_size: u64,
    },
    /// `UploadLayerPart` (PART-6).
    PartAccepted {
        /// The registry (the endpoint's own when the request named none).
        registry_id: String,
        /// The repository.
        repository_name: String,
        /// The upload.
        upload_id: String,
        /// `partLastByte` of the accepted part.
        last_byte_received: i64,
    },
    /// `CompleteLayerUpload` (DONE-6).
    LayerCompleted {
        /// The registry.
        registry_id: String,
        /// The repository.
        repository_name: String,
        /// The finished upload.
        upload_id: String,
        /// `sha256:<lower-case hex>` of the layer.
        layer_digest: String,
    },
    /// `BatchCheckLayerAvailability` (CHECK-1, CHECK-2).
    Availability {
        /// Stored layers, in the order asked.
        layers: Vec<LayerInfo>,
        /// Digests that are not available, in the order asked.
        failures: Vec<LayerFailure>,
    },
    /// `PutImage` (IMG-1).
    ImagePut(super::image::Image),
    /// `BatchGetImage` (GET-1).
    Images {
        /// The images found, in the order asked.
        images: Vec<super::image::Image>,
        /// The ids not found, in the order asked.
        failures: Vec<super::image::ImageFailure>,
    },
    /// `GetAuthorizationToken` (REG-1): one entry per registry asked for, each the same
    /// token.
    AuthorizationToken {
        /// `authorizationData`.
        data: Vec<AuthorizationData>,
    },
    /// `GetDownloadUrlForLayer` (URL-1).
    DownloadUrl {
        /// `downloadUrl`.
        download_url: String,
        /// `layerDigest`.
        layer_digest: String,
    },
    /// `BatchDeleteImage` (DEL-1).
    ImagesDeleted {
        /// What went: digest and, for a tag, the tag.
        image_ids: Vec<super::image::ImageName>,
        /// The ids not deleted.
        failures: Vec<super::image::ImageFailure>,
    },
    /// `DescribeImages` (LIST-2).
    ImageDetails {
        /// One detail per image.
        details: Vec<super::image::ImageDetail>,
        /// The token of the next page; `None` on the last.
        next_token: Option<String>,
    },
    /// `ListImages` (LIST-1).
    ImageIds {
        /// One id per (digest, tag); an untagged image as its digest alone.
        image_ids: Vec<super::image::ImageName>,
        /// The token of the next page; `None` on the last.
        next_token: Option<String>,
    },
    /// `PutImageTagMutability` (MUT-1).
    TagMutability {
        /// The registry.
        registry_id: String,
        /// The repository.
        repository_name: String,
        /// The setting now in force.
        mutability: super::image::TagMutability,
    },
}

/// The model's answer to one request.
pub type Outcome = Result<Response, EcrError>;

/// One `AuthorizationData` entry (REG-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationData {
    /// The password of `authorizationToken` (which is base64 of `AWS:<password>`).
    pub password: String,
    /// `expiresAt`, epoch seconds on the registry's clock.
    pub expires_at: u64,
    /// `proxyEndpoint`: where the registry door answers.
    pub proxy_endpoint: String,
}
