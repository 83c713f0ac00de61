//! PIM settings in the plan and the run: compliant requests (expiration, ticket, justification),
//! renewals before the end, held changes naming the setting, no licence, unknown settings.

use crate::fixture::*;
use chrono::{DateTime, Duration, Utc};
use rolesync_core::engine::{Engine, RunOptions};
use rolesync_core::memory::{MemorySource, MemoryTarget};
use rolesync_core::pim::{HoldScope, PimDuration, PimSettings, RolePimSettings, RoleSettings};
use rolesync_core::plan::{plan, Action, ChangeReason, Plan, RolePlan};
use rolesync_core::policy::{ExplicitMapping, GroupRef, Policy};
use rolesync_core::report::{Outcome, RunMode};
use rolesync_core::tenant::{AssignmentKind, TenantSnapshot};

const SR: &str = "Security Reader";
const EX: &str = "Exchange Administrator";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Security Reader eligible, Exchange Administrator active.
fn pim_policy() -> Policy {
    let mut p = policy();
    p.mapping.explicit.push(ExplicitMapping {
        group: GroupRef::Name(SR.into()),
        role: None,
        kind: AssignmentKind::Eligible,
        allow_empty: false,
        scope: Default::default(),
    });
    p
}

/// The issue's strict tenant: eligibility must end within 180 days, ticket required; MFA
/// required on active assignment.
fn strict() -> PimSettings {
    let mut s = RoleSettings::microsoft_default();
    s.eligible.permanent_allowed = false;
    s.eligible.maximum_duration = PimDuration::days(180);
    s.eligible.ticketing = true;
    s.active.mfa = true;
    PimSettings::Governed { settings: s }
}

fn with_settings(mut t: TenantSnapshot, settings: &[(&str, PimSettings)]) -> TenantSnapshot {
    t.pim = settings
        .iter()
        .map(|(name, s)| RolePimSettings {
            role_id: role(name).id,
            settings: s.clone(),
        })
        .collect();
    t.read_at = Some(now());
    t
}

fn role_plan<'a>(p: &'a Plan, name: &str) -> &'a RolePlan {
    p.roles.iter().find(|r| r.role_name == name).unwrap()
}

fn dir() -> rolesync_core::directory::DirectorySnapshot {
    snapshot(vec![
        group(SR, vec![ad(1, "alice"), ad(2, "bob"), ad(3, "carol")]),
        group(EX, vec![ad(1, "alice"), ad(2, "bob")]),
    ])
}

fn ending(
    mut a: rolesync_core::tenant::RoleAssignment,
    days: i64,
) -> rolesync_core::tenant::RoleAssignment {
    a.end = Some(now() + Duration::days(days));
    a
}

#[test]
fn strict_settings_give_compliant_requests_and_hold_what_the_app_cannot_do() {
    let (alice, bob, carol, oliver) = (
        synced(1, "alice"),
        synced(2, "bob"),
        synced(3, "carol"),
        synced(9, "oliver"),
    );
    let t = tenant(
        vec![alice.clone(), bob.clone(), carol.clone(), oliver.clone()],
        vec![
            ending(eligible(SR, &alice), 170),
            active(EX, &alice),
            active(EX, &oliver),
        ],
    );
    let t = with_settings(t, &[(SR, strict()), (EX, strict())]);
    let mut pol = pim_policy();
    pol.pim.duration = Some(PimDuration::days(90));
    let mut p = plan(&dir(), &t, &pol);

    let sr = role_plan(&p, SR);
    let grants: Vec<&str> = sr.grants.iter().map(|c| c.user.as_str()).collect();
    assert_eq!(grants, ["bob@contoso.com", "carol@contoso.com"]);
    let req = sr.grants[0].pim.as_ref().unwrap();
    assert_eq!(
        req.duration,
        Some(PimDuration::days(90)),
        "the configured shorter duration"
    );
    assert!(req.ticket);
    let pim = sr.pim.as_ref().unwrap();
    assert!(pim.hold.is_none());
    assert!(pim
        .rules
        .iter()
        .any(|r| r.setting == "Expire eligible assignments after" && r.ok));
    assert!(pim
        .rules
        .iter()
        .any(|r| r.setting == "Require ticket information on eligible assignment"));
    // 170 days left: listed, not renewed.
    assert!(sr.renewals.is_empty());
    assert_eq!(sr.expirations.len(), 1);
    assert!(!sr.expirations[0].renew);

    // MFA on active assignment: bob's grant is held, oliver's revoke still goes.
    let ex = role_plan(&p, EX);
    assert!(ex.grants.is_empty());
    assert_eq!(ex.held.len(), 1);
    assert_eq!(ex.held[0].user, "bob@contoso.com");
    assert_eq!(ex.revokes.len(), 1);
    let hold = ex.pim.as_ref().unwrap().hold.as_ref().unwrap();
    assert_eq!(hold.scope, HoldScope::GrantsAndRenewals);
    assert!(hold
        .message
        .contains("Require Azure Multi-Factor Authentication on active assignment"));
    assert_eq!(p.summary.held, 1);

    // The run stamps group and run id into the requests.
    p.stamp("run-42");
    let req = role_plan(&p, SR).grants[0].pim.as_ref().unwrap();
    assert_eq!(req.run_id, "run-42");
    assert_eq!(
        req.justification,
        "RoleSync run run-42: bob@contoso.com is a member of the AD group Security Reader"
    );
    // Checks name the setting and the fix.
    let lines = rolesync_core::checks::pim_lines(&p);
    let bad: Vec<_> = lines.iter().filter(|l| !l.ok).collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].title.contains(EX));
    assert!(bad[0].fix.as_deref().unwrap().contains("Role settings"));
    assert!(lines.iter().any(|l| l.ok && l.title.contains(SR)));
}

