//! The LDAP source a RoleSync configuration describes: `[directory]` settings into an
//! [`LdapSource`], and the role OU completed when `directory.ou` is left out. The binary passes
//! the settings (and, for a bind account, the password it got from the keyring) and gets a
//! source back; everything else about the directory lives here.

use crate::ldap::{Bind, LdapConfig, LdapSource, Servers};
use rolesync_config::{DirectoryConfig, LdapBind, LdapSettings};
use rolesync_core::policy::Policy;
use rolesync_core::traits::ReadError;

/// Whether these settings need the `ldap` keyring credential (a bind account's password).
pub fn needs_password(settings: &LdapSettings) -> bool {
    matches!(settings.bind, LdapBind::Account(_))
}

/// The source for `settings`; `password` is the bind account's password (ignored for
/// integrated sign-in, which reads and stores none). Checks the settings without connecting.
pub fn source(settings: &LdapSettings, password: Option<String>) -> Result<LdapSource, ReadError> {
    let bind = match &settings.bind {
        LdapBind::Integrated => Bind::Integrated,
        LdapBind::Account(account) => Bind::Simple {
            dn_or_upn: account.clone(),
            password: password.unwrap_or_default(),
        },
    };
    let servers = match &settings.servers {
        rolesync_config::Servers::Url(u) => Servers::Url(u.as_str().trim_end_matches('/').into()),
        rolesync_config::Servers::Discover(Some(d)) => Servers::Domain(d.clone()),
        rolesync_config::Servers::Discover(None) => Servers::MachineDomain,
    };
    let mut cfg = LdapConfig::with_servers(servers, bind);
    cfg.base_dn = settings.base_dn.clone();
    cfg.start_tls = settings.start_tls;
    cfg.ca_file = settings.ca_file.clone();
    cfg.allow_insecure = settings.allow_insecure;
    LdapSource::new(cfg)
}

/// Completes the policy's role OU when `directory.ou` is left out: the default OU under the
/// search base (the domain's naming context, from the first DC that answers). When the base is
/// not known because no DC could be found or reached, the policy is left as it is: the source
/// keeps that error and the run's directory read fails with it (exit 4, nothing changed).
pub async fn complete_policy(dir: &DirectoryConfig, source: &LdapSource, policy: &mut Policy) {
    if dir.ou.is_some() {
        return;
    }
    match source.base_dn().await {
        Ok(base) => {
            let ou = rolesync_config::default_ou(&base);
            tracing::info!(%ou, "role OU not configured: using the default under the domain's naming context");
            policy.mapping.ou = ou;
        }
        Err(e) => tracing::debug!(error = %e, "the role OU cannot be completed yet"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn settings(text: &str) -> (DirectoryConfig, LdapSettings) {
        let c = rolesync_config::parse(Path::new("x.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        let d = c.directory.unwrap_or_else(|| panic!("no directory"));
        match &d.source {
            rolesync_config::DirectorySource::Ldap(l) => {
                let l = l.clone();
                (d, l)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_domain_becomes_dns_discovery_with_kerberos() {
        let (_, l) = settings("[directory]\ndomain = \"contoso.test\"\n");
        assert!(!needs_password(&l));
        let s = source(&l, Some("ignored".into())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.config().servers, Servers::Domain("contoso.test".into()));
        assert_eq!(s.config().bind, Bind::Integrated);
        assert_eq!(s.config().base_dn, None);
        assert!(!format!("{:?}", s.config()).contains("ignored"));
    }

    #[test]
    fn a_bind_account_takes_the_password() {
        let (_, l) = settings(
            "[directory]\nurl = \"ldaps://dc1.contoso.test/\"\nbind = \"svc@contoso.test\"\nbase_dn = \"DC=contoso,DC=test\"\n",
        );
        assert!(needs_password(&l));
        let s = source(&l, Some("pw".into())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.config().servers,
            Servers::Url("ldaps://dc1.contoso.test".into())
        );
        assert_eq!(s.config().base_dn.as_deref(), Some("DC=contoso,DC=test"));
        assert!(matches!(&s.config().bind, Bind::Simple { password, .. } if password == "pw"));
    }

    #[tokio::test]
    async fn a_configured_ou_is_kept() {
        let (d, l) =
            settings("[directory]\nurl = \"ldaps://127.0.0.1:1\"\nou = \"OU=Roles,DC=x\"\n");
        let mut p = Policy::for_ou(d.ou.clone().unwrap_or_else(|| panic!("ou")));
        let s = source(&l, None).unwrap_or_else(|e| panic!("{e}"));
        complete_policy(&d, &s, &mut p).await;
        assert_eq!(p.mapping.ou.as_str(), "OU=Roles,DC=x");
    }
}
