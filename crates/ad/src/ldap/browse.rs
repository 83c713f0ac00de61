//! Browsing the directory for the first-run setup: the OUs under the search base (the one that
//! holds the role groups is chosen from them) and the groups directly in one OU. Both read with
//! the source's own connection rules (discovery, TLS, the bind), like every other read.

use super::search;
use super::LdapSource;
use crate::entry;
use ldap3::Scope;
use rolesync_core::ids::Dn;
use rolesync_core::traits::ReadError;

/// At most this many OUs are listed (a domain with more is browsed by typing the OU).
pub const MAX_OUS: usize = 500;

/// What the setup shows of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browsed {
    /// The search base (`DC=contoso,DC=com`).
    pub base_dn: String,
    /// The DC that answered (`ldaps://dc1.contoso.com:636`).
    pub server: String,
    /// The organizational units under the base, by DN, sorted; at most [`MAX_OUS`].
    pub ous: Vec<String>,
    /// Whether there were more than [`MAX_OUS`].
    pub more_ous: bool,
}

/// One group directly in an OU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// Its DN.
    pub dn: Dn,
    /// Its name (`cn`), which is compared with the role names.
    pub name: String,
}

/// Connects (as every read does), then lists the OUs under the search base.
pub async fn organizational_units(source: &LdapSource) -> Result<Browsed, ReadError> {
    let s = source.connect().await?;
    let t = source.config().timeout;
    let found = search::paged(
        &s,
        t,
        &s.base_dn,
        Scope::Subtree,
        "(objectClass=organizationalUnit)",
        &["ou"],
        &format!("the organizational units under {}", s.base_dn),
    )
    .await;
    let mut ldap = s.ldap.clone();
    let _ = ldap.unbind().await;
    let mut ous: Vec<String> = found?.into_iter().map(|e| e.dn).collect();
    ous.sort_by_key(|d| d.to_ascii_lowercase());
    let more_ous = ous.len() > MAX_OUS;
    ous.truncate(MAX_OUS);
    Ok(Browsed {
        base_dn: s.base_dn.clone(),
        server: s.server.clone(),
        ous,
        more_ous,
    })
}

/// The groups directly in `ou` (one level), sorted by name; an OU that does not exist is an
/// error that names it.
pub async fn groups_in(source: &LdapSource, ou: &str) -> Result<Vec<GroupEntry>, ReadError> {
    let s = source.connect().await?;
    let t = source.config().timeout;
    let result = async {
        if search::read_entry(&s, t, ou, &["objectClass"])
            .await?
            .is_none()
        {
            return Err(ReadError::of(
                rolesync_core::traits::ReadErrorKind::NotFound,
                format!(
                    "the OU {ou} does not exist on {}; choose one of the OUs listed, or create it and put one group per role in it",
                    s.server
                ),
            ));
        }
        search::paged(
            &s,
            t,
            ou,
            Scope::OneLevel,
            "(objectClass=group)",
            &["cn"],
            &format!("the groups in {ou}"),
        )
        .await
    }
    .await;
    let mut ldap = s.ldap.clone();
    let _ = ldap.unbind().await;
    let mut groups: Vec<GroupEntry> = result?
        .iter()
        .map(|e| GroupEntry {
            dn: Dn::new(&e.dn),
            name: entry::group_name(&e.dn, e),
        })
        .collect();
    groups.sort_by_key(|g| g.name.to_ascii_lowercase());
    Ok(groups)
}
