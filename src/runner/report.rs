//! The run's report: a human summary per rule, JSON with everything, JUnit for dashboards.
//! Reports hold request bodies and answers, never headers: no credential or signature can
//! reach them.

use crate::model::RuleId;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::evidence::{Divergence, Explanation, KnobChange, RuleVerdict};
use super::judge::Verdict;
use super::session::StepRecord;
pub use super::stopped::{StopReason, Stopped};
use crate::model::{Profile, RULES, Source};

/// The rules the knobs of `explanations` decide.
fn rules_of_knobs(explanations: &[Explanation]) -> Vec<RuleId> {
    let mut out: Vec<RuleId> = Vec::new();
    for change in explanations.iter().flat_map(|e| &e.0) {
        for rule in change.rules() {
            if !out.contains(rule) {
                out.push(*rule);
            }
        }
    }
    out
}

/// Values rendered for people, joined.
pub(super) fn join<T: std::fmt::Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// A scenario's or a generated case's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    /// The scenario name, or `generated`.
    pub name: String,
    /// A generated case's number in its run (from 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// The rules it names.
    pub rules: Vec<String>,
    /// The repositories it used, in `$repo`, `$repo2`, `$repo3` order.
    pub repositories: Vec<String>,
    /// Whether they existed before (`--repository`) rather than being scratch ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
    /// The target's registry id, as the model took it.
    pub registry_id: String,
    /// Every step.
    pub steps: Vec<StepRecord>,
    /// Why it did not run to its end, if it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CaseResult {
    /// Whether the case ran to its end with no FAIL (and, when `strict`, no differs).
    pub fn passed(&self, strict: bool) -> bool {
        self.error.is_none()
            && self.count(Verdict::Fail) == 0
            && (!strict || self.count(Verdict::Differs) == 0)
    }

    /// Whether every step agreed with the model.
    pub fn agreed(&self) -> bool {
        self.error.is_none() && self.steps.iter().all(|s| s.verdict == Verdict::Pass)
    }

    /// Steps with this verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.steps.iter().filter(|s| s.verdict == verdict).count()
    }
}

/// The generated runs' result.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct GeneratedResult {
    /// Cases asked for (`--cases`, the whole campaign's when sharded).
    pub cases: u32,
    /// Cases this run ran to their end (this shard's share; fewer when it stopped early),
    /// not counting the reruns of shrinking.
    #[serde(default)]
    pub ran: u64,
    /// The seed.
    pub seed: u64,
    /// The smallest failing sequence, as rerun, when one failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<CaseResult>,
    /// Where the failing sequence was written as a scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression: Option<String>,
    /// The first few cases that diverged without failing (differs, consequences).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differing: Vec<CaseResult>,
}

/// One rule's result.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// The rule id.
    pub id: RuleId,
    /// The verdict over the run.
    pub verdict: RuleVerdict,
    /// Its sources.
    pub sources: &'static [Source],
    /// Steps that exercised it.
    pub checked: u32,
    /// Steps that FAIL on it.
    pub fail: u32,
    /// Steps that differ on it (another legal choice).
    pub differs: u32,
    /// Steps that diverge on it as a consequence of an earlier divergence (not counted
    /// against it).
    pub consequence: u32,
    /// The first FAIL on it (else the first differs), with its step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<FirstDivergence>,
}

/// The first divergence on a rule, with where it happened.
#[derive(Debug, Clone, Serialize)]
pub struct FirstDivergence {
    /// The scenario or `generated`.
    pub case: String,
    /// The step.
    pub step: StepRecord,
    /// The divergence.
    pub divergence: Divergence,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The target URL (or `embedded fake`).
    pub target: String,
    /// The selected profile's name.
    pub profile: String,
    /// The selected profile, whole.
    pub selected_profile: Profile,
    /// Whether differs fail the run (`--strict`).
    pub strict: bool,
    /// Per rule, in catalog order.
    pub rules: Vec<RuleResult>,
    /// The inferred profile's knobs that differ from the selected one.
    pub inferred: Vec<KnobChange>,
    /// The inferred profile, whole: the knob values that explain the most steps.
    pub inferred_profile: Profile,
    /// Every scenario run.
    pub scenarios: Vec<CaseResult>,
    /// The generated runs, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedResult>,
    /// Scenarios not run, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<String>,
    /// Steps that FAIL, plus scenarios that could not run to their end.
    pub fail: u32,
    /// Steps that differ.
    pub differs: u32,
    /// Steps that diverge as consequences.
    pub consequence: u32,
    /// This run's share of a sharded campaign (`I/N`), if it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Why the run ended early, and how many cases had run by then (the CLI writes the
    /// reports, then exits 130 for an interrupt, else 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
}

