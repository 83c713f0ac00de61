//! Tenant fixture types: the serialisable description of a tenant that the emulator loads at
//! start and returns from [`crate::RunningEmulator::snapshot`]. Field names are Graph-shaped
//! camelCase where they mirror Graph properties.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A whole tenant: directory objects, app registrations and role state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TenantFixture {
    /// Tenant (directory) id, a GUID.
    pub tenant_id: String,
    /// Organisation display name.
    pub display_name: String,
    /// Domains of the tenant; any of them can name the tenant in login URLs.
    pub verified_domains: Vec<VerifiedDomain>,
    /// Users.
    #[serde(default)]
    pub users: Vec<FixtureUser>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<FixtureGroup>,
    /// Service principals.
    #[serde(default)]
    pub service_principals: Vec<FixtureServicePrincipal>,
    /// App registrations that can sign in.
    #[serde(default)]
    pub applications: Vec<FixtureApplication>,
    /// Custom role definitions (`isBuiltIn: false`); built-in roles are always present.
    #[serde(default)]
    pub custom_roles: Vec<FixtureRoleDefinition>,
    /// Permanent (active, `assignmentType: Assigned`) role assignments.
    #[serde(default)]
    pub role_assignments: Vec<FixtureRoleAssignment>,
    /// PIM eligible assignments.
    #[serde(default)]
    pub role_eligibilities: Vec<FixtureRoleEligibility>,
    /// PIM activations (active instances with `assignmentType: Activated`).
    #[serde(default)]
    pub role_activations: Vec<FixtureRoleActivation>,
    /// Role template ids activated in the legacy `/directoryRoles` API even without members.
    #[serde(default)]
    pub activated_role_template_ids: Vec<String>,
    /// UPN of the user the `authorize` endpoint signs in when no `login_hint` names a user.
    #[serde(default)]
    pub interactive_user: Option<String>,
    /// Administrative units (the scopes `/administrativeUnits/{id}` of role assignments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub administrative_units: Vec<FixtureAdministrativeUnit>,
}

/// An administrative unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureAdministrativeUnit {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Member object ids.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A domain of the tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    /// Domain name.
    pub name: String,
    /// The default domain.
    #[serde(default)]
    pub is_default: bool,
    /// The initial `*.onmicrosoft.com` domain.
    #[serde(default)]
    pub is_initial: bool,
}

/// `Member` or `Guest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum UserType {
    /// A member of the tenant.
    #[default]
    Member,
    /// A B2B guest.
    Guest,
}

impl UserType {
    /// Graph's string.
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }
}

fn yes() -> bool {
    true
}

/// A user (Graph `user`) plus sign-in test data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureUser {
    /// Object id (GUID).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// UPN (alternate key).
    pub user_principal_name: String,
    /// Member or Guest.
    #[serde(default)]
    pub user_type: UserType,
    /// Whether sign-in is enabled.
    #[serde(default = "yes")]
    pub account_enabled: bool,
    /// true = synced now, false = was synced, null = cloud-only.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// Source anchor: base64 of the AD objectGUID bytes.
    #[serde(default)]
    pub on_premises_immutable_id: Option<String>,
    /// The AD user's SID.
    #[serde(default)]
    pub on_premises_security_identifier: Option<String>,
    /// sAMAccountName.
    #[serde(default)]
    pub on_premises_sam_account_name: Option<String>,
    /// On-premises UPN.
    #[serde(default)]
    pub on_premises_user_principal_name: Option<String>,
    /// On-premises DNS domain.
    #[serde(default)]
    pub on_premises_domain_name: Option<String>,
    /// On-premises distinguished name.
    #[serde(default)]
    pub on_premises_distinguished_name: Option<String>,
    /// Mail address.
    #[serde(default)]
    pub mail: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Surname.
    #[serde(default)]
    pub surname: Option<String>,
    /// Test password for ROPC / interactive sign-in (`None`: password sign-in impossible).
    #[serde(default)]
    pub password: Option<String>,
    /// The user must do MFA (ROPC then fails with AADSTS50076).
    #[serde(default)]
    pub mfa_required: bool,
}

