//! The rule catalog: every rule id of the spec with its one-line statement and sources.
//!
//! Reports, the `rules` command and the tests name rules by these ids.

use serde::Serialize;

use super::outcome::{EcrError, Outcome, ParameterProblem, Response};
use super::request::Request;

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The ECR service model (botocore / Smithy).
    Model,
    /// The AWS API reference and ECR user guide.
    Docs,
    /// Behaviour of real ECR reported in public threads or an AWS-written client.
    Seen,
    /// Nothing public settles it: the project chose, and a profile knob selects.
    Chosen,
}

impl Source {
    /// The lower-case tag reports print (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Model => "model",
            Source::Docs => "docs",
            Source::Seen => "seen",
            Source::Chosen => "chosen",
        }
    }
}

/// One rule of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The id, e.g. `PART-3`.
    pub id: &'static str,
    /// What the rule says, in one line.
    pub statement: &'static str,
    /// Where it comes from.
    pub sources: &'static [Source],
}

use Source::{Chosen, Docs, Model, Seen};

/// Every rule, in the order checks run.
pub const RULES: &[Rule] = &[
    Rule {
        id: "STATE-1",
        statement: "A request that fails changes nothing: no bytes counted, no upload consumed, no layer stored.",
        sources: &[Chosen],
    },
    Rule {
        id: "WIRE-1",
        statement: "An unknown X-Amz-Target gets UnknownOperationException (400).",
        sources: &[Model, Docs],
    },
    Rule {
        id: "WIRE-2",
        statement: "A body that is not a JSON object of the operation's shape, or a blob that is not standard padded base64, gets SerializationException (400).",
        sources: &[Chosen],
    },
    Rule {
        id: "WIRE-3",
        statement: "Success is 200 with every modeled output member of its JSON type; errors are 400 (500 for ServerException) naming the error in __type, code or X-Amzn-Errortype.",
        sources: &[Model, Docs],
    },
    Rule {
        id: "VAL-1",
        statement: "A missing required member gets InvalidParameterException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: "VAL-2",
        statement: "A member that breaks its constraint (pattern, length, >= 0, blob over 20971520 bytes) gets InvalidParameterException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: "REPO-1",
        statement: "Another registry's id, or a repository that does not exist, gets RepositoryNotFoundException.",
        sources: &[Model],
    },
    Rule {
        id: "ADMIN-1",
        statement: "CreateRepository makes the repository; an existing name gets RepositoryAlreadyExistsException.",
        sources: &[Model],
    },
    Rule {
        id: "ADMIN-2",
        statement: "DeleteRepository removes the repository (force drops its uploads and layers); an absent one gets RepositoryNotFoundException.",
        sources: &[Model, Chosen],
    },
    Rule {
        id: "INIT-1",
        statement: "InitiateLayerUpload opens a new upload bound to the repository, with a fresh uploadId in the UploadId pattern.",
        sources: &[Model],
    },
    Rule {
        id: "INIT-2",
        statement: "partSize lies within 5242880..=20971520.",
        sources: &[Seen],
    },
    Rule {
        id: "PART-1",
        statement: "An uploadId that is unknown, finished or of another repository gets UploadNotFoundException; ids compare exactly.",
        sources: &[Model, Chosen],
    },
    Rule {
        id: "PART-2",
        statement: "A blob over 20971520 decoded bytes gets InvalidParameterException.",
        sources: &[Model, Docs, Chosen],
    },
    Rule {
        id: "PART-3",
        statement: "partFirstByte other than the next expected byte (gap, overlap, re-send) gets InvalidLayerPartException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: "PART-4",
        statement: "partLastByte < partFirstByte, or a blob length other than partLastByte - partFirstByte + 1, gets InvalidLayerPartException.",
        sources: &[Chosen],
    },
    Rule {
        id: "PART-5",
        statement: "InvalidLayerPartException carries registryId, repositoryName, uploadId and lastValidByteReceived (omitted before the first byte).",
        sources: &[Model, Chosen],
    },
    Rule {
        id: "PART-6",
        statement: "An accepted part is appended; the answer echoes registryId, repositoryName, uploadId and lastByteReceived = partLastByte.",
        sources: &[Model, Seen],
    },
    Rule {
        id: "DONE-1",
        statement: "An uploadId that is unknown, finished or of another repository gets UploadNotFoundException.",
        sources: &[Model],
    },
    Rule {
        id: "DONE-2",
        statement: "Completing an upload that received no byte gets EmptyUploadException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: "DONE-3",
        statement: "A part other than the last under 5242880 bytes gets LayerPartTooSmallException.",
        sources: &[Model, Docs],
    },
    Rule {
        id: "DONE-4",
        statement: "A listed digest other than sha256: + the hex SHA-256 of all bytes received gets InvalidLayerException.",
        sources: &[Model, Chosen],
    },
    Rule {
        id: "DONE-5",
        statement: "A layer with that digest already in the repository gets LayerAlreadyExistsException (after DONE-4).",
        sources: &[Model, Seen],
    },
    Rule {
        id: "DONE-6",
        statement: "Success stores the layer, finishes the upload, and answers layerDigest = sha256:<lower-case hex>.",
        sources: &[Model],
    },
    Rule {
        id: "CHECK-1",
        statement: "A stored layer's digest is listed in layers with layerAvailability AVAILABLE and its layerSize.",
        sources: &[Model],
    },
    Rule {
        id: "CHECK-2",
        statement: "A digest not in the LayerDigest pattern fails with InvalidLayerDigest; any other absent one with MissingLayerDigest.",
        sources: &[Model],
    },
];

