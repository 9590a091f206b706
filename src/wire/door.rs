//! The registry door's map (`/v2/`, spec §10): each [`DoorCall`] becomes the model
//! operations the table of §10 maps it to, applied to a [`Registry`], so a layer pushed
//! through either door is the same layer and an image put through either the same image
//! (XDOOR-1). The fake answers its `/v2/` with it, and the runner's oracle for a `/v2/`
//! target is the same call: nothing else decides what the door answers.
//!
//! Where ECR departs from the OCI spec the answer follows the registry's profile, whose
//! door knobs (`Profile::door_knobs`) have ECR's values first: PATCH 201 (`patch-status`)
//! with a `Range` stuck at the first chunk's end (`patch-range`), a chunk over 20 MiB
//! refused (`oversize-chunk`), a small chunk refused at the final PUT (`small-chunk-error`),
//! an unreferenced blob's GET `BLOB_UNKNOWN` (`unreferenced-blob-get`), manifest PUT without
//! `Location` (`manifest-put-location`), manifest GET without `Docker-Content-Digest`
//! (`manifest-get-digest-header`); a manifest naming missing blobs `BLOB_UPLOAD_UNKNOWN`,
//! an immutable tag `TAG_INVALID` (REG-7), every error in the OCI shape (REG-8).
//!
//! A referenced blob's GET is the 307 to the model's download URL; a served blob's answer
//! (`unreferenced-blob-get=served`) has its headers here and its bytes from whoever keeps
//! them (the fake's blob store, §11): the model keeps no bytes.

use std::collections::HashMap;

use bytes::Bytes;

use super::Operation;
use super::oci::{ByteRange, DoorCall, DoorError, OciCode, Reference};
use crate::model::limits::MAX_PART_BYTES;
use crate::model::{
    BatchCheckLayerAvailability, BatchDeleteImage, BatchGetImage, CompleteLayerUpload, EcrError,
    GetDownloadUrlForLayer, ImageFilter, ImageId, InitiateLayerUpload, ListImages, PartBlob,
    PartProblem, PutImage, Registry, Request, Response, RuleId, UploadLayerPart,
};
use crate::model::{
    HeaderPresence, OversizeChunk, PatchRange, SmallChunkError, UnreferencedBlobGet,
};

/// What the door remembers of an upload beyond the model: where its first chunk ended, which
/// ECR's `Range` header keeps answering (REG-3, `patch-range=stuck-after-first-chunk`).
#[derive(Debug, Default)]
pub(crate) struct DoorUploads {
    first_chunk_end: HashMap<String, u64>,
}

/// A door answer before the responder adds its common headers.
#[derive(Debug)]
pub(crate) struct DoorAnswer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    /// The error's code, when the answer is one (its body is the OCI shape of it).
    pub error: Option<OciCode>,
    /// The rule that decides this answer: a target answering otherwise breaks it.
    pub rule: RuleId,
}

impl DoorAnswer {
    fn empty(status: u16) -> Self {
        DoorAnswer {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            content_type: None,
            error: None,
            rule: RuleId::Reg8,
        }
    }

    /// The value of a header the answer carries (names are lower case).
    pub(crate) fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// An OCI error answer.
    pub(crate) fn error(e: &DoorError) -> Self {
        DoorAnswer {
            status: e.status,
            headers: Vec::new(),
            body: e.body(),
            content_type: Some(super::oci::ERROR_CONTENT_TYPE.to_owned()),
            error: Some(e.code),
            rule: RuleId::Reg8,
        }
    }
}

/// The message of an expired token's 403 `DENIED` (REG-1).
pub(crate) const TOKEN_EXPIRED: &str =
    "Your authorization token has expired. Reauthenticate and try again.";

