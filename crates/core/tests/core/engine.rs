//! The engine over in-memory fakes: apply converges, a second run changes nothing, failures are
//! recorded while the rest goes on, stops and read failures change nothing.

use crate::fixture::*;
use rolesync_core::engine::{Engine, RunOptions};
use rolesync_core::events::{Step, StepStatus, SyncEvent};
use rolesync_core::events::{WaitReason, Waiting};
use rolesync_core::ids::RoleDefinitionId;
use rolesync_core::memory::{MemorySource, MemoryTarget};
use rolesync_core::plan::Action;
use rolesync_core::plan::Change;
use rolesync_core::report::{audit_records, Outcome, RunMode};
use rolesync_core::tenant::AssignmentKind;
use rolesync_core::tenant::{EntraUser, RoleAssignment, RoleDefinition, UserKey};
use rolesync_core::traits::ChangeOutcome;
use rolesync_core::traits::{Pace, ReadError, RoleTarget};
use std::sync::Mutex;
use std::time::Duration;

fn scenario() -> (MemorySource, MemoryTarget) {
    let (alice, oliver) = (synced(1, "alice"), synced(9, "oliver"));
    let mut users = vec![alice.clone(), oliver.clone()];
    users.extend((2..=8).map(|i| synced(i, &format!("user{i}"))));
    let d = snapshot(vec![
        group(
            "Exchange Administrator",
            (1..=8)
                .map(|i| {
                    if i == 1 {
                        ad(1, "alice")
                    } else {
                        ad(i, &format!("user{i}"))
                    }
                })
                .collect(),
        ),
        group("Helpdesk Administrator", vec![ad(1, "alice")]),
    ]);
    let t = tenant_state(
        users,
        vec![
            active("Exchange Administrator", &alice),
            active("Helpdesk Administrator", &oliver),
        ],
    );
    (MemorySource::new(d), MemoryTarget::new(t))
}

fn opts(mode: RunMode) -> RunOptions {
    RunOptions {
        mode,
        force: false,
        run_id: "test-run".into(),
        deadline: None,
    }
}

