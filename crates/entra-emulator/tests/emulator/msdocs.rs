//! The emulator's responses have the shape of Microsoft's documentation examples
//! (`fixtures/msdocs/`).

use serde_json::{json, Value};

use crate::support::*;

fn doc(name: &str) -> Value {
    let path = format!("{}/fixtures/msdocs/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of `expected` is in `actual` with the same kind of value (null matches anything).
fn assert_shape(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Null, _) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k} missing in {actual}"));
                assert_shape(ev, av, &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(e0) = e.first() {
                let a0 = a.first().unwrap_or_else(|| panic!("{path}[] is empty"));
                assert_shape(e0, a0, &format!("{path}[0]"));
            }
        }
        (e, a) => assert_eq!(kind(e), kind(a), "{path}: {a}"),
    }
}

#[tokio::test]
async fn responses_match_documented_shapes() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;

    let r = get(&emu, &t, &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{HELPDESK}'&$expand=principal")).await;
    // The documented example is about users: check the user principal.
    let user_item = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principal"]["@odata.type"] == "#microsoft.graph.user")
        .unwrap()
        .clone();
    assert_shape(
        &doc("list-roleassignments-expand-principal.json"),
        &json!({"@odata.context": r.body["@odata.context"], "value": [user_item]}),
        "$",
    );

    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(GA, &user_id(2))),
    )
    .await;
    assert_shape(&doc("create-roleassignment.json"), &r.body, "$");

    let r = graph(
        &emu,
        &t,
        "POST",
        "/$batch",
        Some(json!({"requests": [{"id": "1", "method": "GET", "url": "/users"}, {"id": "2", "method": "GET", "url": "/users/nobody@fabrikam.test"}]})),
    )
    .await;
    let mut responses = r.body["responses"].as_array().unwrap().clone();
    responses.sort_by_key(|x| x["id"].as_str().unwrap().to_owned());
    assert_shape(
        &doc("batch-response.json"),
        &json!({"responses": [responses[0].clone()]}),
        "$",
    );
    assert_shape(
        &doc("batch-response.json")["responses"][1],
        &responses[1],
        "$.responses[1]",
    );

    let r = get(&emu, &t, "/users/nobody@fabrikam.test").await;
    assert_shape(&doc("error-response.json"), &r.body, "$");

    let r = token_request(
        &emu,
        SAMPLE_TENANT,
        &[
            ("client_id", SYNC_APP),
            ("client_secret", "bad"),
            ("scope", GRAPH_SCOPE),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_shape(&doc("token-error-response.json"), &r.body, "$");
    let r = token_request(
        &emu,
        SAMPLE_TENANT,
        &[
            ("client_id", SYNC_APP),
            ("client_secret", SYNC_SECRET),
            ("scope", GRAPH_SCOPE),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_shape(&doc("token-response-client-credentials.json"), &r.body, "$");

    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleEligibilityScheduleRequests",
        Some(json!({"action": "adminAssign", "justification": "x", "roleDefinitionId": SEC_READER, "directoryScopeId": "/", "principalId": user_id(2),
            "scheduleInfo": {"startDateTime": "2025-01-01T00:00:00Z", "expiration": {"type": "noExpiration"}}})),
    )
    .await;
    assert_shape(
        &doc("roleeligibilityschedulerequest-created.json"),
        &r.body,
        "$",
    );

    let r = get(&emu, &t, "/users?$select=displayName,onPremisesImmutableId").await;
    assert_shape(&doc("list-users-select.json"), &r.body, "$");
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#users(displayName,onPremisesImmutableId)"));
}

#[tokio::test]
async fn throttled_response_matches_documented_shape() {
    let emu = start(rolesync_entra_emulator::EmulatorConfig {
        throttling: rolesync_entra_emulator::ThrottleConfig::scaled(0.0001),
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    let _ = get(&emu, &t, "/users").await;
    let r = get(&emu, &t, "/users").await;
    assert_eq!(r.status, 429);
    assert_shape(&doc("throttled-response.json"), &r.body, "$");
}
