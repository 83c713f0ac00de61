//! Change control over the planner and the engine: grants to roles under `require_approval`
//! wait while the rest is applied, `manage = "owned"` revokes only RoleSync's own assignments,
//! drift since the last run is reported and either corrected or left, an approved plan is cut
//! down to exactly the held changes.

use crate::fixture::*;
use rolesync_core::approval::{compare, narrow};
use rolesync_core::drift::{end_state, DriftChange};
use rolesync_core::engine::{ChangeControl, Engine, RunOptions};
use rolesync_core::memory::{MemorySource, MemoryTarget};
use rolesync_core::ownership::{AssignmentKey, Ownership};
use rolesync_core::plan::{plan, plan_with, Action, PlanExtras, UntouchedReason};
use rolesync_core::policy::{GroupRef, OnDrift};
use rolesync_core::report::{Outcome, RunMode};
use rolesync_core::tenant::AssignmentKind;

fn opts(mode: RunMode) -> RunOptions {
    RunOptions {
        mode,
        force: false,
        run_id: "cc-run".into(),
        deadline: None,
    }
}

#[tokio::test]
async fn grants_to_a_role_that_needs_approval_wait_and_the_rest_is_applied() {
    let (alice, bob) = (synced(1, "alice"), synced(2, "bob"));
    let d = snapshot(vec![
        group("Global Administrator", vec![ad(1, "alice"), ad(2, "bob")]),
        group("Helpdesk Administrator", vec![ad(2, "bob")]),
    ]);
    let src = MemorySource::new(d);
    let tgt = MemoryTarget::new(tenant_state(
        vec![alice.clone(), bob.clone()],
        vec![active("Global Administrator", &alice)],
    ));
    let mut pol = policy();
    pol.require_approval = vec!["global administrator".into()];
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine.run(&opts(RunMode::Apply), &|_| {}).await;
    assert_eq!(out.report.outcome, Outcome::PendingApproval);
    assert_eq!(out.report.exit_code, 3);
    let p = out.plan.unwrap();
    let waiting: Vec<&str> = p.awaiting_approval().map(|c| c.user.as_str()).collect();
    assert_eq!(waiting, ["bob@contoso.com"]);
    // Helpdesk went ahead; Global Administrator did not change.
    let writes = tgt.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].role_name, "Helpdesk Administrator");
    assert_eq!(out.report.summary.awaiting_approval, 1);
    assert!(
        out.report.headline().contains("wait for approval"),
        "{}",
        out.report.headline()
    );

    // The approval plans again without the rule and keeps exactly the held grant.
    let mut approving = pol.clone();
    approving.require_approval.clear();
    let fresh = plan(
        &snapshot(vec![group(
            "Global Administrator",
            vec![ad(1, "alice"), ad(2, "bob")],
        )]),
        &tenant(
            vec![alice.clone(), bob.clone()],
            vec![active("Global Administrator", &alice)],
        ),
        &approving,
    );
    let held: Vec<_> = p.awaiting_approval().cloned().collect();
    let scope: Vec<_> = fresh.changes().collect();
    assert!(compare(&held, &scope).is_empty());
    let approved = narrow(&fresh, &scope);
    assert_eq!(approved.changes().count(), 1);
    assert!(approved.stops.is_empty());
}

#[test]
fn an_owned_mapping_revokes_only_what_rolesync_granted() {
    let (mine, theirs, member) = (synced(1, "mine"), synced(2, "theirs"), synced(3, "member"));
    let d = snapshot(vec![group("Exchange Administrator", vec![ad(3, "member")])]);
    let t = tenant(
        vec![mine.clone(), theirs.clone(), member.clone()],
        vec![
            active("Exchange Administrator", &mine),
            active("Exchange Administrator", &theirs),
        ],
    );
    let mut pol = policy();
    // Without `manage = "owned"` both go.
    assert_eq!(plan(&d, &t, &pol).summary.revokes, 2);
    pol.mapping.owned_only = vec![GroupRef::Name("Exchange Administrator".into())];
    pol.mapping.explicit = vec![rolesync_core::policy::ExplicitMapping {
        group: GroupRef::Name("Exchange Administrator".into()),
        role: None,
        kind: AssignmentKind::Active,
        allow_empty: false,
        scope: Default::default(),
    }];
    let role = role("Exchange Administrator");
    let extras = PlanExtras {
        owned: [AssignmentKey::new(
            &role.id,
            &mine.id,
            AssignmentKind::Active,
        )]
        .into(),
        ..PlanExtras::default()
    };
    let p = plan_with(&d, &t, &pol, &extras);
    let r = &p.roles[0];
    assert_eq!(
        r.revokes
            .iter()
            .map(|c| c.user.as_str())
            .collect::<Vec<_>>(),
        ["mine@contoso.com"]
    );
    assert!(r
        .untouched
        .iter()
        .any(|u| u.principal == "theirs@contoso.com" && u.reason == UntouchedReason::NotOwned));
    assert_eq!(r.grants.len(), 1, "grants are not restricted");
}

