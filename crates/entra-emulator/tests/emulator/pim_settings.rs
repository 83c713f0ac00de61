//! PIM role settings (policies and their rules), schedule requests checked against them,
//! schedules in time (future start, end, expiry, extend, renew), `isValidationOnly`, and a
//! tenant without PIM licence.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rolesync_entra_emulator::{EmulatorConfig, FixtureRolePolicy, TenantFixture};
use serde_json::{json, Value};

use crate::support::*;

const ELIG: &str = "/roleManagement/directory/roleEligibilityScheduleRequests";
const ASSIGN: &str = "/roleManagement/directory/roleAssignmentScheduleRequests";
const DAY: u64 = 24 * 3600;

fn policy_query(role: &str) -> String {
    format!("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{role}'&$expand=policy($expand=rules)")
}

fn rule<'a>(rules: &'a Value, id: &str) -> &'a Value {
    rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

/// The sample tenant with the issue's strict settings on Security Reader: eligibility must end
/// within 180 days and needs a ticket; active assignment needs MFA.
fn strict_tenant() -> TenantFixture {
    let mut t = sample_tenant();
    t.role_policies = vec![FixtureRolePolicy {
        role_definition_id: SEC_READER.into(),
        rules: vec![
            json!({"id": "Expiration_Admin_Eligibility", "isExpirationRequired": true, "maximumDuration": "P180D"}),
            json!({"id": "Enablement_Admin_Eligibility", "enabledRules": ["Justification", "Ticketing"]}),
            json!({"id": "Enablement_Admin_Assignment", "enabledRules": ["Justification", "MultiFactorAuthentication"]}),
        ],
    }];
    t
}

async fn start_with(t: TenantFixture) -> rolesync_entra_emulator::RunningEmulator {
    start(EmulatorConfig {
        tenant: t,
        ..sample_config()
    })
    .await
}

