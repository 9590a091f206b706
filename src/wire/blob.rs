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

/// Characters of a text of this length before its last quantum: the whole quanta that may
/// not hold padding. The last quantum (1 to 4 characters) is where padding and unused bits
/// are judged.
fn before_last_quantum(text_len: usize) -> usize {
    match text_len % 4 {
        0 => text_len.saturating_sub(4),
        r => text_len - r,
    }
}

/// Decodes the last quantum of a text of `text_len` characters into `out`.
fn decode_last_quantum(tail: &[u8], text_len: usize, out: &mut [u8; 3]) -> Option<usize> {
    engine_for(text_len).decode_slice(tail, out).ok()
}

/// Why `text` is not base64, in the words of the reference decoder (only called once the
/// one-pass decoder has refused it).
fn refusal(text: &[u8]) -> BlobError {
    let reason = engine_for(text.len())
        .decode(text)
        .err()
        .map_or_else(|| "refused".to_owned(), |e| e.to_string());
    BlobError(reason)
}

/// Decodes standard base64, padded or unpadded; `padded` tells which. One pass validates
/// and decodes (SIMD); the last quantum's padding and unused bits are judged apart.
pub fn decode(text: &str) -> Result<Blob, BlobError> {
    let text = text.as_bytes();
    let (body, tail) = text.split_at(before_last_quantum(text.len()));
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 3);
    base64_simd::STANDARD_NO_PAD
        .decode_append(body, &mut out)
        .map_err(|_| refusal(text))?;
    let mut last = [0u8; 3];
    let m = decode_last_quantum(tail, text.len(), &mut last).ok_or_else(|| refusal(text))?;
    out.extend_from_slice(&last[..m]);
    Ok(Blob::with_padding(out, text.len().is_multiple_of(4)))
}

/// Whether `text` decodes, and to how many bytes, without decoding it: `Some((len,
/// padded))` exactly when [`decode`] succeeds (a property the `base64_blob` fuzz target
/// checks).
pub fn check(text: &[u8]) -> Option<(usize, bool)> {
    let (body, tail) = text.split_at(before_last_quantum(text.len()));
    base64_simd::STANDARD_NO_PAD.check(body).ok()?;
    let mut last = [0u8; 3];
    let m = decode_last_quantum(tail, text.len(), &mut last)?;
    Some((body.len() / 4 * 3 + m, text.len().is_multiple_of(4)))
}

/// Base64 text decoded per call while streaming: a multiple of 4 whose output (24 KiB)
/// stays in the first-level caches until it is hashed.
const STREAM_CHARS: usize = 32 * 1024;

/// Standard base64 decoded as it arrives, in pieces cut anywhere: what [`decode`] does
/// with the whole text, in one pass, without holding the text. The last quantum is held
/// back until [`Decoder::finish`], where padding is allowed.
#[derive(Debug, Clone)]
pub struct Decoder {
    held: [u8; 4],
    held_len: usize,
    text_len: usize,
    out_len: usize,
    scratch: Vec<u8>,
    failed: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

/// The text fed to a [`Decoder`] is not standard base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotBase64;

impl Decoder {
    /// A decoder at the start of a text.
    pub fn new() -> Self {
        Decoder {
            held: [0; 4],
            held_len: 0,
            text_len: 0,
            out_len: 0,
            scratch: Vec::new(),
            failed: false,
        }
    }

    /// Characters fed so far.
    pub fn text_len(&self) -> usize {
        self.text_len
    }

    /// Takes a piece of text: gives a held quantum it completes (not the last one, since
    /// more follows) and the whole quanta to decode now; holds back the rest.
    fn take<'t>(&mut self, mut text: &'t [u8]) -> (Option<[u8; 4]>, &'t [u8]) {
        self.text_len += text.len();
        let mut completed = None;
        if self.held_len > 0 {
            let take = (4 - self.held_len).min(text.len());
            self.held[self.held_len..self.held_len + take].copy_from_slice(&text[..take]);
            self.held_len += take;
            text = &text[take..];
            if text.is_empty() {
                return (None, &[]);
            }
            completed = Some(self.held);
            self.held_len = 0;
        }
        let (bulk, rest) = text.split_at(before_last_quantum(text.len()));
        self.held[..rest.len()].copy_from_slice(rest);
        self.held_len = rest.len();
        (completed, bulk)
    }

    /// Feeds the next piece of text; `sink` gets the bytes decoded from it, in order.
    pub fn push(&mut self, text: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), NotBase64> {
        if self.failed {
            return Err(NotBase64);
        }
        if text.is_empty() {
            return Ok(());
        }
        let (completed, bulk) = self.take(text);
        if let Some(quantum) = completed {
            self.whole_quanta(&quantum, sink)?;
        }
        for chunk in bulk.chunks(STREAM_CHARS) {
            self.whole_quanta(chunk, sink)?;
        }
        Ok(())
    }

    fn whole_quanta(&mut self, text: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), NotBase64> {
        let n = text.len() / 4 * 3;
        if self.scratch.len() < n {
            self.scratch.resize(n, 0);
        }
        match base64_simd::STANDARD_NO_PAD
            .decode(text, base64_simd::Out::from_slice(&mut self.scratch[..n]))
        {
            Ok(bytes) => {
                self.out_len += bytes.len();
                sink(bytes);
                Ok(())
            }
            Err(_) => {
                self.failed = true;
                Err(NotBase64)
            }
        }
    }

    /// Ends the text: decodes its last quantum into `sink` and gives the decoded length and
    /// whether the text was padded.
    pub fn finish(mut self, sink: &mut dyn FnMut(&[u8])) -> Result<(usize, bool), NotBase64> {
        if self.failed {
            return Err(NotBase64);
        }
        let mut last = [0u8; 3];
        let m = decode_last_quantum(&self.held[..self.held_len], self.text_len, &mut last)
            .ok_or(NotBase64)?;
        sink(&last[..m]);
        self.out_len += m;
        Ok((self.out_len, self.text_len.is_multiple_of(4)))
    }
}

/// Encodes bytes as standard padded base64 (SIMD).
pub fn encode(bytes: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(bytes)
}

impl PartBlob {
    /// The blob's wire text.
    pub fn to_base64(&self) -> String {
        let bytes = self.bytes();
        if self.padded {
            base64_simd::STANDARD.encode_to_string(&bytes)
        } else {
            base64_simd::STANDARD_NO_PAD.encode_to_string(&bytes)
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

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Blob, E> {
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

    proptest::proptest! {
        #[test]
        fn simd_encoding_is_the_reference_encoding_padded_and_unpadded(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)
        ) {
            proptest::prop_assert_eq!(encode(&bytes), STANDARD.encode(&bytes));
            let unpadded = PartBlob::with_padding(bytes.clone(), false).to_base64();
            proptest::prop_assert_eq!(unpadded, STANDARD_NO_PAD.encode(&bytes));
        }
    }
}
