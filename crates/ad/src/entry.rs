//! Turning AD entries (attribute name → binary values, as LDAP and LDIF both give them) into
//! directory users and groups: `objectGUID`, `objectSid`, `mS-DS-ConsistencyGuid`,
//! `userAccountControl`, `userPrincipalName`, `sAMAccountName`, `mail`, `member`.

use rolesync_core::directory::DirectoryUser;
use rolesync_core::ids::{Dn, ObjectGuid, Sid, Upn};

/// The attributes RoleSync reads from user and group entries.
pub const ATTRIBUTES: &[&str] = &[
    "objectClass",
    "cn",
    "objectGUID",
    "objectSid",
    "mS-DS-ConsistencyGuid",
    "userAccountControl",
    "userPrincipalName",
    "sAMAccountName",
    "mail",
];

/// `userAccountControl` bit ACCOUNTDISABLE.
pub const ACCOUNTDISABLE: u32 = 0x2;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A user account (not a computer).
    User,
    /// A group.
    Group,
    /// Anything else (contact, computer, OU, foreign security principal…).
    Other,
}

/// Read access to one entry's attributes.
pub trait Attrs {
    /// Every value of the attribute (name compared without case).
    fn get(&self, name: &str) -> Vec<&[u8]>;

    /// The first value as text.
    fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .first()
            .map(|v| String::from_utf8_lossy(v).trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

impl Attrs for crate::ldif::LdifEntry {
    fn get(&self, name: &str) -> Vec<&[u8]> {
        self.values(name).collect()
    }
}

/// Classifies an entry by `objectClass`.
pub fn kind(a: &impl Attrs) -> EntryKind {
    let classes: Vec<String> = a
        .get("objectClass")
        .iter()
        .map(|v| String::from_utf8_lossy(v).to_ascii_lowercase())
        .collect();
    if classes.iter().any(|c| c == "group") {
        EntryKind::Group
    } else if classes.iter().any(|c| c == "computer") {
        EntryKind::Other
    } else if classes.iter().any(|c| c == "user") {
        EntryKind::User
    } else {
        EntryKind::Other
    }
}

/// Reads a user entry. Errors name the attribute that is missing or malformed.
pub fn user(dn: &str, a: &impl Attrs) -> Result<DirectoryUser, String> {
    let guid = a
        .get("objectGUID")
        .first()
        .ok_or_else(|| {
            format!("user {dn} has no objectGUID (was it read with the objectGUID attribute?)")
        })
        .and_then(|b| ObjectGuid::from_ad_bytes(b).map_err(|e| format!("user {dn}: {e}")))?;
    let consistency_guid = match a.get("mS-DS-ConsistencyGuid").first() {
        Some(b) => Some(ObjectGuid::from_ad_bytes(b).map_err(|e| format!("user {dn}: {e}"))?),
        None => None,
    };
    let sid = match a.get("objectSid").first() {
        Some(b) => Some(Sid::from_bytes(b).map_err(|e| format!("user {dn}: {e}"))?),
        None => None,
    };
    let uac = match a.text("userAccountControl") {
        Some(t) => t
            .parse::<i64>()
            .map(|v| v as u32)
            .map_err(|_| format!("user {dn}: userAccountControl `{t}` is not a number"))?,
        None => 0,
    };
    Ok(DirectoryUser {
        dn: Dn::new(dn),
        object_guid: guid,
        consistency_guid,
        sid,
        upn: a.text("userPrincipalName").map(Upn::new),
        sam_account_name: a.text("sAMAccountName"),
        mail: a.text("mail"),
        enabled: uac & ACCOUNTDISABLE == 0,
    })
}

/// A group's display name: `cn`, else the first RDN's value.
pub fn group_name(dn: &str, a: &impl Attrs) -> String {
    a.text("cn")
        .unwrap_or_else(|| Dn::new(dn).first_rdn_value().to_string())
}
