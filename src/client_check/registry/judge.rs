//! The registry-door judge: REGCLIENT-1..8 applied to what one plan left (the fake's
//! request log of `/v2/` and storage requests, what the repository holds at the end, the
//! pulled layout, COMMAND's exit status). As on the API door, one defect has one rule:
//! the catch-all findings (REGCLIENT-1 "not stored", REGCLIENT-8 "exit status") are made
//! only when no rule about what the client did explains the outcome.

use std::time::{Duration, Instant};

use super::layout::ImageLayout;
use super::plans::{RegistryPlan, RegistrySetup};
use super::rules::{MAX_ATTEMPTS, REGISTRY_CLIENT_RULES};
use crate::client_check::command::ExitInfo;
use crate::client_check::judge::{Judged, fault_name};
use crate::client_check::report::Finding;
use crate::fake::{DoorLogged, LoggedRequest};
use crate::model::limits::{MAX_PART_BYTES, MIN_PART_BYTES};
use crate::wire::oci::{DoorCall, OciCode, Reference};

/// What a registry plan left, for the judge.
pub(crate) struct RegistryEvidence<'a> {
    pub(crate) plan: &'a RegistryPlan,
    /// COMMAND's requests (not the fake's own setup).
    pub(crate) log: &'a [LoggedRequest],
    pub(crate) image: &'a ImageLayout,
    /// Blobs in the repository at the end, digest and size.
    pub(crate) stored: &'a [(String, u64)],
    /// The digest the tag named at the end.
    pub(crate) tagged: Option<&'a str>,
    /// A pull: per blob of the image, whether the layout written holds it byte for byte.
    pub(crate) pulled: &'a [(String, bool)],
    pub(crate) exit: &'a ExitInfo,
    pub(crate) stderr: &'a str,
    pub(crate) start: Instant,
    pub(crate) timeout: Duration,
}

const SHOWN: usize = 16;

fn short(s: &str) -> String {
    if s.chars().count() <= SHOWN {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(SHOWN - 1).collect();
        out.push('…');
        out
    }
}

/// A `/v2/` or storage request as one line: `#4 +0.213s PATCH upload 1a2b3c4d… bytes
/// 0-5242879 (5242880 B) → 201 Range 0-5242879`.
pub(crate) fn describe_door(e: &LoggedRequest, d: &DoorLogged, start: Instant) -> String {
    let at = e.arrived.saturating_duration_since(start).as_secs_f64();
    let mut s = format!("#{} +{at:.3}s {}", e.index, d.method);
    let what = match &d.call {
        _ if d.storage.is_some() => format!(
            " storage {}",
            short(d.storage.as_deref().unwrap_or_default())
        ),
        None => " (a request the door could not read)".to_owned(),
        Some(DoorCall::Base) => " /v2/".to_owned(),
        Some(DoorCall::BlobHead { digest, .. } | DoorCall::BlobGet { digest, .. }) => {
            format!(" blob {}", short(digest))
        }
        Some(DoorCall::UploadStart { digest, .. }) => match digest {
            Some(d) => format!(" upload start, monolithic {}", short(d)),
            None => " upload start".to_owned(),
        },
        Some(DoorCall::UploadChunk {
            upload_id, range, ..
        }) => match range {
            Some(r) => format!(" upload {} bytes {}-{}", short(upload_id), r.first, r.last),
            None => format!(" upload {} streamed", short(upload_id)),
        },
        Some(DoorCall::UploadFinish {
            upload_id, digest, ..
        }) => format!(" upload {} finish {}", short(upload_id), short(digest)),
        Some(DoorCall::UploadStatus { upload_id, .. }) => {
            format!(" upload {} status", short(upload_id))
        }
        Some(
            DoorCall::ManifestPut { reference, .. }
            | DoorCall::ManifestGet { reference, .. }
            | DoorCall::ManifestDelete { reference, .. },
        ) => match reference {
            Reference::Tag(t) => format!(" manifest {}", short(t)),
            Reference::Digest(t) => format!(" manifest {}", short(t)),
        },
        Some(DoorCall::TagsList { .. }) => " tags/list".to_owned(),
    };
    s.push_str(&what);
    if d.body_length > 0 {
        s.push_str(&format!(" ({} B)", d.body_length));
    }
    if d.authorization {
        s.push_str(" [Authorization]");
    }
    s.push_str(&format!(" → {}", e.status));
    if let Some(c) = d.code {
        s.push_str(&format!(" {}", c.as_str()));
    }
    if let Some(r) = &d.range {
        s.push_str(&format!(" Range {r}"));
    }
    if d.location.is_some() && d.storage.is_none() && e.status == 307 {
        s.push_str(" → storage");
    }
    if let Some(kind) = e.fault {
        s.push_str(&format!(" [fault {}]", fault_name(kind)));
    }
    s
}

