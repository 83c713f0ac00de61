//! Group → role resolution (pure): name matching in the role OU (case-insensitive, optional
//! prefix), explicit mappings that extend or override it, and the groups that match nothing.

use crate::directory::DirectoryGroup;
use crate::ids::Dn;
use crate::policy::{ExplicitMapping, GroupRef, MappingRules, RoleRef};
use crate::tenant::{AssignmentKind, RoleDefinition};
use serde::{Deserialize, Serialize};

/// A role and the group(s) that govern it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    /// The role.
    pub role: RoleDefinition,
    /// The governing groups (usually one).
    pub groups: Vec<Dn>,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// Whether an empty group may revoke everyone.
    pub allow_empty: bool,
    /// Only assignments RoleSync granted are revoked (`manage = "owned"`).
    #[serde(default)]
    pub owned_only: bool,
}

/// A group in the OU that maps to no role; reported, never guessed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmappedGroup {
    /// The group.
    pub group: Dn,
    /// Its name.
    pub name: String,
    /// Why it maps to nothing, and what would fix it.
    pub reason: String,
}

/// The outcome of resolving mappings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Resolved mappings, one per role, sorted by role name.
    pub mappings: Vec<Mapping>,
    /// Groups that map to nothing.
    pub unmapped: Vec<UnmappedGroup>,
    /// Mapping errors that must stop the run (unknown role, missing group, conflicting kinds).
    pub problems: Vec<String>,
}

/// Finds a role by id, template id or display name.
pub fn find_role<'a>(roles: &'a [RoleDefinition], r: &RoleRef) -> Option<&'a RoleDefinition> {
    match r {
        RoleRef::Id(id) => roles
            .iter()
            .find(|d| &d.id == id)
            .or_else(|| roles.iter().find(|d| &d.template_id == id)),
        RoleRef::Name(n) => roles
            .iter()
            .find(|d| d.display_name.eq_ignore_ascii_case(n.trim())),
    }
}

fn role_ref_text(r: &RoleRef) -> String {
    match r {
        RoleRef::Id(id) => format!("role id {id}"),
        RoleRef::Name(n) => format!("role \"{n}\""),
    }
}

/// Resolves every group to its role.
pub fn resolve(
    groups: &[DirectoryGroup],
    roles: &[RoleDefinition],
    rules: &MappingRules,
) -> Resolution {
    let mut out = Resolution::default();
    let mut by_role: Vec<Mapping> = Vec::new();

    for g in groups {
        let in_ou = g.dn.is_within(&rules.ou);
        let explicit: Option<&ExplicitMapping> = rules
            .explicit
            .iter()
            .find(|m| matches!(&m.group, GroupRef::Dn(d) if *d == g.dn))
            .or_else(|| {
                rules.explicit.iter().find(|m| {
                    in_ou
                        && matches!(&m.group, GroupRef::Name(_))
                        && m.group.matches(&g.dn, &g.name)
                })
            });

        let role = match explicit.and_then(|m| m.role.as_ref()) {
            Some(r) => match find_role(roles, r) {
                Some(role) => role,
                None => {
                    out.problems.push(format!(
                        "the mapping for group \"{}\" names {}, which this tenant does not have; fix the mapping in the configuration",
                        g.name,
                        role_ref_text(r)
                    ));
                    continue;
                }
            },
            None if in_ou => match name_match(g, roles, rules) {
                Ok(role) => role,
                Err(reason) => {
                    out.unmapped.push(UnmappedGroup {
                        group: g.dn.clone(),
                        name: g.name.clone(),
                        reason,
                    });
                    continue;
                }
            },
            None => continue,
        };
        let kind = explicit.map_or(rules.default_kind, |m| m.kind);
        let allow_empty = explicit.is_some_and(|m| m.allow_empty);
        let owned_only = explicit.is_some_and(|m| rules.owned_only.contains(&m.group));

        if let Some(existing) = by_role.iter_mut().find(|m| m.role.id == role.id) {
            if existing.kind != kind {
                out.problems.push(format!(
                    "groups \"{}\" and \"{}\" both map to role \"{}\" but one is {:?} and the other {:?}; make their kinds equal",
                    existing.groups[0].first_rdn_value(),
                    g.name,
                    role.display_name,
                    existing.kind,
                    kind
                ));
                continue;
            }
            existing.groups.push(g.dn.clone());
            existing.allow_empty |= allow_empty;
            existing.owned_only |= owned_only;
        } else {
            by_role.push(Mapping {
                role: role.clone(),
                groups: vec![g.dn.clone()],
                kind,
                allow_empty,
                owned_only,
            });
        }
    }

    for m in &rules.explicit {
        let found = groups.iter().any(|g| match &m.group {
            GroupRef::Dn(d) => *d == g.dn,
            GroupRef::Name(_) => g.dn.is_within(&rules.ou) && m.group.matches(&g.dn, &g.name),
        });
        if !found {
            let what = match &m.group {
                GroupRef::Dn(d) => format!("group {d}"),
                GroupRef::Name(n) => format!("group \"{n}\" in {}", rules.ou),
            };
            out.problems.push(format!(
                "a mapping names {what}, which Active Directory does not have; fix the group in the configuration or create it"
            ));
        }
    }

    by_role.sort_by(|a, b| {
        a.role
            .display_name
            .to_ascii_lowercase()
            .cmp(&b.role.display_name.to_ascii_lowercase())
    });
    out.unmapped.sort_by(|a, b| a.group.cmp(&b.group));
    out.mappings = by_role;
    out
}

fn name_match<'a>(
    g: &DirectoryGroup,
    roles: &'a [RoleDefinition],
    rules: &MappingRules,
) -> Result<&'a RoleDefinition, String> {
    let name = match &rules.prefix {
        Some(p) if !p.is_empty() => {
            let has = g.name.len() >= p.len()
                && g.name.is_char_boundary(p.len())
                && g.name[..p.len()].eq_ignore_ascii_case(p);
            if !has {
                return Err(format!(
                    "the name does not start with the configured prefix \"{p}\""
                ));
            }
            &g.name[p.len()..]
        }
        _ => g.name.as_str(),
    };
    find_role(roles, &RoleRef::Name(name.to_string())).ok_or_else(|| {
        format!(
            "no Entra role is named \"{}\"; rename the group to a role's display name or add an explicit mapping",
            name.trim()
        )
    })
}
