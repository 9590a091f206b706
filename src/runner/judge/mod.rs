//! Verdicts (spec §8): every step of a case is pass, differs, consequence or FAIL.
//!
//! One function judges a step: [`judge_step`] applies the request to the model, compares
//! the target's answer, and where they diverge brings the model in line with what the
//! target evidently did (resynchronising), so that a later step is judged on its own. The
//! live session calls it as each answer arrives; [`judge_case`] calls it again to replay a
//! whole case under other knob values against the answers already recorded: nothing is
//! sent twice. A diverging step is:
//! - a **consequence** when an earlier divergence of the case left the state of what it
//!   touches unknown or adopted, and its own divergence depends on that state;
//! - **differs** when a profile that changes only knobs makes it agree without making any
//!   other step of its case diverge; the explaining `knob=value` pairs are named;
//! - **FAIL** otherwise.
//!
//! [`infer`] searches the knob space for the profile that explains the most steps of the
//! run's diverging cases: the inferred profile.

use crate::model::RuleId;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::compare::{Divergence, IdMap, compare};
use crate::model::{Outcome, Registry, Request, Response, rule_for};
use crate::protocol::Observed;

mod explain;
pub use explain::{CaseLog, StepVerdict, infer, judge_case, replay};

/// The verdict on one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Verdict {
    /// The target's answer agrees with the model's.
    #[serde(rename = "pass")]
    Pass,
    /// Another legal choice: a knob value explains it.
    #[serde(rename = "differs")]
    Differs,
    /// Follows from an earlier divergence of the same case.
    #[serde(rename = "consequence")]
    Consequence,
    /// Breaks a rule no profile explains.
    #[serde(rename = "FAIL")]
    Fail,
}

impl Verdict {
    /// The word reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Differs => "differs",
            Verdict::Consequence => "consequence",
            Verdict::Fail => "FAIL",
        }
    }
}

/// One step as sent and answered: what a replay needs.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request, with the model's upload ids.
    pub request: Request,
    /// The target's answer.
    pub answer: Observed,
    /// The rule the step checks when the catalog names one (`checks`).
    pub attribute: Option<RuleId>,
    /// The repository names and (model) upload ids the request touches.
    pub entities: Vec<String>,
}

impl Exchange {
    /// An exchange; `model_body` is the body the model side was given, from which a
    /// malformed request's repository and upload are read.
    pub fn new(
        request: Request,
        answer: Observed,
        attribute: Option<RuleId>,
        model_body: &[u8],
    ) -> Self {
        let entities = entities_of(&request, model_body);
        Exchange {
            request,
            answer,
            attribute,
            entities,
        }
    }
}

/// The repository and upload a request names; for a body the wire layer could not decode,
/// whatever `repositoryName` / `uploadId` strings its text holds.
fn entities_of(request: &Request, body: &[u8]) -> Vec<String> {
    let (repo, upload) = match request {
        Request::CreateRepository(r) => (r.repository_name.clone(), None),
        Request::DeleteRepository(r) => (r.repository_name.clone(), None),
        Request::InitiateLayerUpload(r) => (r.repository_name.clone(), None),
        Request::UploadLayerPart(r) => (r.repository_name.clone(), r.upload_id.clone()),
        Request::CompleteLayerUpload(r) => (r.repository_name.clone(), r.upload_id.clone()),
        Request::BatchCheckLayerAvailability(r) => (r.repository_name.clone(), None),
        Request::UnknownOperation { .. } | Request::Malformed { .. } => {
            let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
            let find = |key: &str| {
                let at = text.find(&format!("\"{key}\""))?;
                let rest = &text[at + key.len() + 2..];
                let rest = rest.trim_start().strip_prefix(':')?.trim_start();
                let rest = rest.strip_prefix('"')?;
                Some(rest[..rest.find('"')?].to_owned())
            };
            (find("repositoryName"), find("uploadId"))
        }
    };
    repo.map(|r| format!("{REPO}{r}"))
        .into_iter()
        .chain(upload.map(|u| upload_entity(&u)))
        .collect()
}

/// Entities are tagged with their kind: a repository's state is its existence and its
/// layers, an upload's its existence and its bytes.
const REPO: &str = "repository:";
const UPLOAD: &str = "upload:";

/// The entity of an upload id: ids in other letter case name the same entity, so that a
/// divergence on an id sent in upper case follows from one on the id itself.
fn upload_entity(id: &str) -> String {
    format!("{UPLOAD}{}", id.to_ascii_lowercase())
}

