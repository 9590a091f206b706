//! Blobs: standard base64 (RFC 4648 alphabet) on the wire, bytes in memory.
//!
//! Decoding accepts the padded form and the unpadded one, and records which it saw: the
//! profile knob `blob-padding` decides whether the unpadded form is an error (WIRE-2).
//! Anything else (another alphabet, stray characters, bad padding, non-zero trailing
//! bits) fails to decode. Limits count decoded bytes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use bytes::Bytes;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::PartBlob;

/// A blob member: its decoded bytes and whether its text carried padding.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Blob {
    /// The decoded bytes; blobs of [`MAPPED_BLOB_BYTES`] or more are decoded into memory
    /// mapped for them alone, which goes back to the system as soon as they are dropped.
    pub bytes: Bytes,
    /// Whether the base64 text was in the padded form. Always true when the length is a
    /// multiple of 3, where the two forms are one; always true for what this project encodes.
    pub padded: bool,
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A 20 MiB blob printed byte by byte helps nobody.
        write!(
            f,
            "Blob({} bytes, padded: {})",
            self.bytes.len(),
            self.padded
        )
    }
}

/// Why a blob's text is not base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobError(pub String);

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not standard base64: {}", self.0)
    }
}

impl std::error::Error for BlobError {}

/// Decoded blobs of this many bytes or more get their own memory mapping: a fake that
/// takes 20 MiB parts from 32 clients would otherwise keep the allocator's high-water mark.
pub const MAPPED_BLOB_BYTES: usize = 1024 * 1024;

/// Decodes standard base64, padded or unpadded; `padded` tells which.
pub fn decode(text: &str) -> Result<Blob, BlobError> {
    let padded = text.len().is_multiple_of(4);
    let engine = if padded { &STANDARD } else { &STANDARD_NO_PAD };
    let estimate = base64::decoded_len_estimate(text.len());
    if estimate >= MAPPED_BLOB_BYTES
        && let Some(bytes) = crate::buffer::mapped(estimate, |out| engine.decode_slice(text, out))
    {
        return bytes
            .map(|bytes| Blob { bytes, padded })
            .map_err(|e| BlobError(e.to_string()));
    }
    engine
        .decode(text)
        .map(|bytes| Blob {
            bytes: bytes.into(),
            padded,
        })
        .map_err(|e| BlobError(e.to_string()))
}

/// Encodes bytes as standard padded base64.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

impl Blob {
    /// A blob of these bytes, encoded padded.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        Blob {
            bytes: bytes.into(),
            padded: true,
        }
    }

    /// The blob's wire text.
    pub fn to_base64(&self) -> String {
        if self.padded {
            STANDARD.encode(&self.bytes)
        } else {
            STANDARD_NO_PAD.encode(&self.bytes)
        }
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

struct BlobVisitor;

impl Visitor<'_> for BlobVisitor {
    type Value = Blob;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64 string")
    }

    // Borrowed strings arrive here too: the text is decoded straight from the body.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Blob, E> {
        decode(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Blob, D::Error> {
        d.deserialize_str(BlobVisitor)
    }
}

impl From<Blob> for PartBlob {
    fn from(b: Blob) -> Self {
        PartBlob {
            bytes: b.bytes,
            padded: b.padded,
        }
    }
}

impl From<PartBlob> for Blob {
    fn from(b: PartBlob) -> Self {
        Blob {
            bytes: b.bytes,
            padded: b.padded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_and_unpadded_text_decode_and_say_which_they_were() {
        assert_eq!(
            decode("aGk=").map(|b| (b.bytes, b.padded)),
            Ok((bytes::Bytes::from_static(b"hi"), true))
        );
        assert_eq!(
            decode("aGk").map(|b| (b.bytes, b.padded)),
            Ok((bytes::Bytes::from_static(b"hi"), false))
        );
        assert_eq!(
            decode("").map(|b| (b.bytes, b.padded)),
            Ok((bytes::Bytes::new(), true))
        );
    }

    #[test]
    fn other_alphabets_bad_padding_and_trailing_bits_are_rejected() {
        for text in [
            "aGk-", "a_k=", "aGk==", "a", "aGl=", "aG k=", "aGk=\n", "=aGk",
        ] {
            assert!(decode(text).is_err(), "{text:?} decoded");
        }
    }
}
