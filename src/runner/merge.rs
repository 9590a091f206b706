//! `merge-reports`: the JSON reports of a sharded campaign (`run --shard I/N`) joined into
//! the report one run with the same seed would have made.
//!
//! Scenarios come back in catalog order; the generated cases keep the failure of the
//! lowest-numbered failing case (the one an unsharded run would have stopped at and shrunk)
//! and the first cases that differed before it; the rule table and totals are recounted
//! from the steps. Each shard infers a profile from its own cases, and a shard that saw no
//! evidence on a knob keeps the selected value: per knob, the other value most shards
//! inferred is taken.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use super::generated::KEPT_FOR_REPORT;
use super::judge::Verdict;
use super::report::{CaseResult, GeneratedResult, Report, StopReason, Stopped};
use crate::model::Profile;

/// What a shard's JSON report carries that a merge needs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'static"))]
struct Shard {
    target: String,
    selected_profile: Profile,
    #[serde(default)]
    strict: bool,
    inferred_profile: Profile,
    scenarios: Vec<CaseResult>,
    #[serde(default)]
    generated: Option<GeneratedResult>,
    #[serde(default)]
    not_run: Vec<String>,
    #[serde(default)]
    stopped: Option<StoppedField>,
    shard: Option<String>,
}

/// `stopped` as a report has it: the typed value, or the one-line text of older reports.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoppedField {
    Typed(Stopped),
    Text(String),
}

impl StoppedField {
    fn reason(self) -> StopReason {
        match self {
            StoppedField::Typed(s) => s.reason,
            StoppedField::Text(detail) => StopReason::TargetStoppedAnswering { detail },
        }
    }
}

/// Checks that each step's verdict agrees with what the step holds: a pass has no
/// divergence, anything else has one; a differs names the knobs that explain it, a
/// consequence the step it follows from (an earlier one of its case). A report edited to
/// turn a FAIL into a pass is refused, not merged green.
fn check_verdicts(name: &str, cases: &[&CaseResult]) -> Result<(), String> {
    for case in cases {
        for step in &case.steps {
            // The status class is always compared: a pass whose answers differ in it is not one.
            let class = |v: &Value| v.get("status").and_then(Value::as_u64).map(|s| s / 100);
            let classes_differ = match (class(&step.expected), class(&step.actual)) {
                (Some(e), Some(a)) => e != a,
                (e, a) => e.is_some() != a.is_some(),
            };
            let bad = match step.verdict {
                Verdict::Pass => !step.divergences.is_empty() || classes_differ,
                Verdict::Fail => step.divergences.is_empty(),
                Verdict::Differs => step.divergences.is_empty() || step.knobs.is_empty(),
                Verdict::Consequence => {
                    step.divergences.is_empty() || step.follows_from.is_none_or(|f| f >= step.index)
                }
            };
            if bad {
                return Err(format!(
                    "{name}: case {} step {} ({}): the verdict {} does not agree with the step \
                     ({} divergences); the report was edited or is not one `run` wrote",
                    case.name,
                    step.index,
                    step.operation,
                    step.verdict.as_str(),
                    step.divergences.len()
                ));
            }
        }
    }
    Ok(())
}

/// Reads a shard's report; `name` is how errors name it.
fn read(name: &str, json: Value) -> Result<Shard, String> {
    Shard::deserialize(json).map_err(|e| format!("{name}: not a report of `run`: {e}"))
}

fn shard_of(name: &str, s: &Shard) -> Result<(u32, u32), String> {
    let text = s
        .shard
        .as_deref()
        .ok_or_else(|| format!("{name}: not the report of a sharded run (no \"shard\")"))?;
    parse_shard(text).map_err(|e| format!("{name}: {e}"))
}

/// `I/N` with 1 <= I <= N.
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && (1..=n).contains(&i) => Ok((i, n)),
        _ => Err(format!("shard '{text}' is not I/N with 1 <= I <= N")),
    }
}

