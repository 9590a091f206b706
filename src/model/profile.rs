//! Profiles: every rule the spec marks **\[chosen\]** is a named knob here.
//!
//! Nothing public settles these rules, so the project picks a value (the `ecr` profile) and
//! makes each one selectable. A target that differs from the selected profile on a knob still
//! diverges, but a report can name the knob and the value the target showed.

use super::rules::RuleId;
use serde::{Deserialize, Serialize};

use super::limits::{MAX_PART_BYTES, SEEN_PART_SIZE};

/// Which `repositoryName` pattern applies (VAL-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepositoryNamePattern {
    /// The 2026 OCI-compatible pattern: accepts `a__b` and `a--b`.
    Oci2026,
    /// The older pattern `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`.
    Legacy,
}

/// How an `uploadId` is looked up (PART-1, DONE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UploadIdCase {
    /// The same id in another letter case is another, unknown id.
    Exact,
    /// Ids are compared ignoring ASCII case.
    Insensitive,
}

/// Which exception a rejected part gets where the model offers two (PART-2, PART-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartErrorChoice {
    /// `InvalidParameterException`.
    InvalidParameter,
    /// `InvalidLayerPartException`, with its members.
    InvalidLayerPart,
}

/// What `lastValidByteReceived` says before any byte was accepted (PART-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NothingReceivedYet {
    /// The member is absent (it cannot be -1: the model says it is >= 0).
    Omitted,
    /// The member is `0`.
    Zero,
    /// The member is `-1`.
    MinusOne,
}

/// What several entries in `CompleteLayerUpload.layerDigests` mean (DONE-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestListMeaning {
    /// Every listed digest must name the uploaded bytes.
    AllMustMatch,
    /// One listed digest naming the uploaded bytes is enough.
    AnyMayMatch,
}

/// Which padding a blob's base64 may have (WIRE-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlobPadding {
    /// Standard base64 with `=` padding, as RFC 4648 writes it.
    Required,
    /// Padding may be left off.
    Optional,
}

/// Which exception a request gets whose body cannot be decoded (WIRE-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MalformedRequestError {
    /// `SerializationException`, as other awsJson services answer.
    Serialization,
    /// `InvalidParameterException`.
    InvalidParameter,
}

/// What a failed `CompleteLayerUpload` does to its upload (STATE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailedCompletion {
    /// Nothing: the upload stays open and can be completed later.
    KeepsUpload,
    /// The upload is gone: later calls with its id get `UploadNotFoundException`.
    ConsumesUpload,
}

/// What a request naming another account's registry gets (REPO-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForeignRegistryError {
    /// `RepositoryNotFoundException`, as for a repository that does not exist.
    RepositoryNotFound,
    /// `AccessDeniedException`.
    AccessDenied,
}

/// How `BatchCheckLayerAvailability` looks a digest up (CHECK-1, CHECK-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerLookup {
    /// Exactly as sent: upper-case hex of a stored layer is missing.
    Exact,
    /// The hex part in either letter case names the stored layer.
    HexEitherCase,
}

/// Whether `PutImage` takes a Docker schema 1 manifest (IMG-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schema1Manifest {
    /// `InvalidParameterException`, as for any other media type the model does not list.
    #[default]
    Refused,
    /// Stored, its `fsLayers` as its layers.
    Accepted,
}

/// What an identical re-push to an immutable tag answers (IMG-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImmutableRepushError {
    /// `ImageAlreadyExistsException`, as on a mutable repository (facts S1, aws-sdk#750).
    #[default]
    ImageAlreadyExists,
    /// `ImageTagAlreadyExistsException` (containers-roadmap#2179).
    ImageTagAlreadyExists,
}

/// How `BatchGetImage` answers an id asked twice (GET-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DuplicateImageIds {
    /// Once.
    #[default]
    Once,
    /// Once per time asked.
    Each,
}

/// What `BatchDeleteImage` by digest lists for an image with tags (DEL-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeletedIds {
    /// One entry per tag, each with the digest.
    #[default]
    PerTag,
    /// One entry, the digest alone.
    One,
}

