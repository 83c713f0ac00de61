//! Building the directory source, the role target and the policy for a run: the demo pair, or
//! the configured ones.

use crate::demo_tenant::{DemoSession, DemoTenant};
use crate::failure::Failure;
use crate::settings::Settings;
use rolesync_ad::ldap::LdapSource;
use rolesync_ad::snapshot::LdifSource;
use rolesync_config::DirectorySource as SourceConfig;
use rolesync_config::SignIn;
use rolesync_core::policy::Policy;
use rolesync_core::traits::{DirectorySource, RoleTarget};
use rolesync_entra::auth::Interaction;
use rolesync_entra::{ConnectOptions, GraphTarget, Sensitive};
use rolesync_secrets::{Credential, CredentialName, CredentialStore};
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
    pub fn save_demo(&self) -> Result<(), Failure> {
        self.demo.as_ref().map_or(Ok(()), DemoSession::save)
    }

    /// Stops what the backends started (the demo tenant).
    pub async fn finish(self) {
        if let Some(d) = self.demo {
            d.shutdown().await;
        }
    }
}

/// How a run signs in to Entra ID.
#[derive(Clone, Default)]
pub enum SignInChoice {
    /// As `[entra] sign_in` says, with the saved credential (asked for on a terminal).
    #[default]
    Configured,
    /// Interactively with MFA (authorization code + PKCE in the system browser), whatever
    /// `sign_in` says: the desktop app's "Yes" to the MFA question.
    Interactive,
    /// As `sign_in` says, with this credential (entered in the desktop app's dialogs).
    With(Credential),
}

/// The demo pair when `demo`, else the configured one. `interaction` opens the browser and
/// shows device codes for a person's sign-in (the terminal's or the window's).
pub async fn build(
    settings: &Settings,
    demo: bool,
    sign_in: &SignInChoice,
    interaction: Arc<dyn Interaction>,
) -> Result<Backends, Failure> {
    if demo {
        self::demo(settings).await
    } else {
        configured(settings, sign_in, interaction).await
    }
}

/// The demo directory, and the demo tenant in the in-process emulator.
pub async fn demo(settings: &Settings) -> Result<Backends, Failure> {
    let session = DemoTenant::in_dir(&settings.paths.data_dir).start().await?;
    Ok(Backends {
        source: Box::new(rolesync_demo::directory()),
        target: session.target.clone(),
        policy: rolesync_demo::policy(),
        transitive: true,
        demo: Some(session),
    })
}

/// Microsoft Graph per `[entra]`, with the one credential the sign-in mode needs.
fn graph_target(
    e: &rolesync_config::EntraConfig,
    choice: &SignInChoice,
    interaction: Arc<dyn Interaction>,
) -> Result<GraphTarget, Failure> {
    let mut e = e.clone();
    if matches!(choice, SignInChoice::Interactive) {
        e.sign_in = SignIn::Interactive;
    }
    let e = &e;
    let credential = match (choice, e.sign_in) {
        (SignInChoice::With(c), SignIn::Secret | SignIn::Password | SignIn::Certificate) => {
            Some(c.secret.clone())
        }
        (_, sign_in) => match sign_in {
            SignIn::Secret | SignIn::Password => {
                Some(crate::credentials::get(CredentialName::Office365)?.secret)
            }
            // A password-protected PFX: its password is the saved office365 credential, if any.
            SignIn::Certificate => crate::credentials::store()?
                .get(CredentialName::Office365)
                .ok()
                .flatten()
                .map(|c| c.secret),
            SignIn::Interactive | SignIn::DeviceCode => None,
        },
    };
    let d = ConnectOptions::default();
    let opts = ConnectOptions {
        ca_file: e.ca_file.clone(),
        concurrency: (
            e.concurrent_reads.map_or(d.concurrency.0, |n| n as usize),
            e.concurrent_write_batches
                .map_or(d.concurrency.1, |n| n as usize),
        ),
        ..d
    };
    GraphTarget::from_config(
        e,
        credential.map(|s| Sensitive::new(s.expose().to_string())),
        interaction,
        &opts,
    )
    .map_err(|e| Failure::read(e.message))
}

/// The LDAP source (built in `rolesync_ad::configured`), with the bind password from the
/// keyring (`ldap`) for a bind account; integrated sign-in reads none.
async fn ldap_source(
    dir: &rolesync_config::DirectoryConfig,
    l: &rolesync_config::LdapSettings,
    policy: &mut Policy,
) -> Result<LdapSource, Failure> {
    let password = if rolesync_ad::configured::needs_password(l) {
        Some(
            crate::credentials::get(CredentialName::Ldap)?
                .secret
                .expose()
                .to_string(),
        )
    } else {
        None
    };
    let source =
        rolesync_ad::configured::source(l, password).map_err(|e| Failure::read(e.message))?;
    rolesync_ad::configured::complete_policy(dir, &source, policy).await;
    Ok(source)
}

/// The configured directory and tenant.
pub async fn configured(
    settings: &Settings,
    sign_in: &SignInChoice,
    interaction: Arc<dyn Interaction>,
) -> Result<Backends, Failure> {
    let c = &settings.config;
    let Some(dir) = &c.directory else {
        return Err(Failure::config(format!("{}: the [directory] section is missing; add it with the AD domain, e.g. `[directory]` `domain = \"contoso.com\"` (see `rolesync config init`), or use --demo", c.file.display())));
    };
    let mut policy = c.policy.clone();
    let Some(entra) = &c.entra else {
        return Err(Failure::config(format!(
            "{}: the [entra] section is missing; add it (see `rolesync config init`) or use --demo",
            c.file.display()
        )));
    };
    let source: Box<dyn DirectorySource> = match &dir.source {
        SourceConfig::Ldif(path) => {
            let path = if path.is_relative() {
                c.file
                    .parent()
                    .map(|p| p.join(path))
                    .unwrap_or_else(|| path.clone())
            } else {
                path.clone()
            };
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Failure::read(format!(
                    "cannot read the LDIF export {}: {e}",
                    path.display()
                ))
            })?;
            Box::new(
                LdifSource::parse(path.display().to_string(), &text)
                    .map_err(|e| Failure::read(format!("{}: {e}", path.display())))?,
            )
        }
        SourceConfig::Ldap(l) => Box::new(ldap_source(dir, l, &mut policy).await?),
    };
    let target: Arc<dyn RoleTarget> = Arc::new(graph_target(entra, sign_in, interaction)?);
    Ok(Backends {
        source,
        target,
        policy,
        transitive: dir.nested,
        demo: None,
    })
}
