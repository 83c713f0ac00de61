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
    /// Where the apply stands against the target's budget: sent when the apply starts, after
    /// each chunk of changes, and about once a second while changes wait.
    #[serde(rename_all = "camelCase")]
    ApplyProgress {
        /// Changes finished so far.
        done: usize,
        /// Changes in all.
        total: usize,
        /// Estimated time until the last change is applied, from the target's model of its
        /// budget (Graph: Microsoft's throttling limits as the client paces itself); `None` when
        /// the target has no model.
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        eta_ms: Option<u64>,
        /// Changes are being held back: why, and when the next ones go.
        waiting: Option<Waiting>,
    },
}

/// Why changes are held back.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitReason {
    /// The write budget is spent (Graph: 3,000 writes per 150 s for one app in one tenant); it
    /// refills as time passes.
    WriteBudget,
    /// The resource-unit budget for reads is spent.
    ReadBudget,
    /// The target answered "too many requests" and said how long to wait.
    Throttled,
    /// A request failed (a server error, a broken connection) and goes again after a pause.
    Retry,
}

/// Changes held back, and for how long.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    /// Why.
    pub reason: WaitReason,
    /// When the next changes go, from now.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub resume_in_ms: u64,
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
