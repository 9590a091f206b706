//! A session: one model and one target, driven in lock step. Each step's bytes go to both
//! (with the target's own upload ids and the scratch repository names), and the target's
//! answer is compared with the model's.

use serde::Serialize;
use serde_json::{Value, json};

use super::compare::{Divergence, IdMap, compare, knobs_for};
use super::endpoint::{Endpoint, Observed, TransportError};
use crate::model::{Outcome, Registry, Request, Response, rule_for, rules_checked};
use crate::wire::{self, CONTENT_TYPE};

/// One exchanged step, as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Position in its scenario or case, from 0.
    pub index: usize,
    /// The operation, or the `X-Amz-Target` sent when it names none.
    pub operation: String,
    /// The rule the step exercises.
    pub rule: &'static str,
    /// Every rule the step's answer shows (the first is `rule`).
    pub checked: Vec<&'static str>,
    /// The `X-Amz-Target` sent, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The `Content-Type` sent, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The request body sent, blobs replaced by `{length, sha256}`.
    pub request: Value,
    /// The model's answer.
    pub expected: Value,
    /// The target's answer.
    pub actual: Value,
    /// How the two differ.
    pub divergences: Vec<Divergence>,
    /// Tries beyond the first (only with `--retries`).
    #[serde(skip_serializing_if = "is_zero")]
    pub retries: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A request as bytes on the wire.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// `X-Amz-Target` (absent when `None`).
    pub target: Option<String>,
    /// `Content-Type` (absent when `None`).
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl WireRequest {
    /// A well-formed call of an operation with this body.
    pub fn call(op: wire::Operation, body: Vec<u8>) -> Self {
        WireRequest {
            target: Some(op.target()),
            content_type: Some(CONTENT_TYPE.to_owned()),
            body,
        }
    }

    /// The wire form of a model request: its encoding, or for the undecodable kinds a body
    /// that is not JSON, or a target that names no operation.
    pub fn of(request: &Request) -> Self {
        match wire::encode_request(request) {
            Some((op, body)) => WireRequest::call(op, body),
            None => match request {
                Request::UnknownOperation { target } => WireRequest {
                    target: Some(target.clone()),
                    content_type: Some(CONTENT_TYPE.to_owned()),
                    body: b"{}".to_vec(),
                },
                _ => WireRequest::call(wire::Operation::UploadLayerPart, b"{not json".to_vec()),
            },
        }
    }
}

/// Summarizes a body for a report: JSON with blobs as `{length, sha256}`, else its text.
pub(super) fn summarize_body(body: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            if let Some(Value::String(text)) = v.get("layerPartBlob") {
                let summary = match wire::blob::decode(text) {
                    Ok(b) => {
                        json!({"length": b.len(), "sha256": crate::model::digest::digest_of(&b.bytes())})
                    }
                    Err(e) => json!({"invalid": e.to_string(), "textLength": text.len()}),
                };
                v["layerPartBlob"] = summary;
            }
            v
        }
        Err(_) => Value::String(String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()),
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
#[derive(Debug)]
pub struct Session<'a> {
    endpoint: &'a Endpoint,
    /// The model.
    pub model: Registry,
    /// Model upload ids to the target's.
    pub ids: IdMap,
    /// The model's minted upload ids, in order.
    pub minted: Vec<String>,
    /// Every step so far.
    pub records: Vec<StepRecord>,
}

impl<'a> Session<'a> {
    /// A session over `model` (already holding what the target holds).
    pub fn new(endpoint: &'a Endpoint, model: Registry) -> Self {
        Session {
            endpoint,
            model,
            ids: IdMap::default(),
            minted: Vec::new(),
            records: Vec::new(),
        }
    }

