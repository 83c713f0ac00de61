//! OpenID Connect discovery, MSAL's instance discovery and the JWKS, all pointing at the emulator.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::check_tenant;
use crate::server::{lock, Ctx};

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub(crate) async fn openid_configuration(
    State(ctx): State<Arc<Ctx>>,
    Path(tenant): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Err(e) = check_tenant(&ctx, &tenant) {
        return e.into_response(&headers);
    }
    let b = &ctx.origin(&headers);
    let graph_host = crate::hosts::graph_origin_for(b);
    let graph_host = graph_host.split("://").nth(1).unwrap_or("").to_owned();
    let tid = lock(&ctx.state).tenant_id.clone();
    let generic = ["common", "organizations"].contains(&tenant.to_ascii_lowercase().as_str());
    let issuer_tid = if generic {
        "{tenantid}".to_owned()
    } else {
        tid.clone()
    };
    let host = b.split("://").nth(1).unwrap_or("");
    axum::Json(json!({
        "token_endpoint": format!("{b}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{b}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{b}/{issuer_tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/oidc/userinfo", crate::hosts::graph_origin_for(b)),
        "authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{b}/{tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{b}/{tenant}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": host,
        "cloud_graph_host_name": graph_host,
        "msgraph_host": graph_host,
        "rbac_url": "https://pas.windows.net",
    }))
    .into_response()
}

/// `GET /{tenant}/discovery/v2.0/keys`.
pub(crate) async fn keys(
    State(ctx): State<Arc<Ctx>>,
    Path(_tenant): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let tid = lock(&ctx.state).tenant_id.clone();
    let issuer = format!("{}/{tid}/v2.0", ctx.origin(&headers));
    axum::Json(ctx.signer.jwks(&issuer)).into_response()
}

/// `GET /{tenant}/discovery/instance?api-version=1.1&authorization_endpoint=...` (MSAL's
/// authority validation). Unknown hosts get `invalid_instance` like Microsoft's.
pub(crate) async fn instance(
    State(ctx): State<Arc<Ctx>>,
    Query(q): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> Response {
    let origin = ctx.origin(&headers);
    let host = origin.split("://").nth(1).unwrap_or("").to_owned();
    let tenant = match q.get("authorization_endpoint") {
        None => "common".to_owned(),
        Some(ep) => match url::Url::parse(ep) {
            Ok(u) => {
                let h = match u.port() {
                    Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
                    None => u.host_str().unwrap_or("").to_owned(),
                };
                if h != host {
                    let e = super::AadError::new(
                        400,
                        "invalid_instance",
                        50049,
                        "Unknown or invalid instance.",
                    );
                    let mut body = e.body(&uuid::Uuid::new_v4().to_string());
                    body["error"] = json!("invalid_instance");
                    return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
                }
                u.path_segments()
                    .and_then(|mut s| s.next())
                    .unwrap_or("common")
                    .to_owned()
            }
            Err(_) => "common".to_owned(),
        },
    };
    axum::Json(json!({
        "tenant_discovery_endpoint": format!("{origin}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }))
    .into_response()
}
