//! The client report: per plan the verdict, the findings with the requests around each,
//! COMMAND's exit status, the part sizes it chose next to the advertised `partSize`, and
//! the layer stored against the file; per rule the verdict over all plans. As text (the
//! terminal), JSON (serde), JUnit (one test case per plan) and HTML ([`super::html`]).

use std::fmt::Write as _;
use std::time::Instant;

use serde::Serialize;

use super::command::ExitInfo;
use super::judge::{describe, fault_name};
use super::plans::Plan;
use super::rules::{CLIENT_RULES, ClientRule};
use crate::fake::LoggedRequest;
use crate::model::Source;

/// One finding: a rule a client broke in one plan, and the requests around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The client rule, e.g. `CLIENT-3`.
    pub rule: &'static str,
    /// What the client did, in a sentence.
    pub what: String,
    /// The requests around it, one line each (`#index +seconds operation … → answer`).
    pub requests: Vec<String>,
}

/// A layer: digest and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredLayer {
    /// `sha256:<hex>`.
    pub digest: String,
    /// Bytes.
    pub size: u64,
}

/// The image a plan's client was to put, and what the tag named at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageResult {
    /// What waited for the client's PutImage.
    pub setup: super::ImageSetup,
    /// The tag given.
    pub tag: String,
    /// The image digest: `sha256:<hex>` of the manifest file.
    pub digest: String,
    /// The manifest file's length in bytes.
    pub manifest_length: u64,
    /// The digest the tag named when COMMAND ended (absent: no such tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tagged: Option<String>,
}

impl ImageResult {
    /// Whether the tag named the image given when COMMAND ended.
    pub fn stored(&self) -> bool {
        self.tagged.as_deref() == Some(self.digest.as_str())
    }
}

/// One request of a plan's log, as the JSON report gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    /// Its place in the log.
    pub index: usize,
    /// Milliseconds from COMMAND's start to the request's arrival.
    pub at_ms: f64,
    /// Milliseconds from COMMAND's start to its answer (after any injected delay).
    pub answered_ms: f64,
    /// The operation (absent when the request named none the fake knows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// `uploadId` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// `partFirstByte` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_first_byte: Option<i64>,
    /// `partLastByte` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_last_byte: Option<i64>,
    /// Decoded length of the blob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_length: Option<u64>,
    /// `sha256:<hex>` of the decoded blob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_sha256: Option<String>,
    /// `layerDigests` as sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layer_digests: Vec<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The error answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The fault injected (`throttle`, `server-error-after`, `delay-ms=1500`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// Whether the request took effect in the fake.
    pub applied: bool,
    /// The answer's `lastByteReceived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_byte_received: Option<i64>,
    /// The answer's `lastValidByteReceived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_valid_byte_received: Option<i64>,
    /// The answer's `partSize`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_size: Option<u64>,
    /// The answer's `layerDigest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
    /// Digests answered as available.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub available: Vec<String>,
    /// `sha256:<hex>` of the manifest a PutImage sent (never its text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// Its length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_length: Option<u64>,
    /// `imageTag` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
    /// The request as one line (as findings show it).
    pub line: String,
    /// A `/v2/` or storage request: its method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A `/v2/` or storage request: its body's length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_length: Option<u64>,
    /// The `Range` a `/v2/` answer carried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// The OCI error code a `/v2/` answer carried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Whether a `/v2/` or storage request carried `Authorization` (never its value).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub authorization: bool,
}

