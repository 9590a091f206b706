//! Sequences of operations with valid and near-miss values.

use proptest::prelude::*;

use super::fill;
use crate::model::digest::digest_of;
use crate::model::manifest::{DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use crate::model::{
    BatchCheckLayerAvailability, BatchDeleteImage, BatchGetImage, CompleteLayerUpload,
    CreateRepository, DeleteRepository, DescribeImages, ExclusionFilter, GetDownloadUrlForLayer,
    ImageFilter, ImageId, InitiateLayerUpload, ListImages, PartBlob, PutImage,
    PutImageTagMutability, Registry, Request, UploadLayerPart,
};

/// Which tag an image step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum TagPick {
    /// None.
    None,
    /// One of a few tags (`t0`, `t1`, `t2`), so that tags recur and move.
    Named(u8),
    /// A tag out of IMG-8's pattern.
    Invalid,
    /// A tag of 301 characters.
    TooLong,
}

/// What a generated manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum ManifestPick {
    /// An OCI image manifest of the repository's stored layers.
    Oci,
    /// A Docker schema 2 manifest of them.
    Docker,
    /// An OCI manifest without `mediaType`, the type given as `imageManifestMediaType`.
    TypeAsParameter,
    /// An OCI manifest without any media type (IMG-3).
    NoType,
    /// An image naming a layer the repository does not hold (IMG-4).
    MissingLayer,
    /// An index of the repository's images (the first `n`).
    Index(u8),
    /// An index naming an image the repository does not hold (IMG-5).
    IndexMissingChild,
    /// The manifest of the n-th stored image, as sent: a re-tag (or an identical re-push).
    Stored(u8),
    /// Not JSON (IMG-3).
    NotJson,
}

/// Which image an image id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum IdPick {
    /// A tag (`t0`..`t2`).
    Tag(u8),
    /// The n-th stored image's digest.
    Digest(u8),
    /// The n-th stored image's digest with a tag.
    Both(u8, u8),
    /// Neither member.
    Neither,
    /// A digest out of the pattern.
    BadDigest,
    /// A well-formed digest of no image.
    UnknownDigest,
}

/// Which repository a step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum RepoPick {
    /// One of a few valid names, by index (`r0`, `r1`, `r2`).
    Named(u8),
    /// A name that breaks the pattern.
    Invalid,
    /// The member is absent.
    Missing,
}

/// Which upload a step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum UploadPick {
    /// The upload minted last, or an unknown id if none.
    Latest,
    /// The n-th upload minted so far (modulo their number), or an unknown id if none.
    Minted(u8),
    /// The same, in upper case.
    MintedUpperCase(u8),
    /// A well-formed id that was never minted.
    Unknown,
    /// An id that breaks the pattern.
    Invalid,
    /// The member is absent.
    Missing,
}

/// Where a part starts, relative to the next expected byte of its upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum Position {
    /// Exactly the next expected byte.
    Next,
    /// The next expected byte plus this (a gap when positive, an overlap when negative).
    Off(i64),
    /// The first byte of the last accepted part: a re-send.
    Resend,
}

/// Which digest a completion or a check lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum DigestPick {
    /// The digest of the bytes the upload has received.
    Right,
    /// The same with the hex in upper case.
    RightUpperHex,
    /// A well-formed digest of other bytes.
    Wrong,
    /// A string that breaks the `LayerDigest` pattern.
    Malformed,
}