/// Joins the reports (named for errors) of every shard of one campaign.
pub fn merge(reports: Vec<(String, Value)>) -> Result<Report, String> {
    let shards: Vec<(String, Shard)> = reports
        .into_iter()
        .map(|(name, json)| read(&name, json).map(|s| (name, s)))
        .collect::<Result<_, _>>()?;
    let Some((first_name, first)) = shards.first() else {
        return Err("merge-reports needs the JSON report of every shard".to_owned());
    };
    let (_, count) = shard_of(first_name, first)?;
    // Which shards are given: a set, so `1/4294967295` costs nothing.
    let mut seen = BTreeSet::new();
    for (name, s) in &shards {
        let (i, n) = shard_of(name, s)?;
        if n != count {
            return Err(format!(
                "{name}: shard {i}/{n}, but {first_name} is one of {count}"
            ));
        }
        if !seen.insert(i) {
            return Err(format!("{name}: shard {i}/{n} is given twice"));
        }
        if s.selected_profile != first.selected_profile {
            return Err(format!(
                "{name}: run under another profile than {first_name}"
            ));
        }
        if s.target != first.target {
            return Err(format!(
                "{name}: run against another target ({}) than {first_name} ({})",
                s.target, first.target
            ));
        }
        if s.strict != first.strict {
            return Err(format!(
                "{name}: run {} --strict, {first_name} {}",
                if s.strict { "with" } else { "without" },
                if first.strict {
                    "with it"
                } else {
                    "without it"
                }
            ));
        }
        let generated: Vec<&CaseResult> = s
            .generated
            .iter()
            .flat_map(|g| g.failure.iter().chain(&g.differing))
            .collect();
        check_verdicts(
            name,
            &s.scenarios.iter().chain(generated).collect::<Vec<_>>(),
        )?;
        let plan = |s: &Shard| s.generated.as_ref().map(|g| (g.cases, g.seed));
        if plan(s) != plan(first) {
            return Err(format!(
                "{name}: other generated cases or seed than {first_name}: {:?} vs {:?}",
                plan(s),
                plan(first)
            ));
        }
    }
    // Every shard is given once, so there are as many as the count; the first missing
    // one is found without counting up to it.
    if seen.len() as u64 != u64::from(count) {
        let missing = first_missing(&seen);
        return Err(format!(
            "shard {missing}/{count} is missing ({} of {count} given)",
            seen.len()
        ));
    }
    let selected = first.selected_profile.clone();
    let target = first.target.clone();
    let strict = first.strict;
    let inferred = majority(&selected, shards.iter().map(|(_, s)| &s.inferred_profile));
    let mut scenarios: Vec<CaseResult> = Vec::new();
    let mut not_run = Vec::new();
    let mut stopped: Option<StopReason> = None;
    let mut generated: Option<GeneratedResult> = None;
    let mut differing: Vec<CaseResult> = Vec::new();
    let mut generated_ran = 0u64;
    for (_, s) in shards {
        scenarios.extend(s.scenarios);
        not_run.extend(s.not_run);
        stopped = stopped.or(s.stopped.map(StoppedField::reason));
        let Some(mut g) = s.generated else { continue };
        generated_ran += g.ran;
        differing.append(&mut g.differing);
        // The shard whose failing case has the lowest number holds the failure an
        // unsharded run would have stopped at.
        let failed_at = |a: &GeneratedResult| a.failure.as_ref().and_then(|f| f.index);
        let take = generated.as_ref().is_none_or(|kept| {
            failed_at(&g).is_some_and(|a| failed_at(kept).is_none_or(|b| a < b))
        });
        if take {
            generated = Some(g);
        }
    }
    // The catalog runs in name order; a scenario is in one shard only.
    scenarios.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(g) = &mut generated {
        g.ran = generated_ran;
        let stop = g.failure.as_ref().and_then(|f| f.index).unwrap_or(u64::MAX);
        differing.sort_by_key(|c| c.index);
        differing.retain(|c| c.index.is_some_and(|i| i < stop));
        differing.truncate(KEPT_FOR_REPORT);
        g.differing = differing;
    }
    let mut report = Report::new(target, &selected, scenarios, generated, not_run, inferred);
    report.strict = strict;
    report.stopped = stopped.map(|reason| Stopped {
        reason,
        scenarios_run: report.scenarios.len() as u64,
        generated_run: generated_ran,
    });
    Ok(report)
}

/// The lowest shard number (from 1) not in `seen`: found by walking `seen`, never by
/// counting up to the shard count.
fn first_missing(seen: &BTreeSet<u32>) -> u32 {
    seen.iter()
        .zip(1u32..)
        .find(|(i, expected)| **i != *expected)
        .map_or(seen.len() as u32 + 1, |(_, expected)| expected)
}

/// Per knob, the value other than the selected one that most of `profiles` have, if any.
fn majority<'a>(selected: &Profile, profiles: impl Iterator<Item = &'a Profile>) -> Profile {
    let mut votes: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    for p in profiles {
        for (knob, value) in selected.differences(p) {
            *votes.entry((knob, value)).or_default() += 1;
        }
    }
    let mut out = selected.clone();
    let mut best: BTreeMap<&'static str, (usize, String)> = BTreeMap::new();
    for ((knob, value), n) in votes {
        if best.get(knob).is_none_or(|(m, _)| n > *m) {
            best.insert(knob, (n, value));
        }
    }
    for (knob, (_, value)) in best {
        if let Ok(p) = out.with_knob(knob, &value) {
            out = p;
        }
    }
    if out != *selected {
        out.name = format!("inferred from {}", selected.name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopped_reads_as_typed_and_as_the_text_of_older_reports() {
        let typed: StoppedField = serde_json::from_value(serde_json::json!({
            "reason": {"kind": "setup-refused", "operation": "CreateRepository",
                       "status": 400, "errorName": "AccessDeniedException", "detail": "no"},
            "scenariosRun": 0, "generatedRun": 0
        }))
        .expect("typed");
        assert!(matches!(
            typed.reason(),
            StopReason::SetupRefused {
                error_name: Some(crate::model::ErrorCode::AccessDenied),
                status: 400,
                ..
            }
        ));
        let text: StoppedField =
            serde_json::from_value(serde_json::json!("the target stopped answering: x"))
                .expect("text");
        assert_eq!(
            text.reason(),
            StopReason::TargetStoppedAnswering {
                detail: "the target stopped answering: x".to_owned()
            }
        );
        let interrupted = Stopped::new(StopReason::Interrupted);
        let back: Stopped =
            serde_json::from_value(serde_json::to_value(&interrupted).expect("json"))
                .expect("round trip");
        assert_eq!(back, interrupted);
    }

    #[test]
    fn the_first_missing_shard_is_the_lowest_gap_or_the_next_one() {
        let set = |v: &[u32]| v.iter().copied().collect::<BTreeSet<u32>>();
        assert_eq!(first_missing(&set(&[1, 3])), 2);
        assert_eq!(first_missing(&set(&[2, 3])), 1);
        assert_eq!(first_missing(&set(&[1, 2, 3])), 4);
        assert_eq!(first_missing(&set(&[1, 4_294_967_295])), 2);
    }
}
