//! Microsoft identity platform v2 endpoints: token (client credentials with secret or
//! certificate assertion, authorization code + PKCE, device code, refresh token, ROPC),
//! authorize, devicecode, OpenID discovery, instance discovery and JWKS, with AADSTS-style
//! error bodies.

mod authorize;
mod device;
mod discovery;
mod token;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use serde_json::json;

use crate::fixture::{FixtureApplication, FixtureUser};
use crate::server::Ctx;
use crate::tokens::{GRAPH_APP_ID, GRAPH_RESOURCE};

pub(crate) use device::{approve, decline};

/// Login routes.
pub(crate) fn router() -> Router<Arc<Ctx>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token::token))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::devicecode))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route("/{tenant}/discovery/instance", get(discovery::instance))
        .route("/devicelogin", get(device::devicelogin_page))
        .route("/_emulator/device/approve", post(device::approve_hook))
        .route("/_emulator/device/decline", post(device::decline_hook))
        .route("/_emulator/clock", post(clock_hook))
        .route(
            "/_emulator/portal/roleAssignment",
            post(crate::portal::role_assignment),
        )
}

/// `POST /_emulator/clock {"advanceSeconds": N}` (test hook): moves the emulator's clock forward
/// by N seconds (0 to 10 years); answers the new time.
async fn clock_hook(
    axum::extract::State(ctx): axum::extract::State<Arc<Ctx>>,
    body: axum::body::Bytes,
) -> Response {
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    match v["advanceSeconds"]
        .as_u64()
        .filter(|n| *n <= 10 * 366 * 86_400)
    {
        Some(n) => {
            ctx.clock.advance(std::time::Duration::from_secs(n));
            axum::Json(json!({"now": ctx.clock.now().to_rfc3339()})).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            "expected {\"advanceSeconds\": N} with N from 0 to 10 years",
        )
            .into_response(),
    }
}

/// An AADSTS error.
#[derive(Debug, Clone)]
pub(crate) struct AadError {
    pub status: u16,
    pub error: &'static str,
    pub code: u32,
    pub description: String,
}

impl AadError {
    pub fn new(
        status: u16,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> AadError {
        AadError {
            status,
            error,
            code,
            description: description.into(),
        }
    }

    /// Microsoft's token-endpoint error body.
    pub fn body(&self, correlation_id: &str) -> serde_json::Value {
        let trace = uuid::Uuid::new_v4().to_string();
        let now = Utc::now();
        let ts = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
        json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {}",
                self.code, self.description, now.format("%Y-%m-%d %H:%M:%S%.3fZ")
            ),
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        })
    }

    pub fn into_response(self, headers: &HeaderMap) -> Response {
        let corr = correlation_id(headers);
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (
            status,
            [("cache-control", "no-store, no-cache")],
            axum::Json(self.body(&corr)),
        )
            .into_response()
    }
}