/// One step of a generated run, with server-chosen values left symbolic.
#[derive(Debug, Clone, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum Step {
    /// `CreateRepository`.
    Create(RepoPick),
    /// `DeleteRepository` with `force`.
    Delete(RepoPick),
    /// `InitiateLayerUpload`.
    Initiate(RepoPick),
    /// `UploadLayerPart`.
    Part {
        /// Repository named.
        repo: RepoPick,
        /// Upload named.
        upload: UploadPick,
        /// Where the part starts.
        at: Position,
        /// The blob's length.
        len: u32,
        /// Added to the exact `partLastByte` (0 for a consistent range).
        last_skew: i64,
        /// Seed of the blob's bytes.
        seed: u64,
    },
    /// `CompleteLayerUpload` with one digest.
    Complete {
        /// Repository named.
        repo: RepoPick,
        /// Upload named.
        upload: UploadPick,
        /// The digest listed.
        digest: DigestPick,
    },
    /// `BatchCheckLayerAvailability` for the digest of a stored layer of the repository, or
    /// else of an open upload's bytes so far.
    Check {
        /// Repository named.
        repo: RepoPick,
        /// Upload whose bytes name the digest.
        upload: UploadPick,
        /// How the digest is spelled.
        digest: DigestPick,
    },
    /// `PutImage` of a manifest made from the repository's layers and images.
    PutImage {
        /// Repository named.
        repo: RepoPick,
        /// The manifest.
        manifest: ManifestPick,
        /// How many of the stored layers it names (after the config).
        layers: u8,
        /// The tag.
        tag: TagPick,
        /// Whether `imageDigest` is given: `Some(true)` right, `Some(false)` wrong.
        digest: Option<bool>,
    },
    /// `BatchGetImage` of one id, or of the same id twice.
    GetImage {
        /// Repository named.
        repo: RepoPick,
        /// The id.
        id: IdPick,
        /// Whether the id is asked twice.
        twice: bool,
    },
    /// `BatchDeleteImage` of one id.
    DeleteImage {
        /// Repository named.
        repo: RepoPick,
        /// The id.
        id: IdPick,
    },
    /// `GetDownloadUrlForLayer` of the n-th stored layer (or an unknown one, past the end).
    DownloadUrl {
        /// Repository named.
        repo: RepoPick,
        /// Which layer.
        layer: u8,
    },
    /// `DescribeImages`, of one id or all.
    DescribeImages {
        /// Repository named.
        repo: RepoPick,
        /// The id, or all images.
        id: Option<IdPick>,
        /// `maxResults`.
        max: Option<i64>,
    },
    /// `ListImages`.
    ListImages {
        /// Repository named.
        repo: RepoPick,
        /// `maxResults`.
        max: Option<i64>,
        /// `filter.tagStatus`: 0 TAGGED, 1 UNTAGGED, 2 ANY, 3 not a status.
        status: Option<u8>,
    },
    /// `PutImageTagMutability`: 0..=3 the four values, with a `t1*` filter for the
    /// exclusions; 4 and up a value out of the enum.
    Mutability {
        /// Repository named.
        repo: RepoPick,
        /// The value.
        kind: u8,
    },
    /// A body that does not decode.
    Malformed,
    /// A target that names no operation.
    Unknown,
}

fn tag_pick() -> impl Strategy<Value = TagPick> {
    prop_oneof![
        3 => Just(TagPick::None),
        10 => (0u8..3).prop_map(TagPick::Named),
        1 => Just(TagPick::Invalid),
        1 => Just(TagPick::TooLong),
    ]
}

fn manifest_pick() -> impl Strategy<Value = ManifestPick> {
    prop_oneof![
        8 => Just(ManifestPick::Oci),
        3 => Just(ManifestPick::Docker),
        2 => Just(ManifestPick::TypeAsParameter),
        1 => Just(ManifestPick::NoType),
        2 => Just(ManifestPick::MissingLayer),
        2 => (1u8..3).prop_map(ManifestPick::Index),
        1 => Just(ManifestPick::IndexMissingChild),
        1 => Just(ManifestPick::NotJson),
        6 => any::<u8>().prop_map(ManifestPick::Stored),
    ]
}

