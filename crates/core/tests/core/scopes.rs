//! Roles scoped to administrative units: the plan's unit is (role, scope); the same group may map
//! to a role at several scopes; a unit that does not exist gets nothing written while the other
//! mappings go on; a role Microsoft does not let be scoped stops the plan naming it; the engine
//! converges and a second run changes nothing.

use crate::fixture::*;
use rolesync_core::engine::{Engine, RunOptions};
use rolesync_core::events::ignore_events;
use rolesync_core::ids::{DirectoryScopeId, Dn};
use rolesync_core::memory::{MemorySource, MemoryTarget};
use rolesync_core::plan::{plan, StopKind};
use rolesync_core::policy::{ExplicitMapping, GroupRef, Policy, RoleRef, ScopeRef};
use rolesync_core::report::{Outcome, RunMode};
use rolesync_core::tenant::{AdministrativeUnit, AssignmentKind, RoleAssignment};

const EUROPE: &str = "a0000000-0000-4000-8000-0000000000e1";
const ASIA: &str = "a0000000-0000-4000-8000-0000000000a1";
const HELPDESK: &str = "Helpdesk Administrator";

fn units() -> Vec<AdministrativeUnit> {
    vec![
        AdministrativeUnit {
            id: EUROPE.into(),
            display_name: "Europe".into(),
        },
        AdministrativeUnit {
            id: ASIA.into(),
            display_name: "Asia".into(),
        },
    ]
}

fn mapping(group: &str, role: &str, scope: ScopeRef) -> ExplicitMapping {
    ExplicitMapping {
        group: GroupRef::Name(group.into()),
        role: Some(RoleRef::Name(role.into())),
        kind: AssignmentKind::Active,
        allow_empty: false,
        scope,
    }
}

fn au(name: &str) -> ScopeRef {
    ScopeRef::AdministrativeUnit(name.into())
}

fn at(mut a: RoleAssignment, unit: &str) -> RoleAssignment {
    a.directory_scope_id = DirectoryScopeId::administrative_unit(unit);
    a.id = format!("{}-{unit}", a.id);
    a
}

/// "Service Desk EU" holds Helpdesk Administrator tenant-wide and in Europe; "Service Desk Asia"
/// in Asia (by id).
fn policy_with_scopes() -> Policy {
    let mut p = policy();
    p.mapping.explicit = vec![
        mapping("Service Desk EU", HELPDESK, ScopeRef::Tenant),
        mapping("Service Desk EU", HELPDESK, au("europe")),
        mapping("Service Desk Asia", HELPDESK, au(ASIA)),
    ];
    p
}

#[test]
fn one_group_maps_to_a_role_at_several_scopes_each_planned_on_its_own() {
    let (alice, bob, carol) = (synced(1, "alice"), synced(2, "bob"), synced(3, "carol"));
    let d = snapshot(vec![
        group("Service Desk EU", vec![ad(1, "alice"), ad(2, "bob")]),
        group("Service Desk Asia", vec![ad(3, "carol")]),
    ]);
    let mut t = tenant(
        vec![alice.clone(), bob.clone(), carol.clone()],
        vec![
            // Alice holds it in Europe already; bob holds it in Asia, where he does not belong.
            at(active(HELPDESK, &alice), EUROPE),
            at(active(HELPDESK, &bob), ASIA),
        ],
    );
    t.administrative_units = units();
    let p = plan(&d, &t, &policy_with_scopes());
    assert!(p.stops.is_empty(), "{:?}", p.stops);
    let scopes: Vec<(String, Option<String>)> = p
        .roles
        .iter()
        .map(|r| (r.directory_scope_id.to_string(), r.scope_name.clone()))
        .collect();
    assert_eq!(
        scopes,
        [
            ("/".to_string(), None),
            (format!("/administrativeUnits/{ASIA}"), Some("Asia".into())),
            (
                format!("/administrativeUnits/{EUROPE}"),
                Some("Europe".into())
            ),
        ]
    );
    let users = |i: usize, which: &str| -> Vec<String> {
        let r = &p.roles[i];
        let list = match which {
            "grant" => &r.grants,
            _ => &r.revokes,
        };
        list.iter().map(|c| c.user.clone()).collect()
    };
    // Tenant-wide: both EU members are granted (alice's European assignment does not count).
    assert_eq!(users(0, "grant"), ["alice@contoso.com", "bob@contoso.com"]);
    assert!(users(0, "revoke").is_empty());
    // Asia: carol granted, bob revoked — with the assignment at Asia's scope.
    assert_eq!(users(1, "grant"), ["carol@contoso.com"]);
    assert_eq!(users(1, "revoke"), ["bob@contoso.com"]);
    assert_eq!(
        p.roles[1].revokes[0].assignment_id.as_deref(),
        Some(format!("{}-{ASIA}", active(HELPDESK, &bob).id).as_str())
    );
    // Europe: alice unchanged, bob granted there.
    assert_eq!(users(2, "grant"), ["bob@contoso.com"]);
    assert_eq!(p.roles[2].unchanged, ["alice@contoso.com"]);
    for r in &p.roles {
        for c in r.grants.iter().chain(&r.revokes) {
            assert_eq!(c.directory_scope_id, r.directory_scope_id);
        }
    }
    assert_eq!(
        p.roles[2].label(),
        "Helpdesk Administrator @ administrative unit Europe"
    );
}

