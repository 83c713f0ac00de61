//! Role definitions and unified role assignments.

use rolesync_entra_emulator::{role_assignment_id, EmulatorConfig, RunningEmulator};
use serde_json::Value;

use crate::support::*;

const CUSTOM: &str = "dddddddd-0000-4000-8000-000000000001";

#[tokio::test]
async fn role_definitions_list_builtins_and_custom() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, "/roleManagement/directory/roleDefinitions").await;
    assert_eq!(r.status, 200);
    let all = r.body["value"].as_array().unwrap();
    assert!(all.len() > 100, "{}", all.len());
    assert!(r.body.get("@odata.nextLink").is_none());
    for d in all.iter().filter(|d| d["isBuiltIn"] == true) {
        assert_eq!(d["id"], d["templateId"]);
    }
    let custom: Vec<&Value> = all.iter().filter(|d| d["isBuiltIn"] == false).collect();
    assert_eq!(custom.len(), 1);
    assert_eq!(custom[0]["id"], CUSTOM);
    let r = get(
        &emu,
        &t,
        "/roleManagement/directory/roleDefinitions?$filter=displayName eq 'Global Administrator'",
    )
    .await;
    let v = r.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["id"], GA);
    assert!(v[0]["rolePermissions"].is_array());
    let r = get(
        &emu,
        &t,
        "/roleManagement/directory/roleDefinitions?$filter=isBuiltIn eq false",
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let r = get(
        &emu,
        &t,
        &format!("/roleManagement/directory/roleDefinitions?$filter=id in ('{GA}','{PRA}')"),
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 2);
    let r = get(
        &emu,
        &t,
        &format!("/roleManagement/directory/roleDefinitions/{PRA}"),
    )
    .await;
    assert_eq!(r.body["displayName"], "Privileged Role Administrator");
    let r = get(
        &emu,
        &t,
        "/roleManagement/directory/roleDefinitions/00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "Request_ResourceNotFound");
}

fn principal_types(r: &Resp) -> Vec<String> {
    let mut v: Vec<String> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["principal"]["@odata.type"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn list_requires_a_filter_and_expands_principals() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, "/roleManagement/directory/roleAssignments").await;
    assert_eq!(r.status, 400);
    let r = get(
        &emu,
        &t,
        "/roleManagement/directory/roleAssignments?$filter=directoryScopeId eq '/'",
    )
    .await;
    assert_eq!(
        r.status, 400,
        "a filter that does not narrow by role or principal is refused"
    );

    let r = get(&emu, &t, &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{HELPDESK}'&$expand=principal")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("roleAssignments(principal())"));
    assert_eq!(
        principal_types(&r),
        vec!["#microsoft.graph.group", "#microsoft.graph.user"]
    );
    assert_eq!(
        r.header("x-ms-resource-unit").as_deref(),
        Some("2"),
        "$expand costs +1"
    );
    let first = &r.body["value"][0];
    assert_eq!(first["directoryScopeId"], "/");
    // `resourceScope` is beta-only (not in the v1.0 unifiedRoleAssignment type).
    assert!(first.get("resourceScope").is_none());
    assert_eq!(
        first["id"].as_str().unwrap(),
        role_assignment_id(HELPDESK, first["principalId"].as_str().unwrap())
    );

    let r = get(&emu, &t, &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{EXCHANGE}'&$expand=principal")).await;
    assert_eq!(
        principal_types(&r),
        vec!["#microsoft.graph.servicePrincipal"]
    );

    let r = get(
        &emu,
        &t,
        &format!(
            "/roleManagement/directory/roleAssignments?$filter=principalId eq '{}'",
            user_id(1)
        ),
    )
    .await;
    let mut roles: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["roleDefinitionId"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(roles, vec![CUSTOM, PRA]);
    assert!(r.body["value"][0].get("principal").is_none());

    let r = get(&emu, &t, &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{HELPDESK}'&$expand=manager")).await;
    assert_eq!(r.status, 400);
}

async fn create(emu: &RunningEmulator, t: &str, role: &str, principal: &str) -> Resp {
    graph(
        emu,
        t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(role, principal)),
    )
    .await
}

#[tokio::test]
async fn create_get_delete_and_their_errors() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = create(&emu, &t, GA, &user_id(2)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.ends_with("-1"), "{id}");
    assert_eq!(r.body["principalId"], user_id(2));
    assert_eq!(r.body["roleDefinitionId"], GA);
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("1"));

    let dup = create(&emu, &t, GA, &user_id(2)).await;
    assert_eq!(dup.status, 400, "{}", dup.body);
    assert_eq!(dup.error_code(), "Request_BadRequest");

    let r = get(
        &emu,
        &t,
        &format!("/roleManagement/directory/roleAssignments/{id}"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["principalId"], user_id(2));

    let r = create(
        &emu,
        &t,
        "00000000-0000-4000-8000-00000000dead",
        &user_id(2),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = create(&emu, &t, GA, "00000000-0000-4000-8000-00000000beef").await;
    assert_eq!(r.status, 400);
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        None,
    )
    .await;
    assert_eq!(r.status, 400);

    let r = graph(
        &emu,
        &t,
        "DELETE",
        &format!("/roleManagement/directory/roleAssignments/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.body, Value::Null);
    let r = graph(
        &emu,
        &t,
        "DELETE",
        &format!("/roleManagement/directory/roleAssignments/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "Request_ResourceNotFound");
    let r = get(
        &emu,
        &t,
        &format!("/roleManagement/directory/roleAssignments/{id}"),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(emu.stats().writes, 2);
}

#[tokio::test]
async fn paging_with_top_and_snapshot_reload() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    for n in [2, 3, 4, 5, 6] {
        assert_eq!(create(&emu, &t, GA, &user_id(n)).await.status, 201);
    }
    let mut url = format!(
        "/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{GA}'&$top=2"
    );
    let mut ids = Vec::new();
    loop {
        let r = get(&emu, &t, &url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        ids.extend(
            r.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned()),
        );
        match r.body["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(ids.len(), 5);
    // The snapshot reloads into an equal state.
    let snap = emu.snapshot();
    assert_eq!(
        snap.role_assignments
            .iter()
            .filter(|a| a.role_definition_id == GA)
            .count(),
        5
    );
    emu.shutdown().await;
    let emu2 = start(EmulatorConfig {
        tenant: snap.clone(),
        ..sample_config()
    })
    .await;
    assert_eq!(emu2.snapshot(), snap);
    let t2 = app_token(&emu2).await;
    let r = get(
        &emu2,
        &t2,
        &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{GA}'"),
    )
    .await;
    let mut ids2: Vec<String> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids2.sort();
    assert_eq!(ids, ids2);
}
