//! The run's report: a human summary per rule, JSON with everything, JUnit for dashboards.
//! Reports hold request bodies and answers, never headers: no credential or signature can
//! reach them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::compare::Divergence;
use super::session::StepRecord;
use crate::model::{RULES, Source};

/// A scenario's or a generated case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The scenario name, or `generated`.
    pub name: String,
    /// The rules it names.
    pub rules: Vec<String>,
    /// The repositories it used, in `$repo`, `$repo2`, `$repo3` order.
    pub repositories: Vec<String>,
    /// Every step.
    pub steps: Vec<StepRecord>,
    /// Why it did not run to its end, if it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CaseResult {
    /// Whether every step matched and the case ran to its end.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.steps.iter().all(|s| s.divergences.is_empty())
    }
}

/// The generated runs' result.
#[derive(Debug, Clone, Serialize)]
pub struct GeneratedResult {
    /// Cases run.
    pub cases: u32,
    /// The seed.
    pub seed: u64,
    /// The smallest failing sequence, as rerun, when one failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<CaseResult>,
    /// Where the failing sequence was written as a scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regression: Option<String>,
}

/// One rule's result.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// The rule id.
    pub id: &'static str,
    /// Its sources.
    pub sources: &'static [Source],
    /// Steps that exercised it.
    pub checked: u32,
    /// Divergences counted against it.
    pub divergences: u32,
    /// The first divergence, with its step.
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
pub struct Report {
    /// The target URL (or `embedded fake`).
    pub target: String,
    /// The profile.
    pub profile: String,
    /// Per rule, in catalog order.
    pub rules: Vec<RuleResult>,
    /// Every scenario run.
    pub scenarios: Vec<CaseResult>,
    /// The generated runs, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedResult>,
    /// Scenarios not run, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<String>,
    /// Total divergences.
    pub divergences: u32,
    /// Why the run ended early: the target stopped answering (the CLI then exits 2 after
    /// writing the reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl Report {
    /// Builds the per-rule table from the cases.
    pub fn new(
        target: String,
        profile: String,
        scenarios: Vec<CaseResult>,
        generated: Option<GeneratedResult>,
        not_run: Vec<String>,
    ) -> Self {
        let mut by_rule: BTreeMap<&'static str, RuleResult> = RULES
            .iter()
            .map(|r| {
                (
                    r.id,
                    RuleResult {
                        id: r.id,
                        sources: r.sources,
                        checked: 0,
                        divergences: 0,
                        first: None,
                    },
                )
            })
            .collect();
        let failure = generated.as_ref().and_then(|g| g.failure.as_ref());
        let mut total = 0;
        for case in scenarios.iter().chain(failure) {
            for step in &case.steps {
                for id in &step.checked {
                    if let Some(r) = by_rule.get_mut(id) {
                        r.checked += 1;
                    }
                }
                for d in &step.divergences {
                    total += 1;
                    if let Some(r) = by_rule.get_mut(d.rule) {
                        r.divergences += 1;
                        if r.first.is_none() {
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
        total += scenarios.iter().filter(|c| c.error.is_some()).count() as u32;
        Report {
            target,
            profile,
            rules: RULES.iter().filter_map(|r| by_rule.remove(r.id)).collect(),
            scenarios,
            generated,
            not_run,
            divergences: total,
            stopped: None,
        }
    }

    /// Whether the target matched the model everywhere.
    pub fn passed(&self) -> bool {
        self.divergences == 0 && self.stopped.is_none()
    }

    /// The human summary.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "target:  {}\nprofile: {}\n", self.target, self.profile);
        let _ = writeln!(
            s,
            "{:<8} {:<7} {:>7} {:>11}  sources",
            "rule", "result", "checked", "divergences"
        );
        for r in &self.rules {
            let result = match (r.checked, r.divergences) {
                (_, d) if d > 0 => "FAIL",
                (0, _) => "unseen",
                _ => "pass",
            };
            let sources: Vec<&str> = r.sources.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(
                s,
                "{:<8} {:<7} {:>7} {:>11}  {}",
                r.id,
                result,
                r.checked,
                r.divergences,
                sources.join(", ")
            );
        }
        for r in self.rules.iter().filter(|r| r.first.is_some()) {
            let Some(f) = &r.first else { continue };
            let d = &f.divergence;
            let _ = writeln!(
                s,
                "\n{} first diverged in {} step {} ({}):",
                r.id, f.case, f.step.index, f.step.operation
            );
            let _ = writeln!(s, "  {}: expected {}, got {}", d.what, d.expected, d.actual);
            if !d.knobs.is_empty() {
                let _ = writeln!(
                    s,
                    "  chosen rule; the profile says {} (the target may have chosen otherwise)",
                    d.knobs.join(", ")
                );
            }
            let _ = writeln!(s, "  request:  {}", f.step.request);
            let _ = writeln!(s, "  expected: {}", f.step.expected);
            let _ = writeln!(s, "  actual:   {}", f.step.actual);
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
        if let Some(reason) = &self.stopped {
            let _ = writeln!(s, "\nrun stopped: {reason}");
        }
        let passed = self.scenarios.iter().filter(|c| c.passed()).count();
        let _ = write!(
            s,
            "\nscenarios: {passed} of {} passed",
            self.scenarios.len()
        );
        if let Some(g) = &self.generated {
            let _ = write!(s, "; generated: {} cases (seed {})", g.cases, g.seed);
            match (&g.failure, &g.regression) {
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
                _ => {
                    let _ = write!(s, ", all passed");
                }
            }
        }
        let _ = writeln!(s, "\n{} divergences", self.divergences);
        s
    }

    /// JUnit XML: one test case per scenario (and one for the generated runs).
    pub fn junit(&self) -> String {
        let esc = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut cases: Vec<(String, Option<String>)> = self
            .scenarios
            .iter()
            .map(|c| {
                let failure = c.error.clone().or_else(|| {
                    let lines: Vec<String> = c
                        .steps
                        .iter()
                        .flat_map(|st| {
                            st.divergences.iter().map(move |d| {
                                format!(
                                    "step {} {} [{}] {}: expected {}, got {}",
                                    st.index, st.operation, d.rule, d.what, d.expected, d.actual
                                )
                            })
                        })
                        .collect();
                    (!lines.is_empty()).then(|| lines.join("\n"))
                });
                (c.name.clone(), failure)
            })
            .collect();
        if let Some(g) = &self.generated {
            let failure = g.failure.as_ref().map(|f| {
                format!(
                    "smallest failing sequence: {} steps{}",
                    f.steps.len(),
                    g.regression
                        .as_ref()
                        .map(|p| format!(", written to {p}"))
                        .unwrap_or_default()
                )
            });
            cases.push((
                format!("generated ({} cases, seed {})", g.cases, g.seed),
                failure,
            ));
        }
        // Scenarios a stopped run did not reach fail too: a CI reading only JUnit sees it.
        if let Some(reason) = &self.stopped {
            for n in &self.not_run {
                let name = n.split(':').next().unwrap_or_default().to_owned();
                cases.push((name, Some(format!("not run: {reason}"))));
            }
        }
        let failures = cases.iter().filter(|(_, f)| f.is_some()).count();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuite name=\"ecr-conformance\" tests=\"{}\" failures=\"{failures}\">",
            cases.len()
        );
        for (name, failure) in cases {
            match failure {
                None => {
                    let _ = writeln!(
                        x,
                        "  <testcase classname=\"ecr-conformance\" name=\"{}\"/>",
                        esc(&name)
                    );
                }
                Some(f) => {
                    let _ = writeln!(
                        x,
                        "  <testcase classname=\"ecr-conformance\" name=\"{}\">\n    <failure message=\"diverged from the model\">{}</failure>\n  </testcase>",
                        esc(&name),
                        esc(&f)
                    );
                }
            }
        }
        x.push_str("</testsuite>\n");
        x
    }
}
