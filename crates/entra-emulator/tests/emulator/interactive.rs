//! Public-client flows: authorization code + PKCE, refresh tokens, device code, ROPC, discovery.

use std::time::Duration;

use base64::Engine as _;
use rolesync_entra_emulator::{EmulatorConfig, Lifetimes, RunningEmulator};
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::support::*;

const SCOPES: &str = "https://graph.microsoft.com/RoleManagement.ReadWrite.Directory User.Read.All openid profile offline_access";

async fn authorize(emu: &RunningEmulator, params: &[(&str, &str)]) -> reqwest::Response {
    let url = format!(
        "{}/{}/oauth2/v2.0/authorize",
        emu.login_base_url(),
        emu.tenant_id()
    );
    client().get(url).query(params).send().await.unwrap()
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let u = url::Url::parse(location).unwrap();
    u.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

async fn get_code(
    emu: &RunningEmulator,
    redirect: &str,
    method: &str,
    ch: &str,
    hint: Option<&str>,
) -> String {
    let mut p = vec![
        ("client_id", DESKTOP_APP),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("response_mode", "query"),
        ("scope", SCOPES),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", ch),
        ("code_challenge_method", method),
    ];
    if let Some(h) = hint {
        p.push(("login_hint", h));
    }
    let r = authorize(emu, &p).await;
    assert_eq!(r.status().as_u16(), 302);
    let loc = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(loc.starts_with(redirect), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q["state"], "st-1");
    q["code"].clone()
}

async fn redeem(emu: &RunningEmulator, code: &str, redirect: &str, verifier: &str) -> Resp {
    token_request(
        emu,
        &emu.tenant_id(),
        &[
            ("client_id", DESKTOP_APP),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("scope", SCOPES),
        ],
    )
    .await
}

#[tokio::test]
async fn pkce_code_flow_with_loopback_redirect() {
    let emu = start_sample().await;
    let verifier = "a-very-long-random-verifier-string-0123456789-abcdefghijklmnop";
    let redirect = "http://localhost:53117";
    let code = get_code(&emu, redirect, "S256", &challenge(verifier), None).await;
    let r = redeem(&emu, &code, redirect, verifier).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let at = r.body["access_token"].as_str().unwrap();
    let c = claims(at);
    assert_eq!(
        c["upn"], "admin@fabrikam.test",
        "fixture's interactive user"
    );
    assert!(c["scp"]
        .as_str()
        .unwrap()
        .contains("RoleManagement.ReadWrite.Directory"));
    assert_eq!(c["appidacr"], "0");
    let id = claims(r.body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], DESKTOP_APP);
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(
        id["iss"],
        format!("{}/{}/v2.0", emu.login_base_url(), SAMPLE_TENANT)
    );
    assert!(r.body["refresh_token"].is_string());
    // The token works against Graph.
    assert_eq!(get(&emu, at, "/users?$top=1").await.status, 200);
    // Single use.
    let again = redeem(&emu, &code, redirect, verifier).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["error_codes"], json!([54005]));

    // login_hint picks the user; plain PKCE; 127.0.0.1 with a path and any port.
    let redirect = "http://127.0.0.1:40001/callback";
    let code = get_code(
        &emu,
        redirect,
        "plain",
        "plain-verifier-value-0123456789012345678901234",
        Some("plain@fabrikam.test"),
    )
    .await;
    let r = redeem(
        &emu,
        &code,
        redirect,
        "plain-verifier-value-0123456789012345678901234",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        claims(r.body["access_token"].as_str().unwrap())["upn"],
        "plain@fabrikam.test"
    );
}