/// A group (Graph `group`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureGroup {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Security group.
    #[serde(default = "yes")]
    pub security_enabled: bool,
    /// Mail-enabled.
    #[serde(default)]
    pub mail_enabled: bool,
    /// Role-assignable group.
    #[serde(default)]
    pub is_assignable_to_role: bool,
    /// Member object ids.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A service principal (Graph `servicePrincipal`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureServicePrincipal {
    /// Object id.
    pub id: String,
    /// The application's client id.
    pub app_id: String,
    /// Display name.
    pub display_name: String,
}

/// An app registration that can request tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureApplication {
    /// Client id.
    pub app_id: String,
    /// Application object id (a role assignment may be scoped to it, `/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Valid client secret values.
    #[serde(default)]
    pub client_secrets: Vec<String>,
    /// Registered certificates (PEM, public part only).
    #[serde(default)]
    pub certificates: Vec<String>,
    /// Admin-consented application permissions (app roles), e.g. `RoleManagement.ReadWrite.Directory`.
    #[serde(default)]
    pub application_permissions: Vec<String>,
    /// Consented delegated scopes, e.g. `RoleManagement.ReadWrite.Directory`.
    #[serde(default)]
    pub delegated_scopes: Vec<String>,
    /// Redirect URIs (for `http://localhost` and `http://127.0.0.1` the port is ignored).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Public client: allows device code and ROPC without a secret.
    #[serde(default)]
    pub is_public_client: bool,
}

/// A role permission of a role definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RolePermission {
    /// Allowed resource actions.
    #[serde(default)]
    pub allowed_resource_actions: Vec<String>,
    /// Condition.
    #[serde(default)]
    pub condition: Option<String>,
}

/// A custom role definition (Graph `unifiedRoleDefinition` with `isBuiltIn: false`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureRoleDefinition {
    /// Id (GUID).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Enabled.
    #[serde(default = "yes")]
    pub is_enabled: bool,
    /// Template id (defaults to the id).
    #[serde(default)]
    pub template_id: Option<String>,
    /// Permissions.
    #[serde(default)]
    pub role_permissions: Vec<RolePermission>,
}

fn root_scope() -> String {
    "/".to_owned()
}

/// A permanent active role assignment (Graph `unifiedRoleAssignment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureRoleAssignment {
    /// Id; generated with Microsoft's observed scheme when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// User, group or service principal id.
    pub principal_id: String,
    /// Role definition id (built-in: the template id).
    pub role_definition_id: String,
    /// Scope, `/` for the whole directory.
    #[serde(default = "root_scope")]
    pub directory_scope_id: String,
}

/// A PIM eligibility (Graph `unifiedRoleEligibilitySchedule`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureRoleEligibility {
    /// Id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Principal id.
    pub principal_id: String,
    /// Role definition id.
    pub role_definition_id: String,
    /// Scope.
    #[serde(default = "root_scope")]
    pub directory_scope_id: String,
    /// Start.
    #[serde(default)]
    pub start_date_time: Option<DateTime<Utc>>,
    /// End (`None`: no expiration).
    #[serde(default)]
    pub end_date_time: Option<DateTime<Utc>>,
}

/// A PIM activation: an active assignment (`assignmentType: Activated`) that comes from an
/// eligibility of the same principal and role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FixtureRoleActivation {
    /// Id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Principal id.
    pub principal_id: String,
    /// Role definition id.
    pub role_definition_id: String,
    /// Scope.
    #[serde(default = "root_scope")]
    pub directory_scope_id: String,
    /// Start.
    #[serde(default)]
    pub start_date_time: Option<DateTime<Utc>>,
    /// End of the activation.
    #[serde(default)]
    pub end_date_time: Option<DateTime<Utc>>,
}

impl TenantFixture {
    /// Parses a fixture from JSON.
    pub fn from_json(json: &str) -> Result<TenantFixture, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Serialises the fixture as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }
}
