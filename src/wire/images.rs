//! The image operations: `PutImage`, `BatchGetImage`, `GetDownloadUrlForLayer`,
//! `BatchDeleteImage`, `DescribeImages`, `ListImages`, `PutImageTagMutability`. Members as
//! AWS spells them; `ImageIdentifier`, `ListImagesFilter` and the exclusion filter are the
//! model's own types ([`ImageId`], [`ImageFilter`], [`ExclusionFilter`]), which carry their
//! wire names.

use serde::{Deserialize, Serialize};

use crate::model::image::{self, ImageName};
use crate::model::limits::PUSHED_AT_EPOCH;
use crate::model::{ExclusionFilter, ImageFilter, ImageId};

request_type! {
    /// `PutImage` input.
    PutImageRequest <=> PutImage {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `imageManifest`.
        image_manifest: String,
        /// `imageManifestMediaType`.
        image_manifest_media_type: String,
        /// `imageTag`.
        image_tag: String,
        /// `imageDigest`.
        image_digest: String,
    }
}

request_type! {
    /// `BatchGetImage` input.
    BatchGetImageRequest <=> BatchGetImage {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `imageIds`.
        image_ids: Vec<ImageId>,
        /// `acceptedMediaTypes`.
        accepted_media_types: Vec<String>,
    }
}

request_type! {
    /// `GetDownloadUrlForLayer` input.
    GetDownloadUrlForLayerRequest <=> GetDownloadUrlForLayer {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `layerDigest`.
        layer_digest: String,
    }
}

request_type! {
    /// `BatchDeleteImage` input.
    BatchDeleteImageRequest <=> BatchDeleteImage {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `imageIds`.
        image_ids: Vec<ImageId>,
    }
}

request_type! {
    /// `DescribeImages` input.
    DescribeImagesRequest <=> DescribeImages {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `imageIds`.
        image_ids: Vec<ImageId>,
        /// `nextToken`.
        next_token: String,
        /// `maxResults`.
        max_results: i64,
        /// `filter`.
        filter: ImageFilter,
    }
}

request_type! {
    /// `ListImages` input.
    ListImagesRequest <=> ListImages {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `nextToken`.
        next_token: String,
        /// `maxResults`.
        max_results: i64,
        /// `filter`.
        filter: ImageFilter,
    }
}

request_type! {
    /// `PutImageTagMutability` input.
    PutImageTagMutabilityRequest <=> PutImageTagMutability {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `imageTagMutability`.
        image_tag_mutability: String,
        /// `imageTagMutabilityExclusionFilters`.
        image_tag_mutability_exclusion_filters: Vec<ExclusionFilter>,
    }
}

/// An image, as `PutImage` and `BatchGetImage` answer it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// `registryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// `repositoryName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    /// `imageId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<ImageId>,
    /// `imageManifest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_manifest: Option<String>,
    /// `imageManifestMediaType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_manifest_media_type: Option<String>,
}

fn id_of(name: ImageName) -> ImageId {
    ImageId {
        image_digest: Some(name.digest),
        image_tag: name.tag,
    }
}

impl From<image::Image> for Image {
    fn from(i: image::Image) -> Self {
        Image {
            registry_id: Some(i.registry_id),
            repository_name: Some(i.repository_name),
            image_id: Some(id_of(i.image_id)),
            image_manifest: Some(i.manifest),
            image_manifest_media_type: Some(i.media_type),
        }
    }
}

/// `PutImage` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutImageResponse {
    /// `image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

/// An id that failed (`ImageFailure`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageFailure {
    /// `imageId`, as asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<ImageId>,
    /// `failureCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    /// `failureReason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

impl From<image::ImageFailure> for ImageFailure {
    fn from(f: image::ImageFailure) -> Self {
        ImageFailure {
            image_id: Some(f.image_id),
            failure_code: Some(f.code.as_str().to_owned()),
            failure_reason: Some(f.code.reason().to_owned()),
        }
    }
}

/// `BatchGetImage` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetImageResponse {
    /// `images`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// `failures`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<ImageFailure>>,
}

/// `GetDownloadUrlForLayer` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetDownloadUrlForLayerResponse {
    /// `downloadUrl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// `layerDigest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
}

/// `BatchDeleteImage` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchDeleteImageResponse {
    /// `imageIds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ids: Option<Vec<ImageId>>,
    /// `failures`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<ImageFailure>>,
}

/// One image of `DescribeImages` (`ImageDetail`, the members the model keeps).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageDetail {
    /// `registryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// `repositoryName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    /// `imageDigest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// `imageTags` (absent when the image has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tags: Option<Vec<String>>,
    /// `imageSizeInBytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_size_in_bytes: Option<i64>,
    /// `imagePushedAt`, epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pushed_at: Option<f64>,
    /// `imageManifestMediaType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_manifest_media_type: Option<String>,
    /// `artifactMediaType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_media_type: Option<String>,
}

impl From<image::ImageDetail> for ImageDetail {
    fn from(d: image::ImageDetail) -> Self {
        ImageDetail {
            registry_id: Some(d.registry_id),
            repository_name: Some(d.repository_name),
            image_digest: Some(d.digest),
            image_tags: (!d.tags.is_empty()).then_some(d.tags),
            image_size_in_bytes: i64::try_from(d.size).ok(),
            image_pushed_at: Some((PUSHED_AT_EPOCH + d.pushed_at) as f64),
            image_manifest_media_type: Some(d.media_type),
            artifact_media_type: d.artifact_media_type,
        }
    }
}

/// `DescribeImages` output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeImagesResponse {
    /// `imageDetails`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_details: Option<Vec<ImageDetail>>,
    /// `nextToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ListImages` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListImagesResponse {
    /// `imageIds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ids: Option<Vec<ImageId>>,
    /// `nextToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `PutImageTagMutability` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutImageTagMutabilityResponse {
    /// `registryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// `repositoryName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    /// `imageTagMutability`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<String>,
    /// `imageTagMutabilityExclusionFilters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability_exclusion_filters: Option<Vec<ExclusionFilter>>,
}

/// Exclusion filters as the wire carries them.
pub(super) fn filters_out(filters: &[String]) -> Vec<ExclusionFilter> {
    filters
        .iter()
        .map(|f| ExclusionFilter {
            filter_type: Some("WILDCARD".to_owned()),
            filter: Some(f.clone()),
        })
        .collect()
}

/// Image names as the wire carries them.
pub(super) fn ids_out(names: Vec<ImageName>) -> Vec<ImageId> {
    names.into_iter().map(id_of).collect()
}