/// REG-1, on a registry that demands credentials: HTTP Basic with user `AWS` and a password
/// this registry issued (`GetAuthorizationToken`) that has not expired on its clock. None,
/// another scheme or user, or a password it never issued → 401 with ECR's
/// `Www-Authenticate: Basic realm="https://<host>/",service="ecr.amazonaws.com"`; an expired
/// one → 403 `DENIED`.
///
/// `scheme` is how the registry is reached: ECR's realm is `https://<host>/`, and a fake on
/// plain HTTP names `http://`, since clients that read the realm as a URL (oras-py) go there.
pub(crate) fn authorize(
    registry: &Registry,
    authorization: Option<&str>,
    host: Option<&str>,
    scheme: &str,
) -> Result<(), DoorAnswer> {
    let password = authorization.and_then(super::authorization::basic_password);
    match password.as_deref().and_then(|p| registry.token_expiry(p)) {
        Some(expiry) if expiry > registry.clock() => Ok(()),
        Some(_) => {
            let mut answer =
                DoorAnswer::error(&DoorError::new(403, OciCode::Denied, TOKEN_EXPIRED));
            answer.rule = RuleId::Reg1;
            Err(answer)
        }
        None => {
            let realm = format!(
                "Basic realm=\"{scheme}://{}/\",service=\"ecr.amazonaws.com\"",
                host.unwrap_or("localhost")
            );
            let mut answer = DoorAnswer::error(&DoorError::new(
                401,
                OciCode::Unauthorized,
                "Not Authorized",
            ))
            .header("www-authenticate", realm)
            .header("docker-distribution-api-version", "registry/2.0");
            answer.rule = RuleId::Reg1;
            Err(answer)
        }
    }
}

/// The API operation a call is counted as, for faults (§10's table).
pub(crate) fn operation_of(call: &DoorCall) -> Option<Operation> {
    Some(match call {
        DoorCall::Base | DoorCall::UploadStatus { .. } => return None,
        DoorCall::BlobHead { .. } => Operation::BatchCheckLayerAvailability,
        DoorCall::BlobGet { .. } => Operation::GetDownloadUrlForLayer,
        DoorCall::UploadStart { .. } => Operation::InitiateLayerUpload,
        DoorCall::UploadChunk { .. } => Operation::UploadLayerPart,
        DoorCall::UploadFinish { .. } => Operation::CompleteLayerUpload,
        DoorCall::ManifestPut { .. } => Operation::PutImage,
        DoorCall::ManifestGet { .. } => Operation::BatchGetImage,
        DoorCall::ManifestDelete { .. } => Operation::BatchDeleteImage,
        DoorCall::TagsList { .. } => Operation::ListImages,
    })
}

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// The path of an upload, as `Location` gives it (absolute when the request said its host).
fn upload_location(host: Option<&str>, name: &str, id: &str) -> String {
    let path = format!("/v2/{name}/blobs/uploads/{id}");
    match host {
        Some(h) => format!("http://{h}{path}"),
        None => path,
    }
}

/// Answers one call over `registry`. `body` is the request body; `host` the `Host` header;
/// `content_type` the request's (a manifest's media type).
pub(crate) fn answer(
    registry: &mut Registry,
    uploads: &mut DoorUploads,
    call: &DoorCall,
    body: &[u8],
    host: Option<&str>,
    content_type: Option<&str>,
) -> DoorAnswer {
    let mut rule = rule_of(call);
    let mut answer = door(registry, uploads, call, body, host, content_type, &mut rule)
        .unwrap_or_else(|e| DoorAnswer::error(&e));
    answer.rule = rule;
    answer
}

/// The rule a call's answer is decided by (spec §10), unless the answer names another.
fn rule_of(call: &DoorCall) -> RuleId {
    match call {
        DoorCall::Base => RuleId::Reg1,
        DoorCall::BlobHead { .. } | DoorCall::BlobGet { .. } => RuleId::Reg6,
        DoorCall::UploadStart { digest: None, .. } => RuleId::Reg2,
        DoorCall::UploadStart {
            digest: Some(_), ..
        }
        | DoorCall::UploadFinish { .. } => RuleId::Reg5,
        DoorCall::UploadChunk { .. } | DoorCall::UploadStatus { .. } => RuleId::Reg3,
        DoorCall::ManifestPut { .. }
        | DoorCall::ManifestGet { .. }
        | DoorCall::ManifestDelete { .. }
        | DoorCall::TagsList { .. } => RuleId::Reg7,
    }
}

