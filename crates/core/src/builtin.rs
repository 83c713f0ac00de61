//! The official list of built-in Entra roles (display name, template id, privileged label),
//! embedded from Microsoft's permissions reference.

use crate::ids::RoleDefinitionId;
use crate::tenant::RoleDefinition;

const TSV: &str = include_str!("../data/entra-builtin-roles.tsv");

/// A built-in role from the official list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinRole {
    /// Display name.
    pub name: &'static str,
    /// Template id (equals the role definition id).
    pub template_id: &'static str,
    /// Marked privileged by Microsoft.
    pub privileged: bool,
}

/// Every built-in role.
pub fn builtin_roles() -> impl Iterator<Item = BuiltinRole> {
    TSV.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("display_name"))
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(BuiltinRole {
                name: f.next()?,
                template_id: f.next()?,
                privileged: f.next()? == "true",
            })
        })
}

/// A built-in role by display name (case-insensitive).
pub fn builtin_by_name(name: &str) -> Option<BuiltinRole> {
    builtin_roles().find(|r| r.name.eq_ignore_ascii_case(name.trim()))
}

impl BuiltinRole {
    /// As a role definition.
    pub fn definition(&self) -> RoleDefinition {
        RoleDefinition {
            id: RoleDefinitionId::new(self.template_id),
            template_id: RoleDefinitionId::new(self.template_id),
            display_name: self.name.to_string(),
            is_built_in: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_complete_and_parsed() {
        let all: Vec<_> = builtin_roles().collect();
        assert!(all.len() > 100, "{}", all.len());
        let ga = builtin_by_name("global administrator").expect("GA");
        assert_eq!(ga.template_id, crate::ids::GLOBAL_ADMINISTRATOR);
        assert!(ga.privileged);
        assert!(builtin_by_name("Coffee Administrator").is_none());
    }
}
