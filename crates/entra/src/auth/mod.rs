//! Signing in to Entra ID (identity platform v2): the [`TokenSource`] trait the Graph client asks
//! for access tokens, and its implementations — app-only with a certificate or a client secret
//! ([`AppOnly`]), and delegated sign-in ([`Delegated`]) by authorization code + PKCE in the system
//! browser, device code, or password (ROPC) — all refreshing before expiry and holding tokens
//! in memory only, wrapped in [`Sensitive`].

mod assertion;
mod device;
mod endpoint;
mod interactive;
#[cfg(windows)]
pub mod windows_store;

pub use assertion::{CertificateCredential, SigningAlgorithm};
pub use device::{DeviceCodeFlow, DeviceCodePrompt, DevicePoll};
pub use endpoint::{LoginEndpoint, TokenResponse};
pub use interactive::{AuthCodeFlow, Pkce};

use crate::error::{AuthError, AuthErrorKind};
use crate::secret::Sensitive;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A bearer token and when it expires.
#[derive(Debug, Clone)]
pub struct AccessToken {
    secret: Sensitive<String>,
    expires_at: Instant,
}

impl AccessToken {
    /// A token valid for `lifetime` from now.
    pub fn new(secret: Sensitive<String>, lifetime: Duration) -> Self {
        AccessToken {
            secret,
            expires_at: Instant::now() + lifetime,
        }
    }

    /// The token, for the `Authorization` header only.
    pub fn secret(&self) -> &Sensitive<String> {
        &self.secret
    }

    /// When it expires.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// Whether it is still good for `margin` more.
    pub fn valid_for(&self, margin: Duration) -> bool {
        Instant::now() + margin < self.expires_at
    }
}

/// The margin before expiry at which a token is renewed: 5 minutes, or a quarter of a shorter
/// lifetime.
pub fn refresh_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(300).min(lifetime / 4)
}

/// Supplies valid access tokens for Microsoft Graph.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// A token valid for at least the refresh margin; signs in or refreshes when needed.
    async fn access_token(&self) -> Result<AccessToken, AuthError>;

    /// Drops the cached access token (Graph answered 401); the next call gets a new one.
    fn invalidate(&self) {}

    /// What signs in, for logs (`app 1111… with a certificate`).
    fn describe(&self) -> String;
}

/// Opens the browser and shows device codes: the only two things sign-in needs from a person.
/// The desktop app and the CLI supply their own; tests follow the redirect with an HTTP client.
#[async_trait]
pub trait Interaction: Send + Sync {
    /// Opens `url` in the user's browser (it returns once the browser was asked to open it).
    async fn open_browser(&self, url: &str) -> Result<(), String>;

    /// Shows the device-code instructions (`prompt.message`).
    fn show_device_code(&self, prompt: &DeviceCodePrompt);
}

/// The system browser via the `open` crate; device codes go to the log and standard error.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

#[async_trait]
impl Interaction for SystemBrowser {
    async fn open_browser(&self, url: &str) -> Result<(), String> {
        open::that_detached(url).map_err(|e| format!("cannot open the browser: {e}"))
    }

    fn show_device_code(&self, prompt: &DeviceCodePrompt) {
        tracing::info!(verification_uri = %prompt.verification_uri, user_code = %prompt.user_code, "device-code sign-in waiting for the user");
        eprintln!("{}", prompt.message);
    }
}

/// How an app-only sign-in proves who it is.
#[derive(Clone)]
pub enum ClientCredential {
    /// A client secret.
    Secret(Sensitive<String>),
    /// A certificate (its private key signs a client assertion).
    Certificate(Arc<CertificateCredential>),
}

impl std::fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientCredential::Secret(_) => f.write_str("Secret(<redacted>)"),
            ClientCredential::Certificate(c) => write!(f, "Certificate({})", c.thumbprint_hex()),
        }
    }
}

/// App-only sign-in (client credentials grant) with a certificate or a secret: the way for
/// scheduled runs.
pub struct AppOnly {
    endpoint: LoginEndpoint,
    client_id: String,
    credential: ClientCredential,
    scope: String,
    cached: std::sync::Mutex<Option<(AccessToken, Duration)>>,
    fetch: tokio::sync::Mutex<()>,
}

