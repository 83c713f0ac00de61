//! Interactive sign-in: authorization code + PKCE (S256) in the system browser, with a loopback
//! listener on `http://localhost:<random port>/` receiving `code` and `state`.

use crate::auth::{Interaction, LoginEndpoint, TokenResponse};
use crate::error::{AuthError, AuthErrorKind};
use crate::secret::Sensitive;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::Digest;
use std::collections::HashMap;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A PKCE verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// The verifier (sent when redeeming the code).
    pub verifier: Sensitive<String>,
    /// `base64url(sha256(verifier))`.
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier (43 characters from 32 random bytes).
    pub fn new() -> Self {
        let verifier = random_b64(32);
        let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier: Sensitive::new(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

fn random_b64(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// One interactive sign-in.
#[derive(Debug, Clone)]
pub struct AuthCodeFlow {
    endpoint: LoginEndpoint,
    client_id: String,
    scope: String,
    login_hint: Option<String>,
    timeout: Duration,
}

const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>RoleSync</title></head><body style=\"font-family:sans-serif\"><h2>RoleSync: sign-in complete</h2><p>You can close this window and return to RoleSync.</p></body></html>";
const FAILED_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>RoleSync</title></head><body style=\"font-family:sans-serif\"><h2>RoleSync: sign-in failed</h2><p>Return to RoleSync for the details.</p></body></html>";

impl AuthCodeFlow {
    /// A sign-in of the public client `client_id` for `scope`.
    pub fn new(endpoint: LoginEndpoint, client_id: &str, scope: &str) -> Self {
        AuthCodeFlow {
            endpoint,
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
            login_hint: None,
            timeout: Duration::from_secs(300),
        }
    }

    /// Pre-fills the account.
    pub fn login_hint(mut self, hint: Option<String>) -> Self {
        self.login_hint = hint;
        self
    }

    /// How long to wait for the browser to come back.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The authorize URL for this redirect URI, state and PKCE challenge.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, pkce: &Pkce) -> url::Url {
        let mut u = self.endpoint.authorize_url();
        {
            let mut q = u.query_pairs_mut();
            q.append_pair("client_id", &self.client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("response_mode", "query")
                .append_pair("scope", &self.scope)
                .append_pair("state", state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("prompt", "select_account");
            if let Some(h) = &self.login_hint {
                q.append_pair("login_hint", h);
            }
        }
        u
    }

    /// Runs the sign-in: listens on a loopback port, opens the browser, waits for the redirect,
    /// checks `state`, redeems the code with the PKCE verifier.
    pub async fn run(&self, interaction: &dyn Interaction) -> Result<TokenResponse, AuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            AuthError::new(
                AuthErrorKind::Config,
                format!("cannot listen on a loopback port for the browser's answer: {e}"),
            )
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| AuthError::new(AuthErrorKind::Config, e.to_string()))?
            .port();
        let redirect_uri = format!("http://localhost:{port}/");
        let state = random_b64(16);
        let pkce = Pkce::new();
        let url = self.authorize_url(&redirect_uri, &state, &pkce);
        tracing::info!(port, "interactive sign-in: opening the browser");
        // The listener is bound already, so the browser's answer waits in its backlog; a
        // browser that cannot be opened fails at once instead of after the whole timeout.
        interaction
            .open_browser(url.as_str())
            .await
            .map_err(|e| AuthError::new(AuthErrorKind::NoBrowser, e))?;
        let params = tokio::time::timeout(self.timeout, receive_redirect(&listener))
            .await
            .map_err(|_| {
                AuthError::new(
                    AuthErrorKind::Cancelled,
                    format!(
                        "the browser sign-in did not finish within {} s; start it again",
                        self.timeout.as_secs()
                    ),
                )
            })??;
        if params.get("state").map(String::as_str) != Some(state.as_str()) {
            return Err(AuthError::new(AuthErrorKind::Request, "the browser came back with a different state parameter (possible cross-site request); the answer was ignored — start the sign-in again"));
        }
        if let Some(err) = params.get("error") {
            let body = crate::error::TokenErrorBody {
                error: err.clone(),
                error_description: params.get("error_description").cloned().unwrap_or_default(),
                ..Default::default()
            };
            return Err(body.to_auth_error());
        }
        let code = params.get("code").ok_or_else(|| {
            AuthError::new(
                AuthErrorKind::Other,
                "the browser came back without an authorization code",
            )
        })?;
        let form = vec![
            ("client_id", self.client_id.clone()),
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier.expose().clone()),
            ("scope", self.scope.clone()),
        ];
        let r = self.endpoint.token(&form).await?;
        tracing::info!("interactive sign-in complete");
        Ok(r)
    }
}

/// Accepts connections until one carries `code` or `error` in its query; answers each with a
/// small page.
async fn receive_redirect(listener: &TcpListener) -> Result<HashMap<String, String>, AuthError> {
    loop {
        let (mut sock, _) = listener.accept().await.map_err(|e| {
            AuthError::new(
                AuthErrorKind::Other,
                format!("loopback listener failed: {e}"),
            )
        })?;
        let mut buf = Vec::with_capacity(2048);
        let mut chunk = [0u8; 1024];
        // Read the request head (the request line is all that matters).
        loop {
            match tokio::time::timeout(Duration::from_secs(10), sock.read(&mut chunk)).await {
                Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                Ok(Ok(n)) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 16 * 1024 {
                        break;
                    }
                }
            }
        }
        let head = String::from_utf8_lossy(&buf);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/");
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let relevant = params.contains_key("code") || params.contains_key("error");
        let (status, page) = if !relevant {
            ("404 Not Found", "")
        } else if params.contains_key("code") {
            ("200 OK", DONE_PAGE)
        } else {
            ("200 OK", FAILED_PAGE)
        };
        let resp = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = sock.write_all(resp.as_bytes()).await;
        let _ = sock.shutdown().await;
        if relevant {
            return Ok(params);
        }
    }
}
