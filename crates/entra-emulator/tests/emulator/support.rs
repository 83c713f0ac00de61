//! Shared helpers for the integration tests.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use rolesync_entra_emulator::{EmulatorConfig, RunningEmulator, TenantFixture};
use serde_json::{json, Value};

pub const SAMPLE_TENANT: &str = "0a0b0c0d-1111-4222-8333-444455556666";
pub const SYNC_APP: &str = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
pub const SYNC_SECRET: &str = "s3cret-value";
pub const READER_APP: &str = "bbbbbbbb-1111-4111-8111-bbbbbbbbbbbb";
pub const DESKTOP_APP: &str = "cccccccc-1111-4111-8111-cccccccccccc";
pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub const SEC_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
pub const PRA: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

pub fn sample_tenant() -> TenantFixture {
    TenantFixture::from_json(include_str!("../../fixtures/sample-tenant.json")).unwrap()
}

pub fn user_id(n: u32) -> String {
    format!("10000000-0000-4000-8000-{n:012}")
}

/// Sample tenant, real throttling limits, no faults.
pub fn sample_config() -> EmulatorConfig {
    EmulatorConfig {
        tenant: sample_tenant(),
        ..EmulatorConfig::default()
    }
}

pub async fn start(cfg: EmulatorConfig) -> RunningEmulator {
    RunningEmulator::start(cfg).await.unwrap()
}

pub async fn start_sample() -> RunningEmulator {
    start(sample_config()).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, k: &str) -> Option<String> {
        self.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
}

pub async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Resp {
        status,
        headers,
        body,
    }
}

pub async fn token_request(emu: &RunningEmulator, tenant: &str, form: &[(&str, &str)]) -> Resp {
    let url = format!("{}/{tenant}/oauth2/v2.0/token", emu.login_base_url());
    into_resp(client().post(url).form(form).send().await.unwrap()).await
}

pub async fn app_token_for(emu: &RunningEmulator, app: &str, secret: &str) -> String {
    let r = token_request(
        emu,
        &emu.tenant_id(),
        &[
            ("client_id", app),
            ("client_secret", secret),
            ("scope", GRAPH_SCOPE),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

/// App-only token of the sample tenant's sync app.
pub async fn app_token(emu: &RunningEmulator) -> String {
    app_token_for(emu, SYNC_APP, SYNC_SECRET).await
}

/// Delegated token via ROPC on the sample tenant's public client.
pub async fn user_token(emu: &RunningEmulator, upn: &str, password: &str) -> String {
    let r = token_request(
        emu,
        &emu.tenant_id(),
        &[
            ("client_id", DESKTOP_APP),
            ("grant_type", "password"),
            ("username", upn),
            ("password", password),
            (
                "scope",
                "https://graph.microsoft.com/.default offline_access openid",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

pub async fn graph(
    emu: &RunningEmulator,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    graph_with(emu, token, method, path, body, &[]).await
}

pub async fn graph_with(
    emu: &RunningEmulator,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", emu.graph_base_url())
    };
    let mut rb = client().request(method.parse().unwrap(), url);
    if !token.is_empty() {
        rb = rb.bearer_auth(token);
    }
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    into_resp(rb.send().await.unwrap()).await
}

pub async fn get(emu: &RunningEmulator, token: &str, path: &str) -> Resp {
    graph(emu, token, "GET", path, None).await
}

/// Decodes a JWT's claims without verifying (for assertions about content).
pub fn claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

/// Polls `f` until it returns `Some` or the deadline passes.
pub async fn poll_until<T, F, Fut>(deadline: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(t) = f().await {
            return t;
        }
        assert!(
            Instant::now() < end,
            "condition not reached within {deadline:?}"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn role_assignment_body(role: &str, principal: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "roleDefinitionId": role, "principalId": principal, "directoryScopeId": "/"})
}
