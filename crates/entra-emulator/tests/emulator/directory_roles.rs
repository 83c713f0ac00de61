//! Legacy `/directoryRoles`, kept consistent with unified role assignments.

use serde_json::json;

use crate::support::*;

async fn role_id(
    emu: &rolesync_entra_emulator::RunningEmulator,
    t: &str,
    template: &str,
) -> Option<String> {
    let r = get(emu, t, "/directoryRoles").await;
    r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["roleTemplateId"] == template)
        .map(|d| d["id"].as_str().unwrap().to_owned())
}

fn member_ids(r: &Resp) -> Vec<String> {
    let mut v: Vec<String> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn activated_roles_members_and_refs() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, "/directoryRoles").await;
    assert_eq!(r.status, 200);
    let templates: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["roleTemplateId"].as_str().unwrap())
        .collect();
    assert!(
        templates.contains(&PRA) && templates.contains(&EXCHANGE) && templates.contains(&HELPDESK)
    );
    assert!(
        !templates.contains(&GA),
        "GA has no members in the sample tenant, so it is not activated"
    );
    assert!(
        !templates.contains(&SEC_READER),
        "eligible-only roles are not activated"
    );

    let hd = role_id(&emu, &t, HELPDESK).await.unwrap();
    let r = get(&emu, &t, &format!("/directoryRoles/{hd}/members")).await;
    assert_eq!(
        member_ids(&r),
        vec![
            user_id(7),
            "10000000-0000-4000-8000-0000000000b1".to_owned()
        ]
    );
    let by_template = get(
        &emu,
        &t,
        &format!("/directoryRoles(roleTemplateId='{HELPDESK}')/members"),
    )
    .await;
    assert_eq!(member_ids(&by_template), member_ids(&r));

    // Add through the legacy API; the unified API sees it.
    let body = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", user_id(2))});
    let r = graph(
        &emu,
        &t,
        "POST",
        &format!("/directoryRoles/{hd}/members/$ref"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = graph(
        &emu,
        &t,
        "POST",
        &format!("/directoryRoles/{hd}/members/$ref"),
        Some(body),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "Request_BadRequest");
    assert_eq!(r.error_message(), "One or more added object references already exist for the following modified properties: 'members'.");
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

    // Remove through the legacy API.
    let r = graph(
        &emu,
        &t,
        "DELETE",
        &format!("/directoryRoles/{hd}/members/{}/$ref", user_id(2)),
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let r = graph(
        &emu,
        &t,
        "DELETE",
        &format!("/directoryRoles/{hd}/members/{}/$ref", user_id(2)),
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "Request_ResourceNotFound");

    // A unified assignment activates the role in the legacy API.
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(GA, &user_id(3))),
    )
    .await;
    assert_eq!(r.status, 201);
    let ga = role_id(&emu, &t, GA)
        .await
        .expect("GA activated by the assignment");
    let r = get(&emu, &t, &format!("/directoryRoles/{ga}/members")).await;
    assert_eq!(member_ids(&r), vec![user_id(3)]);
    assert_eq!(r.body["value"][0]["@odata.type"], "#microsoft.graph.user");
}

#[tokio::test]
async fn activate_a_role_template() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    assert!(role_id(&emu, &t, GA).await.is_none());
    let r = graph(
        &emu,
        &t,
        "POST",
        "/directoryRoles",
        Some(json!({"roleTemplateId": GA})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["roleTemplateId"], GA);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(role_id(&emu, &t, GA).await.as_deref(), Some(id.as_str()));
    let r = get(&emu, &t, &format!("/directoryRoles/{id}/members")).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 0);
    let r = graph(
        &emu,
        &t,
        "POST",
        "/directoryRoles",
        Some(json!({"roleTemplateId": GA})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(emu
        .snapshot()
        .activated_role_template_ids
        .contains(&GA.to_owned()));
    let r = get(
        &emu,
        &t,
        "/directoryRoles/00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(r.status, 404);
}
