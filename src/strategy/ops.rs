//! Sequences of operations with valid and near-miss values.

use proptest::prelude::*;

use super::fill;
use crate::model::digest::digest_of;
use crate::model::{
    BatchCheckLayerAvailability, CompleteLayerUpload, CreateRepository, DeleteRepository,
    InitiateLayerUpload, PartBlob, Registry, Request, UploadLayerPart,
};

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
    /// A body that does not decode.
    Malformed,
    /// A target that names no operation.
    Unknown,
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
    ]
}

/// A sequence of steps that starts by creating the first repository.
pub fn steps(max_len: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step(), 0..max_len).prop_map(|mut s| {
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
    /// The concrete request this step makes against `registry`, whose minted upload ids so
    /// far are `minted` (in minting order), with `RepoPick::Named(n)` standing for
    /// `repos[n % repos.len()]`. Reads the registry; changes nothing.
    pub fn concretize(&self, registry: &Registry, minted: &[String], repos: &[String]) -> Request {
        match *self {
            Step::Create(repo) => Request::CreateRepository(CreateRepository {
                registry_id: None,
                repository_name: repo_name(repo, repos),
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
            Step::Malformed => Request::Malformed {
                detail: "generated: body is not JSON".to_owned(),
            },
            Step::Unknown => Request::UnknownOperation {
                target: "AmazonEC2ContainerRegistry_V20150921.NoSuchOperation".to_owned(),
            },
        }
    }
}
