//! What the model is asked: one request per operation, members as sent.
//!
//! Every member is optional because a request may lack it (VAL-1); values are unchecked
//! because a request may break a constraint (VAL-2). Requests that could not be decoded
//! at all are requests too ([`Request::UnknownOperation`], [`Request::Malformed`]), so that
//! the transition function alone decides every answer.

use bytes::Bytes;

/// A layer-part blob: its bytes, or (for a large blob read from a request body) its base64
/// text, checked to decode and decoded only while it is hashed, a chunk at a time, so the
/// layer's bytes never sit in memory whole.
#[derive(Clone)]
pub struct PartBlob {
    data: BlobData,
    /// Whether the base64 text carried its `=` padding (WIRE-2, knob `blob-padding`).
    pub padded: bool,
}

#[derive(Clone)]
enum BlobData {
    Bytes(Bytes),
    /// Standard base64 (padded as `padded` says) that decodes to `len` bytes.
    Base64 {
        text: Bytes,
        len: usize,
    },
}

/// Base64 characters decoded per chunk while hashing (a multiple of 4).
const CHUNK_CHARS: usize = 64 * 1024;

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
        }
    }

    /// A blob kept as its base64 `text`, which the caller has checked decodes (with or
    /// without padding, as `padded` says) to `len` bytes.
    pub(crate) fn from_checked_base64(text: Bytes, len: usize, padded: bool) -> Self {
        PartBlob {
            data: BlobData::Base64 { text, len },
            padded,
        }
    }

    /// The decoded length.
    pub fn len(&self) -> usize {
        match &self.data {
            BlobData::Bytes(b) => b.len(),
            BlobData::Base64 { len, .. } => *len,
        }
    }

    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The base64 text, when the blob is kept as text.
    pub fn base64_text(&self) -> Option<&[u8]> {
        match &self.data {
            BlobData::Bytes(_) => None,
            BlobData::Base64 { text, .. } => Some(text),
        }
    }

    /// The decoded bytes (decoded now, when the blob is kept as text).
    pub fn bytes(&self) -> Bytes {
        match &self.data {
            BlobData::Bytes(b) => b.clone(),
            BlobData::Base64 { text, len } => {
                // `decode_slice` wants room for its estimate, which may exceed `len` by 2.
                let mut out = vec![0u8; len + 3];
                let n = decode_chunk(text, &mut out).unwrap_or_default();
                debug_assert_eq!(n, *len, "a checked base64 text decoded to another length");
                out.truncate(n);
                out.into()
            }
        }
    }

    /// Calls `f` with the decoded bytes in order, in chunks. A large blob kept as text is
    /// decoded on a second thread while `f` (hashing, in the model) takes the previous chunk.
    pub fn for_each_chunk(&self, mut f: impl FnMut(&[u8])) {
        let (text, len) = match &self.data {
            BlobData::Bytes(b) => return f(b),
            BlobData::Base64 { text, len } => (text, *len),
        };
        if text.len() < PIPELINE_TEXT_BYTES {
            return f(&self.bytes());
        }
        let mut fed = 0;
        {
            use std::sync::mpsc::{channel, sync_channel};
            let (decoded, to_hash) = sync_channel::<(Vec<u8>, usize)>(2);
            let (free, to_fill) = channel::<Vec<u8>>();
            for _ in 0..3 {
                let _ = free.send(vec![0u8; CHUNK_CHARS / 4 * 3]);
            }
            std::thread::scope(|scope| {
                scope.spawn(move || {
                    for chunk in text.chunks(CHUNK_CHARS) {
                        let Ok(mut buf) = to_fill.recv() else { return };
                        let Some(n) = decode_chunk(chunk, &mut buf) else {
                            return;
                        };
                        if decoded.send((buf, n)).is_err() {
                            return;
                        }
                    }
                });
                for (buf, n) in to_hash {
                    fed += n;
                    f(&buf[..n]);
                    let _ = free.send(buf);
                }
            });
        }
        // Checked when the blob was made; a chunk that did not decode would be a bug in
        // that check.
        debug_assert_eq!(fed, len, "a checked base64 text decoded to another length");
    }
}

/// Texts this long are decoded on a second thread while the previous chunk is hashed.
const PIPELINE_TEXT_BYTES: usize = 1024 * 1024;

/// Decodes checked base64 (a padded chunk, or the unpadded tail or whole).
fn decode_chunk(chunk: &[u8], out: &mut [u8]) -> Option<usize> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let engine = if chunk.len().is_multiple_of(4) {
        &STANDARD
    } else {
        &STANDARD_NO_PAD
    };
    engine.decode_slice(chunk, out).ok()
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
