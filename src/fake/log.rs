//! The request log: an opt-in record of every request the fake handled
//! ([`FakeEcrBuilder::record_requests`](super::FakeEcrBuilder::record_requests)), for tools
//! that judge a client by what it sent (`client_check`).
//!
//! An entry holds the members that matter and the answer's status and error name, never a
//! blob's bytes: a part is recorded as its length and SHA-256, so the log grows with the
//! number of requests, not with the bytes pushed, and stops at [`MAX_LOGGED_REQUESTS`].

use std::time::Instant;

use sha2::{Digest as _, Sha256};

use super::fault::FaultKind;
use crate::model::{EcrError, Outcome, Request, Response};
use crate::wire::Operation;

/// Entries a log keeps at most; requests after that are counted, not recorded.
pub const MAX_LOGGED_REQUESTS: usize = 100_000;

/// One request the fake handled, as the request log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// Its place in the log, from 0.
    pub index: usize,
    /// When the request's head arrived (its body was read after).
    pub arrived: Instant,
    /// When its answer was ready to send, an injected delay included.
    pub answered: Instant,
    /// The operation, when the request named a known one.
    pub operation: Option<Operation>,
    /// `repositoryName` as sent.
    pub repository: Option<String>,
    /// `uploadId` as sent.
    pub upload_id: Option<String>,
    /// `partFirstByte` as sent.
    pub part_first_byte: Option<i64>,
    /// `partLastByte` as sent.
    pub part_last_byte: Option<i64>,
    /// The decoded length of `layerPartBlob`.
    pub blob_length: Option<u64>,
    /// `sha256:<hex>` of the decoded `layerPartBlob`.
    pub blob_sha256: Option<String>,
    /// `layerDigests` as sent (CompleteLayerUpload, BatchCheckLayerAvailability).
    pub layer_digests: Vec<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The error answered, if any.
    pub error: Option<crate::model::ErrorCode>,
    /// The fault injected into this request, if any.
    pub fault: Option<FaultKind>,
    /// Whether the model applied the request and it succeeded there (true for a part that
    /// landed behind a `server-error-after` fault, false for a throttled one).
    pub applied: bool,
    /// `lastByteReceived` of an accepted part.
    pub last_byte_received: Option<i64>,
    /// `lastValidByteReceived` of an InvalidLayerPartException answered.
    pub last_valid_byte_received: Option<i64>,
    /// `partSize` of an InitiateLayerUpload answered.
    pub part_size: Option<u64>,
    /// `layerDigest` of a CompleteLayerUpload answered, or of a LayerAlreadyExistsException.
    pub layer_digest: Option<String>,
    /// The new upload's id, for an InitiateLayerUpload answered.
    pub new_upload_id: Option<String>,
    /// Digests BatchCheckLayerAvailability answered as available.
    pub available: Vec<String>,
    /// Bytes the upload holds after this request (UploadLayerPart, CompleteLayerUpload of
    /// an upload still open).
    pub upload_received: Option<u64>,
    /// `PutImage`: `sha256:<hex>` of the manifest sent (never its text).
    pub manifest_digest: Option<String>,
    /// `PutImage`: the manifest's length in bytes.
    pub manifest_length: Option<u64>,
    /// `imageTag` of a `PutImage`.
    pub image_tag: Option<String>,
    /// `imageIds` as sent (BatchGetImage, BatchDeleteImage, DescribeImages).
    pub image_ids: Vec<crate::model::ImageId>,
    /// The image digest answered (PutImage), or of an ImageAlreadyExistsException.
    pub image_digest: Option<String>,
    /// A request of the registry door (`/v2/`) or to the fake's storage: what it was and
    /// what it was answered (absent for an API request).
    pub door: Option<DoorLogged>,
}

/// What the request log keeps of a registry-door (`/v2/`) or storage request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DoorLogged {
    /// The HTTP method.
    pub method: String,
    /// The call as the door read it (absent: a request it could not read, or the storage).
    pub call: Option<crate::wire::oci::DoorCall>,
    /// A request to the fake's storage (where a blob GET's redirect points): the digest its
    /// path names.
    pub storage: Option<String>,
    /// Whether the request carried an `Authorization` header (its value is never kept).
    pub authorization: bool,
    /// The body's length in bytes.
    pub body_length: u64,
    /// Whether the body was streamed into the model as it arrived (a PATCH without
    /// `Content-Range`, a final PUT).
    pub streamed: bool,
    /// The `Location` answered.
    pub location: Option<String>,
    /// The `Range` answered.
    pub range: Option<String>,
    /// The OCI error code answered.
    pub code: Option<crate::wire::oci::OciCode>,
}

