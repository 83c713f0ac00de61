//! Write-ahead audit and deadlines in the engine: every change is in the journal as intended
//! before the target sees it; a journal that cannot be written means nothing is sent; a later
//! sync records what the tenant shows for intents an interrupted run left; past the deadline a
//! read fails closed and nothing more is sent.

use crate::fixture::*;
use async_trait::async_trait;
use rolesync_core::directory::{DirectorySnapshot, SourceScope};
use rolesync_core::engine::{Engine, RunOptions};
use rolesync_core::events::ignore_events;
use rolesync_core::ids::RoleDefinitionId;
use rolesync_core::journal::{Intent, Journal, MemoryJournal};
use rolesync_core::memory::{MemorySource, MemoryTarget};
use rolesync_core::plan::{Action, Change};
use rolesync_core::report::{Outcome, RunMode};
use rolesync_core::tenant::{EntraUser, RoleAssignment, RoleDefinition, UserKey};
use rolesync_core::traits::{ChangeOutcome, DirectorySource, PimRead, ReadError, RoleTarget};
use std::time::Duration;

fn scenario() -> (MemorySource, MemoryTarget) {
    let alice = synced(1, "alice");
    let users: Vec<_> = (1..=4).map(|i| synced(i, &format!("user{i}"))).collect();
    let d = snapshot(vec![group(
        "Exchange Administrator",
        (2..=4).map(|i| ad(i, &format!("user{i}"))).collect(),
    )]);
    let t = tenant_state(users, vec![active("Exchange Administrator", &alice)]);
    (MemorySource::new(d), MemoryTarget::new(t))
}

fn run(mode: RunMode, deadline: Option<Duration>) -> RunOptions {
    RunOptions {
        mode,
        force: true,
        run_id: "run-2".into(),
        deadline,
    }
}

/// A target that checks, when asked to apply, that each change is already in the journal.
struct Checking<'a> {
    inner: &'a MemoryTarget,
    journal: &'a MemoryJournal,
}

#[async_trait]
impl RoleTarget for Checking<'_> {
    async fn role_definitions(&self) -> Result<Vec<RoleDefinition>, ReadError> {
        self.inner.role_definitions().await
    }
    async fn assignments(&self, r: &[RoleDefinitionId]) -> Result<Vec<RoleAssignment>, ReadError> {
        self.inner.assignments(r).await
    }
    async fn find_users(&self, k: &[UserKey]) -> Result<Vec<EntraUser>, ReadError> {
        self.inner.find_users(k).await
    }
    async fn pim_settings(&self, r: &[RoleDefinitionId]) -> PimRead {
        self.inner.pim_settings(r).await
    }
    async fn apply(&self, changes: &[Change]) -> Vec<ChangeOutcome> {
        let recorded = self.journal.records.lock().unwrap().clone();
        for c in changes {
            assert!(
                recorded.iter().any(|(_, w, x)| w == "intended" && x == c),
                "{} was sent before it was recorded",
                c.user
            );
        }
        self.inner.apply(changes).await
    }
    fn describe(&self) -> String {
        "checking".into()
    }
}

#[tokio::test]
async fn every_change_is_intended_before_it_is_sent_and_settled_after() {
    let (src, tgt) = scenario();
    let journal = MemoryJournal::default();
    let checking = Checking {
        inner: &tgt,
        journal: &journal,
    };
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &checking,
        policy: &pol,
        transitive: true,
        journal: Some(&journal),
    };
    let out = engine.run(&run(RunMode::Apply, None), &ignore_events).await;
    assert_eq!(out.report.outcome, Outcome::Applied, "{:?}", out.report);
    let kinds = journal.kinds();
    // Grants are one phase, the revoke another: each intended before its outcomes.
    assert_eq!(
        kinds,
        ["intended", "intended", "intended", "done", "done", "done", "intended", "done"],
        "{kinds:?}"
    );
    assert!(journal.unsettled().unwrap().is_empty());
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_means_nothing_is_sent() {
    let (src, tgt) = scenario();
    let journal = MemoryJournal::default();
    *journal.fail_intents.lock().unwrap() = Some("disk full".into());
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: Some(&journal),
    };
    let out = engine.run(&run(RunMode::Apply, None), &ignore_events).await;
    assert!(tgt.writes().is_empty(), "nothing may reach the tenant");
    assert_eq!(out.report.outcome, Outcome::AppliedWithFailures);
    assert!(out.applied.iter().all(|a| matches!(
        &a.outcome,
        ChangeOutcome::Failed { code, message } if code == "auditUnavailable" && message.contains("disk full")
    )));
}

