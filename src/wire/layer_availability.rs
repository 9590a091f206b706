//! `BatchCheckLayerAvailability`: which layers a repository already holds.

use serde::{Deserialize, Serialize};

use crate::model;

request_type! {
    /// `BatchCheckLayerAvailability` input.
    BatchCheckLayerAvailabilityRequest <=> BatchCheckLayerAvailability {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `layerDigests`.
        layer_digests: Vec<String>,
    }
}

/// A stored layer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    /// `layerDigest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
    /// `layerAvailability`: `AVAILABLE` or `UNAVAILABLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_availability: Option<String>,
    /// `layerSize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_size: Option<i64>,
}

/// A digest that is not available.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerFailure {
    /// `layerDigest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
    /// `failureCode`: `InvalidLayerDigest` or `MissingLayerDigest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    /// `failureReason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

/// `BatchCheckLayerAvailability` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchCheckLayerAvailabilityResponse {
    /// `layers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<Layer>>,
    /// `failures`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<LayerFailure>>,
}

impl From<model::LayerInfo> for Layer {
    fn from(l: model::LayerInfo) -> Self {
        Layer {
            layer_digest: Some(l.layer_digest),
            layer_availability: Some(
                if l.available {
                    "AVAILABLE"
                } else {
                    "UNAVAILABLE"
                }
                .to_owned(),
            ),
            layer_size: i64::try_from(l.layer_size).ok(),
        }
    }
}

impl From<model::LayerFailure> for LayerFailure {
    fn from(f: model::LayerFailure) -> Self {
        let reason = match f.failure_code {
            model::FailureCode::InvalidLayerDigest => "Invalid layer digest",
            model::FailureCode::MissingLayerDigest => "Requested layer not found",
        };
        LayerFailure {
            layer_digest: Some(f.layer_digest),
            failure_code: Some(f.failure_code.as_str().to_owned()),
            failure_reason: Some(reason.to_owned()),
        }
    }
}
