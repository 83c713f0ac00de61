//! Built-in Entra role definitions, embedded from `data/entra-builtin-roles.tsv`.

use serde_json::{json, Value};

use crate::fixture::FixtureRoleDefinition;

const BUILTIN_TSV: &str = include_str!("../data/entra-builtin-roles.tsv");

/// Global Administrator's template id.
pub(crate) const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Privileged Role Administrator's template id.
pub(crate) const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";

/// One built-in role from the embedded list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinRole {
    /// Display name.
    pub display_name: String,
    /// Template id (= role definition id for built-in roles).
    pub template_id: String,
    /// Microsoft labels the role "privileged".
    pub privileged: bool,
}

/// All built-in directory roles (Microsoft's "All roles" table).
pub fn builtin_role_definitions() -> Vec<BuiltinRole> {
    BUILTIN_TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1) // header
        .filter_map(|l| {
            let mut f = l.split('\t');
            let name = f.next()?.trim();
            let id = f.next()?.trim();
            let privileged = f.next().map(|p| p.trim() == "true").unwrap_or(false);
            Some(BuiltinRole {
                display_name: name.to_owned(),
                template_id: id.to_ascii_lowercase(),
                privileged,
            })
        })
        .collect()
}

/// A role definition as the emulator serves it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoleDef {
    pub id: String,
    pub display_name: String,
    pub description: String,
    pub is_built_in: bool,
    pub is_enabled: bool,
    pub is_privileged: bool,
    pub template_id: String,
    pub allowed_resource_actions: Vec<String>,
}

impl RoleDef {
    pub fn from_builtin(b: &BuiltinRole) -> RoleDef {
        RoleDef {
            id: b.template_id.clone(),
            display_name: b.display_name.clone(),
            description: format!("Built-in role: {}.", b.display_name),
            is_built_in: true,
            is_enabled: true,
            is_privileged: b.privileged,
            template_id: b.template_id.clone(),
            allowed_resource_actions: Vec::new(),
        }
    }

    pub fn from_custom(c: &FixtureRoleDefinition) -> RoleDef {
        RoleDef {
            id: crate::ids::norm(&c.id),
            display_name: c.display_name.clone(),
            description: c.description.clone().unwrap_or_default(),
            is_built_in: false,
            is_enabled: c.is_enabled,
            is_privileged: false,
            template_id: c
                .template_id
                .clone()
                .map(|t| crate::ids::norm(&t))
                .unwrap_or_else(|| crate::ids::norm(&c.id)),
            allowed_resource_actions: c
                .role_permissions
                .iter()
                .flat_map(|p| p.allowed_resource_actions.iter().cloned())
                .collect(),
        }
    }

    /// Graph `unifiedRoleDefinition` JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "description": self.description,
            "displayName": self.display_name,
            "isBuiltIn": self.is_built_in,
            "isEnabled": self.is_enabled,
            "resourceScopes": ["/"],
            "templateId": self.template_id,
            "version": "1",
            "rolePermissions": [{"allowedResourceActions": self.allowed_resource_actions, "condition": null}],
            "inheritsPermissionsFrom": [],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_is_complete_and_unique() {
        let roles = builtin_role_definitions();
        assert!(roles.len() >= 100, "only {} roles", roles.len());
        let mut ids: Vec<_> = roles.iter().map(|r| r.template_id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), roles.len());
        assert!(roles
            .iter()
            .any(|r| r.template_id == GLOBAL_ADMIN && r.privileged));
        assert!(roles.iter().any(|r| r.template_id == PRIVILEGED_ROLE_ADMIN));
    }
}
