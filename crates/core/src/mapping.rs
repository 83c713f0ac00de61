//! Group → role resolution (pure): name matching in the role OU (case-insensitive, optional
//! prefix), explicit mappings that extend or override it (also at administrative-unit scopes:
//! the unit of a plan is a role at one scope), and the groups that match nothing.

use crate::directory::DirectoryGroup;
use crate::ids::{DirectoryScopeId, Dn, RoleDefinitionId};
use crate::policy::{ExplicitMapping, GroupRef, MappingRules, RoleRef, ScopeRef};
use crate::tenant::{AdministrativeUnit, AssignmentKind, RoleDefinition};
use serde::{Deserialize, Serialize};

/// A role at one scope and the group(s) that govern it: the unit the plan works on. The same
/// role may be mapped at several scopes (the tenant and administrative units), each its own unit.
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
    /// Where the role is assigned: `/` or `/administrativeUnits/{id}`.
    #[serde(default, skip_serializing_if = "DirectoryScopeId::is_tenant")]
    pub directory_scope_id: DirectoryScopeId,
    /// The administrative unit's display name, for an administrative-unit scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_name: Option<String>,
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

/// A mapping that gets nothing written this run because its scope cannot be used (an
/// administrative unit the tenant does not have); the other mappings go on.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedMapping {
    /// The group.
    pub group: Dn,
    /// The role's name.
    pub role: String,
    /// The scope as the configuration names it (`administrative unit "Europe"`).
    pub scope: String,
    /// Why, and what would fix it.
    pub reason: String,
}

/// The outcome of resolving mappings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Resolved mappings, one per (role, scope), sorted by role name, tenant scope first.
    pub mappings: Vec<Mapping>,
    /// Groups that map to nothing.
    pub unmapped: Vec<UnmappedGroup>,
    /// Mapping errors that must stop the run (unknown role, missing group, conflicting kinds, a
    /// role Microsoft does not let be scoped to an administrative unit).
    pub problems: Vec<String>,
    /// Mappings left out because their administrative unit does not exist.
    pub skipped: Vec<SkippedMapping>,
}

impl Resolution {
    /// The (role, scope) units to read assignments of, each once.
    pub fn units(&self) -> Vec<(RoleDefinitionId, DirectoryScopeId)> {
        let mut out: Vec<(RoleDefinitionId, DirectoryScopeId)> = Vec::new();
        for m in &self.mappings {
            let unit = (m.role.id.clone(), m.directory_scope_id.clone());
            if !out.contains(&unit) {
                out.push(unit);
            }
        }
        out
    }
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

/// Whether Microsoft lets `role` be assigned with administrative-unit scope: the built-in roles
/// on its list, and custom roles (which qualify when their permissions concern users, groups or
/// devices — Microsoft Graph decides that when the assignment is written).
pub fn au_scopable(role: &RoleDefinition) -> bool {
    if !role.is_built_in {
        return true;
    }
    let id = role.template_id.as_str();
    crate::builtin::au_scopable_template_ids().any(|t| t.eq_ignore_ascii_case(id))
}

/// The built-in roles that can be scoped to an administrative unit, in words.
fn scopable_roles_text() -> String {
    let names: Vec<&str> = crate::builtin::builtin_roles()
        .filter(|r| r.au_scopable())
        .map(|r| r.name)
        .collect();
    names.join(", ")
}

/// Resolves every group to its role(s) and scope(s); `units` are the administrative units the
/// tenant has of those the mappings name.
pub fn resolve(
    groups: &[DirectoryGroup],
    roles: &[RoleDefinition],
    units: &[AdministrativeUnit],
    rules: &MappingRules,
) -> Resolution {
    let mut out = Resolution::default();
    let mut by_unit: Vec<Mapping> = Vec::new();

    for g in groups {
        let in_ou = g.dn.is_within(&rules.ou);
        // Every explicit mapping of this group (one per scope): those naming its DN, else those
        // naming it by name in the OU.
        let mut explicit: Vec<&ExplicitMapping> = rules
            .explicit
            .iter()
            .filter(|m| matches!(&m.group, GroupRef::Dn(d) if *d == g.dn))
            .collect();
        if explicit.is_empty() && in_ou {
            explicit = rules
                .explicit
                .iter()
                .filter(|m| {
                    matches!(&m.group, GroupRef::Name(_)) && m.group.matches(&g.dn, &g.name)
                })
                .collect();
        }
        let entries: Vec<Option<&ExplicitMapping>> = if explicit.is_empty() {
            vec![None]
        } else {
            explicit.into_iter().map(Some).collect()
        };

        for explicit in entries {
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
                        if !out.unmapped.iter().any(|u| u.group == g.dn) {
                            out.unmapped.push(UnmappedGroup {
                                group: g.dn.clone(),
                                name: g.name.clone(),
                                reason,
                            });
                        }
                        continue;
                    }
                },
                None => continue,
            };
            let kind = explicit.map_or(rules.default_kind, |m| m.kind);
            let allow_empty = explicit.is_some_and(|m| m.allow_empty);
            let owned_only = explicit.is_some_and(|m| rules.owned_only.contains(&m.group));
            let scope = explicit.map(|m| m.scope.clone()).unwrap_or_default();

