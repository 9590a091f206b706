//! Transcripts: what went over the wire in a case, in a form that stays the same from run
//! to run, for regression snapshots and `run --record`.
//!
//! Per step: the operation, the request (`X-Amz-Target`, `Content-Type`, JSON body with
//! each blob as `{length, sha256}`) and the answer (status, sanitized error name, JSON
//! body). Repository names become `repo-a`, `repo-b`, `repo-c` and upload ids `upload-0`,
//! `upload-1`, ... in order of appearance; dates are redacted. Headers are never recorded,
//! so no credential, signature or session token can appear.

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
            let name = format!("upload-{}", self.uploads);
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
            if let Some(t) = &s.target {
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
            names.walk(&mut step);
            step
        })
        .collect();
    json!({"case": case.name, "steps": steps})
}
