//! The judge: the client rules (`CLIENT-1`..`CLIENT-8`) applied to what one plan left,
//! the fake's request log, its final state and COMMAND's exit status.
//!
//! One defect, one rule: where a client gave up, the rule about what it gave up on (a
//! 5xx, a throttle, an existing layer) carries the finding, and the catch-all findings
//! ("the layer was not stored", "the exit status disagrees") are only made when no other
//! rule explains the plan's outcome. Each rule reports its first finding of a plan.
//!
//! One file per rule (`content` is CLIENT-1, `part_sizes` CLIENT-2, `server_errors` CLIENT-3,
//! `invalid_parts` CLIENT-4, `throttles` CLIENT-5, `existing_layer` CLIENT-6, `exit_status`
//! CLIENT-7, `image` CLIENT-8); [`judge`] below is the one place that orders them, which is the precedence.

mod content;
mod existing_layer;
mod exit_status;
mod image;
mod invalid_parts;
mod notes;
mod part_sizes;
mod server_errors;
mod throttles;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::command::ExitInfo;
use super::layer::LayerFile;
use super::plans::Plan;
use super::report::{Finding, ImageResult};
use super::rules::{FLAT_WAITS, MAX_ATTEMPTS, MIN_BACKOFF_MS, MIN_THROTTLED_ATTEMPTS};
use crate::fake::{Fault, FaultKind, LoggedRequest};
use crate::model::ErrorCode;
use crate::model::digest::names_content;
use crate::model::limits::{MAX_PART_BYTES, MIN_PART_BYTES};
use crate::wire::Operation;

/// What a plan left, for the judge.
pub(crate) struct Evidence<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) log: &'a [LoggedRequest],
    pub(crate) layer: &'a LayerFile,
    /// Layers in the repository at the end, digest and size.
    pub(crate) stored: &'a [(String, u64)],
    pub(crate) exit: &'a ExitInfo,
    pub(crate) stderr: &'a str,
    pub(crate) start: Instant,
    pub(crate) timeout: Duration,
    /// The image the client was to put, and what its tag named at the end (absent with
    /// `--layer-only`).
    pub(crate) image: Option<&'a ImageResult>,
}

/// The judge's verdict on one plan.
#[derive(Debug, Default)]
pub(crate) struct Judged {
    pub(crate) findings: Vec<Finding>,
    pub(crate) checked: Vec<&'static str>,
    pub(crate) notes: Vec<String>,
    /// Sizes of the parts the fake accepted, in order.
    pub(crate) part_sizes: Vec<u64>,
}

const THROTTLED: ErrorCode = ErrorCode::Throttling;
const INVALID_PART: ErrorCode = ErrorCode::InvalidLayerPart;
const EXISTS: ErrorCode = ErrorCode::LayerAlreadyExists;
const IMAGE_EXISTS: ErrorCode = ErrorCode::ImageAlreadyExists;

/// At most this many characters of a string the client sent appear in a finding.
const SHOWN_CHARS: usize = 24;

fn short(s: &str) -> String {
    if s.chars().count() <= SHOWN_CHARS {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(SHOWN_CHARS - 1).collect();
        out.push('…');
        out
    }
}

fn op_name(e: &LoggedRequest) -> &'static str {
    e.operation.map_or("(unknown operation)", Operation::name)
}

pub(crate) fn fault_name(kind: FaultKind) -> String {
    match kind {
        FaultKind::Throttle => "throttle".to_owned(),
        FaultKind::ServerError => "server-error".to_owned(),
        FaultKind::ServerErrorAfter => "server-error-after".to_owned(),
        FaultKind::Delay(d) => format!("delay-ms={}", d.as_millis()),
        FaultKind::LayerExistsAfter => "layer-exists-after".to_owned(),
        FaultKind::TokenExpired => "token-expired".to_owned(),
    }
}

