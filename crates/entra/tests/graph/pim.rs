//! PIM settings through the Graph client and the engine against the emulator: a strict tenant
//! gets compliant requests and the roles it cannot satisfy are reported with the setting; the
//! emulator's clock moved to 10 days before an end makes the next sync renew, past the end grant
//! again, never revoke; unreadable or unknown settings hold the role; no PIM licence holds the
//! eligible roles only.

use crate::common::*;
use crate::engine::Quiet;
use rolesync_core::engine::{Engine, RunOptions, RunOutput};
use rolesync_core::pim::HoldScope;
use rolesync_core::plan::Action;
use rolesync_core::report::{Outcome, RoleReport, RunMode};
use rolesync_core::traits::RoleTarget;
use rolesync_entra_emulator::{demo_tenant, EmulatorConfig, FixtureRolePolicy, TenantFixture};
use serde_json::{json, Value};
use std::time::Duration;

const SR: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
const GINA: &str = "eeeeeeee-0000-4000-8000-000000000006";
const DAY: u64 = 86_400;

/// The demo tenant with the strict settings: Security Reader eligibility must end within
/// 180 days and needs a ticket; every role needs MFA on active assignment. Gina is not eligible
/// yet, so the first sync grants her.
fn strict_demo() -> TenantFixture {
    let mut t = demo_tenant();
    t.role_eligibilities.retain(|e| e.principal_id != GINA);
    t.role_policies = vec![
        FixtureRolePolicy {
            role_definition_id: "*".into(),
            rules: vec![
                json!({"id": "Enablement_Admin_Assignment", "enabledRules": ["Justification", "MultiFactorAuthentication"]}),
            ],
        },
        FixtureRolePolicy {
            role_definition_id: SR.into(),
            rules: vec![
                json!({"id": "Expiration_Admin_Eligibility", "isExpirationRequired": true, "maximumDuration": "P180D"}),
                json!({"id": "Enablement_Admin_Eligibility", "enabledRules": ["Justification", "Ticketing"]}),
            ],
        },
    ];
    t
}

fn emulator(t: TenantFixture) -> EmulatorConfig {
    EmulatorConfig {
        tenant: t,
        ..config(false)
    }
}

async fn sync(target: &dyn RoleTarget, run_id: &str) -> RunOutput {
    let source = rolesync_demo::directory();
    let policy = rolesync_demo::policy();
    let engine = Engine {
        source: &source,
        target,
        policy: &policy,
        transitive: true,
        journal: None,
    };
    let opts = RunOptions {
        mode: RunMode::Apply,
        force: false,
        run_id: run_id.into(),
        deadline: None,
    };
    engine.run(&opts, &Quiet).await
}

fn role<'a>(out: &'a RunOutput, name: &str) -> &'a RoleReport {
    out.report
        .roles
        .iter()
        .find(|r| r.role == name)
        .unwrap_or_else(|| panic!("no role {name}"))
}

fn users(items: &[rolesync_core::report::ItemReport]) -> Vec<&str> {
    items.iter().map(|i| i.user.as_str()).collect()
}

