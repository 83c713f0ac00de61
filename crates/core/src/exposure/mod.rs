//! Tier-0 exposure of the AD side: who can change the membership of the groups that decide who
//! holds an Entra role — and so give themselves the role at the next sync.
//!
//! The directory source reads an [`ExposureSnapshot`]: each role group and every group nested in
//! it ([`GuardedGroup`]: owner and DACL, `managedBy`, the groups nested in it) and every principal
//! those descriptors name, with the members of groups ([`DirectoryPrincipal`]). [`assess`] (pure)
//! turns it into an [`ExposureReport`]: one [`ExposureFinding`] per principal that can change a
//! role's effective membership, with the right, the group and how that group reaches the role;
//! per group whose descriptor cannot be read ("cannot see who can change GROUP", never clean);
//! and per nested group outside the roles OU. Expected Tier-0 trustees are left out.
//!
//! - [`access`]: descriptors, ACEs and which rights change a membership.
//! - [`wellknown`]: well-known SIDs, broad groups, the expected Tier-0 list.
//! - `paths`: the assessment.

pub mod access;
mod paths;
pub mod roles;
pub mod wellknown;

pub use access::{Ace, Right, SecurityDescriptor};
pub use paths::assess;

use crate::directory::SourceScope;
use crate::ids::{Dn, Sid};
use crate::policy::Policy;
use crate::traits::DirectorySource;
use serde::{Deserialize, Serialize};

/// Reads the snapshot from `source` (the roles OU and the mappings' groups of `policy`) and
/// assesses it. A read that fails is a report that says so ([`ExposureReport::error`]), never a
/// clean one.
pub async fn examine(
    source: &dyn DirectorySource,
    policy: &Policy,
    transitive: bool,
    settings: &ExposureSettings,
) -> ExposureReport {
    let scope = SourceScope {
        ou: policy.mapping.ou.clone(),
        extra_groups: policy.extra_groups(),
        transitive,
    };
    match source.read_exposure(&scope).await {
        Ok(snap) => {
            let roles = roles::role_groups(&snap.role_groups, &policy.mapping);
            assess(&snap, &roles, settings)
        }
        Err(e) => ExposureReport::failed(settings, e.message),
    }
}

/// What kind of directory object a principal is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    /// A user account.
    User,
    /// A group.
    Group,
    /// A computer account.
    Computer,
    /// A (group) managed service account.
    ServiceAccount,
    /// A foreign security principal: an account of a trusted domain or forest.
    ForeignSecurityPrincipal,
    /// A well-known SID with no object of its own (Everyone, SYSTEM, Authenticated Users…).
    WellKnown,
    /// A SID or DN the directory did not resolve.
    Unknown,
    /// Another kind of object.
    Other,
}

/// A security principal as the directory source read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPrincipal {
    /// `objectSid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Sid>,
    /// Its DN.
    pub dn: Dn,
    /// `sAMAccountName`, else `cn`.
    pub name: String,
    /// What it is.
    pub kind: PrincipalKind,
    /// For accounts: whether `userAccountControl` lacks ACCOUNTDISABLE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// For groups: the direct members (`member`, and the accounts whose primary group it is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Dn>,
}

/// A group's security descriptor, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Descriptor {
    /// Read.
    #[serde(rename_all = "camelCase")]
    Read {
        /// The descriptor.
        descriptor: SecurityDescriptor,
    },
    /// Not returned or not readable.
    #[serde(rename_all = "camelCase")]
    Unreadable {
        /// Why, in words.
        reason: String,
    },
}

/// A role group or a group nested in one: what decides who can change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardedGroup {
    /// Its DN.
    pub dn: Dn,
    /// Its name (`cn`).
    pub name: String,
    /// `objectSid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Sid>,
    /// Owner and DACL.
    pub descriptor: Descriptor,
    /// `managedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<Dn>,
    /// The groups that are direct members of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nested: Vec<Dn>,
}

/// Everything the directory source read for the assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureSnapshot {
    /// The role groups (the groups in the roles OU and those mappings name), with their names.
    pub role_groups: Vec<(Dn, String)>,
    /// The role groups and every group nested in them.
    pub groups: Vec<GuardedGroup>,
    /// The principals the descriptors name, and the members of those that are groups.
    pub principals: Vec<DirectoryPrincipal>,
    /// Reads that failed part way (named in the report; never a clean result).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A role group and the roles it decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleGroup {
    /// The group.
    pub dn: Dn,
    /// The roles (by name), or what the group would become.
    pub roles: Vec<String>,
    /// Any of the roles is one Microsoft marks privileged.
    pub privileged: bool,
}

