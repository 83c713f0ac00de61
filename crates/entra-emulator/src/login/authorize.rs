//! `GET /{tenant}/oauth2/v2.0/authorize`: authorization code (+ PKCE) without a UI. The
//! emulator signs in the user named by `login_hint`, else the fixture's `interactiveUser`,
//! and redirects to the registered redirect URI.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{check_tenant, delegated_scopes, find_app, random_token, AadError, AuthCode};
use crate::server::{lock, Ctx};

/// Microsoft's redirect-URI rule: exact match, except that for `http://localhost` and
/// `http://127.0.0.1` the port is ignored (`[::1]` gets no such exception).
pub(crate) fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(r), Ok(q)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    let loopback = |u: &url::Url| {
        u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1"))
    };
    loopback(&r)
        && loopback(&q)
        && r.host_str() == q.host_str()
        && r.path() == q.path()
        && r.query() == q.query()
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{sep}{}", ser.finish());
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

fn redirect_error(redirect_uri: &str, state: Option<&String>, e: &AadError) -> Response {
    let desc = format!("AADSTS{}: {}", e.code, e.description);
    let mut p: Vec<(&str, &str)> = vec![("error", e.error), ("error_description", &desc)];
    if let Some(s) = state {
        p.push(("state", s));
    }
    redirect_with(redirect_uri, &p)
}

/// The authorize endpoint.
pub(crate) async fn authorize(
    State(ctx): State<Arc<Ctx>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ctx.stats.count_login();
    if let Err(e) = check_tenant(&ctx, &tenant) {
        return e.into_response(&headers);
    }
    let app = match find_app(&ctx, q.get("client_id")) {
        Ok(a) => a,
        Err(e) => return e.into_response(&headers),
    };
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        return AadError::new(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        )
        .into_response(&headers);
    };
    if !app
        .redirect_uris
        .iter()
        .any(|r| redirect_matches(r, &redirect_uri))
    {
        return AadError::new(
            400,
            "invalid_request",
            50011,
            format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.", app.app_id),
        )
        .into_response(&headers);
    }
    let state = q.get("state");
    if q.get("response_type").map(String::as_str) != Some("code") {
        let e = AadError::new(
            400,
            "unsupported_response_type",
            700054,
            "response_type 'code' is the only one the emulator supports.",
        );
        return redirect_error(&redirect_uri, state, &e);
    }
    let (graph, oidc) = match delegated_scopes(&ctx, &app, q.get("scope")) {
        Ok(s) => s,
        Err(e) => return redirect_error(&redirect_uri, state, &e),
    };
    let challenge = match q.get("code_challenge") {
        None => None,
        Some(c) => {
            let m = q
                .get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "plain".to_owned());
            if !m.eq_ignore_ascii_case("S256") && !m.eq_ignore_ascii_case("plain") {
                let e = AadError::new(
                    400,
                    "invalid_request",
                    50148,
                    format!("The code_challenge_method '{m}' is not supported."),
                );
                return redirect_error(&redirect_uri, state, &e);
            }
            Some((m, c.clone()))
        }
    };
    let user = {
        let st = lock(&ctx.state);
        let hint = q
            .get("login_hint")
            .cloned()
            .or_else(|| st.interactive_user.clone());
        hint.and_then(|h| st.find_user(&h).cloned())
    };
    let Some(user) = user else {
        let e = AadError::new(400, "login_required", 50058, "A silent sign-in request was sent but no user is signed in (set the fixture's interactiveUser or pass login_hint).");
        return redirect_error(&redirect_uri, state, &e);
    };
    if !user.account_enabled {
        let e = AadError::new(400, "access_denied", 50057, "The user account is disabled.");
        return redirect_error(&redirect_uri, state, &e);
    }
    let code = format!("1.{}", random_token(48));
    lock(&ctx.login).codes.insert(
        code.clone(),
        AuthCode {
            client_id: app.app_id.clone(),
            user_id: user.id.clone(),
            redirect_uri: redirect_uri.clone(),
            challenge,
            graph_scopes: graph,
            oidc,
            nonce: q.get("nonce").cloned(),
            expires: ctx.clock.instant() + ctx.lifetimes.auth_code,
            used: false,
        },
    );
    let session_state = uuid::Uuid::new_v4().to_string();
    let mut p: Vec<(&str, &str)> = vec![("code", &code)];
    if let Some(s) = state {
        p.push(("state", s));
    }
    p.push(("session_state", &session_state));
    redirect_with(&redirect_uri, &p)
}

#[cfg(test)]
mod tests {
    use super::redirect_matches;

    #[test]
    fn loopback_port_is_ignored() {
        assert!(redirect_matches(
            "http://localhost",
            "http://localhost:54321"
        ));
        assert!(redirect_matches(
            "http://localhost",
            "http://localhost:54321/"
        ));
        assert!(redirect_matches(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:9999/cb"
        ));
        assert!(!redirect_matches(
            "http://localhost/cb",
            "http://localhost:1/other"
        ));
        assert!(!redirect_matches("http://localhost", "http://[::1]:5000"));
        assert!(!redirect_matches(
            "https://app.example/cb",
            "https://app.example:444/cb"
        ));
        assert!(!redirect_matches(
            "http://localhost",
            "http://127.0.0.1:5000"
        ));
    }
}
