//! A session: one model and one target, driven in lock step. Each step's bytes go to both
//! (with the target's own upload ids and the scratch repository names), and the target's
//! answer is compared with the model's.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::compare::IdMap;
use super::evidence::{Divergence, Explanation, On, Shown};
use super::judge::{self, CaseLog, CaseState, Exchange, Judged, Verdict};
use crate::fixture::{BlobTexts, KEPT_BLOB_BYTES, blob_summary};
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
    pub knobs: Vec<Explanation>,
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

/// Summarizes a body for a report: JSON with each blob as [`blob_summary`] gives it; a body
/// that is not a JSON object, as its text. A blob whose text is one of `known` (the step's
/// own `$blob`s) takes the summary made with it, so the body's blob is not copied, decoded
/// or hashed again. The answer is [`summarize_whole`]'s.
pub(super) fn summarize_body(body: &[u8], known: &BlobTexts) -> Value {
    let Ok(Members { mut map, blob }) = serde_json::from_slice::<Members<'_>>(body) else {
        return summarize_whole(body);
    };
    if let Some(blob) = blob {
        let summary = match blob {
            BlobMember::Text(text) => known
                .summary_of(text)
                .cloned()
                .unwrap_or_else(|| summarize_text(text)),
            BlobMember::Other(Value::String(text)) => summarize_text(&text),
            BlobMember::Other(other) => other,
        };
        map.insert("layerPartBlob".to_owned(), summary);
    }
    let mut v = Value::Object(map);
    shorten_manifests(&mut v);
    v
}

/// A body's top-level object as `serde_json::Value` reads it (members read by the same
/// deserializer, so nesting limits, errors and repeated members come out the same), except
/// that the last `layerPartBlob` is set apart, as a slice of the body when it is a string
/// without escapes.
struct Members<'a> {
    map: serde_json::Map<String, Value>,
    blob: Option<BlobMember<'a>>,
}

/// A `layerPartBlob` member's value.
#[derive(Deserialize)]
#[serde(untagged)]
enum BlobMember<'a> {
    Text(&'a str),
    Other(Value),
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut members: A,
            ) -> Result<Members<'de>, A::Error> {
                let mut out = Members {
                    map: serde_json::Map::new(),
                    blob: None,
                };
                while let Some(key) = members.next_key::<String>()? {
                    if key == "layerPartBlob" {
                        out.blob = Some(members.next_value()?);
                        out.map.insert(key, Value::Null); // its place, filled in later
                    } else {
                        let value = members.next_value()?;
                        out.map.insert(key, value);
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Object)
    }
}

/// A blob's text as a report shows it: decoded and summarized, or why it does not decode.
fn summarize_text(text: &str) -> Value {
    match wire::blob::decode(text) {
        Ok(b) => blob_summary(&b.bytes(), b.padded, text),
        Err(e) => {
            let mut s = json!({"invalid": e.to_string(), "textLength": text.len()});
            if text.len() <= KEPT_BLOB_BYTES * 4 / 3 + 4 {
                s["text"] = text.to_owned().into();
            }
            s
        }
    }
}