fn door(
    registry: &mut Registry,
    uploads: &mut DoorUploads,
    call: &DoorCall,
    body: &[u8],
    host: Option<&str>,
    content_type: Option<&str>,
    rule: &mut RuleId,
) -> Result<DoorAnswer, DoorError> {
    match call {
        DoorCall::Base => Ok(DoorAnswer {
            status: 200,
            headers: vec![("docker-distribution-api-version", "registry/2.0".into())],
            body: b"{}".to_vec(),
            content_type: Some("application/json; charset=utf-8".into()),
            error: None,
            rule: RuleId::Reg1,
        }),
        DoorCall::BlobHead { name, digest } => {
            let (size, _) = blob(registry, name, digest)?;
            Ok(DoorAnswer::empty(200)
                .header("docker-content-digest", digest.clone())
                .header("content-length", size.to_string()))
        }
        DoorCall::BlobGet { name, digest } => {
            let (size, referenced) = blob(registry, name, digest)?;
            if !referenced {
                // REG-6: `unreferenced-blob-get`.
                return match registry.profile().unreferenced_blob_get {
                    UnreferencedBlobGet::NotFound => Err(blob_unknown(digest)),
                    UnreferencedBlobGet::Served => {
                        let mut answer = DoorAnswer::empty(200)
                            .header("docker-content-digest", digest.clone())
                            .header("content-length", size.to_string());
                        // The body is the blob's bytes, which the model does not keep: who
                        // answers reads them from its store.
                        answer.content_type = Some("application/octet-stream".into());
                        Ok(answer)
                    }
                };
            }
            let asked = Request::GetDownloadUrlForLayer(GetDownloadUrlForLayer {
                repository_name: some(name),
                layer_digest: some(digest),
                ..Default::default()
            });
            match registry.apply(&asked).map_err(|e| refused(&e))? {
                Response::DownloadUrl { download_url, .. } => Ok(DoorAnswer::empty(307)
                    .header("location", download_url)
                    .header("docker-content-digest", digest.clone())),
                _ => Err(internal("GetDownloadUrlForLayer gave another answer")),
            }
        }
        DoorCall::UploadStart { name, digest } => {
            let id = initiate(registry, name)?;
            let location = upload_location(host, name, &id);
            if let Some(digest) = digest {
                // A monolithic POST: the body is the whole blob.
                return finish(registry, uploads, name, &id, digest, body, host, rule);
            }
            Ok(DoorAnswer::empty(202)
                .header("location", location)
                .header("range", "0-0"))
        }
        DoorCall::UploadChunk {
            name,
            upload_id,
            range,
        } => {
            let last = match range {
                Some(r) => chunk(registry, name, upload_id, *r, &Bytes::copy_from_slice(body))?,
                None => stream(registry, name, upload_id, &Bytes::copy_from_slice(body))?,
            };
            let first_end = match last {
                Some(last) => *uploads
                    .first_chunk_end
                    .entry(upload_id.clone())
                    .or_insert(last),
                None => uploads.first_chunk_end.get(upload_id).copied().unwrap_or(0),
            };
            let profile = registry.profile();
            // REG-3: `patch-range`, `patch-status`.
            let end = match profile.patch_range {
                PatchRange::StuckAfterFirstChunk => first_end,
                PatchRange::Advancing => next_byte(registry, name, upload_id)?.saturating_sub(1),
            };
            Ok(DoorAnswer::empty(profile.patch_status.code())
                .header("location", upload_location(host, name, upload_id))
                .header("range", format!("0-{end}")))
        }
        DoorCall::UploadFinish {
            name,
            upload_id,
            digest,
        } => finish(registry, uploads, name, upload_id, digest, body, host, rule),
        DoorCall::UploadStatus { name, upload_id } => {
            let received = registry
                .upload(upload_id)
                .filter(|u| u.repository() == name)
                .map(|u| u.received())
                .ok_or_else(|| upload_unknown(upload_id))?;
            Ok(DoorAnswer::empty(204)
                .header("location", upload_location(host, name, upload_id))
                .header("range", format!("0-{}", received.saturating_sub(1))))
        }
        DoorCall::ManifestPut { name, reference } => {
            let manifest = std::str::from_utf8(body).map_err(|_| {
                DoorError::new(
                    400,
                    OciCode::ManifestInvalid,
                    "the manifest is not UTF-8 text",
                )
            })?;
            let (tag, digest) = match reference {
                Reference::Tag(t) => (some(t), None),
                Reference::Digest(d) => (None, some(d)),
            };
            let put = Request::PutImage(PutImage {
                repository_name: some(name),
                image_manifest: some(manifest),
                image_manifest_media_type: content_type.map(str::to_owned),
                image_tag: tag,
                image_digest: digest,
                ..Default::default()
            });
            let digest = match registry.apply(&put) {
                Ok(Response::ImagePut(image)) => image.image_id.digest,
                // The same image under the same tag is there: the push is done.
                Err(EcrError::ImageAlreadyExists { image_digest, .. }) => image_digest,
                Ok(_) => return Err(internal("PutImage gave another answer")),
                Err(e) => return Err(refused(&e)),
            };
            // REG-7: 201, `Location` as `manifest-put-location` says.
            let answer = DoorAnswer::empty(201);
            let answer = match registry.profile().manifest_put_location {
                HeaderPresence::Absent => answer,
                HeaderPresence::Present => {
                    answer.header("location", format!("/v2/{name}/manifests/{digest}"))
                }
            };
            Ok(answer.header("docker-content-digest", digest))
        }
        DoorCall::ManifestGet {
            name,
            reference,
            head,
        } => {
            let get = Request::BatchGetImage(BatchGetImage {
                repository_name: some(name),
                image_ids: Some(vec![image_id(reference)]),
                ..Default::default()
            });
            let image = match registry.apply(&get).map_err(|e| refused(&e))? {
                Response::Images { mut images, .. } if !images.is_empty() => images.remove(0),
                Response::Images { .. } => {
                    return Err(DoorError::new(
                        404,
                        OciCode::ManifestUnknown,
                        format!("Requested image not found: {}", reference_text(reference)),
                    ));
                }
                _ => return Err(internal("BatchGetImage gave another answer")),
            };
            let length = image.manifest.len().to_string();
            let mut answer = DoorAnswer {
                status: 200,
                // A HEAD says the length of the body it does not send.
                headers: if *head {
                    vec![("content-length", length)]
                } else {
                    Vec::new()
                },
                body: if *head {
                    Vec::new()
                } else {
                    image.manifest.into_bytes()
                },
                content_type: Some(image.media_type),
                error: None,
                rule: RuleId::Reg7,
            };
            // REG-7: HEAD has `Docker-Content-Digest`; GET as `manifest-get-digest-header`
            // says.
            if *head || registry.profile().manifest_get_digest_header == HeaderPresence::Present {
                answer
                    .headers
                    .push(("docker-content-digest", image.image_id.digest));
            }
            Ok(answer)
        }
        DoorCall::ManifestDelete { name, reference } => {
            let delete = Request::BatchDeleteImage(BatchDeleteImage {
                repository_name: some(name),
                image_ids: Some(vec![image_id(reference)]),
                ..Default::default()
            });
            match registry.apply(&delete).map_err(|e| refused(&e))? {
                Response::ImagesDeleted { image_ids, .. } if !image_ids.is_empty() => {
                    Ok(DoorAnswer::empty(202))
                }
                Response::ImagesDeleted { .. } => Err(DoorError::new(
                    404,
                    OciCode::ManifestUnknown,
                    format!("Requested image not found: {}", reference_text(reference)),
                )),
                _ => Err(internal("BatchDeleteImage gave another answer")),
            }
        }
        DoorCall::TagsList { name, n, last } => {
            let list = Request::ListImages(ListImages {
                repository_name: some(name),
                next_token: last.clone(),
                max_results: n.map(|n| n.clamp(1, 1000) as i64),
                filter: Some(ImageFilter {
                    tag_status: some("TAGGED"),
                }),
                ..Default::default()
            });
            match registry.apply(&list).map_err(|e| refused(&e))? {
                Response::ImageIds {
                    image_ids,
                    next_token,
                } => {
                    let tags: Vec<String> = image_ids.into_iter().filter_map(|i| i.tag).collect();
                    let body = serde_json::json!({ "name": name, "tags": tags });
                    let mut answer = DoorAnswer {
                        status: 200,
                        headers: Vec::new(),
                        body: body.to_string().into_bytes(),
                        content_type: Some("application/json; charset=utf-8".into()),
                        error: None,
                        rule: RuleId::Reg7,
                    };
                    if let Some(token) = next_token {
                        let n = n.map(|n| format!("n={n}&")).unwrap_or_default();
                        answer.headers.push((
                            "link",
                            format!("</v2/{name}/tags/list?{n}last={token}>; rel=\"next\""),
                        ));
                    }
                    Ok(answer)
                }
                _ => Err(internal("ListImages gave another answer")),
            }
        }
    }
}