/// An app-only token of the demo app, straight from the emulator's token endpoint.
async fn app_token(emu: &rolesync_entra_emulator::RunningEmulator) -> String {
    let v: Value = reqwest::Client::new()
        .post(emu.token_endpoint())
        .form(&[
            ("client_id", APP_ID),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

/// Gina's Security Reader eligibility instance, read straight from the emulator.
async fn gina_instance(emu: &rolesync_entra_emulator::RunningEmulator) -> Option<Value> {
    let t = app_token(emu).await;
    let url = format!(
        "{}/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '{GINA}' and roleDefinitionId eq '{SR}'",
        emu.graph_base_url()
    );
    let v: Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["value"].as_array().unwrap().first().cloned()
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn a_strict_tenant_gets_compliant_requests_and_the_roles_it_cannot_satisfy_named() {
    let emu = start(emulator(strict_demo())).await;
    let graph = app_target(&emu, &options(&emu));
    let out = sync(&graph, "run-strict-1").await;
    assert_eq!(
        out.report.outcome,
        Outcome::AppliedWithFailures,
        "{:?}",
        out.report
    );
    assert_eq!(out.report.exit_code, 1);

    // Security Reader: gina made eligible for 180 days with a ticket; ivan's stale one removed.
    let sr = role(&out, "Security Reader");
    assert_eq!(users(&sr.grants), ["gina@contoso.com"]);
    assert!(sr.grants[0].outcome.as_ref().unwrap().succeeded(), "{sr:?}");
    assert_eq!(users(&sr.revokes), ["ivan@contoso.com"]);
    let pim = sr.pim.as_ref().unwrap();
    assert!(pim.hold.is_none());
    assert!(pim
        .rules
        .iter()
        .any(|r| r.setting == "Expire eligible assignments after" && r.ok));
    let i = gina_instance(&emu).await.expect("gina is eligible");
    assert_eq!(
        time(&i["endDateTime"]) - time(&i["startDateTime"]),
        chrono::Duration::days(180)
    );
    let t = app_token(&emu).await;
    let reqs: Value = reqwest::Client::new()
        .get(format!("{}/roleManagement/directory/roleEligibilityScheduleRequests?$filter=principalId eq '{GINA}'", emu.graph_base_url()))
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = &reqs["value"][0];
    assert_eq!(r["action"], "adminAssign");
    assert_eq!(
        r["ticketInfo"],
        json!({"ticketNumber": "run-strict-1", "ticketSystem": "RoleSync"})
    );
    assert_eq!(r["scheduleInfo"]["expiration"]["duration"], "P180D");
    assert!(r["justification"].as_str().unwrap().starts_with(
        "RoleSync run run-strict-1: gina@contoso.com is a member of the AD group Security Reader"
    ));

    // Exchange Administrator (active): MFA on active assignment cannot be met by the app — bob's
    // grant is held and named; dave's revoke still goes.
    let ex = role(&out, "Exchange Administrator");
    assert!(ex.grants.is_empty());
    assert!(ex
        .held
        .iter()
        .any(|h| h.user == "bob@contoso.com" && h.action == Action::Grant));
    let hold = ex.pim.as_ref().unwrap().hold.as_ref().unwrap();
    assert_eq!(hold.scope, HoldScope::GrantsAndRenewals);
    assert!(
        hold.message
            .contains("\"Require Azure Multi-Factor Authentication on active assignment\""),
        "{}",
        hold.message
    );
    assert!(
        hold.fix
            .contains("Exchange Administrator → Role settings → Edit"),
        "{}",
        hold.fix
    );
    assert_eq!(users(&ex.revokes), ["dave@contoso.com"]);
    assert!(ex.revokes[0].outcome.as_ref().unwrap().succeeded());
    assert!(out.report.summary.held >= 1);
    assert!(
        out.report.headline().contains("held back by PIM settings"),
        "{}",
        out.report.headline()
    );

    // The pre-flight names the same setting.
    let source = rolesync_demo::directory();
    let policy = rolesync_demo::policy();
    let engine = Engine {
        source: &source,
        target: &graph,
        policy: &policy,
        transitive: true,
        journal: None,
    };
    let (lines, _) = engine.check(&Quiet).await;
    let bad = lines
        .iter()
        .find(|l| !l.ok && l.title.contains("Exchange Administrator") && l.title.contains("PIM"))
        .expect("a ✗ line for Exchange Administrator");
    assert!(bad
        .detail
        .as_deref()
        .unwrap()
        .contains("Require Azure Multi-Factor Authentication on active assignment"));
    assert!(lines
        .iter()
        .any(|l| l.ok && l.title.contains("Security Reader") && l.title.contains("PIM")));
}

#[tokio::test]
async fn ten_days_before_the_end_the_sync_renews_and_after_it_grants_again() {
    let emu = start(emulator(strict_demo())).await;
    let graph = app_target(&emu, &options(&emu));
    let first = sync(&graph, "run-1").await;
    assert_eq!(
        users(&role(&first, "Security Reader").grants),
        ["gina@contoso.com"]
    );
    let end1 = time(&gina_instance(&emu).await.unwrap()["endDateTime"]);

    // 170 days on: 10 days left — the next sync renews gina (adminExtend), revokes nobody.
    emu.advance_clock(Duration::from_secs(170 * DAY));
    let second = sync(&graph, "run-2").await;
    let sr = role(&second, "Security Reader");
    assert_eq!(users(&sr.renewals), ["gina@contoso.com"], "{sr:?}");
    assert!(
        sr.renewals[0].outcome.as_ref().unwrap().succeeded(),
        "{sr:?}"
    );
    assert!(sr.grants.is_empty() && sr.revokes.is_empty(), "{sr:?}");
    assert_eq!(second.report.summary.renewed, 1);
    let renew = second
        .plan
        .as_ref()
        .unwrap()
        .roles
        .iter()
        .find(|r| r.role_name == "Security Reader")
        .unwrap()
        .renewals[0]
        .clone();
    assert_eq!(
        renew.reason,
        rolesync_core::plan::ChangeReason::EndsSoon { ends: end1 }
    );
    let end2 = time(&gina_instance(&emu).await.unwrap()["endDateTime"]);
    assert!(
        end2 - end1 >= chrono::Duration::days(169),
        "{end1} → {end2}"
    );
    // Another sync right after: nothing to renew.
    let again = sync(&graph, "run-2b").await;
    assert!(role(&again, "Security Reader").renewals.is_empty());

    // Past the new end: gina's eligibility has lapsed; she is granted again, not revoked.
    emu.advance_clock(Duration::from_secs(181 * DAY));
    assert!(gina_instance(&emu).await.is_none(), "ended");
    let third = sync(&graph, "run-3").await;
    let sr = role(&third, "Security Reader");
    assert_eq!(users(&sr.grants), ["gina@contoso.com"]);
    assert!(sr.revokes.is_empty());
    assert!(gina_instance(&emu).await.is_some());
    for out in [&first, &second, &third] {
        assert!(!users(&role(out, "Security Reader").revokes).contains(&"gina@contoso.com"));
    }
}

#[tokio::test]
async fn a_policy_the_app_may_not_read_holds_the_role_and_names_the_permission() {
    let mut t = demo_tenant();
    let app = t
        .applications
        .iter_mut()
        .find(|a| a.app_id == APP_ID)
        .unwrap();
    // Least privilege without role-management permissions: no policy read.
    app.application_permissions = vec![
        "Directory.Read.All".into(),
        "User.Read.All".into(),
        "RoleEligibilitySchedule.ReadWrite.Directory".into(),
        "RoleAssignmentSchedule.ReadWrite.Directory".into(),
    ];
    let emu = start(emulator(t)).await;
    let graph = app_target(&emu, &options(&emu));
    let before = emu.stats().writes;
    let out = sync(&graph, "run-perm").await;
    assert_eq!(out.report.exit_code, 1, "{:?}", out.report);
    let sr = role(&out, "Security Reader");
    let hold = sr.pim.as_ref().unwrap().hold.as_ref().unwrap();
    assert_eq!(hold.scope, HoldScope::Everything);
    assert!(
        hold.fix.contains("RoleManagementPolicy.Read.Directory"),
        "{}",
        hold.fix
    );
    assert!(hold.message.contains("403"), "{}", hold.message);
    assert!(sr.grants.is_empty() && sr.revokes.is_empty());
    assert!(sr
        .held
        .iter()
        .any(|h| h.user == "ivan@contoso.com" && h.action == Action::Revoke));
    assert_eq!(emu.stats().writes, before, "nothing is written");
}

#[tokio::test]
async fn settings_rolesync_does_not_understand_hold_that_role_and_the_others_go_on() {
    let mut t = demo_tenant();
    t.role_policies = vec![FixtureRolePolicy {
        role_definition_id: SR.into(),
        rules: vec![
            json!({"id": "Expiration_Admin_Eligibility", "isExpirationRequired": true, "maximumDuration": "P1Y"}),
        ],
    }];
    let emu = start(emulator(t)).await;
    let graph = app_target(&emu, &options(&emu));
    let out = sync(&graph, "run-p1y").await;
    assert_eq!(out.report.exit_code, 1);
    let sr = role(&out, "Security Reader");
    let hold = sr.pim.as_ref().unwrap().hold.as_ref().unwrap();
    assert!(hold.message.contains("\"P1Y\""), "{}", hold.message);
    assert_eq!(users(&sr.revokes), Vec::<&str>::new());
    assert!(
        emu.snapshot()
            .role_eligibilities
            .iter()
            .any(|e| e.principal_id.ends_with("000000000008")),
        "ivan's stale eligibility stays"
    );
    // Exchange Administrator goes on: bob granted (through PIM, default settings).
    let ex = role(&out, "Exchange Administrator");
    assert!(users(&ex.grants).contains(&"bob@contoso.com"));
    assert!(
        ex.grants
            .iter()
            .all(|g| g.outcome.as_ref().unwrap().succeeded()),
        "{ex:?}"
    );
    assert!(ex.pim.as_ref().unwrap().hold.is_none());
}

#[tokio::test]
async fn without_pim_licence_eligible_roles_are_held_and_active_ones_sync() {
    let mut t = demo_tenant();
    t.without_pim_license = true;
    let emu = start(emulator(t)).await;
    let graph = app_target(&emu, &options(&emu));
    let out = sync(&graph, "run-nolicence").await;
    assert_eq!(out.report.exit_code, 1, "{:?}", out.report);
    let sr = role(&out, "Security Reader");
    let hold = sr.pim.as_ref().unwrap().hold.as_ref().unwrap();
    assert!(
        hold.message
            .starts_with("eligible assignments need Entra ID P2"),
        "{}",
        hold.message
    );
    let ex = role(&out, "Exchange Administrator");
    assert!(ex.pim.is_none(), "no PIM: direct assignments");
    assert!(users(&ex.grants).contains(&"bob@contoso.com"));
    assert!(
        ex.grants
            .iter()
            .all(|g| g.outcome.as_ref().unwrap().succeeded()),
        "{ex:?}"
    );
}

#[tokio::test]
async fn time_bound_active_assignments_are_granted_through_pim_and_renewed() {
    const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
    let mut t = demo_tenant();
    t.role_policies = vec![FixtureRolePolicy {
        role_definition_id: HELPDESK.into(),
        rules: vec![
            json!({"id": "Expiration_Admin_Assignment", "isExpirationRequired": true, "maximumDuration": "P30D"}),
        ],
    }];
    let emu = start(emulator(t)).await;
    let graph = app_target(&emu, &options(&emu));
    let first = sync(&graph, "run-a1").await;
    assert_eq!(first.report.exit_code, 0, "{:?}", first.report);
    let hd = role(&first, "Helpdesk Administrator");
    assert!(users(&hd.grants).contains(&"bob@contoso.com"));
    let active = |emu: &rolesync_entra_emulator::RunningEmulator| {
        emu.snapshot()
            .role_assignments
            .into_iter()
            .find(|a| a.role_definition_id == HELPDESK && a.principal_id.ends_with("000000000002"))
            .unwrap()
    };
    let a = active(&emu);
    let (start1, end1) = (a.start_date_time.unwrap(), a.end_date_time.unwrap());
    assert_eq!(end1 - start1, chrono::Duration::days(30));

    emu.advance_clock(Duration::from_secs(25 * DAY));
    let second = sync(&graph, "run-a2").await;
    assert_eq!(second.report.exit_code, 0, "{:?}", second.report);
    let hd = role(&second, "Helpdesk Administrator");
    assert!(users(&hd.renewals).contains(&"bob@contoso.com"), "{hd:?}");
    assert!(hd.revokes.is_empty() || !users(&hd.revokes).contains(&"bob@contoso.com"));
    let end2 = active(&emu).end_date_time.unwrap();
    assert!(end2 - end1 >= chrono::Duration::days(24), "{end1} → {end2}");
}
