//! Comparing what a target answered with what the model expected, member by member.
//!
//! Compared: success vs error, the sanitized error name, the status class, and the members
//! the spec names, with their JSON types. Ignored: messages, unknown fields, the spelling
//! of an error name (namespace, URI, header only). Server-chosen upload ids are mapped.

use crate::model::RuleId;
use std::collections::HashMap;

use crate::wire::CONTENT_TYPE;
use serde_json::Value;

use super::evidence::Divergence;
use super::evidence::{Member, On, Shown};

use crate::model::limits::PART_SIZE_RANGE;
use crate::model::validate::{is_registry_id, is_upload_id};
use crate::model::{EcrError, Outcome, Request, Response, rule_for};
use crate::protocol::Observed;

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

    /// Every model id (or image digest) the target names otherwise, to the target's.
    pub fn pairs(&self) -> &HashMap<String, String> {
        &self.to_target
    }

    /// Whether the target already answered this id for another upload.
    pub fn has_target(&self, target: &str) -> bool {
        self.to_target.values().any(|t| t == target)
    }
}

pub(super) struct Findings {
    pub(super) out: Vec<Divergence>,
}

impl Findings {
    pub(super) fn add(&mut self, rule: RuleId, on: On, expected: Shown, actual: Shown) {
        self.out.push(Divergence::new(rule, on, expected, actual));
    }

    pub(super) fn member(&mut self, rule: RuleId, key: Member, expected: Shown, actual: Shown) {
        self.add(rule, On::Member(key), expected, actual);
    }

    pub(super) fn string(&mut self, rule: RuleId, body: &Value, key: Member, want: &str) {
        let want_shown = || Shown::Json(want.into());
        match body.get(key.as_str()) {
            None | Some(Value::Null) => self.member(rule, key, want_shown(), Shown::Absent),
            // A registry id out of its pattern is wrong whatever the model took it to be
            // (the model learns the id from the target's first answers).
            Some(Value::String(s)) if key == Member::RegistryId && !is_registry_id(s) => self
                .member(
                    RuleId::Wire3,
                    key,
                    Shown::text("a 12-digit registry id"),
                    Shown::Json(s.as_str().into()),
                ),
            Some(Value::String(s)) if s == want => {}
            Some(Value::String(s)) => {
                self.member(rule, key, want_shown(), Shown::Json(s.as_str().into()))
            }
            Some(other) => self.member(
                RuleId::Wire3,
                key,
                Shown::text("a JSON string"),
                Shown::Json(other.clone()),
            ),
        }
    }

    /// Compares a list member as rows of `fields`, in any order.
    pub(super) fn rows(
        &mut self,
        rule: RuleId,
        body: &Value,
        key: Member,
        fields: &[&str],
        want: Vec<Vec<Value>>,
    ) {
        let row = |i: &Value| {
            fields
                .iter()
                .map(|k| i.get(*k).cloned().unwrap_or(Value::Null))
                .collect()
        };
        self.rows_by(rule, body, key, row, want);
    }

    /// Compares a list member as the rows `row` makes of its items, in any order.
    pub(super) fn rows_by(
        &mut self,
        rule: RuleId,
        body: &Value,
        key: Member,
        row: impl Fn(&Value) -> Vec<Value>,
        mut want: Vec<Vec<Value>>,
    ) {
        let sort = |rows: &mut Vec<Vec<Value>>| {
            rows.sort_by_key(|r| r.iter().map(Value::to_string).collect::<Vec<_>>())
        };
        let mut got: Vec<Vec<Value>> = match body.get(key.as_str()) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(&row).collect(),
            Some(other) => {
                return self.member(
                    RuleId::Wire3,
                    key,
                    Shown::text("a JSON array"),
                    Shown::Json(other.clone()),
                );
            }
        };
        sort(&mut got);
        sort(&mut want);
        if got != want {
            self.member(
                rule,
                key,
                Shown::Json(Value::from(want)),
                Shown::Json(Value::from(got)),
            );
        }
    }

    pub(super) fn long(&mut self, rule: RuleId, body: &Value, key: Member, want: Option<i64>) {
        match (body.get(key.as_str()), want) {
            (None | Some(Value::Null), None) => {}
            (None | Some(Value::Null), Some(w)) => {
                self.member(rule, key, Shown::Json(w.into()), Shown::Absent)
            }
            (Some(v), _) if !v.is_i64() && !v.is_u64() => self.member(
                RuleId::Wire3,
                key,
                Shown::text("a JSON integer"),
                Shown::Json(v.clone()),
            ),
            (Some(v), None) => self.member(rule, key, Shown::Absent, Shown::Json(v.clone())),
            (Some(v), Some(w)) if v.as_i64() != Some(w) => {
                self.member(rule, key, Shown::Json(w.into()), Shown::Json(v.clone()))
            }
            _ => {}
        }
    }
}

