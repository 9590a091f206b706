//! One layer upload in progress: a running SHA-256 and the bookkeeping DONE-3 needs.
//!
//! The bytes themselves are never kept, so memory does not grow with the layer.

use sha2::{Digest as _, Sha256};

use super::PartBlob;
use super::digest::layer_digest;
use super::limits::MIN_PART_BYTES;

/// An open upload.
#[derive(Debug, Clone)]
pub struct Upload {
    repository: String,
    received: u64,
    hasher: Sha256,
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

    /// `sha256:<hex>` of the bytes accepted so far.
    pub fn digest(&self) -> String {
        layer_digest(&self.hasher)
    }

    /// Appends an accepted part (PART-6). The caller has checked PART-3 and PART-4.
    pub fn append(&mut self, blob: &PartBlob) {
        if self.parts > 0 && self.last_part_len < MIN_PART_BYTES {
            self.short_part_before_last = true;
        }
        blob.for_each_chunk(|chunk| self.hasher.update(chunk));
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
}
