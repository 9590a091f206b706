//! One step: apply the request to the model, compare the target's answer, and where they
//! diverge bring the model in line with what the target evidently did (resynchronise).
//!
//! State the model adopted exactly (the target stored this layer, consumed this upload,
//! has no such repository: the model now holds what the target holds) excuses nothing: a
//! later divergence on it is judged on its own. Only state the judge could not bring in
//! line (a byte count or a content it cannot know, an upload of unknown use) makes later
//! divergences on the same entity consequences.

use serde_json::Value;

use super::entities::{Entity, entities_of, is_stateless, reads};
use super::{CaseState, Exchange};
use crate::model::image::ImageFailureCode;
use crate::model::{
    EcrError, ErrorCode, Outcome, Registry, Request, Response, RuleId, StateKind, rule_for,
};
use crate::protocol::Observed;
use crate::runner::compare::compare;
use crate::runner::evidence::{Divergence, Member, On, Shown};

/// A judged step.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The model's answer.
    pub expected: Outcome,
    /// How the target's answer differs (empty: it agrees).
    pub divergences: Vec<Divergence>,
    /// The earlier step this one's divergence follows from.
    pub follows_from: Option<usize>,
}

/// Whether the target answered a success.
pub(crate) fn target_succeeded(answer: &Observed) -> bool {
    answer.status == 200 && answer.error.is_none()
}

fn answer_string<'a>(answer: &'a Observed, key: &str) -> Option<&'a str> {
    answer.body.as_ref()?.get(key)?.as_str()
}

/// Whether a rule's answer depends on what earlier steps left behind.
fn is_state_rule(rule: RuleId) -> bool {
    !reads(rule).is_empty()
}

/// Whether a divergence shows that the target holds other state than the model, where
/// the request passed the checks that do not depend on state: the target lost an upload
/// or a repository the model holds, has no bytes where the model has some, or expects
/// another next byte (it refuses a part the model accepts, or names another
/// `lastValidByteReceived`).
fn reveals_state(
    request: &Request,
    expected: &Outcome,
    answer: &Observed,
    divergences: &[Divergence],
) -> bool {
    if is_stateless(rule_for(request, expected)) {
        return false;
    }
    let code = answer.error.as_ref();
    let lost = matches!(
        code,
        Some(ErrorCode::UploadNotFound | ErrorCode::EmptyUpload | ErrorCode::RepositoryNotFound)
    ) && request.registry_id().is_none();
    let refused_part = expected.is_ok()
        && matches!(request, Request::UploadLayerPart(_))
        && code == Some(&ErrorCode::InvalidLayerPart);
    let other_count = divergences
        .iter()
        .any(|d| d.on == On::Member(Member::LastValidByteReceived) && d.actual.as_i64().is_some());
    let other_answer = divergences.iter().any(|d| d.on.is_answer());
    (other_answer && (lost || refused_part)) || other_count
}

