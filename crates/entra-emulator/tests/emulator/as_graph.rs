//! The emulator answers as Microsoft's services do where RoleSync's own client never looks:
//! unversioned paths, padded thumbprints and fractional times in assertions, role-assignability
//! and scopes, `$batch` id and `dependsOn` rules, advanced queries, `$expand` with `$select`, PIM
//! request and schedule lists, URLs on the host the client used, throttling headers, the clock.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use rolesync_entra_emulator::{EmulatorConfig, FixtureAdministrativeUnit, ThrottleConfig};
use serde_json::json;

use crate::support::*;
use crate::tokens::{assertion, good_claims};

const APP_CERT: &str = include_str!("../../fixtures/demo-app-cert.pem");
const APP_KEY: &str = include_str!("../../fixtures/demo-app-key.pem");

#[tokio::test]
async fn a_path_without_a_version_is_invalid_version() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let url = format!(
        "{}/roleManagement/directory/roleDefinitions",
        emu.login_base_url()
    );
    let r = graph(&emu, &t, "GET", &url, None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "BadRequest");
    assert_eq!(r.error_message(), "Invalid version.");
    assert!(r.body["error"]["innerError"]["request-id"].is_string());
    let url = format!("{}/v2.0/users", emu.login_base_url());
    assert_eq!(
        graph(&emu, &t, "GET", &url, None).await.error_message(),
        "Invalid version."
    );
}

#[tokio::test]
async fn padded_thumbprints_and_fractional_times_are_accepted() {
    use base64::engine::general_purpose::URL_SAFE;
    use base64::Engine as _;
    use sha1::Digest as _;
    let emu = start_sample().await;
    // As MSAL for Python builds it: x5t with base64 padding, exp and nbf as floats.
    let der = x509_parser::pem::parse_x509_pem(APP_CERT.as_bytes())
        .unwrap()
        .1
        .contents;
    let mut h = jsonwebtoken::Header::new(Algorithm::RS256);
    h.x5t = Some(URL_SAFE.encode(sha1::Sha1::digest(&der)));
    assert!(h.x5t.as_deref().unwrap().ends_with('='));
    let mut claims = good_claims(&emu.token_endpoint());
    let now = chrono::Utc::now().timestamp() as f64 + 0.25;
    claims["nbf"] = json!(now);
    claims["exp"] = json!(now + 600.0);
    let a = jsonwebtoken::encode(
        &h,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(APP_KEY.as_bytes()).unwrap(),
    )
    .unwrap();
    let r = token_request(
        &emu,
        &emu.tenant_id(),
        &[
            ("client_id", SYNC_APP),
            ("scope", GRAPH_SCOPE),
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &a),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The unpadded form still works.
    let a = assertion(
        Algorithm::PS256,
        APP_KEY,
        APP_CERT,
        true,
        &good_claims(&emu.token_endpoint()),
    );
    assert!(!a.is_empty());
}

#[tokio::test]
async fn assignments_need_an_assignable_principal_and_a_real_scope() {
    let mut cfg = sample_config();
    let group = "10000000-0000-4000-8000-0000000000c1";
    cfg.tenant
        .groups
        .push(rolesync_entra_emulator::FixtureGroup {
            id: group.into(),
            display_name: "Ordinary group".into(),
            security_enabled: true,
            ..Default::default()
        });
    cfg.tenant
        .administrative_units
        .push(FixtureAdministrativeUnit {
            id: "aaaaaaaa-2222-4222-8222-aaaaaaaaaaaa".into(),
            display_name: "Europe".into(),
            members: Vec::new(),
        });
    let emu = start(cfg).await;
    let t = app_token(&emu).await;
    let post = |body| {
        graph(
            &emu,
            &t,
            "POST",
            "/roleManagement/directory/roleAssignments",
            Some(body),
        )
    };
    let r = post(role_assignment_body(HELPDESK, group)).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_message(),
        "Groups without IsAssignableToRole property set cannot be assigned to roles."
    );
    let mut b = role_assignment_body(HELPDESK, &user_id(2));
    b["directoryScopeId"] = json!("/administrativeUnits/00000000-0000-0000-0000-000000000000");
    let r = post(b.clone()).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_message(),
        "Must specify valid property scope of entity RoleAssignment"
    );
    b["directoryScopeId"] = json!("/administrativeUnits/aaaaaaaa-2222-4222-8222-aaaaaaaaaaaa");
    let r = post(b).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["directoryScopeId"],
        "/administrativeUnits/aaaaaaaa-2222-4222-8222-aaaaaaaaaaaa"
    );
    // The role-assignable group is fine.
    let r = post(role_assignment_body(
        EXCHANGE,
        "10000000-0000-4000-8000-0000000000b1",
    ))
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[tokio::test]
async fn batch_ids_ignore_case_and_depends_on_only_names_earlier_requests() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let batch = |requests| {
        graph(
            &emu,
            &t,
            "POST",
            "/$batch",
            Some(json!({"requests": requests})),
        )
    };
    let r = batch(json!([{"id": "a", "method": "GET", "url": "/users"}, {"id": "A", "method": "GET", "url": "/users"}])).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = batch(json!([{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]}, {"id": "2", "method": "GET", "url": "/users"}])).await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("not earlier"), "{}", r.body);
    let r = batch(json!([{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["9"]}])).await;
    assert!(r.error_message().contains("unknown"), "{}", r.body);
    let r = batch(json!([{"id": "x1", "method": "GET", "url": "/users"}, {"id": "2", "method": "GET", "url": "/users", "dependsOn": ["X1"]}])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let statuses: Vec<_> = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(200), json!(200)]);
}