impl Report {
    /// Builds the per-rule table of the API door's rules from the cases' verdicts.
    pub fn new(
        target: String,
        selected: &Profile,
        scenarios: Vec<CaseResult>,
        generated: Option<GeneratedResult>,
        not_run: Vec<String>,
        inferred_profile: Profile,
    ) -> Self {
        Report::build(
            false,
            target,
            selected,
            scenarios,
            generated,
            not_run,
            inferred_profile,
        )
    }

    /// Builds the per-rule table of the registry door's rules (REG-*, XDOOR-1).
    pub fn for_registry_door(
        target: String,
        selected: &Profile,
        scenarios: Vec<CaseResult>,
        generated: Option<GeneratedResult>,
        not_run: Vec<String>,
        inferred_profile: Profile,
    ) -> Self {
        Report::build(
            true,
            target,
            selected,
            scenarios,
            generated,
            not_run,
            inferred_profile,
        )
    }

    fn build(
        door: bool,
        target: String,
        selected: &Profile,
        scenarios: Vec<CaseResult>,
        generated: Option<GeneratedResult>,
        not_run: Vec<String>,
        inferred_profile: Profile,
    ) -> Self {
        let mut by_rule: BTreeMap<RuleId, RuleResult> = RULES
            .iter()
            .filter(|r| r.id.is_door() == door)
            .map(|r| {
                (
                    r.id,
                    RuleResult {
                        id: r.id,
                        verdict: RuleVerdict::Unseen,
                        sources: r.sources,
                        checked: 0,
                        fail: 0,
                        differs: 0,
                        consequence: 0,
                        first: None,
                    },
                )
            })
            .collect();
        let extra: Vec<&CaseResult> = generated
            .iter()
            .flat_map(|g| g.failure.iter().chain(&g.differing))
            .collect();
        let (mut fail, mut differs, mut consequence) = (0, 0, 0);
        for case in scenarios.iter().chain(extra) {
            for step in &case.steps {
                for id in &step.checked {
                    if let Some(r) = by_rule.get_mut(id) {
                        r.checked += 1;
                    }
                }
                match step.verdict {
                    Verdict::Pass => continue,
                    Verdict::Fail => fail += 1,
                    Verdict::Differs => differs += 1,
                    Verdict::Consequence => consequence += 1,
                }
                // Each rule the step diverges on, once; a step that differs counts against
                // the rules of the knobs that explain it.
                let mut seen: Vec<RuleId> = Vec::new();
                let knob_rules = rules_of_knobs(&step.knobs);
                for d in &step.divergences {
                    let rules: Vec<RuleId> = if knob_rules.is_empty() {
                        vec![d.rule]
                    } else {
                        knob_rules.clone()
                    };
                    for rule in rules {
                        if seen.contains(&rule) {
                            continue;
                        }
                        seen.push(rule);
                        let Some(r) = by_rule.get_mut(&rule) else {
                            continue;
                        };
                        match step.verdict {
                            Verdict::Fail => r.fail += 1,
                            Verdict::Differs => r.differs += 1,
                            _ => r.consequence += 1,
                        }
                        let replace = match (&r.first, step.verdict) {
                            (_, Verdict::Consequence | Verdict::Pass) => false,
                            (None, _) => true,
                            (Some(f), Verdict::Fail) => f.step.verdict != Verdict::Fail,
                            (Some(_), Verdict::Differs) => false,
                        };
                        if replace {
                            r.first = Some(FirstDivergence {
                                case: case.name.clone(),
                                step: step.clone(),
                                divergence: d.clone(),
                            });
                        }
                    }
                }
            }
        }
        for r in by_rule.values_mut() {
            r.verdict = match (r.fail, r.differs, r.checked) {
                (f, _, _) if f > 0 => RuleVerdict::Fail,
                (_, d, _) if d > 0 => RuleVerdict::Differs,
                (_, _, 0) => RuleVerdict::Unseen,
                _ => RuleVerdict::Pass,
            };
        }
        fail += scenarios.iter().filter(|c| c.error.is_some()).count() as u32;
        let inferred = selected
            .differences(&inferred_profile)
            .into_iter()
            .map(|(knob, value)| KnobChange { knob, value })
            .collect();
        Report {
            // A password in the endpoint URL never reaches a report.
            target: crate::protocol::redact_url(&target),
            profile: selected.name.clone(),
            selected_profile: selected.clone(),
            strict: false,
            rules: RULES.iter().filter_map(|r| by_rule.remove(&r.id)).collect(),
            inferred,
            inferred_profile,
            scenarios,
            generated,
            not_run,
            fail,
            differs,
            consequence,
            shard: None,
            stopped: None,
        }
    }