/// Rules whose answer depends on a repository's state.
const REPO_STATE_RULES: &[RuleId] = &[
    RuleId::Repo1,
    RuleId::Admin1,
    RuleId::Admin2,
    RuleId::Done5,
    RuleId::Check1,
    RuleId::Check2,
    RuleId::State1,
];

/// Rules whose answer depends on an upload's state.
const UPLOAD_STATE_RULES: &[RuleId] = &[
    RuleId::Part1,
    RuleId::Part3,
    RuleId::Part5,
    RuleId::Done1,
    RuleId::Done2,
    RuleId::Done3,
    RuleId::Done4,
    RuleId::State1,
];

/// A case's model and what the judge learned while stepping through it.
#[derive(Debug, Clone)]
pub struct CaseState {
    /// The model, kept in line with the target.
    pub model: Registry,
    /// Model upload ids to the target's.
    pub ids: IdMap,
    /// The model's upload ids in the order the target opened them.
    pub minted: Vec<String>,
    /// Entities whose state on the target is unknown since a step: any later divergence
    /// on them follows from that step.
    unknown: BTreeMap<String, usize>,
    /// Entities the model was brought in line on at a step: a later divergence that
    /// depends on their state follows from that step.
    adopted: BTreeMap<String, usize>,
    /// Entities a request touched that both sides refused: the first later divergence
    /// on their state breaks STATE-1 (that request changed something).
    refused: BTreeMap<String, usize>,
}

impl CaseState {
    /// A case starting from `model`.
    pub fn new(model: Registry) -> Self {
        CaseState {
            model,
            ids: IdMap::default(),
            minted: Vec::new(),
            unknown: BTreeMap::new(),
            adopted: BTreeMap::new(),
            refused: BTreeMap::new(),
        }
    }
}

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

/// Whether a rule's answer depends on what earlier steps left behind (a repository's or
/// an upload's state).
fn is_state_rule(rule: RuleId) -> bool {
    REPO_STATE_RULES.contains(&rule) || UPLOAD_STATE_RULES.contains(&rule)
}

/// Error names a target answers from what it holds.
const STATE_ERRORS: &[&str] = &[
    "RepositoryNotFoundException",
    "RepositoryAlreadyExistsException",
    "RepositoryNotEmptyException",
    "UploadNotFoundException",
    "EmptyUploadException",
    "LayerPartTooSmallException",
    "InvalidLayerException",
    "LayerAlreadyExistsException",
];

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
    let name = answer.error_name.as_deref();
    let lost = matches!(
        name,
        Some("UploadNotFoundException" | "EmptyUploadException" | "RepositoryNotFoundException")
    ) && registry_of(request).is_none();
    let refused_part = expected.is_ok()
        && matches!(request, Request::UploadLayerPart(_))
        && name == Some("InvalidLayerPartException");
    let other_count = divergences
        .iter()
        .any(|d| d.what == "lastValidByteReceived" && d.actual.parse::<i64>().is_ok());
    let other_answer = divergences
        .iter()
        .any(|d| d.what == "answer" || d.what == "error");
    (other_answer && (lost || refused_part)) || other_count
}

/// Rules whose answer follows from the request alone.
fn is_stateless(rule: RuleId) -> bool {
    matches!(
        rule,
        RuleId::Wire1 | RuleId::Wire2 | RuleId::Val1 | RuleId::Val2 | RuleId::Part2
    )
}

pub(super) fn target_succeeded(answer: &Observed) -> bool {
    answer.status == 200 && answer.error_name.is_none()
}

fn answer_string<'a>(answer: &'a Observed, key: &str) -> Option<&'a str> {
    answer.body.as_ref()?.get(key)?.as_str()
}

