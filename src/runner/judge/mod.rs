//! Verdicts (spec §8): every step of a case is pass, differs, consequence or FAIL.
//!
//! The rooms, one concept each:
//! - [`step`](judge_step): one step against the model; where the two diverge the model is
//!   brought in line with what the target evidently did, and what cannot be brought in
//!   line is marked unknown;
//! - `entities`: the state a rule reads ([`Entity`]: a repository, a layer, an upload) and
//!   the ledger of what is unknown;
//! - `case`: [`judge_case`], the one place a step's verdict is decided: a **consequence**
//!   when its divergence follows from an earlier one through an entity left unknown,
//!   **differs** when a profile that changes only knobs makes it agree without making any
//!   other step of its case diverge (the explaining knob changes are named), else **FAIL**;
//! - `inference`: [`replay`] (a case's recorded answers against a fresh model under other
//!   knob values: nothing is sent twice) and [`infer`], the search of the knob space for the
//!   profile that explains the most steps of the run's diverging cases.

use crate::model::{Registry, Request, RuleId};
use crate::protocol::Observed;
use crate::runner::compare::IdMap;
use serde::Serialize;

mod case;
mod entities;
mod inference;
mod step;

pub use case::{StepVerdict, judge_case, live_verdict, unanswered};
use entities::Ledger;
pub use entities::{Entity, reads};
pub use inference::{CaseLog, infer, replay};
pub use step::{Judged, judge_step};

/// The verdict on one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Verdict {
    /// The target's answer agrees with the model's.
    #[serde(rename = "pass")]
    Pass,
    /// Another legal choice: a knob value explains it.
    #[serde(rename = "differs")]
    Differs,
    /// Follows from an earlier divergence of the same case.
    #[serde(rename = "consequence")]
    Consequence,
    /// Breaks a rule no profile explains.
    #[serde(rename = "FAIL")]
    Fail,
}

impl Verdict {
    /// The word reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Differs => "differs",
            Verdict::Consequence => "consequence",
            Verdict::Fail => "FAIL",
        }
    }
}

/// One step as sent and answered: what a replay needs.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request, with the model's upload ids.
    pub request: Request,
    /// The target's answer.
    pub answer: Observed,
    /// The rule the step checks when the catalog names one (`checks`).
    pub attribute: Option<RuleId>,
    /// The first bytes of the model's body when the request could not be decoded: the
    /// repository and upload it names are read from them.
    body_head: Vec<u8>,
}

impl Exchange {
    /// An exchange; `model_body` is the body the model side was given, from which a
    /// malformed request's repository and upload are read.
    pub fn new(
        request: Request,
        answer: Observed,
        attribute: Option<RuleId>,
        model_body: &[u8],
    ) -> Self {
        let undecoded = matches!(
            request,
            Request::UnknownOperation { .. } | Request::Malformed { .. }
        );
        let body_head = if undecoded {
            model_body[..model_body.len().min(4096)].to_vec()
        } else {
            Vec::new()
        };
        Exchange {
            request,
            answer,
            attribute,
            body_head,
        }
    }
}

/// A case's model and what the judge learned while stepping through it.
#[derive(Debug, Clone)]
pub struct CaseState {
    /// The model, kept in line with the target.
    pub model: Registry,
    /// Model upload ids to the target's.
    pub ids: IdMap,
    /// The model's upload ids in the order the target opened them.
    pub minted: Vec<String>,
    /// What is unknown of each entity, and what both sides refused.
    ledger: Ledger,
}

impl CaseState {
    /// A case starting from `model`.
    pub fn new(model: Registry) -> Self {
        CaseState {
            model,
            ids: IdMap::default(),
            minted: Vec::new(),
            ledger: Ledger::default(),
        }
    }
}