    /// Whether nothing FAILs (nor, under `--strict`, differs) and the run was not stopped.
    pub fn passed(&self) -> bool {
        self.fail == 0 && (!self.strict || self.differs == 0) && self.stopped.is_none()
    }

    /// Panics, with the per-rule table and each FAIL's first divergence, unless the run
    /// passed: the assertion of a `cargo test` that holds an endpoint to the rules.
    #[track_caller]
    pub fn assert_passed(&self) {
        if !self.passed() {
            panic!(
                "the conformance run did not pass ({} FAIL, {} differs{}{})\n\n{}",
                self.fail,
                self.differs,
                if self.strict { ", strict" } else { "" },
                self.stopped
                    .as_ref()
                    .map_or_else(String::new, |s| format!(", stopped: {s}")),
                self.text()
            );
        }
    }

    /// The per-rule table alone: one line per rule (id, verdict, checked, FAIL, differs,
    /// consequence), then the inferred knob values and why the run stopped, if it did. Nothing
    /// in it depends on the host, the port or the time, so `insta::assert_snapshot!` can
    /// hold it: with the same target, seed and cases, it changes only when a verdict does.
    pub fn rule_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<8} {:<8} {:>7} {:>5} {:>7} {:>11}",
            "rule", "verdict", "checked", "FAIL", "differs", "consequence"
        );
        for r in &self.rules {
            let _ = writeln!(
                s,
                "{:<8} {:<8} {:>7} {:>5} {:>7} {:>11}",
                r.id, r.verdict, r.checked, r.fail, r.differs, r.consequence
            );
        }
        let _ = writeln!(
            s,
            "inferred: {}",
            if self.inferred.is_empty() {
                "(the selected profile)".to_owned()
            } else {
                join(&self.inferred, ", ")
            }
        );
        if let Some(reason) = &self.stopped {
            let _ = writeln!(s, "stopped: {reason}");
        }
        s
    }

    /// The human summary.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "target:  {}\nprofile: {}{}\n",
            self.target,
            self.profile,
            if self.strict { " (strict)" } else { "" }
        );
        let _ = writeln!(
            s,
            "{:<8} {:<8} {:>7} {:>5} {:>7} {:>11}  sources",
            "rule", "verdict", "checked", "FAIL", "differs", "consequence"
        );
        for r in &self.rules {
            let sources: Vec<&str> = r.sources.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(
                s,
                "{:<8} {:<8} {:>7} {:>5} {:>7} {:>11}  {}",
                r.id,
                r.verdict,
                r.checked,
                r.fail,
                r.differs,
                r.consequence,
                sources.join(", ")
            );
        }
        for r in self.rules.iter().filter(|r| r.first.is_some()) {
            let Some(f) = &r.first else { continue };
            let d = &f.divergence;
            let _ = writeln!(
                s,
                "\n{} {} in {} step {} ({}):",
                r.id,
                f.step.verdict.as_str(),
                f.case,
                f.step.index,
                f.step.operation
            );
            let _ = writeln!(s, "  {}: expected {}, got {}", d.on, d.expected, d.actual);
            if !f.step.knobs.is_empty() {
                let _ = writeln!(
                    s,
                    "  another legal choice: {} makes this step and its case agree",
                    join(&f.step.knobs, " or ")
                );
            }
            let _ = writeln!(s, "  request:  {}", f.step.request);
            let _ = writeln!(s, "  expected: {}", f.step.expected);
            let _ = writeln!(s, "  actual:   {}", f.step.actual);
            let follows: Vec<String> = self
                .cases()
                .filter(|c| c.name == f.case)
                .flat_map(|c| &c.steps)
                .filter(|st| {
                    st.follows_from == Some(f.step.index) && st.verdict == Verdict::Consequence
                })
                .map(|st| format!("step {} ({})", st.index, st.operation))
                .collect();
            if !follows.is_empty() {
                let _ = writeln!(s, "  consequences: {}", follows.join(", "));
            }
        }
        for c in self.scenarios.iter().filter(|c| c.error.is_some()) {
            let _ = writeln!(
                s,
                "\nscenario {} stopped: {}",
                c.name,
                c.error.as_deref().unwrap_or_default()
            );
        }
        for n in &self.not_run {
            let _ = writeln!(s, "\nnot run: {n}");
        }
        if let Some(stopped) = &self.stopped {
            let _ = writeln!(s, "\nrun stopped: {stopped}");
        }
        let _ = writeln!(
            s,
            "\ninferred profile: {}",
            if self.inferred.is_empty() {
                format!("{} (no knob differs)", self.profile)
            } else {
                format!("{} with {}", self.profile, join(&self.inferred, ", "))
            }
        );
        let passed = self
            .scenarios
            .iter()
            .filter(|c| c.passed(self.strict))
            .count();
        let _ = write!(s, "scenarios: {passed} of {} passed", self.scenarios.len());
        if let Some(g) = &self.generated {
            match (&self.stopped, &self.shard) {
                (Some(_), _) => {
                    let _ = write!(
                        s,
                        "; generated: {} of {} cases run before the stop (seed {})",
                        g.ran, g.cases, g.seed
                    );
                }
                (None, Some(shard)) => {
                    let _ = write!(
                        s,
                        "; generated: {} of {} cases (shard {shard}, seed {})",
                        g.ran, g.cases, g.seed
                    );
                }
                (None, None) => {
                    let _ = write!(s, "; generated: {} cases (seed {})", g.cases, g.seed);
                }
            }
            match (&g.failure, &g.regression) {
                (Some(f), Some(not_written)) if not_written.starts_with("(not written") => {
                    let _ = write!(
                        s,
                        ", failed; smallest sequence has {} steps {not_written}",
                        f.steps.len()
                    );
                }
                (Some(f), Some(path)) => {
                    let _ = write!(
                        s,
                        ", failed; smallest sequence ({} steps) written to {path}",
                        f.steps.len()
                    );
                }
                (Some(f), None) => {
                    let _ = write!(s, ", failed; smallest sequence has {} steps", f.steps.len());
                }
                _ if self.stopped.is_some() => {
                    let _ = write!(s, ", none of those failed");
                }
                _ => {
                    let _ = write!(s, ", none failed");
                }
            }
        }
        let _ = writeln!(
            s,
            "\n{} FAIL, {} differs, {} consequences",
            self.fail, self.differs, self.consequence
        );
        s
    }

    /// Every case the report shows: the scenarios, then the generated ones.
    pub fn cases(&self) -> impl Iterator<Item = &CaseResult> {
        self.scenarios.iter().chain(
            self.generated
                .iter()
                .flat_map(|g| g.failure.iter().chain(&g.differing)),
        )
    }
}