impl AppOnly {
    /// App-only sign-in for `client_id` at `endpoint`, asking for `{resource}/.default`.
    pub fn new(
        endpoint: LoginEndpoint,
        client_id: impl Into<String>,
        credential: ClientCredential,
        graph_resource: &str,
    ) -> Self {
        AppOnly {
            endpoint,
            client_id: client_id.into(),
            credential,
            scope: format!("{}/.default", graph_resource.trim_end_matches('/')),
            cached: std::sync::Mutex::new(None),
            fetch: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self) -> Option<(AccessToken, Duration)> {
        let g = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        g.clone()
    }

    async fn fetch(&self) -> Result<TokenResponse, AuthError> {
        let mut form: Vec<(&str, String)> = vec![
            ("client_id", self.client_id.clone()),
            ("scope", self.scope.clone()),
            ("grant_type", "client_credentials".into()),
        ];
        match &self.credential {
            ClientCredential::Secret(s) => form.push(("client_secret", s.expose().clone())),
            ClientCredential::Certificate(c) => {
                let jwt =
                    c.client_assertion(&self.client_id, self.endpoint.token_url().as_str())?;
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion", jwt.expose().clone()));
            }
        }
        tracing::debug!(client_id = %self.client_id, credential = ?self.credential, "app-only sign-in");
        self.endpoint.token(&form).await
    }
}

#[async_trait]
impl TokenSource for AppOnly {
    async fn access_token(&self) -> Result<AccessToken, AuthError> {
        let _one_at_a_time = self.fetch.lock().await;
        if let Some((t, lifetime)) = self.cached() {
            if t.valid_for(refresh_margin(lifetime)) {
                return Ok(t);
            }
        }
        let r = self.fetch().await?;
        let t = r.access_token();
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((t.clone(), Duration::from_secs(r.expires_in)));
        tracing::info!(expires_in = r.expires_in, "signed in app-only");
        Ok(t)
    }

    fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn describe(&self) -> String {
        let how = match &self.credential {
            ClientCredential::Secret(_) => "a client secret".to_owned(),
            ClientCredential::Certificate(c) => format!("certificate {}", c.thumbprint_hex()),
        };
        format!("app {} with {how}", self.client_id)
    }
}

/// How a delegated sign-in gets its first tokens (and gets them again when refreshing fails).
pub enum DelegatedMethod {
    /// Authorization code + PKCE in the browser, loopback redirect.
    Interactive {
        /// Opens the browser.
        interaction: Arc<dyn Interaction>,
        /// `login_hint`.
        login_hint: Option<String>,
        /// How long to wait for the browser.
        timeout: Duration,
    },
    /// Device code.
    DeviceCode {
        /// Shows the code.
        interaction: Arc<dyn Interaction>,
    },
    /// Resource owner password (legacy; no MFA possible).
    Password {
        /// The account.
        username: String,
        /// Its password.
        password: Sensitive<String>,
    },
}

impl std::fmt::Debug for DelegatedMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DelegatedMethod::Interactive { .. } => "Interactive",
            DelegatedMethod::DeviceCode { .. } => "DeviceCode",
            DelegatedMethod::Password { .. } => "Password",
        })
    }
}

struct DelegatedState {
    access: Option<AccessToken>,
    lifetime: Duration,
    refresh: Option<Sensitive<String>>,
}

/// Delegated sign-in (a user signs in; RoleSync acts as that user): interactive, device code or
/// password, then refresh tokens (rotated whenever a new one comes back).
pub struct Delegated {
    endpoint: LoginEndpoint,
    client_id: String,
    scope: String,
    method: DelegatedMethod,
    state: tokio::sync::Mutex<DelegatedState>,
    invalidated: std::sync::atomic::AtomicBool,
}