#[test]
fn assignments_ending_within_the_window_are_renewed_and_expired_ones_granted_again() {
    let (alice, bob, carol) = (synced(1, "alice"), synced(2, "bob"), synced(3, "carol"));
    // alice ends in 10 days, bob in 20; carol's has ended (no longer read).
    let t = tenant(
        vec![alice.clone(), bob.clone(), carol.clone()],
        vec![
            ending(eligible(SR, &alice), 10),
            ending(eligible(SR, &bob), 20),
        ],
    );
    let t = with_settings(t, &[(SR, strict())]);
    let p = plan(&dir(), &t, &pim_policy());
    let sr = role_plan(&p, SR);
    assert_eq!(sr.renewals.len(), 1);
    let r = &sr.renewals[0];
    assert_eq!(r.action, Action::Renew);
    assert_eq!(r.user, "alice@contoso.com");
    assert_eq!(
        r.reason,
        ChangeReason::EndsSoon {
            ends: now() + Duration::days(10)
        }
    );
    assert_eq!(
        r.pim.as_ref().unwrap().duration,
        Some(PimDuration::days(180))
    );
    assert_eq!(sr.grants.len(), 1, "carol is granted again");
    assert!(sr.revokes.is_empty(), "nobody desired is revoked");
    assert_eq!(
        sr.expirations
            .iter()
            .map(|e| (e.user.as_str(), e.renew))
            .collect::<Vec<_>>(),
        [("alice@contoso.com", true), ("bob@contoso.com", false)]
    );
    assert_eq!(p.summary.renewals, 1);
    // A wider window renews bob as well.
    let mut pol = pim_policy();
    pol.pim.renew_within_days = 30;
    assert_eq!(role_plan(&plan(&dir(), &t, &pol), SR).renewals.len(), 2);
    // Without the tenant's clock nothing is renewed.
    let mut t2 = t.clone();
    t2.read_at = None;
    assert!(role_plan(&plan(&dir(), &t2, &pim_policy()), SR)
        .renewals
        .is_empty());
    // Renewal under permanent-allowed settings asks for no end.
    let t3 = with_settings(
        t.clone(),
        &[(
            SR,
            PimSettings::Governed {
                settings: RoleSettings::microsoft_default(),
            },
        )],
    );
    let p3 = plan(&dir(), &t3, &pim_policy());
    assert_eq!(
        role_plan(&p3, SR).renewals[0]
            .pim
            .as_ref()
            .unwrap()
            .duration,
        None
    );
}

#[test]
fn no_licence_holds_eligible_roles_and_leaves_active_ones_direct() {
    let (alice, bob) = (synced(1, "alice"), synced(2, "bob"));
    let t = tenant(vec![alice.clone(), bob.clone()], vec![]);
    let t = with_settings(
        t,
        &[(SR, PimSettings::NoLicence), (EX, PimSettings::NoLicence)],
    );
    let p = plan(&dir(), &t, &pim_policy());
    let sr = role_plan(&p, SR);
    assert!(sr.grants.is_empty());
    assert_eq!(sr.held.len(), 2);
    let hold = sr.pim.as_ref().unwrap().hold.as_ref().unwrap();
    assert!(
        hold.message
            .starts_with("eligible assignments need Entra ID P2"),
        "{}",
        hold.message
    );
    let ex = role_plan(&p, EX);
    assert_eq!(ex.grants.len(), 2);
    assert!(
        ex.grants.iter().all(|c| c.pim.is_none()),
        "direct assignments"
    );
    assert!(ex.pim.is_none());
}