/// [`summarize_body`] the plain way: the body parsed whole.
fn summarize_whole(body: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) if v.is_object() => {
            if let Some(Value::String(text)) = v.get("layerPartBlob") {
                v["layerPartBlob"] = summarize_text(text);
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
    let mut body = answer.body;
    if let Some(Value::String(id)) = body.get("uploadId") {
        body["uploadId"] = ids.target(id).to_owned().into();
    }
    shorten_manifests(&mut body);
    json!({"status": answer.status, "body": body})
}

/// Manifests longer than this are shown in records as their length and digest.
pub(super) const SHOWN_MANIFEST_BYTES: usize = 2048;

/// Replaces every `imageManifest` text over [`SHOWN_MANIFEST_BYTES`] with its length and
/// digest, so that a report of a 4 MiB manifest stays small.
pub(super) fn shorten_manifests(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                match item {
                    Value::String(text)
                        if k == "imageManifest" && text.len() > SHOWN_MANIFEST_BYTES =>
                    {
                        *item = json!({
                            "length": text.len(),
                            "sha256": crate::model::digest::digest_of(text.as_bytes()),
                        });
                    }
                    other => shorten_manifests(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(shorten_manifests),
        _ => {}
    }
}

fn actual_json(o: &Observed) -> Value {
    let mut v = json!({"status": o.status});
    if !wire::is_awsjson(o.content_type.as_deref()) {
        v["contentType"] = o.content_type.clone().unwrap_or_default().into();
    }
    if let Some(n) = &o.error {
        v["errorName"] = n.as_str().into();
    }
    match (&o.body, &o.raw) {
        (Some(b), _) => {
            let mut b = b.clone();
            shorten_manifests(&mut b);
            v["body"] = b;
        }
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
    /// `known` holds the `$blob`s the two bodies were made with, for the report.
    pub fn exchange(
        &mut self,
        to_model: &WireRequest,
        to_target: &WireRequest,
        attribute: Option<RuleId>,
        known: &BlobTexts,
    ) -> Result<&StepRecord, TransportError> {
        let request = wire::decode_http(&to_model.as_http());
        self.exchange_decoded(request, &to_model.body, to_target, attribute, known)
    }

    /// [`Session::exchange`] with the model's request already decoded.
    fn exchange_decoded(
        &mut self,
        request: Request,
        model_body: &[u8],
        to_target: &WireRequest,
        attribute: Option<RuleId>,
        known: &BlobTexts,
    ) -> Result<&StepRecord, TransportError> {
        let sent = self.endpoint.send(to_target);
        let (observed, retries) = match sent {
            Ok(answer) => answer,
            Err(e) => {
                // No answer is a divergence on this step; what the target did with the
                // request is unknown, so the caller stops the case here.
                let expected = self.state.model.clone().apply(&request);
                let unanswered = judge::unanswered();
                let rule = attribute.unwrap_or_else(|| rule_for(&request, &expected));
                let record = StepRecord {
                    index: self.records.len(),
                    operation: operation_name(to_target),
                    rule,
                    checked: vec![rule],
                    x_amz_target: to_target.x_amz_target.clone(),
                    content_type: to_target.content_type.clone(),
                    request: summarize_body(&to_target.body, known),
                    expected: expected_json(&expected, &self.state.ids),
                    actual: json!({ "noAnswer": e.0 }),
                    divergences: vec![Divergence::new(
                        rule,
                        On::Answer,
                        Shown::text("an HTTP answer"),
                        Shown::Text(format!("none ({e})")),
                    )],
                    verdict: unanswered.verdict,
                    knobs: unanswered.knobs,
                    follows_from: unanswered.follows_from,
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
        let live = judge::live_verdict(&judged);
        self.records.push(StepRecord {
            index,
            operation: operation_name(to_target),
            rule,
            checked,
            x_amz_target: to_target.x_amz_target.clone(),
            content_type: to_target.content_type.clone(),
            request: summarize_body(&to_target.body, known),
            expected: expected_json(&judged.expected, &self.state.ids),
            actual: actual_json(&exchange.answer),
            divergences: judged.divergences.clone(),
            verdict: live.verdict,
            knobs: live.knobs,
            follows_from: live.follows_from,
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
        let none = BlobTexts::default();
        self.exchange_decoded(request.clone(), &to_target.body, &to_target, None, &none)
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

/// `request` with its upload id, and the image digests it names, replaced by the target's.
pub(super) fn translate_ids(request: &Request, ids: &IdMap) -> Request {
    let mut r = request.clone();
    let image_ids = match &mut r {
        Request::BatchGetImage(g) => g.image_ids.as_mut(),
        Request::BatchDeleteImage(d) => d.image_ids.as_mut(),
        Request::DescribeImages(d) => d.image_ids.as_mut(),
        _ => None,
    };
    for i in image_ids.into_iter().flatten() {
        if let Some(d) = i.image_digest.as_mut() {
            *d = ids.target(d).to_owned();
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_from_known_blobs_equals_the_summary_of_the_body_parsed_whole() {
        let mut known = BlobTexts::summarizing();
        let body = crate::fixture::body_bytes_once(
            json!({"uploadId": "u", "layerPartBlob": {"$blob": {"length": 6000, "seed": 9}}}),
            &mut known,
        )
        .expect("body");
        let text = wire::blob::encode(&crate::strategy::fill(6000, 9));
        let other = wire::blob::encode(&[1, 2, 3, 4]);
        let escaped = text.replacen('/', "\\/", 1);
        assert_ne!(escaped, text, "the fill has a '/' to escape");
        let bodies: Vec<Vec<u8>> = vec![
            body,
            format!(r#"{{"layerPartBlob":"{other}","partFirstByte":0}}"#).into_bytes(),
            format!(r#"{{"layerPartBlob":"{escaped}"}}"#).into_bytes(),
            // Duplicates: the last one counts, both ways.
            format!(r#"{{"layerPartBlob":"{text}","layerPartBlob":"{other}"}}"#).into_bytes(),
            format!(r#"{{"layerPartBlob":"{other}","layerPartBlob":"{text}"}}"#).into_bytes(),
            br#"{"layerPartBlob":"not base64!"}"#.to_vec(),
            br#"{"layerPartBlob":12,"x":[1,{"y":null}]}"#.to_vec(),
            format!(r#"{{"nested":{{"layerPartBlob":"{text}"}}}}"#).into_bytes(),
            format!(r#"{{"layerPartBlob":"{text}""#).into_bytes(),
            // Whatever fails the whole parse fails here too, even in a member a later
            // duplicate replaces, and nesting counts from the body's top.
            format!(r#"{{"a":1e400,"a":0,"layerPartBlob":"{text}"}}"#).into_bytes(),
            br#"{"a":"\ud800","a":0}"#.to_vec(),
            format!(r#"{{"layerPartBlob":"\udc00","layerPartBlob":"{text}"}}"#).into_bytes(),
            format!(
                r#"{{"a":{}{},"layerPartBlob":"{text}"}}"#,
                "[".repeat(127),
                "]".repeat(127)
            )
            .into_bytes(),
            format!(
                r#"{{"a":{}{},"layerPartBlob":"{text}"}}"#,
                "[".repeat(126),
                "]".repeat(126)
            )
            .into_bytes(),
            format!(
                r#"{{ "layerPartBlob" : "{text}" , "b" : [ 1.5 , -0 , 18446744073709551615 ] }}"#
            )
            .into_bytes(),
            br#"["layerPartBlob"]"#.to_vec(),
            vec![b'x'; 9000],
            b"".to_vec(),
        ];
        for body in bodies {
            let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
            assert_eq!(
                summarize_body(&body, &known),
                summarize_whole(&body),
                "{shown}"
            );
        }
        // The known summary is the one taken (a wrong one would show).
        let body = format!(r#"{{"layerPartBlob":"{text}"}}"#);
        assert_eq!(
            summarize_body(body.as_bytes(), &known)["layerPartBlob"]["seed"],
            json!(9)
        );
    }

    /// Bodies made of JSON pieces in any order: most are not JSON, many are, some nearly.
    fn body_of_pieces(text: String) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::strategy::Strategy as _;
        let quoted = format!("\"{text}\"");
        let pieces: Vec<String> = [
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            " ",
            "\"layerPartBlob\"",
            "\"layerPart\\u0042lob\"",
            "\"a\"",
            "0",
            "-1.5",
            "1e400",
            "18446744073709551616",
            "null",
            "true",
            "\"\\ud800\"",
            "\"\\u00e9\"",
            "\"aGk=\"",
            "\"aGk\"",
            "\"a\\/Gk=\"",
            "\"!\"",
        ]
        .iter()
        .map(|p| (*p).to_owned())
        .chain([quoted])
        .collect();
        proptest::collection::vec(proptest::sample::select(pieces), 0..24)
            .prop_map(|ps| ps.concat().into_bytes())
    }

    proptest::proptest! {
        #[test]
        fn summarizing_with_known_blobs_equals_summarizing_the_body_parsed_whole(
            body in body_of_pieces(wire::blob::encode(&crate::strategy::fill(300, 5)))
        ) {
            let mut known = BlobTexts::summarizing();
            crate::fixture::body_bytes_once(
                json!({"$blob": {"length": 300, "seed": 5}}),
                &mut known,
            )
            .expect("made");
            proptest::prop_assert_eq!(summarize_body(&body, &known), summarize_whole(&body));
        }

        #[test]
        fn well_formed_bodies_with_known_blobs_summarize_as_when_parsed_whole(
            members in proptest::collection::vec(
                (proptest::sample::select(vec!["layerPartBlob", "uploadId", "a"]),
                 proptest::sample::select(vec![0usize, 1, 2, 3, 4, 5])),
                0..6,
            )
        ) {
            let mut known = BlobTexts::summarizing();
            let text = known_text(&mut known);
            let values = [
                format!("\"{text}\""),
                "\"u\"".to_owned(),
                "[1,{\"b\":null}]".to_owned(),
                "\"aGk=\"".to_owned(),
                "1e400".to_owned(),
                "\"\\ud800\"".to_owned(),
            ];
            let body = format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("\"{k}\":{}", values[*v]))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            proptest::prop_assert_eq!(
                summarize_body(body.as_bytes(), &known),
                summarize_whole(body.as_bytes())
            );
        }
    }

    fn known_text(known: &mut BlobTexts) -> String {
        let body =
            crate::fixture::body_bytes_once(json!({"$blob": {"length": 300, "seed": 5}}), known)
                .expect("made");
        let text = String::from_utf8(body).expect("text");
        text.trim_matches('"').to_owned()
    }
}
