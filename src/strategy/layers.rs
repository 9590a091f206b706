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
        let word = state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
        let take = (len - out.len()).min(8);
        out.extend_from_slice(&word[..take]);
    }
    out
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
