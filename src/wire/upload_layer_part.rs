//! `UploadLayerPart`: one inclusive byte range of the layer, as a base64 blob.

use serde::{Deserialize, Serialize};

use super::{Blob, Long};

request_type! {
    /// `UploadLayerPart` input.
    UploadLayerPartRequest <=> UploadLayerPart {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `uploadId`.
        upload_id: String,
        /// `partFirstByte`.
        part_first_byte: Long,
        /// `partLastByte`.
        part_last_byte: Long,
        /// `layerPartBlob`.
        layer_part_blob: Blob,
    }
}

/// `UploadLayerPart` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadLayerPartResponse {
    /// `registryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// `repositoryName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    /// `uploadId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// `lastByteReceived`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_byte_received: Option<i64>,
}