#[tokio::test]
async fn filter_with_orderby_is_an_advanced_query() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let q = "/users?$filter=accountEnabled eq true&$orderby=displayName";
    let r = get(&emu, &t, q).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "Request_UnsupportedQuery");
    let r = graph_with(
        &emu,
        &t,
        "GET",
        &format!("{q}&$count=true"),
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn expand_with_a_nested_select() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{HELPDESK}'&$expand=principal($select=id,userPrincipalName)")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["value"][0]["principal"];
    let mut keys: Vec<_> = p
        .as_object()
        .unwrap_or_else(|| panic!("{}", r.body))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert!(
        keys.iter()
            .all(|k| ["@odata.type", "id", "userPrincipalName"].contains(&k.as_str())),
        "{keys:?}"
    );
    assert!(
        r.body["value"][0].get("resourceScope").is_none(),
        "beta-only property"
    );
}

#[tokio::test]
async fn pim_requests_and_schedules_can_be_listed() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = graph(&emu, &t, "POST", "/roleManagement/directory/roleEligibilityScheduleRequests", Some(json!({
        "action": "adminAssign", "justification": "x", "roleDefinitionId": SEC_READER, "directoryScopeId": "/",
        "principalId": user_id(2), "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z", "expiration": {"type": "noExpiration"}}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok() && id.len() == 36, "{id}");
    let listed = get(
        &emu,
        &t,
        "/roleManagement/directory/roleEligibilityScheduleRequests",
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == id.as_str()));
    let filtered = get(
        &emu,
        &t,
        &format!(
            "/roleManagement/directory/roleEligibilityScheduleRequests?$filter=principalId eq '{}'",
            user_id(3)
        ),
    )
    .await;
    assert!(
        filtered.body["value"].as_array().unwrap().is_empty(),
        "{}",
        filtered.body
    );
    let s = get(
        &emu,
        &t,
        "/roleManagement/directory/roleEligibilitySchedules",
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.body);
    assert!(s.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["principalId"] == user_id(2).as_str()
            && x["scheduleInfo"]["expiration"]["type"] == "noExpiration"));
    let a = get(
        &emu,
        &t,
        "/roleManagement/directory/roleAssignmentSchedules",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["assignmentType"].is_string()));
    assert!(
        get(
            &emu,
            &t,
            "/roleManagement/directory/roleAssignmentScheduleRequests"
        )
        .await
        .status
            == 200
    );
}

#[tokio::test]
async fn next_links_use_the_host_the_client_addressed() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = graph_with(
        &emu,
        &t,
        "GET",
        "/users?$top=2",
        None,
        &[("Host", "graph.microsoft.com")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let next = r.body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with("http://graph.microsoft.com/v1.0/users?"),
        "{next}"
    );
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .starts_with("http://graph.microsoft.com/v1.0/$metadata#"));
}

#[tokio::test]
async fn a_throttled_answer_says_how_far_over_the_limit() {
    let emu = start(EmulatorConfig {
        throttling: ThrottleConfig::scaled(0.001),
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    let mut throttled = None;
    for _ in 0..10 {
        let r = get(&emu, &t, "/roleManagement/directory/roleDefinitions").await;
        if r.status == 429 {
            throttled = Some(r);
            break;
        }
    }
    let r = throttled.expect("3 RU per 10 s throttles within 10 reads");
    let pct: f64 = r
        .header("x-ms-throttle-limit-percentage")
        .unwrap()
        .parse()
        .unwrap();
    assert!(pct > 1.0 && pct <= 1.8, "{pct}");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
}

#[tokio::test]
async fn moving_the_clock_expires_access_tokens() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    assert_eq!(get(&emu, &t, "/users").await.status, 200);
    emu.advance_clock(Duration::from_secs(3600));
    let r = get(&emu, &t, "/users").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.error_message(),
        "Access token has expired or is not yet valid."
    );
    // And through the test endpoint, as an out-of-process test moves it.
    let r = client()
        .post(format!("{}/_emulator/clock", emu.login_base_url()))
        .json(&json!({"advanceSeconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
