//! Comparing what a target answered with what the model expected, member by member.
//!
//! Compared: success vs error, the sanitized error name, the status class, and the members
//! the spec names, with their JSON types. Ignored: messages, unknown fields, the spelling
//! of an error name (namespace, URI, header only). Server-chosen upload ids are mapped.

use crate::model::RuleId;
use std::collections::HashMap;

use crate::wire::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::limits::PART_SIZE_RANGE;
use crate::model::validate::is_upload_id;
use crate::model::{EcrError, Outcome, Request, Response, rule_for};
use crate::protocol::Observed;

/// One way the target's answer differs from the model's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// The rule broken.
    pub rule: RuleId,
    /// What differs: `answer`, `error`, `status`, or a member name.
    pub what: String,
    /// What the model expected.
    pub expected: String,
    /// What the target showed.
    pub actual: String,
}

/// Reading rule ids back from a JSON report (`merge-reports`): each must name a rule.
impl Divergence {
    /// A divergence on `rule` of `what`.
    pub fn new(rule: RuleId, what: &str, expected: impl ToString, actual: impl ToString) -> Self {
        Divergence {
            rule,
            what: what.to_owned(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }
}

/// Model upload ids to the target's.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    to_target: HashMap<String, String>,
}

impl IdMap {
    /// Records that the model's `model` id is the target's `target` id.
    pub fn insert(&mut self, model: &str, target: &str) {
        self.to_target.insert(model.to_owned(), target.to_owned());
        self.to_target
            .insert(model.to_uppercase(), target.to_uppercase());
    }

    /// The target's id for a model id; ids never minted (sent as literals) map to themselves.
    pub fn target<'a>(&'a self, model: &'a str) -> &'a str {
        self.to_target.get(model).map_or(model, String::as_str)
    }

    /// The model's id for a target id (in the same letter case), if it maps one.
    pub fn model_of(&self, target: &str) -> Option<&str> {
        self.to_target
            .iter()
            .find(|(_, t)| t.as_str() == target)
            .map(|(m, _)| m.as_str())
    }

    /// Whether the target already answered this id for another upload.
    pub fn has_target(&self, target: &str) -> bool {
        self.to_target.values().any(|t| t == target)
    }
}

struct Findings {
    out: Vec<Divergence>,
}

impl Findings {
    fn add(&mut self, rule: RuleId, what: &str, expected: impl ToString, actual: impl ToString) {
        self.out.push(Divergence::new(rule, what, expected, actual));
    }

    fn string(&mut self, rule: RuleId, body: &Value, key: &str, want: &str) {
        match body.get(key) {
            None | Some(Value::Null) => self.add(rule, key, want, "absent"),
            Some(Value::String(s)) if s == want => {}
            Some(Value::String(s)) => self.add(rule, key, want, s),
            Some(other) => self.add(RuleId::Wire3, key, "a JSON string", other),
        }
    }

    /// Compares a list member as rows of `fields`, in any order.
    fn rows(
        &mut self,
        rule: RuleId,
        body: &Value,
        key: &str,
        fields: &[&str],
        mut want: Vec<Vec<Value>>,
    ) {
        let sort = |rows: &mut Vec<Vec<Value>>| {
            rows.sort_by_key(|r| r.iter().map(Value::to_string).collect::<Vec<_>>())
        };
        let mut got: Vec<Vec<Value>> = match body.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    fields
                        .iter()
                        .map(|k| i.get(*k).cloned().unwrap_or(Value::Null))
                        .collect()
                })
                .collect(),
            Some(other) => return self.add(RuleId::Wire3, key, "a JSON array", other),
        };
        sort(&mut got);
        sort(&mut want);
        if got != want {
            self.add(rule, key, Value::from(want), Value::from(got));
        }
    }

    fn long(&mut self, rule: RuleId, body: &Value, key: &str, want: Option<i64>) {
        match (body.get(key), want) {
            (None | Some(Value::Null), None) => {}
            (None | Some(Value::Null), Some(w)) => self.add(rule, key, w, "absent"),
            (Some(v), _) if !v.is_i64() && !v.is_u64() => {
                self.add(RuleId::Wire3, key, "a JSON integer", v)
            }
            (Some(v), None) => self.add(rule, key, "absent", v),
            (Some(v), Some(w)) if v.as_i64() != Some(w) => self.add(rule, key, w, v),
            _ => {}
        }
    }
}

fn describe(observed: &Observed) -> String {
    match (&observed.error_name, &observed.body, &observed.raw) {
        (Some(name), _, _) => format!("HTTP {} {name}", observed.status),
        (None, Some(body), _) => format!("HTTP {} {body}", observed.status),
        (None, None, Some(raw)) => format!("HTTP {} {raw:?}", observed.status),
        (None, None, None) => format!("HTTP {} with no body", observed.status),
    }
}

/// Every divergence of `observed` from `expected`, the model's answer to `request`.
pub fn compare(
    request: &Request,
    expected: &Outcome,
    observed: &Observed,
    ids: &IdMap,
) -> Vec<Divergence> {
    let rule = rule_for(request, expected);
    let mut f = Findings { out: Vec::new() };
    match expected {
        Err(e) => compare_error(&mut f, rule, e, observed, ids),
        Ok(r) => compare_success(&mut f, rule, r, observed, ids),
    }
    f.out
}

