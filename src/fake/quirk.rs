//! Quirks: deliberate departures of the fake's answers, for testing conformance tools.
//!
//! Some are legal protocol variants a conforming client or checker must accept (a
//! namespaced error name, the name only in a header, extra fields); the others each break
//! one rule. The runner's own tests point it at a fake with each quirk and check that the
//! variants pass and every defect is flagged on its rule. Quirks change answers only,
//! never the registry.

use crate::model::RuleId;
use serde_json::{Value, json};

use crate::model::{EcrError, Outcome, PartProblem, Request, Response};
use crate::wire::Answer;

/// One departure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quirk {
    /// Legal: `__type` is `com.amazonaws.ecr#Name:http://...`.
    NamespacedErrorType,
    /// Legal: the error name only in `X-Amzn-Errortype`, not in the body.
    ErrorNameInHeaderOnly,
    /// Legal: the error name only in a `code` body field.
    ErrorNameInCode,
    /// Legal: every JSON answer carries an extra member.
    ExtraFields,
    /// Breaks WIRE-1: an unknown target gets a bare 404.
    UnknownOperationAs404,
    /// Breaks WIRE-2: undecodable bodies get `RepositoryNotFoundException` (no knob value
    /// explains it; `InvalidParameterException` would be `malformed-request-error`'s other
    /// value).
    BadBodyAsNotFound,
    /// Breaks WIRE-3: longs are sent as JSON strings.
    LongsAsStrings,
    /// Breaks VAL-1: missing members get `SerializationException`.
    MissingAsSerialization,
    /// Breaks VAL-2: broken constraints get `RepositoryNotFoundException`.
    ConstraintsAsNotFound,
    /// Breaks REPO-1: unknown repositories get `InvalidParameterException`.
    NotFoundAsInvalidParameter,
    /// Breaks ADMIN-1: creating an existing repository succeeds.
    CreateTwiceAccepted,
    /// Breaks INIT-1: upload ids are not in the UploadId pattern.
    MalformedUploadIds,
    /// Breaks INIT-2: `partSize` is 1024.
    TinyPartSize,
    /// Breaks PART-1: unknown uploads get `InvalidLayerPartException`.
    UnknownUploadAsInvalidPart,
    /// Breaks PART-2: oversized parts get `InvalidLayerPartException`.
    OversizeAsInvalidPart,
    /// Breaks PART-3: a part out of order is answered as accepted.
    OutOfOrderAccepted,
    /// Breaks PART-4: a range that does not fit its blob is answered as accepted.
    RangeMismatchAccepted,
    /// Breaks PART-5: `lastValidByteReceived` is left out.
    NoLastValidByte,
    /// Breaks PART-6: `lastByteReceived` is one too many.
    LastByteOffByOne,
    /// Breaks DONE-2: an empty upload gets `InvalidLayerException`.
    EmptyAsInvalidLayer,
    /// Breaks DONE-3: short parts are answered as completed.
    ShortPartsAccepted,
    /// Breaks DONE-4: a wrong digest is answered as completed.
    WrongDigestAccepted,
    /// Breaks DONE-5: a layer that exists is answered as completed.
    ExistingLayerAccepted,
    /// Breaks DONE-6: `layerDigest` has upper-case hex.
    UpperCaseDigest,
    /// Breaks CHECK-1: stored layers are reported missing.
    StoredReportedMissing,
    /// Breaks CHECK-2: malformed digests are reported missing.
    InvalidDigestReportedMissing,
}

/// Makes the answer an error with this name and status.
fn error(a: &mut Answer, name: &str, status: u16) {
    a.status = status;
    a.error_name = Some(name.to_owned());
    a.body = json!({"__type": name, "message": "quirk"});
}

/// Makes the answer a success with this body.
fn success(a: &mut Answer, body: Value) {
    a.status = 200;
    a.error_name = None;
    a.body = body;
}

fn part_echo(request: &Request, registry_id: &str) -> Value {
    match request {
        Request::UploadLayerPart(p) => json!({
            "registryId": registry_id,
            "repositoryName": p.repository_name,
            "uploadId": p.upload_id,
            "lastByteReceived": p.part_last_byte,
        }),
        _ => Value::Null,
    }
}

fn completed(request: &Request, registry_id: &str, digest: &str) -> Value {
    match request {
        Request::CompleteLayerUpload(c) => json!({
            "registryId": registry_id,
            "repositoryName": c.repository_name,
            "uploadId": c.upload_id,
            "layerDigest": digest,
        }),
        _ => Value::Null,
    }
}