/// Where a run's reports go; each is written only when its path is given.
#[derive(Debug, Clone, Default)]
pub struct ReportFiles {
    /// The full report as JSON.
    pub json: Option<std::path::PathBuf>,
    /// JUnit XML.
    pub junit: Option<std::path::PathBuf>,
    /// The self-contained HTML report.
    pub html: Option<std::path::PathBuf>,
    /// The Markdown summary.
    pub markdown: Option<std::path::PathBuf>,
    /// The inferred profile, as a profile file.
    pub profile: Option<std::path::PathBuf>,
}

impl Report {
    /// Writes the reports `files` asks for; the error names the first file that could not
    /// be written ([`Report::write_all_files`] writes every one it can).
    pub fn write_files(&self, files: &ReportFiles) -> Result<(), String> {
        match self.write_all_files(files).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Writes every report `files` asks for that can be written, and says which could not
    /// (one line each, naming the file).
    pub fn write_all_files(&self, files: &ReportFiles) -> Vec<String> {
        let mut errors = Vec::new();
        let mut write = |path: &Option<std::path::PathBuf>,
                         text: &dyn Fn() -> Result<String, String>| {
            let Some(path) = path else { return };
            let written = text().and_then(|t| std::fs::write(path, t).map_err(|e| e.to_string()));
            if let Err(e) = written {
                errors.push(format!("{}: {e}", path.display()));
            }
        };
        write(&files.json, &|| {
            serde_json::to_string_pretty(self)
                .map(|t| t + "\n")
                .map_err(|e| e.to_string())
        });
        write(&files.junit, &|| Ok(self.junit()));
        write(&files.html, &|| Ok(self.html()));
        write(&files.markdown, &|| Ok(self.markdown()));
        write(&files.profile, &|| {
            serde_json::to_string_pretty(&self.inferred_profile)
                .map(|t| t + "\n")
                .map_err(|e| e.to_string())
        });
        errors
    }
}