            let (directory_scope_id, scope_name) = match &scope {
                ScopeRef::Tenant => (DirectoryScopeId::tenant(), None),
                ScopeRef::AdministrativeUnit(a) => {
                    if !au_scopable(role) {
                        out.problems.push(format!(
                            "the mapping for group \"{}\" assigns role \"{}\" at {}, but Microsoft does not let \"{}\" be assigned with administrative-unit scope; remove the scope (assign it tenant-wide) or map a role that can be scoped ({}, or a custom role)",
                            g.name,
                            role.display_name,
                            scope.describe(),
                            role.display_name,
                            scopable_roles_text()
                        ));
                        continue;
                    }
                    // An id names one unit; a display name may name several.
                    let by_id: Vec<&AdministrativeUnit> = units
                        .iter()
                        .filter(|u| u.id.eq_ignore_ascii_case(a.trim()))
                        .collect();
                    let named: Vec<&AdministrativeUnit> = if by_id.is_empty() {
                        units.iter().filter(|u| scope.names_unit(u)).collect()
                    } else {
                        by_id
                    };
                    if named.len() > 1 {
                        let ids: Vec<&str> = named.iter().map(|u| u.id.as_str()).collect();
                        out.problems.push(format!(
                            "the mapping for group \"{}\" names {}, but {} administrative units have that name ({}); name the one you mean by its object id: scope = \"administrativeUnit:<id>\"",
                            g.name,
                            scope.describe(),
                            named.len(),
                            ids.join(", ")
                        ));
                        continue;
                    }
                    match named.first() {
                        Some(u) => (u.scope(), Some(u.display_name.clone())),
                        None => {
                            out.skipped.push(SkippedMapping {
                                group: g.dn.clone(),
                                role: role.display_name.clone(),
                                scope: scope.describe(),
                                reason: format!(
                                    "the tenant has no administrative unit named or with id \"{a}\", so nothing is written for this mapping; create it in Entra ID or fix the scope in [[mappings]]"
                                ),
                            });
                            continue;
                        }
                    }
                }
            };

            if let Some(existing) = by_unit
                .iter_mut()
                .find(|m| m.role.id == role.id && m.directory_scope_id == directory_scope_id)
            {
                if existing.kind != kind {
                    out.problems.push(format!(
                        "groups \"{}\" and \"{}\" both map to role \"{}\" at {} but one is {:?} and the other {:?}; make their kinds equal",
                        existing.groups[0].first_rdn_value(),
                        g.name,
                        role.display_name,
                        scope.describe(),
                        existing.kind,
                        kind
                    ));
                    continue;
                }
                if !existing.groups.contains(&g.dn) {
                    existing.groups.push(g.dn.clone());
                }
                existing.allow_empty |= allow_empty;
                existing.owned_only |= owned_only;
            } else {
                by_unit.push(Mapping {
                    role: role.clone(),
                    groups: vec![g.dn.clone()],
                    kind,
                    allow_empty,
                    owned_only,
                    directory_scope_id,
                    scope_name,
                });
            }
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
            let problem = format!(
                "a mapping names {what}, which Active Directory does not have; fix the group in the configuration or create it"
            );
            if !out.problems.contains(&problem) {
                out.problems.push(problem);
            }
        }
    }

    by_unit.sort_by(|a, b| {
        a.role
            .display_name
            .to_ascii_lowercase()
            .cmp(&b.role.display_name.to_ascii_lowercase())
            .then_with(|| {
                (!a.directory_scope_id.is_tenant()).cmp(&!b.directory_scope_id.is_tenant())
            })
            .then_with(|| {
                let name = |m: &Mapping| {
                    m.scope_name
                        .clone()
                        .unwrap_or_default()
                        .to_ascii_lowercase()
                };
                name(a).cmp(&name(b))
            })
            .then_with(|| a.directory_scope_id.cmp(&b.directory_scope_id))
    });
    out.unmapped.sort_by(|a, b| a.group.cmp(&b.group));
    out.mappings = by_unit;
    out
}

/// `name` without the configured group-name prefix (compared case-insensitively); `None` when a
/// prefix is configured and the name does not start with it.
pub fn strip_prefix<'a>(name: &'a str, prefix: Option<&str>) -> Option<&'a str> {
    match prefix {
        Some(p) if !p.is_empty() => (name.len() >= p.len()
            && name.is_char_boundary(p.len())
            && name[..p.len()].eq_ignore_ascii_case(p))
        .then(|| &name[p.len()..]),
        _ => Some(name),
    }
}

fn name_match<'a>(
    g: &DirectoryGroup,
    roles: &'a [RoleDefinition],
    rules: &MappingRules,
) -> Result<&'a RoleDefinition, String> {
    let name = strip_prefix(&g.name, rules.prefix.as_deref()).ok_or_else(|| {
        format!(
            "the name does not start with the configured prefix \"{}\"",
            rules.prefix.as_deref().unwrap_or_default()
        )
    })?;
    find_role(roles, &RoleRef::Name(name.to_string())).ok_or_else(|| {
        format!(
            "no Entra role is named \"{}\"; rename the group to a role's display name or add an explicit mapping",
            name.trim()
        )
    })
}