impl RequestView {
    pub(crate) fn of(e: &LoggedRequest, start: Instant) -> Self {
        let ms = |t: Instant| t.saturating_duration_since(start).as_secs_f64() * 1000.0;
        RequestView {
            index: e.index,
            at_ms: ms(e.arrived),
            answered_ms: ms(e.answered),
            operation: e.operation.map(|o| o.name()),
            upload_id: e.upload_id.clone(),
            part_first_byte: e.part_first_byte,
            part_last_byte: e.part_last_byte,
            blob_length: e.blob_length,
            blob_sha256: e.blob_sha256.clone(),
            layer_digests: e.layer_digests.clone(),
            status: e.status,
            error: e.error.as_ref().map(ToString::to_string),
            fault: e.fault.map(fault_name),
            applied: e.applied,
            last_byte_received: e.last_byte_received,
            last_valid_byte_received: e.last_valid_byte_received,
            part_size: e.part_size,
            layer_digest: e.layer_digest.clone(),
            available: e.available.clone(),
            manifest_digest: e.manifest_digest.clone(),
            manifest_length: e.manifest_length,
            image_tag: e.image_tag.clone(),
            line: match &e.door {
                Some(d) => super::registry::judge_line(e, d, start),
                None => describe(e, start),
            },
            method: e.door.as_ref().map(|d| d.method.clone()),
            body_length: e.door.as_ref().map(|d| d.body_length),
            range: e.door.as_ref().and_then(|d| d.range.clone()),
            code: e.door.as_ref().and_then(|d| d.code.map(|c| c.as_str())),
            authorization: e.door.as_ref().is_some_and(|d| d.authorization),
        }
    }
}

/// The outcome of one plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanResult {
    /// The plan's name.
    pub plan: &'static str,
    /// What the plan does.
    pub what: &'static str,
    /// The faults injected.
    pub faults: Vec<&'static str>,
    /// Whether the layer was stored before COMMAND ran.
    pub layer_present: bool,
    /// `pass` or `FAIL`.
    pub verdict: &'static str,
    /// What the client did wrong, one finding per rule.
    pub findings: Vec<Finding>,
    /// The rules this plan exercised (the others had nothing to judge).
    pub checked: Vec<&'static str>,
    /// Remarks that are not findings (a fault that never fired).
    pub notes: Vec<String>,
    /// How COMMAND ended.
    pub exit: ExitInfo,
    /// Seconds COMMAND ran.
    pub seconds: f64,
    /// Sizes of the parts the fake accepted, in order.
    pub part_sizes: Vec<u64>,
    /// The `partSize` InitiateLayerUpload advertised.
    pub advertised_part_size: u64,
    /// The file's digest and size.
    pub expected: StoredLayer,
    /// The layers in the repository when COMMAND ended (not the config stored beforehand).
    pub stored: Vec<StoredLayer>,
    /// The image the client was to put (absent with `--layer-only`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageResult>,
    /// Seed of the file's bytes.
    pub seed: u64,
    /// Every request the fake handled.
    pub requests: Vec<RequestView>,
    /// The end of COMMAND's stdout.
    pub stdout: String,
    /// The end of COMMAND's stderr.
    pub stderr: String,
}

