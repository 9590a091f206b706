//! Inference by replay: a case's recorded exchanges replayed through fresh models under
//! other knob values (no request is sent again), and the search of the knob space for the
//! profile that explains the most steps of a run (the inferred profile).

use super::step::{Judged, judge_step, target_succeeded};
use super::{CaseState, Exchange};
use crate::model::limits::MAX_PART_BYTES;
use crate::model::{ErrorCode, Profile, Registry, Request, RuleId};
use crate::runner::evidence::{Explanation, KnobChange};

/// A case's steps replayed through a fresh model under `profile`: per step, its
/// divergences and the step it follows from.
pub fn replay(start: &Registry, profile: &Profile, log: &[Exchange]) -> Vec<Judged> {
    let mut state = CaseState::new(start.clone().with_profile(profile.clone()));
    log.iter()
        .enumerate()
        .map(|(i, ex)| judge_step(&mut state, i, ex))
        .collect()
}

/// The profiles that change one knob of `base` (or two, for `pairs` among the knobs of
/// `rules`), with their changes.
pub(super) fn alternatives(
    base: &Profile,
    log: &[Exchange],
    pairs_for: Option<&[RuleId]>,
) -> Vec<(Explanation, Profile)> {
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
    let change = |knob: &'static str, value: &String| KnobChange {
        knob,
        value: value.clone(),
    };
    for (name, value, _) in &singles {
        if let Ok(p) = base.with_knob(name, value) {
            out.push((Explanation(vec![change(name, value)]), p));
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
                    out.push((Explanation(vec![change(n1, v1), change(n2, v2)]), p));
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
                ex.answer.error,
                Some(ErrorCode::InvalidParameter | ErrorCode::InvalidLayerPart)
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
                if pairs && changes.0.len() < 2 {
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