/// Judges one step: applies it to the model, compares, resynchronises.
pub fn judge_step(state: &mut CaseState, index: usize, ex: &Exchange) -> Judged {
    let before = state.model.clone();
    let expected = state.model.apply(&ex.request);
    let answer = &ex.answer;
    let mut divergences = Vec::new();
    if let Ok(Response::UploadInitiated { upload_id, .. }) = &expected {
        if let Some(t) = answer_string(answer, "uploadId").filter(|_| target_succeeded(answer)) {
            if state.ids.has_target(t) {
                divergences.push(Divergence::new(
                    RuleId::Init1,
                    "uploadId",
                    "a fresh id",
                    format!("{t}, answered before"),
                ));
            }
            state.ids.insert(upload_id, t);
        }
        if target_succeeded(answer) {
            state.minted.push(upload_id.clone());
        }
    }
    divergences.extend(compare(&ex.request, &expected, answer, &state.ids));
    // A step that checks an earlier one (`checks`) blames that rule for an answer that
    // shows other state; a wrong member elsewhere in it keeps its own rule.
    if let Some(rule) = ex.attribute {
        for d in &mut divergences {
            if matches!(
                d.what.as_str(),
                "answer" | "error" | "lastValidByteReceived" | "layers" | "failures"
            ) {
                d.rule = rule;
            }
        }
    }
    if divergences.is_empty() {
        if expected.is_err() {
            for e in &ex.entities {
                state.refused.entry(e.clone()).or_insert(index);
            }
        }
        return Judged {
            expected,
            divergences,
            follows_from: None,
        };
    }

    // Which kinds of state the divergence depends on: the rule deciding the model's answer,
    // the rules of the divergences, and the target's error.
    let deciding = rule_for(&ex.request, &expected);
    let rules: Vec<RuleId> = std::iter::once(deciding)
        .chain(divergences.iter().map(|d| d.rule))
        .collect();
    let error = answer.error_name.as_deref();
    let on_repository = rules.iter().any(|r| REPO_STATE_RULES.contains(r))
        || error.is_some_and(|n| STATE_ERRORS.contains(&n) && n.starts_with("Repository"))
        || error == Some("LayerAlreadyExistsException");
    let on_upload = rules.iter().any(|r| UPLOAD_STATE_RULES.contains(r))
        || error.is_some_and(|n| {
            STATE_ERRORS.contains(&n) && !n.starts_with("Repository")
                || n == "InvalidLayerPartException"
        });
    // A member only left out says nothing of state (but an absent lastValidByteReceived
    // says no byte arrived).
    let only_absent = divergences.iter().all(|d| {
        d.actual == "absent"
            && !matches!(
                d.what.as_str(),
                "answer" | "error" | "lastValidByteReceived"
            )
    });
    // A step the model answers from the request alone (WIRE, VAL) depends on no state:
    // its divergence is its own.
    let follows_from = ex
        .entities
        .iter()
        .filter(|_| !is_stateless(deciding))
        .filter_map(|e| {
            let unknown = state.unknown.get(e).copied();
            let kind = if e.starts_with(REPO) {
                on_repository
            } else {
                on_upload
            };
            let adopted = state
                .adopted
                .get(e)
                .copied()
                .filter(|_| kind && !only_absent);
            unknown.into_iter().chain(adopted).min()
        })
        .min();
    // The target's state differs from the model's although every earlier step agreed: an
    // earlier request both refused must have changed it.
    if follows_from.is_none()
        && ex.attribute.is_none()
        && reveals_state(&ex.request, &expected, answer, &divergences)
        && ex.entities.iter().any(|e| state.refused.contains_key(e))
    {
        for d in &mut divergences {
            if is_state_rule(d.rule) || d.what == "answer" || d.what == "error" {
                d.rule = RuleId::State1;
            }
        }
    }
    resync(state, before, &expected, &divergences, index, ex);
    Judged {
        expected,
        divergences,
        follows_from,
    }
}

/// Brings the model in line with what the target evidently did at a diverging step.
fn resync(
    state: &mut CaseState,
    before: Registry,
    expected: &Outcome,
    divergences: &[Divergence],
    index: usize,
    ex: &Exchange,
) {
    let answer = &ex.answer;
    let mark = |map: &mut BTreeMap<String, usize>, e: &str| {
        map.entry(e.to_owned()).or_insert(index);
    };
    // Where both refused, neither changed anything (unless the target's error says
    // otherwise, below); else the state of what the step touched was brought in line.
    if expected.is_ok() || target_succeeded(answer) {
        for e in &ex.entities {
            mark(&mut state.adopted, e);
        }
    }
    // An upload opened at a diverging step (an id out of pattern, say) is of unknown use.
    if let Ok(Response::UploadInitiated { upload_id, .. }) = expected
        && divergences
            .iter()
            .any(|d| matches!(d.what.as_str(), "uploadId" | "answer" | "error"))
    {
        mark(&mut state.unknown, &upload_entity(upload_id));
    }
    match (expected.is_ok(), target_succeeded(answer)) {
        (true, true) => {}
        (false, false) => {}
        // The target refused what the model accepted: as far as it says, nothing changed.
        (true, false) => state.model = before,
        // The target accepted what the model refused: do what it did.
        (false, true) => {
            state.model = before;
            if !adopt(state, ex) {
                for e in &ex.entities {
                    mark(&mut state.unknown, e);
                }
            }
        }
    }
    // What the target's error says of its state, where the request passed the checks that
    // do not depend on state (else the error says nothing of it).
    let upload = upload_of(&ex.request);
    let evidence = if is_stateless(rule_for(&ex.request, expected)) {
        None
    } else {
        answer.error_name.as_deref()
    };
    match evidence {
        Some("UploadNotFoundException") => {
            if let Some(u) = upload
                && state.model.forget_upload(u)
            {
                mark(&mut state.adopted, &upload_entity(u));
            }
        }
        Some("RepositoryNotFoundException") => {
            if let Some(r) = repository_of(&ex.request) {
                let own = registry_of(&ex.request).is_none_or(|id| id == state.model.registry_id());
                if own && state.model.has_repository(r) {
                    state.model.forget_repository(r);
                    mark(&mut state.adopted, &format!("{REPO}{r}"));
                }
            }
        }
        Some("InvalidLayerPartException") => {
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
                    mark(&mut state.unknown, &upload_entity(u));
                }
            }
        }
        _ => {}
    }
}

