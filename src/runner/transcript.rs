//! Transcripts: what went over the wire in a case, in a form that stays the same from run
//! to run, for regression snapshots and `run --record`.
//!
//! Per step: the operation, the request (`X-Amz-Target`, `Content-Type`, JSON body with
//! each blob as `{length, sha256}`) and the answer (status, sanitized error name, JSON
//! body). Repository names become `repo-a`, `repo-b`, `repo-c` and upload ids
//! `abcdef00-0000-4000-8000-000000000000`, `...001`, ... (with letters, so that the
//! upper-case form of an id stays another id) in order of appearance; dates are
//! redacted. Headers are never recorded, so no credential, signature or session token can
//! appear. A transcript holds what `replay` needs: blobs keep their generator's seed (or
//! their text when short), and a step names the rule it `checks`.

use serde_json::{Value, json};

use super::report::CaseResult;
use crate::model::validate::is_upload_id;

/// Member names whose values differ from run to run and are redacted.
const REDACTED: &[&str] = &["createdAt", "date", "requestId", "RequestId"];

struct Names {
    pairs: Vec<(String, String)>,
    uploads: usize,
}

impl Names {
    fn stable(&mut self, s: &str) -> String {
        if is_upload_id(s) && !self.pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case(s)) {
            let name = stable_upload_id(self.uploads);
            self.uploads += 1;
            self.pairs.push((s.to_uppercase(), name.to_uppercase()));
            self.pairs.push((s.to_lowercase(), name));
            // Longest first, so a name that contains another is replaced whole.
            self.pairs.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        }
        let mut out = s.to_owned();
        for (k, v) in &self.pairs {
            if out.contains(k.as_str()) {
                out = out.replace(k.as_str(), v);
            }
        }
        out
    }

    fn walk(&mut self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.stable(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.walk(v)),
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if REDACTED.contains(&k.as_str()) {
                        *v = Value::String("<redacted>".into());
                    } else {
                        self.walk(v);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The `n`th upload id of a transcript: in the UploadId pattern, so that a replay reads it
/// as the target's id.
pub fn stable_upload_id(n: usize) -> String {
    format!("abcdef00-0000-4000-8000-{n:012}")
}

/// The transcript of a case.
pub fn of(case: &CaseResult) -> Value {
    let mut names = Names {
        pairs: case
            .repositories
            .iter()
            .zip(["repo-a", "repo-b", "repo-c"])
            .map(|(r, n)| (r.clone(), n.to_owned()))
            .collect(),
        uploads: 0,
    };
    // Longest names first, so one name that contains another is replaced whole.
    names.pairs.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let steps: Vec<Value> = case
        .steps
        .iter()
        .map(|s| {
            let mut request = json!({"body": s.request});
            if let Some(t) = &s.x_amz_target {
                request["target"] = t.clone().into();
            }
            if let Some(c) = &s.content_type {
                request["contentType"] = c.clone().into();
            }
            let mut answer = json!({"status": s.actual["status"]});
            for key in ["errorName", "body", "raw"] {
                if let Some(v) = s.actual.get(key) {
                    answer[key] = v.clone();
                }
            }
            let mut step = json!({"operation": s.operation, "request": request, "answer": answer});
            if let Some(rule) = s.checks {
                step["checks"] = rule.as_str().into();
            }
            names.walk(&mut step);
            step
        })
        .collect();
    let mut out = json!({
        "case": case.name,
        "registryId": case.registry_id,
        "repositories": case.repositories.len(),
        "steps": steps,
    });
    if case.existing {
        out["existing"] = true.into();
    }
    out
}