impl Quirk {
    /// Every quirk.
    pub const ALL: &'static [Quirk] = &[
        Quirk::NamespacedErrorType,
        Quirk::ErrorNameInHeaderOnly,
        Quirk::ErrorNameInCode,
        Quirk::ExtraFields,
        Quirk::UnknownOperationAs404,
        Quirk::BadBodyAsNotFound,
        Quirk::LongsAsStrings,
        Quirk::MissingAsSerialization,
        Quirk::ConstraintsAsNotFound,
        Quirk::NotFoundAsInvalidParameter,
        Quirk::CreateTwiceAccepted,
        Quirk::MalformedUploadIds,
        Quirk::TinyPartSize,
        Quirk::UnknownUploadAsInvalidPart,
        Quirk::OversizeAsInvalidPart,
        Quirk::OutOfOrderAccepted,
        Quirk::RangeMismatchAccepted,
        Quirk::NoLastValidByte,
        Quirk::LastByteOffByOne,
        Quirk::EmptyAsInvalidLayer,
        Quirk::ShortPartsAccepted,
        Quirk::WrongDigestAccepted,
        Quirk::ExistingLayerAccepted,
        Quirk::UpperCaseDigest,
        Quirk::StoredReportedMissing,
        Quirk::InvalidDigestReportedMissing,
    ];

    /// The rule the quirk breaks; `None` for a legal variant.
    pub fn breaks(self) -> Option<RuleId> {
        Some(match self {
            Quirk::NamespacedErrorType
            | Quirk::ErrorNameInHeaderOnly
            | Quirk::ErrorNameInCode
            | Quirk::ExtraFields => return None,
            Quirk::UnknownOperationAs404 => RuleId::Wire1,
            Quirk::BadBodyAsNotFound => RuleId::Wire2,
            Quirk::LongsAsStrings => RuleId::Wire3,
            Quirk::MissingAsSerialization => RuleId::Val1,
            Quirk::ConstraintsAsNotFound => RuleId::Val2,
            Quirk::NotFoundAsInvalidParameter => RuleId::Repo1,
            Quirk::CreateTwiceAccepted => RuleId::Admin1,
            Quirk::MalformedUploadIds => RuleId::Init1,
            Quirk::TinyPartSize => RuleId::Init2,
            Quirk::UnknownUploadAsInvalidPart => RuleId::Part1,
            Quirk::OversizeAsInvalidPart => RuleId::Part2,
            Quirk::OutOfOrderAccepted => RuleId::Part3,
            Quirk::RangeMismatchAccepted => RuleId::Part4,
            Quirk::NoLastValidByte => RuleId::Part5,
            Quirk::LastByteOffByOne => RuleId::Part6,
            Quirk::EmptyAsInvalidLayer => RuleId::Done2,
            Quirk::ShortPartsAccepted => RuleId::Done3,
            Quirk::WrongDigestAccepted => RuleId::Done4,
            Quirk::ExistingLayerAccepted => RuleId::Done5,
            Quirk::UpperCaseDigest => RuleId::Done6,
            Quirk::StoredReportedMissing => RuleId::Check1,
            Quirk::InvalidDigestReportedMissing => RuleId::Check2,
        })
    }

    /// Reshapes the answer to `request`, whose model outcome is `outcome`. `digest_so_far`
    /// is the digest of the upload's bytes where the request names an open upload.
    pub(crate) fn apply(
        self,
        request: &Request,
        outcome: &Outcome,
        registry_id: &str,
        digest_so_far: Option<&str>,
        a: &mut Answer,
    ) {
        match (self, outcome) {
            (Quirk::NamespacedErrorType, Err(e)) => {
                a.body["__type"] = format!(
                    "com.amazonaws.ecr#{}:http://internal.amazon.com/coral/com.amazonaws.ecr/",
                    e.name()
                )
                .into();
            }
            (Quirk::ErrorNameInHeaderOnly, Err(_)) => {
                if let Some(m) = a.body.as_object_mut() {
                    m.remove("__type");
                }
            }
            (Quirk::ErrorNameInCode, Err(e)) => {
                if let Some(m) = a.body.as_object_mut() {
                    m.remove("__type");
                    m.insert("code".into(), e.name().into());
                }
                a.error_name = None;
            }
            (Quirk::ExtraFields, _) => {
                if let Some(m) = a.body.as_object_mut() {
                    m.insert("extraField".into(), json!({"added": "by a quirk"}));
                }
            }
            (Quirk::UnknownOperationAs404, Err(EcrError::UnknownOperation { .. })) => {
                a.status = 404;
                a.error_name = None;
                a.body = Value::Null;
            }
            (Quirk::BadBodyAsNotFound, Err(EcrError::Serialization { .. })) => {
                error(a, "RepositoryNotFoundException", 400)
            }
            (Quirk::LongsAsStrings, Ok(_)) => {
                for key in ["lastByteReceived", "partSize"] {
                    if let Some(v) = a.body.get(key).cloned().filter(Value::is_number) {
                        a.body[key] = v.to_string().into();
                    }
                }
            }
            (
                Quirk::MissingAsSerialization,
                Err(EcrError::InvalidParameter {
                    problem: crate::model::ParameterProblem::Missing,
                    ..
                }),
            ) => error(a, "SerializationException", 400),
            (
                Quirk::ConstraintsAsNotFound,
                Err(EcrError::InvalidParameter {
                    problem: crate::model::ParameterProblem::Constraint(_),
                    ..
                }),
            ) => error(a, "RepositoryNotFoundException", 400),
            (Quirk::NotFoundAsInvalidParameter, Err(EcrError::RepositoryNotFound { .. })) => {
                error(a, "InvalidParameterException", 400)
            }
            (
                Quirk::CreateTwiceAccepted,
                Err(EcrError::RepositoryAlreadyExists {
                    repository_name,
                    registry_id,
                }),
            ) => success(
                a,
                json!({"repository": {"repositoryName": repository_name, "registryId": registry_id}}),
            ),
            (Quirk::MalformedUploadIds, Ok(Response::UploadInitiated { upload_id, .. })) => {
                a.body["uploadId"] = format!("upload-{}", &upload_id[..8]).into();
            }
            (Quirk::TinyPartSize, Ok(Response::UploadInitiated { .. })) => {
                a.body["partSize"] = 1024.into()
            }
            (Quirk::UnknownUploadAsInvalidPart, Err(EcrError::UploadNotFound { .. })) => {
                error(a, "InvalidLayerPartException", 400)
            }
            (
                Quirk::OversizeAsInvalidPart,
                Err(EcrError::InvalidParameter {
                    problem: crate::model::ParameterProblem::Part(PartProblem::Oversize { .. }),
                    ..
                }),
            ) => error(a, "InvalidLayerPartException", 400),
            (
                Quirk::OutOfOrderAccepted,
                Err(EcrError::InvalidLayerPart {
                    problem: PartProblem::WrongStart { .. },
                    ..
                }),
            ) => success(a, part_echo(request, registry_id)),
            (
                Quirk::RangeMismatchAccepted,
                Err(EcrError::InvalidLayerPart {
                    problem: PartProblem::RangeMismatch { .. },
                    ..
                }),
            ) => success(a, part_echo(request, registry_id)),
            (Quirk::NoLastValidByte, Err(EcrError::InvalidLayerPart { .. })) => {
                if let Some(m) = a.body.as_object_mut() {
                    m.remove("lastValidByteReceived");
                }
            }
            (
                Quirk::LastByteOffByOne,
                Ok(Response::PartAccepted {
                    last_byte_received, ..
                }),
            ) => {
                a.body["lastByteReceived"] = (last_byte_received + 1).into();
            }
            (Quirk::EmptyAsInvalidLayer, Err(EcrError::EmptyUpload { .. })) => {
                error(a, "InvalidLayerException", 400)
            }
            (Quirk::ShortPartsAccepted, Err(EcrError::LayerPartTooSmall { .. })) => success(
                a,
                completed(request, registry_id, digest_so_far.unwrap_or_default()),
            ),
            (Quirk::WrongDigestAccepted, Err(EcrError::InvalidLayer { actual_digest, .. })) => {
                success(a, completed(request, registry_id, actual_digest))
            }
            (Quirk::ExistingLayerAccepted, Err(EcrError::LayerAlreadyExists { layer_digest })) => {
                success(a, completed(request, registry_id, layer_digest))
            }
            (Quirk::UpperCaseDigest, Ok(Response::LayerCompleted { layer_digest, .. })) => {
                a.body["layerDigest"] = layer_digest
                    .replacen(&layer_digest[7..], &layer_digest[7..].to_uppercase(), 1)
                    .into();
            }
            (Quirk::StoredReportedMissing, Ok(Response::Availability { layers, .. }))
                if !layers.is_empty() =>
            {
                let moved: Vec<Value> = layers
                    .iter()
                    .map(|l| json!({"layerDigest": l.layer_digest, "failureCode": "MissingLayerDigest"}))
                    .collect();
                a.body["layers"] = json!([]);
                if let Some(f) = a.body.get_mut("failures").and_then(Value::as_array_mut) {
                    f.extend(moved);
                }
            }
            (Quirk::InvalidDigestReportedMissing, Ok(Response::Availability { .. })) => {
                if let Some(f) = a.body.get_mut("failures").and_then(Value::as_array_mut) {
                    for x in f {
                        if x["failureCode"] == "InvalidLayerDigest" {
                            x["failureCode"] = "MissingLayerDigest".into();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