#[tokio::test]
async fn pkce_and_redirect_errors() {
    let emu = start_sample().await;
    let redirect = "http://localhost:53117/";
    let code = get_code(
        &emu,
        redirect,
        "S256",
        &challenge("right-verifier-right-verifier-right-verifier-1"),
        None,
    )
    .await;
    let r = redeem(
        &emu,
        &code,
        redirect,
        "wrong-verifier-wrong-verifier-wrong-verifier-1",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_grant");
    assert_eq!(r.body["error_codes"], json!([501481]));
    let r = redeem(&emu, "not-a-code", redirect, "x").await;
    assert_eq!(r.status, 400);
    // Registered redirect URIs only; the port is ignored for loopback http only.
    for bad in [
        "http://localhost:53117/other",
        "https://app.fabrikam.test:8443/cb",
        "http://[::1]:5000",
        "http://evil.example/cb",
    ] {
        let r = authorize(
            &emu,
            &[
                ("client_id", DESKTOP_APP),
                ("response_type", "code"),
                ("redirect_uri", bad),
                ("scope", SCOPES),
            ],
        )
        .await;
        assert_eq!(r.status().as_u16(), 400, "{bad}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["error_codes"], json!([50011]), "{bad}");
    }
    // Exact match for non-loopback.
    let code = get_code(
        &emu,
        "https://app.fabrikam.test/cb",
        "S256",
        &challenge("v"),
        None,
    )
    .await;
    assert!(!code.is_empty());
    // Unconsented scope: error redirected to the app.
    let r = authorize(
        &emu,
        &[
            ("client_id", DESKTOP_APP),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost"),
            ("scope", "https://graph.microsoft.com/Mail.Send"),
            ("state", "s"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 302);
    let q = query_of(r.headers().get("location").unwrap().to_str().unwrap());
    assert_eq!(q["error"], "invalid_grant");
    assert!(q["error_description"].starts_with("AADSTS65001"));
    assert_eq!(q["state"], "s");
}

#[tokio::test]
async fn expired_codes_are_refused() {
    let emu = start(EmulatorConfig {
        lifetimes: Lifetimes {
            auth_code: Duration::ZERO,
            ..Lifetimes::default()
        },
        ..sample_config()
    })
    .await;
    let redirect = "http://localhost:1234";
    let code = get_code(&emu, redirect, "S256", &challenge("verifier"), None).await;
    let r = redeem(&emu, &code, redirect, "verifier").await;
    assert_eq!(r.body["error_codes"], json!([70008]), "{}", r.body);
}

#[tokio::test]
async fn refresh_tokens_rotate() {
    let emu = start_sample().await;
    let r = token_request(
        &emu,
        SAMPLE_TENANT,
        &[
            ("client_id", DESKTOP_APP),
            ("grant_type", "password"),
            ("username", "admin@fabrikam.test"),
            ("password", "Admin-Pass1"),
            ("scope", SCOPES),
        ],
    )
    .await;
    let rt1 = r.body["refresh_token"].as_str().unwrap().to_owned();
    let r2 = token_request(
        &emu,
        SAMPLE_TENANT,
        &[
            ("client_id", DESKTOP_APP),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt1),
        ],
    )
    .await;
    assert_eq!(r2.status, 200, "{}", r2.body);
    let rt2 = r2.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2, "a new refresh token comes back");
    assert_eq!(
        get(
            &emu,
            r2.body["access_token"].as_str().unwrap(),
            "/users?$top=1"
        )
        .await
        .status,
        200
    );
    let r3 = token_request(
        &emu,
        SAMPLE_TENANT,
        &[
            ("client_id", DESKTOP_APP),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
        ],
    )
    .await;
    assert_eq!(r3.status, 200);
    let bad = token_request(
        &emu,
        SAMPLE_TENANT,
        &[
            ("client_id", DESKTOP_APP),
            ("grant_type", "refresh_token"),
            ("refresh_token", "nope"),
        ],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"], "invalid_grant");
}

async fn start_device_flow(emu: &RunningEmulator) -> (String, String) {
    let url = format!(
        "{}/{}/oauth2/v2.0/devicecode",
        emu.login_base_url(),
        emu.tenant_id()
    );
    let r = into_resp(
        client()
            .post(url)
            .form(&[("client_id", DESKTOP_APP), ("scope", SCOPES)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["verification_uri"]
        .as_str()
        .unwrap()
        .starts_with(&emu.login_base_url()));
    assert!(r.body["interval"].as_u64().unwrap() >= 1);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains(r.body["user_code"].as_str().unwrap()));
    (
        r.body["device_code"].as_str().unwrap().to_owned(),
        r.body["user_code"].as_str().unwrap().to_owned(),
    )
}

async fn poll(emu: &RunningEmulator, device_code: &str) -> Resp {
    token_request(
        emu,
        &emu.tenant_id(),
        &[
            ("client_id", DESKTOP_APP),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device_code),
        ],
    )
    .await
}

fn device_cfg(interval_ms: u64, life_ms: u64) -> EmulatorConfig {
    EmulatorConfig {
        lifetimes: Lifetimes {
            device_code_interval: Duration::from_millis(interval_ms),
            device_code: Duration::from_millis(life_ms),
            ..Lifetimes::default()
        },
        ..sample_config()
    }
}

#[tokio::test]
async fn device_code_pending_slow_down_then_approved() {
    let emu = start(device_cfg(300, 60_000)).await;
    let (dc, uc) = start_device_flow(&emu).await;
    let r = poll(&emu, &dc).await;
    assert_eq!(r.body["error"], "authorization_pending");
    assert_eq!(r.body["error_codes"], json!([70016]));
    let r = poll(&emu, &dc).await;
    assert_eq!(
        r.body["error"], "slow_down",
        "polled faster than the interval"
    );
    // After the interval, still pending.
    poll_until(Duration::from_secs(5), || async {
        let r = poll(&emu, &dc).await;
        (r.body["error"] == "authorization_pending").then_some(())
    })
    .await;
    // Approve through the HTTP test hook.
    let hook = format!("{}/_emulator/device/approve", emu.login_base_url());
    let h = client()
        .post(hook)
        .json(&json!({"user_code": uc, "user": "plain@fabrikam.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(h.status().as_u16(), 204);
    let ok = poll_until(Duration::from_secs(5), || async {
        let r = poll(&emu, &dc).await;
        (r.status == 200).then_some(r)
    })
    .await;
    assert_eq!(
        claims(ok.body["access_token"].as_str().unwrap())["upn"],
        "plain@fabrikam.test"
    );
    assert!(ok.body["refresh_token"].is_string());
    // The device code is used up.
    let r = poll_until(Duration::from_secs(5), || async {
        let r = poll(&emu, &dc).await;
        (r.body["error"] != "slow_down").then_some(r)
    })
    .await;
    assert_eq!(r.body["error"], "bad_verification_code");
}

#[tokio::test]
async fn device_code_declined_and_expired() {
    let emu = start(device_cfg(10, 60_000)).await;
    let (dc, uc) = start_device_flow(&emu).await;
    emu.decline_device_code(&uc).unwrap();
    let r = poll_until(Duration::from_secs(5), || async {
        let r = poll(&emu, &dc).await;
        (r.body["error"] != "slow_down").then_some(r)
    })
    .await;
    assert_eq!(r.body["error"], "authorization_declined");
    assert!(emu
        .approve_device_code("NOPE", "plain@fabrikam.test")
        .is_err());

    let emu = start(device_cfg(10, 300)).await;
    let (dc, _) = start_device_flow(&emu).await;
    let r = poll_until(Duration::from_secs(5), || async {
        let r = poll(&emu, &dc).await;
        (r.body["error"] == "expired_token").then_some(r)
    })
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn ropc_errors() {
    let emu = start_sample().await;
    let ropc = |u: &'static str, p: &'static str| {
        vec![
            ("client_id", DESKTOP_APP),
            ("grant_type", "password"),
            ("username", u),
            ("password", p),
            ("scope", "https://graph.microsoft.com/.default"),
        ]
    };
    let r = token_request(&emu, SAMPLE_TENANT, &ropc("mfa@fabrikam.test", "Mfa-Pass1")).await;
    assert_eq!(r.body["error_codes"], json!([50076]), "{}", r.body);
    assert_eq!(r.body["error"], "invalid_grant");
    let r = token_request(&emu, SAMPLE_TENANT, &ropc("plain@fabrikam.test", "wrong")).await;
    assert_eq!(r.body["error_codes"], json!([50126]));
    let r = token_request(&emu, SAMPLE_TENANT, &ropc("ghost@fabrikam.test", "x")).await;
    assert_eq!(r.body["error_codes"], json!([50034]));
    let r = token_request(
        &emu,
        SAMPLE_TENANT,
        &ropc("disabled@fabrikam.test", "Dis-Pass1"),
    )
    .await;
    assert_eq!(r.body["error_codes"], json!([50057]));
    let r = token_request(
        &emu,
        SAMPLE_TENANT,
        &ropc("plain@fabrikam.test", "Plain-Pass1"),
    )
    .await;
    assert_eq!(r.status, 200);
    // Demo tenant: alice needs MFA, legacy does not.
    let demo = start(EmulatorConfig::default()).await;
    let app = "22222222-2222-4222-8222-222222222222";
    let f = |u: &'static str, p: &'static str| {
        vec![
            ("client_id", app),
            ("grant_type", "password"),
            ("username", u),
            ("password", p),
            ("scope", "https://graph.microsoft.com/.default"),
        ]
    };
    let r = token_request(
        &demo,
        "contoso.com",
        &f("alice@contoso.com", "Demo-Passw0rd!"),
    )
    .await;
    assert_eq!(r.body["error_codes"], json!([50076]));
    let r = token_request(
        &demo,
        "contoso.com",
        &f("legacy@contoso.com", "Legacy-Passw0rd!"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn discovery_documents_point_at_the_emulator() {
    let emu = start_sample().await;
    let base = emu.login_base_url();
    let r = into_resp(
        client()
            .get(format!(
                "{base}/{SAMPLE_TENANT}/v2.0/.well-known/openid-configuration"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["token_endpoint"],
        format!("{base}/{SAMPLE_TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(r.body["issuer"], format!("{base}/{SAMPLE_TENANT}/v2.0"));
    assert_eq!(
        r.body["device_authorization_endpoint"],
        format!("{base}/{SAMPLE_TENANT}/oauth2/v2.0/devicecode")
    );
    let jwks = into_resp(
        client()
            .get(r.body["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(jwks.body["keys"][0]["kty"], "RSA");
    let r = into_resp(
        client()
            .get(format!(
                "{base}/organizations/v2.0/.well-known/openid-configuration"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.body["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    let r = into_resp(
        client()
            .get(format!("{base}/common/discovery/instance"))
            .query(&[
                ("api-version", "1.1"),
                (
                    "authorization_endpoint",
                    &format!("{base}/{SAMPLE_TENANT}/oauth2/v2.0/authorize"),
                ),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["tenant_discovery_endpoint"],
        format!("{base}/{SAMPLE_TENANT}/v2.0/.well-known/openid-configuration")
    );
    let host = base.trim_start_matches("http://");
    assert_eq!(r.body["metadata"][0]["aliases"][0], host);
    let r = into_resp(
        client()
            .get(format!("{base}/common/discovery/instance"))
            .query(&[
                ("api-version", "1.1"),
                (
                    "authorization_endpoint",
                    "https://login.example.org/common/oauth2/authorize",
                ),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_instance");
}
