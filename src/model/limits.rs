//! Every number the protocol fixes, each with where it comes from.
//!
//! Numbers that nothing public settles are not here: they are knobs of a
//! [`Profile`](super::Profile).

use std::ops::RangeInclusive;

/// Largest layer part, in decoded bytes.
/// \[model\] `layerPartBlob` length 0..20971520; \[docs\] the seed page: "20971520 bytes".
pub const MAX_PART_BYTES: u64 = 20_971_520;

/// Smallest size of any part that is followed by another part, checked at completion.
/// \[model\]\[docs\] `LayerPartTooSmallException`: "Layer parts must be at least 5 MiB in size."
pub const MIN_PART_BYTES: u64 = 5_242_880;

/// Range the `partSize` of `InitiateLayerUpload` must fall in (INIT-2). \[seen\]
pub const PART_SIZE_RANGE: RangeInclusive<u64> = MIN_PART_BYTES..=MAX_PART_BYTES;

/// `partSize` in the AWS CLI page's example of `initiate-layer-upload`. \[seen\]
pub const SEEN_PART_SIZE: u64 = 10_485_760;

/// Length of `repositoryName`. \[model\]
pub const REPOSITORY_NAME_LEN: RangeInclusive<usize> = 2..=256;

/// Entries in `layerDigests` of `CompleteLayerUpload` and `BatchCheckLayerAvailability`. \[model\]
pub const LAYER_DIGESTS_PER_REQUEST: RangeInclusive<usize> = 1..=100;

/// Longest entry of `BatchCheckLayerAvailability.layerDigests`. \[model\]
pub const BATCH_DIGEST_MAX_LEN: usize = 1000;

/// The registry id of the seed page's example, the fake's default. \[docs\]
pub const DEFAULT_REGISTRY_ID: &str = "012345678910";

/// The fake's default region.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Longest `imageManifest`, in characters (the model's length counts characters). \[model\]
pub const MAX_MANIFEST_CHARS: usize = 4_194_304;

/// Length of `imageTag`. \[model\] (1..300 since the 2019 service model)
pub const IMAGE_TAG_LEN: RangeInclusive<usize> = 1..=300;

/// Entries in `imageIds` of the batch image operations and `DescribeImages`. \[model\]
pub const IMAGE_IDS_PER_REQUEST: RangeInclusive<usize> = 1..=100;

/// Entries in `acceptedMediaTypes`. \[model\]
pub const MEDIA_TYPES_PER_REQUEST: RangeInclusive<usize> = 1..=100;

/// `maxResults` of `ListImages` and `DescribeImages`. \[model\]
pub const MAX_RESULTS: RangeInclusive<i64> = 1..=1000;

/// The page size when `maxResults` is absent. \[docs\] "returns up to 100 results"
pub const DEFAULT_PAGE: usize = 100;

/// Exclusion filters of a `_WITH_EXCLUSION` tag mutability. \[model\]
pub const EXCLUSION_FILTERS: RangeInclusive<usize> = 1..=5;

/// Length of one exclusion filter (pattern `^[0-9a-zA-Z._*-]{1,128}$`). \[model\]
pub const EXCLUSION_FILTER_LEN: RangeInclusive<usize> = 1..=128;

/// How long a token `GetAuthorizationToken` issues is good for: 12 hours (REG-1; AWS
/// `registry_auth.html`, `API_AuthorizationData.html`).
pub const TOKEN_LIFETIME_SECS: u64 = 12 * 60 * 60;

/// `imagePushedAt` of the model's first push, in epoch seconds (2026-01-01T00:00:00Z); the
/// model has no clock, so push N is this plus N seconds.
pub const PUSHED_AT_EPOCH: u64 = 1_767_225_600;
