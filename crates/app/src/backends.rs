//! Building what a run reads from and writes to: the demo pair (the embedded directory and the
//! demo tenant in the in-process emulator), or the configured LDAP or LDIF source and Microsoft
//! Graph. This is the one place the configuration is turned into the adapters' own option types
//! (`LdapConfig`, `EntraConfig` and `ConnectOptions`, `SmtpConfig`) and their credentials are
//! fetched; see `docs/architecture.md`, "Adapter configuration".

use crate::credentials::{Asker, Credentials};
use crate::demo_tenant::{DemoSession, DemoTenant};
use crate::run::{RunRequest, SignInChoice};
use crate::{AppError, Settings};
use rolesync_ad::ldap::LdapSource;
use rolesync_ad::snapshot::LdifSource;
use rolesync_config::{DirectoryConfig, DirectorySource as SourceConfig, LdapSettings};
use rolesync_core::policy::Policy;
use rolesync_core::traits::{DirectorySource, RoleTarget};
use rolesync_entra::auth::Interaction;
use rolesync_entra::{ConnectOptions, EntraConfig, GraphTarget, Sensitive, SignIn};
use rolesync_secrets::CredentialName;
use std::path::PathBuf;
use std::sync::Arc;

/// What a run reads from and writes to.
pub struct Backends {
    /// The directory source.
    pub source: Box<dyn DirectorySource>,
    /// The role target.
    pub target: Arc<dyn RoleTarget>,
    /// The planning rules.
    pub policy: Policy,
    /// Expand nested groups.
    pub transitive: bool,
    /// The running demo tenant, to save after a sync and stop at the end.
    pub demo: Option<DemoSession>,
}

impl Backends {
    /// Saves the demo tenant's state (no-op outside demo mode).
    pub fn save_demo(&self) -> Result<(), AppError> {
        self.demo.as_ref().map_or(Ok(()), DemoSession::save)
    }

    /// Stops what the backends started (the demo tenant).
    pub async fn finish(self) {
        if let Some(d) = self.demo {
            d.shutdown().await;
        }
    }
}

/// What building the backends may use: the keyring and the person at the keyboard.
pub struct BuildContext<'a> {
    /// The saved credentials.
    pub credentials: &'a Credentials,
    /// Asks for a missing credential.
    pub asker: &'a dyn Asker,
    /// Opens the browser and shows device codes for a person's sign-in to Entra ID.
    pub interaction: Arc<dyn Interaction>,
}

/// Builds a run's backends.
#[async_trait::async_trait(?Send)]
pub trait BackendFactory: Send + Sync {
    /// The source, target and policy for this request.
    async fn build(
        &self,
        settings: &Settings,
        request: &RunRequest,
        cx: &BuildContext<'_>,
    ) -> Result<Backends, AppError>;
}

/// The real backends: the demo pair when the request says demo, else the configured ones.
pub struct LiveBackends;

#[async_trait::async_trait(?Send)]
impl BackendFactory for LiveBackends {
    async fn build(
        &self,
        settings: &Settings,
        request: &RunRequest,
        cx: &BuildContext<'_>,
    ) -> Result<Backends, AppError> {
        if request.demo {
            demo_as(
                settings,
                matches!(request.sign_in, SignInChoice::Interactive),
            )
            .await
        } else {
            configured(settings, &request.sign_in, cx).await
        }
    }
}

/// The demo directory, and the demo tenant in the in-process emulator.
pub async fn demo(settings: &Settings) -> Result<Backends, AppError> {
    demo_as(settings, false).await
}

/// [`demo`], signed in to the demo tenant `interactive`ly (the window's "Yes") or with the demo
/// app's secret.
pub async fn demo_as(settings: &Settings, interactive: bool) -> Result<Backends, AppError> {
    let session = DemoTenant::in_dir(&settings.paths.data_dir)
        .start_as(interactive)
        .await?;
    Ok(Backends {
        source: Box::new(rolesync_demo::directory()),
        target: session.target.clone(),
        policy: rolesync_demo::policy(),
        transitive: true,
        demo: Some(session),
    })
}