fn image_id(reference: &Reference) -> ImageId {
    match reference {
        Reference::Tag(t) => ImageId {
            image_tag: some(t),
            image_digest: None,
        },
        Reference::Digest(d) => ImageId {
            image_digest: some(d),
            image_tag: None,
        },
    }
}

fn reference_text(reference: &Reference) -> &str {
    match reference {
        Reference::Tag(t) | Reference::Digest(t) => t,
    }
}

/// A blob's size and whether an image references it; `BLOB_UNKNOWN` when it is not there.
fn blob(registry: &mut Registry, name: &str, digest: &str) -> Result<(u64, bool), DoorError> {
    let check = Request::BatchCheckLayerAvailability(BatchCheckLayerAvailability {
        repository_name: some(name),
        layer_digests: Some(vec![digest.to_owned()]),
        ..Default::default()
    });
    match registry.apply(&check).map_err(|e| refused(&e))? {
        Response::Availability { layers, .. } => layers
            .into_iter()
            .find(|l| l.layer_digest == digest)
            .map(|l| (l.layer_size, l.referenced))
            .ok_or_else(|| blob_unknown(digest)),
        _ => Err(internal("BatchCheckLayerAvailability gave another answer")),
    }
}

fn initiate(registry: &mut Registry, name: &str) -> Result<String, DoorError> {
    let start = Request::InitiateLayerUpload(InitiateLayerUpload {
        repository_name: some(name),
        ..Default::default()
    });
    match registry.apply(&start).map_err(|e| refused(&e))? {
        Response::UploadInitiated { upload_id, .. } => Ok(upload_id),
        _ => Err(internal("InitiateLayerUpload gave another answer")),
    }
}

