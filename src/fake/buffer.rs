//! Large request bodies in anonymous memory mappings, so that their memory goes back to the
//! system whatever the global allocator keeps. Mappings are reused while a client pushes
//! part after part (a fresh mapping costs a page fault per 4 KiB, which on 20 MiB parts is
//! as much as hashing them), and unmapped once they have been idle for [`IDLE`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use memmap2::MmapMut;

/// Bodies of this many bytes or more get a mapping: a fake that takes 20 MiB parts from 32
/// clients would otherwise keep the allocator's high-water mark.
pub(crate) const MAPPED_BODY_BYTES: usize = 1024 * 1024;

/// How long an unused mapping is kept for the next body.
pub(crate) const IDLE: Duration = Duration::from_millis(500);

/// Mapping sizes are multiples of this.
const ROUND: usize = 1024 * 1024;

/// Mappings kept for reuse at most.
const KEPT: usize = 2;

/// Mappings free for the next large body.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    free: Mutex<Vec<(MmapMut, Instant)>>,
}

impl Pool {
    /// A writable buffer of at least `len` bytes: a kept mapping that is large enough, or a
    /// new one; `None` when the system refuses the mapping (callers fall back to the heap).
    pub(crate) fn take(&self, len: usize) -> Option<MmapMut> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        let fits = free
            .iter()
            .enumerate()
            .filter(|(_, (m, _))| m.len() >= len)
            .min_by_key(|(_, (m, _))| m.len());
        if let Some((i, _)) = fits {
            return Some(free.swap_remove(i).0);
        }
        drop(free);
        // Rounded up, so that the next part (whose body is a few bytes longer when its
        // offsets gain a digit) fits the same mapping.
        let rounded = len.max(1).div_ceil(ROUND) * ROUND;
        memmap2::MmapOptions::new().len(rounded).map_anon().ok()
    }

    /// Takes a mapping back for reuse; when [`KEPT`] are kept already, it replaces the
    /// smallest of them if it is larger (a client that moved on to larger parts would
    /// otherwise fault in a fresh mapping for every part until the small ones go idle).
    fn give(&self, map: MmapMut) {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < KEPT {
            free.push((map, Instant::now()));
            return;
        }
        let smallest = free.iter_mut().min_by_key(|(m, _)| m.len());
        if let Some(slot) = smallest.filter(|(m, _)| m.len() < map.len()) {
            *slot = (map, Instant::now());
        }
    }

    /// Unmaps what has been idle for [`IDLE`]; returns how many mappings are still kept.
    pub(crate) fn trim(&self) -> usize {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        free.retain(|(_, since)| since.elapsed() < IDLE);
        free.len()
    }
}

/// A filled mapping lent out as [`Bytes`]; it goes back to the pool when the last slice of
/// it is dropped.
struct Lent {
    map: Option<MmapMut>,
    len: usize,
    pool: Arc<Pool>,
}

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        self.map.as_ref().map_or(&[], |m| &m[..self.len])
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(map) = self.map.take() {
            self.pool.give(map);
        }
    }
}

/// The first `len` bytes of `map` as [`Bytes`]; the mapping returns to `pool` afterwards.
pub(crate) fn freeze(map: MmapMut, len: usize, pool: &Arc<Pool>) -> Bytes {
    let len = len.min(map.len());
    Bytes::from_owner(Lent {
        map: Some(map),
        len,
        pool: pool.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_parts_slightly_longer_body_reuses_the_mapping_of_the_last() {
        let pool = Arc::new(Pool::default());
        let len = 20 * 1024 * 1024 * 4 / 3 + 150;
        let map = pool.take(len).expect("a mapping");
        let first = map.as_ptr();
        drop(freeze(map, len, &pool)); // the request is done: back to the pool
        // The next part's offsets have one more digit.
        let again = pool.take(len + 2).expect("a mapping");
        assert_eq!(
            again.as_ptr(),
            first,
            "a fresh mapping faults in every page again"
        );
    }

    #[test]
    fn a_client_that_moves_on_to_larger_parts_gets_its_mapping_back_at_once() {
        let pool = Arc::new(Pool::default());
        let small = [pool.take(ROUND), pool.take(ROUND)].map(|m| m.expect("a mapping"));
        for m in small {
            drop(freeze(m, 10, &pool));
        }
        let large = 5 * ROUND;
        let first = pool.take(large).expect("a mapping");
        let at = first.as_ptr();
        drop(freeze(first, large, &pool)); // replaces a small one
        let again = pool.take(large).expect("a mapping");
        assert_eq!(again.as_ptr(), at);
        // And the small one left is the best fit for a small body.
        assert!(pool.take(10).is_some_and(|m| m.len() == ROUND));
    }

    #[test]
    fn idle_mappings_are_unmapped() {
        let pool = Arc::new(Pool::default());
        let map = pool.take(MAPPED_BODY_BYTES).expect("a mapping");
        drop(freeze(map, 10, &pool));
        assert_eq!(pool.trim(), 1, "kept while fresh");
        std::thread::sleep(IDLE + Duration::from_millis(50));
        assert_eq!(pool.trim(), 0);
    }
}