/// The configured directory and tenant.
pub async fn configured(
    settings: &Settings,
    sign_in: &SignInChoice,
    cx: &BuildContext<'_>,
) -> Result<Backends, AppError> {
    let c = &settings.config;
    let missing = |section: &str| {
        AppError::config(format!(
            "{}: the [{section}] section is missing; add it (see `rolesync config init`) or use --demo",
            c.file.display()
        ))
    };
    let dir = directory_section(c, ", or use --demo")?;
    let entra = c.entra.as_ref().ok_or_else(|| missing("entra"))?;
    // Files the settings name must be there: a configuration mistake (exit 2, the key named),
    // not a failed read.
    file_setting("entra.ca_file", entra.ca_file.as_deref())?;
    file_setting("entra.certificate", entra.certificate.as_deref())?;
    let (source, policy) = directory_source(settings, dir, cx).await?;
    let target: Arc<dyn RoleTarget> = Arc::new(graph_target(entra, sign_in, cx)?);
    Ok(Backends {
        source,
        target,
        policy,
        transitive: dir.nested,
        demo: None,
    })
}

/// The configured directory source alone (what `rolesync exposure` reads: no Entra ID, no
/// sign-in to it), with the policy whose OU it completed and whether nesting counts.
pub async fn directory(
    settings: &Settings,
    cx: &BuildContext<'_>,
) -> Result<(Box<dyn DirectorySource>, Policy, bool), AppError> {
    let c = &settings.config;
    let dir = directory_section(c, "")?;
    let (source, policy) = directory_source(settings, dir, cx).await?;
    Ok((source, policy, dir.nested))
}

/// `[directory]`, or the configuration error that names what to add (`or_else`: another way
/// out, such as `--demo`).
fn directory_section<'c>(
    c: &'c rolesync_config::Config,
    or_else: &str,
) -> Result<&'c DirectoryConfig, AppError> {
    c.directory.as_ref().ok_or_else(|| {
        AppError::config(format!(
            "{}: the [directory] section is missing; add it with the AD domain, e.g. `[directory]` `domain = \"contoso.com\"` (see `rolesync config init`){or_else}",
            c.file.display()
        ))
    })
}

async fn directory_source(
    settings: &Settings,
    dir: &DirectoryConfig,
    cx: &BuildContext<'_>,
) -> Result<(Box<dyn DirectorySource>, Policy), AppError> {
    let c = &settings.config;
    if let SourceConfig::Ldap(l) = &dir.source {
        file_setting("directory.ca_file", l.ca_file.as_deref())?;
    }
    let mut policy = c.policy.clone();
    let source: Box<dyn DirectorySource> = match &dir.source {
        SourceConfig::Ldif(path) => Box::new(ldif_source(&c.file, path)?),
        SourceConfig::Ldap(l) => Box::new(ldap_source(dir, l, &mut policy, cx).await?),
    };
    Ok((source, policy))
}

/// A file a setting names: there and a file, or a configuration error naming the setting.
fn file_setting(key: &str, path: Option<&std::path::Path>) -> Result<(), AppError> {
    let Some(path) = path else { return Ok(()) };
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(AppError::config(format!(
            "{key}: {} is a folder, not a file; give the path of the file",
            path.display()
        ))),
        Err(e) => Err(AppError::config(format!(
            "{key}: cannot read {}: {e}; give the full path of an existing file, or remove the setting",
            path.display()
        ))),
    }
}

/// An `ldifde` export; a relative path is relative to the configuration file.
fn ldif_source(config_file: &std::path::Path, path: &PathBuf) -> Result<LdifSource, AppError> {
    let path = if path.is_relative() {
        config_file
            .parent()
            .map(|p| p.join(path))
            .unwrap_or_else(|| path.clone())
    } else {
        path.clone()
    };
    Ok(LdifSource::read_file(&path)?)
}

/// The LDAP source (its options are built in `rolesync_ad::configured`: discovery, TLS, the
/// bind), with the bind password from the keyring (`ldap`) for a bind account — integrated
/// (Kerberos) sign-in reads none — and the policy's OU completed from the domain's base DN.
async fn ldap_source(
    dir: &DirectoryConfig,
    l: &LdapSettings,
    policy: &mut Policy,
    cx: &BuildContext<'_>,
) -> Result<LdapSource, AppError> {
    let password = if rolesync_ad::configured::needs_password(l) {
        let cred = cx.credentials.obtain(CredentialName::Ldap, cx.asker)?;
        rolesync_core::redact::remember(cred.secret.expose());
        Some(cred.secret.expose().to_string())
    } else {
        None
    };
    let source = rolesync_ad::configured::source(l, password)?;
    rolesync_ad::configured::complete_policy(dir, &source, policy).await;
    Ok(source)
}

