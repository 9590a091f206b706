//! Images and tags (spec §9): what a repository stores of an image, what the image
//! operations answer, and a repository's tag mutability.

use super::manifest::{Manifest, ManifestKind};

/// A repository's tag mutability (MUT-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MutabilityKind {
    /// Tags move (the default).
    #[default]
    Mutable,
    /// Tags never move.
    Immutable,
    /// Tags move, except those matching a filter.
    MutableWithExclusion,
    /// Tags never move, except those matching a filter.
    ImmutableWithExclusion,
}

impl MutabilityKind {
    /// Every value, as the service model lists them.
    pub const ALL: [MutabilityKind; 4] = [
        MutabilityKind::Mutable,
        MutabilityKind::Immutable,
        MutabilityKind::MutableWithExclusion,
        MutabilityKind::ImmutableWithExclusion,
    ];

    /// The value as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            MutabilityKind::Mutable => "MUTABLE",
            MutabilityKind::Immutable => "IMMUTABLE",
            MutabilityKind::MutableWithExclusion => "MUTABLE_WITH_EXCLUSION",
            MutabilityKind::ImmutableWithExclusion => "IMMUTABLE_WITH_EXCLUSION",
        }
    }

    /// The value with this spelling.
    pub fn parse(s: &str) -> Option<MutabilityKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the value takes exclusion filters (and needs 1..=5 of them).
    pub fn has_exclusions(self) -> bool {
        matches!(
            self,
            MutabilityKind::MutableWithExclusion | MutabilityKind::ImmutableWithExclusion
        )
    }
}

/// A repository's tag mutability and its exclusion filters (MUT-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagMutability {
    /// The setting.
    pub kind: MutabilityKind,
    /// The `WILDCARD` filters (only with a `_WITH_EXCLUSION` kind).
    pub filters: Vec<String>,
}

impl TagMutability {
    /// Whether `tag` is immutable here (IMG-7): a tag that fully matches a filter gets the
    /// opposite of the kind's behaviour.
    pub fn is_immutable(&self, tag: &str) -> bool {
        let excluded = self.filters.iter().any(|f| wildcard_match(f, tag));
        match self.kind {
            MutabilityKind::Mutable => false,
            MutabilityKind::Immutable => true,
            MutabilityKind::MutableWithExclusion => excluded,
            MutabilityKind::ImmutableWithExclusion => !excluded,
        }
    }
}

/// Full match of `pattern` against `text`, `*` standing for any run of characters (none
/// included) [chosen: the facts leave open whether it is a prefix match; the model takes a
/// full match, as a wildcard reads].
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    // Iterative matching with one backtrack point: linear in |p| * |t| at worst, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// An image as a repository stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// The manifest's text, exactly as sent (IMG-1).
    pub manifest: String,
    /// The manifest media type that applied (IMG-3).
    pub media_type: String,
    /// The config's media type (`artifactMediaType`), for image manifests.
    pub artifact_media_type: Option<String>,
    /// Image, index or schema 1.
    pub kind: ManifestKind,
    /// The blobs it references: config, then layers (URL-1).
    pub blobs: Vec<String>,
    /// The images it references (an index's children: IMG-5, DEL-1).
    pub children: Vec<String>,
    /// Its size (config + layers; an index: the largest child) (LIST-2).
    pub size: u64,
    /// The push that stored it first (a logical clock; a re-tag keeps it) (LIST-2).
    pub pushed_at: u64,
    /// Its tags, sorted.
    pub tags: std::collections::BTreeSet<String>,
}

impl StoredImage {
    /// An image of `manifest` (its text `text`), sized `size`, pushed at `pushed_at`.
    pub fn new(text: &str, manifest: &Manifest, size: u64, pushed_at: u64) -> Self {
        StoredImage {
            manifest: text.to_owned(),
            media_type: manifest.media_type.clone(),
            artifact_media_type: manifest.config.as_ref().and_then(|c| c.media_type.clone()),
            kind: manifest.kind,
            blobs: manifest.blobs().map(str::to_owned).collect(),
            children: manifest.children.iter().map(|c| c.digest.clone()).collect(),
            size,
            pushed_at,
            tags: Default::default(),
        }
    }
}