fn id_pick() -> impl Strategy<Value = IdPick> {
    prop_oneof![
        6 => (0u8..3).prop_map(IdPick::Tag),
        6 => any::<u8>().prop_map(IdPick::Digest),
        3 => (any::<u8>(), 0u8..3).prop_map(|(d, t)| IdPick::Both(d, t)),
        1 => Just(IdPick::Neither),
        1 => Just(IdPick::BadDigest),
        1 => Just(IdPick::UnknownDigest),
    ]
}

fn max_pick() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![4 => Just(None), 2 => (1i64..3).prop_map(Some), 1 => Just(Some(0))]
}

/// One image step: puts, re-tags, gets, deletes, lists, downloads, mutability.
fn image_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => (repo_pick(), manifest_pick(), 0u8..3, tag_pick(),
            prop_oneof![6 => Just(None), 1 => Just(Some(true)), 1 => Just(Some(false))])
            .prop_map(|(repo, manifest, layers, tag, digest)| Step::PutImage {
                repo, manifest, layers, tag, digest,
            }),
        4 => (repo_pick(), id_pick(), prop::bool::weighted(0.2))
            .prop_map(|(repo, id, twice)| Step::GetImage { repo, id, twice }),
        3 => (repo_pick(), id_pick()).prop_map(|(repo, id)| Step::DeleteImage { repo, id }),
        3 => (repo_pick(), 0u8..4).prop_map(|(repo, layer)| Step::DownloadUrl { repo, layer }),
        2 => (repo_pick(), proptest::option::of(id_pick()), max_pick())
            .prop_map(|(repo, id, max)| Step::DescribeImages { repo, id, max }),
        2 => (repo_pick(), max_pick(), proptest::option::of(0u8..4))
            .prop_map(|(repo, max, status)| Step::ListImages { repo, max, status }),
        3 => (repo_pick(), 0u8..6).prop_map(|(repo, kind)| Step::Mutability { repo, kind }),
    ]
}

fn repo_pick() -> impl Strategy<Value = RepoPick> {
    prop_oneof![
        16 => Just(RepoPick::Named(0)),
        2 => Just(RepoPick::Named(1)),
        1 => Just(RepoPick::Named(2)),
        1 => Just(RepoPick::Invalid),
        1 => Just(RepoPick::Missing),
    ]
}

fn upload_pick() -> impl Strategy<Value = UploadPick> {
    prop_oneof![
        16 => Just(UploadPick::Latest),
        4 => any::<u8>().prop_map(UploadPick::Minted),
        1 => any::<u8>().prop_map(UploadPick::MintedUpperCase),
        1 => Just(UploadPick::Unknown),
        1 => Just(UploadPick::Invalid),
        1 => Just(UploadPick::Missing),
    ]
}

fn position() -> impl Strategy<Value = Position> {
    prop_oneof![
        8 => Just(Position::Next),
        1 => Just(Position::Resend),
        1 => prop_oneof![Just(-1i64), Just(1), -64i64..64].prop_map(Position::Off),
    ]
}

fn digest_pick() -> impl Strategy<Value = DigestPick> {
    prop_oneof![
        6 => Just(DigestPick::Right),
        1 => Just(DigestPick::RightUpperHex),
        2 => Just(DigestPick::Wrong),
        1 => Just(DigestPick::Malformed),
    ]
}

/// One step: mostly valid, with near misses in every member.
pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => repo_pick().prop_map(Step::Create),
        1 => repo_pick().prop_map(Step::Delete),
        10 => repo_pick().prop_map(Step::Initiate),
        50 => (
            repo_pick(),
            upload_pick(),
            position(),
            // Few lengths and seeds, so that the same layer recurs (DONE-5).
            prop_oneof![3 => prop::sample::select(vec![1u32, 16, 1024]), 2 => 1u32..2048, 1 => Just(0u32)],
            prop_oneof![8 => Just(0i64), 1 => -2i64..=2],
            0u64..4,
        )
            .prop_map(|(repo, upload, at, len, last_skew, seed)| Step::Part {
                repo,
                upload,
                at,
                len,
                last_skew,
                seed,
            }),
        15 => (repo_pick(), upload_pick(), digest_pick())
            .prop_map(|(repo, upload, digest)| Step::Complete { repo, upload, digest }),
        6 => (repo_pick(), upload_pick(), digest_pick())
            .prop_map(|(repo, upload, digest)| Step::Check { repo, upload, digest }),
        2 => Just(Step::Malformed),
        2 => Just(Step::Unknown),
        15 => image_step(),
    ]
}

