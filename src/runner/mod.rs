//! The conformance runner: drives any endpoint with the catalog's scenarios and with
//! generated sequences, compares every answer with the model's, and reports every
//! divergence by rule.

//!
//! The rooms: `config` (what to run), `target` (the endpoint under test and its scratch
//! repositories), `run` (the catalog and the generated sequences), `session` (one case in
//! lock step), `judge` (verdicts), `compare`, `scenario`, `generated`, `replay`, `merge`,
//! the reports (`report`, `html`, `transcript`). The HTTP client it drives targets with (`Endpoint`, SigV4-signed) lives in `protocol`.

mod compare;
mod compare_images;
mod config;
pub mod door;
pub mod evidence;
mod generated;
pub mod html;
pub mod judge;
mod junit;
pub mod merge;
pub mod replay;
mod report;
mod run;
pub mod scenario;
mod session;
mod stopped;
mod target;
pub mod transcript;

pub use crate::protocol::Keys;
pub use crate::protocol::{Endpoint, MAX_ANSWER_BYTES};
pub use crate::protocol::{Observed, Transport, TransportError, WireRequest, observe};
pub use compare::{IdMap, compare};
pub use config::{RunConfig, RunError};
pub use evidence::{Divergence, Explanation, KnobChange, Member, On, RuleVerdict, Shown};
pub use judge::{CaseLog, Verdict};
pub use report::{
    CaseResult, GeneratedResult, Report, ReportFiles, RuleResult, StopReason, Stopped,
};
pub use run::{list, run};
pub use scenario::Scenario;
pub use session::{Session, StepRecord};
pub use target::{MAX_SILENT_CASES, Target};
