//! A session: one model and one target, driven in lock step. Each step's bytes go to both
//! (with the target's own upload ids and the scratch repository names), and the target's
//! answer is compared with the model's.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::compare::{Divergence, IdMap};
use super::judge::{self, CaseLog, CaseState, Exchange, Judged, Verdict};
use crate::model::{Outcome, Profile, Registry, Request, RuleId, rule_for, rules_checked};
use crate::protocol::{Observed, TransportError};
pub(super) use crate::protocol::{Transport, WireRequest};
use crate::wire;

/// One exchanged step, as reports show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    /// Position in its scenario or case, from 0.
    pub index: usize,
    /// The operation, or the `X-Amz-Target` sent when it names none.
    pub operation: String,
    /// The rule the step exercises.
    pub rule: RuleId,
    /// Every rule the step's answer shows (the first is `rule`).
    pub checked: Vec<RuleId>,
    /// The `X-Amz-Target` sent, if any (`target` in reports).
    #[serde(default, rename = "target", skip_serializing_if = "Option::is_none")]
    pub x_amz_target: Option<String>,
    /// The `Content-Type` sent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The request body sent, blobs replaced by `{length, sha256}`.
    pub request: Value,
    /// The model's answer.
    pub expected: Value,
    /// The target's answer.
    pub actual: Value,
    /// How the two differ, judged under the selected profile.
    pub divergences: Vec<Divergence>,
    /// The verdict (spec §8).
    pub verdict: Verdict,
    /// For `differs`: each set of knob values that makes this step and its case agree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knobs: Vec<String>,
    /// For `consequence`: the step whose divergence this one follows from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows_from: Option<usize>,
    /// The rule the catalog says the step checks (`checks`), if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<RuleId>,
    /// Tries beyond the first (only with `--retries`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Blobs up to this many bytes that no seed describes are kept whole in reports, so that
/// a recording can be replayed.
pub(super) const KEPT_BLOB_BYTES: usize = 4096;

/// Summarizes a body for a report: JSON with each blob as `{length, sha256}` plus what
/// rebuilds it (the [`crate::strategy::fill`] seed, else its text when short); a body
/// that is not a JSON object, as its text.
pub(super) fn summarize_body(body: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) if v.is_object() => {
            if let Some(Value::String(text)) = v.get("layerPartBlob") {
                let summary = match wire::blob::decode(text) {
                    Ok(b) => {
                        let bytes = b.bytes();
                        let mut s = json!({"length": b.len(), "sha256": crate::model::digest::digest_of(&bytes)});
                        if let Some(seed) = crate::strategy::fill_seed(&bytes) {
                            s["seed"] = seed.into();
                            if !b.padded {
                                s["unpadded"] = true.into();
                            }
                        } else if text.len() <= KEPT_BLOB_BYTES * 4 / 3 + 4 {
                            s["base64"] = text.clone().into();
                        }
                        s
                    }
                    Err(e) => {
                        let mut s = json!({"invalid": e.to_string(), "textLength": text.len()});
                        if text.len() <= KEPT_BLOB_BYTES * 4 / 3 + 4 {
                            s["text"] = text.clone().into();
                        }
                        s
                    }
                };
                v["layerPartBlob"] = summary;
            }
            v
        }
        _ if body.len() <= KEPT_BLOB_BYTES => {
            Value::String(String::from_utf8_lossy(body).into_owned())
        }
        _ => json!({
            "truncatedText": String::from_utf8_lossy(&body[..200]),
            "length": body.len(),
        }),
    }
}

/// The model's answer as the target should give it: with the target's upload id.
fn expected_json(outcome: &Outcome, ids: &IdMap) -> Value {
    let answer = wire::encode_outcome(outcome);
    let mut body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    if let Some(Value::String(id)) = body.get("uploadId") {
        body["uploadId"] = ids.target(id).to_owned().into();
    }
    json!({"status": answer.status, "body": body})
}

fn actual_json(o: &Observed) -> Value {
    let mut v = json!({"status": o.status});
    if !wire::is_awsjson(o.content_type.as_deref()) {
        v["contentType"] = o.content_type.clone().unwrap_or_default().into();
    }
    if let Some(n) = &o.error_name {
        v["errorName"] = n.clone().into();
    }
    match (&o.body, &o.raw) {
        (Some(b), _) => v["body"] = b.clone(),
        (None, Some(r)) => v["raw"] = r.clone().into(),
        _ => {}
    }
    v
}

/// A model and a target in lock step.
pub struct Session<'a> {
    endpoint: &'a dyn Transport,
    /// The fresh model the case started from (replays start here).
    start: Registry,
    /// The model, kept in line with the target, and what the judge learned.
    pub state: CaseState,
    /// Every answered step, for replays.
    log: Vec<Exchange>,
    /// Every answered step as judged under the selected profile.
    judged: Vec<Judged>,
    /// Every step so far.
    pub records: Vec<StepRecord>,
}

impl<'a> Session<'a> {
    /// A session over `model` (already holding what the target holds).
    pub fn new(endpoint: &'a dyn Transport, model: Registry) -> Self {
        Session {
            endpoint,
            start: model.clone(),
            state: CaseState::new(model),
            log: Vec::new(),
            judged: Vec::new(),
            records: Vec::new(),
        }
    }

    /// The model.
    pub fn model(&self) -> &Registry {
        &self.state.model
    }

    /// Model upload ids to the target's.
    pub fn ids(&self) -> &IdMap {
        &self.state.ids
    }

    /// The model's upload ids in the order the target opened them.
    pub fn minted(&self) -> &[String] {
        &self.state.minted
    }