/// The steps that push two small layers into the first repository, so that the image
/// steps after them have layers to name.
fn two_layers() -> Vec<Step> {
    let repo = RepoPick::Named(0);
    (1..=2)
        .flat_map(|seed| {
            [
                Step::Initiate(repo),
                Step::Part {
                    repo,
                    upload: UploadPick::Latest,
                    at: Position::Next,
                    len: 16,
                    last_skew: 0,
                    seed,
                },
                Step::Complete {
                    repo,
                    upload: UploadPick::Latest,
                    digest: DigestPick::Right,
                },
            ]
        })
        .collect()
}

/// A sequence of steps that starts by creating the first repository; half of them then
/// push two layers, so that images are put, tagged, listed and deleted on stored layers.
pub fn steps(max_len: usize) -> impl Strategy<Value = Vec<Step>> {
    // The flag first: shrinking tries the sequence without the two layers before it
    // shrinks the steps, so a failure the steps show alone shrinks to them alone.
    (any::<bool>(), prop::collection::vec(step(), 0..max_len)).prop_map(|(layers, mut s)| {
        if layers {
            s.splice(0..0, two_layers());
        }
        s.insert(0, Step::Create(RepoPick::Named(0)));
        s
    })
}

const UNKNOWN_UPLOAD: &str = "00000000-0000-0000-0000-000000000000";

fn repo_name(pick: RepoPick, repos: &[String]) -> Option<String> {
    match pick {
        RepoPick::Named(n) => Some(
            repos
                .get(usize::from(n) % repos.len().max(1))
                .cloned()
                .unwrap_or_else(|| format!("r{n}")),
        ),
        RepoPick::Invalid => Some("Not_A/valid-Name-".to_owned()),
        RepoPick::Missing => None,
    }
}

/// The minted upload ids, in minting order, as the caller has recorded them.
fn upload_id(pick: UploadPick, minted: &[String]) -> Option<String> {
    let nth = |n: u8| {
        minted
            .get(usize::from(n) % minted.len().max(1))
            .cloned()
            .unwrap_or_else(|| UNKNOWN_UPLOAD.to_owned())
    };
    match pick {
        UploadPick::Latest => Some(
            minted
                .last()
                .cloned()
                .unwrap_or_else(|| UNKNOWN_UPLOAD.to_owned()),
        ),
        UploadPick::Minted(n) => Some(nth(n)),
        UploadPick::MintedUpperCase(n) => Some(nth(n).to_uppercase()),
        UploadPick::Unknown => Some(UNKNOWN_UPLOAD.to_owned()),
        UploadPick::Invalid => Some("not-an-upload-id".to_owned()),
        UploadPick::Missing => None,
    }
}

fn digest_for(pick: DigestPick, right: &str) -> String {
    match pick {
        DigestPick::Right => right.to_owned(),
        DigestPick::RightUpperHex => right.replacen(
            right.strip_prefix("sha256:").unwrap_or(right),
            &right
                .strip_prefix("sha256:")
                .unwrap_or(right)
                .to_uppercase(),
            1,
        ),
        DigestPick::Wrong => digest_of(b"some other layer"),
        DigestPick::Malformed => "sha256:not-hex".to_owned(),
    }
}

impl Step {
    /// Whether the step is one of the image operations.
    pub fn is_image_step(&self) -> bool {
        matches!(
            self,
            Step::PutImage { .. }
                | Step::GetImage { .. }
                | Step::DeleteImage { .. }
                | Step::DownloadUrl { .. }
                | Step::DescribeImages { .. }
                | Step::ListImages { .. }
                | Step::Mutability { .. }
        )
    }

