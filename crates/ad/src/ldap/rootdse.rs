//! The DC's RootDSE (the entry with the empty DN), read before binding — AD and Samba answer it
//! anonymously: the domain's naming context (the default base DN), the DC's DNS host name (the
//! Kerberos service name `ldap/<host>` when the URL holds an address) and its Kerberos realm.

use super::connect::Session;
use super::search;
use crate::entry::Attrs;
use rolesync_core::traits::ReadError;
use std::time::Duration;

/// What RoleSync uses from the RootDSE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootDse {
    /// `defaultNamingContext`: the DC's domain (`DC=contoso,DC=com`).
    pub default_naming_context: Option<String>,
    /// `dnsHostName`: `dc1.contoso.com`.
    pub dns_host_name: Option<String>,
    /// The realm from `ldapServiceName` (`contoso.com:dc1$@CONTOSO.COM`).
    pub realm: Option<String>,
}

/// The attributes read.
pub const ATTRIBUTES: &[&str] = &["defaultNamingContext", "dnsHostName", "ldapServiceName"];

impl RootDse {
    /// From the entry's attributes.
    pub fn from_attrs(e: &dyn Attrs) -> Self {
        let first = |name: &str| {
            e.get(name)
                .first()
                .map(|v| String::from_utf8_lossy(v).trim().to_string())
                .filter(|s| !s.is_empty())
        };
        RootDse {
            default_naming_context: first("defaultNamingContext"),
            dns_host_name: first("dnsHostName"),
            realm: first("ldapServiceName")
                .and_then(|s| s.rsplit_once('@').map(|(_, r)| r.to_string()))
                .filter(|r| !r.is_empty()),
        }
    }
}

/// Reads the RootDSE on an open (bound or not) connection.
pub async fn read(session: &Session, timeout: Duration) -> Result<RootDse, ReadError> {
    let e = search::read_entry(session, timeout, "", ATTRIBUTES)
        .await?
        .ok_or_else(|| {
            ReadError::new(format!(
                "{} did not return its RootDSE; is it an Active Directory domain controller?",
                session.server
            ))
        })?;
    Ok(RootDse::from_attrs(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldap::search::Entry;

    #[test]
    fn realm_naming_context_and_host() {
        let mut e = Entry::default();
        for (k, v) in [
            ("defaultnamingcontext", "DC=contoso,DC=com"),
            ("dnshostname", "dc1.contoso.com"),
            ("ldapservicename", "contoso.com:dc1$@CONTOSO.COM"),
        ] {
            e.attrs.insert(k.into(), vec![v.as_bytes().to_vec()]);
        }
        let r = RootDse::from_attrs(&e);
        assert_eq!(
            r.default_naming_context.as_deref(),
            Some("DC=contoso,DC=com")
        );
        assert_eq!(r.dns_host_name.as_deref(), Some("dc1.contoso.com"));
        assert_eq!(r.realm.as_deref(), Some("CONTOSO.COM"));
        assert_eq!(RootDse::from_attrs(&Entry::default()), RootDse::default());
    }
}
