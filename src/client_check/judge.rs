//! The judge: the client rules (`CLIENT-1`..`CLIENT-7`) applied to what one plan left,
//! the fake's request log, its final state and COMMAND's exit status.
//!
//! One defect, one rule: where a client gave up, the rule about what it gave up on (a
//! 5xx, a throttle, an existing layer) carries the finding, and the catch-all findings
//! ("the layer was not stored", "the exit status disagrees") are only made when no other
//! rule explains the plan's outcome. Each rule reports its first finding of a plan.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::command::ExitInfo;
use super::layer::LayerFile;
use super::plans::Plan;
use super::report::Finding;
use super::rules::{FLAT_WAITS, MAX_ATTEMPTS, MIN_BACKOFF_MS, MIN_THROTTLED_ATTEMPTS};
use crate::fake::{Fault, FaultKind, LoggedRequest};
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

const THROTTLED: &str = "ThrottlingException";
const INVALID_PART: &str = "InvalidLayerPartException";
const EXISTS: &str = "LayerAlreadyExistsException";

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
        s.push_str(&format!(" {}", short_line(err)));
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
    if e.error.as_deref() == Some(INVALID_PART) {
        match e.last_valid_byte_received {
            Some(n) => s.push_str(&format!(" lastValidByteReceived {n}")),
            None => s.push_str(" lastValidByteReceived absent"),
        }
    }
    if let Some(d) = &e.layer_digest {
        s.push_str(&format!(" layerDigest {}", short(d)));
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

    /// The file's digest was reported available, or a completion said it exists.
    fn exists_answer(&self) -> Option<&'a LoggedRequest> {
        let d = self.ev.layer.digest();
        self.log().iter().find(|e| {
            e.error.as_deref() == Some(EXISTS)
                || (e.operation == Some(Operation::BatchCheckLayerAvailability)
                    && e.available.iter().any(|a| names_content(a, d)))
        })
    }

    /// CLIENT-1: parts, listed digests and stored layers are the file's.
    fn content(&mut self) {
        self.checked("CLIENT-1");
        let (digest, size) = (self.ev.layer.digest().to_owned(), self.ev.layer.size());
        let mut found: Option<(String, usize)> = None;
        for e in self.parts() {
            let (Some(first), Some(last), Some(len), Some(sha)) = (
                e.part_first_byte,
                e.part_last_byte,
                e.blob_length,
                e.blob_sha256.as_deref(),
            ) else {
                continue;
            };
            // Positions are the client's: i128 holds any difference of two i64s.
            let range = (i128::from(last) - i128::from(first) + 1).max(0);
            let ranges = self.ev.layer.range_digests(first, last);
            let what = if range != i128::from(len) {
                let twice = ranges.as_ref().is_some_and(|(_, enc)| enc == sha);
                let ratio = range > 0 && i128::from(len) == (range + 2) / 3 * 4;
                let why = if twice {
                    ": the blob is the base64 text of the file's bytes there, encoded a second time on the wire"
                } else if ratio {
                    ": 4/3 of the range, as base64 text of it would be"
                } else {
                    ""
                };
                format!(
                    "part {first}..={last} ({range} bytes) was sent with a {len}-byte blob{why}"
                )
            } else if first < 0 || last as u64 >= size {
                format!("part {first}..={last} lies outside the file's {size} bytes")
            } else if ranges.as_ref().is_some_and(|(raw, _)| raw != sha) {
                format!(
                    "the bytes of part {first}..={last} are not the file's bytes at that range (blob {})",
                    short(sha)
                )
            } else {
                continue;
            };
            found = Some((what, e.index));
            break;
        }
        if let Some((what, at)) = found {
            let requests = self.around(at);
            self.find("CLIENT-1", what, requests);
            return;
        }
        let listed = self.log().iter().find_map(|e| {
            (e.operation == Some(Operation::CompleteLayerUpload))
                .then(|| e.layer_digests.iter().find(|l| !names_content(l, &digest)))
                .flatten()
                .map(|l| (l.clone(), e.index))
        });
        if let Some((l, at)) = listed {
            let what = format!(
                "CompleteLayerUpload listed {}, but the file's digest is {digest}",
                short_line(&l)
            );
            let requests = self.around(at);
            self.find("CLIENT-1", what, requests);
            return;
        }
        let other: Vec<String> = self
            .ev
            .stored
            .iter()
            .filter(|(d, s)| !(d == &digest && *s == size))
            .map(|(d, s)| format!("{d} ({s} bytes)"))
            .collect();
        if !other.is_empty() {
            let what = format!(
                "the repository holds {}, not the file ({digest}, {size} bytes)",
                other.join(", ")
            );
            let requests = self.last(4);
            self.find("CLIENT-1", what, requests);
        }
    }

    /// CLIENT-1's catch-all: the layer is missing where the plan lets it be stored and no
    /// other rule says why.
    fn stored_at_all(&mut self) {
        let digest = self.ev.layer.digest();
        let stored = self.ev.stored.iter().any(|(d, _)| d == digest);
        // A client killed for time is CLIENT-7's finding.
        if stored
            || self.ev.plan.may_give_up
            || self.ev.exit.timed_out
            || !self.out.findings.is_empty()
        {
            return;
        }
        let what = if self.log().is_empty() {
            format!(
                "the layer was not stored: the client sent no request ({})",
                self.exit_text()
            )
        } else {
            format!("the layer was not stored ({})", self.exit_text())
        };
        let requests = self.last(5);
        self.find("CLIENT-1", what, requests);
    }

    /// CLIENT-2: part sizes.
    fn part_sizes(&mut self) {
        let mut accepted: BTreeMap<&str, Vec<&LoggedRequest>> = BTreeMap::new();
        let mut any = false;
        let mut over = None;
        for e in self.parts() {
            any = true;
            if over.is_none() && e.blob_length.is_some_and(|n| n > MAX_PART_BYTES) {
                over = Some(e.index);
            }
            if e.applied
                && let Some(u) = e.upload_id.as_deref()
            {
                accepted.entry(u).or_default().push(e);
            }
        }
        if !any {
            return;
        }
        self.checked("CLIENT-2");
        let mut ordered: Vec<&LoggedRequest> = accepted.values().flatten().copied().collect();
        ordered.sort_by_key(|e| e.index);
        self.out.part_sizes = ordered.iter().filter_map(|e| e.blob_length).collect();
        if let Some(at) = over {
            let len = self.log()[at].blob_length.unwrap_or_default();
            let requests = self.around(at);
            self.find(
                "CLIENT-2",
                format!("a part of {len} bytes was sent: parts hold at most {MAX_PART_BYTES}"),
                requests,
            );
            return;
        }
        let small = accepted.values().find_map(|ps| {
            ps.iter()
                .take(ps.len().saturating_sub(1))
                .find(|e| e.blob_length.is_some_and(|n| n < MIN_PART_BYTES))
                .map(|e| (e.index, e.blob_length.unwrap_or_default()))
        });
        if let Some((at, len)) = small {
            let requests = self.around(at);
            self.find(
                "CLIENT-2",
                format!(
                    "a part of {len} bytes was followed by another: every part but the last holds at least {MIN_PART_BYTES} bytes"
                ),
                requests,
            );
        }
    }

    /// CLIENT-3: a 5xx does not end the push.
    fn after_server_errors(&mut self) {
        let log = self.log();
        let mut finding: Option<(String, usize)> = None;
        for (i, e) in log.iter().enumerate() {
            if e.status < 500 || e.status > 599 {
                continue;
            }
            self.checked("CLIENT-3");
            if finding.is_some() {
                continue;
            }
            let later = &log[i + 1..];
            let what = match e.operation {
                Some(Operation::UploadLayerPart) => {
                    let (Some(upload), Some(first), Some(last)) =
                        (e.upload_id.as_deref(), e.part_first_byte, e.part_last_byte)
                    else {
                        continue;
                    };
                    let next = if e.applied {
                        last.saturating_add(1)
                    } else {
                        first
                    };
                    part_resumed(later, upload, first, next).map(|(w, at)| {
                        let tail = if w.contains("gave up") {
                            format!(" ({})", self.exit_text())
                        } else {
                            String::new()
                        };
                        (
                            format!(
                                "after the 500 on part {first}..={last} (#{}){w}{tail}",
                                e.index
                            ),
                            at,
                        )
                    })
                }
                Some(Operation::CompleteLayerUpload) => {
                    let upload = e.upload_id.as_deref();
                    let digest = self.ev.layer.digest();
                    let resumed = later.iter().find(|x| {
                        (x.operation == Some(Operation::CompleteLayerUpload)
                            && x.upload_id.as_deref() == upload)
                            || x.operation == Some(Operation::InitiateLayerUpload)
                            || x.available.iter().any(|a| names_content(a, digest))
                    });
                    match resumed {
                        Some(x) if x.operation == Some(Operation::InitiateLayerUpload) => Some((
                            format!(
                                "after the 500 on CompleteLayerUpload (#{}) the client opened a new upload (#{}) instead of completing again",
                                e.index, x.index
                            ),
                            x.index,
                        )),
                        Some(_) => None,
                        None => Some((
                            format!(
                                "after the 500 on CompleteLayerUpload (#{}) the client gave up: it sent no completion again ({})",
                                e.index,
                                self.exit_text()
                            ),
                            e.index,
                        )),
                    }
                }
                Some(op) => {
                    let again = later.iter().any(|x| x.operation == Some(op));
                    (!again).then(|| {
                        (
                            format!(
                                "after the 500 on {} (#{}) the client gave up ({})",
                                op.name(),
                                e.index,
                                self.exit_text()
                            ),
                            e.index,
                        )
                    })
                }
                None => None,
            };
            if what.is_some() {
                finding = what;
            }
        }
        if let Some((what, at)) = finding {
            let requests = self.around(at);
            self.find("CLIENT-3", what, requests);
        }
    }

    /// CLIENT-4: after InvalidLayerPartException, the next part starts where it says.
    fn after_invalid_parts(&mut self) {
        let log = self.log();
        let size = self.ev.layer.size() as i64;
        let mut finding: Option<(String, usize)> = None;
        for (i, e) in log.iter().enumerate() {
            if e.error.as_deref() != Some(INVALID_PART) || !position_problem(e) {
                continue;
            }
            self.checked("CLIENT-4");
            if finding.is_some() {
                continue;
            }
            let Some(upload) = e.upload_id.as_deref() else {
                continue;
            };
            // Within a 5xx's aftermath, restarting and giving up are CLIENT-3's.
            let after_5xx = log[..i]
                .iter()
                .any(|x| x.status >= 500 && x.upload_id.as_deref() == Some(upload));
            let next = e
                .last_valid_byte_received
                .map_or(0, |l| l.saturating_add(1));
            let said = match e.last_valid_byte_received {
                Some(l) => format!("lastValidByteReceived {l}"),
                None => "no lastValidByteReceived (nothing received)".to_owned(),
            };
            let then = log[i + 1..].iter().find(|x| {
                x.operation == Some(Operation::InitiateLayerUpload)
                    || (matches!(
                        x.operation,
                        Some(Operation::UploadLayerPart | Operation::CompleteLayerUpload)
                    ) && x.upload_id.as_deref() == Some(upload))
            });
            let what = match then {
                Some(x) if x.operation == Some(Operation::UploadLayerPart) => {
                    let first = x.part_first_byte.unwrap_or(-1);
                    if first == next || (after_5xx && first == 0) {
                        None
                    } else {
                        Some((
                            format!(
                                "after InvalidLayerPartException with {said} (#{}) the next part starts at byte {first} (#{}), not {next}",
                                e.index, x.index
                            ),
                            x.index,
                        ))
                    }
                }
                Some(x) if x.operation == Some(Operation::CompleteLayerUpload) => (next != size)
                    .then(|| {
                        (
                            format!(
                                "after InvalidLayerPartException with {said} (#{}) the client completed the upload (#{}) without sending bytes {next}..",
                                e.index, x.index
                            ),
                            x.index,
                        )
                    }),
                Some(x) => (!after_5xx).then(|| {
                    (
                        format!(
                            "after InvalidLayerPartException with {said} (#{}) the client left the upload and opened a new one (#{})",
                            e.index, x.index
                        ),
                        x.index,
                    )
                }),
                None => (!after_5xx).then(|| {
                    (
                        format!(
                            "after InvalidLayerPartException with {said} (#{}) the client gave up ({})",
                            e.index,
                            self.exit_text()
                        ),
                        e.index,
                    )
                }),
            };
            finding = what;
        }
        if let Some((what, at)) = finding {
            let requests = self.around(at);
            self.find("CLIENT-4", what, requests);
        }
    }

    /// CLIENT-5: throttled calls are retried, with backoff, a bounded number of times.
    fn after_throttles(&mut self) {
        let log = self.log();
        let mut seen_in_run = vec![false; log.len()];
        let mut finding: Option<(String, usize)> = None;
        for i in 0..log.len() {
            if log[i].error.as_deref() != Some(THROTTLED) || seen_in_run[i] {
                continue;
            }
            self.checked("CLIENT-5");
            // The run of attempts of this call: each next one after a throttled answer.
            let mut attempts = vec![i];
            let mut waits = Vec::new();
            let mut gave_up = false;
            let mut at = i;
            while log[at].error.as_deref() == Some(THROTTLED) {
                seen_in_run[at] = true;
                match log[at + 1..].iter().find(|x| same_call(x, &log[at])) {
                    Some(x) => {
                        waits.push(x.arrived.saturating_duration_since(log[at].answered));
                        attempts.push(x.index);
                        at = x.index;
                    }
                    None => {
                        gave_up = true;
                        break;
                    }
                }
            }
            if finding.is_some() {
                continue;
            }
            let call = describe_call(&log[i]);
            let n = attempts.len();
            let ms: Vec<String> = waits
                .iter()
                .map(|w| format!("{} ms", w.as_millis()))
                .collect();
            let last = *attempts.last().unwrap_or(&i);
            if gave_up && n < MIN_THROTTLED_ATTEMPTS {
                finding = Some((
                    format!(
                        "{call} was throttled and the client gave up after {n} attempt{} ({}): a throttled call is retried, at least {MIN_THROTTLED_ATTEMPTS} attempts",
                        if n == 1 { "" } else { "s" },
                        self.exit_text()
                    ),
                    last,
                ));
            } else if n > MAX_ATTEMPTS {
                finding = Some((
                    format!(
                        "{call} was attempted {n} times while throttled: at most {MAX_ATTEMPTS}"
                    ),
                    last,
                ));
            } else if !waits.is_empty()
                && waits
                    .iter()
                    .all(|w| w.as_millis() < u128::from(MIN_BACKOFF_MS))
            {
                finding = Some((
                    format!(
                        "{call} was retried without backing off: waits after ThrottlingException {} (each under {MIN_BACKOFF_MS} ms)",
                        ms.join(", ")
                    ),
                    attempts.get(1).copied().unwrap_or(i),
                ));
            } else if waits.len() >= FLAT_WAITS {
                let min = waits.iter().min().copied().unwrap_or_default();
                let max = waits.iter().max().copied().unwrap_or_default();
                if max.as_secs_f64() <= 1.25 * min.as_secs_f64() {
                    finding = Some((
                        format!(
                            "{call} was retried after waits that do not grow: {}",
                            ms.join(", ")
                        ),
                        last,
                    ));
                }
            }
        }
        if let Some((what, at)) = finding {
            let requests = self.around(at);
            self.find("CLIENT-5", what, requests);
        }
    }

    /// CLIENT-6: an existing layer ends the push as a success.
    fn existing_layer(&mut self) {
        let Some(seen) = self.exists_answer() else {
            return;
        };
        let at = seen.index;
        let how = if seen.error.as_deref() == Some(EXISTS) {
            "CompleteLayerUpload answered LayerAlreadyExistsException"
        } else {
            "BatchCheckLayerAvailability reported the layer AVAILABLE"
        };
        self.checked("CLIENT-6");
        let again = self.log()[at + 1..]
            .iter()
            .find(|x| x.operation == Some(Operation::InitiateLayerUpload))
            .map(|x| x.index);
        if let Some(x) = again {
            let requests = self.around(x);
            self.find(
                "CLIENT-6",
                format!("{how} (#{at}), and the client pushed it again (#{x})"),
                requests,
            );
        } else if !self.ev.exit.success() && !self.ev.exit.timed_out {
            let requests = self.around(at);
            let what = format!(
                "{how} (#{at}), and the client ended with {}",
                self.exit_text()
            );
            self.find("CLIENT-6", what, requests);
        }
    }

    /// CLIENT-7: the exit status agrees with the answers, and COMMAND ends in time.
    fn exit_status(&mut self) {
        self.checked("CLIENT-7");
        let exit = self.ev.exit;
        if exit.timed_out {
            let what = format!(
                "COMMAND did not exit within {} s and was killed",
                self.ev.timeout.as_secs()
            );
            let requests = self.last(5);
            self.find("CLIENT-7", what, requests);
            return;
        }
        if self.has("CLIENT-6") {
            return; // the exit status after an existing layer is CLIENT-6's finding
        }
        let success = self.log().iter().rev().find(|e| {
            (e.operation == Some(Operation::CompleteLayerUpload) && e.status == 200)
                || e.error.as_deref() == Some(EXISTS)
        });
        let saw_success = success.is_some() || self.exists_answer().is_some();
        if exit.success() && !saw_success {
            let what = "COMMAND exited 0, but no answer said the layer was stored or already there"
                .to_owned();
            let requests = self.last(4);
            self.find("CLIENT-7", what, requests);
        } else if !exit.success() && saw_success && self.out.findings.is_empty() {
            let at = success.map_or(0, |e| e.index);
            let what = format!(
                "the push succeeded (#{at}), but COMMAND ended with {}",
                self.exit_text()
            );
            let requests = self.around(at);
            self.find("CLIENT-7", what, requests);
        }
    }

    /// Notes: a plan none of whose faults fired did not test what it is about.
    fn notes(&mut self) {
        let faults: Vec<Fault> = self
            .ev
            .plan
            .faults
            .iter()
            .filter_map(|spec| spec.parse::<Fault>().ok())
            .collect();
        let calls = |op: Operation| {
            self.log()
                .iter()
                .filter(|e| e.operation == Some(op))
                .count() as u64
        };
        let Some(first) = faults.first() else {
            return;
        };
        if faults.iter().all(|f| calls(f.operation) < f.nth) {
            let n = calls(first.operation);
            self.out.notes.push(format!(
                "no fault fired, so the plan tested nothing of its own: the client made {n} {} call{} (a larger --layer-size makes more parts)",
                first.operation.name(),
                if n == 1 { "" } else { "s" }
            ));
        }
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
fn part_resumed(
    later: &[LoggedRequest],
    upload: &str,
    first: i64,
    next: i64,
) -> Option<(String, usize)> {
    let mut refused = false;
    for x in later {
        match x.operation {
            Some(Operation::InitiateLayerUpload) => {
                return Some((
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
                    refused |= x.error.as_deref() == Some(INVALID_PART);
                    continue; // the call sent again (an SDK retry): legal
                }
                if at == 0 {
                    return Some((
                        format!(
                            ", the client re-sent the upload from byte 0 (#{}) instead of resuming at byte {next}",
                            x.index
                        ),
                        x.index,
                    ));
                }
                // Another position after a refusal is CLIENT-4's to judge.
                return (!refused).then(|| {
                    (
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
    Some((how, last))
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
    j.exit_status();
    j.notes();
    let order = |r: &str| super::rules::CLIENT_RULES.iter().position(|c| c.id == r);
    j.out.findings.sort_by_key(|f| order(f.rule));
    j.out.checked.sort_by_key(|r| order(r));
    j.out
}