    /// The concrete request this step makes against `registry`, whose minted upload ids so
    /// far are `minted` (in minting order), with `RepoPick::Named(n)` standing for
    /// `repos[n % repos.len()]`. Reads the registry; changes nothing.
    pub fn concretize(&self, registry: &Registry, minted: &[String], repos: &[String]) -> Request {
        match *self {
            Step::Create(repo) => Request::CreateRepository(CreateRepository {
                registry_id: None,
                repository_name: repo_name(repo, repos),
                ..Default::default()
            }),
            Step::Delete(repo) => Request::DeleteRepository(DeleteRepository {
                registry_id: None,
                repository_name: repo_name(repo, repos),
                force: Some(true),
            }),
            Step::Initiate(repo) => Request::InitiateLayerUpload(InitiateLayerUpload {
                registry_id: None,
                repository_name: repo_name(repo, repos),
            }),
            Step::Part {
                repo,
                upload,
                at,
                len,
                last_skew,
                seed,
            } => {
                let id = upload_id(upload, minted);
                let progress = id.as_deref().and_then(|i| registry.upload(i));
                let next = progress.map_or(0, |u| u.received()) as i64;
                let first = match at {
                    Position::Next => next,
                    Position::Off(d) => next.saturating_add(d).max(0),
                    // Without the part sizes, a re-send of the last byte is the closest
                    // thing the model can describe; it overlaps all the same.
                    Position::Resend => (next - i64::from(len)).max(0),
                };
                let last = first
                    .saturating_add(i64::from(len) - 1)
                    .saturating_add(last_skew)
                    .max(0);
                Request::UploadLayerPart(UploadLayerPart {
                    registry_id: None,
                    repository_name: repo_name(repo, repos),
                    upload_id: id,
                    part_first_byte: Some(first),
                    part_last_byte: Some(last),
                    layer_part_blob: Some(PartBlob::new(fill(len as usize, seed))),
                })
            }
            Step::Complete {
                repo,
                upload,
                digest,
            } => {
                let id = upload_id(upload, minted);
                let right = id
                    .as_deref()
                    .and_then(|i| registry.upload(i))
                    .map_or_else(|| digest_of(b""), |u| u.digest());
                Request::CompleteLayerUpload(CompleteLayerUpload {
                    registry_id: None,
                    repository_name: repo_name(repo, repos),
                    upload_id: id,
                    layer_digests: Some(vec![digest_for(digest, &right)]),
                })
            }
            Step::Check {
                repo,
                upload,
                digest,
            } => {
                // A stored layer, else an open upload's bytes so far (still missing).
                let id = upload_id(upload, minted);
                let open = id.as_deref().and_then(|i| registry.upload(i));
                let name = repo_name(repo, repos).unwrap_or_default();
                let stored: Vec<&str> = registry.layers(&name).map(|(d, _)| d).collect();
                let nth = match upload {
                    UploadPick::Minted(n) | UploadPick::MintedUpperCase(n) => usize::from(n),
                    _ => 0,
                };
                let right = match (stored.is_empty(), open) {
                    (false, _) => stored[nth % stored.len()].to_owned(),
                    (true, Some(u)) => u.digest(),
                    (true, None) => digest_of(b""),
                };
                Request::BatchCheckLayerAvailability(BatchCheckLayerAvailability {
                    registry_id: None,
                    repository_name: repo_name(repo, repos),
                    layer_digests: Some(vec![digest_for(digest, &right)]),
                })
            }
            Step::PutImage {
                repo,
                manifest,
                layers,
                tag,
                digest,
            } => {
                let name = repo_name(repo, repos);
                let (text, param) =
                    manifest_text(registry, name.as_deref().unwrap_or(""), manifest, layers);
                let right = digest_of(text.as_bytes());
                Request::PutImage(PutImage {
                    registry_id: None,
                    repository_name: name,
                    image_manifest: Some(text),
                    image_manifest_media_type: param,
                    image_tag: tag_text(tag),
                    image_digest: digest.map(|ok| {
                        if ok {
                            right
                        } else {
                            digest_of(b"another manifest")
                        }
                    }),
                })
            }
            Step::GetImage { repo, id, twice } => {
                let name = repo_name(repo, repos);
                let one = image_id(registry, name.as_deref().unwrap_or(""), id);
                let ids = if twice {
                    vec![one.clone(), one]
                } else {
                    vec![one]
                };
                Request::BatchGetImage(BatchGetImage {
                    registry_id: None,
                    repository_name: name,
                    image_ids: Some(ids),
                    accepted_media_types: None,
                })
            }
            Step::DeleteImage { repo, id } => {
                let name = repo_name(repo, repos);
                let one = image_id(registry, name.as_deref().unwrap_or(""), id);
                Request::BatchDeleteImage(BatchDeleteImage {
                    registry_id: None,
                    repository_name: name,
                    image_ids: Some(vec![one]),
                })
            }
            Step::DownloadUrl { repo, layer } => {
                let name = repo_name(repo, repos);
                let stored: Vec<&str> = registry
                    .layers(name.as_deref().unwrap_or(""))
                    .map(|(d, _)| d)
                    .collect();
                let digest = stored
                    .get(usize::from(layer))
                    .map_or_else(|| digest_of(b"no such layer"), |d| (*d).to_owned());
                Request::GetDownloadUrlForLayer(GetDownloadUrlForLayer {
                    registry_id: None,
                    repository_name: name,
                    layer_digest: Some(digest),
                })
            }
            Step::DescribeImages { repo, id, max } => {
                let name = repo_name(repo, repos);
                let ids = id.map(|i| vec![image_id(registry, name.as_deref().unwrap_or(""), i)]);
                Request::DescribeImages(DescribeImages {
                    registry_id: None,
                    repository_name: name,
                    image_ids: ids,
                    next_token: None,
                    max_results: max,
                    filter: None,
                })
            }
            Step::ListImages { repo, max, status } => Request::ListImages(ListImages {
                registry_id: None,
                repository_name: repo_name(repo, repos),
                next_token: None,
                max_results: max,
                filter: status.map(|s| ImageFilter {
                    tag_status: Some(
                        ["TAGGED", "UNTAGGED", "ANY", "SOMETIMES"][usize::from(s % 4)].to_owned(),
                    ),
                }),
            }),
            Step::Mutability { repo, kind } => {
                let values = [
                    "MUTABLE",
                    "IMMUTABLE",
                    "MUTABLE_WITH_EXCLUSION",
                    "IMMUTABLE_WITH_EXCLUSION",
                ];
                let value = values
                    .get(usize::from(kind))
                    .map_or("SOMETIMES", |v| v)
                    .to_owned();
                let filters = value.ends_with("_EXCLUSION").then(|| {
                    vec![ExclusionFilter {
                        filter_type: Some("WILDCARD".to_owned()),
                        filter: Some("t1*".to_owned()),
                    }]
                });
                Request::PutImageTagMutability(PutImageTagMutability {
                    registry_id: None,
                    repository_name: repo_name(repo, repos),
                    image_tag_mutability: Some(value),
                    image_tag_mutability_exclusion_filters: filters,
                })
            }
            Step::Malformed => Request::Malformed {
                detail: "generated: body is not JSON".to_owned(),
            },
            Step::Unknown => Request::UnknownOperation {
                target: "AmazonEC2ContainerRegistry_V20150921.NoSuchOperation".to_owned(),
            },
        }
    }
}

