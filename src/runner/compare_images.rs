//! Comparing the answers of the image operations (spec §9), member by member. Image
//! digests the model computed are mapped to the target's (a target that names another
//! digest for a manifest FAILs IMG-1 once, at the push, and is judged on its own after).
//!
//! Lists are compared as rows in any order. A listing that pages is compared by its count
//! and its `nextToken`'s presence only: the order of rows across pages is the target's.

use serde_json::Value;

use super::compare::{Findings, IdMap};
use super::evidence::{Member, Shown};
use crate::model::digest::digest_of;
use crate::model::image::{ImageFailure, ImageName};
use crate::model::{Request, Response, RuleId};

/// `sha256:` of a manifest text, as rows compare it (a 4 MiB manifest is not shown).
fn manifest_digest(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => {
            Value::String(format!("{} bytes, {}", s.len(), digest_of(s.as_bytes())))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn text(v: Option<&Value>) -> Value {
    v.cloned().unwrap_or(Value::Null)
}

/// Compares the list `key` of `body` as rows made by `row`, against `want`, in any order.
fn rows(
    f: &mut Findings,
    rule: RuleId,
    body: &Value,
    key: Member,
    row: impl Fn(&Value) -> Vec<Value>,
    want: Vec<Vec<Value>>,
) {
    f.rows_by(rule, body, key, row, want);
}

fn failure_rows(failures: &[ImageFailure], ids: &IdMap) -> Vec<Vec<Value>> {
    failures
        .iter()
        .map(|x| {
            vec![
                x.image_id
                    .image_digest
                    .as_deref()
                    .map_or(Value::Null, |d| ids.target(d).into()),
                x.image_id
                    .image_tag
                    .clone()
                    .map_or(Value::Null, Value::from),
                x.code.as_str().into(),
            ]
        })
        .collect()
}

fn failure_row(v: &Value) -> Vec<Value> {
    vec![
        text(get(v, &["imageId", "imageDigest"])),
        text(get(v, &["imageId", "imageTag"])),
        text(v.get("failureCode")),
    ]
}

fn name_rows(names: &[ImageName], ids: &IdMap) -> Vec<Vec<Value>> {
    names
        .iter()
        .map(|n| {
            vec![
                ids.target(&n.digest).into(),
                n.tag.clone().map_or(Value::Null, Value::from),
            ]
        })
        .collect()
}

fn name_row(v: &Value) -> Vec<Value> {
    vec![text(v.get("imageDigest")), text(v.get("imageTag"))]
}

/// The count of a paged list and whether a next page is announced.
fn page(
    f: &mut Findings,
    rule: RuleId,
    body: &Value,
    key: Member,
    want_len: usize,
    want_next: bool,
) {
    let got = body
        .get(key.as_str())
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if got != want_len {
        f.member(
            rule,
            key,
            Shown::Text(format!("{want_len} entries")),
            Shown::Text(format!("{got} entries")),
        );
    }
    next_token(f, rule, body, want_next);
}

fn next_token(f: &mut Findings, rule: RuleId, body: &Value, want_next: bool) {
    match (body.get("nextToken"), want_next) {
        (None | Some(Value::Null), false) | (Some(Value::String(_)), true) => {}
        (None | Some(Value::Null), true) => f.member(
            rule,
            Member::NextToken,
            Shown::text("a token for the next page"),
            Shown::Absent,
        ),
        (Some(v), false) => f.member(
            rule,
            Member::NextToken,
            Shown::text("none: this is the last page"),
            Shown::Json(v.clone()),
        ),
        (Some(v), true) => f.member(
            RuleId::Wire3,
            Member::NextToken,
            Shown::text("a JSON string"),
            Shown::Json(v.clone()),
        ),
    }
}

fn paged_request(request: &Request) -> bool {
    match request {
        Request::ListImages(r) => r.next_token.is_some(),
        Request::DescribeImages(r) => r.next_token.is_some(),
        _ => false,
    }
}

/// The success answers of the image operations.
pub(super) fn compare_image_success(
    f: &mut Findings,
    rule: RuleId,
    request: &Request,
    r: &Response,
    body: &Value,
    ids: &IdMap,
) {
    match r {
        Response::ImagePut(img) => {
            let image = body.get("image").cloned().unwrap_or(Value::Null);
            let id = image.get("imageId").cloned().unwrap_or(Value::Null);
            f.string(RuleId::Img1, &id, Member::ImageDigest, &img.image_id.digest);
            if let Some(t) = &img.image_id.tag {
                f.string(rule, &id, Member::ImageTag, t);
            }
            let want = manifest_digest(Some(&Value::String(img.manifest.clone())));
            let got = manifest_digest(image.get("imageManifest"));
            if want != got {
                f.member(
                    RuleId::Img1,
                    Member::ImageManifest,
                    Shown::Json(want),
                    if got.is_null() {
                        Shown::Absent
                    } else {
                        Shown::Json(got)
                    },
                );
            }
            f.string(
                RuleId::Img3,
                &image,
                Member::ImageManifestMediaType,
                &img.media_type,
            );
            f.string(rule, &image, Member::RepositoryName, &img.repository_name);
            f.string(rule, &image, Member::RegistryId, &img.registry_id);
        }
        Response::Images { images, failures } => {
            let want = images
                .iter()
                .map(|i| {
                    vec![
                        ids.target(&i.image_id.digest).into(),
                        manifest_digest(Some(&Value::String(i.manifest.clone()))),
                        i.media_type.clone().into(),
                    ]
                })
                .collect();
            let row = |v: &Value| {
                vec![
                    text(get(v, &["imageId", "imageDigest"])),
                    manifest_digest(v.get("imageManifest")),
                    text(v.get("imageManifestMediaType")),
                ]
            };
            rows(f, RuleId::Get1, body, Member::Images, row, want);
            let want = failure_rows(failures, ids);
            rows(f, RuleId::Get1, body, Member::Failures, failure_row, want);
        }
        Response::DownloadUrl { layer_digest, .. } => {
            match body.get("downloadUrl") {
                Some(Value::String(u)) if !u.is_empty() => {}
                other => f.member(
                    RuleId::Url1,
                    Member::DownloadUrl,
                    Shown::text("a URL"),
                    other.map_or(Shown::Absent, |v| Shown::Json(v.clone())),
                ),
            }
            f.string(RuleId::Url1, body, Member::LayerDigest, layer_digest);
        }
        Response::ImagesDeleted {
            image_ids,
            failures,
        } => {
            let want = name_rows(image_ids, ids);
            rows(f, RuleId::Del1, body, Member::ImageIds, name_row, want);
            let want = failure_rows(failures, ids);
            rows(f, RuleId::Del1, body, Member::Failures, failure_row, want);
        }
        Response::ImageDetails {
            details,
            next_token: next,
        } => {
            if let Some(items) = body.get("imageDetails").and_then(Value::as_array) {
                for d in items {
                    match d.get("imagePushedAt") {
                        Some(Value::Number(_)) => {}
                        other => {
                            f.member(
                                RuleId::Wire3,
                                Member::ImagePushedAt,
                                Shown::text("a timestamp (epoch seconds)"),
                                other.map_or(Shown::Absent, |v| Shown::Json(v.clone())),
                            );
                            break;
                        }
                    }
                }
            }
            if next.is_some() || paged_request(request) {
                page(
                    f,
                    rule,
                    body,
                    Member::ImageDetails,
                    details.len(),
                    next.is_some(),
                );
                return;
            }
            let want = details
                .iter()
                .map(|d| {
                    vec![
                        ids.target(&d.digest).into(),
                        Value::from(d.tags.clone()),
                        d.size.into(),
                        d.media_type.clone().into(),
                        d.artifact_media_type
                            .clone()
                            .map_or(Value::Null, Value::from),
                    ]
                })
                .collect();
            let row = |v: &Value| {
                let mut tags: Vec<Value> = v
                    .get("imageTags")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                tags.sort_by_key(Value::to_string);
                vec![
                    text(v.get("imageDigest")),
                    Value::from(tags),
                    text(v.get("imageSizeInBytes")),
                    text(v.get("imageManifestMediaType")),
                    text(v.get("artifactMediaType")),
                ]
            };
            rows(f, rule, body, Member::ImageDetails, row, want);
            next_token(f, rule, body, false);
        }
        Response::ImageIds {
            image_ids,
            next_token: next,
        } => {
            if next.is_some() || paged_request(request) {
                page(
                    f,
                    rule,
                    body,
                    Member::ImageIds,
                    image_ids.len(),
                    next.is_some(),
                );
                return;
            }
            let want = name_rows(image_ids, ids);
            rows(f, rule, body, Member::ImageIds, name_row, want);
            next_token(f, rule, body, false);
        }
        Response::TagMutability {
            registry_id,
            repository_name,
            mutability,
        } => {
            f.string(
                rule,
                body,
                Member::ImageTagMutability,
                mutability.kind.as_str(),
            );
            f.string(rule, body, Member::RepositoryName, repository_name);
            f.string(rule, body, Member::RegistryId, registry_id);
        }
        // The layer operations' answers are compared in `compare`, which sends only the
        // image operations' answers here.
        _ => {}
    }
}
