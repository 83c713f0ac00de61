//! The apply loop: grants first, then renewals, then revokes (so a role is never emptied in
//! between), each phase in chunks the target can batch, several chunks in flight, one recorded
//! outcome per change.
//! "Already exists" and "not found" count as done; a failed item is recorded and the rest goes on.

use crate::events::{Observer, SyncEvent};
use crate::plan::{Action, Change, Plan};
use crate::traits::{ChangeOutcome, RoleTarget};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

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
        while let Some((i, chunk_changes, mut outcomes)) = finished.next().await {
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
