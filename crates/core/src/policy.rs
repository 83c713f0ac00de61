//! The rules a plan follows, as one typed value the configuration is validated into: how groups
//! map to roles, how users are matched, who is protected, and the safety limits.

use crate::ids::{Dn, RoleDefinitionId};
use crate::pim::PimDuration;
use crate::tenant::AssignmentKind;
use serde::{Deserialize, Serialize};

/// How a mapping names its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RoleRef {
    /// By display name (case-insensitive).
    Name(String),
    /// By role definition id or template id.
    Id(RoleDefinitionId),
}

/// How a mapping names its group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupRef {
    /// By distinguished name (anywhere in the domain).
    Dn(Dn),
    /// By name, within the role OU.
    Name(String),
}

impl GroupRef {
    /// The same group reference, names compared without case.
    pub fn same_as(&self, other: &GroupRef) -> bool {
        match (self, other) {
            (GroupRef::Dn(a), GroupRef::Dn(b)) => a == b,
            (GroupRef::Name(a), GroupRef::Name(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
            _ => false,
        }
    }

    /// Whether this reference names `dn`/`name`.
    pub fn matches(&self, dn: &Dn, name: &str) -> bool {
        match self {
            GroupRef::Dn(d) => d == dn,
            GroupRef::Name(n) => n.eq_ignore_ascii_case(name),
        }
    }
}

/// Where a mapping's role is assigned (`[[mappings]] scope`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScopeRef {
    /// The whole tenant (`directoryScopeId` `/`), the default.
    #[default]
    Tenant,
    /// An administrative unit, by display name or object id (`administrativeUnit:Europe`).
    AdministrativeUnit(String),
}

impl ScopeRef {
    /// The whole tenant.
    pub fn is_tenant(&self) -> bool {
        matches!(self, ScopeRef::Tenant)
    }

    /// The scope in words: `the tenant`, `administrative unit "Europe"`.
    pub fn describe(&self) -> String {
        match self {
            ScopeRef::Tenant => "the tenant".into(),
            ScopeRef::AdministrativeUnit(a) => format!("administrative unit \"{a}\""),
        }
    }

    /// The same scope, display names and ids compared without case.
    pub fn same_as(&self, other: &ScopeRef) -> bool {
        match (self, other) {
            (ScopeRef::Tenant, ScopeRef::Tenant) => true,
            (ScopeRef::AdministrativeUnit(a), ScopeRef::AdministrativeUnit(b)) => {
                a.trim().eq_ignore_ascii_case(b.trim())
            }
            _ => false,
        }
    }

    /// Whether an administrative unit (display name or id) is the one this names.
    pub fn names_unit(&self, unit: &crate::tenant::AdministrativeUnit) -> bool {
        match self {
            ScopeRef::Tenant => false,
            ScopeRef::AdministrativeUnit(a) => {
                let a = a.trim();
                unit.id.eq_ignore_ascii_case(a) || unit.display_name.eq_ignore_ascii_case(a)
            }
        }
    }
}

/// An explicit mapping from the configuration; it extends or overrides name matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplicitMapping {
    /// The group.
    pub group: GroupRef,
    /// The role; `None` keeps the role found by name and only sets options.
    pub role: Option<RoleRef>,
    /// Active or eligible (PIM).
    pub kind: AssignmentKind,
    /// Allow the group to be empty and so revoke every managed member.
    pub allow_empty: bool,
    /// Where the role is assigned: the tenant, or an administrative unit.
    #[serde(default, skip_serializing_if = "ScopeRef::is_tenant")]
    pub scope: ScopeRef,
}

/// How groups become roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingRules {
    /// The OU holding one group per role.
    pub ou: Dn,
    /// A prefix stripped from group names before comparing them with role names (e.g. `M365-`).
    pub prefix: Option<String>,
    /// Kind used by name-matched groups.
    pub default_kind: AssignmentKind,
    /// Explicit mappings.
    pub explicit: Vec<ExplicitMapping>,
    /// Groups whose mapping has `manage = "owned"`: only assignments RoleSync granted are
    /// revoked in their role ([`crate::ownership`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owned_only: Vec<GroupRef>,
}

/// How AD users are matched to Entra users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchPolicy {
    /// Fall back to UPN when neither the anchor nor the SID matches.
    pub by_upn: bool,
}