/// One request as a line: `#3 +1.204s UploadLayerPart 1a2b3c4d… bytes 0..=5242879
/// (5242880 B) → 500 ServerException [fault server-error-after, applied]`.
pub(crate) fn describe(e: &LoggedRequest, start: Instant) -> String {
    let at = e.arrived.saturating_duration_since(start).as_secs_f64();
    let mut s = format!("#{} +{at:.3}s {}", e.index, op_name(e));
    if let Some(u) = &e.upload_id {
        s.push_str(&format!(" upload {}", short(u)));
    }
    if e.operation == Some(Operation::UploadLayerPart) {
        let pos = |v: Option<i64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
        s.push_str(&format!(
            " bytes {}..={} ({} B)",
            pos(e.part_first_byte),
            pos(e.part_last_byte),
            e.blob_length
                .map_or_else(|| "no blob".to_owned(), |n| n.to_string())
        ));
    }
    if !e.layer_digests.is_empty() {
        let listed: Vec<String> = e.layer_digests.iter().take(3).map(|d| short(d)).collect();
        s.push_str(&format!(" [{}]", listed.join(", ")));
    }
    s.push_str(&format!(" → {}", e.status));
    if let Some(err) = &e.error {
        s.push_str(&format!(" {}", short_line(err.as_str())));
    }
    if let Some(id) = &e.new_upload_id {
        s.push_str(&format!(" uploadId {}", short(id)));
    }
    if let Some(n) = e.part_size {
        s.push_str(&format!(" partSize {n}"));
    }
    if let Some(n) = e.last_byte_received {
        s.push_str(&format!(" lastByteReceived {n}"));
    }
    if e.error.as_ref() == Some(&INVALID_PART) {
        match e.last_valid_byte_received {
            Some(n) => s.push_str(&format!(" lastValidByteReceived {n}")),
            None => s.push_str(" lastValidByteReceived absent"),
        }
    }
    if let Some(d) = &e.layer_digest {
        s.push_str(&format!(" layerDigest {}", short(d)));
    }
    if e.operation == Some(Operation::PutImage) {
        if let Some(t) = &e.image_tag {
            s.push_str(&format!(" tag {:?}", short(t)));
        }
        match (&e.manifest_digest, e.manifest_length) {
            (Some(d), Some(n)) => s.push_str(&format!(" manifest {} ({n} B)", short(d))),
            _ => s.push_str(" no manifest"),
        }
    }
    if e.operation == Some(Operation::BatchCheckLayerAvailability) && e.status == 200 {
        if e.available.is_empty() {
            s.push_str(" available: none");
        } else {
            let a: Vec<String> = e.available.iter().map(|d| short(d)).collect();
            s.push_str(&format!(" available: {}", a.join(", ")));
        }
    }
    if let Some(kind) = e.fault {
        let applied = match kind {
            FaultKind::ServerErrorAfter | FaultKind::LayerExistsAfter if e.applied => ", applied",
            FaultKind::ServerErrorAfter | FaultKind::LayerExistsAfter => ", refused by the model",
            _ => "",
        };
        s.push_str(&format!(" [fault {}{applied}]", fault_name(kind)));
    }
    s
}

struct Judge<'a> {
    ev: &'a Evidence<'a>,
    out: Judged,
}

impl<'a> Judge<'a> {
    fn log(&self) -> &'a [LoggedRequest] {
        self.ev.log
    }
    /// Requests `at - 2 ..= at + 2`, as lines.
    fn around(&self, at: usize) -> Vec<String> {
        let log = self.log();
        let from = at.saturating_sub(2);
        let to = (at + 3).min(log.len());
        log[from..to]
            .iter()
            .map(|e| describe(e, self.ev.start))
            .collect()
    }
    /// The last `n` requests, as lines.
    fn last(&self, n: usize) -> Vec<String> {
        let log = self.log();
        log[log.len().saturating_sub(n)..]
            .iter()
            .map(|e| describe(e, self.ev.start))
            .collect()
    }
    fn find(&mut self, rule: &'static str, what: String, requests: Vec<String>) {
        if self.out.findings.iter().any(|f| f.rule == rule) {
            return; // the first finding of a rule is the one shown
        }
        self.out.findings.push(Finding {
            rule,
            what,
            requests,
        });
    }
    fn checked(&mut self, rule: &'static str) {
        if !self.out.checked.contains(&rule) {
            self.out.checked.push(rule);
        }
    }
    fn has(&self, rule: &str) -> bool {
        self.out.findings.iter().any(|f| f.rule == rule)
    }
    fn exit_text(&self) -> String {
        let mut s = self.ev.exit.describe();
        if let Some(line) = self.ev.stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            s.push_str(&format!(
                "; its last line on stderr: {:?}",
                short_line(line)
            ));
        }
        s
    }
    fn parts(&self) -> impl Iterator<Item = &'a LoggedRequest> + 'a {
        self.log()
            .iter()
            .filter(|e| e.operation == Some(Operation::UploadLayerPart))
    }
    /// The PutImage calls.
    fn puts(&self) -> impl Iterator<Item = &'a LoggedRequest> + 'a {
        self.log()
            .iter()
            .filter(|e| e.operation == Some(Operation::PutImage))
    }
    /// The answer that says the image is stored: PutImage 200, or ImageAlreadyExistsException,
    /// for the manifest given.
    fn image_stored_answer(&self) -> Option<&'a LoggedRequest> {
        let image = self.ev.image?;
        self.puts().find(|e| {
            e.manifest_digest.as_deref() == Some(image.digest.as_str())
                && (e.status == 200 || e.error.as_ref() == Some(&IMAGE_EXISTS))
        })
    }
    /// The file's digest was reported available, or a completion said it exists.
    fn exists_answer(&self) -> Option<&'a LoggedRequest> {
        let d = self.ev.layer.digest();
        self.log().iter().find(|e| {
            e.error.as_ref() == Some(&EXISTS)
                || (e.operation == Some(Operation::BatchCheckLayerAvailability)
                    && e.available.iter().any(|a| names_content(a, d)))
        })
    }
}

