//! The identity platform's v2 endpoints of one tenant (`{login}/{tenant}/oauth2/v2.0/…`) and the
//! form POST to the token endpoint, with errors turned into words.

use crate::auth::AccessToken;
use crate::error::{AuthError, AuthErrorKind, TokenErrorBody};
use crate::secret::Sensitive;
use serde::Deserialize;
use std::time::Duration;
use url::Url;

/// The largest answer read from the identity platform (a token response is a few KB).
pub const MAX_TOKEN_BODY: usize = 1 << 20;

/// A successful token response.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    /// `Bearer`.
    #[serde(default)]
    pub token_type: String,
    /// Seconds.
    #[serde(default)]
    pub expires_in: u64,
    /// The access token.
    pub access_token: Sensitive<String>,
    /// A refresh token (delegated flows with `offline_access`).
    #[serde(default)]
    pub refresh_token: Option<Sensitive<String>>,
    /// Granted scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// ID token (when `openid` was asked for).
    #[serde(default)]
    pub id_token: Option<Sensitive<String>>,
}

impl TokenResponse {
    /// The access token with its expiry.
    pub fn access_token(&self) -> AccessToken {
        AccessToken::new(
            self.access_token.clone(),
            Duration::from_secs(self.expires_in.max(1)),
        )
    }
}

/// The login endpoints of one tenant.
#[derive(Debug, Clone)]
pub struct LoginEndpoint {
    http: reqwest::Client,
    base: Url,
    tenant: String,
}

impl LoginEndpoint {
    /// Endpoints under `login_base` (e.g. `https://login.microsoftonline.com`) for `tenant`
    /// (id or verified domain).
    pub fn new(http: reqwest::Client, login_base: &Url, tenant: &str) -> Self {
        LoginEndpoint {
            http,
            base: login_base.clone(),
            tenant: tenant.to_owned(),
        }
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn endpoint(&self, name: &str) -> Url {
        let base = self.base.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/{}/oauth2/v2.0/{name}", self.tenant))
            .unwrap_or_else(|_| self.base.clone())
    }

    /// `…/oauth2/v2.0/token` (also the `aud` of client assertions).
    pub fn token_url(&self) -> Url {
        self.endpoint("token")
    }

    /// `…/oauth2/v2.0/authorize`.
    pub fn authorize_url(&self) -> Url {
        self.endpoint("authorize")
    }

    /// `…/oauth2/v2.0/devicecode`.
    pub fn devicecode_url(&self) -> Url {
        self.endpoint("devicecode")
    }

    /// POSTs a form to `url`, retrying connection failures and 5xx/429 when `retry` is set.
    pub(crate) async fn post_form<T: for<'de> Deserialize<'de>>(
        &self,
        url: Url,
        form: &[(&str, String)],
        retry: bool,
    ) -> Result<T, AuthError> {
        let grant = form
            .iter()
            .find(|(k, _)| *k == "grant_type")
            .map(|(_, v)| v.as_str())
            .unwrap_or("devicecode")
            .to_owned();
        let attempts = if retry { 4 } else { 1 };
        let mut last = None;
        for attempt in 1..=attempts {
            if attempt > 1 {
                let wait = Duration::from_millis(500 * (1 << (attempt - 2)));
                tracing::info!(grant = %grant, attempt, wait_ms = wait.as_millis() as u64, "identity platform request failed; retrying");
                tokio::time::sleep(wait).await;
            }
            let sent = self
                .http
                .post(url.clone())
                .header("client-request-id", uuid::Uuid::new_v4().to_string())
                .form(form)
                .send()
                .await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    if let Some(tls) = rolesync_core::tls::find_in_chain(&e)
                        .filter(|t| rolesync_core::tls::is_certificate_problem(t))
                    {
                        // A certificate does not get better by asking again.
                        return Err(AuthError::new(
                            AuthErrorKind::Network,
                            format!(
                                "TLS to the identity platform at {} failed: {}",
                                self.base,
                                rolesync_core::tls::words(tls, "entra.ca_file")
                            ),
                        ));
                    }
                    last = Some(AuthError::new(
                        AuthErrorKind::Network,
                        format!("cannot reach the identity platform at {}: {}; check the network, proxy and entra.login_url (and the CA file when a TLS-inspecting proxy is in the way)", self.base, crate::http::transport_words(&e)),
                    ));
                    continue;
                }
            };
            let status = resp.status().as_u16();
            let body = match crate::http::read_capped(resp, MAX_TOKEN_BODY).await {
                Ok(b) => b,
                Err(crate::http::BodyError::TooLarge { bytes }) => {
                    return Err(AuthError::new(
                        AuthErrorKind::Other,
                        format!("the identity platform's answer is {bytes} bytes or more, over the {MAX_TOKEN_BODY}-byte limit of a token response; check entra.login_url"),
                    ))
                }
                Err(crate::http::BodyError::Transport(e)) => {
                    last = Some(AuthError::new(
                        AuthErrorKind::Network,
                        format!("the identity platform's answer was cut off: {e}"),
                    ));
                    continue;
                }
            };
            if (200..300).contains(&status) {
                return serde_json::from_slice(&body).map_err(|e| {
                    AuthError::new(
                        AuthErrorKind::Other,
                        format!("the identity platform sent an answer RoleSync cannot read ({e}); check entra.login_url"),
                    )
                });
            }
            let err = match serde_json::from_slice::<TokenErrorBody>(&body) {
                Ok(b) if !b.error.is_empty() => b.to_auth_error(),
                _ => AuthError::new(
                    if status >= 500 || status == 429 { AuthErrorKind::Network } else { AuthErrorKind::Other },
                    format!("the identity platform answered HTTP {status}; check entra.login_url and entra.tenant"),
                ),
            };
            tracing::debug!(grant = %grant, status, aadsts = ?err.aadsts, error = ?err.error, "identity platform refused the request");
            if status >= 500 || status == 429 {
                last = Some(err);
                continue;
            }
            return Err(err);
        }
        Err(last.unwrap_or_else(|| {
            AuthError::new(
                AuthErrorKind::Network,
                "the identity platform did not answer",
            )
        }))
    }

    /// POSTs to the token endpoint. Authorization codes are single-use, so their redemption is
    /// not retried.
    pub async fn token(&self, form: &[(&str, String)]) -> Result<TokenResponse, AuthError> {
        let retry = !form
            .iter()
            .any(|(k, v)| *k == "grant_type" && v == "authorization_code");
        self.post_form(self.token_url(), form, retry).await
    }
}