impl PlanResult {
    /// Whether the plan has no finding.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// The part sizes as `5242880 ×2, 1048576`.
    pub fn part_sizes_text(&self) -> String {
        let mut runs: Vec<(u64, usize)> = Vec::new();
        for &n in &self.part_sizes {
            match runs.last_mut() {
                Some((m, k)) if *m == n => *k += 1,
                _ => runs.push((n, 1)),
            }
        }
        if runs.is_empty() {
            return "none".to_owned();
        }
        runs.iter()
            .map(|(n, k)| {
                if *k > 1 {
                    format!("{n} ×{k}")
                } else {
                    n.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One client rule's verdict over all plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleResult {
    /// The id.
    pub id: &'static str,
    /// The rule's statement.
    pub statement: &'static str,
    /// Its kinds of source.
    pub sources: &'static [Source],
    /// Where it comes from.
    pub from: &'static str,
    /// `pass`, `FAIL`, or `unseen` (no plan had anything to judge by it).
    pub verdict: &'static str,
    /// Plans that exercised it.
    pub checked_in: Vec<&'static str>,
    /// Plans with a finding under it.
    pub failed_in: Vec<&'static str>,
}

/// What `client_check` found: every plan's outcome and every rule's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientReport {
    /// COMMAND and its arguments.
    pub command: Vec<String>,
    /// The layer size pushed.
    pub layer_size: u64,
    /// The profile the fake followed.
    pub profile: String,
    /// The `partSize` the fake advertised.
    pub advertised_part_size: u64,
    /// The seed of the layers' bytes (plan i used seed + i).
    pub seed: u64,
    /// Whether every plan passed.
    pub passed: bool,
    /// The client pushed a layer only: the plans about the image did not run, CLIENT-8
    /// was not judged.
    pub layer_only: bool,
    /// The door the client went through (`api`, `registry`).
    pub door: super::ClientDoor,
    /// Every rule's verdict.
    pub rules: Vec<RuleResult>,
    /// Every plan's outcome, in the order they ran.
    pub plans: Vec<PlanResult>,
    /// Why the check ended before every plan ran (an interrupt), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

fn rule_results(rules: &'static [ClientRule], plans: &[PlanResult]) -> Vec<RuleResult> {
    rules
        .iter()
        .map(|r: &ClientRule| {
            let checked_in: Vec<&str> = plans
                .iter()
                .filter(|p| p.checked.contains(&r.id))
                .map(|p| p.plan)
                .collect();
            let failed_in: Vec<&str> = plans
                .iter()
                .filter(|p| p.findings.iter().any(|f| f.rule == r.id))
                .map(|p| p.plan)
                .collect();
            let verdict = if !failed_in.is_empty() {
                "FAIL"
            } else if checked_in.is_empty() {
                "unseen"
            } else {
                "pass"
            };
            RuleResult {
                id: r.id,
                statement: r.statement,
                sources: r.sources,
                from: r.from,
                verdict,
                checked_in,
                failed_in,
            }
        })
        .collect()
}

impl ClientReport {
    pub(crate) fn new(
        command: &[String],
        layer_size: u64,
        profile: &str,
        advertised_part_size: u64,
        seed: u64,
        plans: Vec<PlanResult>,
    ) -> Self {
        ClientReport {
            command: command.to_vec(),
            layer_size,
            profile: profile.to_owned(),
            advertised_part_size,
            seed,
            passed: plans.iter().all(PlanResult::passed),
            layer_only: false,
            door: super::ClientDoor::Api,
            rules: rule_results(CLIENT_RULES, &plans),
            plans,
            stopped: None,
        }
    }

    /// The same report of a registry-door check: its rules are the registry client rules.
    pub(crate) fn on_registry_door(mut self) -> Self {
        self.door = super::ClientDoor::Registry;
        self.rules = rule_results(super::registry::REGISTRY_CLIENT_RULES, &self.plans);
        self
    }

    /// Whether every plan passed (exit status 0).
    pub fn passed(&self) -> bool {
        self.passed
    }

    /// The plan of this name.
    pub fn plan(&self, name: &str) -> Option<&PlanResult> {
        self.plans.iter().find(|p| p.plan == name)
    }

    /// The JSON report.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The terminal report: a table of plans, a table of rules, then every finding with
    /// the requests around it.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let registry = self.door == super::ClientDoor::Registry;
        if registry {
            let sizes: Vec<String> = super::registry::layer_sizes(self.layer_size)
                .iter()
                .map(u64::to_string)
                .collect();
            let _ = writeln!(
                s,
                "client-check --door registry: {}\nlayers {} bytes and a config, an OCI image layout, profile {}, seed {}\n",
                self.command.join(" "),
                sizes.join(", "),
                self.profile,
                self.seed
            );
        } else {
            let _ = writeln!(
                s,
                "client-check: {}\nlayer {} bytes, profile {}, advertised partSize {}, seed {}\n",
                self.command.join(" "),
                self.layer_size,
                self.profile,
                self.advertised_part_size,
                self.seed
            );
        }
        if registry {
            let _ = writeln!(
                s,
                "image: the layout given, pushed to <registry>/<repository>:{}\n",
                super::TAG
            );
        } else if self.layer_only {
            let skipped: Vec<&str> = super::PLANS
                .iter()
                .filter(|p| p.about_image())
                .map(|p| p.name)
                .collect();
            let _ = writeln!(
                s,
                "--layer-only: no image put; plans {} not run; CLIENT-8 not judged\n",
                skipped.join(", ")
            );
        } else {
            let _ = writeln!(
                s,
                "image: the manifest given, put with tag {}\n",
                super::TAG
            );
        }
        let _ = writeln!(
            s,
            "{:<22} {:<7} {:<20} {:<28} findings",
            "plan",
            "verdict",
            "exit",
            if registry {
                "chunk sizes"
            } else {
                "part sizes"
            }
        );
        for p in &self.plans {
            let rules: Vec<&str> = p.findings.iter().map(|f| f.rule).collect();
            let _ = writeln!(
                s,
                "{:<22} {:<7} {:<20} {:<28} {}",
                p.plan,
                p.verdict,
                p.exit.describe(),
                p.part_sizes_text(),
                rules.join(", ")
            );
        }
        let _ = writeln!(s, "\n{:<11} {:<7} failed in", "rule", "verdict");
        for r in &self.rules {
            let _ = writeln!(
                s,
                "{:<11} {:<7} {}",
                r.id,
                r.verdict,
                r.failed_in.join(", ")
            );
        }
        for p in &self.plans {
            for f in &p.findings {
                let _ = writeln!(s, "\nFAIL {} [{}] {}", p.plan, f.rule, f.what);
                for line in &f.requests {
                    let _ = writeln!(s, "    {line}");
                }
            }
            for n in &p.notes {
                let _ = writeln!(s, "\nnote {}: {n}", p.plan);
            }
        }
        if let Some(why) = &self.stopped {
            let _ = writeln!(s, "\nstopped: {why}");
        }
        let passed = self.plans.iter().filter(|p| p.passed()).count();
        let _ = writeln!(s, "\n{passed} of {} plans pass", self.plans.len());
        s
    }

    /// JUnit XML: one test case per plan, failed by its findings.
    pub fn junit(&self) -> String {
        let esc = |t: &str| {
            let mut out = String::with_capacity(t.len());
            for c in t.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&apos;"),
                    // Characters XML 1.0 cannot hold at all.
                    c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {
                        out.push('\u{fffd}');
                    }
                    c => out.push(c),
                }
            }
            out
        };
        let failures =
            self.plans.iter().filter(|p| !p.passed()).count() + usize::from(self.stopped.is_some());
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuite name=\"ecr-conformance client-check\" tests=\"{}\" failures=\"{failures}\">",
            self.plans.len() + usize::from(self.stopped.is_some())
        );
        if let Some(why) = &self.stopped {
            let _ = writeln!(
                x,
                "  <testcase classname=\"client-check\" name=\"stopped\">\n    <failure message=\"stopped\">{}</failure>\n  </testcase>",
                esc(why)
            );
        }
        for p in &self.plans {
            let name = esc(p.plan);
            let time = p.seconds;
            if p.passed() {
                let _ = writeln!(
                    x,
                    "  <testcase classname=\"client-check\" name=\"{name}\" time=\"{time:.3}\"/>"
                );
                continue;
            }
            let rules: Vec<&str> = p.findings.iter().map(|f| f.rule).collect();
            let body: Vec<String> = p
                .findings
                .iter()
                .map(|f| format!("[{}] {}\n  {}", f.rule, f.what, f.requests.join("\n  ")))
                .collect();
            let _ = writeln!(
                x,
                "  <testcase classname=\"client-check\" name=\"{name}\" time=\"{time:.3}\">\n    <failure message=\"{}\">{}</failure>\n  </testcase>",
                esc(&rules.join(", ")),
                esc(&body.join("\n"))
            );
        }
        x.push_str("</testsuite>\n");
        x
    }
}

/// A plan's result from what the judge and the run produced.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_result(
    plan: &Plan,
    judged: super::judge::Judged,
    exit: ExitInfo,
    seconds: f64,
    advertised_part_size: u64,
    expected: StoredLayer,
    stored: Vec<StoredLayer>,
    image: Option<ImageResult>,
    seed: u64,
    requests: Vec<RequestView>,
    stdout: String,
    stderr: String,
) -> PlanResult {
    PlanResult {
        plan: plan.name,
        what: plan.what,
        faults: plan.faults.to_vec(),
        layer_present: plan.layer_present,
        verdict: if judged.findings.is_empty() {
            "pass"
        } else {
            "FAIL"
        },
        findings: judged.findings,
        checked: judged.checked,
        notes: judged.notes,
        exit,
        seconds,
        part_sizes: judged.part_sizes,
        advertised_part_size,
        expected,
        stored,
        image,
        seed,
        requests,
        stdout,
        stderr,
    }
}