    /// Sends `to_target` to the target and applies `to_model` to the model (the same
    /// request, with model ids), compares, and records the step. With `attribute`, the
    /// step's divergences count against that rule (a step that checks an earlier one).
    pub fn exchange(
        &mut self,
        to_model: &WireRequest,
        to_target: &WireRequest,
        attribute: Option<RuleId>,
    ) -> Result<&StepRecord, TransportError> {
        let request = wire::decode_http(
            "POST",
            "/",
            to_model.content_type.as_deref(),
            to_model.x_amz_target.as_deref(),
            &to_model.body,
        );
        self.exchange_decoded(request, &to_model.body, to_target, attribute)
    }

    /// [`Session::exchange`] with the model's request already decoded.
    fn exchange_decoded(
        &mut self,
        request: Request,
        model_body: &[u8],
        to_target: &WireRequest,
        attribute: Option<RuleId>,
    ) -> Result<&StepRecord, TransportError> {
        let sent = self.endpoint.send(
            to_target.x_amz_target.as_deref(),
            to_target.content_type.as_deref(),
            &to_target.body,
        );
        let (observed, retries) = match sent {
            Ok(answer) => answer,
            Err(e) => {
                // No answer is a divergence on this step; what the target did with the
                // request is unknown, so the caller stops the case here.
                let expected = self.state.model.clone().apply(&request);
                let rule = attribute.unwrap_or_else(|| rule_for(&request, &expected));
                let record = StepRecord {
                    index: self.records.len(),
                    operation: operation_name(to_target),
                    rule,
                    checked: vec![rule],
                    x_amz_target: to_target.x_amz_target.clone(),
                    content_type: to_target.content_type.clone(),
                    request: summarize_body(&to_target.body),
                    expected: expected_json(&expected, &self.state.ids),
                    actual: json!({ "noAnswer": e.0 }),
                    divergences: vec![Divergence::new(
                        rule,
                        "answer",
                        "an HTTP answer",
                        format!("none ({e})"),
                    )],
                    verdict: Verdict::Fail,
                    knobs: Vec::new(),
                    follows_from: None,
                    checks: attribute,
                    retries: 0,
                };
                self.records.push(record);
                return Err(e);
            }
        };
        let exchange = Exchange::new(request, observed, attribute, model_body);
        let index = self.records.len();
        let judged = judge::judge_step(&mut self.state, index, &exchange);
        let rule = attribute.unwrap_or_else(|| rule_for(&exchange.request, &judged.expected));
        // A step that checks an earlier rule shows that rule, and its own.
        let mut checked = rules_checked(&exchange.request, &judged.expected);
        if !checked.contains(&rule) {
            checked.insert(0, rule);
        }
        let verdict = if judged.divergences.is_empty() {
            Verdict::Pass
        } else if judged.follows_from.is_some() {
            Verdict::Consequence
        } else {
            Verdict::Fail // until the case is judged whole
        };
        self.records.push(StepRecord {
            index,
            operation: operation_name(to_target),
            rule,
            checked,
            x_amz_target: to_target.x_amz_target.clone(),
            content_type: to_target.content_type.clone(),
            request: summarize_body(&to_target.body),
            expected: expected_json(&judged.expected, &self.state.ids),
            actual: actual_json(&exchange.answer),
            divergences: judged.divergences.clone(),
            verdict,
            knobs: Vec::new(),
            follows_from: judged.follows_from,
            checks: attribute,
            retries,
        });
        self.log.push(exchange);
        self.judged.push(judged);
        Ok(self.records.last().expect("just pushed"))
    }

    /// Sends a model request (with model ids) to both sides, translating upload ids.
    /// The model applies `request` as it is (encoding and decoding are the identity, a
    /// tested property), so the blob is encoded once, for the target only.
    pub fn exchange_request(&mut self, request: &Request) -> Result<&StepRecord, TransportError> {
        let to_target = WireRequest::of(&translate_ids(request, &self.state.ids));
        self.exchange_decoded(request.clone(), &to_target.body, &to_target, None)
    }

    /// Judges the whole case under `selected` (spec §8): sets every step's verdict, and
    /// returns the case's log when any step diverged, for the run's inference.
    pub fn finish(&mut self, selected: &Profile) -> Option<CaseLog> {
        if self.judged.iter().all(|j| j.divergences.is_empty()) {
            return None;
        }
        let verdicts = judge::judge_case(&self.start, selected, &self.log, &self.judged);
        for (record, v) in self.records.iter_mut().zip(verdicts) {
            record.verdict = v.verdict;
            record.knobs = v.knobs;
            record.follows_from = v.follows_from;
        }
        Some(CaseLog {
            start: self.start.clone(),
            log: std::mem::take(&mut self.log),
        })
    }
}

/// The operation a request names, or its `X-Amz-Target` as sent.
fn operation_name(to_target: &WireRequest) -> String {
    to_target
        .x_amz_target
        .as_deref()
        .and_then(wire::Operation::from_x_amz_target)
        .map_or_else(
            || to_target.x_amz_target.clone().unwrap_or_default(),
            |o| o.name().to_owned(),
        )
}

/// `request` with its upload id replaced by the target's.
pub(super) fn translate_ids(request: &Request, ids: &IdMap) -> Request {
    let mut r = request.clone();
    let id = match &mut r {
        Request::UploadLayerPart(p) => &mut p.upload_id,
        Request::CompleteLayerUpload(c) => &mut c.upload_id,
        _ => return r,
    };
    if let Some(v) = id.as_mut() {
        *v = ids.target(v).to_owned();
    }
    r
}
