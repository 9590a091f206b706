//! Replay: judging recorded transcripts (`run --record DIR`) offline, under any profile.
//!
//! Each transcript is one case. Its requests are rebuilt byte for byte (blobs from their
//! seed or text), its answers are served back in order by a [`Recorded`] transport, and a
//! [`Session`] judges them exactly as a live run would: the same verdicts, consequences
//! and inference, without the target. A recording that cannot be rebuilt is an error that
//! names the case and the step.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::Path;

use serde_json::Value;

use super::judge::{self, CaseLog};
use super::report::{CaseResult, Report};
use super::session::{Session, Transport, WireRequest};
use super::{IdMap, RunError};
use crate::model::limits::{DEFAULT_REGION, DEFAULT_REGISTRY_ID};
use crate::model::{CreateRepository, Profile, Registry, Request, rules};
use crate::protocol::{Observed, TransportError};
use crate::wire::{self, CONTENT_TYPE};

/// Answers served back in the order they were recorded.
pub struct Recorded {
    answers: RefCell<VecDeque<Observed>>,
}

impl Transport for Recorded {
    fn send(&self, _request: &WireRequest) -> Result<(Observed, u32), TransportError> {
        self.answers
            .borrow_mut()
            .pop_front()
            .map(|o| (o, 0))
            .ok_or_else(|| TransportError("the recording has no answer for this step".into()))
    }
}

/// Why a step cannot be rebuilt.
fn bad(case: &str, step: usize, why: impl std::fmt::Display) -> RunError {
    RunError::Usage(format!("{case} step {step}: {why}"))
}

/// A recorded blob summary back as base64 text.
fn blob_text(summary: &Value) -> Result<String, String> {
    if let Some(text) = summary.get("base64").or_else(|| summary.get("text")) {
        return text
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "a blob's text is not a string".to_owned());
    }
    let (Some(length), Some(seed)) = (
        summary.get("length").and_then(Value::as_u64),
        summary.get("seed").and_then(Value::as_u64),
    ) else {
        return Err(format!(
            "the blob is recorded only as {summary}: record it again with this version, which keeps its seed or text"
        ));
    };
    if length > crate::fixture::MAX_BLOB_LENGTH {
        return Err(format!("a blob of {length} bytes is longer than any part"));
    }
    let bytes = crate::strategy::fill(length as usize, seed);
    let digest = crate::model::digest::digest_of(&bytes);
    if summary.get("sha256").and_then(Value::as_str) != Some(digest.as_str()) {
        return Err("the blob's seed does not give its recorded sha256".to_owned());
    }
    let mut text = wire::blob::encode(&bytes);
    if summary.get("unpadded").and_then(Value::as_bool) == Some(true) {
        text.truncate(text.trim_end_matches('=').len());
    }
    Ok(text)
}

/// The body of a recorded request, with target ids replaced by `map` where it maps them.
fn body_of(recorded: &Value, map: &dyn Fn(&str) -> Option<String>) -> Result<Vec<u8>, String> {
    match recorded {
        Value::String(text) => {
            let mut text = text.clone();
            // Ids stand in the text as they were sent.
            let mut ids: Vec<(String, String)> = Vec::new();
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
                if let Some(m) = map(word) {
                    ids.push((word.to_owned(), m));
                }
            }
            for (t, m) in ids {
                text = text.replace(&t, &m);
            }
            Ok(text.into_bytes())
        }
        Value::Object(map_) if map_.contains_key("truncatedText") => {
            Err("the body was recorded cut short".to_owned())
        }
        Value::Object(_) => {
            let mut v = recorded.clone();
            if let Some(summary) = v.get("layerPartBlob").filter(|b| b.is_object()) {
                v["layerPartBlob"] = Value::String(blob_text(summary)?);
            }
            for key in ["uploadId"] {
                if let Some(m) = v.get(key).and_then(Value::as_str).and_then(map) {
                    v[key] = m.into();
                }
            }
            serde_json::to_vec(&v).map_err(|e| e.to_string())
        }
        other => Err(format!("a request body of {other} cannot be rebuilt")),
    }
}

/// The answer a step recorded.
fn answer_of(recorded: &Value) -> Result<Observed, String> {
    let status = recorded
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("the answer has no status (a step that got no answer cannot be replayed)")?;
    Ok(Observed {
        status,
        error: recorded
            .get("errorName")
            .and_then(Value::as_str)
            .map(crate::model::ErrorCode::from_name),
        body: recorded.get("body").cloned(),
        raw: recorded
            .get("raw")
            .and_then(Value::as_str)
            .map(str::to_owned),
        content_type: Some(
            recorded
                .get("contentType")
                .and_then(Value::as_str)
                .unwrap_or(CONTENT_TYPE)
                .to_owned(),
        ),
    })
}

