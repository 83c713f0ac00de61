//! Graph's wire shapes for what RoleSync reads and writes, and their mapping to the core's
//! tenant types. Unknown fields are ignored; missing optional ones default.

use rolesync_core::ids::{EntraObjectId, RoleDefinitionId, Sid, Upn};
use rolesync_core::tenant::{EntraUser, Principal, RoleDefinition, UserType};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One page of a collection.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// The next page, to be followed exactly as returned.
    #[serde(default, rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

/// `unifiedRoleDefinition`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionDto {
    /// Id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// Template id (equals `id` for built-in roles).
    #[serde(default)]
    pub template_id: Option<String>,
    /// Built-in.
    #[serde(default)]
    pub is_built_in: bool,
    /// Enabled.
    #[serde(default)]
    pub is_enabled: Option<bool>,
}

impl RoleDefinitionDto {
    /// As the core's type.
    pub fn to_core(&self) -> RoleDefinition {
        RoleDefinition {
            id: RoleDefinitionId::new(self.id.clone()),
            template_id: RoleDefinitionId::new(
                self.template_id
                    .clone()
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| self.id.clone()),
            ),
            display_name: self.display_name.clone(),
            is_built_in: self.is_built_in,
        }
    }
}

/// A directory object (the `principal` of an assignment, or a user from `/users`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObjectDto {
    /// `@odata.type`, e.g. `#microsoft.graph.user`.
    #[serde(default, rename = "@odata.type")]
    pub odata_type: Option<String>,
    /// Object id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// UPN (users).
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// `Member` or `Guest` (users).
    #[serde(default)]
    pub user_type: Option<String>,
    /// Enabled (users).
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// Synced from on-premises now (users; only with `$select`).
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// Source anchor (users; only with `$select`).
    #[serde(default)]
    pub on_premises_immutable_id: Option<String>,
    /// On-premises SID (users; only with `$select`).
    #[serde(default)]
    pub on_premises_security_identifier: Option<String>,
}

/// The `$select` for user look-ups.
pub const USER_SELECT: &str = "id,displayName,userPrincipalName,userType,accountEnabled,onPremisesSyncEnabled,onPremisesImmutableId,onPremisesSecurityIdentifier";

impl DirectoryObjectDto {
    /// Whether this is a user (by `@odata.type`; a `/users` result has none and is a user).
    pub fn is_user(&self) -> bool {
        match &self.odata_type {
            Some(t) => t.eq_ignore_ascii_case("#microsoft.graph.user"),
            None => self.user_principal_name.is_some(),
        }
    }

    /// As an Entra user.
    pub fn to_user(&self) -> EntraUser {
        EntraUser {
            id: EntraObjectId::new(self.id.clone()),
            user_principal_name: Upn::new(self.user_principal_name.clone().unwrap_or_default()),
            display_name: self.display_name.clone().unwrap_or_default(),
            user_type: match self.user_type.as_deref() {
                Some(t) if t.eq_ignore_ascii_case("guest") => UserType::Guest,
                _ => UserType::Member,
            },
            account_enabled: self.account_enabled.unwrap_or(true),
            on_premises_sync_enabled: self.on_premises_sync_enabled,
            on_premises_immutable_id: self
                .on_premises_immutable_id
                .clone()
                .filter(|s| !s.is_empty()),
            on_premises_security_identifier: self
                .on_premises_security_identifier
                .as_deref()
                .and_then(|s| Sid::parse(s).ok()),
        }
    }

    /// As an assignment's principal.
    pub fn to_principal(&self) -> Principal {
        let t = self
            .odata_type
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        let id = EntraObjectId::new(self.id.clone());
        let name = self.display_name.clone().unwrap_or_default();
        match t.as_str() {
            "#microsoft.graph.user" => Principal::User(self.to_user()),
            "#microsoft.graph.group" => Principal::Group {
                id,
                display_name: name,
            },
            "#microsoft.graph.serviceprincipal" => Principal::ServicePrincipal {
                id,
                display_name: name,
            },
            _ => Principal::Other {
                id,
                odata_type: self.odata_type.clone().unwrap_or_else(|| "unknown".into()),
            },
        }
    }
}

/// `unifiedRoleAssignment`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentDto {
    /// Id (opaque).
    pub id: String,
    /// Principal id.
    pub principal_id: String,
    /// Role definition id.
    pub role_definition_id: String,
    /// Scope (`/` for the directory).
    #[serde(default)]
    pub directory_scope_id: Option<String>,
    /// The principal (with `$expand=principal`).
    #[serde(default)]
    pub principal: Option<DirectoryObjectDto>,
}

/// `unifiedRoleAssignmentScheduleInstance` / `unifiedRoleEligibilityScheduleInstance`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleInstanceDto {
    /// Id.
    pub id: String,
    /// Principal id.
    pub principal_id: String,
    /// Role definition id.
    pub role_definition_id: String,
    /// Scope.
    #[serde(default)]
    pub directory_scope_id: Option<String>,
    /// `Assigned` or `Activated` (assignment instances).
    #[serde(default)]
    pub assignment_type: Option<String>,
    /// `Direct`, `Group`, `Inherited`.
    #[serde(default)]
    pub member_type: Option<String>,
    /// When the instance ends (`null`: no end).
    #[serde(default)]
    pub end_date_time: Option<chrono::DateTime<chrono::Utc>>,
    /// The principal (with `$expand=principal`).
    #[serde(default)]
    pub principal: Option<DirectoryObjectDto>,
}

/// One request of a `$batch`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequestItem {
    /// Unique id within the batch.
    pub id: String,
    /// Method.
    pub method: String,
    /// Relative URL.
    pub url: String,
    /// Headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<HashMap<String, String>>,
    /// JSON body, as text (a change waiting for the write budget holds no tree of values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Box<serde_json::value::RawValue>>,
}

/// The body of a `$batch` POST.
#[derive(Debug, Serialize)]
pub struct BatchBody<'a> {
    /// The requests.
    pub requests: &'a [BatchRequestItem],
}

/// A `$batch` response.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchResponse {
    /// One per request, in any order.
    #[serde(default)]
    pub responses: Vec<BatchResponseItem>,
}

/// One response of a `$batch`.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchResponseItem {
    /// The request's id.
    pub id: String,
    /// Status.
    pub status: u16,
    /// Headers (`Retry-After`, …).
    #[serde(default)]
    pub headers: HashMap<String, String>,
    /// Body.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

impl BatchResponseItem {
    /// A header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
