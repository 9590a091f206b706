//! `CompleteLayerUpload`: checks the listed digests and stores the layer.

use serde::{Deserialize, Serialize};

request_type! {
    /// `CompleteLayerUpload` input.
    CompleteLayerUploadRequest <=> CompleteLayerUpload {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `uploadId`.
        upload_id: String,
        /// `layerDigests`.
        layer_digests: Vec<String>,
    }
}

/// `CompleteLayerUpload` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompleteLayerUploadResponse {
    /// `registryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// `repositoryName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    /// `uploadId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// `layerDigest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
}