/// `[entra]` as the Graph client's own settings.
pub fn entra_config(e: &rolesync_config::EntraConfig, sign_in: SignIn) -> EntraConfig {
    EntraConfig {
        tenant: e.tenant.clone(),
        client_id: e.client_id.clone(),
        sign_in,
        certificate: e.certificate.clone(),
        certificate_thumbprint: e.certificate_thumbprint.clone(),
        username: e.username.clone(),
        login_url: e.login_url.clone(),
        graph_url: e.graph_url.clone(),
    }
}

/// The configured sign-in mode as the Graph client's.
fn sign_in_mode(s: rolesync_config::SignIn) -> SignIn {
    match s {
        rolesync_config::SignIn::Certificate => SignIn::Certificate,
        rolesync_config::SignIn::Secret => SignIn::Secret,
        rolesync_config::SignIn::Interactive => SignIn::Interactive,
        rolesync_config::SignIn::DeviceCode => SignIn::DeviceCode,
        rolesync_config::SignIn::Password => SignIn::Password,
    }
}

/// `[entra]`'s transport settings as the Graph client's connection options; the configuration
/// crate's defaults fill what the file leaves out.
pub fn connect_options(e: &rolesync_config::EntraConfig) -> ConnectOptions {
    use rolesync_config::schema::defaults;
    ConnectOptions {
        ca_file: e.ca_file.clone(),
        concurrency: (
            e.concurrent_reads.unwrap_or(defaults::CONCURRENT_READS) as usize,
            e.concurrent_write_batches
                .unwrap_or(defaults::CONCURRENT_WRITE_BATCHES) as usize,
        ),
        ..ConnectOptions::default()
    }
}

/// Microsoft Graph per `[entra]`, with the one credential the sign-in mode needs.
fn graph_target(
    e: &rolesync_config::EntraConfig,
    choice: &SignInChoice,
    cx: &BuildContext<'_>,
) -> Result<GraphTarget, AppError> {
    let sign_in = match choice {
        SignInChoice::Interactive => SignIn::Interactive,
        _ => sign_in_mode(e.sign_in),
    };
    let credential = match (choice, sign_in) {
        (SignInChoice::With(c), SignIn::Secret | SignIn::Password | SignIn::Certificate) => {
            Some(c.secret.clone())
        }
        (_, SignIn::Secret | SignIn::Password) => Some(
            cx.credentials
                .obtain(CredentialName::Office365, cx.asker)?
                .secret,
        ),
        // A password-protected PFX: its password is the saved office365 credential, if any.
        (_, SignIn::Certificate) => cx
            .credentials
            .saved(CredentialName::Office365)
            .map(|c| c.secret),
        (_, SignIn::Interactive | SignIn::DeviceCode) => None,
    };
    if let Some(c) = &credential {
        rolesync_core::redact::remember(c.expose());
    }
    let mut options = connect_options(e);
    options.pacing.time_scale =
        graph_time_scale(std::env::var(TIME_SCALE_ENV).ok().as_deref(), &e.graph_url)?;
    Ok(GraphTarget::from_config(
        &entra_config(e, sign_in),
        credential.map(|s| Sensitive::new(s.expose().to_string())),
        cx.interaction.clone(),
        &options,
    )?)
}

/// The environment variable that shortens the pacer's throttling windows to match an emulator
/// started with `rolesync emulator --time-scale` (benchmarks and tests only).
pub const TIME_SCALE_ENV: &str = "ROLESYNC_GRAPH_TIME_SCALE";

/// The pacer's time scale: 1 (Microsoft's windows), or the factor in
/// [`TIME_SCALE_ENV`] when Graph is an emulator on this machine. Not a setting: against
/// Microsoft Graph any other factor would only earn 429s, so it is refused there.
pub fn graph_time_scale(value: Option<&str>, graph_url: &url::Url) -> Result<f64, AppError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(1.0);
    };
    let local = match graph_url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if !local {
        return Err(AppError::config(format!(
            "{TIME_SCALE_ENV} is set, but graph_url {graph_url} is not an emulator on this machine: it only matches `rolesync emulator --time-scale`; unset it"
        )));
    }
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 1.0 => Ok(f),
        _ => Err(AppError::config(format!(
            "{TIME_SCALE_ENV}={v}: give the emulator's --time-scale, a factor of 1 or more (e.g. 10)"
        ))),
    }
}