/// How serious a finding is; `[exposure] fail_at` names the lowest that makes
/// `rolesync exposure` exit 1.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// Structure worth knowing, nobody named (a nested group outside the roles OU).
    Low,
    /// Someone outside Tier 0 can change who holds a role.
    Medium,
    /// Someone outside Tier 0 can change who holds a privileged role, or every account can.
    High,
}

impl Severity {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// What the assessment follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureSettings {
    /// The roles OU: nested groups outside it are flagged.
    pub roles_ou: Dn,
    /// Trustees whose control is expected (Tier 0); see [`wellknown::Expected`].
    pub expected: Vec<String>,
    /// Findings at or above this severity fail `rolesync exposure`; `None`: never.
    pub fail_at: Option<Severity>,
}

impl ExposureSettings {
    /// The defaults for a roles OU: the built-in Tier-0 list, failing at medium.
    pub fn for_ou(roles_ou: Dn) -> Self {
        Self {
            roles_ou,
            expected: wellknown::DEFAULT_EXPECTED
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            fail_at: Some(Severity::Medium),
        }
    }
}

/// What a finding says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FindingKind {
    /// A principal can change the group's membership.
    CanChange,
    /// The group's security descriptor could not be read: who can change it is unknown.
    CannotSee,
    /// A nested group lies outside the roles OU.
    OutsideRolesOu,
}

/// A principal in a finding.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingPrincipal {
    /// Its name (`sAMAccountName`, a well-known name, or the SID when unknown).
    pub name: String,
    /// What it is.
    pub kind: PrincipalKind,
    /// Its DN, when it has an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub dn: Option<Dn>,
    /// Its SID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub sid: Option<Sid>,
    /// For accounts: enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub enabled: Option<bool>,
}

/// A group in a finding.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingGroup {
    /// Its name.
    pub name: String,
    /// Its DN.
    pub dn: Dn,
    /// It lies outside the roles OU.
    pub outside_roles_ou: bool,
}

/// One finding: who → which right → on which group → how it reaches the role.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureFinding {
    /// How serious.
    pub severity: Severity,
    /// What it says.
    pub kind: FindingKind,
    /// Who (for [`FindingKind::CanChange`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub principal: Option<FindingPrincipal>,
    /// The groups through which the principal holds the right, innermost first, ending with
    /// the trustee named in the ACE (empty: the ACE names the principal itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// The right (for [`FindingKind::CanChange`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub right: Option<Right>,
    /// The right is the group manager's (`managedBy` with "Manager can update membership list").
    #[serde(default)]
    pub manager: bool,
    /// The group the right is on.
    pub group: FindingGroup,
    /// From that group to the role group: the group, each group it is nested in, the role group.
    pub path: Vec<String>,
    /// The role group.
    pub role_group: Dn,
    /// The roles that group decides.
    pub roles: Vec<String>,
    /// The finding in one line.
    pub message: String,
}

/// The assessment.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureReport {
    /// Every finding, most serious first.
    pub findings: Vec<ExposureFinding>,
    /// Role groups assessed.
    pub role_groups: usize,
    /// Groups assessed (role groups and the groups nested in them).
    pub groups: usize,
    /// The expected Tier-0 trustees left out, as configured.
    pub expected: Vec<String>,
    /// The lowest severity that fails `rolesync exposure` (none: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub fail_at: Option<Severity>,
    /// Why the assessment could not be made at all (the directory could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<String>,
}

impl ExposureReport {
    /// A report of an assessment that could not be made.
    pub fn failed(settings: &ExposureSettings, error: impl Into<String>) -> Self {
        Self {
            findings: Vec::new(),
            role_groups: 0,
            groups: 0,
            expected: settings.expected.clone(),
            fail_at: settings.fail_at,
            error: Some(error.into()),
        }
    }

    /// The findings at or above the threshold.
    pub fn above_threshold(&self) -> impl Iterator<Item = &ExposureFinding> {
        let at = self.fail_at;
        self.findings
            .iter()
            .filter(move |f| at.is_some_and(|t| f.severity >= t))
    }

    /// Whether `rolesync exposure` fails: a finding at or above the threshold, or no assessment.
    pub fn fails(&self) -> bool {
        self.error.is_some() || self.above_threshold().next().is_some()
    }

    /// The counts in words: `2 high, 1 medium, 3 low finding(s) on 5 role group(s)`.
    pub fn summary(&self) -> String {
        if let Some(e) = &self.error {
            return format!("not assessed: {e}");
        }
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        if self.findings.is_empty() {
            return format!(
                "nobody outside the expected Tier-0 trustees can change the {} role group(s) or the {} group(s) nested in them",
                self.role_groups,
                self.groups.saturating_sub(self.role_groups)
            );
        }
        format!(
            "{} high, {} medium, {} low finding(s) on {} role group(s) and {} group(s) nested in them",
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            self.role_groups,
            self.groups.saturating_sub(self.role_groups)
        )
    }
}
