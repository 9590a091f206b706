//! One layer upload in progress: a running SHA-256 and the bookkeeping DONE-3 needs.
//!
//! The bytes themselves are never kept, so memory does not grow with the layer.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};

use super::PartBlob;
use super::digest::layer_digest;
use super::limits::MIN_PART_BYTES;

/// A fresh stamp: a process-wide unique name for one state of an upload's hash.
fn next_stamp() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// An upload's running hash carried forward over a part's bytes before the model has
/// judged the part (the fake hashes a part while its body arrives). It names the upload
/// state it was cloned from: the upload takes it on acceptance only when it is still in that
/// state and the part is exactly the bytes hashed; otherwise the part is hashed again, so a
/// speculation can only save work, never change an answer.
#[derive(Clone)]
pub struct SpeculativeHash {
    stamp: u64,
    hasher: Sha256,
    bytes: u64,
}

impl SpeculativeHash {
    /// Carries the hash over the next bytes of the part.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
    }
}

impl std::fmt::Debug for SpeculativeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeculativeHash")
            .field("stamp", &self.stamp)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

/// An open upload.
#[derive(Debug, Clone)]
pub struct Upload {
    repository: String,
    received: u64,
    hasher: Sha256,
    /// Names the current hash state; changes whenever the hash does.
    stamp: u64,
    parts: u64,
    last_part_len: u64,
    short_part_before_last: bool,
}

impl Upload {
    /// A new, empty upload bound to `repository` (INIT-1).
    pub fn new(repository: &str) -> Self {
        Upload {
            repository: repository.to_owned(),
            received: 0,
            hasher: Sha256::new(),
            stamp: next_stamp(),
            parts: 0,
            last_part_len: 0,
            short_part_before_last: false,
        }
    }

    /// The repository the upload belongs to.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Bytes accepted so far, which is also the next expected `partFirstByte` (PART-3).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Parts accepted so far.
    pub fn parts(&self) -> u64 {
        self.parts
    }

    /// The last accepted byte, if any (PART-5).
    pub fn last_valid_byte(&self) -> Option<u64> {
        self.received.checked_sub(1)
    }

    /// Whether a part that is not the last is under 5 MiB (DONE-3).
    pub fn has_short_part_before_last(&self) -> bool {
        self.short_part_before_last
    }

    /// A clone of the running hash, to carry over a part not yet judged.
    pub fn speculate(&self) -> SpeculativeHash {
        SpeculativeHash {
            stamp: self.stamp,
            hasher: self.hasher.clone(),
            bytes: 0,
        }
    }

    /// `sha256:<hex>` of the bytes accepted so far.
    pub fn digest(&self) -> String {
        layer_digest(&self.hasher)
    }

    /// Appends an accepted part (PART-6). The caller has checked PART-3 and PART-4.
    pub fn append(&mut self, blob: &PartBlob) {
        if self.parts > 0 && self.last_part_len < MIN_PART_BYTES {
            self.short_part_before_last = true;
        }
        match blob.speculation() {
            Some(s) if s.stamp == self.stamp && s.bytes == blob.len() as u64 => {
                self.hasher = s.hasher.clone();
            }
            _ => blob.for_each_chunk(|chunk| self.hasher.update(chunk)),
        }
        self.stamp = next_stamp();
        self.received += blob.len() as u64;
        self.parts += 1;
        self.last_part_len = blob.len() as u64;
    }

    /// Appends a part a target accepted against the rules (resynchronising): the bytes are
    /// hashed and the next expected byte becomes `last_byte + 1`.
    pub fn adopt(&mut self, blob: &PartBlob, last_byte: u64) {
        self.append(blob);
        self.received = last_byte.saturating_add(1);
    }
}

impl PartialEq for Upload {
    /// Equal when bound to the same repository with the same parts; the hash state is
    /// compared through its digest, since `Sha256` has no equality of its own.
    fn eq(&self, other: &Self) -> bool {
        self.repository == other.repository
            && self.received == other.received
            && self.parts == other.parts
            && self.last_part_len == other.last_part_len
            && self.short_part_before_last == other.short_part_before_last
            && self.digest() == other.digest()
    }
}

impl Eq for Upload {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_short_part_followed_by_another_counts_as_too_small() {
        let mut u = Upload::new("r1");
        u.append(&PartBlob::new(vec![0; 10]));
        assert!(!u.has_short_part_before_last(), "a short last part is fine");
        u.append(&PartBlob::new(vec![0; 10]));
        assert!(u.has_short_part_before_last());
        assert_eq!(u.received(), 20);
        assert_eq!(u.last_valid_byte(), Some(19));
    }

    fn digest_of(parts: &[&[u8]]) -> String {
        let mut u = Upload::new("r1");
        for p in parts {
            u.append(&PartBlob::new(p.to_vec()));
        }
        u.digest()
    }

    #[test]
    fn a_speculation_is_taken_only_from_the_state_it_was_cloned_from_and_over_the_same_length() {
        // A speculation over *other* bytes of the right length, from the current state, is
        // taken as it is: that shows the part is not hashed again.
        let mut u = Upload::new("r1");
        u.append(&PartBlob::new(b"abc".to_vec()));
        let mut spec = u.speculate();
        spec.update(b"XYZ");
        u.append(&PartBlob::new(b"def".to_vec()).with_speculation(spec.clone()));
        assert_eq!(u.digest(), digest_of(&[b"abc", b"XYZ"]));

        // Once the upload has moved on, the same speculation is stale: the part is hashed.
        u.append(&PartBlob::new(b"ghi".to_vec()).with_speculation(spec));
        assert_eq!(u.digest(), digest_of(&[b"abc", b"XYZ", b"ghi"]));

        // A speculation over fewer bytes than the part is not taken either.
        let mut short = u.speculate();
        short.update(b"j");
        u.append(&PartBlob::new(b"jk".to_vec()).with_speculation(short));
        assert_eq!(u.digest(), digest_of(&[b"abc", b"XYZ", b"ghi", b"jk"]));

        // A clone that appends leaves the original's speculations stale for the clone.
        let fresh = u.speculate();
        let mut clone = u.clone();
        clone.append(&PartBlob::new(b"l".to_vec()));
        let mut late = fresh;
        late.update(b"m");
        clone.append(&PartBlob::new(b"m".to_vec()).with_speculation(late));
        assert_eq!(
            clone.digest(),
            digest_of(&[b"abc", b"XYZ", b"ghi", b"jk", b"l", b"m"])
        );
    }
}
