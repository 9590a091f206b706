//! Why a run stopped early ([`Stopped`]): a typed value in every report, rendered to text
//! only where a person reads it.

use serde::{Deserialize, Serialize};

/// Why a run ended before it ran everything it was asked to, and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stopped {
    /// Why.
    pub reason: StopReason,
    /// Catalog scenarios that ran to their end before it stopped.
    #[serde(default)]
    pub scenarios_run: u64,
    /// Generated cases that ran to their end before it stopped.
    #[serde(default)]
    pub generated_run: u64,
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum StopReason {
    /// Ctrl-C (SIGINT): the case in progress was abandoned and not counted.
    Interrupted,
    /// Requests went unanswered in several cases in a row.
    TargetStoppedAnswering {
        /// The last case's error, one line.
        detail: String,
    },
    /// The target could not be reached at all (no answer to the first request).
    TargetUnreachable {
        /// The transport's error, one line.
        detail: String,
    },
    /// The target answered the setup (creating the scratch repository, or opening an
    /// upload to learn the registry id) with something other than success.
    SetupRefused {
        /// The operation of the setup request.
        operation: String,
        /// The HTTP status of its answer.
        status: u16,
        /// The target's error (`__type`), if it gave one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_name: Option<crate::model::ErrorCode>,
        /// What was wrong, one line.
        detail: String,
    },
}

impl Stopped {
    /// Stopped for `reason`, with nothing run yet.
    pub fn new(reason: StopReason) -> Self {
        Stopped {
            reason,
            scenarios_run: 0,
            generated_run: 0,
        }
    }

    /// Whether it was an interrupt (exit 130) rather than the target (exit 2).
    pub fn interrupted(&self) -> bool {
        self.reason == StopReason::Interrupted
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Interrupted => f.write_str("interrupted (Ctrl-C)"),
            StopReason::TargetStoppedAnswering { detail } => f.write_str(detail),
            StopReason::TargetUnreachable { detail } => {
                write!(f, "the target cannot be reached: {detail}")
            }
            StopReason::SetupRefused {
                operation,
                status,
                error_name,
                detail,
            } => {
                write!(
                    f,
                    "the target refused the setup: {operation} got HTTP {status}"
                )?;
                if let Some(name) = error_name {
                    write!(f, " {name}")?;
                }
                write!(f, " ({detail})")
            }
        }
    }
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}; {} scenarios and {} generated cases had run",
            self.reason, self.scenarios_run, self.generated_run
        )
    }
}
