//! Token endpoint: client credentials with secret and certificate, AADSTS errors, JWKS.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Value};
use sha1::Digest as _;

use crate::support::*;

const APP_CERT: &str = include_str!("../../fixtures/demo-app-cert.pem");
const APP_KEY: &str = include_str!("../../fixtures/demo-app-key.pem");
const OTHER_CERT: &str = include_str!("../../fixtures/untrusted-cert.pem");
const OTHER_KEY: &str = include_str!("../../fixtures/untrusted-key.pem");

fn der(cert: &str) -> Vec<u8> {
    x509_parser::pem::parse_x509_pem(cert.as_bytes())
        .unwrap()
        .1
        .contents
}

pub fn assertion(alg: Algorithm, key: &str, cert: &str, s256: bool, claims: &Value) -> String {
    let d = der(cert);
    let mut h = Header::new(alg);
    if s256 {
        h.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&d)));
    } else {
        h.x5t = Some(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&d)));
    }
    jsonwebtoken::encode(
        &h,
        claims,
        &EncodingKey::from_rsa_pem(key.as_bytes()).unwrap(),
    )
    .unwrap()
}

pub fn good_claims(aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"aud": aud, "iss": SYNC_APP, "sub": SYNC_APP, "jti": uuid::Uuid::new_v4().to_string(), "nbf": now, "iat": now, "exp": now + 300})
}

async fn with_assertion(emu: &rolesync_entra_emulator::RunningEmulator, a: &str) -> Resp {
    token_request(
        emu,
        &emu.tenant_id(),
        &[
            ("client_id", SYNC_APP),
            ("scope", GRAPH_SCOPE),
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", a),
        ],
    )
    .await
}

fn assert_aad_error(r: &Resp, status: u16, error: &str, code: u64) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error"], error, "{}", r.body);
    assert_eq!(r.body["error_codes"], json!([code]), "{}", r.body);
    let d = r.body["error_description"].as_str().unwrap();
    assert!(d.starts_with(&format!("AADSTS{code}: ")), "{d}");
    assert!(d.contains("\r\nTrace ID: "), "{d}");
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(r.body[k].is_string(), "missing {k}: {}", r.body);
    }
}

