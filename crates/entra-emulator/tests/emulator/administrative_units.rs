//! Administrative units: list and get with `$filter` and `$select`, the permission they need,
//! and role assignments and PIM instances at an administrative unit's scope filtered by
//! `directoryScopeId`.

use rolesync_entra_emulator::{EmulatorConfig, FixtureAdministrativeUnit};
use serde_json::{json, Value};

use crate::support::*;

const EUROPE: &str = "a0000000-0000-4000-8000-0000000000e1";
const ASIA: &str = "a0000000-0000-4000-8000-0000000000a1";
const AUS: &str = "/directory/administrativeUnits";

/// The sample tenant with two units; the sync app may read them.
async fn start_with_units() -> rolesync_entra_emulator::RunningEmulator {
    let mut tenant = sample_tenant();
    tenant.administrative_units = vec![
        FixtureAdministrativeUnit {
            id: EUROPE.into(),
            display_name: "Europe".into(),
            members: vec![user_id(1)],
        },
        FixtureAdministrativeUnit {
            id: ASIA.into(),
            display_name: "Asia".into(),
            members: vec![],
        },
    ];
    let app = tenant
        .applications
        .iter_mut()
        .find(|a| a.app_id == SYNC_APP)
        .unwrap();
    app.application_permissions
        .push("AdministrativeUnit.Read.All".into());
    start(EmulatorConfig {
        tenant,
        ..EmulatorConfig::default()
    })
    .await
}

fn names(r: &Resp) -> Vec<String> {
    let mut v: Vec<String> = r.body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|u| u["displayName"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn units_are_listed_filtered_selected_and_read_by_id() {
    let emu = start_with_units().await;
    let t = app_token(&emu).await;
    let all = get(&emu, &t, AUS).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(names(&all), ["Asia", "Europe"]);
    assert!(all.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#directory/administrativeUnits"));
    let europe = &all.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == EUROPE)
        .unwrap();
    assert_eq!(
        **europe,
        json!({"id": EUROPE, "displayName": "Europe", "description": null, "visibility": null})
    );

    // $filter eq on displayName (without regard to case, as directory strings compare) and id.
    let r = get(&emu, &t, &format!("{AUS}?$filter=displayName eq 'europe'")).await;
    assert_eq!(names(&r), ["Europe"]);
    let r = get(&emu, &t, &format!("{AUS}?$filter=id eq '{ASIA}'")).await;
    assert_eq!(names(&r), ["Asia"]);
    let r = get(&emu, &t, &format!("{AUS}?$filter=displayName eq 'Oceania'")).await;
    assert_eq!(r.status, 200);
    assert!(r.body["value"].as_array().unwrap().is_empty());
    // $select keeps the named properties.
    let r = get(
        &emu,
        &t,
        &format!("{AUS}?$filter=displayName eq 'Europe'&$select=id,displayName"),
    )
    .await;
    assert_eq!(
        r.body["value"][0],
        json!({"id": EUROPE, "displayName": "Europe"})
    );
    // A property the type does not filter on is refused as Graph does.
    let r = get(&emu, &t, &format!("{AUS}?$filter=visibility eq 'Public'")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "Request_UnsupportedQuery");

    let one = get(&emu, &t, &format!("{AUS}/{EUROPE}")).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["displayName"], "Europe");
    assert!(one.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#directory/administrativeUnits/$entity"));
    let none = get(
        &emu,
        &t,
        &format!("{AUS}/a0000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert_eq!(none.status, 404);
    assert_eq!(none.error_code(), "Request_ResourceNotFound");
}

#[tokio::test]
async fn reading_units_needs_an_administrative_unit_or_directory_read_permission() {
    let emu = start_with_units().await;
    // The reader app has User.Read.All only.
    let t = app_token_for(&emu, READER_APP, "reader-secret").await;
    let r = get(&emu, &t, AUS).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.error_code(), "Authorization_RequestDenied");
}

#[tokio::test]
async fn assignments_and_pim_instances_at_a_unit_are_filtered_by_directory_scope_id() {
    let emu = start_with_units().await;
    let t = app_token(&emu).await;
    let europe = format!("/administrativeUnits/{EUROPE}");
    let (u1, u2) = (user_id(1), user_id(2));
    // u1: Helpdesk Administrator in Europe; u2: tenant-wide.
    let mut body = role_assignment_body(HELPDESK, &u1);
    body["directoryScopeId"] = Value::String(europe.clone());
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(body),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["directoryScopeId"], europe.as_str());
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(HELPDESK, &u2)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // A scope that names no unit is refused.
    let mut body = role_assignment_body(HELPDESK, &u2);
    body["directoryScopeId"] = json!("/administrativeUnits/a0000000-0000-4000-8000-000000000000");
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(body),
    )
    .await;
    assert_eq!(r.status, 400);

    let list = |scope: &str| {
        format!(
            "/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{HELPDESK}' and directoryScopeId eq '{scope}'"
        )
    };
    let principals = |r: &Resp| -> Vec<String> {
        r.body["value"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|a| a["principalId"].as_str().unwrap().to_owned())
            .collect()
    };
    let at_europe = get(&emu, &t, &list(&europe)).await;
    assert_eq!(principals(&at_europe), std::slice::from_ref(&u1));
    let at_tenant = get(&emu, &t, &list("/")).await;
    assert!(principals(&at_tenant).contains(&u2));
    assert!(!principals(&at_tenant).contains(&u1));

    // A PIM eligibility in Asia, and its instance found by scope.
    let asia = format!("/administrativeUnits/{ASIA}");
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleEligibilityScheduleRequests",
        Some(json!({
            "action": "adminAssign", "justification": "test", "roleDefinitionId": HELPDESK,
            "directoryScopeId": asia, "principalId": u2,
            "scheduleInfo": {"startDateTime": "2025-01-01T00:00:00Z", "expiration": {"type": "noExpiration"}}
        })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let instances = |scope: &str| {
        format!(
            "/roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '{HELPDESK}' and directoryScopeId eq '{scope}'"
        )
    };
    let r = get(&emu, &t, &instances(&asia)).await;
    assert_eq!(principals(&r), std::slice::from_ref(&u2));
    assert_eq!(r.body["value"][0]["directoryScopeId"], asia.as_str());
    let r = get(&emu, &t, &instances("/")).await;
    assert!(!principals(&r).contains(&u2));
    // Active assignments' instances, too.
    let r = get(
        &emu,
        &t,
        &format!(
            "/roleManagement/directory/roleAssignmentScheduleInstances?$filter=roleDefinitionId eq '{HELPDESK}' and directoryScopeId eq '{europe}'"
        ),
    )
    .await;
    assert_eq!(principals(&r), [u1]);
}
