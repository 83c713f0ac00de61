//! `POST /{tenant}/oauth2/v2.0/token`: all grants, and issuing access, id and refresh tokens.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::Digest as _;

use super::{
    check_app_scope, check_tenant, check_user_enabled, delegated_scopes, find_app, form,
    random_token, AadError, DeviceStatus, RefreshGrant,
};
use crate::fixture::{FixtureApplication, FixtureUser};
use crate::server::{lock, Ctx};
use crate::tokens::{verify_client_assertion, GRAPH_RESOURCE};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The token endpoint.
pub(crate) async fn token(
    State(ctx): State<Arc<Ctx>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.stats.count_login();
    let f = form(&body);
    match grant(&ctx, &tenant, &headers, &f) {
        Ok(v) => (
            [
                ("cache-control", "no-store, no-cache"),
                ("pragma", "no-cache"),
            ],
            axum::Json(v),
        )
            .into_response(),
        Err(e) => e.into_response(&headers),
    }
}

fn grant(
    ctx: &Ctx,
    tenant: &str,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<Value, AadError> {
    check_tenant(ctx, tenant)?;
    let grant_type = f.get("grant_type").map(String::as_str).unwrap_or("");
    match grant_type {
        "client_credentials" => client_credentials(ctx, tenant, headers, f),
        "password" => password(ctx, tenant, headers, f),
        "authorization_code" => authorization_code(ctx, tenant, headers, f),
        "refresh_token" => refresh_token(ctx, tenant, headers, f),
        DEVICE_GRANT => device_code(ctx, tenant, headers, f),
        "" => Err(AadError::new(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        )),
        other => Err(AadError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

/// Audiences accepted in a client assertion: this token endpoint under any name of the tenant.
fn assertion_audiences(ctx: &Ctx, tenant: &str, headers: &HeaderMap) -> Vec<String> {
    let origin = ctx.origin(headers);
    let st = lock(&ctx.state);
    let mut names = vec![tenant.to_owned(), st.tenant_id.clone()];
    names.extend(st.verified_domains.iter().map(|d| d.name.clone()));
    names
        .iter()
        .flat_map(|n| {
            [
                format!("{origin}/{n}/oauth2/v2.0/token"),
                format!("{origin}/{n}/oauth2/token"),
            ]
        })
        .collect()
}

fn basic_secret(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v.strip_prefix("Basic ")?.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Authenticates the client; returns `appidacr` ("0" public, "1" secret, "2" certificate).
fn client_auth(
    ctx: &Ctx,
    tenant: &str,
    headers: &HeaderMap,
    app: &FixtureApplication,
    f: &HashMap<String, String>,
    confidential_only: bool,
) -> Result<&'static str, AadError> {
    if let Some(assertion) = f.get("client_assertion") {
        if f.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
            return Err(AadError::new(400, "invalid_request", 50027, "Invalid JWT token. The client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'."));
        }
        verify_client_assertion(
            assertion,
            app,
            &app.app_id,
            &assertion_audiences(ctx, tenant, headers),
            ctx.clock.now().timestamp(),
        )
        .map_err(|e| AadError::new(401, "invalid_client", e.code, e.description))?;
        return Ok("2");
    }
    let secret = f
        .get("client_secret")
        .cloned()
        .or_else(|| basic_secret(headers).map(|(_, s)| s));
    if let Some(secret) = secret {
        if app.client_secrets.iter().any(|s| s == &secret) {
            return Ok("1");
        }
        return Err(AadError::new(
            401,
            "invalid_client",
            7000215,
            format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", app.app_id),
        ));
    }
    if app.is_public_client && !confidential_only {
        return Ok("0");
    }
    Err(AadError::new(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."))
}

fn client_credentials(
    ctx: &Ctx,
    tenant: &str,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<Value, AadError> {
    let app = find_app(ctx, f.get("client_id"))?;
    let acr = client_auth(ctx, tenant, headers, &app, f, true)?;
    check_app_scope(ctx, f.get("scope"))?;
    let now = ctx.clock.now().timestamp();
    let life = ctx.lifetimes.access_token.as_secs().max(1) as i64;
    let (tid, sp) = {
        let st = lock(&ctx.state);
        (
            st.tenant_id.clone(),
            st.service_principal_id_for_app(&app.app_id),
        )
    };
    let mut claims = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now, "exp": now + life,
        "aio": random_token(12),
        "app_displayname": app.display_name,
        "appid": app.app_id,
        "appidacr": acr,
        "idp": format!("https://sts.windows.net/{tid}/"),
        "idtyp": "app",
        "oid": sp, "sub": sp,
        "tid": tid,
        "uti": random_token(16),
        "ver": "1.0",
    });
    if !app.application_permissions.is_empty() {
        claims["roles"] = json!(app.application_permissions);
    }
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": life,
        "ext_expires_in": life,
        "access_token": ctx.signer.sign(&claims),
    }))
}

/// Issues the token response for a signed-in user.
pub(crate) fn user_tokens(
    ctx: &Ctx,
    headers: &HeaderMap,
    app: &FixtureApplication,
    user: &FixtureUser,
    (graph, oidc): (&[String], &[String]),
    nonce: Option<&str>,
    acr: &str,
) -> Value {
    let origin = ctx.origin(headers);
    let now = ctx.clock.now().timestamp();
    let life = ctx.lifetimes.access_token.as_secs().max(1) as i64;
    let (tid, wids) = {
        let st = lock(&ctx.state);
        let wids: Vec<String> = st
            .assignments
            .iter()
            .filter(|a| a.principal_id == user.id && a.directory_scope_id == "/")
            .filter_map(|a| {
                st.role(&a.role_definition_id)
                    .map(|r| r.template_id.clone())
            })
            .collect();
        (st.tenant_id.clone(), wids)
    };
    let mut scp: Vec<String> = graph.to_vec();
    scp.extend(oidc.iter().filter(|o| *o != "offline_access").cloned());
    let access = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now, "exp": now + life,
        "acr": "1",
        "amr": ["pwd", "mfa"],
        "app_displayname": app.display_name,
        "appid": app.app_id,
        "appidacr": acr,
        "family_name": user.surname,
        "given_name": user.given_name,
        "idtyp": "user",
        "name": user.display_name,
        "oid": user.id,
        "scp": scp.join(" "),
        "sub": user.id,
        "tid": tid,
        "unique_name": user.user_principal_name,
        "upn": user.user_principal_name,
        "uti": random_token(16),
        "ver": "1.0",
        "wids": wids,
    });
    let mut out = json!({
        "token_type": "Bearer",
        "scope": scp.join(" "),
        "expires_in": life,
        "ext_expires_in": life,
        "access_token": ctx.signer.sign(&access),
    });
    if oidc.iter().any(|o| o == "openid") {
        let mut id = json!({
            "aud": app.app_id,
            "iss": format!("{origin}/{tid}/v2.0"),
            "iat": now, "nbf": now, "exp": now + 3600,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.user_principal_name,
            "sub": user.id,
            "tid": tid,
            "ver": "2.0",
        });
        if let Some(n) = nonce {
            id["nonce"] = json!(n);
        }
        out["id_token"] = json!(ctx.signer.sign(&id));
    }
    if oidc.iter().any(|o| o == "offline_access") {
        let rt = random_token(48);
        lock(&ctx.login).refresh.insert(
            rt.clone(),
            RefreshGrant {
                client_id: app.app_id.clone(),
                user_id: user.id.clone(),
                graph_scopes: graph.to_vec(),
                oidc: oidc.to_vec(),
                expires: ctx.clock.instant() + ctx.lifetimes.refresh_token,
            },
        );
        out["refresh_token"] = json!(rt);
    }
    out
}