#[test]
fn unknown_settings_write_nothing_for_the_role() {
    let (alice, oliver) = (synced(1, "alice"), synced(9, "oliver"));
    let t = tenant(
        vec![alice.clone(), oliver.clone()],
        vec![active(EX, &oliver), eligible(SR, &oliver)],
    );
    let unknown = PimSettings::Unknown {
        problem: "Microsoft Graph answered 403 Authorization_RequestDenied".into(),
        fix: "grant the application permission RoleManagementPolicy.Read.Directory".into(),
    };
    let t = with_settings(
        t,
        &[
            (SR, unknown.clone()),
            (
                EX,
                PimSettings::Governed {
                    settings: RoleSettings::microsoft_default(),
                },
            ),
        ],
    );
    let p = plan(&dir(), &t, &pim_policy());
    let sr = role_plan(&p, SR);
    assert!(sr.grants.is_empty() && sr.revokes.is_empty());
    assert_eq!(sr.held.len(), 2, "alice's grant and oliver's revoke");
    assert!(sr
        .pim
        .as_ref()
        .unwrap()
        .hold
        .as_ref()
        .unwrap()
        .fix
        .contains("RoleManagementPolicy.Read.Directory"));
    // The other role goes on, through PIM with its default settings.
    let ex = role_plan(&p, EX);
    assert_eq!(ex.grants.len(), 1);
    assert_eq!(ex.grants[0].pim.as_ref().unwrap().duration, None);
    assert_eq!(ex.revokes.len(), 1);
    assert!(
        ex.revokes[0].pim.is_none(),
        "active assignments are removed directly"
    );
}

#[tokio::test]
async fn held_changes_fail_the_run_and_renewals_apply() {
    let (alice, bob) = (synced(1, "alice"), synced(2, "bob"));
    let mut state = tenant_state(
        vec![alice.clone(), bob.clone()],
        vec![ending(eligible(SR, &alice), 5), active(EX, &alice)],
    );
    state.pim = vec![
        RolePimSettings {
            role_id: role(SR).id,
            settings: strict(),
        },
        RolePimSettings {
            role_id: role(EX).id,
            settings: strict(),
        },
    ];
    // The memory target's clock is now: end alice's eligibility five days from real time.
    state.assignments[0].end = Some(Utc::now() + Duration::days(5));
    let src = MemorySource::new(dir());
    let tgt = MemoryTarget::new(state);
    let pol = pim_policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let run = |mode| RunOptions {
        mode,
        force: false,
        run_id: "r1".into(),
        deadline: None,
    };
    let out = engine
        .run(&run(RunMode::Plan), &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(out.report.exit_code, 0);
    assert!(
        out.report.headline().contains("1 to renew"),
        "{}",
        out.report.headline()
    );
    assert!(out.report.headline().contains("held back by PIM settings"));

    let out = engine
        .run(&run(RunMode::Apply), &rolesync_core::events::ignore_events)
        .await;
    assert_eq!(out.report.outcome, Outcome::AppliedWithFailures);
    assert_eq!(out.report.exit_code, 1);
    assert_eq!(out.report.summary.renewed, 1);
    assert_eq!(out.report.summary.granted, 1, "bob is eligible now");
    assert_eq!(out.report.summary.held, 1, "bob's active grant needs MFA");
    let ex = out.report.roles.iter().find(|r| r.role == EX).unwrap();
    assert_eq!(ex.held[0].user, "bob@contoso.com");
    let state = tgt.state();
    let a = state
        .assignments
        .iter()
        .find(|a| a.principal.id() == &alice.id && a.kind == AssignmentKind::Eligible)
        .unwrap();
    assert!(
        a.end.unwrap() > Utc::now() + Duration::days(179),
        "renewed for 180 days"
    );
    let bob_grant = tgt
        .writes()
        .into_iter()
        .find(|c| c.user == "bob@contoso.com")
        .unwrap();
    assert_eq!(bob_grant.pim.as_ref().unwrap().run_id, "r1");
    assert!(bob_grant.pim.as_ref().unwrap().ticket);
}

#[tokio::test]
async fn a_failed_renewal_is_an_item_failure_never_a_revoke() {
    let alice = synced(1, "alice");
    let mut state = tenant_state(vec![alice.clone()], vec![eligible(SR, &alice)]);
    state.assignments[0].end = Some(Utc::now() + Duration::days(3));
    state.pim = vec![RolePimSettings {
        role_id: role(SR).id,
        settings: strict(),
    }];
    let src = MemorySource::new(snapshot(vec![group(SR, vec![ad(1, "alice")])]));
    let mut tgt = MemoryTarget::new(state);
    tgt.fail_users.insert("alice@contoso.com".into());
    let pol = pim_policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine
        .run(
            &RunOptions {
                mode: RunMode::Apply,
                force: false,
                run_id: "r".into(),
                deadline: None,
            },
            &rolesync_core::events::ignore_events,
        )
        .await;
    assert_eq!(out.report.exit_code, 1);
    assert_eq!(out.report.summary.failed, 1);
    assert!(out.applied.iter().all(|a| a.change.action == Action::Renew));
    assert!(tgt.writes().iter().all(|c| c.action != Action::Revoke));
    assert_eq!(tgt.state().assignments.len(), 1);
}