/// A sync, then an assignment added and one removed behind its back.
fn drifted() -> (MemorySource, MemoryTarget, rolesync_core::drift::EndState) {
    let (alice, bob, mallory) = (synced(1, "alice"), synced(2, "bob"), synced(6, "mallory"));
    let d = snapshot(vec![group(
        "Exchange Administrator",
        vec![ad(1, "alice"), ad(2, "bob")],
    )]);
    let before = tenant(
        vec![alice.clone(), bob.clone(), mallory.clone()],
        vec![
            active("Exchange Administrator", &alice),
            active("Exchange Administrator", &bob),
        ],
    );
    let p = plan(&d, &before, &policy());
    let previous = end_state("run-0", chrono::Utc::now(), &before, &p, &[]);
    // Someone removed bob and added mallory in the portal.
    let now = tenant_state(
        vec![alice.clone(), bob, mallory.clone()],
        vec![
            active("Exchange Administrator", &alice),
            active("Exchange Administrator", &mallory),
        ],
    );
    (MemorySource::new(d), MemoryTarget::new(now), previous)
}

#[tokio::test]
async fn drift_is_reported_then_corrected_by_default() {
    let (src, tgt, previous) = drifted();
    let pol = policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let cc = ChangeControl {
        previous: Some(previous),
        ..ChangeControl::default()
    };
    let out = engine.run_with(&opts(RunMode::Apply), &|_| {}, &cc).await;
    let drift = &out.report.drift;
    let got: Vec<(&str, DriftChange, bool)> = drift
        .iter()
        .map(|d| (d.principal.as_str(), d.change, d.corrected))
        .collect();
    assert_eq!(
        got,
        [
            ("bob@contoso.com", DriftChange::Removed, true),
            ("mallory@contoso.com", DriftChange::Added, true)
        ]
    );
    // The memory target keeps no audit log: who and when are unknown, and say why.
    assert!(drift[0].words().contains("unknown"), "{}", drift[0].words());
    assert_eq!(out.report.summary.granted, 1);
    assert_eq!(out.report.summary.revoked, 1);
}

#[tokio::test]
async fn with_on_drift_report_it_is_reported_and_left() {
    let (src, tgt, previous) = drifted();
    let mut pol = policy();
    pol.on_drift = OnDrift::Report;
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let cc = ChangeControl {
        previous: Some(previous),
        own_since: Default::default(),
        owned: Ownership::default(),
    };
    let out = engine.run_with(&opts(RunMode::Apply), &|_| {}, &cc).await;
    assert_eq!(out.report.drift.len(), 2);
    assert!(out.report.drift.iter().all(|d| !d.corrected));
    assert_eq!(
        out.report.outcome,
        Outcome::NoChanges,
        "{:?}",
        out.report.steps
    );
    assert!(tgt.writes().is_empty());
    let p = out.plan.unwrap();
    assert!(p.roles[0]
        .untouched
        .iter()
        .any(|u| u.reason == UntouchedReason::DriftKept));
    assert!(p.roles[0]
        .skipped
        .iter()
        .any(|s| s.user == "bob@contoso.com" && s.message.contains("not restored")));
    // RoleSync's own changes are not drift.
    let out2 = engine
        .run_with(
            &opts(RunMode::Plan),
            &|_| {},
            &ChangeControl {
                previous: cc.previous.clone(),
                own_since: out.report.drift.iter().map(|d| d.key()).collect(),
                owned: Ownership::default(),
            },
        )
        .await;
    assert!(out2.report.drift.is_empty());
    assert!(out2
        .plan
        .unwrap()
        .changes()
        .all(|c| c.action != Action::Renew));
}