#[test]
fn a_missing_unit_gets_nothing_written_and_the_rest_goes_on() {
    let alice = synced(1, "alice");
    let d = snapshot(vec![
        group("Service Desk EU", vec![ad(1, "alice")]),
        group("Service Desk Asia", vec![ad(1, "alice")]),
    ]);
    let mut t = tenant(vec![alice], vec![]);
    // The tenant has Asia only.
    t.administrative_units = units().into_iter().filter(|u| u.id == ASIA).collect();
    let p = plan(&d, &t, &policy_with_scopes());
    assert!(p.stops.is_empty(), "{:?}", p.stops);
    assert_eq!(p.skipped_mappings.len(), 1);
    let s = &p.skipped_mappings[0];
    assert_eq!(s.group, Dn::new(format!("CN=Service Desk EU,{OU}")));
    assert_eq!(s.role, HELPDESK);
    assert_eq!(s.scope, "administrative unit \"europe\"");
    assert!(s.reason.contains("no administrative unit"), "{}", s.reason);
    assert_eq!(p.summary.skipped_mappings, 1);
    // The tenant-wide mapping and Asia are planned.
    assert_eq!(p.roles.len(), 2);
    assert!(p
        .roles
        .iter()
        .all(|r| r.scope_name.as_deref() != Some("Europe")));
}

#[test]
fn a_role_that_cannot_be_scoped_stops_the_plan_naming_it() {
    let d = snapshot(vec![group("Mail Team EU", vec![ad(1, "alice")])]);
    let mut t = tenant(vec![synced(1, "alice")], vec![]);
    t.administrative_units = units();
    let mut pol = policy();
    pol.mapping.explicit = vec![mapping(
        "Mail Team EU",
        "Exchange Administrator",
        au("Europe"),
    )];
    let p = plan(&d, &t, &pol);
    assert_eq!(p.stops.len(), 1);
    assert_eq!(p.stops[0].kind, StopKind::MappingProblem);
    assert!(!p.stops[0].overridable);
    let m = &p.stops[0].message;
    assert!(
        m.contains("Microsoft does not let \"Exchange Administrator\" be assigned with administrative-unit scope"),
        "{m}"
    );
    assert!(m.contains("Helpdesk Administrator"), "{m}");
}

