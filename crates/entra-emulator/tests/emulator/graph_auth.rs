//! Graph's bearer-token checks: 401 and 403 with Microsoft's codes and messages.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rolesync_entra_emulator::{EmulatorConfig, Lifetimes};
use serde_json::json;

use crate::support::*;

const EMULATOR_KEY: &str = include_str!("../../data/signing-key.pem");
const OTHER_KEY: &str = include_str!("../../fixtures/untrusted-key.pem");

fn forge(key: &str, aud: &str, tid: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let c = json!({"aud": aud, "tid": tid, "appid": SYNC_APP, "idtyp": "app", "roles": ["RoleManagement.ReadWrite.Directory", "User.Read.All"], "nbf": now, "iat": now, "exp": now + 600});
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &c,
        &EncodingKey::from_rsa_pem(key.as_bytes()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn missing_bad_and_foreign_tokens_get_401() {
    let emu = start_sample().await;
    let r = get(&emu, "", "/users").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "InvalidAuthenticationToken");
    assert_eq!(r.error_message(), "Access token is empty.");
    assert!(r.header("www-authenticate").is_some());
    assert!(r.header("request-id").is_some());
    let inner = &r.body["error"]["innerError"];
    assert_eq!(
        inner["request-id"].as_str(),
        r.header("request-id").as_deref()
    );
    assert!(inner["date"].is_string());

    let r = get(&emu, "garbage", "/users").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "InvalidAuthenticationToken");

    let r = get(
        &emu,
        &forge(OTHER_KEY, "https://graph.microsoft.com", SAMPLE_TENANT),
        "/users",
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_message(), "Access token validation failure.");

    let r = get(
        &emu,
        &forge(EMULATOR_KEY, "api://some-other-api", SAMPLE_TENANT),
        "/users",
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(r.error_message().contains("Invalid audience"), "{}", r.body);

    // The Graph app id is an accepted audience.
    let r = get(
        &emu,
        &forge(
            EMULATOR_KEY,
            "00000003-0000-0000-c000-000000000000",
            SAMPLE_TENANT,
        ),
        "/users",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A token of another tenant.
    let r = get(
        &emu,
        &forge(
            EMULATOR_KEY,
            "https://graph.microsoft.com",
            "11111111-2222-4333-8444-555555555555",
        ),
        "/users",
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn expired_tokens_get_401() {
    let cfg = EmulatorConfig {
        lifetimes: Lifetimes {
            access_token: Duration::from_secs(1),
            ..Lifetimes::default()
        },
        ..sample_config()
    };
    let emu = start(cfg).await;
    let t = app_token(&emu).await;
    let r = poll_until(Duration::from_secs(5), || {
        let (emu, t) = (&emu, t.clone());
        async move {
            let r = get(emu, &t, "/users?$top=1").await;
            (r.status == 401).then_some(r)
        }
    })
    .await;
    assert_eq!(r.error_code(), "InvalidAuthenticationToken");
    assert_eq!(
        r.error_message(),
        "Access token has expired or is not yet valid."
    );
}

#[tokio::test]
async fn missing_permissions_get_403() {
    let emu = start_sample().await;
    let reader = app_token_for(&emu, READER_APP, "reader-secret").await;
    // User.Read.All is enough for users...
    assert_eq!(get(&emu, &reader, "/users").await.status, 200);
    // ...but not for roles.
    let r = get(
        &emu,
        &reader,
        &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{GA}'"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.error_code(), "Authorization_RequestDenied");
    assert_eq!(
        r.error_message(),
        "Insufficient privileges to complete the operation."
    );
    let r = graph(
        &emu,
        &reader,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(GA, &user_id(2))),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = graph(
        &emu,
        &reader,
        "POST",
        "/roleManagement/directory/roleEligibilityScheduleRequests",
        Some(json!({"action": "adminAssign", "principalId": user_id(2), "roleDefinitionId": SEC_READER, "directoryScopeId": "/"})),
    )
    .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn delegated_role_writes_need_an_admin_user() {
    let emu = start_sample().await;
    // A user without admin roles has the scope but not the directory role.
    let plain = user_token(&emu, "plain@fabrikam.test", "Plain-Pass1").await;
    assert_eq!(claims(&plain)["idtyp"], "user");
    let r = graph(
        &emu,
        &plain,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(EXCHANGE, &user_id(2))),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.error_code(), "Authorization_RequestDenied");
    // Reads are fine.
    let r = get(
        &emu,
        &plain,
        &format!(
            "/roleManagement/directory/roleAssignments?$filter=principalId eq '{}'",
            user_id(1)
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    // The Privileged Role Administrator can write.
    let admin = user_token(&emu, "admin@fabrikam.test", "Admin-Pass1").await;
    assert!(claims(&admin)["wids"]
        .as_array()
        .unwrap()
        .contains(&json!(PRA)));
    let r = graph(
        &emu,
        &admin,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(EXCHANGE, &user_id(2))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
