//! The apply loop: grants first, then renewals, then revokes (so a role is never emptied in
//! between), each phase in chunks the target can batch, several chunks in flight, one recorded
//! outcome per change.
//! "Already exists" and "not found" count as done; a failed item is recorded and the rest goes on.
//! Progress goes out as the chunks finish, with the target's estimate of the time left
//! ([`RoleTarget::pace`]) — also while no chunk finishes because changes wait for a budget.

use crate::events::{Observer, SyncEvent, Waiting};
use crate::plan::{Action, Change, Plan};
use crate::traits::{ChangeOutcome, RoleTarget};
use futures::future::{self, Either};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

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

/// Applies every change of the plan. The caller has already decided the plan may be applied.
pub async fn apply_plan(
    plan: &Plan,
    target: &dyn RoleTarget,
    observer: &dyn Observer,
) -> Vec<AppliedChange> {
    let total = plan.changes().count();
    let mut done = 0usize;
    let mut results = Vec::with_capacity(total);
    let progress = |done: usize| {
        let pace = target.pace(total - done);
        observer.event(SyncEvent::ApplyProgress {
            done,
            total,
            eta_ms: pace.map(|p| p.eta.as_millis() as u64),
            waiting: pace.and_then(|p| p.waiting).map(|(reason, d)| Waiting {
                reason,
                resume_in_ms: d.as_millis() as u64,
            }),
        });
    };
    progress(0);
    for action in [Action::Grant, Action::Renew, Action::Revoke] {
        let changes: Vec<Change> = plan
            .changes()
            .filter(|c| c.action == action)
            .cloned()
            .collect();
        let chunk = target.max_chunk().max(1);
        let mut slots: Vec<Option<Vec<ChangeOutcome>>> = vec![None; changes.len().div_ceil(chunk)];
        let mut finished = stream::iter(changes.chunks(chunk).enumerate())
            .map(|(i, c)| async move { (i, c, target.apply(c).await) })
            .buffer_unordered(target.concurrency().max(1));
        loop {
            let tick = target.pace_tick();
            futures::pin_mut!(tick);
            let next = match future::select(finished.next(), tick).await {
                Either::Left((next, _)) => next,
                Either::Right(((), _)) => {
                    progress(done);
                    continue;
                }
            };
            let Some((i, chunk_changes, mut outcomes)) = next else {
                break;
            };
            // A target that answers with the wrong count has failed the missing items.
            outcomes.resize(
                chunk_changes.len(),
                ChangeOutcome::Failed {
                    code: "noResult".into(),
                    message: "the target returned no result for this change".into(),
                },
            );
            for (c, o) in chunk_changes.iter().zip(&outcomes) {
                done += 1;
                tracing::info!(
                    target: CHANGE_LOG_TARGET,
                    action = ?c.action, role = %c.role_name, user = %c.user, outcome = ?o,
                    "change applied"
                );
                observer.event(SyncEvent::ChangeApplied {
                    action: c.action,
                    role: c.role_name.clone(),
                    user: c.user.clone(),
                    outcome: o.clone(),
                    done,
                    total,
                });
            }
            slots[i] = Some(outcomes);
            progress(done);
        }
        for (c, o) in changes.iter().zip(slots.into_iter().flatten().flatten()) {
            results.push(AppliedChange {
                change: c.clone(),
                outcome: o,
            });
        }
    }
    results
}