/// Judges one step: applies it to the model, compares, resynchronises.
pub fn judge_step(state: &mut CaseState, index: usize, ex: &Exchange) -> Judged {
    let mut entities = ex.entities_with(&state.model);
    // A repository holding an image whose state is known is not empty, whatever else of
    // its listing is unknown: that is all ADMIN-2 asks of it.
    if let Request::DeleteRepository(r) = &ex.request
        && let Some(repo) = &r.repository_name
        && state.model.image_digests(repo).any(|d| {
            let image = Entity::Image {
                repository: repo.clone(),
                digest: d.to_owned(),
            };
            state.ledger.unknown_since(&[image]).is_none()
        })
    {
        entities.retain(|e| !matches!(e, Entity::Images(_)));
    }
    let before = state.model.clone();
    let expected = state.model.apply(&ex.request);
    let answer = &ex.answer;
    let mut divergences = Vec::new();
    if let Ok(Response::UploadInitiated { upload_id, .. }) = &expected {
        if let Some(t) = answer_string(answer, "uploadId").filter(|_| target_succeeded(answer)) {
            if state.ids.has_target(t) {
                divergences.push(Divergence::new(
                    RuleId::Init1,
                    On::Member(Member::UploadId),
                    Shown::text("a fresh id"),
                    Shown::Text(format!("{t}, answered before")),
                ));
            }
            state.ids.insert(upload_id, t);
        }
        if target_succeeded(answer) {
            state.minted.push(upload_id.clone());
        }
    }
    divergences.extend(compare(&ex.request, &expected, answer, &state.ids));
    // A target that names another digest for a manifest FAILs IMG-1 here; later steps
    // name the image by the target's digest, and are judged on their own.
    if let Ok(Response::ImagePut(img)) = &expected
        && target_succeeded(answer)
    {
        map_image_digest(state, &img.image_id.digest, answer);
    }
    // A step that checks an earlier one (`checks`) blames that rule for an answer that
    // shows other state (a byte count, which layers or images are there); a wrong member
    // elsewhere in it keeps its own rule.
    if let Some(rule) = ex.attribute {
        for d in &mut divergences {
            if d.on.is_answer()
                || matches!(
                    d.on,
                    On::Member(
                        Member::LastValidByteReceived
                            | Member::Layers
                            | Member::Failures
                            | Member::Images
                            | Member::ImageIds
                    )
                )
            {
                d.rule = rule;
            }
        }
    }
    if divergences.is_empty() {
        if expected.is_err() {
            for e in &entities {
                state.ledger.mark_refused(e, index);
            }
        }
        // An answer that names the upload's byte count and agrees: the count is known.
        let counted = match &expected {
            Ok(Response::PartAccepted { upload_id, .. }) => Some(upload_id.as_str()),
            Err(EcrError::InvalidLayerPart {
                upload_id,
                last_valid_byte_received: Some(_),
                ..
            }) => Some(upload_id.as_str()),
            _ => None,
        };
        if let Some(u) = counted {
            state.ledger.confirm_count(&Entity::upload(u));
        }
        return Judged {
            expected,
            divergences,
            follows_from: None,
        };
    }

    // A step the model answers from the request alone (WIRE, VAL) depends on no state:
    // its divergence is its own.
    let deciding = rule_for(&ex.request, &expected);
    // A 5xx is no state the model could be in: never a consequence.
    let follows_from = if is_stateless(deciding) || answer.status >= 500 {
        None
    } else {
        state.ledger.unknown_since(&entities)
    };
    // The target's state differs from the model's although every earlier step agreed: an
    // earlier request both refused must have changed it.
    if follows_from.is_none()
        && ex.attribute.is_none()
        && reveals_state(&ex.request, &expected, answer, &divergences)
        && state.ledger.was_refused(&entities)
    {
        for d in &mut divergences {
            if is_state_rule(d.rule) || d.on.is_answer() {
                d.rule = RuleId::State1;
            }
        }
    }
    resync(state, before, &expected, &divergences, index, ex, &entities);
    Judged {
        expected,
        divergences,
        follows_from,
    }
}

