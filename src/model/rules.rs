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

/// Declares [`RuleId`] with one variant per rule of the catalog.
macro_rules! rule_ids {
    ($($variant:ident = $text:literal),* $(,)?) => {
        /// A rule's id: one of the catalog's, so the compiler checks every id the code names.
        /// It reads and writes as its text (`PART-3`), and orders as the text does.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $(
                #[doc = $text]
                $variant,
            )*
        }

        impl RuleId {
            /// Every id, in the catalog's order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The id's text, e.g. `PART-3`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $text,)*
                }
            }

            /// The id with this text.
            pub fn parse(text: &str) -> Option<RuleId> {
                match text {
                    $($text => Some(RuleId::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

rule_ids! {
    State1 = "STATE-1",
    Wire1 = "WIRE-1",
    Wire2 = "WIRE-2",
    Wire3 = "WIRE-3",
    Val1 = "VAL-1",
    Val2 = "VAL-2",
    Repo1 = "REPO-1",
    Admin1 = "ADMIN-1",
    Admin2 = "ADMIN-2",
    Init1 = "INIT-1",
    Init2 = "INIT-2",
    Part1 = "PART-1",
    Part2 = "PART-2",
    Part3 = "PART-3",
    Part4 = "PART-4",
    Part5 = "PART-5",
    Part6 = "PART-6",
    Done1 = "DONE-1",
    Done2 = "DONE-2",
    Done3 = "DONE-3",
    Done4 = "DONE-4",
    Done5 = "DONE-5",
    Done6 = "DONE-6",
    Check1 = "CHECK-1",
    Check2 = "CHECK-2",
    Check3 = "CHECK-3",
    Img1 = "IMG-1",
    Img2 = "IMG-2",
    Img3 = "IMG-3",
    Img4 = "IMG-4",
    Img5 = "IMG-5",
    Img6 = "IMG-6",
    Img7 = "IMG-7",
    Img8 = "IMG-8",
    Get1 = "GET-1",
    Url1 = "URL-1",
    Del1 = "DEL-1",
    List1 = "LIST-1",
    List2 = "LIST-2",
    Mut1 = "MUT-1",
    Reg1 = "REG-1",
    Reg2 = "REG-2",
    Reg3 = "REG-3",
    Reg4 = "REG-4",
    Reg5 = "REG-5",
    Reg6 = "REG-6",
    Reg7 = "REG-7",
    Reg8 = "REG-8",
    Xdoor1 = "XDOOR-1",
}

impl RuleId {
    /// Whether the rule is one of the registry door's (`/v2/`, spec §10): only a run on that
    /// door judges it, and only its reports list it.
    pub fn is_door(self) -> bool {
        matches!(
            self,
            RuleId::Reg1
                | RuleId::Reg2
                | RuleId::Reg3
                | RuleId::Reg4
                | RuleId::Reg5
                | RuleId::Reg6
                | RuleId::Reg7
                | RuleId::Reg8
                | RuleId::Xdoor1
        )
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so that widths and alignment work as on the text.
        f.pad(self.as_str())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RuleId::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is no rule id")))
    }
}

/// One rule of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The id, e.g. `PART-3`.
    pub id: RuleId,
    /// What the rule says, in one line.
    pub statement: &'static str,
    /// Where it comes from.
    pub sources: &'static [Source],
}

use Source::{Chosen, Docs, Model, Seen};

/// Every rule, in the order checks run.
pub const RULES: &[Rule] = &[
    Rule {
        id: RuleId::State1,
        statement: "A request that fails changes nothing: no bytes counted, no upload consumed, no layer stored.",
        sources: &[Chosen],
    },
    Rule {
        id: RuleId::Wire1,
        statement: "An unknown X-Amz-Target gets UnknownOperationException (400).",
        sources: &[Model, Docs],
    },
    Rule {
        id: RuleId::Wire2,
        statement: "A body that is not a JSON object of the operation's shape, or a blob that is not standard padded base64, gets SerializationException (400).",
        sources: &[Chosen],
    },
    Rule {
        id: RuleId::Wire3,
        statement: "Success is 200 with every modeled output member of its JSON type; errors are 400 (500 for ServerException) naming the error in __type, code or X-Amzn-Errortype.",
        sources: &[Model, Docs],
    },
    Rule {
        id: RuleId::Val1,
        statement: "A missing required member gets InvalidParameterException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Val2,
        statement: "A member that breaks its constraint (pattern, length, >= 0, blob over 20971520 bytes) gets InvalidParameterException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Repo1,
        statement: "Another registry's id, or a repository that does not exist, gets RepositoryNotFoundException.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Admin1,
        statement: "CreateRepository makes the repository; an existing name gets RepositoryAlreadyExistsException.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Admin2,
        statement: "DeleteRepository without force on a repository holding an image gets RepositoryNotEmptyException; one with layers and uploads only is deleted; force removes images, tags, layers and uploads; an absent one gets RepositoryNotFoundException.",
        sources: &[Model, Docs, Chosen],
    },
    Rule {
        id: RuleId::Init1,
        statement: "InitiateLayerUpload opens a new upload bound to the repository, with a fresh uploadId in the UploadId pattern.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Init2,
        statement: "partSize lies within 5242880..=20971520.",
        sources: &[Seen],
    },
    Rule {
        id: RuleId::Part1,
        statement: "An uploadId that is unknown, finished or of another repository gets UploadNotFoundException; ids compare exactly.",
        sources: &[Model, Chosen],
    },
    Rule {
        id: RuleId::Part2,
        statement: "A blob over 20971520 decoded bytes gets InvalidParameterException.",
        sources: &[Model, Docs, Chosen],
    },
    Rule {
        id: RuleId::Part3,
        statement: "partFirstByte other than the next expected byte (gap, overlap, re-send) gets InvalidLayerPartException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Part4,
        statement: "partLastByte < partFirstByte, or a blob length other than partLastByte - partFirstByte + 1, gets InvalidLayerPartException.",
        sources: &[Chosen],
    },
    Rule {
        id: RuleId::Part5,
        statement: "InvalidLayerPartException carries registryId, repositoryName, uploadId and lastValidByteReceived (omitted before the first byte).",
        sources: &[Model, Chosen],
    },
    Rule {
        id: RuleId::Part6,
        statement: "An accepted part is appended; the answer echoes registryId, repositoryName, uploadId and lastByteReceived = partLastByte.",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Done1,
        statement: "An uploadId that is unknown, finished or of another repository gets UploadNotFoundException.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Done2,
        statement: "Completing an upload that received no byte gets EmptyUploadException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Done3,
        statement: "A part other than the last under 5242880 bytes gets LayerPartTooSmallException.",
        sources: &[Model, Docs],
    },
    Rule {
        id: RuleId::Done4,
        statement: "A listed digest other than sha256: + the hex SHA-256 of all bytes received gets InvalidLayerException.",
        sources: &[Model, Chosen],
    },
    Rule {
        id: RuleId::Done5,
        statement: "A layer with that digest already in the repository gets LayerAlreadyExistsException (after DONE-4).",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Done6,
        statement: "Success stores the layer, finishes the upload, and answers layerDigest = sha256:<lower-case hex>.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Check1,
        statement: "A stored layer's digest is listed in layers with layerAvailability AVAILABLE and its layerSize.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Check2,
        statement: "A digest not in the LayerDigest pattern fails with InvalidLayerDigest; any other absent one with MissingLayerDigest.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Check3,
        statement: "A completed layer no image references is AVAILABLE.",
        sources: &[Chosen],
    },
    Rule {
        id: RuleId::Img1,
        statement: "PutImage's image digest is sha256: + the hex SHA-256 of the manifest's bytes as sent; the manifest comes back byte for byte.",
        sources: &[Docs, Seen],
    },
    Rule {
        id: RuleId::Img2,
        statement: "An imageDigest given that is not the manifest's digest gets ImageDigestDoesNotMatchException.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Img3,
        statement: "The manifest must be JSON with a media type (mediaType or imageManifestMediaType) of Docker v2 schema 2, Docker manifest list, OCI image manifest or OCI image index; else InvalidParameterException.",
        sources: &[Model, Seen, Chosen],
    },
    Rule {
        id: RuleId::Img4,
        statement: "Every config and layer digest of an image manifest must be a completed layer of this repository; else LayersNotFoundException.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Img5,
        statement: "Every child of an index must be an image of this repository; else ReferencedImagesNotFoundException.",
        sources: &[Model],
    },
    Rule {
        id: RuleId::Img6,
        statement: "The digest already stored and no tag given, or the tag already on that digest, gets ImageAlreadyExistsException.",
        sources: &[Model, Seen, Chosen],
    },
    Rule {
        id: RuleId::Img7,
        statement: "A tag on another digest moves (the old image stays, untagged if that was its last tag) in a MUTABLE repository and gets ImageTagAlreadyExistsException in an IMMUTABLE one; a tag matching an exclusion filter gets the opposite.",
        sources: &[Docs],
    },
    Rule {
        id: RuleId::Img8,
        statement: "A tag is 1..300 characters of [a-zA-Z0-9-_.]; else InvalidParameterException.",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Get1,
        statement: "BatchGetImage answers each id in images (manifest byte for byte) or in failures: MissingDigestAndTag, InvalidImageDigest, InvalidImageTag, ImageTagDoesNotMatchDigest, ImageNotFound.",
        sources: &[Model, Chosen],
    },
    Rule {
        id: RuleId::Url1,
        statement: "GetDownloadUrlForLayer: not a completed layer of this repository gets LayersNotFoundException; completed but referenced by no image, LayerInaccessibleException; referenced (config too), a downloadUrl.",
        sources: &[Model, Docs, Chosen],
    },
    Rule {
        id: RuleId::Del1,
        statement: "BatchDeleteImage by tag removes the tag (the image goes with its last tag), by digest the image and all its tags; imageIds lists what went; a child of a stored index fails ImageReferencedByManifestList.",
        sources: &[Model, Docs, Chosen],
    },
    Rule {
        id: RuleId::List1,
        statement: "ListImages lists one id per (digest, tag), an untagged image as its digest alone, filtered by tagStatus, in pages of maxResults 1..1000 (default 100) with an opaque nextToken absent on the last page.",
        sources: &[Model, Docs],
    },
    Rule {
        id: RuleId::List2,
        statement: "DescribeImages: an imageIds entry missing gets ImageNotFoundException; imageIds with maxResults or nextToken gets InvalidParameterException; each detail has imageDigest, imageTags, imageSizeInBytes (config + layers), imagePushedAt (first push), imageManifestMediaType, artifactMediaType.",
        sources: &[Model, Seen],
    },
    Rule {
        id: RuleId::Mut1,
        statement: "imageTagMutability is MUTABLE (default), IMMUTABLE, MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION; the last two need 1..5 WILDCARD filters and the first two take none, else InvalidParameterException; PutImageTagMutability changes later PutImage checks only.",
        sources: &[Model, Docs],
    },
    Rule {
        id: RuleId::Reg1,
        statement: "The registry door takes HTTP Basic, user AWS and the password GetAuthorizationToken issues; none or wrong gets 401 with Www-Authenticate Basic, an expired token 403 DENIED.",
        sources: &[Docs, Seen],
    },
    Rule {
        id: RuleId::Reg2,
        statement: "POST /v2/<name>/blobs/uploads/ opens an upload of the model and answers 202 with an absolute Location; an unknown repository gets 404 NAME_UNKNOWN.",
        sources: &[Seen],
    },
    Rule {
        id: RuleId::Reg3,
        statement: "A PATCH with Content-Range must start at the next byte, else 416 BLOB_UPLOAD_INVALID; a chunk is one part (over 20971520 bytes refused or split); a PATCH without Content-Range appends; success is 201 or 202 with a Range stuck after the first chunk or advancing.",
        sources: &[Seen, Chosen],
    },
    Rule {
        id: RuleId::Reg4,
        statement: "Chunks under 5 MiB but the last are taken at PATCH time; the final PUT then fails as DONE-3 does (400 BLOB_UPLOAD_INVALID, or a 500).",
        sources: &[Seen, Chosen],
    },
    Rule {
        id: RuleId::Reg5,
        statement: "The final PUT ?digest= completes the upload with its body as the last chunk: 201 with Docker-Content-Digest; a wrong digest or an empty upload gets 400 BLOB_UPLOAD_INVALID; POST then one PUT with the whole blob works at any size.",
        sources: &[Seen],
    },
    Rule {
        id: RuleId::Reg6,
        statement: "Blob HEAD answers 200 with Docker-Content-Digest and Content-Length, 404 when absent; blob GET of a referenced layer answers 307 to storage; of an unreferenced one 404 BLOB_UNKNOWN or the bytes.",
        sources: &[Seen, Chosen],
    },
    Rule {
        id: RuleId::Reg7,
        statement: "Manifest PUT, GET, HEAD, DELETE and tags/list are the image rules: PUT 201 (Location absent or present), missing blobs BLOB_UPLOAD_UNKNOWN, immutable tag TAG_INVALID; HEAD has Docker-Content-Digest, GET may not; unknown MANIFEST_UNKNOWN; DELETE 202; tags/list lists the tags.",
        sources: &[Seen, Chosen],
    },
    Rule {
        id: RuleId::Reg8,
        statement: "Every /v2/ error is {\"errors\":[{\"code\",\"message\"}]} with Content-Type application/json; throttling is 429 TOOMANYREQUESTS.",
        sources: &[Seen, Docs],
    },
    Rule {
        id: RuleId::Xdoor1,
        statement: "One state behind both doors: a layer completed through either is available through both; an image put through either is listed, fetched and deleted through both.",
        sources: &[Seen],
    },
];

/// The rule that decides `outcome` for `request`: the rule a target breaks when it answers
/// this step otherwise.
pub fn rule_for(request: &Request, outcome: &Outcome) -> RuleId {
    match outcome {
        Err(e) => match e {
            EcrError::UnknownOperation { .. } => RuleId::Wire1,
            EcrError::Serialization { .. } => RuleId::Wire2,
            EcrError::InvalidParameter { member, problem } => match problem {
                ParameterProblem::Missing => RuleId::Val1,
                // The `malformed-request-error` knob's other value.
                ParameterProblem::Constraint(_) if member == "body" => RuleId::Wire2,
                ParameterProblem::Constraint(_) => RuleId::Val2,
                ParameterProblem::Part(p) => p.rule(),
                ParameterProblem::Rule(rule, _) => *rule,
            },
            EcrError::RepositoryNotFound { .. } => match request {
                Request::DeleteRepository(_) => RuleId::Admin2,
                _ => RuleId::Repo1,
            },
            EcrError::AccessDenied { .. } => RuleId::Repo1,
            EcrError::RepositoryAlreadyExists { .. } => RuleId::Admin1,
            EcrError::RepositoryNotEmpty { .. } => RuleId::Admin2,
            EcrError::UploadNotFound { .. } => match request {
                Request::CompleteLayerUpload(_) => RuleId::Done1,
                _ => RuleId::Part1,
            },
            EcrError::InvalidLayerPart { problem, .. } => problem.rule(),
            EcrError::EmptyUpload { .. } => RuleId::Done2,
            EcrError::LayerPartTooSmall { .. } => RuleId::Done3,
            EcrError::InvalidLayer { .. } => RuleId::Done4,
            EcrError::LayerAlreadyExists { .. } => RuleId::Done5,
            EcrError::ImageDigestDoesNotMatch { .. } => RuleId::Img2,
            EcrError::LayersNotFound { .. } => match request {
                Request::GetDownloadUrlForLayer(_) => RuleId::Url1,
                _ => RuleId::Img4,
            },
            EcrError::ReferencedImagesNotFound { .. } => RuleId::Img5,
            EcrError::ImageAlreadyExists { .. } => RuleId::Img6,
            EcrError::ImageTagAlreadyExists {
                identical: true, ..
            } => RuleId::Img6,
            EcrError::ImageTagAlreadyExists { .. } => RuleId::Img7,
            EcrError::LayerInaccessible { .. } => RuleId::Url1,
            EcrError::ImageNotFound { .. } => RuleId::List2,
            EcrError::Throttling | EcrError::Server { .. } => RuleId::Wire3,
        },
        Ok(response) => match response {
            Response::Repository(_) => match request {
                Request::DeleteRepository(_) => RuleId::Admin2,
                _ => RuleId::Admin1,
            },
            Response::UploadInitiated { .. } => RuleId::Init1,
            Response::PartAccepted { .. } => RuleId::Part6,
            Response::LayerCompleted { .. } => RuleId::Done6,
            Response::Availability { layers, .. } if layers.iter().any(|l| !l.available) => {
                RuleId::Check3
            }
            Response::Availability { layers, .. } if !layers.is_empty() => RuleId::Check1,
            Response::Availability { .. } => RuleId::Check2,
            Response::ImagePut(_) => RuleId::Img1,
            Response::Images { .. } => RuleId::Get1,
            Response::DownloadUrl { .. } => RuleId::Url1,
            Response::ImagesDeleted { .. } => RuleId::Del1,
            Response::ImageDetails { .. } => RuleId::List2,
            Response::ImageIds { .. } => RuleId::List1,
            Response::TagMutability { .. } => RuleId::Mut1,
            Response::AuthorizationToken { .. } => RuleId::Reg1,
        },
    }
}

/// Every rule an answer to `request` shows: the deciding one ([`rule_for`]) first, then
/// the rules about the answer's members (INIT-2 on a new upload, PART-5 on a refused part)
/// and WIRE-3 on every answer.
pub fn rules_checked(request: &Request, outcome: &Outcome) -> Vec<RuleId> {
    let mut out = vec![rule_for(request, outcome)];
    match outcome {
        Ok(Response::UploadInitiated { .. }) => out.push(RuleId::Init2),
        Err(EcrError::InvalidLayerPart { .. }) => out.push(RuleId::Part5),
        // A stored image's answer names its media type (IMG-3) beside its digest (IMG-1).
        Ok(Response::ImagePut(_)) => out.push(RuleId::Img3),
        // CHECK-3: a layer no image references, whatever its availability.
        Ok(Response::Availability { layers, .. })
            if layers.iter().any(|l| !l.referenced) && out[0] != RuleId::Check3 =>
        {
            out.push(RuleId::Check3);
        }
        _ => {}
    }
    if out[0] != RuleId::Wire3 {
        out.push(RuleId::Wire3);
    }
    out
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The catalog's entry of this id.
pub fn entry(id: RuleId) -> &'static Rule {
    // Every id has its entry: `every_rule_id_has_an_entry` checks it.
    RULES.iter().find(|r| r.id == id).unwrap_or(&RULES[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_id_has_an_entry_in_catalog_order() {
        let ids: Vec<RuleId> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids, RuleId::ALL);
        for id in RuleId::ALL {
            assert_eq!(RuleId::parse(id.as_str()), Some(*id));
            assert_eq!(entry(*id).id, *id);
        }
        assert_eq!(RuleId::parse("PART-99"), None);
        assert_eq!(format!("{:<8}|", RuleId::Part3), "PART-3  |");
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id.as_str()).collect();
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
            assert!(rule(rule_for(&req, &Err(e)).as_str()).is_some());
        }
    }

    #[test]
    fn every_profile_knob_names_known_rules() {
        let profile = crate::model::Profile::ecr();
        for knob in profile.knobs().into_iter().chain(profile.door_knobs()) {
            for id in knob.rules {
                assert!(
                    rule(id.as_str()).is_some(),
                    "knob {} names unknown rule {id}",
                    knob.name
                );
            }
        }
    }
}