#[tokio::test]
async fn client_secret_token_is_a_verifiable_graph_token() {
    let emu = start_sample().await;
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
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 3599);
    let at = r.body["access_token"].as_str().unwrap();
    // Verify with the published JWKS.
    let keys = into_resp(
        client()
            .get(format!(
                "{}/{SAMPLE_TENANT}/discovery/v2.0/keys",
                emu.login_base_url()
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let header = jsonwebtoken::decode_header(at).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwk = keys.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("kid published");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&["https://graph.microsoft.com"]);
    let data = jsonwebtoken::decode::<Value>(at, &key, &v).unwrap();
    let c = data.claims;
    assert_eq!(c["tid"], SAMPLE_TENANT);
    assert_eq!(c["appid"], SYNC_APP);
    assert_eq!(c["idtyp"], "app");
    assert!(c["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("RoleManagement.ReadWrite.Directory")));
    assert!(c.get("scp").is_none());
    let exp = c["exp"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!((3590..=3600).contains(&exp), "{exp}");
    // The tenant can also be named by a verified domain; the app id form of the resource works too.
    let r = token_request(
        &emu,
        "fabrikam.test",
        &[
            ("client_id", SYNC_APP),
            ("client_secret", SYNC_SECRET),
            ("scope", "00000003-0000-0000-c000-000000000000/.default"),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    emu.shutdown().await;
}

#[tokio::test]
async fn token_errors_are_aadsts_shaped() {
    let emu = start_sample().await;
    let t = emu.tenant_id();
    let base = |id: &'static str, secret: &'static str, scope: &'static str| {
        vec![
            ("client_id", id),
            ("client_secret", secret),
            ("scope", scope),
            ("grant_type", "client_credentials"),
        ]
    };
    let r = token_request(&emu, &t, &base(SYNC_APP, "wrong", GRAPH_SCOPE)).await;
    assert_aad_error(&r, 401, "invalid_client", 7000215);
    let r = token_request(
        &emu,
        &t,
        &base("99999999-1111-4111-8111-999999999999", "x", GRAPH_SCOPE),
    )
    .await;
    assert_aad_error(&r, 400, "unauthorized_client", 700016);
    let r = token_request(
        &emu,
        &t,
        &base(
            SYNC_APP,
            SYNC_SECRET,
            "https://graph.microsoft.com/User.Read.All",
        ),
    )
    .await;
    assert_aad_error(&r, 400, "invalid_scope", 70011);
    let r = token_request(
        &emu,
        &t,
        &base(
            SYNC_APP,
            SYNC_SECRET,
            "https://management.azure.com/.default",
        ),
    )
    .await;
    assert_aad_error(&r, 400, "invalid_resource", 500011);
    let r = token_request(
        &emu,
        "no-such-tenant.example",
        &base(SYNC_APP, SYNC_SECRET, GRAPH_SCOPE),
    )
    .await;
    assert_aad_error(&r, 400, "invalid_request", 90002);
    let r = token_request(
        &emu,
        &t,
        &[
            ("client_id", SYNC_APP),
            ("scope", GRAPH_SCOPE),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_aad_error(&r, 401, "invalid_client", 7000218);
    let r = token_request(
        &emu,
        &t,
        &[
            ("client_id", SYNC_APP),
            ("grant_type", "urn:example:unknown"),
        ],
    )
    .await;
    assert_aad_error(&r, 400, "unsupported_grant_type", 70003);
    // The correlation id echoes client-request-id.
    let url = format!("{}/{t}/oauth2/v2.0/token", emu.login_base_url());
    let r = into_resp(
        client()
            .post(url)
            .header("client-request-id", "corr-123")
            .form(&base(SYNC_APP, "wrong", GRAPH_SCOPE))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.body["correlation_id"], "corr-123");
}

#[tokio::test]
async fn certificate_assertions_rs256_and_ps256_are_accepted() {
    let emu = start_sample().await;
    let aud = emu.token_endpoint();
    for (alg, s256) in [
        (Algorithm::RS256, false),
        (Algorithm::PS256, true),
        (Algorithm::PS256, false),
    ] {
        let r = with_assertion(
            &emu,
            &assertion(alg, APP_KEY, APP_CERT, s256, &good_claims(&aud)),
        )
        .await;
        assert_eq!(r.status, 200, "{alg:?} s256={s256}: {}", r.body);
        assert_eq!(
            claims(r.body["access_token"].as_str().unwrap())["appidacr"],
            "2"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn certificate_assertions_are_rejected_when_invalid() {
    let emu = start_sample().await;
    let aud = emu.token_endpoint();
    let now = chrono::Utc::now().timestamp();
    // Signed by another key but claiming the registered certificate's thumbprint.
    let forged = {
        let d = der(APP_CERT);
        let mut h = Header::new(Algorithm::RS256);
        h.x5t = Some(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&d)));
        jsonwebtoken::encode(
            &h,
            &good_claims(&aud),
            &EncodingKey::from_rsa_pem(OTHER_KEY.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let r = with_assertion(&emu, &forged).await;
    assert_aad_error(&r, 401, "invalid_client", 700027);
    assert!(r.body["error_description"]
        .as_str()
        .unwrap()
        .contains("signature"));
    // A certificate that is not registered (x5t unknown).
    let r = with_assertion(
        &emu,
        &assertion(
            Algorithm::RS256,
            OTHER_KEY,
            OTHER_CERT,
            false,
            &good_claims(&aud),
        ),
    )
    .await;
    assert_aad_error(&r, 401, "invalid_client", 700027);
    assert!(r.body["error_description"]
        .as_str()
        .unwrap()
        .contains("The key was not found"));
    // Wrong audience.
    let r = with_assertion(
        &emu,
        &assertion(
            Algorithm::RS256,
            APP_KEY,
            APP_CERT,
            false,
            &good_claims("https://login.microsoftonline.com/other/oauth2/v2.0/token"),
        ),
    )
    .await;
    assert_aad_error(&r, 401, "invalid_client", 700023);
    // Expired.
    let mut c = good_claims(&aud);
    c["nbf"] = json!(now - 1200);
    c["exp"] = json!(now - 600);
    let r = with_assertion(
        &emu,
        &assertion(Algorithm::RS256, APP_KEY, APP_CERT, false, &c),
    )
    .await;
    assert_aad_error(&r, 401, "invalid_client", 700024);
    // Too far in the future.
    let mut c = good_claims(&aud);
    c["exp"] = json!(now + 3600);
    let r = with_assertion(
        &emu,
        &assertion(Algorithm::RS256, APP_KEY, APP_CERT, false, &c),
    )
    .await;
    assert_aad_error(&r, 401, "invalid_client", 700024);
    // Not yet valid.
    let mut c = good_claims(&aud);
    c["nbf"] = json!(now + 300);
    let r = with_assertion(
        &emu,
        &assertion(Algorithm::RS256, APP_KEY, APP_CERT, false, &c),
    )
    .await;
    assert_aad_error(&r, 401, "invalid_client", 700024);
    // iss/sub not the client id.
    let mut c = good_claims(&aud);
    c["iss"] = json!(READER_APP);
    let r = with_assertion(
        &emu,
        &assertion(Algorithm::RS256, APP_KEY, APP_CERT, false, &c),
    )
    .await;
    assert_aad_error(&r, 401, "invalid_client", 700021);
    // Garbage.
    let r = with_assertion(&emu, "not.a.jwt").await;
    assert_eq!(r.body["error_codes"], json!([50027]));
}

#[tokio::test]
async fn demo_tenant_app_accepts_its_documented_credentials() {
    let emu = start(rolesync_entra_emulator::EmulatorConfig::default()).await;
    let app = "11111111-1111-4111-8111-111111111111";
    let at = app_token_for(&emu, app, "demo-secret-not-for-production").await;
    let r = get(
        &emu,
        &at,
        &format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{GA}'"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let principals: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["principalId"].as_str().unwrap())
        .collect();
    assert_eq!(
        principals.len(),
        3,
        "alice, breakglass, svc-monitor: {principals:?}"
    );
    // Certificate auth with the shipped key.
    let now = chrono::Utc::now().timestamp();
    let c = json!({"aud": emu.token_endpoint(), "iss": app, "sub": app, "jti": "1", "nbf": now, "exp": now + 300});
    let a = assertion(
        Algorithm::PS256,
        rolesync_entra_emulator::DEMO_APP_KEY_PEM,
        rolesync_entra_emulator::DEMO_APP_CERT_PEM,
        true,
        &c,
    );
    let r = token_request(
        &emu,
        "contoso.onmicrosoft.com",
        &[
            ("client_id", app),
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
}