/// Revoke limits (like Entra Connect's accidental-delete threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetyLimits {
    /// Revokes in one role above this count…
    pub max_revokes: u32,
    /// …and above this share of the role's managed members (percent) stop the run.
    pub max_revoke_percent: u32,
}

impl SafetyLimits {
    /// The default limits: more than 10 revokes and more than 25 % of a role's managed members
    /// (the configuration's `[safety]` defaults refer to these).
    pub const DEFAULT: SafetyLimits = SafetyLimits {
        max_revokes: 10,
        max_revoke_percent: 25,
    };
}

impl Default for SafetyLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How RoleSync treats PIM assignments with an end date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PimOptions {
    /// Assignments RoleSync manages that end within this many days are renewed.
    pub renew_within_days: u32,
    /// Where a role's PIM settings require an end date, ask for this (when shorter than the
    /// maximum the settings allow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<PimDuration>,
}

impl PimOptions {
    /// The renewal window when none is configured: 14 days, the window in which PIM itself
    /// reminds of an ending assignment and lets it be extended ("Extend or renew Microsoft Entra
    /// role assignments in PIM").
    pub const DEFAULT_RENEW_WITHIN_DAYS: u32 = 14;
}

impl Default for PimOptions {
    fn default() -> Self {
        Self {
            renew_within_days: Self::DEFAULT_RENEW_WITHIN_DAYS,
            duration: None,
        }
    }
}

/// All planning rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Group to role mapping.
    pub mapping: MappingRules,
    /// User matching.
    pub matching: MatchPolicy,
    /// Accounts never revoked (UPNs or object ids, compared without case).
    pub protected: Vec<String>,
    /// Revoke limits.
    pub limits: SafetyLimits,
    /// Renewal of time-bound PIM assignments.
    #[serde(default)]
    pub pim: PimOptions,
    /// Roles (display names or ids) whose grants wait for a second person's approval
    /// (`safety.require_approval`, [`crate::approval`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub require_approval: Vec<String>,
    /// What a run does with assignments someone else changed since the last run
    /// (`safety.on_drift`, [`crate::drift`]).
    #[serde(default)]
    pub on_drift: OnDrift,
}

/// What a run does with drift: assignments in mapped roles that someone else added or removed
/// since RoleSync's last run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OnDrift {
    /// Report it, then put it right as any other difference (the default).
    #[default]
    Correct,
    /// Report it and leave it as it is.
    Report,
}

impl Policy {
    /// A policy with defaults for the given OU.
    pub fn for_ou(ou: impl Into<Dn>) -> Self {
        Self {
            mapping: MappingRules {
                ou: ou.into(),
                prefix: None,
                default_kind: AssignmentKind::Active,
                explicit: Vec::new(),
                owned_only: Vec::new(),
            },
            matching: MatchPolicy::default(),
            protected: Vec::new(),
            limits: SafetyLimits::default(),
            pim: PimOptions::default(),
            require_approval: Vec::new(),
            on_drift: OnDrift::default(),
        }
    }

    /// The administrative units the mappings name (display names or ids, each once, as written).
    pub fn administrative_units(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.mapping.explicit {
            if let ScopeRef::AdministrativeUnit(a) = &m.scope {
                if !out.iter().any(|x| x.eq_ignore_ascii_case(a.trim())) {
                    out.push(a.trim().to_string());
                }
            }
        }
        out
    }

    /// Whether grants to this role wait for approval (`require_approval` names it by display
    /// name, id or template id, case-insensitively).
    pub fn requires_approval(&self, role: &crate::tenant::RoleDefinition) -> bool {
        self.require_approval.iter().any(|r| {
            let r = r.trim();
            r.eq_ignore_ascii_case(&role.display_name)
                || r.eq_ignore_ascii_case(role.id.as_str())
                || r.eq_ignore_ascii_case(role.template_id.as_str())
        })
    }

    /// Groups outside the OU that explicit mappings name by DN; the source must read them too.
    /// Each group once, also when it is mapped at several scopes.
    pub fn extra_groups(&self) -> Vec<Dn> {
        let mut out: Vec<Dn> = Vec::new();
        for m in &self.mapping.explicit {
            if let GroupRef::Dn(d) = &m.group {
                if !d.is_within(&self.mapping.ou) && !out.contains(d) {
                    out.push(d.clone());
                }
            }
        }
        out
    }
}