/// Brings the model in line with what the target evidently did at a diverging step, and
/// marks unknown what it cannot bring in line.
fn resync(
    state: &mut CaseState,
    before: Registry,
    expected: &Outcome,
    divergences: &[Divergence],
    index: usize,
    ex: &Exchange,
    entities: &[Entity],
) {
    let answer = &ex.answer;
    let upload = ex.request.upload_id();
    let mark_counts = |state: &mut CaseState| {
        for e in entities.iter().filter(|e| e.kind() == StateKind::Upload) {
            state.ledger.mark_count_unknown(e, index);
        }
    };
    let mark_all = |state: &mut CaseState, kinds: &[StateKind]| {
        for e in entities.iter().filter(|e| kinds.contains(&e.kind())) {
            state.ledger.mark_unknown(e, index);
        }
    };
    // An upload opened at a diverging step (an id out of pattern, say) is of unknown use.
    if let Ok(Response::UploadInitiated { upload_id, .. }) = expected
        && divergences
            .iter()
            .any(|d| d.on.is_answer() || d.on == On::Member(Member::UploadId))
    {
        state.ledger.mark_unknown(&Entity::upload(upload_id), index);
    }
    match (expected.is_ok(), target_succeeded(answer)) {
        // Both succeeded: the model's state stands, but a byte count or a digest it
        // disagrees on leaves that upload or layer unknown. A count above the model's is
        // no state: both took this part, and bytes the target held beyond the model's
        // would have shown at an earlier step, so it is the answer that is wrong.
        (true, true) => {
            // Other deletions than the model's: what the target lists as gone is gone,
            // and the images and tags the request named are of unknown state.
            if let Request::BatchDeleteImage(r) = &ex.request
                && let Some(repo) = &r.repository_name
                && divergences
                    .iter()
                    .any(|d| matches!(d.on, On::Member(Member::ImageIds | Member::Failures)))
            {
                state.model = before.clone();
                let names = deleted_names(state, answer);
                state.model.adopt_deletions(repo, &names);
                mark_all(state, &[StateKind::Image, StateKind::Tag]);
            }
            if divergences.iter().any(|d| {
                matches!(d.on, On::Member(m) if m.counts_bytes())
                    && !matches!(
                        (d.actual.as_i64(), d.expected.as_i64()),
                        (Some(said), Some(held)) if said > held
                    )
            }) {
                mark_counts(state);
            }
            if divergences
                .iter()
                .any(|d| d.on == On::Member(Member::LayerDigest))
            {
                mark_all(state, &[StateKind::Layer]);
                if let (Some(r), Some(d)) = (
                    ex.request.repository(),
                    answer_string(answer, "layerDigest"),
                ) {
                    let layer = Entity::Layer {
                        repository: r.to_owned(),
                        digest: d.to_owned(),
                    };
                    state.ledger.mark_unknown(&layer, index);
                }
            }
        }
        (false, false) => {}
        // The target refused what the model accepted: as far as it says, nothing changed.
        // What a refused part or completion left of the upload, or a refused create or
        // delete of the repository, the answer does not say.
        (true, false) => {
            state.model = before;
            match &ex.request {
                // A refused part: the count is what a later answer will say.
                Request::UploadLayerPart(_) => mark_counts(state),
                // A refused completion: whether the upload is still open is unknown.
                Request::CompleteLayerUpload(_) => mark_all(state, &[StateKind::Upload]),
                Request::CreateRepository(_) | Request::DeleteRepository(_) => {
                    mark_all(state, &[StateKind::Repository]);
                }
                _ => {}
            }
        }
        // The target accepted what the model refused: do what it did.
        (false, true) => {
            state.model = before;
            match adopt(state, ex) {
                Adopted::Exactly => {}
                Adopted::Guessing(kinds) => mark_all(state, kinds),
                Adopted::Nothing => mark_all(
                    state,
                    &[StateKind::Repository, StateKind::Layer, StateKind::Upload],
                ),
            }
        }
    }
    // A BatchGetImage that finds an image the model does not hold, or misses one it
    // holds: that image or tag is of unknown state (so is the listing). A wrong failure
    // code or media type says nothing of what is stored.
    if let (Request::BatchGetImage(_), Ok(Response::Images { images, failures }), Some(body)) =
        (&ex.request, expected, answer.body.as_ref())
        && let Some(repo) = ex.request.repository()
    {
        let found: Vec<(Option<&str>, Option<&str>)> = body
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|i| {
                let id = i.get("imageId");
                let field = |k: &str| id.and_then(|v| v.get(k)).and_then(Value::as_str);
                (field("imageDigest"), field("imageTag"))
            })
            .collect();
        for id in ex.request.image_ids() {
            // An id the model refuses for its form (a bad digest or tag, a tag on another
            // image than the digest) says nothing of what is stored.
            let malformed = failures
                .iter()
                .any(|f| f.image_id == *id && f.code != ImageFailureCode::ImageNotFound);
            if malformed {
                continue;
            }
            let (model, target, entity) = match (&id.image_tag, &id.image_digest) {
                (Some(t), None) => (
                    images.iter().any(|i| i.image_id.tag.as_ref() == Some(t)),
                    found.iter().any(|(_, tag)| *tag == Some(t.as_str())),
                    Entity::Tag {
                        repository: repo.to_owned(),
                        tag: t.clone(),
                    },
                ),
                (None, Some(d)) => (
                    images.iter().any(|i| &i.image_id.digest == d),
                    found
                        .iter()
                        .any(|(digest, _)| *digest == Some(state.ids.target(d))),
                    Entity::Image {
                        repository: repo.to_owned(),
                        digest: d.clone(),
                    },
                ),
                _ => continue,
            };
            if model != target {
                state.ledger.mark_unknown(&entity, index);
            }
        }
    }
    // What the target's error says of its state, where the request passed the checks that
    // do not depend on state (else the error says nothing of it).
    let evidence = if is_stateless(rule_for(&ex.request, expected)) {
        None
    } else {
        answer.error.as_ref()
    };
    match evidence {
        // The target holds no such upload: neither does the model now (exactly).
        Some(ErrorCode::UploadNotFound) => {
            if let Some(u) = upload {
                state.model.forget_upload(u);
            }
        }
        // The target holds no such repository: neither does the model now (exactly).
        Some(ErrorCode::RepositoryNotFound) => {
            if let Some(r) = ex.request.repository() {
                let own = ex
                    .request
                    .registry_id()
                    .is_none_or(|id| id == state.model.registry_id());
                if own && state.model.has_repository(r) {
                    state.model.forget_repository(r);
                }
            }
        }
        // The target names another next byte than the model holds: its byte count is not
        // the model's, and cannot be known.
        Some(ErrorCode::InvalidLayerPart) => {
            let said = answer
                .body
                .as_ref()
                .and_then(|b| b.get("lastValidByteReceived"))
                .and_then(Value::as_i64);
            let held = upload
                .and_then(|u| state.model.upload_key_loosely(u))
                .and_then(|k| state.model.upload(&k).map(|u| u.last_valid_byte()));
            if let (Some(said), Some(held)) = (said, held) {
                let agrees = match held {
                    Some(b) => i64::try_from(b).ok() == Some(said),
                    None => said <= 0,
                };
                if !agrees && let Some(u) = upload {
                    state.ledger.mark_count_unknown(&Entity::upload(u), index);
                }
            }
        }
        _ => {}
    }
}

