//! The verdict on every step of a case (spec §8): pass, differs (a knob value explains it
//! and breaks no other step of its case), consequence (it follows from an earlier
//! divergence through an entity left unknown), or FAIL. This is the one place a step's
//! verdict is decided.

use std::collections::BTreeMap;

use super::Exchange;
use super::Verdict;
use super::inference::{alternatives, replay};
use super::step::Judged;
use crate::model::{Profile, Registry, RuleId};
use crate::runner::evidence::Explanation;

/// The verdict on one step, with what explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepVerdict {
    /// The verdict.
    pub verdict: Verdict,
    /// For `differs`: each explaining set of knob changes.
    pub knobs: Vec<Explanation>,
    /// For `consequence`: the step it follows from.
    pub follows_from: Option<usize>,
}

impl StepVerdict {
    fn plain(verdict: Verdict) -> Self {
        StepVerdict {
            verdict,
            knobs: Vec::new(),
            follows_from: None,
        }
    }
}

/// A step's verdict as it stands when its answer arrives, before its case is whole: pass,
/// a consequence of an earlier step, or FAIL until [`judge_case`] can tell differs from it.
pub fn live_verdict(judged: &Judged) -> StepVerdict {
    match (judged.divergences.is_empty(), judged.follows_from) {
        (true, _) => StepVerdict::plain(Verdict::Pass),
        (false, Some(from)) => StepVerdict {
            follows_from: Some(from),
            ..StepVerdict::plain(Verdict::Consequence)
        },
        (false, None) => StepVerdict::plain(Verdict::Fail),
    }
}

/// The verdict on a step that got no answer: FAIL (what the target did with it is unknown,
/// so its case stops there and nothing after it is judged).
pub fn unanswered() -> StepVerdict {
    StepVerdict::plain(Verdict::Fail)
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
    let mut explained: BTreeMap<usize, Vec<Explanation>> = BTreeMap::new();
    if !primaries.is_empty() {
        let search = |explained: &mut BTreeMap<usize, Vec<Explanation>>,
                      candidates: Vec<(Explanation, Profile)>| {
            for (changes, profile) in candidates {
                let replayed = replay(start, &profile, log);
                let breaks_none = judged
                    .iter()
                    .zip(&replayed)
                    .all(|(a, b)| !a.divergences.is_empty() || b.divergences.is_empty());
                if !breaks_none {
                    continue;
                }
                for &i in &diverging {
                    if replayed[i].divergences.is_empty() {
                        explained.entry(i).or_default().push(changes.clone());
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
                .filter(|(c, _)| c.0.len() == 2)
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
                let shared: Vec<Explanation> = match (explained.get(&root(i)), explained.get(&i)) {
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