#[tokio::test]
async fn intents_an_interrupted_run_left_are_checked_against_the_tenant() {
    let (src, tgt) = scenario();
    // Run 1 intended two grants and died: one reached the tenant, one did not.
    let pol = policy();
    let plan_out = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    }
    .run(&run(RunMode::Plan, None), &ignore_events)
    .await;
    let grants: Vec<Change> = plan_out
        .plan
        .unwrap()
        .changes()
        .filter(|c| c.action == Action::Grant)
        .take(2)
        .cloned()
        .collect();
    tgt.apply(&grants[..1]).await;
    let journal = MemoryJournal::with_unsettled(
        grants
            .iter()
            .map(|c| Intent {
                run_id: "run-1".into(),
                change: c.clone(),
            })
            .collect(),
    );
    let out = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: Some(&journal),
    }
    .run(&run(RunMode::Apply, None), &ignore_events)
    .await;
    let kinds = journal.kinds();
    assert_eq!(&kinds[..2], ["inEffect", "notInEffect"], "{kinds:?}");
    assert!(
        out.report
            .warnings
            .iter()
            .any(|w| w.contains("run-1") && w.contains("1 in effect, 1 not in effect")),
        "{:?}",
        out.report.warnings
    );
    assert!(journal.unsettled().unwrap().is_empty());
    // And the sync itself still converged.
    assert_eq!(out.report.outcome, Outcome::Applied);
}

/// A directory that never answers.
struct Silent;

#[async_trait]
impl DirectorySource for Silent {
    async fn read(&self, _: &SourceScope) -> Result<DirectorySnapshot, ReadError> {
        futures::future::pending().await
    }
    fn describe(&self) -> String {
        "a silent DC".into()
    }
}

#[tokio::test]
async fn past_the_deadline_a_read_fails_closed() {
    let (_, tgt) = scenario();
    let pol = policy();
    let out = Engine {
        source: &Silent,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    }
    .run(
        &run(RunMode::Apply, Some(Duration::from_millis(200))),
        &ignore_events,
    )
    .await;
    assert_eq!(out.report.outcome, Outcome::ReadFailed);
    assert_eq!(out.report.exit_code, 4);
    assert!(
        out.report
            .error
            .as_deref()
            .unwrap_or("")
            .contains("deadline"),
        "{:?}",
        out.report.error
    );
    assert!(tgt.writes().is_empty());
}

#[tokio::test]
async fn past_the_deadline_no_change_is_sent() {
    let (src, tgt) = scenario();
    let pol = policy();
    let plan = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    }
    .run(&run(RunMode::Plan, None), &ignore_events)
    .await
    .plan
    .unwrap();
    let journal = MemoryJournal::default();
    let cx = rolesync_core::apply::ApplyContext {
        target: &tgt,
        observer: &ignore_events,
        journal: &journal,
        run_id: "late",
        deadline: Some(std::time::Instant::now()),
    };
    let applied = rolesync_core::apply::apply_plan(&plan, &cx).await;
    assert!(!applied.is_empty());
    assert!(applied
        .iter()
        .all(|a| matches!(&a.outcome, ChangeOutcome::Failed { code, .. } if code == "deadline")));
    assert!(tgt.writes().is_empty());
    // Settled as failed: nothing left for the next run to confirm.
    assert!(journal.unsettled().unwrap().is_empty());
}