fn text_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Judges one recorded case under `profile`.
fn replay_case(
    name: &str,
    transcript: &Value,
    profile: &Profile,
) -> Result<(CaseResult, Option<CaseLog>), RunError> {
    let steps = transcript
        .get("steps")
        .and_then(Value::as_array)
        .ok_or_else(|| RunError::Usage(format!("{name}: not a transcript (no \"steps\")")))?;
    let registry_id =
        text_field(transcript, "registryId").unwrap_or_else(|| DEFAULT_REGISTRY_ID.to_owned());
    let count = transcript
        .get("repositories")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(3) as usize;
    let repositories: Vec<String> = ["repo-a", "repo-b", "repo-c"][..count]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let existing = transcript.get("existing").and_then(Value::as_bool) == Some(true);
    let mut model = Registry::new(profile.clone()).with_identity(&registry_id, DEFAULT_REGION);
    if existing {
        for r in &repositories {
            let _ = model.apply(&Request::CreateRepository(CreateRepository {
                registry_id: None,
                repository_name: Some(r.clone()),
                ..Default::default()
            }));
        }
    }
    let answers = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            answer_of(s.get("answer").unwrap_or(&Value::Null)).map_err(|e| bad(name, i, e))
        })
        .collect::<Result<VecDeque<_>, _>>()?;
    let transport = Recorded {
        answers: RefCell::new(answers),
    };
    let mut session = Session::new(&transport, model);
    for (i, step) in steps.iter().enumerate() {
        let request = step.get("request").unwrap_or(&Value::Null);
        let recorded_body = request.get("body").unwrap_or(&Value::Null);
        let ids: IdMap = session.ids().clone();
        let to_target = body_of(recorded_body, &|_| None).map_err(|e| bad(name, i, e))?;
        let to_model = body_of(recorded_body, &|t| ids.model_of(t).map(str::to_owned))
            .map_err(|e| bad(name, i, e))?;
        let target = text_field(request, "target");
        let content_type = text_field(request, "contentType");
        let attribute = step
            .get("checks")
            .and_then(Value::as_str)
            .map(|id| rules::rule(id).map(|r| r.id).ok_or(id))
            .transpose()
            .map_err(|id| bad(name, i, format!("checks names no rule: {id}")))?;
        let wire = |body| WireRequest {
            x_amz_target: target.clone(),
            content_type: content_type.clone(),
            body,
        };
        session
            .exchange(
                &wire(to_model),
                &wire(to_target),
                attribute,
                &crate::fixture::BlobTexts::default(),
            )
            .map_err(|e| bad(name, i, e))?;
    }
    let log = session.finish(profile);
    let case = CaseResult {
        name: text_field(transcript, "case").unwrap_or_else(|| name.to_owned()),
        index: None,
        rules: Vec::new(),
        repositories,
        existing,
        registry_id,
        steps: session.records,
        error: None,
    };
    Ok((case, log))
}

/// The largest transcript read (blobs are kept as length and digest: a transcript is small).
pub const MAX_TRANSCRIPT_BYTES: u64 = 64 * 1024 * 1024;

/// Judges every transcript (`*.json`) of `dir` under `profile`, as one run. A transcript
/// that is not a regular file (a link to a device, a FIFO) or is over
/// [`MAX_TRANSCRIPT_BYTES`] is refused.
pub fn replay_dir(dir: &Path, profile: &Profile) -> Result<Report, RunError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| RunError::Usage(format!("replay {}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.len() > super::scenario::MAX_SCENARIOS {
        return Err(RunError::Usage(format!(
            "replay {}: more than {} transcripts",
            dir.display(),
            super::scenario::MAX_SCENARIOS
        )));
    }
    if paths.is_empty() {
        return Err(RunError::Usage(format!(
            "replay {}: no transcripts (*.json, as `run --record` writes them)",
            dir.display()
        )));
    }
    let mut cases = Vec::new();
    let mut logs = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = crate::fixture::read_limited_text(&path, MAX_TRANSCRIPT_BYTES)
            .map_err(RunError::Usage)?;
        let transcript: Value =
            serde_json::from_str(&text).map_err(|e| RunError::Usage(format!("{name}: {e}")))?;
        let (case, log) = replay_case(&name, &transcript, profile)?;
        cases.push(case);
        logs.extend(log);
    }
    let inferred = judge::infer(profile, &logs);
    Ok(Report::new(
        format!("recording {}", dir.display()),
        profile,
        cases,
        None,
        Vec::new(),
        inferred,
    ))
}