/// What `BatchCheckLayerAvailability` says of a completed layer no image references (CHECK-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnreferencedLayerCheck {
    /// `AVAILABLE`, as for any stored layer.
    #[default]
    Available,
    /// Listed in `layers` as `UNAVAILABLE`.
    Unavailable,
}

/// What a PATCH chunk over 20971520 bytes gets (REG-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OversizeChunk {
    /// 416 `BLOB_UPLOAD_INVALID`: a chunk is one part, and PART-2 caps a part.
    #[default]
    Refused,
    /// Taken, split into parts as a streamed body is.
    Split,
}

/// The status of an accepted PATCH (REG-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PatchStatus {
    /// 201, as ECR answers.
    #[default]
    #[serde(rename = "201")]
    Created,
    /// 202, as the OCI distribution spec says.
    #[serde(rename = "202")]
    Accepted,
}

impl PatchStatus {
    /// The HTTP status.
    pub fn code(self) -> u16 {
        match self {
            PatchStatus::Created => 201,
            PatchStatus::Accepted => 202,
        }
    }
}

/// What `Range` an accepted PATCH answers (REG-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PatchRange {
    /// `0-<end of the first chunk>` on every later PATCH, as ECR answers.
    #[default]
    StuckAfterFirstChunk,
    /// `0-<last byte received>`, as the OCI distribution spec says.
    Advancing,
}

/// What the final PUT answers when a chunk but the last was under 5 MiB (REG-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmallChunkError {
    /// 400 `BLOB_UPLOAD_INVALID`.
    #[default]
    BlobUploadInvalid,
    /// 500, as one client saw.
    ServerError,
}

/// What a blob GET answers for a completed layer no image references (REG-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnreferencedBlobGet {
    /// 404 `BLOB_UNKNOWN`, as GetDownloadUrlForLayer refuses it (URL-1).
    #[default]
    NotFound,
    /// Served, as any other blob.
    Served,
}

/// Whether an answer carries a header the OCI spec asks for and ECR leaves off (REG-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderPresence {
    /// Left off, as ECR does.
    #[default]
    Absent,
    /// Sent.
    Present,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A named set of choices for every **\[chosen\]** rule of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profile {
    /// The profile's name, as reports print it.
    pub name: String,
    /// VAL-2: which `repositoryName` pattern applies.
    pub repository_name_pattern: RepositoryNamePattern,
    /// PART-1, DONE-1: whether upload ids are compared exactly.
    pub upload_id_case: UploadIdCase,
    /// PART-2: the largest accepted part, in decoded bytes.
    pub max_part_bytes: u64,
    /// PART-2: the exception for a part over `max_part_bytes`.
    pub oversize_part_error: PartErrorChoice,
    /// PART-4: the exception for an inverted range or a blob whose length does not fit it.
    pub range_mismatch_error: PartErrorChoice,
    /// PART-5: `lastValidByteReceived` before any byte was accepted.
    pub nothing_received_yet: NothingReceivedYet,
    /// DONE-4: the meaning of several listed digests.
    pub digest_list_meaning: DigestListMeaning,
    /// INIT-2: the `partSize` an endpoint answers (it must lie in 5 MiB..=20 MiB).
    pub advertised_part_size: u64,
    /// WIRE-2: whether blobs must carry base64 padding.
    pub blob_padding: BlobPadding,
    /// WIRE-2: the exception for a body that cannot be decoded.
    pub malformed_request_error: MalformedRequestError,
    /// STATE-1: what a failed completion does to its upload.
    pub failed_completion: FailedCompletion,
    /// ADMIN-2: whether deleting a repository that holds layers needs `force`.
    pub delete_with_layers_needs_force: bool,
    /// REPO-1: the exception for another account's registry id.
    pub foreign_registry_error: ForeignRegistryError,
    /// CHECK-1, CHECK-2: how a listed digest is looked up.
    pub layer_lookup: LayerLookup,
    /// IMG-3: whether schema 1 manifests are taken. The image knobs have defaults (the
    /// `ecr` values), so profile files written before them still load.
    #[serde(default)]
    pub schema1_manifest: Schema1Manifest,
    /// IMG-6: the error for an identical re-push to an immutable tag.
    #[serde(default)]
    pub immutable_repush_error: ImmutableRepushError,
    /// GET-1: how an id asked twice is answered.
    #[serde(default)]
    pub duplicate_image_ids: DuplicateImageIds,
    /// DEL-1: the entries a delete by digest lists.
    #[serde(default)]
    pub deleted_ids: DeletedIds,
    /// CHECK-3: what an unreferenced layer's availability is.
    #[serde(default)]
    pub unreferenced_layer_check: UnreferencedLayerCheck,
    /// REG-3: what a PATCH chunk over 20 MiB gets. The registry door's knobs have defaults
    /// (the `ecr` values) and are written only where they differ, so API-door profiles and
    /// reports read as before.
    #[serde(default, skip_serializing_if = "is_default")]
    pub oversize_chunk: OversizeChunk,
    /// REG-3: an accepted PATCH's status.
    #[serde(default, skip_serializing_if = "is_default")]
    pub patch_status: PatchStatus,
    /// REG-3: an accepted PATCH's `Range`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub patch_range: PatchRange,
    /// REG-4: the final PUT's error after a small chunk.
    #[serde(default, skip_serializing_if = "is_default")]
    pub small_chunk_error: SmallChunkError,
    /// REG-6: a blob GET of a layer no image references.
    #[serde(default, skip_serializing_if = "is_default")]
    pub unreferenced_blob_get: UnreferencedBlobGet,
    /// REG-7: `Location` on a manifest PUT.
    #[serde(default, skip_serializing_if = "is_default")]
    pub manifest_put_location: HeaderPresence,
    /// REG-7: `Docker-Content-Digest` on a manifest GET.
    #[serde(default, skip_serializing_if = "is_default")]
    pub manifest_get_digest_header: HeaderPresence,
}