impl DoorLogged {
    /// The `Range` answered, as its last byte (`0-1023` → 1023).
    pub fn range_end(&self) -> Option<u64> {
        let r = self.range.as_deref()?;
        let r = r.strip_prefix("bytes=").unwrap_or(r);
        r.split_once('-')?.1.parse().ok()
    }
}

impl LoggedRequest {
    /// An entry for a request as decoded, before it is answered.
    pub(crate) fn of_request(
        request: Option<&Request>,
        operation: Option<Operation>,
        arrived: Instant,
    ) -> Self {
        let mut entry = LoggedRequest {
            index: 0,
            arrived,
            answered: arrived,
            operation,
            repository: None,
            upload_id: None,
            part_first_byte: None,
            part_last_byte: None,
            blob_length: None,
            blob_sha256: None,
            layer_digests: Vec::new(),
            status: 0,
            error: None,
            fault: None,
            applied: false,
            last_byte_received: None,
            last_valid_byte_received: None,
            part_size: None,
            layer_digest: None,
            new_upload_id: None,
            available: Vec::new(),
            upload_received: None,
            manifest_digest: None,
            manifest_length: None,
            image_tag: None,
            image_ids: Vec::new(),
            image_digest: None,
            door: None,
        };
        let Some(request) = request else {
            return entry;
        };
        entry.repository = request.repository().map(str::to_owned);
        entry.upload_id = request.upload_id().map(str::to_owned);
        entry.layer_digests = request.layer_digests().to_vec();
        entry.image_ids = request.image_ids().to_vec();
        if let Request::PutImage(r) = request {
            entry.image_tag = r.image_tag.clone();
            if let Some(m) = &r.image_manifest {
                entry.manifest_length = Some(m.len() as u64);
                entry.manifest_digest = Some(crate::model::digest::digest_of(m.as_bytes()));
            }
        }
        if let Request::GetDownloadUrlForLayer(r) = request
            && let Some(d) = &r.layer_digest
        {
            entry.layer_digests = vec![d.clone()];
        }
        if let Request::UploadLayerPart(r) = request {
            entry.part_first_byte = r.part_first_byte;
            entry.part_last_byte = r.part_last_byte;
            if let Some(blob) = &r.layer_part_blob {
                entry.blob_length = Some(blob.len() as u64);
                let mut hasher = Sha256::new();
                blob.for_each_chunk(|chunk| hasher.update(chunk));
                entry.blob_sha256 = Some(crate::model::digest::layer_digest(&hasher));
            }
        }
        entry
    }

    /// Records the members of the answer the client saw.
    pub(crate) fn answered_with(&mut self, outcome: &Outcome) {
        match outcome {
            Ok(Response::UploadInitiated {
                upload_id,
                part_size,
            }) => {
                self.new_upload_id = Some(upload_id.clone());
                self.part_size = Some(*part_size);
            }
            Ok(Response::PartAccepted {
                last_byte_received, ..
            }) => self.last_byte_received = Some(*last_byte_received),
            Ok(Response::LayerCompleted { layer_digest, .. }) => {
                self.layer_digest = Some(layer_digest.clone());
            }
            Ok(Response::Availability { layers, .. }) => {
                self.available = layers.iter().map(|l| l.layer_digest.clone()).collect();
            }
            Ok(Response::ImagePut(image)) => {
                self.image_digest = Some(image.image_id.digest.clone());
            }
            Ok(_) => {}
            Err(EcrError::InvalidLayerPart {
                last_valid_byte_received,
                ..
            }) => self.last_valid_byte_received = *last_valid_byte_received,
            Err(EcrError::LayerAlreadyExists { layer_digest }) => {
                self.layer_digest = Some(layer_digest.clone());
            }
            Err(EcrError::ImageAlreadyExists { image_digest, .. }) => {
                self.image_digest = Some(image_digest.clone());
            }
            Err(_) => {}
        }
    }
}

/// The log itself: entries in the order their answers were made.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    pub(crate) entries: Vec<LoggedRequest>,
    pub(crate) dropped: u64,
}

impl RequestLog {
    pub(crate) fn push(&mut self, mut entry: LoggedRequest) {
        if self.entries.len() >= MAX_LOGGED_REQUESTS {
            self.dropped += 1;
            return;
        }
        entry.index = self.entries.len();
        self.entries.push(entry);
    }
}
