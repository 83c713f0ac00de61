//! Which roles each role group decides, without asking Entra ID (`rolesync exposure` needs no
//! sign-in): the explicit mappings (a role by name, or a built-in role's id), else the built-in
//! role named like the group (after the prefix). A group in the roles OU that names no role is
//! still assessed: renaming it, or creating a custom role of its name, makes it a role group.

use super::RoleGroup;
use crate::builtin::{builtin_by_id, builtin_by_name};
use crate::ids::Dn;
use crate::policy::{GroupRef, MappingRules, RoleRef, ScopeRef};

/// The role groups among `found` (the groups in the roles OU and those mappings name).
pub fn role_groups(found: &[(Dn, String)], rules: &MappingRules) -> Vec<RoleGroup> {
    let mut out = Vec::new();
    for (dn, name) in found {
        let in_ou = dn.is_within(&rules.ou);
        let mut explicit: Vec<_> = rules
            .explicit
            .iter()
            .filter(|m| matches!(&m.group, GroupRef::Dn(d) if d == dn))
            .collect();
        if explicit.is_empty() && in_ou {
            explicit = rules
                .explicit
                .iter()
                .filter(|m| matches!(&m.group, GroupRef::Name(_)) && m.group.matches(dn, name))
                .collect();
        }
        let mut roles = Vec::new();
        let mut privileged = false;
        let by_name = || builtin_by_name(strip(name, rules.prefix.as_deref()));
        if explicit.is_empty() {
            match by_name() {
                Some(b) => {
                    roles.push(b.name.to_string());
                    privileged |= b.privileged;
                }
                None if in_ou => roles.push(format!(
                    "no role yet (\"{name}\" is in the roles OU: a role of that name would make it one)"
                )),
                None => continue,
            }
        }
        for m in explicit {
            let (role, p) = match &m.role {
                Some(RoleRef::Name(n)) => {
                    (n.clone(), builtin_by_name(n).is_some_and(|b| b.privileged))
                }
                Some(RoleRef::Id(id)) => match builtin_by_id(id.as_str()) {
                    Some(b) => (b.name.to_string(), b.privileged),
                    None => (format!("custom role {id}"), false),
                },
                None => match by_name() {
                    Some(b) => (b.name.to_string(), b.privileged),
                    None => (format!("the role named \"{name}\""), false),
                },
            };
            privileged |= p;
            let role = match &m.scope {
                ScopeRef::Tenant => role,
                ScopeRef::AdministrativeUnit(a) => format!("{role} @ administrative unit {a}"),
            };
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        out.push(RoleGroup {
            dn: dn.clone(),
            roles,
            privileged,
        });
    }
    out
}

/// The name without the configured prefix, or the whole name when it does not carry it.
fn strip<'a>(name: &'a str, prefix: Option<&str>) -> &'a str {
    crate::mapping::strip_prefix(name, prefix).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ExplicitMapping, Policy};
    use crate::tenant::AssignmentKind;

    #[test]
    fn roles_come_from_mappings_or_names_and_unmatched_groups_in_the_ou_count() {
        let ou = "OU=Roles,DC=contoso,DC=com";
        let mut p = Policy::for_ou(Dn::new(ou));
        p.mapping.explicit.push(ExplicitMapping {
            group: GroupRef::Dn(Dn::new("CN=Service Desk,OU=Teams,DC=contoso,DC=com")),
            role: Some(RoleRef::Name("Helpdesk Administrator".into())),
            kind: AssignmentKind::Active,
            allow_empty: false,
            scope: ScopeRef::AdministrativeUnit("Europe".into()),
        });
        let found = vec![
            (
                Dn::new(format!("CN=Global Administrator,{ou}")),
                "Global Administrator".into(),
            ),
            (
                Dn::new(format!("CN=Coffee Admins,{ou}")),
                "Coffee Admins".into(),
            ),
            (
                Dn::new("CN=Service Desk,OU=Teams,DC=contoso,DC=com"),
                "Service Desk".into(),
            ),
        ];
        let r = role_groups(&found, &p.mapping);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].roles, ["Global Administrator"]);
        assert!(r[0].privileged);
        assert!(r[1].roles[0].starts_with("no role yet"));
        assert!(!r[1].privileged);
        assert_eq!(
            r[2].roles,
            ["Helpdesk Administrator @ administrative unit Europe"]
        );
        assert!(r[2].privileged);
    }
}
