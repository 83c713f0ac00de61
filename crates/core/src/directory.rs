//! The desired side: what the Active Directory source read — role groups with their transitive
//! members, and whether every read succeeded.

use crate::ids::{Dn, ObjectGuid, Sid, Upn};
use serde::{Deserialize, Serialize};

/// An AD user account as the source read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryUser {
    /// Distinguished name.
    pub dn: Dn,
    /// `objectGUID`.
    pub object_guid: ObjectGuid,
    /// `mS-DS-ConsistencyGuid`, when set; it is the source anchor then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency_guid: Option<ObjectGuid>,
    /// `objectSid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Sid>,
    /// `userPrincipalName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<Upn>,
    /// `sAMAccountName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sam_account_name: Option<String>,
    /// `mail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// False when `userAccountControl` has ACCOUNTDISABLE (bit 2).
    pub enabled: bool,
}

impl DirectoryUser {
    /// The anchor Entra Connect uses: `mS-DS-ConsistencyGuid` when set, else `objectGUID`.
    pub fn source_anchor(&self) -> ObjectGuid {
        self.consistency_guid.unwrap_or(self.object_guid)
    }

    /// A short name for reports: the UPN, else the sAMAccountName, else the DN.
    pub fn display(&self) -> String {
        self.upn
            .as_ref()
            .map(|u| u.to_string())
            .or_else(|| self.sam_account_name.clone())
            .unwrap_or_else(|| self.dn.to_string())
    }
}

/// A group read from AD, with its members already expanded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryGroup {
    /// Distinguished name.
    pub dn: Dn,
    /// `cn` (or `name`), compared with role names.
    pub name: String,
    /// Member users: direct ones, plus those of nested groups when transitive expansion is on.
    pub members: Vec<DirectoryUser>,
    /// Nested groups that were expanded into `members`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nested_groups: Vec<Dn>,
}

/// A read that failed or returned partial data; any of these stops the run (fail closed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceProblem {
    /// The group whose read is incomplete, when it concerns one group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Dn>,
    /// What went wrong.
    pub message: String,
}

/// Everything the directory source read for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectorySnapshot {
    /// Groups in the role OU, plus groups named by explicit mappings.
    pub groups: Vec<DirectoryGroup>,
    /// Incomplete reads; empty when everything was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<SourceProblem>,
}

/// What the source is asked to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceScope {
    /// The OU whose groups are role groups.
    pub ou: Dn,
    /// Further groups named by explicit mappings (may lie outside the OU).
    pub extra_groups: Vec<Dn>,
    /// Expand nested groups transitively.
    pub transitive: bool,
}

/// UPN suffixes that Entra ID cannot route (`contoso.local`, single labels, …).
pub fn is_non_routable_suffix(suffix: &str) -> bool {
    let s = suffix.to_ascii_lowercase();
    if !s.contains('.') {
        return true;
    }
    [
        ".local",
        ".lan",
        ".internal",
        ".corp",
        ".localdomain",
        ".home",
        ".intranet",
    ]
    .iter()
    .any(|t| s.ends_with(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_routable_suffixes() {
        for s in [
            "corp.local",
            "CONTOSO",
            "ad.lan",
            "x.internal",
            "contoso.corp",
        ] {
            assert!(is_non_routable_suffix(s), "{s}");
        }
        for s in ["contoso.com", "contoso.onmicrosoft.com", "fabrikam.co.uk"] {
            assert!(!is_non_routable_suffix(s), "{s}");
        }
    }
}