fn upload_of(request: &Request) -> Option<&str> {
    match request {
        Request::UploadLayerPart(r) => r.upload_id.as_deref(),
        Request::CompleteLayerUpload(r) => r.upload_id.as_deref(),
        _ => None,
    }
}

fn repository_of(request: &Request) -> Option<&str> {
    match request {
        Request::CreateRepository(r) => r.repository_name.as_deref(),
        Request::DeleteRepository(r) => r.repository_name.as_deref(),
        Request::InitiateLayerUpload(r) => r.repository_name.as_deref(),
        Request::UploadLayerPart(r) => r.repository_name.as_deref(),
        Request::CompleteLayerUpload(r) => r.repository_name.as_deref(),
        Request::BatchCheckLayerAvailability(r) => r.repository_name.as_deref(),
        _ => None,
    }
}

fn registry_of(request: &Request) -> Option<&str> {
    match request {
        Request::CreateRepository(r) => r.registry_id.as_deref(),
        Request::DeleteRepository(r) => r.registry_id.as_deref(),
        Request::InitiateLayerUpload(r) => r.registry_id.as_deref(),
        Request::UploadLayerPart(r) => r.registry_id.as_deref(),
        Request::CompleteLayerUpload(r) => r.registry_id.as_deref(),
        Request::BatchCheckLayerAvailability(r) => r.registry_id.as_deref(),
        _ => None,
    }
}

/// Applies what a target that accepted `ex.request` evidently did. False when it cannot be
/// known (the model holds no such upload, the body could not be decoded).
fn adopt(state: &mut CaseState, ex: &Exchange) -> bool {
    let answer = &ex.answer;
    match &ex.request {
        Request::CreateRepository(r) => match &r.repository_name {
            Some(n) => {
                state.model.adopt_repository(n);
                true
            }
            None => false,
        },
        Request::DeleteRepository(r) => match &r.repository_name {
            Some(n) => {
                state.model.forget_repository(n);
                true
            }
            None => false,
        },
        Request::InitiateLayerUpload(r) => {
            let Some(repo) = &r.repository_name else {
                return false;
            };
            let id = state.model.adopt_upload(repo);
            if let Some(t) = answer_string(answer, "uploadId") {
                state.ids.insert(&id, t);
            }
            state.minted.push(id);
            true
        }
        Request::UploadLayerPart(r) => {
            let (Some(id), Some(blob)) = (&r.upload_id, &r.layer_part_blob) else {
                return false;
            };
            let said = answer
                .body
                .as_ref()
                .and_then(|b| b.get("lastByteReceived"))
                .and_then(Value::as_u64);
            let last = said.or(r.part_last_byte.and_then(|b| u64::try_from(b).ok()));
            match last {
                Some(last) => state.model.adopt_part(id, blob, last),
                None => false,
            }
        }
        Request::CompleteLayerUpload(r) => {
            let Some(id) = &r.upload_id else { return false };
            let digest = answer_string(answer, "layerDigest")
                .filter(|d| crate::model::digest::is_layer_digest(d));
            state.model.adopt_layer(id, digest)
        }
        // Read-only, or nothing known of what was meant.
        Request::BatchCheckLayerAvailability(_) => true,
        Request::UnknownOperation { .. } | Request::Malformed { .. } => false,
    }
}