/// One part; its last byte.
fn part(
    registry: &mut Registry,
    name: &str,
    upload_id: &str,
    first: u64,
    bytes: Bytes,
) -> Result<u64, DoorError> {
    let last = first + bytes.len() as u64 - 1;
    let put = Request::UploadLayerPart(UploadLayerPart {
        repository_name: some(name),
        upload_id: some(upload_id),
        part_first_byte: i64::try_from(first).ok(),
        part_last_byte: i64::try_from(last).ok(),
        layer_part_blob: Some(PartBlob::new(bytes)),
        ..Default::default()
    });
    match registry.apply(&put) {
        Ok(Response::PartAccepted { .. }) => Ok(last),
        Ok(_) => Err(internal("UploadLayerPart gave another answer")),
        Err(e) => Err(refused(&e)),
    }
}

/// A PATCH with `Content-Range`: one part (REG-3). Its body must be as long as its range.
fn chunk(
    registry: &mut Registry,
    name: &str,
    upload_id: &str,
    range: ByteRange,
    body: &Bytes,
) -> Result<Option<u64>, DoorError> {
    if body.len() as u64 != range.len() {
        return Err(DoorError::new(
            416,
            OciCode::BlobUploadInvalid,
            format!(
                "Content-Range {}-{} is {} bytes, the body {}",
                range.first,
                range.last,
                range.len(),
                body.len()
            ),
        ));
    }
    let next = next_byte(registry, name, upload_id)?;
    if range.len() > MAX_PART_BYTES && range.first == next {
        // REG-3 `oversize-chunk`: a chunk is one part, which PART-2 caps (416, as any chunk
        // the upload cannot take; the API door's `oversize-part-error` is not this door's),
        // or taken as a streamed body is.
        return match registry.profile().oversize_chunk {
            OversizeChunk::Refused => Err(DoorError::new(
                416,
                OciCode::BlobUploadInvalid,
                format!(
                    "the chunk is {} bytes; a layer part is at most {MAX_PART_BYTES}",
                    range.len()
                ),
            )),
            OversizeChunk::Split => stream(registry, name, upload_id, body),
        };
    }
    part(registry, name, upload_id, range.first, body.clone()).map(Some)
}

/// Appends `bytes` (a piece of a streamed body) to the upload as parts of at most 20 MiB,
/// as a PATCH without `Content-Range` does; the fake's server calls it as the body arrives.
pub(crate) fn append(
    registry: &mut Registry,
    name: &str,
    upload_id: &str,
    bytes: Bytes,
) -> Result<(), DoorError> {
    stream(registry, name, upload_id, &bytes).map(|_| ())
}

/// A PATCH without `Content-Range`: the body appended, split into parts of at most 20 MiB.
/// `None` when the body was empty.
fn stream(
    registry: &mut Registry,
    name: &str,
    upload_id: &str,
    body: &Bytes,
) -> Result<Option<u64>, DoorError> {
    let mut next = next_byte(registry, name, upload_id)?;
    let mut last = None;
    let step = MAX_PART_BYTES as usize;
    for start in (0..body.len()).step_by(step) {
        // Slices of the body: no part's bytes are copied again.
        let piece = body.slice(start..(start + step).min(body.len()));
        let l = part(registry, name, upload_id, next, piece)?;
        next = l + 1;
        last = Some(l);
    }
    Ok(last)
}

