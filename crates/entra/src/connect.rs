//! Building a [`GraphTarget`] from an [`EntraConfig`]: the HTTP client, the sign-in
//! chosen by `sign_in`, the pacer and the retry policy. Credential storage stays outside: the
//! caller passes the one secret the mode needs (client secret, PFX password or user password).

use crate::auth::{
    AppOnly, CertificateCredential, ClientCredential, Delegated, DelegatedMethod, Interaction,
    LoginEndpoint, TokenSource,
};
use crate::config::{EntraConfig, SignIn};
use crate::error::{AuthError, AuthErrorKind};
use crate::http::{http_client, GraphClient, RetryPolicy};
use crate::pacing::Pacing;
use crate::secret::Sensitive;
use crate::target::GraphTarget;
use rolesync_core::traits::ReadError;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Knobs beyond the config file (the defaults suit Microsoft's cloud).
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Extra trusted CA certificates (PEM), e.g. a TLS-inspecting proxy's or the emulator's.
    pub ca_file: Option<PathBuf>,
    /// Client-side pacing.
    pub pacing: Pacing,
    /// Retries.
    pub retry: RetryPolicy,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The resource whose `/.default` scope is asked for; derived from `graph_url` when `None`.
    pub graph_resource: Option<String>,
    /// How long interactive sign-in waits for the browser.
    pub interactive_timeout: Duration,
    /// Concurrent reads (a role's three lists, or one `$batch` of look-ups) and concurrent write
    /// `$batch`es of 20 changes. The throttling limits are kept by the pacer, not by these:
    /// they only bound the requests in flight.
    pub concurrency: (usize, usize),
}

/// Reads in flight by default: 32 (up to 96 list requests while the roles are read: three a role).
pub const DEFAULT_READ_CONCURRENCY: usize = 32;
/// Write batches in flight by default: 50 batches of 20 = 1,000 writes, a third of Microsoft's
/// 3,000 writes per 150 s for one app in one tenant; the pacer spaces anything beyond the bucket.
/// (Measured in docs/benchmarks.md: 2,000 changes take 0.3–0.4 s of apply instead of 3.7 s at the
/// former 3 batches, with no 429.)
pub const DEFAULT_WRITE_CONCURRENCY: usize = 50;

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            ca_file: None,
            pacing: Pacing::default(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(100),
            graph_resource: None,
            interactive_timeout: Duration::from_secs(300),
            concurrency: (DEFAULT_READ_CONCURRENCY, DEFAULT_WRITE_CONCURRENCY),
        }
    }
}

/// The Graph resource identifier for a Graph base URL: the national clouds' own hosts, else
/// `https://graph.microsoft.com` (also for an emulator on loopback).
pub fn graph_resource_for(graph_url: &Url) -> String {
    match graph_url.host_str() {
        Some(
            h @ ("graph.microsoft.com"
            | "graph.microsoft.us"
            | "dod-graph.microsoft.us"
            | "microsoftgraph.chinacloudapi.cn"),
        ) => format!("https://{h}"),
        _ => "https://graph.microsoft.com".to_owned(),
    }
}

/// What the sign-in mode needs from the credential store.
pub fn credential_needed(sign_in: SignIn) -> Option<&'static str> {
    match sign_in {
        SignIn::Secret => Some("the app's client secret"),
        SignIn::Password => Some("the account's password"),
        SignIn::Certificate => Some("the PFX password (only for a password-protected .pfx/.p12)"),
        SignIn::Interactive | SignIn::DeviceCode => None,
    }
}

