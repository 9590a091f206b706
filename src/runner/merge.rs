//! `merge-reports`: the JSON reports of a sharded campaign (`run --shard I/N`) joined into
//! the report one run with the same seed would have made.
//!
//! Scenarios come back in catalog order; the generated cases keep the failure of the
//! lowest-numbered failing case (the one an unsharded run would have stopped at and shrunk)
//! and the first cases that differed before it; the rule table and totals are recounted
//! from the steps. Each shard infers a profile from its own cases, and a shard that saw no
//! evidence on a knob keeps the selected value: per knob, the other value most shards
//! inferred is taken.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::generated::KEPT_FOR_REPORT;
use super::report::{CaseResult, GeneratedResult, Report};
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
    stopped: Option<String>,
    shard: Option<String>,
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
    let mut seen = vec![false; count as usize];
    for (name, s) in &shards {
        let (i, n) = shard_of(name, s)?;
        if n != count {
            return Err(format!(
                "{name}: shard {i}/{n}, but {first_name} is one of {count}"
            ));
        }
        if std::mem::replace(&mut seen[(i - 1) as usize], true) {
            return Err(format!("{name}: shard {i}/{n} is given twice"));
        }
        if s.selected_profile != first.selected_profile {
            return Err(format!(
                "{name}: run under another profile than {first_name}"
            ));
        }
        let plan = |s: &Shard| s.generated.as_ref().map(|g| (g.cases, g.seed));
        if plan(s) != plan(first) {
            return Err(format!(
                "{name}: other generated cases or seed than {first_name}: {:?} vs {:?}",
                plan(s),
                plan(first)
            ));
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(format!("shard {}/{count} is missing", missing + 1));
    }
    let selected = first.selected_profile.clone();
    let target = first.target.clone();
    let strict = first.strict;
    let inferred = majority(&selected, shards.iter().map(|(_, s)| &s.inferred_profile));
    let mut scenarios: Vec<CaseResult> = Vec::new();
    let mut not_run = Vec::new();
    let mut stopped = None;
    let mut generated: Option<GeneratedResult> = None;
    let mut differing: Vec<CaseResult> = Vec::new();
    for (_, s) in shards {
        scenarios.extend(s.scenarios);
        not_run.extend(s.not_run);
        stopped = stopped.or(s.stopped);
        let Some(mut g) = s.generated else { continue };
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
        let stop = g.failure.as_ref().and_then(|f| f.index).unwrap_or(u64::MAX);
        differing.sort_by_key(|c| c.index);
        differing.retain(|c| c.index.is_some_and(|i| i < stop));
        differing.truncate(KEPT_FOR_REPORT);
        g.differing = differing;
    }
    let mut report = Report::new(target, &selected, scenarios, generated, not_run, inferred);
    report.strict = strict;
    report.stopped = stopped;
    Ok(report)
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
