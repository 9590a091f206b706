//! A `/v2/` answer against the oracle's, into [`Divergence`]s: which kind of answer (success
//! or error, and which OCI code), the error's shape (REG-8), the status, and the headers and
//! bodies §10 names for the call.

use serde_json::{Value, json};

use super::Material;
use super::client::DoorObserved;
use super::steps::DoorStep;
use crate::model::RuleId;
use crate::runner::evidence::{Divergence, Header, On, Shown};
use crate::wire::door::DoorAnswer;

/// An error answer's code, read from the OCI shape `{"errors":[{"code","message"}]}`; the
/// reason when the body is not that shape.
fn oci_code(body: &[u8]) -> Result<String, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|_| "a body that is not JSON".to_owned())?;
    let first = v
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .ok_or_else(|| "JSON without an errors array".to_owned())?;
    let code = first
        .get("code")
        .and_then(Value::as_str)
        .ok_or_else(|| "an error without a code".to_owned())?;
    if first.get("message").and_then(Value::as_str).is_none() {
        return Err("an error without a message".to_owned());
    }
    Ok(code.to_owned())
}

fn status_and_code(status: u16, code: Option<&str>) -> Shown {
    match code {
        Some(c) => Shown::Json(json!({ "status": status, "code": c })),
        None => Shown::Json(json!({ "status": status })),
    }
}

/// A URL for a report: each query value but `digest` replaced (a registry's `Location`
/// may carry signed upload state or a storage URL's signature), credentials in it removed.
pub(super) fn redact_query(url: &str) -> String {
    let url = crate::protocol::redact_url(url);
    let Some((path, query)) = url.split_once('?') else {
        return url;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("digest", _)) => pair.to_owned(),
            Some((k, _)) => format!("{k}=<redacted>"),
            None => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// How the report shows the oracle's answer.
pub(super) fn expected_summary(e: &DoorAnswer) -> Value {
    let mut v = json!({ "status": e.status });
    if let Some(code) = e.error {
        v["code"] = json!(code.as_str());
    }
    for (k, value) in &e.headers {
        if matches!(*k, "location" | "range" | "docker-content-digest") {
            v[*k] = json!(value);
        }
    }
    v
}

/// How the report shows the target's answer (headers named by §10 only: no credential
/// or signature is ever among them).
pub(super) fn actual_summary(o: &Result<DoorObserved, String>) -> Value {
    match o {
        Err(e) => json!({ "error": e }),
        Ok(o) => {
            let mut v = json!({ "status": o.status });
            if o.status >= 400 {
                match oci_code(&o.body) {
                    Ok(c) => v["code"] = json!(c),
                    Err(_) => {
                        v["body"] = json!(String::from_utf8_lossy(&o.body[..o.body.len().min(512)]))
                    }
                }
            }
            for k in ["location", "range", "docker-content-digest"] {
                if let Some(value) = o.header(k) {
                    v[k] = json!(redact_query(value));
                }
            }
            v
        }
    }
}

fn header_divergence(
    rule: RuleId,
    header: Header,
    expected: Option<&str>,
    actual: Option<&str>,
) -> Option<Divergence> {
    (expected != actual).then(|| {
        Divergence::new(
            rule,
            On::Header(header),
            expected.map_or(Shown::Absent, |v| Shown::Json(json!(v))),
            actual.map_or(Shown::Absent, |v| Shown::Json(json!(v))),
        )
    })
}

fn presence(
    rule: RuleId,
    header: Header,
    expected: Option<&str>,
    actual: Option<&str>,
) -> Option<Divergence> {
    (expected.is_some() != actual.is_some()).then(|| {
        Divergence::new(
            rule,
            On::Header(header),
            expected.map_or(Shown::Absent, |_| Shown::text("present")),
            actual.map_or(Shown::Absent, |v| Shown::Json(json!(v))),
        )
    })
}

/// The tags a tags/list body lists.
fn tags(body: &[u8]) -> Option<Vec<String>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let mut t: Vec<String> = match v.get("tags")? {
        Value::Null => Vec::new(),
        Value::Array(a) => a
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => return None,
    };
    t.sort();
    Some(t)
}