/// How closely the model could follow a target that accepted what the model refused.
enum Adopted {
    /// The model now holds what the target holds.
    Exactly,
    /// The model holds a guess of these kinds of state.
    Guessing(&'static [StateKind]),
    /// Nothing is known of what the target did.
    Nothing,
}

/// Applies what a target that accepted `ex.request` evidently did.
fn adopt(state: &mut CaseState, ex: &Exchange) -> Adopted {
    let answer = &ex.answer;
    match &ex.request {
        Request::CreateRepository(r) => match &r.repository_name {
            // A repository created again: whether it kept its layers is not said.
            Some(n) if state.model.has_repository(n) => Adopted::Guessing(&[StateKind::Repository]),
            Some(n) => {
                state.model.adopt_repository(n);
                Adopted::Exactly
            }
            None => Adopted::Nothing,
        },
        Request::DeleteRepository(r) => match &r.repository_name {
            Some(n) => {
                state.model.forget_repository(n);
                Adopted::Exactly
            }
            None => Adopted::Nothing,
        },
        Request::InitiateLayerUpload(r) => {
            let Some(repo) = &r.repository_name else {
                return Adopted::Nothing;
            };
            let id = state.model.adopt_upload(repo);
            if let Some(t) = answer_string(answer, "uploadId") {
                state.ids.insert(&id, t);
            }
            state.minted.push(id);
            Adopted::Exactly
        }
        // A part the model refused: its byte count is what the target said, but which
        // bytes it holds (appended, overwritten, dropped) is a guess.
        Request::UploadLayerPart(r) => {
            let (Some(id), Some(blob)) = (&r.upload_id, &r.layer_part_blob) else {
                return Adopted::Nothing;
            };
            let said = answer
                .body
                .as_ref()
                .and_then(|b| b.get("lastByteReceived"))
                .and_then(Value::as_u64);
            let last = said.or(r.part_last_byte.and_then(|b| u64::try_from(b).ok()));
            match last {
                Some(last) if state.model.adopt_part(id, blob, last) => {
                    Adopted::Guessing(&[StateKind::Upload])
                }
                _ => Adopted::Nothing,
            }
        }
        // A completion the model refused: the upload is consumed and the layer stored
        // under the digest the target named (exactly); with no digest named, the layer is
        // a guess.
        Request::CompleteLayerUpload(r) => {
            let Some(id) = &r.upload_id else {
                return Adopted::Nothing;
            };
            let digest = answer_string(answer, "layerDigest")
                .filter(|d| crate::model::digest::is_layer_digest(d));
            match (state.model.adopt_layer(id, digest), digest) {
                (true, Some(_)) => Adopted::Exactly,
                (true, None) => Adopted::Guessing(&[StateKind::Layer]),
                (false, _) => Adopted::Nothing,
            }
        }
        // A manifest the model refused: stored as the target evidently stored it.
        // Exactly, when it is a manifest the model reads and the target names it by its
        // digest; else the image (and its tag) is a guess.
        Request::PutImage(r) => match (&r.repository_name, &r.image_manifest) {
            (Some(repo), Some(m)) if state.model.adopt_image(repo, r) => {
                let digest = crate::model::digest::digest_of(m.as_bytes());
                let said = answer
                    .body
                    .as_ref()
                    .and_then(|b| b.pointer("/image/imageId/imageDigest"))
                    .and_then(Value::as_str);
                let readable =
                    crate::model::manifest::parse(m, r.image_manifest_media_type.as_deref(), true)
                        .is_ok();
                // The digest the target named this manifest by before, if any.
                let known = state.ids.target(&digest).to_owned();
                let exact = readable && (said == Some(digest.as_str()) || said == Some(&known));
                map_image_digest(state, &digest, answer);
                if exact {
                    Adopted::Exactly
                } else {
                    Adopted::Guessing(&[StateKind::Image, StateKind::Tag])
                }
            }
            _ => Adopted::Guessing(&[StateKind::Image, StateKind::Tag]),
        },
        // Deletions the model refused: what the target lists as gone is gone.
        Request::BatchDeleteImage(r) => match &r.repository_name {
            Some(repo) => {
                let names = deleted_names(state, answer);
                state.model.adopt_deletions(repo, &names);
                Adopted::Guessing(&[StateKind::Image, StateKind::Tag])
            }
            None => Adopted::Nothing,
        },
        Request::PutImageTagMutability(r) => {
            let setting = r
                .image_tag_mutability
                .as_deref()
                .and_then(crate::model::image::MutabilityKind::parse);
            match (&r.repository_name, setting) {
                (Some(repo), Some(kind)) => {
                    let filters = r
                        .image_tag_mutability_exclusion_filters
                        .iter()
                        .flatten()
                        .filter_map(|f| f.filter.clone())
                        .collect();
                    state.model.adopt_mutability(
                        repo,
                        crate::model::image::TagMutability { kind, filters },
                    );
                    Adopted::Exactly
                }
                _ => Adopted::Guessing(&[StateKind::Repository]),
            }
        }
        // Read-only.
        Request::BatchCheckLayerAvailability(_)
        | Request::BatchGetImage(_)
        | Request::GetDownloadUrlForLayer(_)
        | Request::DescribeImages(_)
        | Request::ListImages(_) => Adopted::Exactly,
        // A token changes nothing the runner's model tracks.
        Request::GetAuthorizationToken(_) => Adopted::Exactly,
        Request::UnknownOperation { .. } | Request::Malformed { .. } => Adopted::Nothing,
    }
}

/// Records the target's digest for the model's `digest` when its answer names another.
fn map_image_digest(state: &mut CaseState, digest: &str, answer: &Observed) {
    let said = answer
        .body
        .as_ref()
        .and_then(|b| b.pointer("/image/imageId/imageDigest"))
        .and_then(Value::as_str);
    if let Some(t) = said
        && t != digest
    {
        state.ids.insert(digest, t);
    }
}

/// The names a `BatchDeleteImage` answer lists as deleted, with the model's digests.
fn deleted_names(state: &CaseState, answer: &Observed) -> Vec<crate::model::image::ImageName> {
    let Some(items) = answer
        .body
        .as_ref()
        .and_then(|b| b.get("imageIds"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| {
            let d = i.get("imageDigest").and_then(Value::as_str)?;
            let digest = state.ids.model_of(d).unwrap_or(d).to_owned();
            Some(crate::model::image::ImageName {
                digest,
                tag: i.get("imageTag").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect()
}

impl Exchange {
    /// The entities the step touches, given the model before it.
    pub(super) fn entities_with(&self, model: &Registry) -> Vec<Entity> {
        entities_of(&self.request, &self.body_head, model)
    }
}