#[test]
fn a_display_name_two_units_share_must_be_given_as_an_id() {
    let d = snapshot(vec![group("Service Desk EU", vec![ad(1, "alice")])]);
    let mut t = tenant(vec![synced(1, "alice")], vec![]);
    t.administrative_units = vec![
        units()[0].clone(),
        AdministrativeUnit {
            id: "a0000000-0000-4000-8000-0000000000e2".into(),
            display_name: "Europe".into(),
        },
    ];
    let mut pol = policy();
    pol.mapping.explicit = vec![mapping("Service Desk EU", HELPDESK, au("Europe"))];
    let p = plan(&d, &t, &pol);
    assert_eq!(p.stops.len(), 1, "{:?}", p.stops);
    assert!(p.stops[0]
        .message
        .contains("2 administrative units have that name"));
    // By id it is unambiguous.
    pol.mapping.explicit = vec![mapping("Service Desk EU", HELPDESK, au(EUROPE))];
    let p = plan(&d, &t, &pol);
    assert!(p.stops.is_empty(), "{:?}", p.stops);
    assert_eq!(p.roles[0].scope_name.as_deref(), Some("Europe"));
}

#[tokio::test]
async fn a_scoped_sync_converges_and_a_second_run_changes_nothing() {
    let (alice, bob, carol) = (synced(1, "alice"), synced(2, "bob"), synced(3, "carol"));
    let src = MemorySource::new(snapshot(vec![
        group("Service Desk EU", vec![ad(1, "alice"), ad(2, "bob")]),
        group("Service Desk Asia", vec![ad(3, "carol")]),
    ]));
    let mut state = tenant_state(
        vec![alice.clone(), bob.clone(), carol],
        vec![at(active(HELPDESK, &bob), ASIA)],
    );
    state.administrative_units = units();
    let tgt = MemoryTarget::new(state);
    let pol = policy_with_scopes();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let opts = RunOptions {
        mode: RunMode::Apply,
        force: false,
        run_id: "scoped".into(),
        deadline: None,
    };
    let first = engine.run(&opts, &ignore_events).await;
    assert_eq!(first.report.outcome, Outcome::Applied, "{:?}", first.report);
    // alice + bob tenant-wide, alice + bob in Europe, carol in Asia; bob revoked in Asia.
    assert_eq!(first.report.summary.granted, 5);
    assert_eq!(first.report.summary.revoked, 1);
    let held: Vec<(String, String)> = tgt
        .state()
        .assignments
        .iter()
        .map(|a| (a.principal.display(), a.directory_scope_id.to_string()))
        .collect();
    assert!(held.contains(&(
        "carol@contoso.com".into(),
        format!("/administrativeUnits/{ASIA}")
    )));
    assert!(!held.contains(&(
        "bob@contoso.com".into(),
        format!("/administrativeUnits/{ASIA}")
    )));
    assert_eq!(held.len(), 5);
    let second = engine.run(&opts, &ignore_events).await;
    assert_eq!(second.report.outcome, Outcome::NoChanges);
    assert_eq!(tgt.writes().len(), 6);
}

#[tokio::test]
async fn a_sync_with_a_missing_unit_applies_the_rest_and_exits_1() {
    let alice = synced(1, "alice");
    let src = MemorySource::new(snapshot(vec![
        group("Service Desk EU", vec![ad(1, "alice")]),
        group("Service Desk Asia", vec![ad(1, "alice")]),
    ]));
    let mut state = tenant_state(vec![alice], vec![]);
    state.administrative_units = units().into_iter().filter(|u| u.id == ASIA).collect();
    let tgt = MemoryTarget::new(state);
    let pol = policy_with_scopes();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let opts = RunOptions {
        mode: RunMode::Apply,
        force: false,
        run_id: "missing".into(),
        deadline: None,
    };
    let out = engine.run(&opts, &ignore_events).await;
    assert_eq!(out.report.outcome, Outcome::AppliedWithFailures);
    assert_eq!(out.report.exit_code, 1);
    assert_eq!(out.report.skipped_mappings.len(), 1);
    // Tenant-wide and Asia were written; nothing at Europe.
    assert_eq!(tgt.writes().len(), 2);
    assert!(tgt
        .writes()
        .iter()
        .all(|c| c.directory_scope_id.administrative_unit_id() != Some(EUROPE)));
    let apply = out
        .report
        .steps
        .iter()
        .find(|s| s.step == rolesync_core::events::Step::Apply)
        .unwrap();
    assert!(
        apply.detail.contains("1 mapping(s) skipped"),
        "{}",
        apply.detail
    );
}