fn short_line(s: &str) -> String {
    let mut out: String = s.chars().take(200).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// Whether an InvalidLayerPartException answered a part's position (its blob fits its
/// range), not a malformed part.
fn position_problem(e: &LoggedRequest) -> bool {
    match (e.part_first_byte, e.part_last_byte, e.blob_length) {
        (Some(f), Some(l), Some(n)) => i128::from(l) - i128::from(f) + 1 == i128::from(n),
        _ => false,
    }
}

/// Whether `b` is another attempt of the call `a`.
fn same_call(b: &LoggedRequest, a: &LoggedRequest) -> bool {
    b.operation == a.operation
        && b.repository == a.repository
        && b.upload_id == a.upload_id
        && b.part_first_byte == a.part_first_byte
        && b.part_last_byte == a.part_last_byte
        && b.layer_digests == a.layer_digests
}

fn describe_call(e: &LoggedRequest) -> String {
    match (e.operation, e.part_first_byte, e.part_last_byte) {
        (Some(Operation::UploadLayerPart), Some(f), Some(l)) => format!("part {f}..={l}"),
        (Some(op), _, _) => op.name().to_owned(),
        (None, _, _) => "a request".to_owned(),
    }
}

/// After a 5xx on part `first..` of `upload`: `None` when the client went on from `next`
/// (or completed), else what it did instead and where.
/// How a client went on after a part it must resume, when it did not resume right: what it
/// did (for people), where, and whether it gave up (stopped sending to the upload).
struct WrongResumption {
    what: String,
    at: usize,
    gave_up: bool,
}

fn part_resumed(
    later: &[LoggedRequest],
    upload: &str,
    first: i64,
    next: i64,
) -> Option<WrongResumption> {
    let went_on = |what: String, at: usize| WrongResumption {
        what,
        at,
        gave_up: false,
    };
    let mut refused = false;
    for x in later {
        match x.operation {
            Some(Operation::InitiateLayerUpload) => {
                return Some(went_on(
                    format!(
                        ", the client opened a new upload (#{}) instead of resuming at byte {next}",
                        x.index
                    ),
                    x.index,
                ));
            }
            Some(Operation::CompleteLayerUpload) if x.upload_id.as_deref() == Some(upload) => {
                return None;
            }
            Some(Operation::UploadLayerPart) if x.upload_id.as_deref() == Some(upload) => {
                let at = x.part_first_byte.unwrap_or(-1);
                if at == next {
                    return None;
                }
                if at == first {
                    refused |= x.error.as_ref() == Some(&INVALID_PART);
                    continue; // the call sent again (an SDK retry): legal
                }
                if at == 0 {
                    return Some(went_on(
                        format!(
                            ", the client re-sent the upload from byte 0 (#{}) instead of resuming at byte {next}",
                            x.index
                        ),
                        x.index,
                    ));
                }
                // Another position after a refusal is CLIENT-4's to judge.
                return (!refused).then(|| {
                    went_on(
                        format!(
                            ", the client sent bytes from {at} (#{}): neither the part again nor the next one at byte {next}",
                            x.index
                        ),
                        x.index,
                    )
                });
            }
            _ => {}
        }
    }
    let last = later.last().map_or(0, |x| x.index);
    let how = if refused {
        format!(
            ", its re-send was refused with InvalidLayerPartException (the part had landed) and the client gave up instead of resuming at byte {next}"
        )
    } else {
        format!(", the client gave up instead of resuming at byte {next}")
    };
    Some(WrongResumption {
        what: how,
        at: last,
        gave_up: true,
    })
}

/// Judges one plan.
pub(crate) fn judge(ev: &Evidence<'_>) -> Judged {
    let mut j = Judge {
        ev,
        out: Judged::default(),
    };
    j.content();
    j.part_sizes();
    j.after_server_errors();
    j.after_invalid_parts();
    j.after_throttles();
    j.existing_layer();
    j.stored_at_all();
    j.image_put();
    j.exit_status();
    j.notes();
    let order = |r: &str| super::rules::CLIENT_RULES.iter().position(|c| c.id == r);
    j.out.findings.sort_by_key(|f| order(f.rule));
    j.out.checked.sort_by_key(|r| order(r));
    j.out
}