impl Delegated {
    /// Delegated sign-in for the public client `client_id`, asking for `{resource}/.default
    /// offline_access`.
    pub fn new(
        endpoint: LoginEndpoint,
        client_id: impl Into<String>,
        graph_resource: &str,
        method: DelegatedMethod,
    ) -> Self {
        if matches!(method, DelegatedMethod::Password { .. }) {
            tracing::warn!("password sign-in (ROPC) is legacy: it fails for accounts that must use MFA (now mandatory for admins); prefer interactive sign-in, or app-only with a certificate for scheduled runs");
        }
        Delegated {
            endpoint,
            client_id: client_id.into(),
            scope: format!(
                "{}/.default offline_access",
                graph_resource.trim_end_matches('/')
            ),
            method,
            state: tokio::sync::Mutex::new(DelegatedState {
                access: None,
                lifetime: Duration::ZERO,
                refresh: None,
            }),
            invalidated: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &LoginEndpoint {
        &self.endpoint
    }

    async fn sign_in(&self) -> Result<TokenResponse, AuthError> {
        match &self.method {
            DelegatedMethod::Interactive {
                interaction,
                login_hint,
                timeout,
            } => {
                let browser =
                    AuthCodeFlow::new(self.endpoint.clone(), &self.client_id, &self.scope)
                        .login_hint(login_hint.clone())
                        .timeout(*timeout)
                        .run(interaction.as_ref())
                        .await;
                match browser {
                    // No browser here (a server session, a locked-down desktop): the same MFA
                    // sign-in on another device, with the code shown by `interaction`.
                    Err(e) if e.kind == AuthErrorKind::NoBrowser => {
                        tracing::warn!(error = %e, "no browser for the interactive sign-in; falling back to the device code");
                        DeviceCodeFlow::new(self.endpoint.clone(), &self.client_id, &self.scope)
                            .run(interaction.as_ref())
                            .await
                    }
                    other => other,
                }
            }
            DelegatedMethod::DeviceCode { interaction } => {
                DeviceCodeFlow::new(self.endpoint.clone(), &self.client_id, &self.scope)
                    .run(interaction.as_ref())
                    .await
            }
            DelegatedMethod::Password { username, password } => {
                tracing::warn!(user = %username, "signing in with a password (ROPC): no MFA possible");
                let form = vec![
                    ("client_id", self.client_id.clone()),
                    ("scope", self.scope.clone()),
                    ("grant_type", "password".to_owned()),
                    ("username", username.clone()),
                    ("password", password.expose().clone()),
                ];
                self.endpoint.token(&form).await.map_err(|e| {
                    if e.kind == AuthErrorKind::MfaRequired {
                        AuthError {
                            message: format!("{username}: {}", e.message),
                            ..e
                        }
                    } else {
                        e
                    }
                })
            }
        }
    }

    async fn redeem_refresh(
        &self,
        refresh: &Sensitive<String>,
    ) -> Result<TokenResponse, AuthError> {
        let form = vec![
            ("client_id", self.client_id.clone()),
            ("scope", self.scope.clone()),
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh.expose().clone()),
        ];
        self.endpoint.token(&form).await
    }
}

#[async_trait]
impl TokenSource for Delegated {
    async fn access_token(&self) -> Result<AccessToken, AuthError> {
        let mut st = self.state.lock().await;
        if self
            .invalidated
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            st.access = None;
        }
        if let Some(t) = &st.access {
            if t.valid_for(refresh_margin(st.lifetime)) {
                return Ok(t.clone());
            }
        }
        let response = match st.refresh.clone() {
            Some(rt) => match self.redeem_refresh(&rt).await {
                Ok(r) => {
                    tracing::info!("access token renewed with the refresh token");
                    r
                }
                Err(e) if e.kind == AuthErrorKind::Network => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "refreshing the sign-in failed; signing in again");
                    st.refresh = None;
                    self.sign_in().await?
                }
            },
            None => self.sign_in().await?,
        };
        let t = response.access_token();
        st.lifetime = Duration::from_secs(response.expires_in);
        st.access = Some(t.clone());
        if let Some(rt) = response.refresh_token {
            // Rotation: a new refresh token replaces the old one.
            st.refresh = Some(rt);
        }
        Ok(t)
    }

    fn invalidate(&self) {
        self.invalidated
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn describe(&self) -> String {
        let how = match &self.method {
            DelegatedMethod::Interactive { .. } => "interactive sign-in (browser)".to_owned(),
            DelegatedMethod::DeviceCode { .. } => "device-code sign-in".to_owned(),
            DelegatedMethod::Password { username, .. } => format!("password sign-in as {username}"),
        };
        format!("{how} with app {}", self.client_id)
    }
}

/// A fixed token (tests, or a token obtained elsewhere). Never refreshed.
pub struct StaticToken(pub Sensitive<String>);

#[async_trait]
impl TokenSource for StaticToken {
    async fn access_token(&self) -> Result<AccessToken, AuthError> {
        Ok(AccessToken::new(self.0.clone(), Duration::from_secs(3600)))
    }

    fn describe(&self) -> String {
        "a fixed access token".into()
    }
}