fn tag_text(tag: TagPick) -> Option<String> {
    match tag {
        TagPick::None => None,
        TagPick::Named(n) => Some(format!("t{}", n % 3)),
        TagPick::Invalid => Some("bad/tag".to_owned()),
        TagPick::TooLong => Some("t".repeat(301)),
    }
}

fn image_id(registry: &Registry, repo: &str, pick: IdPick) -> ImageId {
    let images: Vec<&str> = registry.image_digests(repo).collect();
    let nth = |n: u8| {
        images
            .get(usize::from(n) % images.len().max(1))
            .map_or_else(|| digest_of(b"no such image"), |d| (*d).to_owned())
    };
    let (image_digest, image_tag) = match pick {
        IdPick::Tag(t) => (None, Some(format!("t{}", t % 3))),
        IdPick::Digest(n) => (Some(nth(n)), None),
        IdPick::Both(n, t) => (Some(nth(n)), Some(format!("t{}", t % 3))),
        IdPick::Neither => (None, None),
        IdPick::BadDigest => (Some("sha256:not-hex".to_owned()), None),
        IdPick::UnknownDigest => (Some(digest_of(b"no such image")), None),
    };
    ImageId {
        image_digest,
        image_tag,
    }
}

/// A manifest's text (and the `imageManifestMediaType` to send) for `pick`, naming the
/// repository's stored layers (the first as config) or images.
fn manifest_text(
    registry: &Registry,
    repo: &str,
    pick: ManifestPick,
    layers: u8,
) -> (String, Option<String>) {
    let stored: Vec<(&str, u64)> = registry.layers(repo).collect();
    let missing = digest_of(b"a layer nobody pushed");
    let blob = |(d, size): (&str, u64), media: &str| {
        format!(r#"{{"mediaType":"{media}","digest":"{d}","size":{size}}}"#)
    };
    let image = |media_type: Option<&str>, extra: Option<&str>| {
        let config = stored.first().copied().unwrap_or((missing.as_str(), 1));
        let mut named: Vec<String> = stored
            .iter()
            .skip(1)
            .take(usize::from(layers))
            .map(|l| blob(*l, "application/vnd.oci.image.layer.v1.tar"))
            .collect();
        if let Some(e) = extra {
            named.push(blob((e, 1), "application/vnd.oci.image.layer.v1.tar"));
        }
        let head = media_type.map_or(String::new(), |m| format!(r#""mediaType":"{m}","#));
        format!(
            r#"{{"schemaVersion":2,{head}"config":{},"layers":[{}]}}"#,
            blob(config, "application/vnd.oci.image.config.v1+json"),
            named.join(",")
        )
    };
    let index = |children: Vec<String>| {
        let listed: Vec<String> = children
            .iter()
            .map(|d| format!(r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{d}","size":1}}"#))
            .collect();
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
            listed.join(",")
        )
    };
    match pick {
        ManifestPick::Oci => (image(Some(OCI_MANIFEST), None), None),
        ManifestPick::Docker => (image(Some(DOCKER_MANIFEST), None), None),
        ManifestPick::TypeAsParameter => (image(None, None), Some(OCI_MANIFEST.to_owned())),
        ManifestPick::NoType => (image(None, None), None),
        ManifestPick::MissingLayer => (image(Some(OCI_MANIFEST), Some(&missing)), None),
        ManifestPick::Index(n) => {
            let children = registry
                .image_digests(repo)
                .take(usize::from(n))
                .map(str::to_owned)
                .collect();
            (index(children), None)
        }
        ManifestPick::IndexMissingChild => (index(vec![digest_of(b"no such image")]), None),
        ManifestPick::NotJson => ("this is not a manifest".to_owned(), None),
        ManifestPick::Stored(n) => {
            let images: Vec<&str> = registry.image_digests(repo).collect();
            match images.get(usize::from(n) % images.len().max(1)) {
                Some(d) => (
                    registry
                        .image_manifest(repo, d)
                        .unwrap_or_default()
                        .to_owned(),
                    None,
                ),
                None => (image(Some(OCI_MANIFEST), None), None),
            }
        }
    }
}
