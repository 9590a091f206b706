//! The image a registry client is given: an OCI image layout directory (`oci-layout`,
//! `index.json`, `blobs/sha256/…`) holding one image of several random layers, one of them
//! over 20 MiB, tagged with [`TAG`](crate::client_check::TAG).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest as _, Sha256};

use crate::client_check::TAG;
use crate::model::digest::{digest_of, layer_digest};

/// The OCI image manifest's media type, which the layout's manifest has.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The layers' media type (uncompressed: nothing in the path reads their bytes).
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
/// The config's media type.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// One blob of the image: digest, size, and its file in the scratch folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LayoutBlob {
    pub(crate) digest: String,
    pub(crate) size: u64,
    pub(crate) path: PathBuf,
}

/// The image of one plan, written as an OCI image layout.
pub(crate) struct ImageLayout {
    /// The scratch folder (removed on drop).
    dir: PathBuf,
    /// The layout of the image (what a pushing client is given).
    pub(crate) layout: PathBuf,
    /// The layers, smallest first, then the config.
    pub(crate) blobs: Vec<LayoutBlob>,
    /// The manifest's text and digest.
    pub(crate) manifest: String,
    pub(crate) manifest_digest: String,
    /// Another manifest under the same tag (for `tag-immutable`): the smallest layer and
    /// the config, with an annotation of its own.
    pub(crate) other: String,
}

impl ImageLayout {
    /// Layers of `sizes` bytes from `seed`, their config and manifest, in a new layout.
    pub(crate) fn create(sizes: &[u64], seed: u64) -> io::Result<ImageLayout> {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ecr-client-check-registry-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let layout = dir.join("image");
        let blobs_dir = layout.join("blobs/sha256");
        std::fs::create_dir_all(&blobs_dir)?;
        let mut blobs = Vec::with_capacity(sizes.len() + 1);
        for (i, &size) in sizes.iter().enumerate() {
            blobs.push(random_blob(
                &blobs_dir,
                size,
                seed.wrapping_add(i as u64 * 7919),
            )?);
        }
        let diff_ids: Vec<&str> = blobs.iter().map(|b| b.digest.as_str()).collect();
        let config = serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": {"ecr-conformance.seed": seed.to_string()}},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        })
        .to_string();
        let config_blob = write_blob(&blobs_dir, config.as_bytes())?;
        let descriptor = |b: &LayoutBlob, media: &str| serde_json::json!({"mediaType": media, "digest": b.digest, "size": b.size});
        let manifest_of = |layers: &[LayoutBlob], note: &str| {
            serde_json::json!({
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": descriptor(&config_blob, OCI_CONFIG),
                "layers": layers.iter().map(|b| descriptor(b, OCI_LAYER)).collect::<Vec<_>>(),
                "annotations": {"ecr-conformance.image": note},
            })
            .to_string()
        };
        let manifest = manifest_of(&blobs, "pushed");
        let other = manifest_of(&blobs[..1], "another image");
        let manifest_blob = write_blob(&blobs_dir, manifest.as_bytes())?;
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": OCI_MANIFEST,
                "digest": manifest_blob.digest,
                "size": manifest_blob.size,
                "annotations": {"org.opencontainers.image.ref.name": TAG},
            }],
        });
        std::fs::write(layout.join("index.json"), index.to_string())?;
        std::fs::write(
            layout.join("oci-layout"),
            r#"{"imageLayoutVersion":"1.0.0"}"#,
        )?;
        blobs.push(config_blob);
        Ok(ImageLayout {
            dir,
            layout,
            blobs,
            manifest_digest: manifest_blob.digest,
            manifest,
            other,
        })
    }

    /// An empty directory beside the image, for a pulling client to write its layout in.
    pub(crate) fn pull_dir(&self) -> io::Result<PathBuf> {
        let p = self.dir.join("pulled");
        std::fs::create_dir_all(&p)?;
        Ok(p)
    }

    /// The largest layer.
    pub(crate) fn largest(&self) -> &LayoutBlob {
        let layers = &self.blobs[..self.blobs.len() - 1];
        layers
            .iter()
            .max_by_key(|b| b.size)
            .unwrap_or(&self.blobs[0])
    }
}

impl Drop for ImageLayout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write_blob(dir: &Path, bytes: &[u8]) -> io::Result<LayoutBlob> {
    let digest = digest_of(bytes);
    let path = dir.join(&digest[7..]);
    std::fs::write(&path, bytes)?;
    Ok(LayoutBlob {
        digest,
        size: bytes.len() as u64,
        path,
    })
}

/// `size` random bytes from `seed` (xorshift64*), written and hashed in one pass.
fn random_blob(dir: &Path, size: u64, seed: u64) -> io::Result<LayoutBlob> {
    let tmp = dir.join(format!(".writing-{seed:x}"));
    let mut out = BufWriter::new(File::create(&tmp)?);
    let mut hasher = Sha256::new();
    let mut state = seed | 1;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
        for word in chunk[..n].chunks_mut(8) {
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
    drop(out);
    let digest = layer_digest(&hasher);
    let path = dir.join(&digest[7..]);
    std::fs::rename(&tmp, &path)?;
    Ok(LayoutBlob { digest, size, path })
}

/// `sha256:<hex>` and size of the file at `path`, if it can be read.
pub(crate) fn file_digest(path: &Path) -> Option<(String, u64)> {
    let mut file = File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Some((layer_digest(&hasher), size))
}