/// How the target's answer to `step` departs from the oracle's. `existing`: the repository
/// was there before the run, so its listing may hold more tags.
pub(super) fn compare(
    step: &DoorStep,
    e: &DoorAnswer,
    o: &Result<DoorObserved, String>,
    material: &Material,
    existing: bool,
) -> Vec<Divergence> {
    let rule = e.rule;
    let o = match o {
        Ok(o) => o,
        Err(why) => {
            return vec![Divergence::new(
                rule,
                On::Answer,
                status_and_code(e.status, e.error.map(|c| c.as_str())),
                Shown::text(format!("no answer: {why}")),
            )];
        }
    };
    let expected_error = e.status >= 400;
    let actual_error = o.status >= 400;
    let code = actual_error.then(|| oci_code(&o.body));
    if expected_error != actual_error {
        let shown_code = code.as_ref().and_then(|c| c.as_deref().ok());
        return vec![Divergence::new(
            rule,
            On::Answer,
            status_and_code(e.status, e.error.map(|c| c.as_str())),
            status_and_code(o.status, shown_code),
        )];
    }
    let mut out = Vec::new();
    if expected_error {
        // A 500 is a failure of the registry: its body is not judged, its status is. A HEAD
        // answer has no body to judge.
        let head = matches!(
            step,
            DoorStep::BlobHead { .. } | DoorStep::ManifestGet { head: true, .. }
        );
        if e.status < 500 && !head {
            match code {
                Some(Err(why)) => out.push(Divergence::new(
                    RuleId::Reg8,
                    On::Body,
                    Shown::text("{\"errors\":[{\"code\",\"message\"}]}"),
                    Shown::text(why),
                )),
                Some(Ok(c)) => {
                    let want = e.error.map(|c| c.as_str()).unwrap_or("");
                    if c != want {
                        out.push(Divergence::new(
                            rule,
                            On::Error,
                            Shown::Json(json!(want)),
                            Shown::Json(json!(c)),
                        ));
                    }
                    let ct = o.header("content-type").unwrap_or("");
                    if !ct.starts_with("application/json") {
                        out.push(Divergence::new(
                            RuleId::Reg8,
                            On::ContentType,
                            Shown::Json(json!(crate::wire::oci::ERROR_CONTENT_TYPE)),
                            if ct.is_empty() {
                                Shown::Absent
                            } else {
                                Shown::Json(json!(ct))
                            },
                        ));
                    }
                }
                None => {}
            }
        }
        if o.status != e.status {
            out.push(Divergence::new(
                rule,
                On::Status,
                Shown::Json(json!(e.status)),
                Shown::Json(json!(o.status)),
            ));
        }
        return out;
    }
    if o.status != e.status {
        out.push(Divergence::new(
            rule,
            On::Status,
            Shown::Json(json!(e.status)),
            Shown::Json(json!(o.status)),
        ));
    }
    let want = |h: &str| e.header_value(h);
    let got = |h: &str| o.header(h);
    match step {
        DoorStep::Start { .. } => {
            // REG-2: an absolute `Location`.
            let at = got("location");
            if !at.is_some_and(|l| l.starts_with("http://") || l.starts_with("https://")) {
                out.push(Divergence::new(
                    rule,
                    On::Header(Header::Location),
                    Shown::text("an absolute URL"),
                    at.map_or(Shown::Absent, |v| Shown::Json(json!(v))),
                ));
            }
        }
        DoorStep::Chunk { .. } => {
            out.extend(presence(
                rule,
                Header::Location,
                want("location"),
                got("location"),
            ));
            out.extend(header_divergence(
                rule,
                Header::Range,
                want("range"),
                got("range"),
            ));
        }
        DoorStep::Finish { .. } => {
            out.extend(header_divergence(
                rule,
                Header::DockerContentDigest,
                want("docker-content-digest"),
                got("docker-content-digest"),
            ));
        }
        DoorStep::BlobHead { .. } => {
            out.extend(header_divergence(
                rule,
                Header::DockerContentDigest,
                want("docker-content-digest"),
                got("docker-content-digest"),
            ));
            out.extend(header_divergence(
                rule,
                Header::ContentLength,
                want("content-length"),
                got("content-length"),
            ));
        }
        DoorStep::BlobGet { blob } => {
            if e.status == 307 {
                out.extend(presence(
                    rule,
                    Header::Location,
                    want("location"),
                    got("location"),
                ));
            } else if let Some(digest) = &o.body_digest {
                let wanted = material.digest(blob);
                if *digest != wanted {
                    out.push(Divergence::new(
                        rule,
                        On::Body,
                        Shown::text(format!("the blob's bytes ({wanted})")),
                        Shown::text(format!("bytes of {digest}")),
                    ));
                }
            }
        }
        DoorStep::ManifestPut { .. } => {
            out.extend(presence(
                rule,
                Header::Location,
                want("location"),
                got("location"),
            ));
        }
        DoorStep::ManifestGet { head, .. } => {
            if *head {
                out.extend(header_divergence(
                    rule,
                    Header::DockerContentDigest,
                    want("docker-content-digest"),
                    got("docker-content-digest"),
                ));
            } else {
                out.extend(presence(
                    rule,
                    Header::DockerContentDigest,
                    want("docker-content-digest"),
                    got("docker-content-digest"),
                ));
                if o.body != e.body {
                    out.push(Divergence::new(
                        rule,
                        On::Body,
                        Shown::text("the manifest byte for byte"),
                        Shown::text(format!("{} other bytes", o.body.len())),
                    ));
                }
            }
        }
        DoorStep::TagsList => {
            let (want_tags, got_tags) = (tags(&e.body).unwrap_or_default(), tags(&o.body));
            let agrees = match &got_tags {
                None => false,
                Some(g) if existing => want_tags.iter().all(|t| g.contains(t)),
                Some(g) => *g == want_tags,
            };
            if !agrees {
                out.push(Divergence::new(
                    rule,
                    On::Body,
                    Shown::Json(json!({ "tags": want_tags })),
                    got_tags.map_or(Shown::text("no tags array"), |g| {
                        Shown::Json(json!({ "tags": g }))
                    }),
                ));
            }
        }
        DoorStep::Ping | DoorStep::ManifestDelete { .. } => {}
    }
    out
}
