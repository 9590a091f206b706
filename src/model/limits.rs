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
