//! The directory audit log: role-assignment changes (direct, through PIM, "in the portal")
//! recorded with who made them, listed and read by id with Graph's filters, order and paging,
//! and the permissions "List directoryAudits" names (403 without them).

use rolesync_entra_emulator::EmulatorConfig;
use serde_json::{json, Value};

use crate::support::*;

const AUDITS: &str = "/auditLogs/directoryAudits";

/// The sample tenant; the sync app may read the audit log, the delegated client too.
async fn start_with_audit() -> rolesync_entra_emulator::RunningEmulator {
    let mut tenant = sample_tenant();
    for a in tenant.applications.iter_mut() {
        match a.app_id.as_str() {
            SYNC_APP => a
                .application_permissions
                .extend(["AuditLog.Read.All".into(), "Directory.Read.All".into()]),
            DESKTOP_APP => a
                .delegated_scopes
                .extend(["AuditLog.Read.All".into(), "Directory.Read.All".into()]),
            _ => {}
        }
    }
    start(EmulatorConfig {
        tenant,
        ..EmulatorConfig::default()
    })
    .await
}

fn activities(r: &Resp) -> Vec<String> {
    r.body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|a| a["activityDisplayName"].as_str().unwrap().to_owned())
        .collect()
}

async fn portal(emu: &rolesync_entra_emulator::RunningEmulator, body: Value) -> (u16, Value) {
    let r = client()
        .post(format!(
            "{}/_emulator/portal/roleAssignment",
            emu.login_base_url()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn role_changes_are_logged_with_their_actor_and_filtered_as_graph_does() {
    let emu = start_with_audit().await;
    let t = app_token(&emu).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);

    // The app adds and removes a direct assignment.
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(HELPDESK, &user_id(2))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = graph(
        &emu,
        &t,
        "DELETE",
        &format!("/roleManagement/directory/roleAssignments/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    // The app makes user 6 eligible through PIM, with RoleSync's ticket.
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleEligibilityScheduleRequests",
        Some(json!({
        "action": "adminAssign", "justification": "RoleSync run r1", "roleDefinitionId": SEC_READER,
        "directoryScopeId": "/", "principalId": user_id(6),
        "scheduleInfo": {"expiration": {"type": "noExpiration"}},
        "ticketInfo": {"ticketNumber": "r1", "ticketSystem": "RoleSync"}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // An administrator adds one in the portal.
    let (status, added) = portal(&emu, json!({"action": "add", "roleDefinitionId": GA, "principalId": user_id(2), "actor": "admin@fabrikam.test"})).await;
    assert_eq!(status, 200, "{added}");

    // Newest first, every record in the documented shape.
    let all = get(&emu, &t, AUDITS).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        activities(&all),
        [
            "Add member to role",
            "Add eligible member to role in PIM completed (permanent)",
            "Remove member from role",
            "Add member to role",
        ]
    );
    let portal_record = &all.body["value"][0];
    assert_eq!(portal_record["id"], added["auditId"]);
    assert_eq!(portal_record["category"], "RoleManagement");
    assert_eq!(portal_record["loggedByService"], "Core Directory");
    assert_eq!(portal_record["operationType"], "Assign");
    assert_eq!(portal_record["result"], "success");
    assert_eq!(
        portal_record["initiatedBy"]["user"]["userPrincipalName"],
        "admin@fabrikam.test"
    );
    assert_eq!(portal_record["initiatedBy"]["app"], Value::Null);
    assert_eq!(portal_record["targetResources"][0]["id"], user_id(2));
    assert_eq!(portal_record["targetResources"][0]["type"], "User");
    assert_eq!(portal_record["targetResources"][1]["type"], "Role");
    assert_eq!(
        portal_record["targetResources"][1]["displayName"],
        "Global Administrator"
    );
    let templ = portal_record["targetResources"][0]["modifiedProperties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["displayName"] == "Role.TemplateId")
        .unwrap();
    assert_eq!(templ["newValue"], format!("\"{GA}\""));
    let pim = &all.body["value"][1];
    assert_eq!(pim["loggedByService"], "PIM");
    assert_eq!(pim["initiatedBy"]["app"]["appId"], SYNC_APP);
    assert_eq!(pim["initiatedBy"]["user"], Value::Null);
    let details = pim["additionalDetails"].as_array().unwrap();
    assert!(
        details.contains(&json!({"key": "TicketSystem", "value": "RoleSync"})),
        "{pim}"
    );
    let time = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["activityDateTime"].as_str().unwrap()).unwrap()
    };
    assert!(time(pim) >= before);

    // Get by id; an unknown id is 404.
    let one = get(
        &emu,
        &t,
        &format!("{AUDITS}/{}", added["auditId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["activityDisplayName"], "Add member to role");
    let none = get(
        &emu,
        &t,
        &format!("{AUDITS}/00000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert_eq!(none.status, 404);
    assert_eq!(none.error_code(), "Request_ResourceNotFound");

    // Filters.
    let q = |f: &str| format!("{AUDITS}?$filter={}", urlencoding(f));
    let r = get(&emu, &t, &q("loggedByService eq 'PIM'")).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = get(
        &emu,
        &t,
        &q("initiatedBy/user/id eq '10000000-0000-4000-8000-000000000001'"),
    )
    .await;
    assert_eq!(activities(&r), ["Add member to role"]);
    let r = get(
        &emu,
        &t,
        &q(&format!(
            "initiatedBy/app/appId eq '{SYNC_APP}' and category eq 'RoleManagement'"
        )),
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 3);
    let r = get(
        &emu,
        &t,
        &q(&format!("targetResources/any(t: t/id eq '{}')", user_id(6))),
    )
    .await;
    assert_eq!(
        activities(&r),
        ["Add eligible member to role in PIM completed (permanent)"]
    );
    let r = get(
        &emu,
        &t,
        &q("activityDisplayName eq 'Remove member from role'"),
    )
    .await;
    assert_eq!(activities(&r), ["Remove member from role"]);
    let r = get(&emu, &t, &q("startswith(activityDisplayName, 'Add')")).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 3);
    let stamp = before.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let r = get(&emu, &t, &q(&format!("activityDateTime ge {stamp}"))).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 4, "{}", r.body);
    let r = get(&emu, &t, &q(&format!("activityDateTime le {stamp}"))).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 0, "{}", r.body);
    // A property Graph does not filter on: 400.
    let r = get(&emu, &t, &q("operationType eq 'Assign'")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "Request_UnsupportedQuery");

    // Oldest first with $orderby; pages of $top with next links.
    let r = get(
        &emu,
        &t,
        &format!("{AUDITS}?$orderby=activityDateTime asc&$top=3"),
    )
    .await;
    assert_eq!(activities(&r)[0], "Add member to role");
    assert_eq!(activities(&r)[1], "Remove member from role");
    let next = r.body["@odata.nextLink"].as_str().unwrap().to_owned();
    let r2 = get(&emu, &t, &next).await;
    assert_eq!(activities(&r2), ["Add member to role"]);
    assert!(r2.body.get("@odata.nextLink").is_none());

    // A delegated admin's change names the user.
    let ut = user_token(&emu, "admin@fabrikam.test", "Admin-Pass1").await;
    let r = graph(
        &emu,
        &ut,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(HELPDESK, &user_id(3))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = get(&emu, &ut, &format!("{AUDITS}?$top=1")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"][0]["initiatedBy"]["user"]["id"], user_id(1));
    emu.shutdown().await;
}

#[tokio::test]
async fn reading_the_audit_log_needs_audit_and_directory_read_and_the_hook_checks_its_input() {
    // The sample tenant's sync app has neither permission.
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, AUDITS).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.error_code(), "Authorization_RequestDenied");
    let r = get(&emu, &t, &format!("{AUDITS}/x")).await;
    assert_eq!(r.status, 403);
    emu.shutdown().await;

    // AuditLog.Read.All alone is not enough: the page asks for Directory.Read.All too.
    let mut tenant = sample_tenant();
    let app = tenant
        .applications
        .iter_mut()
        .find(|a| a.app_id == SYNC_APP)
        .unwrap();
    app.application_permissions.push("AuditLog.Read.All".into());
    let emu = start(EmulatorConfig {
        tenant,
        ..EmulatorConfig::default()
    })
    .await;
    let t = app_token(&emu).await;
    assert_eq!(get(&emu, &t, AUDITS).await.status, 403);
    let (status, body) = portal(&emu, json!({"action": "add", "roleDefinitionId": GA, "principalId": user_id(2), "actor": "nobody@fabrikam.test"})).await;
    assert_eq!(status, 400);
    assert!(body.as_str().unwrap().contains("actor"), "{body}");
    let (status, _) = portal(&emu, json!({"action": "remove", "roleDefinitionId": GA, "principalId": user_id(2), "actor": "admin@fabrikam.test"})).await;
    assert_eq!(status, 400);
    emu.shutdown().await;
}

fn urlencoding(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('\'', "%27")
        .replace('&', "%26")
        .replace('+', "%2B")
        .replace('#', "%23")
}
