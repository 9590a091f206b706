//! The fake's blob store (spec §11): layer bytes in a content-addressed directory, written
//! as the model accepts them and never hashed again (the model's running hash names them).
//!
//! Layout, under the store's root: `uploads/<n>` holds an open upload's bytes so far, in the
//! order its parts were accepted; `blobs/sha256/<hex>` a completed layer's, moved there
//! whole when the upload completes (a layer already stored keeps its file, and the upload's
//! goes). An upload dropped without a layer loses its file. A temporary store is removed
//! when the fake stops; a directory the user names is kept, and a fake started on it again
//! serves the blobs it holds only once its model knows them again.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::Kept;

/// Temporary stores made by this process so far (each gets its own directory).
static MADE: AtomicU64 = AtomicU64::new(0);

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StoreAt {
    /// A temporary directory, removed when the fake stops (the default).
    #[default]
    Temporary,
    /// This directory, kept when the fake stops.
    Directory(PathBuf),
    /// No store: the fake keeps no layer bytes, so it serves no blob (a GET of a referenced
    /// blob still answers the redirect, to a URL that then finds nothing).
    Off,
}

/// An open upload's file (none when it could not be made).
#[derive(Debug)]
struct Open {
    file: Option<File>,
    path: PathBuf,
    /// Set when a write failed: the upload's bytes are incomplete, and its layer is not
    /// stored.
    broken: bool,
}

/// The store: its root, and the uploads being written.
#[derive(Debug)]
pub(crate) struct BlobStore {
    root: PathBuf,
    temporary: bool,
    open: HashMap<String, Open>,
    next: u64,
}

impl BlobStore {
    /// Opens (creating it) the store `at` says, or none for [`StoreAt::Off`].
    pub(crate) fn open(at: &StoreAt) -> io::Result<Option<Self>> {
        let (root, temporary) = match at {
            StoreAt::Off => return Ok(None),
            StoreAt::Directory(dir) => (dir.clone(), false),
            StoreAt::Temporary => (
                std::env::temp_dir().join(format!(
                    "ecr-fake-store-{}-{}",
                    std::process::id(),
                    MADE.fetch_add(1, Ordering::Relaxed)
                )),
                true,
            ),
        };
        fs::create_dir_all(root.join("blobs").join("sha256"))?;
        let uploads = root.join("uploads");
        fs::create_dir_all(&uploads)?;
        // Bytes of uploads a stopped fake left are of no upload now: its own files (named
        // by number) go, nothing else in a directory the user named.
        for entry in fs::read_dir(&uploads)?.flatten() {
            let ours = entry
                .file_name()
                .to_str()
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(Some(BlobStore {
            root,
            temporary,
            open: HashMap::new(),
            next: 0,
        }))
    }

    /// The store's root directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The file holding blob `digest` and its length, if the store has it.
    pub(crate) fn blob(&self, digest: &str) -> Option<(PathBuf, u64)> {
        let path = self.blob_path(digest)?;
        let len = fs::metadata(&path).ok()?.len();
        Some((path, len))
    }

    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        // Only a SHA-256 in hex names a file; nothing else reaches the file system.
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| {
            self.root
                .join("blobs")
                .join("sha256")
                .join(hex.to_ascii_lowercase())
        })
    }

    /// Writes what the model decided, in order. A failed write is said on stderr and
    /// leaves that upload's layer unstored (its GET then finds no bytes); it never stops the
    /// fake.
    pub(crate) fn keep(&mut self, kept: Vec<Kept>) {
        for k in kept {
            if let Err(e) = self.keep_one(k) {
                let _ = writeln!(io::stderr().lock(), "ecr-fake: blob store: {e}");
            }
        }
    }

    fn keep_one(&mut self, kept: Kept) -> io::Result<()> {
        match kept {
            Kept::Part { upload_id, blob } => {
                if !self.open.contains_key(&upload_id) {
                    self.next += 1;
                    let path = self.root.join("uploads").join(self.next.to_string());
                    // A file that cannot be made leaves the upload broken, not forgotten: a
                    // later part must not start a file without this one's bytes.
                    let (file, error) = match File::create(&path) {
                        Ok(f) => (Some(f), None),
                        Err(e) => (None, Some(e)),
                    };
                    self.open.insert(
                        upload_id.clone(),
                        Open {
                            file,
                            path,
                            broken: error.is_some(),
                        },
                    );
                    if let Some(e) = error {
                        return Err(e);
                    }
                }
                let Some(open) = self.open.get_mut(&upload_id) else {
                    return Ok(());
                };
                let Some(file) = open.file.as_mut().filter(|_| !open.broken) else {
                    return Ok(());
                };
                let mut result = Ok(());
                blob.for_each_chunk(|chunk| {
                    if result.is_ok() {
                        result = file.write_all(chunk);
                    }
                });
                if result.is_err() {
                    open.broken = true;
                }
                result
            }
            Kept::Layer { upload_id, digest } => {
                let Some(open) = self.open.remove(&upload_id) else {
                    return Ok(()); // an upload of no bytes completes nothing
                };
                drop(open.file);
                let Some(target) = self.blob_path(&digest) else {
                    return remove(&open.path);
                };
                if open.broken || target.exists() {
                    remove(&open.path)?;
                    if open.broken {
                        return Err(io::Error::other(format!(
                            "{digest}: a write failed, so its bytes are not kept"
                        )));
                    }
                    return Ok(());
                }
                fs::rename(&open.path, &target)
            }
            Kept::Dropped { upload_id } => match self.open.remove(&upload_id) {
                Some(open) => {
                    drop(open.file);
                    remove(&open.path)
                }
                None => Ok(()),
            },
        }
    }
}

/// Removes a file that may not be there (one that could not be made).
fn remove(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

impl Drop for BlobStore {
    fn drop(&mut self) {
        self.open.clear();
        if self.temporary {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}