fn request(action: &str, principal: &str, role: &str, expiration: Value) -> Value {
    json!({
        "action": action, "justification": "RoleSync test", "roleDefinitionId": role,
        "directoryScopeId": "/", "principalId": principal,
        "scheduleInfo": {"startDateTime": "2024-01-01T00:00:00Z", "expiration": expiration},
    })
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn instances(
    emu: &rolesync_entra_emulator::RunningEmulator,
    t: &str,
    what: &str,
    principal: &str,
) -> Vec<Value> {
    let r = get(
        emu,
        t,
        &format!("/roleManagement/directory/{what}?$filter=principalId eq '{principal}'"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["value"].as_array().unwrap().clone()
}

#[tokio::test]
async fn every_role_has_microsofts_default_settings() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, &policy_query(GA)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#policies/roleManagementPolicyAssignments(policy(rules()))"));
    let v = r.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 1);
    let a = &v[0];
    assert_eq!(a["roleDefinitionId"], GA);
    assert_eq!(a["scopeType"], "DirectoryRole");
    let pid = a["policyId"].as_str().unwrap();
    assert!(
        pid.starts_with(&format!("DirectoryRole_{}_", emu.tenant_id())),
        "{pid}"
    );
    assert_eq!(a["id"], format!("{pid}_{GA}"));
    let rules = &a["policy"]["rules"];
    assert_eq!(rules.as_array().unwrap().len(), 17);
    let e = rule(rules, "Expiration_Admin_Eligibility");
    assert_eq!(
        e["@odata.type"],
        "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    );
    assert_eq!(e["isExpirationRequired"], false);
    assert_eq!(e["maximumDuration"], "P365D");
    assert_eq!(
        rule(rules, "Expiration_Admin_Assignment")["maximumDuration"],
        "P180D"
    );
    assert_eq!(
        rule(rules, "Enablement_Admin_Assignment")["enabledRules"],
        json!(["Justification"])
    );
    assert_eq!(
        rule(rules, "Enablement_Admin_Eligibility")["enabledRules"],
        json!([])
    );
    assert_eq!(
        rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"],
        "PT8H"
    );

    // Without a role filter: every role; the filter on scope is required.
    let r = get(&emu, &t, "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'Directory'").await;
    assert_eq!(r.status, 200);
    let v = r.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 100, "a page of 100");
    assert!(r.body["@odata.nextLink"].is_string());
    assert!(v
        .iter()
        .all(|a| a["policy"].is_null() && a["scopeType"] == "Directory"));
    let r = get(&emu, &t, "/policies/roleManagementPolicyAssignments").await;
    assert_eq!(r.status, 400);
    let r = get(
        &emu,
        &t,
        "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/'",
    )
    .await;
    assert_eq!(r.status, 400);
    let r = get(&emu, &t, &format!("{}&$expand=nothing", policy_query(GA))).await;
    assert_eq!(r.status, 400);

    // The policy by id, its rules, one rule; the assignment by id.
    let r = get(
        &emu,
        &t,
        &format!("/policies/roleManagementPolicies/{pid}?$expand=rules"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["rules"].as_array().unwrap().len(), 17);
    let r = get(
        &emu,
        &t,
        &format!("/policies/roleManagementPolicies/{pid}/rules/Expiration_Admin_Assignment"),
    )
    .await;
    assert_eq!(r.body["isExpirationRequired"], false);
    let r = get(
        &emu,
        &t,
        &format!("/policies/roleManagementPolicyAssignments/{pid}_{GA}?$expand=policy"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["policy"]["id"], pid);
    assert!(r.body["policy"]["rules"].is_null());
    let r = get(
        &emu,
        &t,
        "/policies/roleManagementPolicies/DirectoryRole_nope",
    )
    .await;
    assert_eq!(r.status, 404);
    let r = get(&emu, &t, "/policies/roleManagementPolicies?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=rules").await;
    assert_eq!(r.status, 200);
    assert!(r.body["value"][0]["rules"].is_array());

    // Reading settings needs one of the documented permissions.
    let reader = app_token_for(&emu, READER_APP, "reader-secret").await;
    let r = get(&emu, &reader, &policy_query(GA)).await;
    assert_eq!(r.status, 403, "{}", r.body);
}

#[tokio::test]
async fn requests_that_break_the_settings_fail_with_the_rules_named() {
    let emu = start_with(strict_tenant()).await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, &policy_query(SEC_READER)).await;
    let rules = &r.body["value"][0]["policy"]["rules"];
    assert_eq!(
        rule(rules, "Expiration_Admin_Eligibility")["isExpirationRequired"],
        true
    );
    assert_eq!(
        rule(rules, "Expiration_Admin_Eligibility")["maximumDuration"],
        "P180D"
    );
    // Other roles keep the defaults.
    let r = get(&emu, &t, &policy_query(GA)).await;
    assert_eq!(
        rule(
            &r.body["value"][0]["policy"]["rules"],
            "Expiration_Admin_Eligibility"
        )["isExpirationRequired"],
        false
    );

    let u = user_id(2);
    let fail = |r: &Resp, rules: &str| {
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(
            r.error_code(),
            "RoleAssignmentRequestPolicyValidationFailed"
        );
        assert_eq!(
            r.error_message(),
            format!("The following policy rules failed: [{rules}]")
        );
    };
    // Permanent, no ticket.
    let r = graph(
        &emu,
        &t,
        "POST",
        ELIG,
        Some(request(
            "adminAssign",
            &u,
            SEC_READER,
            json!({"type": "noExpiration"}),
        )),
    )
    .await;
    fail(&r, r#""ExpirationRule","TicketingRule""#);
    // Too long.
    let mut body = request(
        "adminAssign",
        &u,
        SEC_READER,
        json!({"type": "afterDuration", "duration": "P181D"}),
    );
    body["ticketInfo"] = json!({"ticketNumber": "run-1", "ticketSystem": "RoleSync"});
    let r = graph(&emu, &t, "POST", ELIG, Some(body.clone())).await;
    fail(&r, r#""ExpirationRule""#);
    // No justification.
    body["scheduleInfo"]["expiration"]["duration"] = json!("P180D");
    body["justification"] = json!("  ");
    let r = graph(&emu, &t, "POST", ELIG, Some(body.clone())).await;
    fail(&r, r#""JustificationRule""#);
    assert!(instances(&emu, &t, "roleEligibilityScheduleInstances", &u)
        .await
        .is_empty());

    // Compliant: accepted; the expiration is answered as given, the instance ends 180 days on.
    body["justification"] = json!("RoleSync run 1: member of the AD group");
    let r = graph(&emu, &t, "POST", ELIG, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["scheduleInfo"]["expiration"],
        json!({"type": "afterDuration", "endDateTime": null, "duration": "P180D"})
    );
    assert_eq!(
        r.body["ticketInfo"],
        json!({"ticketNumber": "run-1", "ticketSystem": "RoleSync"})
    );
    let start = time(&r.body["scheduleInfo"]["startDateTime"]);
    let i = instances(&emu, &t, "roleEligibilityScheduleInstances", &u).await;
    assert_eq!(i.len(), 1);
    assert_eq!(
        time(&i[0]["endDateTime"]) - start,
        chrono::Duration::days(180)
    );
    let s = instances(&emu, &t, "roleEligibilitySchedules", &u).await;
    assert_eq!(s[0]["scheduleInfo"]["expiration"]["duration"], "P180D");

    // Active assignment needs MFA: an app never has it; a user who signed in with MFA does.
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(request(
            "adminAssign",
            &u,
            SEC_READER,
            json!({"type": "noExpiration"}),
        )),
    )
    .await;
    fail(&r, r#""MfaRule""#);
    let admin = user_token(&emu, "admin@fabrikam.test", "Admin-Pass1").await;
    let r = graph(
        &emu,
        &admin,
        "POST",
        ASSIGN,
        Some(request(
            "adminAssign",
            &u,
            SEC_READER,
            json!({"type": "noExpiration"}),
        )),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Removing is not an assignment: no rules apply.
    let r = graph(&emu, &t, "POST", ASSIGN, Some(json!({"action": "adminRemove", "principalId": u, "roleDefinitionId": SEC_READER, "directoryScopeId": "/"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "Revoked");
}

#[tokio::test]
async fn default_settings_ask_justification_on_active_assignment_only() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let mut body = request(
        "adminAssign",
        &user_id(2),
        HELPDESK,
        json!({"type": "noExpiration"}),
    );
    body.as_object_mut().unwrap().remove("justification");
    let r = graph(&emu, &t, "POST", ASSIGN, Some(body.clone())).await;
    assert_eq!(
        r.error_code(),
        "RoleAssignmentRequestPolicyValidationFailed"
    );
    assert_eq!(
        r.error_message(),
        r#"The following policy rules failed: ["JustificationRule"]"#
    );
    let r = graph(&emu, &t, "POST", ELIG, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["scheduleInfo"]["expiration"]["type"], "noExpiration");
}

#[tokio::test]
async fn schedules_start_end_extend_and_renew_with_the_clock() {
    let emu = start_sample().await;
    let mut t = app_token(&emu).await;
    let u = user_id(2);
    let now = Utc::now();
    let date = |r: &Resp| {
        DateTime::parse_from_rfc2822(&r.header("date").unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };

    // A start five days ahead: provisioned, listed as a schedule, not active yet.
    let later = (now + chrono::Duration::days(5))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut body = request(
        "adminAssign",
        &u,
        SEC_READER,
        json!({"type": "afterDuration", "duration": "P30D"}),
    );
    body["scheduleInfo"]["startDateTime"] = json!(later);
    let r = graph(&emu, &t, "POST", ELIG, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "ScheduleCreated");
    assert_eq!(r.body["scheduleInfo"]["startDateTime"], later);
    assert!(instances(&emu, &t, "roleEligibilityScheduleInstances", &u)
        .await
        .is_empty());
    assert_eq!(
        instances(&emu, &t, "roleEligibilitySchedules", &u)
            .await
            .len(),
        1
    );
    // The same again is a duplicate even before it starts.
    let again = request(
        "adminAssign",
        &u,
        SEC_READER,
        json!({"type": "noExpiration"}),
    );
    assert_eq!(
        graph(&emu, &t, "POST", ELIG, Some(again.clone()))
            .await
            .error_code(),
        "RoleAssignmentExists"
    );

    emu.advance_clock(Duration::from_secs(6 * DAY));
    // Access tokens expire with the clock too.
    t = app_token(&emu).await;
    let r = get(
        &emu,
        &t,
        "/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq 'x'",
    )
    .await;
    assert!(
        date(&r) - now > chrono::Duration::days(6) - chrono::Duration::minutes(1),
        "the Date header follows the clock: {:?}",
        r.header("date")
    );
    let i = instances(&emu, &t, "roleEligibilityScheduleInstances", &u).await;
    assert_eq!(i.len(), 1, "active once its start has come");
    let end = time(&i[0]["endDateTime"]);
    assert_eq!(
        end - time(&i[0]["startDateTime"]),
        chrono::Duration::days(30)
    );

    // adminExtend of an eligibility in force: a new schedule from now.
    let ext = request(
        "adminExtend",
        &u,
        SEC_READER,
        json!({"type": "afterDuration", "duration": "P60D"}),
    );
    let r = graph(&emu, &t, "POST", ELIG, Some(ext)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["action"], "adminExtend");
    let i = instances(&emu, &t, "roleEligibilityScheduleInstances", &u).await;
    let end = time(&i[0]["endDateTime"]);
    assert!(end - date(&r) >= chrono::Duration::days(59), "{end}");

    // Past the end: no longer active; renewable, not extendable.
    emu.advance_clock(Duration::from_secs(61 * DAY));
    // Access tokens expire with the clock too.
    t = app_token(&emu).await;
    assert!(instances(&emu, &t, "roleEligibilityScheduleInstances", &u)
        .await
        .is_empty());
    assert!(instances(&emu, &t, "roleEligibilitySchedules", &u)
        .await
        .is_empty());
    let ext = request(
        "adminExtend",
        &u,
        SEC_READER,
        json!({"type": "afterDuration", "duration": "P60D"}),
    );
    assert_eq!(
        graph(&emu, &t, "POST", ELIG, Some(ext)).await.error_code(),
        "RoleAssignmentDoesNotExist"
    );
    let renew = request(
        "adminRenew",
        &u,
        SEC_READER,
        json!({"type": "afterDuration", "duration": "P90D"}),
    );
    let r = graph(&emu, &t, "POST", ELIG, Some(renew.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        instances(&emu, &t, "roleEligibilityScheduleInstances", &u)
            .await
            .len(),
        1
    );
    // Renewing what is in force: it exists.
    assert_eq!(
        graph(&emu, &t, "POST", ELIG, Some(renew))
            .await
            .error_code(),
        "RoleAssignmentExists"
    );

    // An active time-bound assignment leaves the unified RBAC list at its end too.
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(request(
            "adminAssign",
            &u,
            HELPDESK,
            json!({"type": "afterDuration", "duration": "P2D"}),
        )),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let direct = format!("/roleManagement/directory/roleAssignments?$filter=principalId eq '{u}'");
    assert_eq!(
        get(&emu, &t, &direct).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    emu.advance_clock(Duration::from_secs(3 * DAY));
    // Access tokens expire with the clock too.
    t = app_token(&emu).await;
    assert!(get(&emu, &t, &direct).await.body["value"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(instances(&emu, &t, "roleAssignmentScheduleInstances", &u)
        .await
        .is_empty());
    // Forty days later it can no longer be renewed; assigning again works.
    emu.advance_clock(Duration::from_secs(40 * DAY));
    // Access tokens expire with the clock too.
    t = app_token(&emu).await;
    let renew = request("adminRenew", &u, HELPDESK, json!({"type": "noExpiration"}));
    assert_eq!(
        graph(&emu, &t, "POST", ASSIGN, Some(renew))
            .await
            .error_code(),
        "RoleAssignmentDoesNotExist"
    );
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(request(
            "adminAssign",
            &u,
            HELPDESK,
            json!({"type": "noExpiration"}),
        )),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // An end before the start is refused.
    let bad = request(
        "adminAssign",
        &user_id(1),
        SEC_READER,
        json!({"type": "afterDateTime", "endDateTime": "2024-01-02T00:00:00Z"}),
    );
    assert_eq!(graph(&emu, &t, "POST", ELIG, Some(bad)).await.status, 400);
}

#[tokio::test]
async fn validation_only_requests_check_everything_and_change_nothing() {
    let emu = start_with(strict_tenant()).await;
    let t = app_token(&emu).await;
    let u = user_id(2);
    let mut body = request(
        "adminAssign",
        &u,
        SEC_READER,
        json!({"type": "noExpiration"}),
    );
    body["isValidationOnly"] = json!(true);
    let r = graph(&emu, &t, "POST", ELIG, Some(body.clone())).await;
    assert_eq!(
        r.error_code(),
        "RoleAssignmentRequestPolicyValidationFailed"
    );
    body["scheduleInfo"]["expiration"] = json!({"type": "afterDuration", "duration": "P90D"});
    body["ticketInfo"] = json!({"ticketNumber": "42", "ticketSystem": "RoleSync"});
    let r = graph(&emu, &t, "POST", ELIG, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["isValidationOnly"], true);
    assert!(instances(&emu, &t, "roleEligibilityScheduleInstances", &u)
        .await
        .is_empty());
    assert!(instances(&emu, &t, "roleEligibilityScheduleRequests", &u)
        .await
        .is_empty());
}

#[tokio::test]
async fn a_tenant_without_pim_licence_answers_pim_with_the_licence_error() {
    let mut tenant = sample_tenant();
    tenant.without_pim_license = true;
    let emu = start_with(tenant).await;
    let t = app_token(&emu).await;
    let licence = |r: &Resp| {
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.error_code(), "AadPremiumLicenseRequired");
        assert_eq!(
            r.error_message(),
            "The tenant needs an AAD Premium 2 license."
        );
    };
    licence(&get(&emu, &t, &policy_query(GA)).await);
    licence(&get(&emu, &t, "/roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq 'x'").await);
    licence(
        &get(
            &emu,
            &t,
            "/roleManagement/directory/roleAssignmentSchedules",
        )
        .await,
    );
    licence(
        &graph(
            &emu,
            &t,
            "POST",
            ELIG,
            Some(request(
                "adminAssign",
                &user_id(2),
                SEC_READER,
                json!({"type": "noExpiration"}),
            )),
        )
        .await,
    );
    // Direct role assignments need no PIM.
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(json!({
            "roleDefinitionId": HELPDESK, "principalId": user_id(2), "directoryScopeId": "/"
        })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(emu.snapshot().without_pim_license);
}

#[tokio::test]
async fn fixture_overrides_are_checked_when_the_tenant_loads() {
    for rules in [
        json!([{"id": "Expiration_Admin_Nobody"}]),
        json!([{"id": "Expiration_Admin_Eligibility", "enabledRules": []}]),
        json!([{"isExpirationRequired": true}]),
    ] {
        let mut t = sample_tenant();
        t.role_policies = vec![FixtureRolePolicy {
            role_definition_id: "*".into(),
            rules: serde_json::from_value(rules).unwrap(),
        }];
        let e = rolesync_entra_emulator::RunningEmulator::start(EmulatorConfig {
            tenant: t,
            ..sample_config()
        })
        .await
        .unwrap_err();
        assert!(e.to_string().contains("rolePolicies"), "{e}");
    }
    let mut t = sample_tenant();
    t.role_policies = vec![FixtureRolePolicy {
        role_definition_id: "not-a-role".into(),
        rules: Vec::new(),
    }];
    assert!(
        rolesync_entra_emulator::RunningEmulator::start(EmulatorConfig {
            tenant: t,
            ..sample_config()
        })
        .await
        .is_err()
    );
}