/// The rule that decides `outcome` for `request`: the rule a target breaks when it answers
/// this step otherwise.
pub fn rule_for(request: &Request, outcome: &Outcome) -> &'static str {
    match outcome {
        Err(e) => match e {
            EcrError::UnknownOperation { .. } => "WIRE-1",
            EcrError::Serialization { .. } => "WIRE-2",
            EcrError::InvalidParameter { member, problem } => match problem {
                ParameterProblem::Missing => "VAL-1",
                // The `malformed-request-error` knob's other value.
                ParameterProblem::Constraint(_) if member == "body" => "WIRE-2",
                ParameterProblem::Constraint(_) => "VAL-2",
                ParameterProblem::Part(p) => p.rule(),
            },
            EcrError::RepositoryNotFound { .. } => match request {
                Request::DeleteRepository(_) => "ADMIN-2",
                _ => "REPO-1",
            },
            EcrError::AccessDenied { .. } => "REPO-1",
            EcrError::RepositoryAlreadyExists { .. } => "ADMIN-1",
            EcrError::RepositoryNotEmpty { .. } => "ADMIN-2",
            EcrError::UploadNotFound { .. } => match request {
                Request::CompleteLayerUpload(_) => "DONE-1",
                _ => "PART-1",
            },
            EcrError::InvalidLayerPart { problem, .. } => problem.rule(),
            EcrError::EmptyUpload { .. } => "DONE-2",
            EcrError::LayerPartTooSmall { .. } => "DONE-3",
            EcrError::InvalidLayer { .. } => "DONE-4",
            EcrError::LayerAlreadyExists { .. } => "DONE-5",
            EcrError::Throttling | EcrError::Server { .. } => "WIRE-3",
        },
        Ok(response) => match response {
            Response::Repository(_) => match request {
                Request::DeleteRepository(_) => "ADMIN-2",
                _ => "ADMIN-1",
            },
            Response::UploadInitiated { .. } => "INIT-1",
            Response::PartAccepted { .. } => "PART-6",
            Response::LayerCompleted { .. } => "DONE-6",
            Response::Availability { layers, .. } if !layers.is_empty() => "CHECK-1",
            Response::Availability { .. } => "CHECK-2",
        },
    }
}

/// Every rule an answer to `request` shows: the deciding one ([`rule_for`]) first, then
/// the rules about the answer's members (INIT-2 on a new upload, PART-5 on a refused part)
/// and WIRE-3 on every answer.
pub fn rules_checked(request: &Request, outcome: &Outcome) -> Vec<&'static str> {
    let mut out = vec![rule_for(request, outcome)];
    match outcome {
        Ok(Response::UploadInitiated { .. }) => out.push("INIT-2"),
        Err(EcrError::InvalidLayerPart { .. }) => out.push("PART-5"),
        _ => {}
    }
    if out[0] != "WIRE-3" {
        out.push("WIRE-3");
    }
    out
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn every_rule_for_answer_is_in_the_catalog() {
        use crate::model::{PartProblem, Request};
        let req = Request::Malformed {
            detail: String::new(),
        };
        let errors = [
            EcrError::Throttling,
            EcrError::InvalidParameter {
                member: "x".into(),
                problem: ParameterProblem::Part(PartProblem::Oversize { len: 1, max: 0 }),
            },
            EcrError::EmptyUpload {
                upload_id: String::new(),
            },
        ];
        for e in errors {
            assert!(rule(rule_for(&req, &Err(e))).is_some());
        }
    }

    #[test]
    fn every_profile_knob_names_known_rules() {
        for knob in crate::model::Profile::ecr().knobs() {
            for id in knob.rules {
                assert!(
                    rule(id).is_some(),
                    "knob {} names unknown rule {id}",
                    knob.name
                );
            }
        }
    }
}