fn compare_error(f: &mut Findings, rule: RuleId, e: &EcrError, observed: &Observed, ids: &IdMap) {
    if (200..300).contains(&observed.status) && observed.error_name.is_none() {
        f.add(rule, "answer", e.name(), describe(observed));
        return;
    }
    match &observed.error_name {
        None => f.add(
            rule,
            "error",
            e.name(),
            format!(
                "{} (no name in __type, code or X-Amzn-Errortype)",
                describe(observed)
            ),
        ),
        Some(name) if name != e.name() => f.add(rule, "error", e.name(), name),
        Some(_) => {}
    }
    if observed.status / 100 != e.status() / 100 {
        f.add(RuleId::Wire3, "status", e.status(), observed.status);
    }
    if let (
        EcrError::InvalidLayerPart {
            registry_id,
            repository_name,
            upload_id,
            last_valid_byte_received,
            ..
        },
        Some(name),
        Some(body),
    ) = (e, &observed.error_name, &observed.body)
        && name == e.name()
    {
        let last = *last_valid_byte_received;
        f.long(RuleId::Part5, body, "lastValidByteReceived", last);
        f.string(RuleId::Part5, body, "registryId", registry_id);
        f.string(RuleId::Part5, body, "repositoryName", repository_name);
        f.string(RuleId::Part5, body, "uploadId", ids.target(upload_id));
    }
}

fn compare_success(f: &mut Findings, rule: RuleId, r: &Response, observed: &Observed, ids: &IdMap) {
    if observed.status != 200 || observed.error_name.is_some() {
        f.add(rule, "answer", "success (HTTP 200)", describe(observed));
        return;
    }
    let Some(body) = observed.body.as_ref().filter(|b| b.is_object()) else {
        f.add(RuleId::Wire3, "body", "a JSON object", describe(observed));
        return;
    };
    if !crate::wire::is_awsjson(observed.content_type.as_deref()) {
        f.add(
            RuleId::Wire3,
            "Content-Type",
            CONTENT_TYPE,
            observed.content_type.as_deref().unwrap_or("absent"),
        );
    }
    match r {
        Response::Repository(info) => {
            let repo = body.get("repository").cloned().unwrap_or(Value::Null);
            f.string(rule, &repo, "repositoryName", &info.repository_name);
            f.string(rule, &repo, "registryId", &info.registry_id);
        }
        Response::UploadInitiated { .. } => {
            match body.get("uploadId") {
                Some(Value::String(id)) if is_upload_id(id) => {}
                Some(Value::String(id)) => f.add(
                    RuleId::Init1,
                    "uploadId",
                    "an id in the UploadId pattern",
                    id,
                ),
                Some(other) => f.add(RuleId::Wire3, "uploadId", "a JSON string", other),
                None => f.add(RuleId::Init1, "uploadId", "an upload id", "absent"),
            }
            match body.get("partSize") {
                Some(v) if v.as_u64().is_some_and(|n| PART_SIZE_RANGE.contains(&n)) => {}
                Some(v) if v.is_u64() || v.is_i64() => f.add(
                    RuleId::Init2,
                    "partSize",
                    format!("{}..={}", PART_SIZE_RANGE.start(), PART_SIZE_RANGE.end()),
                    v,
                ),
                Some(v) => f.add(RuleId::Wire3, "partSize", "a JSON integer", v),
                None => f.add(RuleId::Init2, "partSize", "a part size", "absent"),
            }
        }
        Response::PartAccepted {
            registry_id,
            repository_name,
            upload_id,
            last_byte_received,
        } => {
            f.long(rule, body, "lastByteReceived", Some(*last_byte_received));
            f.string(rule, body, "registryId", registry_id);
            f.string(rule, body, "repositoryName", repository_name);
            f.string(rule, body, "uploadId", ids.target(upload_id));
        }
        Response::LayerCompleted {
            registry_id,
            repository_name,
            upload_id,
            layer_digest,
        } => {
            f.string(rule, body, "layerDigest", layer_digest);
            f.string(rule, body, "registryId", registry_id);
            f.string(rule, body, "repositoryName", repository_name);
            f.string(rule, body, "uploadId", ids.target(upload_id));
        }
        Response::Availability { layers, failures } => {
            let want_layers = layers
                .iter()
                .map(|l| {
                    vec![
                        l.layer_digest.clone().into(),
                        "AVAILABLE".into(),
                        l.layer_size.into(),
                    ]
                })
                .collect();
            let layer_fields = ["layerDigest", "layerAvailability", "layerSize"];
            f.rows(RuleId::Check1, body, "layers", &layer_fields, want_layers);
            let want_failures = failures
                .iter()
                .map(|x| {
                    vec![
                        x.layer_digest.clone().into(),
                        x.failure_code.as_str().into(),
                    ]
                })
                .collect();
            f.rows(
                RuleId::Check2,
                body,
                "failures",
                &["layerDigest", "failureCode"],
                want_failures,
            );
        }
    }
}