#[tokio::test]
async fn sync_applies_the_plan_and_a_second_run_changes_nothing() {
    let (src, tgt) = scenario();
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let events = Mutex::new(Vec::new());
    let out = engine
        .run(&opts(RunMode::Apply), &|e| events.lock().unwrap().push(e))
        .await;
    assert_eq!(out.report.outcome, Outcome::Applied, "{:?}", out.report);
    assert_eq!(out.report.exit_code, 0);
    assert_eq!(out.report.summary.granted, 8);
    assert_eq!(out.report.summary.revoked, 1);
    let state = tgt.state();
    let helpdesk = role("Helpdesk Administrator").id;
    assert!(state.holds(&helpdesk, entra_id(1).as_str(), AssignmentKind::Active));
    assert!(!state.holds(&helpdesk, entra_id(9).as_str(), AssignmentKind::Active));
    assert_eq!(tgt.writes().len(), 9);

    // Grants are sent before revokes.
    let writes = tgt.writes();
    let first_revoke = writes
        .iter()
        .position(|c| c.action == Action::Revoke)
        .unwrap();
    assert!(writes[..first_revoke]
        .iter()
        .all(|c| c.action == Action::Grant));

    // Events: every step started before it finished, progress counted up to the total.
    let ev = events.into_inner().unwrap();
    let progress: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            SyncEvent::ChangeApplied { done, total, .. } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(progress.last(), Some(&(9, 9)));
    assert!(ev.iter().any(|e| matches!(
        e,
        SyncEvent::StepFinished {
            step: Step::Apply,
            status: StepStatus::Ok,
            ..
        }
    )));

    let audit = audit_records(&out.report.run_id, out.report.finished, &out.applied);
    assert_eq!(audit.len(), 9);
    assert!(audit
        .iter()
        .all(|a| a.result == "done" && a.run_id == "test-run"));

    let again = engine
        .run(&opts(RunMode::Apply), &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(again.report.outcome, Outcome::NoChanges);
    assert_eq!(tgt.writes().len(), 9, "the second run sent nothing");
}

#[tokio::test]
async fn failures_are_recorded_and_the_rest_goes_on() {
    let (src, mut tgt) = scenario();
    tgt.fail_users.insert("user3@contoso.com".into());
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine
        .run(&opts(RunMode::Apply), &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(out.report.outcome, Outcome::AppliedWithFailures);
    assert_eq!(out.report.exit_code, 1);
    assert_eq!(out.report.summary.failed, 1);
    assert_eq!(out.report.summary.granted, 7);
    let ex = out
        .report
        .roles
        .iter()
        .find(|r| r.role == "Exchange Administrator")
        .unwrap();
    let failed = ex
        .grants
        .iter()
        .find(|g| g.user == "user3@contoso.com")
        .unwrap();
    assert!(matches!(failed.outcome, Some(ChangeOutcome::Failed { .. })));
}

#[tokio::test]
async fn already_done_counts_as_done() {
    let (src, tgt) = scenario();
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine
        .run(&opts(RunMode::Plan), &rolesync_core::events::ignore_events)
        .await;
    let plan = out.plan.unwrap();
    // Someone else applies the same changes between plan and apply.
    let journal = rolesync_core::journal::MemoryJournal::default();
    let cx = rolesync_core::apply::ApplyContext {
        target: &tgt,
        observer: &rolesync_core::events::ignore_events,
        journal: &journal,
        run_id: "r",
        deadline: None,
    };
    let first = rolesync_core::apply::apply_plan(&plan, &cx).await;
    assert!(first.iter().all(|a| a.outcome == ChangeOutcome::Done));
    let second = rolesync_core::apply::apply_plan(&plan, &cx).await;
    assert!(second
        .iter()
        .all(|a| a.outcome == ChangeOutcome::AlreadyDone));
}

#[tokio::test]
async fn dry_run_and_plan_change_nothing() {
    let (src, tgt) = scenario();
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    for mode in [RunMode::Plan, RunMode::DryRun] {
        let out = engine
            .run(&opts(mode), &rolesync_core::events::ignore_events)
            .await;
        assert_eq!(out.report.outcome, Outcome::Planned);
        assert_eq!(out.report.summary.granted, 8, "planned grants are reported");
        assert!(out
            .report
            .steps
            .iter()
            .any(|s| s.step == Step::Apply && s.status == StepStatus::Skipped));
    }
    assert!(tgt.writes().is_empty());
}

#[tokio::test]
async fn a_read_failure_changes_nothing_and_exits_4() {
    let (mut src, tgt) = scenario();
    src.fail = Some("cannot reach dc1.contoso.com:636".into());
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine
        .run(&opts(RunMode::Apply), &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(out.report.outcome, Outcome::ReadFailed);
    assert_eq!(out.report.exit_code, 4);
    assert!(out
        .report
        .error
        .as_deref()
        .unwrap()
        .contains("read Active Directory"));
    let failed = out
        .report
        .steps
        .iter()
        .find(|s| s.step == Step::ReadDirectory)
        .unwrap();
    assert_eq!(failed.status, StepStatus::Failed);
    assert!(failed.detail.contains("dc1.contoso.com"));
    assert!(tgt.writes().is_empty());

    let (src, mut tgt) = scenario();
    tgt.fail_reads = Some("AADSTS7000215: Invalid client secret provided.".into());
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine
        .run(&opts(RunMode::Apply), &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(out.report.exit_code, 4);
    assert!(out
        .report
        .error
        .as_deref()
        .unwrap()
        .contains("read Entra ID"));
}

#[tokio::test]
async fn a_safety_stop_changes_nothing_and_exits_3_unless_forced() {
    let holders: Vec<_> = (1..=12).map(|i| synced(i, &format!("user{i}"))).collect();
    let src = rolesync_core::memory::MemorySource::new(snapshot(vec![group(
        "User Administrator",
        vec![ad(1, "user1")],
    )]));
    let tgt = MemoryTarget::new(tenant_state(
        holders.clone(),
        holders
            .iter()
            .map(|u| active("User Administrator", u))
            .collect(),
    ));
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine
        .run(&opts(RunMode::Apply), &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(out.report.outcome, Outcome::Stopped);
    assert_eq!(out.report.exit_code, 3);
    assert_eq!(out.report.stops.len(), 1);
    assert!(tgt.writes().is_empty());

    let forced = RunOptions {
        force: true,
        ..opts(RunMode::Apply)
    };
    let out = engine
        .run(&forced, &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(out.report.outcome, Outcome::Applied);
    assert_eq!(out.report.summary.revoked, 11);
}

#[tokio::test]
async fn check_lists_findings_with_fixes() {
    let src = rolesync_core::memory::MemorySource::new(snapshot(vec![
        group(
            "Exchange Administrator",
            vec![ad(1, "alice"), ad(6, "frank@corp.local")],
        ),
        group("Coffee Admins", vec![]),
    ]));
    let tgt = MemoryTarget::new(tenant_state(vec![synced(1, "alice")], vec![]));
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let (lines, read_failed) = engine.check(&rolesync_core::events::ignore_events).await;
    assert!(!read_failed);
    let failed: Vec<_> = lines
        .iter()
        .filter(|l| !l.ok)
        .map(|l| l.title.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "group \"Coffee Admins\" maps to a role",
            "members have routable UPN suffixes",
            "every enabled member has an Entra account"
        ]
    );
    assert!(lines.iter().filter(|l| !l.ok).all(|l| l.fix.is_some()));
    assert!(lines
        .iter()
        .any(|l| l.ok && l.title.contains("maps to role \"Exchange Administrator\"")));
}

/// A target with a budget: each chunk of changes takes 2.5 s (as if held back by a write
/// budget), and the budget model says 1 s per change left, the next going in 0.5 s.
struct PacedTarget(MemoryTarget);

#[async_trait::async_trait]
impl RoleTarget for PacedTarget {
    async fn role_definitions(&self) -> Result<Vec<RoleDefinition>, ReadError> {
        self.0.role_definitions().await
    }
    async fn assignments(
        &self,
        roles: &[RoleDefinitionId],
    ) -> Result<Vec<RoleAssignment>, ReadError> {
        self.0.assignments(roles).await
    }
    async fn find_users(&self, keys: &[UserKey]) -> Result<Vec<EntraUser>, ReadError> {
        self.0.find_users(keys).await
    }
    async fn apply(&self, changes: &[Change]) -> Vec<ChangeOutcome> {
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        self.0.apply(changes).await
    }
    fn max_chunk(&self) -> usize {
        5
    }
    fn concurrency(&self) -> usize {
        1
    }
    fn pace(&self, remaining: usize) -> Option<Pace> {
        Some(Pace {
            eta: Duration::from_secs(remaining as u64),
            waiting: (remaining > 0)
                .then_some((WaitReason::WriteBudget, Duration::from_millis(500))),
        })
    }
    async fn pace_tick(&self) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    fn describe(&self) -> String {
        "paced in-memory tenant".into()
    }
}

#[tokio::test(start_paused = true)]
async fn apply_progress_carries_the_targets_eta_and_counts_down_while_changes_wait() {
    let (src, tgt) = scenario();
    let tgt = PacedTarget(tgt);
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let events = Mutex::new(Vec::new());
    let t0 = tokio::time::Instant::now();
    let out = engine
        .run(&opts(RunMode::Apply), &|e| {
            if let SyncEvent::ApplyProgress {
                done,
                total,
                eta_ms,
                waiting,
            } = e
            {
                events.lock().unwrap().push((
                    t0.elapsed().as_millis(),
                    done,
                    total,
                    eta_ms,
                    waiting,
                ));
            }
        })
        .await;
    assert_eq!(out.report.outcome, Outcome::Applied, "{:?}", out.report);
    let ev = events.into_inner().unwrap();
    let waiting = Some(Waiting {
        reason: WaitReason::WriteBudget,
        resume_in_ms: 500,
    });
    // 8 grants in chunks of 5 and 3, then 1 revoke: 3 chunks of 2.5 s each.
    assert_eq!(ev.first(), Some(&(0, 0, 9, Some(9_000), waiting)));
    assert_eq!(
        ev.last().map(|e| (e.1, e.2, e.3, e.4)),
        Some((9, 9, Some(0), None))
    );
    let after_chunks: Vec<usize> = ev
        .windows(2)
        .filter(|w| w[1].1 > w[0].1)
        .map(|w| w[1].1)
        .collect();
    assert_eq!(after_chunks, vec![5, 8, 9]);
    // While a chunk takes 2.5 s, the count stands and the progress goes out once a second.
    let ticks = ev.iter().filter(|e| e.1 == 0).count();
    assert_eq!(ticks, 3, "{ev:?}"); // at 0, 1 and 2 s
    assert!(ev.iter().all(|e| e.3 == Some(1_000 * (9 - e.1 as u64))));
}