/// The next byte an upload of this repository takes; `BLOB_UPLOAD_UNKNOWN` when there is no
/// such upload.
fn next_byte(registry: &Registry, name: &str, upload_id: &str) -> Result<u64, DoorError> {
    registry
        .upload(upload_id)
        .filter(|u| u.repository() == name)
        .map(|u| u.received())
        .ok_or_else(|| upload_unknown(upload_id))
}

/// The final PUT (REG-5): its body as the last chunk, then CompleteLayerUpload.
#[allow(clippy::too_many_arguments)]
fn finish(
    registry: &mut Registry,
    uploads: &mut DoorUploads,
    name: &str,
    upload_id: &str,
    digest: &str,
    body: &[u8],
    host: Option<&str>,
    rule: &mut RuleId,
) -> Result<DoorAnswer, DoorError> {
    stream(registry, name, upload_id, &Bytes::copy_from_slice(body))?;
    let complete = Request::CompleteLayerUpload(CompleteLayerUpload {
        repository_name: some(name),
        upload_id: some(upload_id),
        layer_digests: Some(vec![digest.to_owned()]),
        ..Default::default()
    });
    let digest = match registry.apply(&complete) {
        Ok(Response::LayerCompleted { layer_digest, .. }) => layer_digest,
        // The blob is there: what the PUT asked for holds.
        Err(EcrError::LayerAlreadyExists { layer_digest }) => layer_digest,
        Ok(_) => return Err(internal("CompleteLayerUpload gave another answer")),
        // REG-4: `small-chunk-error`.
        Err(e @ EcrError::LayerPartTooSmall { .. }) => {
            *rule = RuleId::Reg4;
            return Err(match registry.profile().small_chunk_error {
                SmallChunkError::ServerError => {
                    DoorError::new(500, OciCode::Unknown, e.to_string())
                }
                SmallChunkError::BlobUploadInvalid => refused(&e),
            });
        }
        Err(e) => return Err(refused(&e)),
    };
    uploads.first_chunk_end.remove(upload_id);
    let location = match host {
        Some(h) => format!("http://{h}/v2/{name}/blobs/{digest}"),
        None => format!("/v2/{name}/blobs/{digest}"),
    };
    Ok(DoorAnswer::empty(201)
        .header("location", location)
        .header("docker-content-digest", digest))
}

fn blob_unknown(digest: &str) -> DoorError {
    DoorError::new(
        404,
        OciCode::BlobUnknown,
        format!("blob {digest} is not in the repository"),
    )
}

fn upload_unknown(upload_id: &str) -> DoorError {
    DoorError::new(
        404,
        OciCode::BlobUploadUnknown,
        format!("upload {upload_id} is unknown"),
    )
}

fn internal(what: &str) -> DoorError {
    DoorError::new(500, OciCode::Unknown, what)
}

/// The model's refusal in the door's terms (§10's table; messages are the API's).
pub(crate) fn refused(e: &EcrError) -> DoorError {
    let message = e.to_string();
    let (status, code) = match e {
        EcrError::RepositoryNotFound { .. } => (404, OciCode::NameUnknown),
        EcrError::UploadNotFound { .. } => (404, OciCode::BlobUploadUnknown),
        EcrError::InvalidLayerPart { problem, .. } => match problem {
            PartProblem::WrongStart { .. } | PartProblem::Oversize { .. } => {
                (416, OciCode::BlobUploadInvalid)
            }
            _ => (400, OciCode::BlobUploadInvalid),
        },
        // REG-4 (`small-chunk-error=blob-upload-invalid`), REG-5.
        EcrError::EmptyUpload { .. }
        | EcrError::LayerPartTooSmall { .. }
        | EcrError::InvalidLayer { .. } => (400, OciCode::BlobUploadInvalid),
        // REG-7: ECR's codes, not the spec's.
        EcrError::LayersNotFound { .. } => (400, OciCode::BlobUploadUnknown),
        EcrError::ImageTagAlreadyExists { .. } => (400, OciCode::TagInvalid),
        EcrError::ImageDigestDoesNotMatch { .. } => (400, OciCode::ManifestInvalid),
        EcrError::InvalidParameter { .. } => (405, OciCode::Unsupported),
        EcrError::Throttling => (429, OciCode::Toomanyrequests),
        EcrError::Server { .. } => (500, OciCode::Unknown),
        EcrError::AccessDenied { .. } => (403, OciCode::Denied),
        _ => (400, OciCode::Unsupported),
    };
    DoorError::new(status, code, message)
}