/// One knob of a profile, as a report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Knob {
    /// The knob's name (the profile's field name in kebab case).
    pub name: &'static str,
    /// The rule ids the knob decides.
    pub rules: &'static [RuleId],
    /// The value, as it is written in a profile file.
    pub value: String,
}

fn kebab<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => format!("<{e}>"),
    }
}

impl Profile {
    /// The spec's choices: what the project takes ECR to do.
    pub fn ecr() -> Self {
        Profile {
            name: "ecr".to_owned(),
            repository_name_pattern: RepositoryNamePattern::Oci2026,
            upload_id_case: UploadIdCase::Exact,
            max_part_bytes: MAX_PART_BYTES,
            oversize_part_error: PartErrorChoice::InvalidParameter,
            range_mismatch_error: PartErrorChoice::InvalidLayerPart,
            nothing_received_yet: NothingReceivedYet::Omitted,
            digest_list_meaning: DigestListMeaning::AllMustMatch,
            advertised_part_size: SEEN_PART_SIZE,
            blob_padding: BlobPadding::Required,
            malformed_request_error: MalformedRequestError::Serialization,
            failed_completion: FailedCompletion::KeepsUpload,
            delete_with_layers_needs_force: false,
            foreign_registry_error: ForeignRegistryError::RepositoryNotFound,
            layer_lookup: LayerLookup::Exact,
            schema1_manifest: Schema1Manifest::Refused,
            immutable_repush_error: ImmutableRepushError::ImageAlreadyExists,
            duplicate_image_ids: DuplicateImageIds::Once,
            deleted_ids: DeletedIds::PerTag,
            unreferenced_layer_check: UnreferencedLayerCheck::Available,
            oversize_chunk: OversizeChunk::Refused,
            patch_status: PatchStatus::Created,
            patch_range: PatchRange::StuckAfterFirstChunk,
            small_chunk_error: SmallChunkError::BlobUploadInvalid,
            unreferenced_blob_get: UnreferencedBlobGet::NotFound,
            manifest_put_location: HeaderPresence::Absent,
            manifest_get_digest_header: HeaderPresence::Absent,
        }
    }

