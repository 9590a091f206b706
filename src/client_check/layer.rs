//! The layer a plan's client pushes: a file of pseudo-random bytes in a scratch folder of
//! its own, its digest, and the digests of its byte ranges (to tell a part's bytes from
//! the file's). The folder goes when the value is dropped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::model::digest::layer_digest;
use crate::model::limits::MAX_PART_BYTES;

/// A layer file and what the judge needs to know of it.
#[derive(Debug)]
pub(crate) struct LayerFile {
    dir: PathBuf,
    path: PathBuf,
    size: u64,
    digest: String,
    ranges: std::sync::Mutex<HashMap<(u64, u64), Option<RangeDigests>>>,
}

/// The digests of a range of the file: of its bytes, and of their base64 text.
type RangeDigests = (String, String);

impl LayerFile {
    /// Writes `size` bytes made from `seed` to a new scratch folder.
    pub(crate) fn create(size: u64, seed: u64) -> io::Result<LayerFile> {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ecr-client-check-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("layer.bin");
        let mut out = BufWriter::new(File::create(&path)?);
        let mut hasher = Sha256::new();
        let mut state = seed | 1;
        let mut chunk = vec![0u8; 64 * 1024];
        let mut left = size;
        while left > 0 {
            let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
            for word in chunk[..n].chunks_mut(8) {
                // xorshift64*: fast, and no two plans push the same bytes.
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let bytes = state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
                word.copy_from_slice(&bytes[..word.len()]);
            }
            hasher.update(&chunk[..n]);
            out.write_all(&chunk[..n])?;
            left -= n as u64;
        }
        out.flush()?;
        Ok(LayerFile {
            dir,
            path,
            size,
            digest: layer_digest(&hasher),
            ranges: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A path for another file in the layer's scratch folder (it goes with the folder).
    pub(crate) fn beside(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Its size in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// `sha256:<hex>` of the whole file.
    pub(crate) fn digest(&self) -> &str {
        &self.digest
    }

    /// The file's bytes (for a layer stored beforehand).
    pub(crate) fn bytes(&self) -> io::Result<Vec<u8>> {
        std::fs::read(&self.path)
    }

    /// The digests of bytes `first..=last` of the file and of their base64 text, when the
    /// range lies in the file and is at most a part long.
    pub(crate) fn range_digests(&self, first: i64, last: i64) -> Option<RangeDigests> {
        let (first, last) = (u64::try_from(first).ok()?, u64::try_from(last).ok()?);
        if last < first || last >= self.size || last - first >= MAX_PART_BYTES {
            return None;
        }
        let mut cache = self.ranges.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((first, last))
            .or_insert_with(|| {
                let mut file = File::open(&self.path).ok()?;
                file.seek(SeekFrom::Start(first)).ok()?;
                let mut bytes = Vec::new();
                file.take(last - first + 1).read_to_end(&mut bytes).ok()?;
                let raw = layer_digest(&Sha256::new_with_prefix(&bytes));
                let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
                let encoded = layer_digest(&Sha256::new_with_prefix(text.as_bytes()));
                Some((raw, encoded))
            })
            .clone()
    }
}

impl Drop for LayerFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