struct Judge<'a> {
    ev: &'a RegistryEvidence<'a>,
    out: Judged,
}

/// A door entry with its index in the evidence's log.
type Door<'a> = (usize, &'a LoggedRequest, &'a DoorLogged);

fn upload_of(d: &DoorLogged) -> Option<&str> {
    match &d.call {
        Some(
            DoorCall::UploadChunk { upload_id, .. }
            | DoorCall::UploadFinish { upload_id, .. }
            | DoorCall::UploadStatus { upload_id, .. },
        ) => Some(upload_id),
        _ => None,
    }
}

fn chunk_range(d: &DoorLogged) -> Option<crate::wire::oci::ByteRange> {
    match &d.call {
        Some(DoorCall::UploadChunk { range, .. }) => *range,
        _ => None,
    }
}

fn is_patch(d: &DoorLogged) -> bool {
    matches!(d.call, Some(DoorCall::UploadChunk { .. }))
}

fn ok(e: &LoggedRequest) -> bool {
    (200..300).contains(&e.status)
}

impl<'a> Judge<'a> {
    fn doors(&self) -> impl Iterator<Item = Door<'a>> + 'a {
        self.ev
            .log
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.door.as_ref().map(|d| (i, e, d)))
    }
    fn line(&self, i: usize) -> String {
        let e = &self.ev.log[i];
        e.door.as_ref().map_or_else(
            || crate::client_check::judge::describe(e, self.ev.start),
            |d| describe_door(e, d, self.ev.start),
        )
    }
    fn around(&self, at: usize) -> Vec<String> {
        let from = at.saturating_sub(2);
        let to = (at + 3).min(self.ev.log.len());
        (from..to).map(|i| self.line(i)).collect()
    }
    fn last(&self, n: usize) -> Vec<String> {
        let len = self.ev.log.len();
        (len.saturating_sub(n)..len).map(|i| self.line(i)).collect()
    }
    fn find(&mut self, rule: &'static str, what: String, requests: Vec<String>) {
        if self.out.findings.iter().any(|f| f.rule == rule) {
            return;
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
    fn explained(&self) -> bool {
        self.out
            .findings
            .iter()
            .any(|f| !matches!(f.rule, "REGCLIENT-1" | "REGCLIENT-8"))
    }
    /// Whether the outcome is the success: the image under its tag, or the pull written.
    fn succeeded(&self) -> bool {
        if self.ev.plan.pulls() {
            !self.ev.pulled.is_empty() && self.ev.pulled.iter().all(|(_, ok)| *ok)
        } else {
            self.ev.tagged == Some(self.ev.image.manifest_digest.as_str())
        }
    }
    fn exit_text(&self) -> String {
        let mut s = self.ev.exit.describe();
        if let Some(line) = self.ev.stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            let line: String = line.chars().take(200).collect();
            s.push_str(&format!("; its last line on stderr: {line:?}"));
        }
        s
    }

    /// REGCLIENT-4: chunk sizes.
    fn chunk_sizes(&mut self) {
        let doors: Vec<Door<'a>> = self.doors().collect();
        for (k, &(i, e, d)) in doors.iter().enumerate() {
            if is_patch(d) && ok(e) {
                self.out.part_sizes.push(d.body_length);
            }
            let Some(range) = chunk_range(d) else {
                continue;
            };
            self.checked("REGCLIENT-4");
            let len = range.last - range.first + 1;
            if len > MAX_PART_BYTES {
                self.find(
                    "REGCLIENT-4",
                    format!(
                        "chunk #{} holds {len} bytes, over the 20 MiB (20971520) a part may hold",
                        e.index
                    ),
                    self.around(i),
                );
                continue;
            }
            if len >= MIN_PART_BYTES || !ok(e) {
                continue;
            }
            let upload = upload_of(d);
            let more = doors[k + 1..].iter().find(|(_, x, xd)| {
                upload_of(xd) == upload
                    && ((is_patch(xd) && ok(x))
                        || (matches!(xd.call, Some(DoorCall::UploadFinish { .. }))
                            && xd.body_length > 0))
            });
            if let Some((_, x, _)) = more {
                self.find(
                    "REGCLIENT-4",
                    format!(
                        "chunk #{} holds {len} bytes, under 5 MiB (5242880), and is not the upload's last (#{} follows): ECR takes it, then refuses the final PUT",
                        e.index, x.index
                    ),
                    self.around(i),
                );
            }
        }
    }

    /// REGCLIENT-3: a stuck Range trusted.
    fn stuck_range(&mut self) {
        let doors: Vec<Door<'a>> = self.doors().collect();
        for (k, &(i, e, d)) in doors.iter().enumerate() {
            let Some(range) = chunk_range(d) else {
                continue;
            };
            let upload = upload_of(d);
            let before = doors[..k]
                .iter()
                .rev()
                .find(|(_, x, xd)| upload_of(xd) == upload && is_patch(xd) && ok(x));
            let Some(&(_, q, qd)) = before else {
                continue;
            };
            let (Some(end), Some(held)) = (qd.range_end(), q.upload_received) else {
                continue;
            };
            if end + 1 == held {
                self.checked("REGCLIENT-3");
                continue; // the Range told the truth
            }
            self.checked("REGCLIENT-3");
            if range.first == end + 1 && range.first != held {
                self.find(
                    "REGCLIENT-3",
                    format!(
                        "chunk #{} starts at byte {}, one past the Range 0-{end} answered to #{}, but the upload held {held} bytes: the client trusted a Range that had not advanced",
                        e.index, range.first, q.index
                    ),
                    self.around(i),
                );
            }
        }
    }

    /// REGCLIENT-2: a 201 PATCH taken for a failure.
    fn patch_201(&mut self) {
        let doors: Vec<Door<'a>> = self.doors().collect();
        for (k, &(i, e, d)) in doors.iter().enumerate() {
            if !(is_patch(d) && e.status == 201) {
                continue;
            }
            self.checked("REGCLIENT-2");
            let upload = upload_of(d);
            let next = doors[k + 1..]
                .iter()
                .find(|(_, _, xd)| upload_of(xd) == upload);
            match next {
                Some((_, x, xd)) => {
                    // The same chunk again; one that starts where a stuck Range pointed is
                    // REGCLIENT-3's to judge.
                    let start = chunk_range(xd).map(|r| r.first);
                    let resent = is_patch(xd)
                        && start.is_some()
                        && start == chunk_range(d).map(|r| r.first)
                        && start != d.range_end().map(|r| r + 1);
                    if resent {
                        self.find(
                            "REGCLIENT-2",
                            format!(
                                "after chunk #{} was answered 201 (ECR's success), the client sent the same chunk again (#{})",
                                e.index, x.index
                            ),
                            self.around(i),
                        );
                    }
                }
                None => {
                    // Nothing more to the upload: a failure unless the push went on.
                    let later_error = doors[k + 1..].iter().any(|(_, x, _)| x.status >= 400);
                    if !self.succeeded() && !later_error && self.ev.exit.code != Some(0) {
                        self.find(
                            "REGCLIENT-2",
                            format!(
                                "after chunk #{} was answered 201 (ECR's success), the client sent nothing more to that upload and gave up: {}",
                                e.index,
                                self.exit_text()
                            ),
                            self.around(i),
                        );
                    }
                }
            }
        }
    }

    /// REGCLIENT-5: the storage redirect.
    fn storage(&mut self) {
        let doors: Vec<Door<'a>> = self.doors().collect();
        for (k, &(i, e, d)) in doors.iter().enumerate() {
            if d.storage.is_some() {
                self.checked("REGCLIENT-5");
                if d.authorization {
                    self.find(
                        "REGCLIENT-5",
                        format!(
                            "request #{} to the storage carried the registry's Authorization (the storage answered {})",
                            e.index, e.status
                        ),
                        self.around(i),
                    );
                }
            }
            if let Some(DoorCall::BlobGet { digest, .. }) = &d.call
                && e.status == 307
            {
                self.checked("REGCLIENT-5");
                let followed = doors[k + 1..]
                    .iter()
                    .any(|(_, _, xd)| xd.storage.as_deref() == Some(digest.as_str()));
                if !followed {
                    self.find(
                        "REGCLIENT-5",
                        format!(
                            "blob GET #{} was answered 307 to the storage, and the client never fetched that URL",
                            e.index
                        ),
                        self.around(i),
                    );
                }
            }
        }
    }

    /// REGCLIENT-7: what the client did after an error answer.
    fn after_errors(&mut self) {
        let doors: Vec<Door<'a>> = self.doors().collect();
        if doors
            .iter()
            .any(|(_, e, _)| e.status >= 500 || matches!(e.status, 403 | 416 | 429))
        {
            self.checked("REGCLIENT-7");
        }
        // Re-sent from byte 0 on an upload that already held bytes.
        for &(i, e, d) in &doors {
            let Some(range) = chunk_range(d) else {
                continue;
            };
            let upload = upload_of(d);
            let held = doors
                .iter()
                .filter(|(j, _, xd)| *j < i && upload_of(xd) == upload)
                .filter_map(|(_, x, _)| x.upload_received)
                .next_back();
            if range.first == 0 && held.is_some_and(|h| h > 0) {
                self.checked("REGCLIENT-7");
                self.find(
                    "REGCLIENT-7",
                    format!(
                        "chunk #{} re-sends the upload from byte 0 on the same upload, which held {} bytes: ECR answers 416; resume at the upload's offset or open a new upload",
                        e.index,
                        held.unwrap_or_default()
                    ),
                    self.around(i),
                );
            }
        }
        // One call sent over and over: a run of the same request line (a POST for another
        // blob after other requests is another call, not an attempt of this one).
        let mut run: Option<(&str, &DoorCall, usize)> = None;
        let mut worst: Option<(usize, usize)> = None;
        for &(i, _, d) in &doors {
            let Some(call) = &d.call else { continue };
            run = match run {
                Some((m, c, n)) if m == d.method.as_str() && c == call => Some((m, c, n + 1)),
                _ => Some((d.method.as_str(), call, 1)),
            };
            if let Some((_, _, n)) = run
                && n > MAX_ATTEMPTS
                && worst.is_none()
            {
                worst = Some((n, i));
            }
        }
        if let Some((_, at)) = worst {
            self.find(
                "REGCLIENT-7",
                format!(
                    "the client sent one call more than the {MAX_ATTEMPTS} times allowed in a row (#{} is attempt {})",
                    self.ev.log[at].index,
                    MAX_ATTEMPTS + 1
                ),
                self.around(at),
            );
        }
        let denied: Vec<usize> = doors
            .iter()
            .filter(|(_, e, d)| e.status == 403 && d.code == Some(OciCode::Denied))
            .map(|(i, _, _)| *i)
            .collect();
        if denied.len() > MAX_ATTEMPTS {
            self.find(
                "REGCLIENT-7",
                format!(
                    "{} calls were answered 403 DENIED (an expired token) and the client kept sending it instead of fetching a new token or giving up",
                    denied.len()
                ),
                self.around(denied[MAX_ATTEMPTS]),
            );
        }
    }

    /// REGCLIENT-1: what the registry (or the pulled layout) holds.
    fn content(&mut self) {
        self.checked("REGCLIENT-1");
        let doors: Vec<Door<'a>> = self.doors().collect();
        for &(i, e, d) in &doors {
            if d.code == Some(OciCode::DigestInvalid) {
                self.find(
                    "REGCLIENT-1",
                    format!(
                        "completion #{} named a digest the bytes sent do not have (DIGEST_INVALID)",
                        e.index
                    ),
                    self.around(i),
                );
            }
            if let Some(DoorCall::ManifestPut {
                reference: Reference::Tag(t),
                ..
            }) = &d.call
                && t == crate::client_check::TAG
                && e.manifest_digest.as_deref() != Some(self.ev.image.manifest_digest.as_str())
            {
                self.find(
                    "REGCLIENT-1",
                    format!(
                        "manifest PUT #{} sent {} bytes with digest {}, not the layout's manifest ({} bytes, {}): the manifest was rewritten",
                        e.index,
                        d.body_length,
                        e.manifest_digest.as_deref().unwrap_or("?"),
                        self.ev.image.manifest.len(),
                        self.ev.image.manifest_digest
                    ),
                    self.around(i),
                );
            }
        }
        let should = !self.ev.plan.may_give_up && self.ev.plan.setup != RegistrySetup::TagTaken;
        if self.succeeded() || !should || self.explained() || self.has("REGCLIENT-1") {
            return;
        }
        let what = if self.ev.plan.pulls() {
            let missing: Vec<String> = self
                .ev
                .pulled
                .iter()
                .filter(|(_, ok)| !ok)
                .map(|(d, _)| short(d))
                .collect();
            format!(
                "the pull did not write the image: the layout lacks {} of its blobs ({}); {}",
                missing.len(),
                missing.join(", "),
                self.exit_text()
            )
        } else {
            let missing: Vec<String> = self
                .ev
                .image
                .blobs
                .iter()
                .filter(|b| {
                    !self
                        .ev
                        .stored
                        .iter()
                        .any(|(d, s)| *d == b.digest && *s == b.size)
                })
                .map(|b| format!("{} ({} B)", short(&b.digest), b.size))
                .collect();
            format!(
                "the push did not store the image under its tag ({}); {}",
                if missing.is_empty() {
                    "every blob is stored, the manifest is not".to_owned()
                } else {
                    format!("blobs missing: {}", missing.join(", "))
                },
                self.exit_text()
            )
        };
        self.find("REGCLIENT-1", what, self.last(5));
    }

    /// REGCLIENT-6: a manifest PUT's 201 without Location taken for a failure.
    fn manifest_put(&mut self) {
        let doors: Vec<Door<'a>> = self.doors().collect();
        let Some(&(i, e, d)) = doors.iter().rev().find(|(_, e, d)| {
            matches!(d.call, Some(DoorCall::ManifestPut { .. })) && e.status == 201
        }) else {
            return;
        };
        self.checked("REGCLIENT-6");
        let later_error = doors.iter().any(|(j, x, _)| *j > i && x.status >= 400);
        if self.succeeded()
            && self.ev.exit.code != Some(0)
            && !self.ev.exit.timed_out
            && !later_error
        {
            let location = if d.location.is_some() {
                "with"
            } else {
                "without"
            };
            self.find(
                "REGCLIENT-6",
                format!(
                    "manifest PUT #{} was answered 201 {location} Location and the image is stored, but COMMAND failed: {}",
                    e.index,
                    self.exit_text()
                ),
                self.around(i),
            );
        }
    }

    /// REGCLIENT-8: the exit status.
    fn exit_status(&mut self) {
        self.checked("REGCLIENT-8");
        if self.ev.exit.timed_out && self.explained() {
            self.out.notes.push(format!(
                "COMMAND did not exit within {} s and was killed, after the finding above",
                self.ev.timeout.as_secs()
            ));
            return;
        }
        if self.ev.exit.timed_out {
            self.find(
                "REGCLIENT-8",
                format!(
                    "COMMAND did not exit within {} s and was killed",
                    self.ev.timeout.as_secs()
                ),
                self.last(3),
            );
            return;
        }
        let code = self.ev.exit.code;
        let success = self.succeeded();
        if code == Some(0) && !success {
            let what = match self.ev.plan.setup {
                RegistrySetup::TagTaken => "COMMAND exited 0, but its manifest PUT was refused (TAG_INVALID: the tag is immutable) and the image is not stored".to_owned(),
                _ if self.ev.plan.pulls() => "COMMAND exited 0, but the layout it wrote does not hold the image".to_owned(),
                _ => "COMMAND exited 0, but the image is not stored under its tag".to_owned(),
            };
            self.find("REGCLIENT-8", what, self.last(5));
        } else if code != Some(0) && success && !self.explained() {
            self.find(
                "REGCLIENT-8",
                format!("the image is stored, but {}", self.exit_text()),
                self.last(3),
            );
        }
    }

    fn notes(&mut self) {
        if !self.ev.plan.faults.is_empty() && !self.ev.log.iter().any(|e| e.fault.is_some()) {
            self.out.notes.push(format!(
                "the plan's fault ({}) never fired: the client made fewer calls of that kind (a client that sends each blob in one PUT makes no PATCH; one that stopped early, few calls at all)",
                self.ev.plan.faults.join(", ")
            ));
        }
    }
}

/// Judges one registry plan.
pub(crate) fn judge(ev: &RegistryEvidence<'_>) -> Judged {
    let mut j = Judge {
        ev,
        out: Judged::default(),
    };
    j.chunk_sizes();
    j.stuck_range();
    j.patch_201();
    j.storage();
    j.after_errors();
    j.manifest_put();
    j.content();
    j.exit_status();
    j.notes();
    let order = |r: &str| REGISTRY_CLIENT_RULES.iter().position(|c| c.id == r);
    j.out.findings.sort_by_key(|f| order(f.rule));
    j.out.checked.sort_by_key(|r| order(r));
    j.out
}