fn password(
    ctx: &Ctx,
    tenant: &str,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<Value, AadError> {
    let app = find_app(ctx, f.get("client_id"))?;
    let acr = client_auth(ctx, tenant, headers, &app, f, false)?;
    let (graph, oidc) = delegated_scopes(ctx, &app, f.get("scope"))?;
    let username = f.get("username").cloned().unwrap_or_default();
    let pw = f.get("password").cloned().unwrap_or_default();
    let user = {
        let st = lock(&ctx.state);
        st.find_user(&username).cloned()
    };
    let Some(user) = user else {
        let tenant_name = lock(&ctx.state).display_name.clone();
        return Err(AadError::new(
            400,
            "invalid_grant",
            50034,
            format!("The user account {{EUII Hidden}} does not exist in the {tenant_name} directory. To sign into this application, the account must be added to the directory."),
        ));
    };
    if user.password.as_deref() != Some(pw.as_str()) || pw.is_empty() {
        return Err(AadError::new(
            400,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        ));
    }
    check_user_enabled(&user)?;
    if user.mfa_required {
        return Err(AadError::new(
            400,
            "invalid_grant",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
        ));
    }
    Ok(user_tokens(
        ctx,
        headers,
        &app,
        &user,
        (&graph, &oidc),
        None,
        acr,
    ))
}

fn pkce_ok(challenge: &(String, String), verifier: &str) -> bool {
    let (method, value) = challenge;
    if method.eq_ignore_ascii_case("S256") {
        let h = sha2::Sha256::digest(verifier.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h) == *value
    } else {
        verifier == value
    }
}

fn authorization_code(
    ctx: &Ctx,
    tenant: &str,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<Value, AadError> {
    let app = find_app(ctx, f.get("client_id"))?;
    let acr = client_auth(ctx, tenant, headers, &app, f, false)?;
    let code = f.get("code").cloned().unwrap_or_default();
    let invalid_code = || {
        AadError::new(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )
    };
    let grant = {
        let login = lock(&ctx.login);
        login.codes.get(&code).cloned()
    };
    let Some(grant) = grant else {
        return Err(invalid_code());
    };
    if grant.client_id != app.app_id {
        return Err(invalid_code());
    }
    if grant.used {
        return Err(AadError::new(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
    }
    if ctx.clock.instant() >= grant.expires {
        return Err(AadError::new(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    if f.get("redirect_uri").map(String::as_str) != Some(grant.redirect_uri.as_str()) {
        return Err(AadError::new(400, "invalid_grant", 70000, "The request was denied because one or more grants are invalid: the redirect_uri does not match the one used in the authorization request."));
    }
    if let Some(ch) = &grant.challenge {
        let ok = f.get("code_verifier").is_some_and(|v| pkce_ok(ch, v));
        if !ok {
            return Err(AadError::new(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
        }
    }
    // Single use: mark redeemed.
    if let Some(c) = lock(&ctx.login).codes.get_mut(&code) {
        c.used = true;
    }
    let user = lock(&ctx.state)
        .find_user(&grant.user_id)
        .cloned()
        .ok_or_else(invalid_code)?;
    check_user_enabled(&user)?;
    Ok(user_tokens(
        ctx,
        headers,
        &app,
        &user,
        (&grant.graph_scopes, &grant.oidc),
        grant.nonce.as_deref(),
        acr,
    ))
}

fn refresh_token(
    ctx: &Ctx,
    tenant: &str,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<Value, AadError> {
    let app = find_app(ctx, f.get("client_id"))?;
    let acr = client_auth(ctx, tenant, headers, &app, f, false)?;
    let rt = f.get("refresh_token").cloned().unwrap_or_default();
    let grant = lock(&ctx.login).refresh.get(&rt).cloned();
    let invalid = || {
        AadError::new(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )
    };
    let Some(grant) = grant else {
        return Err(invalid());
    };
    if grant.client_id != app.app_id {
        return Err(AadError::new(400, "invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token was issued to a different client."));
    }
    if ctx.clock.instant() >= grant.expires {
        return Err(AadError::new(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    let (graph, mut oidc) = match f.get("scope") {
        Some(s) if !s.trim().is_empty() => delegated_scopes(ctx, &app, Some(s))?,
        _ => (grant.graph_scopes.clone(), grant.oidc.clone()),
    };
    // A refresh-token grant always returns a new refresh token.
    if !oidc.iter().any(|o| o == "offline_access") {
        oidc.push("offline_access".to_owned());
    }
    let user = lock(&ctx.state)
        .find_user(&grant.user_id)
        .cloned()
        .ok_or_else(invalid)?;
    check_user_enabled(&user)?;
    Ok(user_tokens(
        ctx,
        headers,
        &app,
        &user,
        (&graph, &oidc),
        None,
        acr,
    ))
}

fn device_code(
    ctx: &Ctx,
    tenant: &str,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<Value, AadError> {
    let app = find_app(ctx, f.get("client_id"))?;
    let acr = client_auth(ctx, tenant, headers, &app, f, false)?;
    let code = f
        .get("device_code")
        .or_else(|| f.get("code"))
        .cloned()
        .unwrap_or_default();
    let now = ctx.clock.instant();
    let (graph, oidc, user_id) = {
        let mut login = lock(&ctx.login);
        let Some(d) = login.devices.get_mut(&code) else {
            return Err(AadError::new(
                400,
                "bad_verification_code",
                70019,
                "The provided value for the input parameter 'device_code' is not valid.",
            ));
        };
        if d.client_id != app.app_id {
            return Err(AadError::new(
                400,
                "bad_verification_code",
                70019,
                "The provided value for the input parameter 'device_code' is not valid.",
            ));
        }
        if now >= d.expires {
            return Err(AadError::new(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."));
        }
        let too_fast = d
            .last_poll
            .is_some_and(|l| now.saturating_duration_since(l) < ctx.lifetimes.device_code_interval);
        // Polls answered with slow_down do not restart the interval.
        if too_fast {
            return Err(AadError::new(400, "slow_down", 70016, "OAuth 2.0 device flow error. Polling too frequently; wait at least the interval between requests."));
        }
        d.last_poll = Some(now);
        match d.status.clone() {
            DeviceStatus::Pending => {
                return Err(AadError::new(
                    400,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ));
            }
            DeviceStatus::Declined => {
                return Err(AadError::new(
                    400,
                    "authorization_declined",
                    70000,
                    "The request was denied because the user declined the authorization request.",
                ));
            }
            DeviceStatus::Approved(u) => {
                let out = (d.graph_scopes.clone(), d.oidc.clone(), u);
                login.devices.remove(&code);
                out
            }
        }
    };
    let user = lock(&ctx.state)
        .find_user(&user_id)
        .cloned()
        .ok_or_else(|| {
            AadError::new(
                400,
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            )
        })?;
    check_user_enabled(&user)?;
    Ok(user_tokens(
        ctx,
        headers,
        &app,
        &user,
        (&graph, &oidc),
        None,
        acr,
    ))
}