/// An image's name in an answer: its digest, and a tag where the answer names one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageName {
    /// `imageDigest`.
    pub digest: String,
    /// `imageTag`.
    pub tag: Option<String>,
}

/// An image as `PutImage` and `BatchGetImage` answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `registryId`.
    pub registry_id: String,
    /// `repositoryName`.
    pub repository_name: String,
    /// `imageId`.
    pub image_id: ImageName,
    /// `imageManifest`, byte for byte as stored.
    pub manifest: String,
    /// `imageManifestMediaType`.
    pub media_type: String,
}

/// Why an id of a batch request failed (GET-1, DEL-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFailureCode {
    /// Neither a digest nor a tag.
    MissingDigestAndTag,
    /// A digest out of the `LayerDigest` pattern.
    InvalidImageDigest,
    /// A tag out of IMG-8's pattern.
    InvalidImageTag,
    /// Both given, and the tag is on another image.
    ImageTagDoesNotMatchDigest,
    /// Nothing found.
    ImageNotFound,
    /// The image is a child of an index the repository holds (DEL-1).
    ImageReferencedByManifestList,
}

impl ImageFailureCode {
    /// The code as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFailureCode::MissingDigestAndTag => "MissingDigestAndTag",
            ImageFailureCode::InvalidImageDigest => "InvalidImageDigest",
            ImageFailureCode::InvalidImageTag => "InvalidImageTag",
            ImageFailureCode::ImageTagDoesNotMatchDigest => "ImageTagDoesNotMatchDigest",
            ImageFailureCode::ImageNotFound => "ImageNotFound",
            ImageFailureCode::ImageReferencedByManifestList => "ImageReferencedByManifestList",
        }
    }

    /// A reason a person can read (`failureReason`; never compared).
    pub fn reason(self) -> &'static str {
        match self {
            ImageFailureCode::MissingDigestAndTag => {
                "Invalid request parameters: both tag and digest cannot be null"
            }
            ImageFailureCode::InvalidImageDigest => "Invalid image digest",
            ImageFailureCode::InvalidImageTag => "Invalid image tag",
            ImageFailureCode::ImageTagDoesNotMatchDigest => "Image tag does not match digest",
            ImageFailureCode::ImageNotFound => "Requested image not found",
            ImageFailureCode::ImageReferencedByManifestList => {
                "The image is referenced by a manifest list"
            }
        }
    }
}

/// An id of a batch request that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFailure {
    /// The id as asked.
    pub image_id: super::ImageId,
    /// Why.
    pub code: ImageFailureCode,
}

/// One image as `DescribeImages` details it (LIST-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDetail {
    /// `registryId`.
    pub registry_id: String,
    /// `repositoryName`.
    pub repository_name: String,
    /// `imageDigest`.
    pub digest: String,
    /// `imageTags`, sorted (absent on the wire when empty).
    pub tags: Vec<String>,
    /// `imageSizeInBytes`.
    pub size: u64,
    /// `imagePushedAt`, as the model's logical push number.
    pub pushed_at: u64,
    /// `imageManifestMediaType`.
    pub media_type: String,
    /// `artifactMediaType`.
    pub artifact_media_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_whole_tags_with_star_as_any_run() {
        assert!(wildcard_match("release-*", "release-1.2"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(
            !wildcard_match("latest", "latest-x"),
            "a full match, not a prefix"
        );
        assert!(!wildcard_match("a*b", "acb-"));
        assert!(wildcard_match(&"*".repeat(128), &"a".repeat(300)));
    }

    #[test]
    fn exclusions_invert_the_kind_for_matching_tags() {
        let m = TagMutability {
            kind: MutabilityKind::ImmutableWithExclusion,
            filters: vec!["dev-*".into()],
        };
        assert!(m.is_immutable("v1"));
        assert!(!m.is_immutable("dev-7"));
        let m = TagMutability {
            kind: MutabilityKind::MutableWithExclusion,
            filters: vec!["v*".into()],
        };
        assert!(m.is_immutable("v1"));
        assert!(!m.is_immutable("latest"));
    }
}
