//! Layer bytes and the ways to cut a layer into parts.

use proptest::prelude::*;

use crate::model::limits::{MAX_PART_BYTES, MIN_PART_BYTES};

/// `len` bytes of a fixed pseudo-random pattern named by `seed` (xorshift64*). Cheap to
/// make, so a property can describe a 20 MiB blob by its length and seed.
pub fn fill(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let word = state.wrapping_mul(FILL_MUL).to_le_bytes();
        let take = (len - out.len()).min(8);
        out.extend_from_slice(&word[..take]);
    }
    out
}

/// The multiplier of [`fill`]'s output, and its inverse modulo 2^64.
const FILL_MUL: u64 = 0x2545_f491_4f6c_dd1d;

/// The seed [`fill`] made `bytes` from, if it made them (`fill(len, seed)` uses `seed | 1`,
/// so the odd seed is returned): a recording keeps a blob as its length and seed.
pub fn fill_seed(bytes: &[u8]) -> Option<u64> {
    let first: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    // Newton's iteration doubles the correct low bits of an odd number's inverse.
    let mut inv = FILL_MUL;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(FILL_MUL.wrapping_mul(inv)));
    }
    let mut x = u64::from_le_bytes(first).wrapping_mul(inv);
    // Undo the xorshift steps in reverse order.
    x ^= x >> 27;
    x ^= x >> 54;
    x ^= x << 25;
    x ^= x << 50;
    x ^= x >> 12;
    x ^= x >> 24;
    x ^= x >> 48;
    (fill(bytes.len(), x) == bytes).then_some(x)
}

/// Part lengths of a valid upload: 1 to `max_parts` parts, each of 1..=20 MiB, all but the
/// last at least 5 MiB (DONE-3). Shrinks towards one small part.
pub fn part_plan(max_parts: usize) -> impl Strategy<Value = Vec<u64>> {
    let max = MAX_PART_BYTES;
    (
        prop::collection::vec(MIN_PART_BYTES..=max, 0..max_parts.max(1)),
        1..=max,
    )
        .prop_map(|(mut head, last)| {
            head.push(last);
            head
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_seed_recovers_the_seed_of_every_filled_blob_and_no_other() {
        for seed in [0u64, 1, 2, 401, 0xdead_beef, u64::MAX, 1 << 63] {
            for len in [8usize, 9, 100, 4097] {
                let bytes = fill(len, seed);
                let found = fill_seed(&bytes).expect("a filled blob");
                assert_eq!(fill(len, found), bytes, "seed {seed} len {len}");
                assert_eq!(found, seed | 1);
            }
        }
        assert_eq!(fill_seed(&[0u8; 64]), None);
        assert_eq!(fill_seed(&fill(7, 3)), None, "shorter than a word");
    }
}