    /// Sends `to_target` to the target and applies `to_model` to the model (the same
    /// request, with model ids), compares, and records the step. With `attribute`, the
    /// step's divergences count against that rule (a step that checks an earlier one).
    pub fn exchange(
        &mut self,
        to_model: &WireRequest,
        to_target: &WireRequest,
        attribute: Option<&'static str>,
    ) -> Result<&StepRecord, TransportError> {
        let request = wire::decode_http(
            "POST",
            "/",
            to_model.content_type.as_deref(),
            to_model.target.as_deref(),
            &to_model.body,
        );
        self.exchange_decoded(&request, to_target, attribute)
    }

    /// [`Session::exchange`] with the model's request already decoded.
    fn exchange_decoded(
        &mut self,
        request: &Request,
        to_target: &WireRequest,
        attribute: Option<&'static str>,
    ) -> Result<&StepRecord, TransportError> {
        let sent = self.endpoint.send(
            to_target.target.as_deref(),
            to_target.content_type.as_deref(),
            &to_target.body,
        );
        let expected = self.model.apply(request);
        let (observed, retries) = match sent {
            Ok(answer) => answer,
            Err(e) => {
                // No answer is a divergence on this step; what the target did with the
                // request is unknown, so the caller stops the case here.
                let rule = attribute.unwrap_or_else(|| rule_for(request, &expected));
                let record = StepRecord {
                    index: self.records.len(),
                    operation: operation_name(to_target),
                    rule,
                    checked: vec![rule],
                    target: to_target.target.clone(),
                    content_type: to_target.content_type.clone(),
                    request: summarize_body(&to_target.body),
                    expected: expected_json(&expected, &self.ids),
                    actual: json!({ "noAnswer": e.0 }),
                    divergences: vec![Divergence {
                        rule,
                        what: "answer".into(),
                        expected: "an HTTP answer".into(),
                        actual: format!("none ({e})"),
                        knobs: Vec::new(),
                    }],
                    retries: 0,
                };
                self.records.push(record);
                return Err(e);
            }
        };
        let mut divergences = Vec::new();
        if let Ok(Response::UploadInitiated { upload_id, .. }) = &expected {
            self.minted.push(upload_id.clone());
            if let Some(Value::String(t)) = observed.body.as_ref().and_then(|b| b.get("uploadId")) {
                if self.ids.has_target(t) {
                    divergences.push(Divergence {
                        rule: "INIT-1",
                        what: "uploadId".into(),
                        expected: "a fresh id".into(),
                        actual: format!("{t}, answered before"),
                        knobs: Vec::new(),
                    });
                }
                self.ids.insert(upload_id, t);
            }
        }
        divergences.extend(compare(
            request,
            &expected,
            &observed,
            &self.ids,
            self.model.profile(),
        ));
        let rule = attribute.unwrap_or_else(|| rule_for(request, &expected));
        let mut checked = rules_checked(request, &expected);
        checked[0] = rule;
        if let Some(r) = attribute {
            for d in &mut divergences {
                d.rule = r;
                d.knobs = knobs_for(self.model.profile(), r);
            }
        }
        self.records.push(StepRecord {
            index: self.records.len(),
            operation: operation_name(to_target),
            rule,
            checked,
            target: to_target.target.clone(),
            content_type: to_target.content_type.clone(),
            request: summarize_body(&to_target.body),
            expected: expected_json(&expected, &self.ids),
            actual: actual_json(&observed),
            divergences,
            retries,
        });
        Ok(self.records.last().expect("just pushed"))
    }

    /// Sends a model request (with model ids) to both sides, translating upload ids.
    /// The model applies `request` as it is (encoding and decoding are the identity, a
    /// tested property), so the blob is encoded once, for the target only.
    pub fn exchange_request(&mut self, request: &Request) -> Result<&StepRecord, TransportError> {
        let to_target = WireRequest::of(&translate_ids(request, &self.ids));
        self.exchange_decoded(request, &to_target, None)
    }
}

/// The operation a request names, or its `X-Amz-Target` as sent.
fn operation_name(to_target: &WireRequest) -> String {
    to_target
        .target
        .as_deref()
        .and_then(wire::Operation::from_target)
        .map_or_else(
            || to_target.target.clone().unwrap_or_default(),
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
