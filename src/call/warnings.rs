//! What the spec says the endpoint should refuse, found before sending, one warning each:
//! ids and names outside their patterns (VAL-2, CHECK-2), a part whose range does not fit
//! its blob (PART-4), a part over the size limit (PART-2). The patterns are the model's
//! validators; the part rules are the model's own answer, asked of a scratch registry.
//!
//! Warnings do not stop the call: the request is still sent, since the endpoint's answer
//! is the point. Nor are they the AWS CLI's checks, which do stop it ([`super::validate`]).

use super::json::Json;
use super::shape::OpShape;
use crate::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID};
use crate::model::{
    BlobPadding, EcrError, ParameterProblem, PartBlob, PartProblem, Profile, Registry, Request,
    UploadLayerPart, digest, validate,
};
use crate::wire::{Operation, decode_operation};

/// Adds to `warnings` what the endpoint should refuse in `body`.
pub(super) fn check(shape: &OpShape, body: &[(String, Json)], warnings: &mut Vec<String>) {
    let get = |key: &str| body.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let string = |key: &str| match get(key) {
        Some(Json::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let profile = Profile::ecr();
    if let Some(id) = string("registryId")
        && !validate::is_registry_id(id)
    {
        warnings.push(format!(
            "registryId '{id}' is not 12 digits: the endpoint should answer \
             InvalidParameterException (VAL-2)"
        ));
    }
    if let Some(name) = string("repositoryName")
        && !validate::is_repository_name(name, profile.repository_name_pattern)
    {
        warnings.push(format!(
            "repositoryName '{name}' does not match the repository-name pattern: the endpoint \
             should answer InvalidParameterException (VAL-2)"
        ));
    }
    if let Some(id) = string("uploadId")
        && !validate::is_upload_id(id)
    {
        warnings.push(format!(
            "uploadId '{id}' is not in the UploadId pattern: the endpoint should answer \
             InvalidParameterException (VAL-2)"
        ));
    }
    if let Some(Json::List(digests)) = get("layerDigests") {
        for d in digests {
            if let Json::Str(d) = d
                && !digest::is_layer_digest(d)
            {
                warnings.push(format!(
                    "'{d}' is not in the LayerDigest pattern ({})",
                    if shape.op == Operation::BatchCheckLayerAvailability {
                        "it should be listed under failures as InvalidLayerDigest, CHECK-2"
                    } else {
                        "the endpoint should answer InvalidParameterException, VAL-2"
                    }
                ));
            }
        }
    }
    if shape.op == Operation::UploadLayerPart {
        part_warnings(body, warnings);
    }
    if shape.op == Operation::PutImage {
        if let Some(text) = string("imageManifest")
            && let Err(problem) = crate::model::manifest::parse(
                text,
                string("imageManifestMediaType"),
                profile.schema1_manifest == crate::model::Schema1Manifest::Accepted,
            )
        {
            warnings.push(format!(
                "the manifest cannot be stored ({problem}): the endpoint should answer \
                 InvalidParameterException (IMG-3)"
            ));
        }
        if let Some(tag) = string("imageTag")
            && !crate::model::is_image_tag(tag)
        {
            warnings.push(format!(
                "imageTag '{tag}' is not 1..300 characters of [a-zA-Z0-9-_.]: the endpoint \
                 should answer InvalidParameterException (IMG-8)"
            ));
        }
    }
}

/// PART-4 and PART-2, as the model answers them.
fn part_warnings(body: &[(String, Json)], warnings: &mut Vec<String>) {
    // Each question decodes only the members it reads, so that a member the wire layer
    // refuses (a long beyond 64 bits) silences only the rule that reads it.
    let Some(blob) = decode_members(body, &["layerPartBlob"]).layer_part_blob else {
        return;
    };
    let range = decode_members(body, &["partFirstByte", "partLastByte"]);
    // PART-4, with no size limit, so that PART-2 does not answer first.
    let unlimited = Profile {
        max_part_bytes: u64::MAX,
        ..scratch_profile()
    };
    if let (Some(first), Some(last)) = (range.part_first_byte, range.part_last_byte)
        && let Some((error, problem @ PartProblem::RangeMismatch { len, .. })) =
            part_answer(unlimited, first, last, blob.clone())
    {
        let rule = problem.rule();
        let span = i128::from(last) - i128::from(first) + 1;
        warnings.push(if last < first {
            format!(
                "partLastByte {last} is before partFirstByte {first}: the endpoint should \
                 answer {error} ({rule})"
            )
        } else {
            format!(
                "the range {first}..={last} covers {span} bytes but the blob holds {len}: the \
                 endpoint should answer {error} ({rule})"
            )
        });
    }
    // PART-2: the same blob, in a range that fits it.
    let last = i64::try_from(blob.len()).map_or(i64::MAX, |len| (len - 1).max(0));
    if let Some((error, problem @ PartProblem::Oversize { len, max })) =
        part_answer(scratch_profile(), 0, last, blob)
    {
        let rule = problem.rule();
        warnings.push(format!(
            "the blob holds {len} bytes, over the {max}-byte part limit: the endpoint should \
             answer {error} ({rule})"
        ));
    }
}

/// The `UploadLayerPart` request of `body`'s `members` alone, as the wire layer decodes it
/// (empty when they do not decode).
fn decode_members(body: &[(String, Json)], members: &[&str]) -> UploadLayerPart {
    let picked: Vec<(String, Json)> = body
        .iter()
        .filter(|(key, _)| members.contains(&key.as_str()))
        .cloned()
        .collect();
    match decode_operation(
        Operation::UploadLayerPart,
        Json::Obj(picked).compact().as_bytes(),
    ) {
        Request::UploadLayerPart(part) => part,
        _ => UploadLayerPart::default(),
    }
}

/// ECR's profile, taking the blob's base64 with or without padding: the warnings are about
/// the part's bytes, not their spelling.
fn scratch_profile() -> Profile {
    Profile {
        blob_padding: BlobPadding::Optional,
        ..Profile::ecr()
    }
}

/// The model's answer to the part `first..=last` holding `blob`, sent to an upload that has
/// received exactly `first` bytes (so PART-3 holds and the answer is about the part alone):
/// the exception's name and the part problem, or `None` when the model accepts the part or
/// refuses it for another reason.
fn part_answer(
    profile: Profile,
    first: i64,
    last: i64,
    blob: PartBlob,
) -> Option<(&'static str, PartProblem)> {
    let mut registry = Registry::new(profile);
    registry.adopt_repository(SEED_REPOSITORY);
    registry.open_upload(SEED_REPOSITORY, SEED_UPLOAD_ID).ok()?;
    if let Some(last_received) = u64::try_from(first).ok()?.checked_sub(1) {
        registry.adopt_part(SEED_UPLOAD_ID, &PartBlob::new(Vec::new()), last_received);
    }
    let part = UploadLayerPart {
        registry_id: None,
        repository_name: Some(SEED_REPOSITORY.to_owned()),
        upload_id: Some(SEED_UPLOAD_ID.to_owned()),
        part_first_byte: Some(first),
        part_last_byte: Some(last),
        layer_part_blob: Some(blob),
    };
    let error = registry.apply(&Request::UploadLayerPart(part)).err()?;
    match &error {
        EcrError::InvalidLayerPart { problem, .. }
        | EcrError::InvalidParameter {
            problem: ParameterProblem::Part(problem),
            ..
        } => Some((error.name(), problem.clone())),
        _ => None,
    }
}
