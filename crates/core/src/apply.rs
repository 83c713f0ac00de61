//! The apply loop: grants first, then renewals, then revokes (so a role is never emptied in
//! between), each phase in chunks the target can batch, several chunks in flight, one recorded
//! outcome per change.
//! "Already exists" and "not found" count as done; a failed item is recorded and the rest goes on.
//!
//! Write-ahead: a phase's changes are recorded as intended in the [`Journal`] (durably) before any
//! of them is sent, and settled with their outcomes after. When the intent cannot be recorded,
//! nothing of the phase — or of later phases — is sent. Past the run's deadline no further chunk
//! is sent (the changes fail with `deadline`; the journal settles them, and one still in flight
//! is confirmed by the next sync).
//! Progress goes out as the chunks finish, with the target's estimate of the time left
//! ([`RoleTarget::pace`]) — also while no chunk finishes because changes wait for a budget.

use crate::events::{Observer, SyncEvent, Waiting};
use crate::journal::Journal;
use crate::plan::{Action, Change, Plan};
use crate::traits::{ChangeOutcome, RoleTarget};
use futures::future::{self, Either};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The `tracing` target of the line logged for each change (a front end showing progress may
/// keep these lines off the console).
pub const CHANGE_LOG_TARGET: &str = "rolesync_core::change";

/// A change with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedChange {
    /// The planned change.
    #[serde(flatten)]
    pub change: Change,
    /// What happened.
    pub outcome: ChangeOutcome,
}

/// What applying needs besides the plan.
pub struct ApplyContext<'a> {
    /// Where the changes go.
    pub target: &'a dyn RoleTarget,
    /// Progress.
    pub observer: &'a dyn Observer,
    /// The write-ahead audit.
    pub journal: &'a dyn Journal,
    /// The run (for the journal).
    pub run_id: &'a str,
    /// No chunk is sent after this.
    pub deadline: Option<Instant>,
}

fn failed(code: &str, message: impl Into<String>) -> ChangeOutcome {
    ChangeOutcome::Failed {
        code: code.into(),
        message: message.into(),
    }
}

/// Applies every change of the plan. The caller has already decided the plan may be applied.
pub async fn apply_plan(plan: &Plan, cx: &ApplyContext<'_>) -> Vec<AppliedChange> {
    let total = plan.changes().count();
    let mut done = 0usize;
    let mut results = Vec::with_capacity(total);
    let mut journal_down: Option<String> = None;
    progress(cx, 0, total);
    for action in [Action::Grant, Action::Renew, Action::Revoke] {
        let of_phase = |c: &&Change| c.action == action;
        let mut changes: Vec<Change> = Vec::with_capacity(plan.changes().filter(of_phase).count());
        changes.extend(plan.changes().filter(of_phase).cloned());
        if changes.is_empty() {
            continue;
        }
        if journal_down.is_none() {
            if let Err(e) = cx.journal.intend(cx.run_id, &changes) {
                tracing::error!(error = %e, "the audit journal cannot be written: nothing more is sent");
                journal_down = Some(e);
            }
        }
        let outcomes = match &journal_down {
            Some(e) => {
                let why = format!("not sent: the audit could not record it first ({e})");
                vec![failed("auditUnavailable", why); changes.len()]
            }
            None => send_phase(&changes, cx, &mut done, total).await,
        };
        // Straight into the run's list (sized for every change): a phase of thousands of
        // changes is not held twice.
        let phase_start = results.len();
        results.extend(
            changes
                .into_iter()
                .zip(outcomes)
                .map(|(change, outcome)| AppliedChange { change, outcome }),
        );
        if journal_down.is_none() {
            if let Err(e) = cx.journal.settle(cx.run_id, &results[phase_start..]) {
                // The intents are on disk: the next sync confirms these against the tenant.
                tracing::error!(error = %e, "the outcomes could not be added to the audit journal; the next sync confirms them");
            }
        }
    }
    results
}

/// Reports `done` of `total` with the target's estimate of the time left.
fn progress(cx: &ApplyContext<'_>, done: usize, total: usize) {
    let pace = cx.target.pace(total - done);
    cx.observer.event(SyncEvent::ApplyProgress {
        done,
        total,
        eta_ms: pace.map(|p| p.eta.as_millis() as u64),
        waiting: pace.and_then(|p| p.waiting).map(|(reason, d)| Waiting {
            reason,
            resume_in_ms: d.as_millis() as u64,
        }),
    });
}

/// Sends one phase's changes in chunks, several in flight; outcomes in the changes' order.
async fn send_phase(
    changes: &[Change],
    cx: &ApplyContext<'_>,
    done: &mut usize,
    total: usize,
) -> Vec<ChangeOutcome> {
    let target = cx.target;
    let chunk = target.max_chunk().max(1);
    let mut slots: Vec<Option<Vec<ChangeOutcome>>> = vec![None; changes.len().div_ceil(chunk)];
    let deadline = cx.deadline;
    let mut finished = stream::iter(changes.chunks(chunk).enumerate())
        .map(|(i, c)| async move {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                let why = "not sent: the run passed its deadline (safety.run_deadline_minutes)";
                return (i, c, vec![failed("deadline", why); c.len()]);
            }
            (i, c, target.apply(c).await)
        })
        .buffer_unordered(target.concurrency().max(1));
    loop {
        let tick = target.pace_tick();
        futures::pin_mut!(tick);
        let next = match future::select(finished.next(), tick).await {
            Either::Left((next, _)) => next,
            Either::Right(((), _)) => {
                progress(cx, *done, total);
                continue;
            }
        };
        let Some((i, chunk_changes, mut outcomes)) = next else {
            break;
        };
        // A target that answers with the wrong count has failed the missing items.
        outcomes.resize(
            chunk_changes.len(),
            failed("noResult", "the target returned no result for this change"),
        );
        for (c, o) in chunk_changes.iter().zip(&outcomes) {
            *done += 1;
            tracing::info!(
                target: CHANGE_LOG_TARGET,
                action = ?c.action, role = %c.role_name, user = %c.user, outcome = ?o,
                "change applied"
            );
            cx.observer.event(SyncEvent::ChangeApplied {
                action: c.action,
                role: c.role_name.clone(),
                user: c.user.clone(),
                outcome: o.clone(),
                done: *done,
                total,
            });
        }
        slots[i] = Some(outcomes);
        progress(cx, *done, total);
    }
    slots.into_iter().flatten().flatten().collect()
}
