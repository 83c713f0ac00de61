//! The official list of built-in Entra roles (display name, template id, privileged label),
//! embedded from Microsoft's permissions reference, and the built-in roles Microsoft allows to be
//! assigned with administrative-unit scope (`data/entra-au-scopable-roles.tsv`, from
//! "Assign Microsoft Entra roles with administrative unit scope").

use crate::ids::RoleDefinitionId;
use crate::tenant::RoleDefinition;

const TSV: &str = include_str!("../data/entra-builtin-roles.tsv");
const AU_SCOPABLE_TSV: &str = include_str!("../data/entra-au-scopable-roles.tsv");

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

/// A built-in role by template id (case-insensitive).
pub fn builtin_by_id(id: &str) -> Option<BuiltinRole> {
    builtin_roles().find(|r| r.template_id.eq_ignore_ascii_case(id.trim()))
}

/// The template ids of the built-in roles that can be assigned with administrative-unit scope.
pub fn au_scopable_template_ids() -> impl Iterator<Item = &'static str> {
    AU_SCOPABLE_TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("display_name"))
        .filter_map(|l| l.split('\t').nth(1))
}

/// A built-in role by display name (case-insensitive).
pub fn builtin_by_name(name: &str) -> Option<BuiltinRole> {
    builtin_roles().find(|r| r.name.eq_ignore_ascii_case(name.trim()))
}

impl BuiltinRole {
    /// Microsoft lets this role be assigned with administrative-unit scope.
    pub fn au_scopable(&self) -> bool {
        au_scopable_template_ids().any(|t| t.eq_ignore_ascii_case(self.template_id))
    }

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

    #[test]
    fn au_scopable_roles_are_built_in_roles_by_name_and_id() {
        let scopable: Vec<&str> = au_scopable_template_ids().collect();
        assert_eq!(scopable.len(), 12);
        for line in AU_SCOPABLE_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("display_name"))
        {
            let (name, id) = line.split_once('\t').expect("two columns");
            let role = builtin_by_name(name).unwrap_or_else(|| panic!("{name} is not built in"));
            assert_eq!(role.template_id, id, "{name}");
            assert!(role.au_scopable());
        }
        assert!(builtin_by_name("Helpdesk Administrator")
            .unwrap()
            .au_scopable());
        assert!(!builtin_by_name("Global Administrator")
            .unwrap()
            .au_scopable());
        assert!(!builtin_by_name("Exchange Administrator")
            .unwrap()
            .au_scopable());
        assert_eq!(
            builtin_by_id("729827E3-9C14-49F7-BB1B-9608F156BBB8").map(|r| r.name),
            Some("Helpdesk Administrator")
        );
    }
}
