//! Blobs: standard base64 (RFC 4648 alphabet) on the wire, bytes in memory.
//!
//! Decoding accepts the padded form and the unpadded one, and records which it saw: the
//! profile knob `blob-padding` decides whether the unpadded form is an error (WIRE-2).
//! Anything else (another alphabet, stray characters, bad padding, non-zero trailing
//! bits) fails to decode. Limits count decoded bytes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::PartBlob;

/// A blob member: the model's blob, which (de)serializes as base64 text.
pub type Blob = PartBlob;

/// Why a blob's text is not base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobError(pub String);

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not standard base64: {}", self.0)
    }
}

impl std::error::Error for BlobError {}

/// The engine for a text of this length: padded when it is a multiple of 4.
pub(crate) fn engine_for(text_len: usize) -> &'static base64::engine::GeneralPurpose {
    if text_len.is_multiple_of(4) {
        &STANDARD
    } else {
        &STANDARD_NO_PAD
    }
}

/// Decodes standard base64, padded or unpadded; `padded` tells which. (The fake's own
/// server never gets here with a large blob: it keeps those as checked text.)
pub fn decode(text: &str) -> Result<Blob, BlobError> {
    let padded = text.len().is_multiple_of(4);
    engine_for(text.len())
        .decode(text)
        .map(|bytes| Blob::with_padding(bytes, padded))
        .map_err(|e| BlobError(e.to_string()))
}

/// Whether `text` decodes, and to how many bytes, without decoding it: `Some((len,
/// padded))` exactly when [`decode`] succeeds (a property the `base64_blob` fuzz target
/// checks). Only the last quantum is decoded, for its padding and unused bits.
pub fn check(text: &[u8]) -> Option<(usize, bool)> {
    let padded = text.len().is_multiple_of(4);
    let pad = if padded {
        text.iter()
            .rev()
            .take(2)
            .take_while(|b| **b == b'=')
            .count()
    } else {
        0
    };
    let body = &text[..text.len() - pad];
    if !padded && text.len() % 4 == 1 {
        return None;
    }
    if !in_alphabet(body) {
        return None;
    }
    let tail = text.len()
        - if padded {
            4.min(text.len())
        } else {
            text.len() % 4
        };
    let mut last = [0u8; 3];
    engine_for(text.len())
        .decode_slice(&text[tail..], &mut last)
        .ok()?;
    Some((
        body.len() / 4 * 3 + (body.len() % 4).saturating_sub(1),
        padded,
    ))
}

/// Whether every byte is in the standard alphabet (`=` is not). Branch-free per block, so
/// the compiler vectorizes it: this check runs over every large blob the fake receives.
fn in_alphabet(text: &[u8]) -> bool {
    fn one(b: u8) -> bool {
        (b.wrapping_sub(b'A') < 26)
            | (b.wrapping_sub(b'a') < 26)
            | (b.wrapping_sub(b'0') < 10)
            | (b == b'+')
            | (b == b'/')
    }
    text.chunks(256)
        .all(|block| block.iter().fold(true, |ok, b| ok & one(*b)))
}

/// Base64 text at least this long, lying in the request body being decoded, is kept as
/// text and decoded while it is hashed (see [`crate::model::PartBlob`]).
pub const LAZY_TEXT_BYTES: usize = 64 * 1024;

/// Encodes bytes as standard padded base64.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

impl PartBlob {
    /// The blob's wire text.
    pub fn to_base64(&self) -> String {
        if let Some(text) = self.base64_text() {
            return String::from_utf8_lossy(text).into_owned();
        }
        let bytes = self.bytes();
        if self.padded {
            STANDARD.encode(&bytes)
        } else {
            STANDARD_NO_PAD.encode(&bytes)
        }
    }
}

impl Serialize for PartBlob {
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

    // Borrowed strings arrive here too. A large text inside the body being decoded is
    // checked and kept as a slice of that body; anything else is decoded now.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Blob, E> {
        if v.len() >= LAZY_TEXT_BYTES
            && let Some(text) = super::codec::shared_slice(v)
            && let Some((len, padded)) = check(v.as_bytes())
        {
            return Ok(Blob::from_checked_base64(text, len, padded));
        }
        decode(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for PartBlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Blob, D::Error> {
        d.deserialize_str(BlobVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_and_unpadded_text_decode_and_say_which_they_were() {
        assert_eq!(
            decode("aGk=").map(|b| (b.bytes(), b.padded)),
            Ok((bytes::Bytes::from_static(b"hi"), true))
        );
        assert_eq!(
            decode("aGk").map(|b| (b.bytes(), b.padded)),
            Ok((bytes::Bytes::from_static(b"hi"), false))
        );
        assert_eq!(
            decode("").map(|b| (b.bytes(), b.padded)),
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