fn describe(observed: &Observed) -> Shown {
    Shown::Text(match (&observed.error, &observed.body, &observed.raw) {
        (Some(code), _, _) => format!("HTTP {} {code}", observed.status),
        (None, Some(body), _) => format!("HTTP {} {body}", observed.status),
        (None, None, Some(raw)) => format!("HTTP {} {raw:?}", observed.status),
        (None, None, None) => format!("HTTP {} with no body", observed.status),
    })
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
        Ok(r) => compare_success(&mut f, rule, request, r, observed, ids),
    }
    f.out
}

fn compare_error(f: &mut Findings, rule: RuleId, e: &EcrError, observed: &Observed, ids: &IdMap) {
    let want = e.code();
    if (200..300).contains(&observed.status) && observed.error.is_none() {
        f.add(
            rule,
            On::Answer,
            Shown::Text(want.to_string()),
            describe(observed),
        );
        return;
    }
    match &observed.error {
        None => f.add(
            rule,
            On::Error,
            Shown::Text(want.to_string()),
            Shown::Text(format!(
                "{} (no name in __type, code or X-Amzn-Errortype)",
                describe(observed)
            )),
        ),
        Some(code) if *code != want => f.add(
            rule,
            On::Error,
            Shown::Text(want.to_string()),
            Shown::Text(code.to_string()),
        ),
        Some(_) => {}
    }
    if observed.status / 100 != e.status() / 100 {
        f.add(
            RuleId::Wire3,
            On::Status,
            Shown::Json(e.status().into()),
            Shown::Json(observed.status.into()),
        );
    }
    if let (
        EcrError::InvalidLayerPart {
            registry_id,
            repository_name,
            upload_id,
            last_valid_byte_received,
            ..
        },
        Some(code),
        Some(body),
    ) = (e, &observed.error, &observed.body)
        && *code == want
    {
        let last = *last_valid_byte_received;
        f.long(RuleId::Part5, body, Member::LastValidByteReceived, last);
        f.string(RuleId::Part5, body, Member::RegistryId, registry_id);
        f.string(RuleId::Part5, body, Member::RepositoryName, repository_name);
        f.string(RuleId::Part5, body, Member::UploadId, ids.target(upload_id));
    }
}

