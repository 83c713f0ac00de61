//! Typed progress events. The engine emits them; the CLI logs them and the desktop app streams
//! them to the window over a channel.

use crate::plan::{Action, PlanSummary};
use crate::traits::ChangeOutcome;
use serde::{Deserialize, Serialize};

/// The steps of a run, in order.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// Read role groups from Active Directory.
    ReadDirectory,
    /// Read roles, assignments and users from Entra ID.
    ReadEntra,
    /// Build the plan.
    Plan,
    /// Check the safety limits.
    Safety,
    /// Apply the changes.
    Apply,
    /// Write the report and audit lines.
    Report,
    /// Send the email report.
    Email,
}

impl Step {
    /// The step's name in logs and reports.
    pub fn label(self) -> &'static str {
        match self {
            Step::ReadDirectory => "read Active Directory",
            Step::ReadEntra => "read Entra ID",
            Step::Plan => "plan",
            Step::Safety => "safety check",
            Step::Apply => "apply",
            Step::Report => "report",
            Step::Email => "email",
        }
    }
}

/// How a step ended.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepStatus {
    /// Finished.
    Ok,
    /// Finished with some item failures.
    Partial,
    /// Failed.
    Failed,
    /// Stopped by a safety limit.
    Stopped,
    /// Not run (dry run, or an earlier step stopped the run).
    Skipped,
}

/// One progress event.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum SyncEvent {
    /// A step started.
    #[serde(rename_all = "camelCase")]
    StepStarted {
        /// Which.
        step: Step,
    },
    /// A step finished.
    #[serde(rename_all = "camelCase")]
    StepFinished {
        /// Which.
        step: Step,
        /// How.
        status: StepStatus,
        /// How long it took.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        duration_ms: u64,
        /// Counts or error in words.
        detail: String,
    },
    /// The plan is ready.
    #[serde(rename_all = "camelCase")]
    Planned {
        /// Its totals.
        summary: PlanSummary,
    },
    /// One change was applied (or failed).
    #[serde(rename_all = "camelCase")]
    ChangeApplied {
        /// Grant or revoke.
        action: Action,
        /// Role name.
        role: String,
        /// User.
        user: String,
        /// Result.
        outcome: ChangeOutcome,
        /// Changes finished so far.
        done: usize,
        /// Changes in all.
        total: usize,
    },
}

/// Receives events. Implemented for any `Fn(SyncEvent)`.
pub trait Observer: Send + Sync {
    /// Called for each event, in order.
    fn event(&self, event: SyncEvent);
}

impl<F: Fn(SyncEvent) + Send + Sync> Observer for F {
    fn event(&self, event: SyncEvent) {
        self(event)
    }
}

/// An observer that drops every event.
pub fn ignore_events(_: SyncEvent) {}