    /// `ecr` with the repository-name pattern of older service models.
    pub fn ecr_legacy_names() -> Self {
        Profile {
            name: "ecr-legacy-names".to_owned(),
            repository_name_pattern: RepositoryNamePattern::Legacy,
            ..Profile::ecr()
        }
    }

    /// The names of the built-in profiles, for help text and errors.
    pub const BUILT_IN: &'static [&'static str] = &["ecr", "ecr-legacy-names"];

    /// A built-in profile by name.
    pub fn built_in(name: &str) -> Option<Self> {
        match name {
            "ecr" => Some(Profile::ecr()),
            "ecr-legacy-names" => Some(Profile::ecr_legacy_names()),
            _ => None,
        }
    }

    /// Every knob with its value, in a fixed order.
    pub fn knobs(&self) -> Vec<Knob> {
        vec![
            Knob {
                name: "repository-name-pattern",
                rules: &[RuleId::Val2],
                value: kebab(&self.repository_name_pattern),
            },
            Knob {
                name: "upload-id-case",
                rules: &[RuleId::Part1, RuleId::Done1],
                value: kebab(&self.upload_id_case),
            },
            Knob {
                name: "max-part-bytes",
                rules: &[RuleId::Part2],
                value: self.max_part_bytes.to_string(),
            },
            Knob {
                name: "oversize-part-error",
                rules: &[RuleId::Part2],
                value: kebab(&self.oversize_part_error),
            },
            Knob {
                name: "range-mismatch-error",
                rules: &[RuleId::Part4],
                value: kebab(&self.range_mismatch_error),
            },
            Knob {
                name: "nothing-received-yet",
                rules: &[RuleId::Part5],
                value: kebab(&self.nothing_received_yet),
            },
            Knob {
                name: "digest-list-meaning",
                rules: &[RuleId::Done4],
                value: kebab(&self.digest_list_meaning),
            },
            Knob {
                name: "advertised-part-size",
                rules: &[RuleId::Init2],
                value: self.advertised_part_size.to_string(),
            },
            Knob {
                name: "blob-padding",
                rules: &[RuleId::Wire2],
                value: kebab(&self.blob_padding),
            },
            Knob {
                name: "malformed-request-error",
                rules: &[RuleId::Wire2],
                value: kebab(&self.malformed_request_error),
            },
            Knob {
                name: "failed-completion",
                rules: &[RuleId::State1],
                value: kebab(&self.failed_completion),
            },
            Knob {
                name: "delete-with-layers-needs-force",
                rules: &[RuleId::Admin2],
                value: self.delete_with_layers_needs_force.to_string(),
            },
            Knob {
                name: "foreign-registry-error",
                rules: &[RuleId::Repo1],
                value: kebab(&self.foreign_registry_error),
            },
            Knob {
                name: "layer-lookup",
                rules: &[RuleId::Check1, RuleId::Check2],
                value: kebab(&self.layer_lookup),
            },
            Knob {
                name: "schema1-manifest",
                rules: &[RuleId::Img3],
                value: kebab(&self.schema1_manifest),
            },
            Knob {
                name: "immutable-repush-error",
                rules: &[RuleId::Img6],
                value: kebab(&self.immutable_repush_error),
            },
            Knob {
                name: "duplicate-image-ids",
                rules: &[RuleId::Get1],
                value: kebab(&self.duplicate_image_ids),
            },
            Knob {
                name: "deleted-ids",
                rules: &[RuleId::Del1],
                value: kebab(&self.deleted_ids),
            },
            Knob {
                name: "unreferenced-layer-check",
                rules: &[RuleId::Check3],
                value: kebab(&self.unreferenced_layer_check),
            },
        ]
    }

    /// The registry door's knobs (spec §10) with their values, in a fixed order: apart from
    /// [`Profile::knobs`], as only a `/v2/` run judges them.
    pub fn door_knobs(&self) -> Vec<Knob> {
        vec![
            Knob {
                name: "oversize-chunk",
                rules: &[RuleId::Reg3],
                value: kebab(&self.oversize_chunk),
            },
            Knob {
                name: "patch-status",
                rules: &[RuleId::Reg3],
                value: kebab(&self.patch_status),
            },
            Knob {
                name: "patch-range",
                rules: &[RuleId::Reg3],
                value: kebab(&self.patch_range),
            },
            Knob {
                name: "small-chunk-error",
                rules: &[RuleId::Reg4],
                value: kebab(&self.small_chunk_error),
            },
            Knob {
                name: "unreferenced-blob-get",
                rules: &[RuleId::Reg6],
                value: kebab(&self.unreferenced_blob_get),
            },
            Knob {
                name: "manifest-put-location",
                rules: &[RuleId::Reg7],
                value: kebab(&self.manifest_put_location),
            },
            Knob {
                name: "manifest-get-digest-header",
                rules: &[RuleId::Reg7],
                value: kebab(&self.manifest_get_digest_header),
            },
        ]
    }

    /// The values a target may legally have chosen for a knob, the profile's own first:
    /// what inference tries (spec §7). `advertised-part-size` has none to try: any value
    /// in range conforms, and it only sets what the fake answers.
    pub fn candidate_values(knob: &str) -> &'static [&'static str] {
        match knob {
            "repository-name-pattern" => &["oci2026", "legacy"],
            "upload-id-case" => &["exact", "insensitive"],
            "max-part-bytes" => &["20971520", "10485760"],
            "oversize-part-error" | "range-mismatch-error" => {
                &["invalid-parameter", "invalid-layer-part"]
            }
            "nothing-received-yet" => &["omitted", "zero", "minus-one"],
            "digest-list-meaning" => &["all-must-match", "any-may-match"],
            "blob-padding" => &["required", "optional"],
            "malformed-request-error" => &["serialization", "invalid-parameter"],
            "failed-completion" => &["keeps-upload", "consumes-upload"],
            "delete-with-layers-needs-force" => &["false", "true"],
            "foreign-registry-error" => &["repository-not-found", "access-denied"],
            "layer-lookup" => &["exact", "hex-either-case"],
            "schema1-manifest" => &["refused", "accepted"],
            "immutable-repush-error" => &["image-already-exists", "image-tag-already-exists"],
            "duplicate-image-ids" => &["once", "each"],
            "deleted-ids" => &["per-tag", "one"],
            "unreferenced-layer-check" => &["available", "unavailable"],
            "oversize-chunk" => &["refused", "split"],
            "patch-status" => &["201", "202"],
            "patch-range" => &["stuck-after-first-chunk", "advancing"],
            "small-chunk-error" => &["blob-upload-invalid", "server-error"],
            "unreferenced-blob-get" => &["not-found", "served"],
            "manifest-put-location" | "manifest-get-digest-header" => &["absent", "present"],
            _ => &[],
        }
    }

    /// This profile with one knob set to `value` (as a profile file writes it).
    pub fn with_knob(&self, knob: &str, value: &str) -> Result<Profile, ProfileError> {
        let mut json = serde_json::to_value(self).map_err(|e| ProfileError(e.to_string()))?;
        if self.door_knobs().iter().any(|k| k.name == knob) {
            // Written only where it differs from `ecr`: put it in to overwrite it.
            if let Some(map) = json.as_object_mut() {
                map.entry(knob.to_owned())
                    .or_insert(serde_json::Value::String(String::new()));
            }
        }
        let slot = json
            .get_mut(knob)
            .filter(|_| knob != "name")
            .ok_or_else(|| ProfileError(format!("no knob '{knob}'")))?;
        *slot = match slot {
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                serde_json::from_str(value)
                    .map_err(|_| ProfileError(format!("{knob}: '{value}' is not a value")))?
            }
            _ => serde_json::Value::String(value.to_owned()),
        };
        let profile: Profile = serde_json::from_value(json)
            .map_err(|e| ProfileError(format!("{knob}={value}: {e}")))?;
        profile.check()?;
        Ok(profile)
    }

    /// The knobs where `other` differs from this profile, as `(name, other's value)`.
    pub fn differences(&self, other: &Profile) -> Vec<(&'static str, String)> {
        self.knobs()
            .into_iter()
            .chain(self.door_knobs())
            .zip(other.knobs().into_iter().chain(other.door_knobs()))
            .filter(|(a, b)| a.value != b.value)
            .map(|(_, b)| (b.name, b.value))
            .collect()
    }

    /// Checks the values the spec bounds: `max-part-bytes` in 1..=20971520 (accepting
    /// more breaks the model's constraint) and `advertised-part-size` in 5 MiB..=20 MiB.
    pub fn check(&self) -> Result<(), ProfileError> {
        if !(1..=MAX_PART_BYTES).contains(&self.max_part_bytes) {
            return Err(ProfileError(format!(
                "max-part-bytes must lie in 1..={MAX_PART_BYTES}, not {}",
                self.max_part_bytes
            )));
        }
        if !super::limits::PART_SIZE_RANGE.contains(&self.advertised_part_size) {
            return Err(ProfileError(format!(
                "advertised-part-size must lie in {:?}, not {}",
                super::limits::PART_SIZE_RANGE,
                self.advertised_part_size
            )));
        }
        Ok(())
    }

    /// A profile file's text, parsed and checked; `origin` names it in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let profile: Profile =
            serde_json::from_str(text).map_err(|e| ProfileError(format!("{origin}: {e}")))?;
        profile
            .check()
            .map_err(|e| ProfileError(format!("{origin}: {}", e.0)))?;
        Ok(profile)
    }

    /// A built-in profile by name, or a profile file (JSON naming every knob).
    pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
        if let Some(p) = Profile::built_in(name_or_path) {
            return Ok(p);
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|e| {
            ProfileError(format!(
                "--profile {name_or_path}: not a built-in profile ({}) and not a readable file: {e}",
                Profile::BUILT_IN.join(", ")
            ))
        })?;
        let profile = Profile::from_json(&text, name_or_path)?;
        Ok(profile)
    }
}

