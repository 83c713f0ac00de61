//! The actual side: what Entra ID holds — role definitions, role assignments (active, eligible and
//! PIM activations) with their principals, and the Entra users found for the AD members.

use crate::ids::{DirectoryScopeId, EntraObjectId, RoleDefinitionId, Sid, Upn};
use crate::pim::RolePimSettings;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A directory role (`unifiedRoleDefinition`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    /// Role definition id (equals the template id for built-in roles).
    pub id: RoleDefinitionId,
    /// Template id.
    pub template_id: RoleDefinitionId,
    /// Display name, e.g. `Exchange Administrator`.
    pub display_name: String,
    /// Built-in (true) or custom (false).
    pub is_built_in: bool,
}

/// Member or guest, as Entra's `userType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserType {
    /// An ordinary member account.
    Member,
    /// A B2B guest.
    Guest,
}

/// An Entra user with the properties matching and the managed-set rule need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntraUser {
    /// Object id.
    pub id: EntraObjectId,
    /// `userPrincipalName`.
    pub user_principal_name: Upn,
    /// `displayName`.
    #[serde(default)]
    pub display_name: String,
    /// `userType`.
    pub user_type: UserType,
    /// `accountEnabled`.
    pub account_enabled: bool,
    /// `onPremisesSyncEnabled`: true = synced now, false = was synced, null = cloud-only.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// `onPremisesImmutableId` (the source anchor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_premises_immutable_id: Option<String>,
    /// `onPremisesSecurityIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_premises_security_identifier: Option<Sid>,
}

impl EntraUser {
    /// Synced from on-premises now: the only users RoleSync manages.
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }
}

/// Who holds an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Principal {
    /// A user.
    User(EntraUser),
    /// A group (role-assignable cloud group).
    #[serde(rename_all = "camelCase")]
    Group {
        /// Object id.
        id: EntraObjectId,
        /// Display name.
        display_name: String,
    },
    /// An application's service principal.
    #[serde(rename_all = "camelCase")]
    ServicePrincipal {
        /// Object id.
        id: EntraObjectId,
        /// Display name.
        display_name: String,
    },
    /// Any other directory object type.
    #[serde(rename_all = "camelCase")]
    Other {
        /// Object id.
        id: EntraObjectId,
        /// The `@odata.type`.
        odata_type: String,
    },
}

impl Principal {
    /// The principal's object id.
    pub fn id(&self) -> &EntraObjectId {
        match self {
            Principal::User(u) => &u.id,
            Principal::Group { id, .. }
            | Principal::ServicePrincipal { id, .. }
            | Principal::Other { id, .. } => id,
        }
    }

    /// A short name for reports.
    pub fn display(&self) -> String {
        match self {
            Principal::User(u) => u.user_principal_name.to_string(),
            Principal::Group { display_name, .. } => format!("group {display_name}"),
            Principal::ServicePrincipal { display_name, .. } => format!("app {display_name}"),
            Principal::Other { id, odata_type } => format!("{odata_type} {id}"),
        }
    }
}

/// Permanent (active) assignment or PIM eligibility. Chosen per mapping.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum AssignmentKind {
    /// An active role assignment (the default).
    #[default]
    Active,
    /// A PIM eligible assignment.
    Eligible,
}

/// Where an active assignment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssignmentOrigin {
    /// Assigned directly (`assignmentType: Assigned`).
    #[default]
    Assigned,
    /// A PIM activation of an eligibility (`assignmentType: Activated`); never revoked.
    Activated,
}

/// An administrative unit (`administrativeUnit`): a scope a role can be assigned at.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdministrativeUnit {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
}

impl AdministrativeUnit {
    /// Its scope: `/administrativeUnits/{id}`.
    pub fn scope(&self) -> DirectoryScopeId {
        DirectoryScopeId::administrative_unit(&self.id)
    }
}

/// One role assignment, at directory scope `/` or an administrative unit's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// The assignment's id (opaque).
    pub id: String,
    /// The role.
    pub role_definition_id: RoleDefinitionId,
    /// Where it applies: `/` (the tenant) or `/administrativeUnits/{id}`.
    #[serde(default, skip_serializing_if = "DirectoryScopeId::is_tenant")]
    pub directory_scope_id: DirectoryScopeId,
    /// Who holds it.
    pub principal: Principal,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// Assigned or activated (meaningful for active assignments).
    #[serde(default)]
    pub origin: AssignmentOrigin,
    /// When a time-bound (PIM) assignment ends; `None`: permanent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
}

/// Everything read from Entra ID for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSnapshot {
    /// Every role definition (built-in and custom).
    pub roles: Vec<RoleDefinition>,
    /// Assignments of the mapped roles.
    pub assignments: Vec<RoleAssignment>,
    /// Entra users found for the AD members (by anchor, SID or UPN).
    pub users: Vec<EntraUser>,
    /// The administrative units the mappings name that exist (by display name or id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub administrative_units: Vec<AdministrativeUnit>,
    /// PIM settings of the mapped roles (none when the target knows nothing of PIM).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pim: Vec<RolePimSettings>,
    /// The tenant's time when it was read (Microsoft Graph's clock), for expiry decisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
    /// The sign-in carries multifactor authentication (an administrator signed in with MFA).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signed_in_with_mfa: bool,
    /// Entries of the protected list that name no principal in the tenant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_protected: Vec<String>,
}

/// The keys by which an AD user is looked up in Entra ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserKey {
    /// `onPremisesImmutableId` to look for.
    pub immutable_id: String,
    /// `onPremisesSecurityIdentifier` to look for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Sid>,
    /// UPN to look for (only when UPN matching is enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<Upn>,
}