/// The token source for this configuration.
pub fn token_source(
    cfg: &EntraConfig,
    credential: Option<Sensitive<String>>,
    interaction: Arc<dyn Interaction>,
    http: reqwest::Client,
    opts: &ConnectOptions,
) -> Result<Arc<dyn TokenSource>, AuthError> {
    let endpoint = LoginEndpoint::new(http, &cfg.login_url, &cfg.tenant);
    let resource = opts
        .graph_resource
        .clone()
        .unwrap_or_else(|| graph_resource_for(&cfg.graph_url));
    let missing = |what: &str| {
        AuthError::new(
            AuthErrorKind::Config,
            format!("{what} is needed for sign_in = \"{}\" and none was given; save it (RoleSync asks for it in the GUI, or `rolesync credentials set office365`)", mode_name(cfg.sign_in)),
        )
    };
    Ok(match cfg.sign_in {
        SignIn::Secret => {
            let secret = credential.ok_or_else(|| missing("the client secret"))?;
            Arc::new(AppOnly::new(
                endpoint,
                &cfg.client_id,
                ClientCredential::Secret(secret),
                &resource,
            ))
        }
        SignIn::Certificate => {
            let cert = match (&cfg.certificate, &cfg.certificate_thumbprint) {
                (Some(path), _) => CertificateCredential::from_file(
                    path,
                    credential.as_ref().map(|c| c.expose().as_str()),
                )?,
                (None, Some(thumb)) => store_certificate(thumb)?,
                (None, None) => {
                    return Err(AuthError::new(AuthErrorKind::Config, "sign_in = \"certificate\" needs entra.certificate (a .pem or .pfx file) or entra.certificate_thumbprint (Windows certificate store)"))
                }
            };
            Arc::new(AppOnly::new(
                endpoint,
                &cfg.client_id,
                ClientCredential::Certificate(Arc::new(cert)),
                &resource,
            ))
        }
        SignIn::Interactive => Arc::new(Delegated::new(
            endpoint,
            &cfg.client_id,
            &resource,
            DelegatedMethod::Interactive {
                interaction,
                login_hint: cfg.username.clone(),
                timeout: opts.interactive_timeout,
            },
        )),
        SignIn::DeviceCode => Arc::new(Delegated::new(
            endpoint,
            &cfg.client_id,
            &resource,
            DelegatedMethod::DeviceCode { interaction },
        )),
        SignIn::Password => {
            let username = cfg.username.clone().ok_or_else(|| {
                AuthError::new(
                    AuthErrorKind::Config,
                    "sign_in = \"password\" needs entra.username",
                )
            })?;
            let password = credential.ok_or_else(|| missing("the password"))?;
            Arc::new(Delegated::new(
                endpoint,
                &cfg.client_id,
                &resource,
                DelegatedMethod::Password { username, password },
            ))
        }
    })
}

fn mode_name(s: SignIn) -> &'static str {
    match s {
        SignIn::Certificate => "certificate",
        SignIn::Secret => "secret",
        SignIn::Interactive => "interactive",
        SignIn::DeviceCode => "device-code",
        SignIn::Password => "password",
    }
}

#[cfg(windows)]
fn store_certificate(thumbprint: &str) -> Result<CertificateCredential, AuthError> {
    crate::auth::windows_store::load(thumbprint)
}

#[cfg(not(windows))]
fn store_certificate(_thumbprint: &str) -> Result<CertificateCredential, AuthError> {
    Err(AuthError::new(
        AuthErrorKind::Config,
        "entra.certificate_thumbprint (the Windows certificate store) works on Windows only; set entra.certificate to a .pem or .pfx file instead",
    ))
}

impl GraphTarget {
    /// Builds the target from `[entra]`: `credential` is the secret the sign-in mode needs (see
    /// [`credential_needed`]); `interaction` opens the browser and shows device codes.
    /// Nothing is sent until the first read; a sign-in failure then is a `ReadError`.
    pub fn from_config(
        cfg: &EntraConfig,
        credential: Option<Sensitive<String>>,
        interaction: Arc<dyn Interaction>,
        opts: &ConnectOptions,
    ) -> Result<GraphTarget, ReadError> {
        let http = http_client(opts.ca_file.as_deref(), opts.timeout).map_err(ReadError::new)?;
        let tokens = token_source(cfg, credential, interaction, http.clone(), opts)?;
        let name = format!(
            "Microsoft Graph {} (tenant {}, {})",
            cfg.graph_url,
            cfg.tenant,
            tokens.describe()
        );
        let client = GraphClient::new(
            http,
            &cfg.graph_url,
            tokens,
            opts.retry.clone(),
            &opts.pacing,
        );
        Ok(GraphTarget::new(Arc::new(client), name)
            .with_concurrency(opts.concurrency.0, opts.concurrency.1))
    }
}