/// Why a profile or a knob value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError(pub String);

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProfileError {}

impl Default for Profile {
    fn default() -> Self {
        Profile::ecr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_the_profile_is_a_listed_knob() {
        // A knob added to the struct but not to `knobs()` would be invisible in reports.
        let json = serde_json::to_value(Profile::ecr()).expect("profile serializes");
        let fields: Vec<&String> = json
            .as_object()
            .expect("object")
            .keys()
            .filter(|k| *k != "name")
            .collect();
        let knobs: Vec<&str> = Profile::ecr().knobs().iter().map(|k| k.name).collect();
        // The door's knobs are written only where they differ: set each to its other value.
        let mut door = Profile::ecr();
        for knob in Profile::ecr().door_knobs() {
            door = door
                .with_knob(knob.name, Profile::candidate_values(knob.name)[1])
                .expect("the second candidate is a value");
        }
        let json = serde_json::to_value(&door).expect("profile serializes");
        let door_fields = json.as_object().expect("object").len() - 1;
        assert_eq!(door_fields, knobs.len() + door.door_knobs().len());
        for knob in door.door_knobs() {
            assert!(
                json.get(knob.name).is_some(),
                "{} is not written",
                knob.name
            );
        }
        assert_eq!(fields.len(), knobs.len());
        for f in fields {
            assert!(knobs.contains(&f.as_str()), "{f} is not a knob");
        }
    }

    #[test]
    fn built_in_profiles_resolve_by_their_names() {
        for name in Profile::BUILT_IN {
            assert_eq!(
                Profile::built_in(name).map(|p| p.name),
                Some((*name).to_owned())
            );
        }
        assert!(Profile::built_in("nope").is_none());
    }

    #[test]
    fn a_profile_file_round_trips_and_rejects_unknown_knobs() {
        let text = serde_json::to_string(&Profile::ecr_legacy_names()).expect("serializes");
        let back: Profile = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, Profile::ecr_legacy_names());
        let bad = text.replacen('{', "{\"no-such-knob\":1,", 1);
        assert!(serde_json::from_str::<Profile>(&bad).is_err());
    }
}
