//! `InitiateLayerUpload`: opens an upload and advertises a part size.

use serde::{Deserialize, Serialize};

request_type! {
    /// `InitiateLayerUpload` input.
    InitiateLayerUploadRequest <=> InitiateLayerUpload {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
    }
}

/// `InitiateLayerUpload` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateLayerUploadResponse {
    /// `uploadId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// `partSize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_size: Option<i64>,
}