fn compare_success(
    f: &mut Findings,
    rule: RuleId,
    request: &Request,
    r: &Response,
    observed: &Observed,
    ids: &IdMap,
) {
    if observed.status != 200 || observed.error.is_some() {
        f.add(
            rule,
            On::Answer,
            Shown::text("success (HTTP 200)"),
            describe(observed),
        );
        return;
    }
    let Some(body) = observed.body.as_ref().filter(|b| b.is_object()) else {
        f.add(
            RuleId::Wire3,
            On::Body,
            Shown::text("a JSON object"),
            describe(observed),
        );
        return;
    };
    if !crate::wire::is_awsjson(observed.content_type.as_deref()) {
        f.add(
            RuleId::Wire3,
            On::ContentType,
            Shown::text(CONTENT_TYPE),
            observed
                .content_type
                .as_deref()
                .map_or(Shown::Absent, Shown::text),
        );
    }
    match r {
        Response::Repository(info) => {
            let repo = body.get("repository").cloned().unwrap_or(Value::Null);
            f.string(rule, &repo, Member::RepositoryName, &info.repository_name);
            f.string(rule, &repo, Member::RegistryId, &info.registry_id);
            // MUT-1: a repository created with a setting says which.
            if let (Request::CreateRepository(c), Some(m)) = (request, &info.image_tag_mutability)
                && c.image_tag_mutability.is_some()
            {
                let want = m.kind.as_str();
                f.string(RuleId::Mut1, &repo, Member::ImageTagMutability, want);
            }
        }
        Response::UploadInitiated { .. } => {
            match body.get("uploadId") {
                Some(Value::String(id)) if is_upload_id(id) => {}
                Some(Value::String(id)) => f.member(
                    RuleId::Init1,
                    Member::UploadId,
                    Shown::text("an id in the UploadId pattern"),
                    Shown::Json(id.as_str().into()),
                ),
                Some(other) => f.member(
                    RuleId::Wire3,
                    Member::UploadId,
                    Shown::text("a JSON string"),
                    Shown::Json(other.clone()),
                ),
                None => f.member(
                    RuleId::Init1,
                    Member::UploadId,
                    Shown::text("an upload id"),
                    Shown::Absent,
                ),
            }
            match body.get("partSize") {
                Some(v) if v.as_u64().is_some_and(|n| PART_SIZE_RANGE.contains(&n)) => {}
                Some(v) if v.is_u64() || v.is_i64() => f.member(
                    RuleId::Init2,
                    Member::PartSize,
                    Shown::Text(format!(
                        "{}..={}",
                        PART_SIZE_RANGE.start(),
                        PART_SIZE_RANGE.end()
                    )),
                    Shown::Json(v.clone()),
                ),
                Some(v) => f.member(
                    RuleId::Wire3,
                    Member::PartSize,
                    Shown::text("a JSON integer"),
                    Shown::Json(v.clone()),
                ),
                None => f.member(
                    RuleId::Init2,
                    Member::PartSize,
                    Shown::text("a part size"),
                    Shown::Absent,
                ),
            }
        }
        Response::PartAccepted {
            registry_id,
            repository_name,
            upload_id,
            last_byte_received,
        } => {
            let last = Some(*last_byte_received);
            f.long(rule, body, Member::LastByteReceived, last);
            f.string(rule, body, Member::RegistryId, registry_id);
            f.string(rule, body, Member::RepositoryName, repository_name);
            f.string(rule, body, Member::UploadId, ids.target(upload_id));
        }
        Response::LayerCompleted {
            registry_id,
            repository_name,
            upload_id,
            layer_digest,
        } => {
            f.string(rule, body, Member::LayerDigest, layer_digest);
            f.string(rule, body, Member::RegistryId, registry_id);
            f.string(rule, body, Member::RepositoryName, repository_name);
            f.string(rule, body, Member::UploadId, ids.target(upload_id));
        }
        Response::Availability { layers, failures } => {
            // CHECK-1 on every listed layer's digest and size, and on the availability of
            // the layers an image references; CHECK-3 on the availability of the others.
            let unreferenced: Vec<&str> = layers
                .iter()
                .filter(|l| !l.referenced)
                .map(|l| l.layer_digest.as_str())
                .collect();
            let availability = |l: &crate::model::LayerInfo| -> Value {
                if l.available {
                    "AVAILABLE".into()
                } else {
                    "UNAVAILABLE".into()
                }
            };
            let want_layers = layers
                .iter()
                .map(|l| {
                    vec![
                        l.layer_digest.clone().into(),
                        if l.referenced {
                            availability(l)
                        } else {
                            Value::Null
                        },
                        l.layer_size.into(),
                    ]
                })
                .collect();
            let layer_fields = ["layerDigest", "layerAvailability", "layerSize"];
            let mut seen = body.clone();
            if let Some(items) = seen.get_mut("layers").and_then(Value::as_array_mut) {
                for item in items {
                    let digest = item.get("layerDigest").and_then(Value::as_str);
                    if digest.is_some_and(|d| unreferenced.contains(&d)) {
                        item["layerAvailability"] = Value::Null;
                    }
                }
            }
            f.rows(
                RuleId::Check1,
                &seen,
                Member::Layers,
                &layer_fields,
                want_layers,
            );
            for l in layers.iter().filter(|l| !l.referenced) {
                let said = body
                    .get("layers")
                    .and_then(Value::as_array)
                    .and_then(|items| {
                        items.iter().find(|i| {
                            i.get("layerDigest").and_then(Value::as_str) == Some(&l.layer_digest)
                        })
                    })
                    .and_then(|i| i.get("layerAvailability"));
                if let Some(said) = said
                    && *said != availability(l)
                {
                    f.member(
                        RuleId::Check3,
                        Member::Layers,
                        Shown::Json(serde_json::json!([l.layer_digest, availability(l)])),
                        Shown::Json(serde_json::json!([l.layer_digest, said])),
                    );
                }
            }
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
                Member::Failures,
                &["layerDigest", "failureCode"],
                want_failures,
            );
        }
        other => super::compare_images::compare_image_success(f, rule, request, other, body, ids),
    }
}
