//! Explaining divergences: replaying a case under other knob values (no request is sent
//! again) to tell differs from FAIL, and searching the knob space for the inferred profile.

use crate::model::RuleId;
use std::collections::BTreeMap;

use super::{CaseState, Exchange, Judged, Verdict, judge_step, target_succeeded};
use crate::model::limits::MAX_PART_BYTES;
use crate::model::{Profile, Registry, Request};

/// A case's steps replayed through a fresh model under `profile`: per step, its
/// divergences and the step it follows from.
pub fn replay(start: &Registry, profile: &Profile, log: &[Exchange]) -> Vec<Judged> {
    let mut state = CaseState::new(start.clone().with_profile(profile.clone()));
    log.iter()
        .enumerate()
        .map(|(i, ex)| judge_step(&mut state, i, ex))
        .collect()
}

/// The verdict on one step, with what explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepVerdict {
    /// The verdict.
    pub verdict: Verdict,
    /// For `differs`: each explaining set of knob changes, as `knob=value` joined by `, `.
    pub knobs: Vec<String>,
    /// For `consequence`: the step it follows from.
    pub follows_from: Option<usize>,
}

/// The profiles that change one knob of `base` (or two, for `pairs` among the knobs of
/// `rules`), with the changes as `(knob, value)` pairs.
fn alternatives(
    base: &Profile,
    log: &[Exchange],
    pairs_for: Option<&[RuleId]>,
) -> Vec<(Vec<(&'static str, String)>, Profile)> {
    let mut singles: Vec<(&'static str, String, Vec<RuleId>)> = Vec::new();
    for knob in base.knobs() {
        let mut values: Vec<String> = Profile::candidate_values(knob.name)
            .iter()
            .map(|v| (*v).to_owned())
            .collect();
        if knob.name == "max-part-bytes" {
            values.extend(part_limit_candidates(log));
        }
        values.dedup();
        for v in values {
            if v != knob.value {
                singles.push((knob.name, v, knob.rules.to_vec()));
            }
        }
    }
    let mut out = Vec::new();
    for (name, value, _) in &singles {
        if let Ok(p) = base.with_knob(name, value) {
            out.push((vec![(*name, value.clone())], p));
        }
    }
    if let Some(rules) = pairs_for {
        let relevant: Vec<_> = singles
            .iter()
            .filter(|(_, _, r)| r.iter().any(|x| rules.contains(x)))
            .collect();
        for (i, (n1, v1, _)) in relevant.iter().enumerate() {
            for (n2, v2, _) in &relevant[i + 1..] {
                if n1 == n2 {
                    continue;
                }
                if let Ok(p) = base.with_knob(n1, v1).and_then(|p| p.with_knob(n2, v2)) {
                    out.push((vec![(*n1, v1.clone()), (*n2, v2.clone())], p));
                }
            }
        }
    }
    out
}

/// `max-part-bytes` values the case's answers point to: ECR's 10 MiB quota, and the
/// largest part the target accepted when it refused a larger one the model accepts.
fn part_limit_candidates(log: &[Exchange]) -> Vec<String> {
    let len = |ex: &Exchange| match &ex.request {
        Request::UploadLayerPart(r) => r.layer_part_blob.as_ref().map(|b| b.len() as u64),
        _ => None,
    };
    let refused = log
        .iter()
        .filter(|ex| {
            matches!(
                ex.answer.error_name.as_deref(),
                Some("InvalidParameterException" | "InvalidLayerPartException")
            )
        })
        .filter_map(len)
        .filter(|l| *l > 0 && *l <= MAX_PART_BYTES)
        .min();
    let Some(refused) = refused else {
        return Vec::new();
    };
    let accepted = log
        .iter()
        .filter(|ex| target_succeeded(&ex.answer))
        .filter_map(len)
        .filter(|l| *l < refused)
        .max()
        .unwrap_or(1);
    // A round figure in the interval if there is one, else its upper end.
    const MIB: u64 = 1 << 20;
    let round = [10, 16, 15, 8, 5, 12, 4, 2, 1]
        .iter()
        .map(|m| m * MIB)
        .find(|v| (accepted..refused).contains(v));
    vec![round.unwrap_or(refused - 1).to_string()]
}

/// The verdict on every step of a case (`log`, from `start`) under `selected`. `judged`
/// is the case as judged live under `selected`.
pub fn judge_case(
    start: &Registry,
    selected: &Profile,
    log: &[Exchange],
    judged: &[Judged],
) -> Vec<StepVerdict> {
    let primaries: Vec<usize> = judged
        .iter()
        .enumerate()
        .filter(|(_, j)| !j.divergences.is_empty() && j.follows_from.is_none())
        .map(|(i, _)| i)
        .collect();
    // Each diverging step, with the knob changes that make it agree without making any
    // other step of the case diverge.
    let diverging: Vec<usize> = judged
        .iter()
        .enumerate()
        .filter(|(_, j)| !j.divergences.is_empty())
        .map(|(i, _)| i)
        .collect();
    let mut explained: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    if !primaries.is_empty() {
        let search =
            |explained: &mut BTreeMap<usize, Vec<String>>,
             candidates: Vec<(Vec<(&'static str, String)>, Profile)>| {
                for (changes, profile) in candidates {
                    let replayed = replay(start, &profile, log);
                    let breaks_none = judged
                        .iter()
                        .zip(&replayed)
                        .all(|(a, b)| !a.divergences.is_empty() || b.divergences.is_empty());
                    if !breaks_none {
                        continue;
                    }
                    let name = changes
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    for &i in &diverging {
                        if replayed[i].divergences.is_empty() {
                            explained.entry(i).or_default().push(name.clone());
                        }
                    }
                }
            };
        search(&mut explained, alternatives(selected, log, None));
        let unexplained: Vec<RuleId> = primaries
            .iter()
            .filter(|i| !explained.contains_key(i))
            .flat_map(|&i| judged[i].divergences.iter().map(|d| d.rule))
            .collect();
        if !unexplained.is_empty() {
            let pairs: Vec<_> = alternatives(selected, log, Some(&unexplained))
                .into_iter()
                .filter(|(c, _)| c.len() == 2)
                .collect();
            search(&mut explained, pairs);
        }
    }
    // A consequence of a step that differs, which the same knob values explain, differs too.
    let root = |mut i: usize| {
        while let Some(from) = judged[i].follows_from {
            i = from;
        }
        i
    };
    judged
        .iter()
        .enumerate()
        .map(|(i, j)| {
            if j.divergences.is_empty() {
                StepVerdict {
                    verdict: Verdict::Pass,
                    knobs: Vec::new(),
                    follows_from: None,
                }
            } else if let Some(from) = j.follows_from {
                let shared: Vec<String> = match (explained.get(&root(i)), explained.get(&i)) {
                    (Some(r), Some(own)) if j.follows_from.is_some() => {
                        r.iter().filter(|k| own.contains(k)).cloned().collect()
                    }
                    _ => Vec::new(),
                };
                if shared.is_empty() {
                    StepVerdict {
                        verdict: Verdict::Consequence,
                        knobs: Vec::new(),
                        follows_from: Some(from),
                    }
                } else {
                    StepVerdict {
                        verdict: Verdict::Differs,
                        knobs: shared,
                        follows_from: None,
                    }
                }
            } else if let Some(knobs) = explained.get(&i).cloned() {
                StepVerdict {
                    verdict: Verdict::Differs,
                    knobs,
                    follows_from: None,
                }
            } else {
                StepVerdict {
                    verdict: Verdict::Fail,
                    knobs: Vec::new(),
                    follows_from: None,
                }
            }
        })
        .collect()
}

/// A case kept for inference: where it started and what was exchanged.
#[derive(Debug, Clone)]
pub struct CaseLog {
    /// The fresh model the case started from.
    pub start: Registry,
    /// The exchanges, in order.
    pub log: Vec<Exchange>,
}

/// Steps of `cases` that agree under `profile`, counting only the steps of `counted`
/// (per case: those that were not consequences under the selected profile).
fn agreeing(cases: &[CaseLog], counted: &[Vec<bool>], profile: &Profile) -> usize {
    cases
        .iter()
        .zip(counted)
        .map(|(c, counted)| {
            replay(&c.start, profile, &c.log)
                .iter()
                .zip(counted)
                .filter(|(j, counted)| **counted && j.divergences.is_empty())
                .count()
        })
        .sum()
}

/// The profile that explains the most steps of `cases`: from `selected`, the knob change
/// (one knob, or two of one rule) that makes the most steps agree is taken while one helps.
pub fn infer(selected: &Profile, cases: &[CaseLog]) -> Profile {
    let mut current = selected.clone();
    if cases.is_empty() {
        return current;
    }
    // Steps that follow from an earlier divergence are no evidence of a choice.
    let counted: Vec<Vec<bool>> = cases
        .iter()
        .map(|c| {
            replay(&c.start, selected, &c.log)
                .iter()
                .map(|j| j.follows_from.is_none())
                .collect()
        })
        .collect();
    let mut score = agreeing(cases, &counted, &current);
    let all: Vec<Exchange> = cases.iter().flat_map(|c| c.log.iter().cloned()).collect();
    let rules: Vec<RuleId> = crate::model::RULES.iter().map(|r| r.id).collect();
    for _ in 0..current.knobs().len() {
        let mut best: Option<(usize, Profile)> = None;
        // One knob at a time; two together only when no single one helps.
        for pairs in [false, true] {
            let candidates = alternatives(&current, &all, pairs.then_some(rules.as_slice()));
            for (changes, candidate) in candidates {
                if pairs && changes.len() < 2 {
                    continue;
                }
                let s = agreeing(cases, &counted, &candidate);
                if s > score && best.as_ref().is_none_or(|(b, _)| s > *b) {
                    best = Some((s, candidate));
                }
            }
            if best.is_some() {
                break;
            }
        }
        match best {
            Some((s, p)) => {
                score = s;
                current = p;
            }
            None => break,
        }
    }
    current.name = if current == *selected {
        selected.name.clone()
    } else {
        format!("inferred from {}", selected.name)
    };
    current
}