/// `[email]` as the mailer's options; the SMTP password comes from the keyring (`smtp`) when a
/// user is set (asked for when a person is there).
pub fn smtp_config(
    email: &rolesync_config::EmailConfig,
    credentials: &Credentials,
    asker: &dyn Asker,
) -> Result<rolesync_notify::SmtpConfig, AppError> {
    file_setting("email.ca_file", email.ca_file.as_deref())?;
    let password = match &email.username {
        Some(_) => Some(credentials.obtain(CredentialName::Smtp, asker)?.secret),
        None => None,
    };
    Ok(smtp_config_with(email, password))
}

/// `[email]` as the mailer's options with this password for the SMTP account (when a user is set).
pub fn smtp_config_with(
    email: &rolesync_config::EmailConfig,
    password: Option<rolesync_secrets::Secret>,
) -> rolesync_notify::SmtpConfig {
    use rolesync_notify::{Security, SmtpAuth, SmtpConfig};
    let security = match email.security {
        rolesync_config::SmtpSecurity::StartTls => Security::StartTls,
        rolesync_config::SmtpSecurity::Tls => Security::Tls,
        rolesync_config::SmtpSecurity::None => Security::None,
    };
    let mut cfg = SmtpConfig::new(
        email.server.clone(),
        security,
        email.from.clone(),
        email.to.clone(),
    );
    cfg.port = email.port;
    cfg.ca_file = email.ca_file.clone();
    if let (Some(user), Some(password)) = (&email.username, password) {
        rolesync_core::redact::remember(password.expose());
        cfg.username = Some(user.clone());
        cfg.auth = SmtpAuth::Password(password);
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::app_in;
    use crate::ErrorKind;

    #[test]
    fn the_time_scale_is_for_a_local_emulator_only() {
        let local = url::Url::parse("http://127.0.0.1:8400/v1.0").expect("url");
        let graph = url::Url::parse("https://graph.microsoft.com/v1.0").expect("url");
        assert_eq!(graph_time_scale(None, &graph).ok(), Some(1.0));
        assert_eq!(graph_time_scale(Some(""), &graph).ok(), Some(1.0));
        assert_eq!(graph_time_scale(Some("10"), &local).ok(), Some(10.0));
        let e = graph_time_scale(Some("10"), &graph).expect_err("Microsoft Graph");
        assert_eq!(e.code, ErrorKind::Config);
        assert!(e.message.contains("not an emulator on this machine"), "{e}");
        for bad in ["fast", "0", "0.5", "-3", "inf"] {
            let e = graph_time_scale(Some(bad), &local).expect_err(bad);
            assert!(e.message.contains("a factor of 1 or more"), "{e}");
        }
    }

    #[test]
    fn the_graph_clients_defaults_are_the_configurations() {
        let d = ConnectOptions::default();
        let (r, w) = d.concurrency;
        assert_eq!(
            (r as u32, w as u32),
            (
                rolesync_config::schema::defaults::CONCURRENT_READS,
                rolesync_config::schema::defaults::CONCURRENT_WRITE_BATCHES
            )
        );
    }

    #[tokio::test]
    async fn a_configuration_without_a_tenant_is_a_configuration_error() {
        let (_home, app) = app_in();
        std::fs::write(
            app.config_file(),
            "[directory]\nldif = \"x.ldif\"\nou = \"OU=Roles,DC=contoso,DC=com\"\n",
        )
        .unwrap();
        let settings = app.settings(false).expect("valid");
        let credentials = app.credentials();
        let cx = BuildContext {
            credentials: &credentials,
            asker: &crate::credentials::TerminalAsker,
            interaction: Arc::new(rolesync_entra::SystemBrowser),
        };
        let e = configured(&settings, &SignInChoice::Configured, &cx)
            .await
            .err()
            .expect("no [entra]");
        assert_eq!(e.code, ErrorKind::Config);
        assert!(e.message.contains("[entra] section is missing"), "{e}");
    }
}
