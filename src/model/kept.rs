//! What a registry that keeps layer bytes must write (spec §11), as the model decides it: a
//! part accepted into an upload, an upload completed into a layer, an upload gone without
//! one. The model does no I/O; a registry asked to ([`crate::model::Registry::keep_bytes`])
//! lists these as it applies requests, and its keeper (the fake's blob store) writes them.

use super::request::PartBlob;

/// One thing the keeper of a registry's bytes must do, in the order the model did it.
#[derive(Clone)]
pub enum Kept {
    /// These bytes were appended to the upload (PART-6).
    Part {
        /// The upload, as the model keys it.
        upload_id: String,
        /// The part's bytes.
        blob: PartBlob,
    },
    /// The upload became the layer `digest` (DONE-6): its bytes are that blob's.
    Layer {
        /// The upload, as the model keys it.
        upload_id: String,
        /// `sha256:<hex>` of its bytes.
        digest: String,
    },
    /// The upload is gone without becoming a layer: its bytes can go.
    Dropped {
        /// The upload, as the model keys it.
        upload_id: String,
    },
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kept::Part { upload_id, blob } => f
                .debug_struct("Part")
                .field("upload_id", upload_id)
                .field("len", &blob.len())
                .finish(),
            Kept::Layer { upload_id, digest } => f
                .debug_struct("Layer")
                .field("upload_id", upload_id)
                .field("digest", digest)
                .finish(),
            Kept::Dropped { upload_id } => f
                .debug_struct("Dropped")
                .field("upload_id", upload_id)
                .finish(),
        }
    }
}

/// The list a registry keeps when asked to. Two registries are equal whatever their lists
/// hold: it is what the keeper has yet to write, not the registry's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Journal(Option<Vec<Kept>>);

impl PartialEq for Journal {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Journal {}

impl Journal {
    pub(crate) fn on() -> Self {
        Journal(Some(Vec::new()))
    }

    pub(crate) fn push(&mut self, kept: impl FnOnce() -> Kept) {
        if let Some(list) = &mut self.0 {
            list.push(kept());
        }
    }

    pub(crate) fn take(&mut self) -> Vec<Kept> {
        self.0.as_mut().map(std::mem::take).unwrap_or_default()
    }
}
