//! Device-code flow: `POST /{tenant}/oauth2/v2.0/devicecode`, the test hooks that approve or
//! decline a user code (`POST /_emulator/device/{approve,decline}` and
//! [`crate::RunningEmulator::approve_device_code`]), and a stub verification page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use rand::Rng as _;
use serde_json::{json, Value};

use super::{
    check_tenant, delegated_scopes, find_app, form, random_token, DeviceCode, DeviceStatus,
};
use crate::server::{lock, Ctx};

fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut r = rand::thread_rng();
    (0..9)
        .map(|_| ALPHABET[r.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The devicecode endpoint.
pub(crate) async fn devicecode(
    State(ctx): State<Arc<Ctx>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ctx.stats.count_login();
    let f: HashMap<String, String> = form(&body);
    let result: Result<_, super::AadError> = (|| {
        check_tenant(&ctx, &tenant)?;
        let app = find_app(&ctx, f.get("client_id"))?;
        let (graph, oidc) = delegated_scopes(&ctx, &app, f.get("scope"))?;
        Ok((app, graph, oidc))
    })();
    let (app, graph, oidc) = match result {
        Ok(x) => x,
        Err(e) => return e.into_response(&headers),
    };
    let device_code = random_token(48);
    let code = user_code();
    let life = ctx.lifetimes.device_code;
    lock(&ctx.login).devices.insert(
        device_code.clone(),
        DeviceCode {
            user_code: code.clone(),
            client_id: app.app_id,
            graph_scopes: graph,
            oidc,
            expires: ctx.clock.instant() + life,
            last_poll: None,
            status: DeviceStatus::Pending,
        },
    );
    let uri = format!("{}/devicelogin", ctx.origin(&headers));
    let interval = ctx
        .lifetimes
        .device_code_interval
        .as_secs_f64()
        .ceil()
        .max(1.0) as u64;
    axum::Json(json!({
        "user_code": code,
        "device_code": device_code,
        "verification_uri": uri,
        "expires_in": life.as_secs_f64().ceil() as u64,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {code} to authenticate."),
    }))
    .into_response()
}

/// Approves a pending user code for a user (UPN or object id).
pub(crate) fn approve(ctx: &Ctx, user_code: &str, user: &str) -> Result<(), String> {
    let uid = lock(&ctx.state)
        .find_user(user)
        .map(|u| u.id.clone())
        .ok_or_else(|| format!("unknown user {user}"))?;
    set_status(ctx, user_code, DeviceStatus::Approved(uid))
}

/// Declines a pending user code.
pub(crate) fn decline(ctx: &Ctx, user_code: &str) -> Result<(), String> {
    set_status(ctx, user_code, DeviceStatus::Declined)
}

fn set_status(ctx: &Ctx, user_code: &str, status: DeviceStatus) -> Result<(), String> {
    let mut login = lock(&ctx.login);
    let d = login
        .devices
        .values_mut()
        .find(|d| d.user_code.eq_ignore_ascii_case(user_code.trim()))
        .ok_or_else(|| format!("unknown user code {user_code}"))?;
    if d.status != DeviceStatus::Pending {
        return Err("the code was already approved or declined".to_owned());
    }
    d.status = status;
    Ok(())
}

fn hook_result(r: Result<(), String>) -> Response {
    match r {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (StatusCode::NOT_FOUND, axum::Json(json!({"error": e}))).into_response(),
    }
}

/// `POST /_emulator/device/approve {"user_code","user"}` (test hook).
pub(crate) async fn approve_hook(State(ctx): State<Arc<Ctx>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(code), Some(user)) = (v["user_code"].as_str(), v["user"].as_str()) else {
        return (StatusCode::BAD_REQUEST, "expected {\"user_code\",\"user\"}").into_response();
    };
    hook_result(approve(&ctx, code, user))
}

/// `POST /_emulator/device/decline {"user_code"}` (test hook).
pub(crate) async fn decline_hook(State(ctx): State<Arc<Ctx>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(code) = v["user_code"].as_str() else {
        return (StatusCode::BAD_REQUEST, "expected {\"user_code\"}").into_response();
    };
    hook_result(decline(&ctx, code))
}

/// The verification page a user would open (the emulator has no UI; approval is by test hook).
pub(crate) async fn devicelogin_page() -> Html<&'static str> {
    Html("<!doctype html><title>Entra emulator device login</title><p>This is the RoleSync Entra ID emulator. Approve a code with <code>POST /_emulator/device/approve {\"user_code\":\"...\",\"user\":\"upn\"}</code>.</p>")
}