pub(crate) fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Checks the tenant segment of a login URL.
pub(crate) fn check_tenant(ctx: &Ctx, seg: &str) -> Result<(), AadError> {
    if crate::server::lock(&ctx.state).matches_tenant(seg) {
        Ok(())
    } else {
        Err(AadError::new(
            400,
            "invalid_request",
            90002,
            format!("Tenant '{seg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        ))
    }
}

pub(crate) fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Looks up the app or fails with AADSTS700016.
pub(crate) fn find_app(
    ctx: &Ctx,
    client_id: Option<&String>,
) -> Result<FixtureApplication, AadError> {
    let Some(client_id) = client_id.filter(|c| !c.is_empty()) else {
        return Err(AadError::new(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        ));
    };
    let st = crate::server::lock(&ctx.state);
    st.application(client_id).cloned().ok_or_else(|| {
        AadError::new(
            400,
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", st.display_name),
        )
    })
}

const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

fn graph_resource(r: &str) -> bool {
    let r = r.trim_end_matches('/');
    r.eq_ignore_ascii_case(GRAPH_RESOURCE) || r.eq_ignore_ascii_case(GRAPH_APP_ID)
}

fn unknown_resource(ctx: &Ctx, r: &str) -> AadError {
    AadError::new(
        400,
        "invalid_resource",
        500011,
        format!("The resource principal named {r} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", crate::server::lock(&ctx.state).display_name),
    )
}

/// Client credentials: the scope must be exactly `{graph}/.default`.
pub(crate) fn check_app_scope(ctx: &Ctx, scope: Option<&String>) -> Result<(), AadError> {
    let Some(scope) = scope.map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Err(AadError::new(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        ));
    };
    let items: Vec<&str> = scope.split_whitespace().collect();
    if items.len() != 1 || !items[0].ends_with("/.default") {
        return Err(AadError::new(400, "invalid_scope", 70011, format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.")));
    }
    let resource = items[0].trim_end_matches("/.default");
    if !graph_resource(resource) {
        return Err(unknown_resource(ctx, resource));
    }
    Ok(())
}

/// Delegated scopes granted for a request: (Graph scopes, OpenID scopes).
pub(crate) fn delegated_scopes(
    ctx: &Ctx,
    app: &FixtureApplication,
    scope: Option<&String>,
) -> Result<(Vec<String>, Vec<String>), AadError> {
    let Some(scope) = scope.map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Err(AadError::new(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        ));
    };
    let mut graph = Vec::new();
    let mut oidc = Vec::new();
    for item in scope.split_whitespace() {
        if let Some(o) = OIDC_SCOPES.iter().find(|o| o.eq_ignore_ascii_case(item)) {
            oidc.push((*o).to_owned());
            continue;
        }
        let (resource, name) = match item.rsplit_once('/') {
            Some((r, n)) => (Some(r), n),
            None => (None, item),
        };
        if let Some(r) = resource {
            if !graph_resource(r) {
                return Err(unknown_resource(ctx, r));
            }
        }
        if name == ".default" {
            graph.extend(app.delegated_scopes.iter().cloned());
            continue;
        }
        if name.is_empty() {
            return Err(AadError::new(400, "invalid_scope", 70011, format!("The provided value for the input parameter 'scope' is not valid. The scope {item} is not valid.")));
        }
        match app.delegated_scopes.iter().find(|s| s.eq_ignore_ascii_case(name)) {
            Some(s) => graph.push(s.clone()),
            None => {
                return Err(AadError::new(
                    400,
                    "invalid_grant",
                    65001,
                    format!("The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.", app.app_id, app.display_name),
                ))
            }
        }
    }
    graph.sort();
    graph.dedup();
    Ok((graph, oidc))
}

/// Refuses sign-in for disabled users (AADSTS50057).
pub(crate) fn check_user_enabled(u: &FixtureUser) -> Result<(), AadError> {
    if u.account_enabled {
        Ok(())
    } else {
        Err(AadError::new(
            400,
            "invalid_grant",
            50057,
            "The user account is disabled.",
        ))
    }
}

/// A pending authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub challenge: Option<(String, String)>,
    pub graph_scopes: Vec<String>,
    pub oidc: Vec<String>,
    pub nonce: Option<String>,
    pub expires: Instant,
    pub used: bool,
}

/// Device-code state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
}

/// A device-code grant in progress.
#[derive(Debug, Clone)]
pub(crate) struct DeviceCode {
    pub user_code: String,
    pub client_id: String,
    pub graph_scopes: Vec<String>,
    pub oidc: Vec<String>,
    pub expires: Instant,
    pub last_poll: Option<Instant>,
    pub status: DeviceStatus,
}

/// A refresh token's grant.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub user_id: String,
    pub graph_scopes: Vec<String>,
    pub oidc: Vec<String>,
    pub expires: Instant,
}

/// Transient login state.
#[derive(Debug, Default)]
pub(crate) struct LoginState {
    pub codes: HashMap<String, AuthCode>,
    pub devices: HashMap<String, DeviceCode>,
    pub refresh: HashMap<String, RefreshGrant>,
}

/// A random URL-safe secret of `n` bytes.
pub(crate) fn random_token(n: usize) -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}
