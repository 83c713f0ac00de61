//! PIM schedule requests and instances.

use rolesync_entra_emulator::EmulatorConfig;
use serde_json::{json, Value};

use crate::support::*;

fn req(action: &str, principal: &str, role: &str) -> Value {
    json!({
        "action": action, "justification": "test", "roleDefinitionId": role, "directoryScopeId": "/", "principalId": principal,
        "scheduleInfo": {"startDateTime": "2025-01-01T00:00:00Z", "expiration": {"type": "noExpiration"}}
    })
}

const ELIG: &str = "/roleManagement/directory/roleEligibilityScheduleRequests";
const ASSIGN: &str = "/roleManagement/directory/roleAssignmentScheduleRequests";

#[tokio::test]
async fn demo_tenant_instances_show_eligible_and_activated() {
    let emu = start(EmulatorConfig::default()).await;
    let t = app_token_for(
        &emu,
        "11111111-1111-4111-8111-111111111111",
        "demo-secret-not-for-production",
    )
    .await;
    let r = get(&emu, &t, &format!("/roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '{SEC_READER}'")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["value"].as_array().unwrap().len(),
        3,
        "gina, henry, ivan"
    );
    let r = get(&emu, &t, &format!("/roleManagement/directory/roleAssignmentScheduleInstances?$filter=roleDefinitionId eq '{SEC_READER}'&$expand=principal")).await;
    let v = r.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["assignmentType"], "Activated");
    assert_eq!(v[0]["principal"]["userPrincipalName"], "henry@contoso.com");
    let r = get(&emu, &t, &format!("/roleManagement/directory/roleAssignmentScheduleInstances?$filter=roleDefinitionId eq '{GA}'")).await;
    let v = r.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 3);
    assert!(v.iter().all(|i| i["assignmentType"] == "Assigned"));
    // The activation is an active assignment in the unified and legacy APIs too.
    let r = get(
        &emu,
        &t,
        &format!(
            "/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{SEC_READER}'"
        ),
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let r = get(
        &emu,
        &t,
        &format!("/directoryRoles(roleTemplateId='{SEC_READER}')/members"),
    )
    .await;
    assert_eq!(r.body["value"][0]["userPrincipalName"], "henry@contoso.com");
}

#[tokio::test]
async fn eligibility_requests_assign_and_remove() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = graph(
        &emu,
        &t,
        "POST",
        ELIG,
        Some(req("adminAssign", &user_id(2), SEC_READER)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "Provisioned");
    assert_eq!(r.body["action"], "adminAssign");
    let r = graph(
        &emu,
        &t,
        "POST",
        ELIG,
        Some(req("adminAssign", &user_id(2), SEC_READER)),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "RoleAssignmentExists");
    assert_eq!(r.error_message(), "The Role assignment already exists.");
    let r = get(&emu, &t, &format!("/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '{}'", user_id(2))).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let r = graph(
        &emu,
        &t,
        "POST",
        ELIG,
        Some(req("adminRemove", &user_id(2), SEC_READER)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "Revoked");
    let r = graph(
        &emu,
        &t,
        "POST",
        ELIG,
        Some(req("adminRemove", &user_id(2), SEC_READER)),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "RoleAssignmentDoesNotExist");
    let r = graph(
        &emu,
        &t,
        "POST",
        ELIG,
        Some(req("bogusAction", &user_id(2), SEC_READER)),
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn assignment_requests_and_self_activation() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(req("adminAssign", &user_id(2), HELPDESK)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "Provisioned");
    let r = get(
        &emu,
        &t,
        &format!(
            "/roleManagement/directory/roleAssignments?$filter=principalId eq '{}'",
            user_id(2)
        ),
    )
    .await;
    assert_eq!(r.body["value"][0]["roleDefinitionId"], HELPDESK);
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(req("adminAssign", &user_id(2), HELPDESK)),
    )
    .await;
    assert_eq!(r.error_code(), "RoleAssignmentExists");
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(req("adminRemove", &user_id(2), HELPDESK)),
    )
    .await;
    assert_eq!(r.body["status"], "Revoked");
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(req("adminRemove", &user_id(2), HELPDESK)),
    )
    .await;
    assert_eq!(r.status, 400);

    // The eligible user activates with a delegated token; an app cannot self-activate.
    let r = graph(
        &emu,
        &t,
        "POST",
        ASSIGN,
        Some(req("selfActivate", &user_id(3), SEC_READER)),
    )
    .await;
    assert_eq!(r.status, 400);
    let ut = user_token(&emu, "eligible@fabrikam.test", "Elig-Pass1").await;
    let mut body = req("selfActivate", &user_id(3), SEC_READER);
    body["scheduleInfo"]["expiration"] = json!({"type": "afterDuration", "duration": "PT2H"});
    let r = graph(&emu, &ut, "POST", ASSIGN, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // `afterDuration` is answered as given.
    assert_eq!(
        r.body["scheduleInfo"]["expiration"],
        json!({"type": "afterDuration", "endDateTime": null, "duration": "PT2H"})
    );
    let r = get(
        &emu,
        &t,
        &format!(
            "/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '{}'",
            user_id(3)
        ),
    )
    .await;
    let v = &r.body["value"][0];
    assert_eq!(v["assignmentType"], "Activated");
    assert!(v["endDateTime"].is_string());
    // A user without an eligibility cannot activate.
    let pt = user_token(&emu, "plain@fabrikam.test", "Plain-Pass1").await;
    let r = graph(
        &emu,
        &pt,
        "POST",
        ASSIGN,
        Some(req("selfActivate", &user_id(2), SEC_READER)),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = graph(
        &emu,
        &ut,
        "POST",
        ASSIGN,
        Some(req("selfDeactivate", &user_id(3), SEC_READER)),
    )
    .await;
    assert_eq!(r.body["status"], "Revoked", "{}", r.body);
    let snap = emu.snapshot();
    assert!(snap.role_activations.is_empty());
    assert_eq!(snap.role_eligibilities.len(), 1);
}
