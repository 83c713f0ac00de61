//! Building the directory source, the role target and the policy for a run: the demo pair, or
//! the configured ones.

use crate::failure::Failure;
use crate::settings::Settings;
use rolesync_ad::ldap::{Bind, LdapConfig, LdapSource};
use rolesync_ad::snapshot::LdifSource;
use rolesync_config::DirectorySource as SourceConfig;
use rolesync_config::LdapBind;
use rolesync_core::memory::MemoryTarget;
use rolesync_core::policy::Policy;
use rolesync_core::traits::{DirectorySource, RoleTarget};
use rolesync_demo::DemoTenant;
use rolesync_secrets::CredentialName;
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
    /// The demo tenant and its state file, to save after a sync.
    pub demo: Option<(DemoTenant, Arc<MemoryTarget>)>,
}

impl Backends {
    /// Saves the demo tenant's state (no-op outside demo mode).
    pub fn save_demo(&self) -> Result<(), Failure> {
        if let Some((file, target)) = &self.demo {
            file.save(target).map_err(|e| Failure {
                code: crate::cli::exit::ITEM_FAILURES,
                kind: "io",
                message: e.to_string(),
            })?;
        }
        Ok(())
    }
}

/// The demo directory and tenant.
pub fn demo(settings: &Settings) -> Result<Backends, Failure> {
    let file = DemoTenant::in_dir(&settings.paths.data_dir);
    let target = Arc::new(file.load().map_err(|e| Failure::read(e.to_string()))?);
    Ok(Backends {
        source: Box::new(rolesync_demo::directory()),
        target: target.clone(),
        policy: rolesync_demo::policy(),
        transitive: true,
        demo: Some((file, target)),
    })
}

/// The LDAP source, with the bind password from the keyring (`ldap`).
fn ldap_source(l: &rolesync_config::LdapSettings) -> Result<LdapSource, Failure> {
    let bind = match &l.bind {
        LdapBind::Account(account) => {
            let cred = crate::credentials::get(CredentialName::Ldap)?;
            Bind::Simple { dn_or_upn: account.clone(), password: cred.secret.expose().to_string() }
        }
        LdapBind::Integrated => {
            return Err(Failure::read(
                "integrated (Kerberos) sign-in to AD is not available in this build; set [directory] bind to a bind account and save its password with `rolesync credentials set ldap`",
            ))
        }
    };
    let mut cfg = LdapConfig::new(
        l.url.as_str().trim_end_matches('/'),
        bind,
        l.base_dn.clone(),
    );
    cfg.start_tls = l.start_tls;
    cfg.ca_file = l.ca_file.clone();
    cfg.allow_insecure = l.allow_insecure;
    LdapSource::new(cfg).map_err(|e| Failure::read(e.message))
}

/// The configured directory and tenant.
pub fn configured(settings: &Settings) -> Result<Backends, Failure> {
    let c = &settings.config;
    let Some(dir) = &c.directory else {
        return Err(Failure::config(format!("{}: the [directory] section is missing; add it (see `rolesync config init`) or use --demo", c.file.display())));
    };
    let Some(_entra) = &c.entra else {
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
        SourceConfig::Ldap(l) => Box::new(ldap_source(l)?),
    };
    let target: Option<Arc<dyn RoleTarget>> = None;
    let target = target.ok_or_else(|| {
        Failure::read("signing in to Microsoft Graph is not available in this build yet; use --demo to try RoleSync")
    })?;
    Ok(Backends {
        source,
        target,
        policy: c.policy.clone(),
        transitive: dir.nested,
        demo: None,
    })
}
