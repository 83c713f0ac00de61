//! The tenant's directory audit log: one `directoryAudit` record per role-assignment change,
//! in the shape of Microsoft Graph's "directoryAudit resource type"
//! (<https://learn.microsoft.com/graph/api/resources/directoryaudit>), with the activity names of
//! the RoleManagement category in "Microsoft Entra audit log categories and activities"
//! (<https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities>):
//! Core Directory logs "Add member to role" / "Remove member from role" (and the scoped forms)
//! for direct assignments, PIM logs "Add eligible member to role in PIM completed (permanent)"
//! and the like for schedule requests. Who did it (`initiatedBy`) is the calling user of a
//! delegated token, else the calling application (its service principal), or the admin a test
//! names through `POST /_emulator/portal/roleAssignment`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::state::{Principal, TenantState};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Actor {
    /// A signed-in user (object id).
    User(String),
    /// An application (client id), signed in as itself.
    App(String),
}

impl Actor {
    /// The caller of a Graph request: the user of a delegated token, else the app.
    pub fn of(token: &crate::tokens::TokenInfo) -> Actor {
        match &token.user_oid {
            Some(u) => Actor::User(u.clone()),
            None => Actor::App(token.app_id.clone()),
        }
    }
}

/// The service that logs an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// `Core Directory`: direct role assignments.
    CoreDirectory,
    /// `PIM`: Privileged Identity Management schedule requests.
    Pim,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::CoreDirectory => "Core Directory",
            Service::Pim => "PIM",
        }
    }
}

/// One role-assignment change to log.
#[derive(Debug, Clone)]
pub(crate) struct RoleChange<'a> {
    /// The activity as Microsoft names it.
    pub activity: String,
    pub service: Service,
    /// `Assign` or `Unassign`.
    pub operation: &'static str,
    pub role_id: &'a str,
    pub principal_id: &'a str,
    pub scope: &'a str,
    /// Extra `additionalDetails` (PIM: justification, ticket).
    pub details: Vec<(String, String)>,
}

/// The Core Directory activity of a direct assignment added or removed at `scope`.
pub(crate) fn core_activity(added: bool, scope: &str) -> String {
    match (added, scope == "/") {
        (true, true) => "Add member to role",
        (true, false) => "Add scoped member to role",
        (false, true) => "Remove member from role",
        (false, false) => "Remove scoped member from role",
    }
    .to_owned()
}

/// The PIM activity of a completed schedule request (`adminAssign`, `adminRemove`), or `None`
/// for the actions not logged here (extensions, renewals, self-activation).
pub(crate) fn pim_activity(eligible: bool, action: &str, timebound: bool) -> Option<String> {
    let span = if timebound { "timebound" } else { "permanent" };
    let what = match (action, eligible) {
        ("adminAssign", true) => "Add eligible member to role",
        ("adminAssign", false) => "Add member to role",
        ("adminRemove", true) => "Remove eligible member from role",
        ("adminRemove", false) => "Remove member from role",
        _ => return None,
    };
    Some(format!("{what} in PIM completed ({span})"))
}

fn quoted(s: &str) -> Value {
    Value::String(format!("\"{s}\""))
}

impl TenantState {
    /// Logs a direct assignment (Core Directory) added or removed by `actor`.
    pub fn log_direct(
        &mut self,
        actor: &Actor,
        added: bool,
        a: &crate::state::Assignment,
        at: DateTime<Utc>,
    ) {
        let change = RoleChange {
            activity: core_activity(added, &a.directory_scope_id),
            service: Service::CoreDirectory,
            operation: if added { "Assign" } else { "Unassign" },
            role_id: &a.role_definition_id,
            principal_id: &a.principal_id,
            scope: &a.directory_scope_id,
            details: Vec::new(),
        };
        self.log_role_change(actor, change, at);
    }

    /// Logs a completed PIM schedule request (as Graph lists it) sent by `actor`: its activity
    /// ([`pim_activity`]; requests of other actions are not logged), and its justification and
    /// ticket as `additionalDetails`.
    pub fn log_pim_request(
        &mut self,
        actor: &Actor,
        eligible: bool,
        request: &Value,
        at: DateTime<Utc>,
    ) {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let action = text(&request["action"]);
        let timebound = request["scheduleInfo"]["expiration"]["type"]
            .as_str()
            .is_some_and(|t| !t.eq_ignore_ascii_case("noExpiration"));
        let Some(activity) = pim_activity(eligible, &action, timebound) else {
            return;
        };
        let mut details = vec![("Justification".to_owned(), text(&request["justification"]))];
        for (k, v) in [
            ("TicketNumber", &request["ticketInfo"]["ticketNumber"]),
            ("TicketSystem", &request["ticketInfo"]["ticketSystem"]),
        ] {
            if v.is_string() {
                details.push((k.to_owned(), text(v)));
            }
        }
        let (role, principal, scope) = (
            text(&request["roleDefinitionId"]),
            text(&request["principalId"]),
            text(&request["directoryScopeId"]),
        );
        let change = RoleChange {
            activity,
            service: Service::Pim,
            operation: if action == "adminRemove" {
                "Unassign"
            } else {
                "Assign"
            },
            role_id: &role,
            principal_id: &principal,
            scope: &scope,
            details,
        };
        self.log_role_change(actor, change, at);
    }

    /// Appends the audit record of a role-assignment change made by `actor` at `at`.
    pub fn log_role_change(&mut self, actor: &Actor, change: RoleChange<'_>, at: DateTime<Utc>) {
        let initiated_by = match actor {
            Actor::User(id) => {
                let u = self.find_user(id);
                json!({"user": {
                    "id": id,
                    "displayName": u.map(|u| u.display_name.clone()),
                    "userPrincipalName": u.map(|u| u.user_principal_name.clone()),
                    "ipAddress": "",
                }, "app": null})
            }
            Actor::App(app_id) => {
                let name = self
                    .application(app_id)
                    .map(|a| a.display_name.clone())
                    .or_else(|| {
                        self.service_principals
                            .iter()
                            .find(|s| s.app_id.eq_ignore_ascii_case(app_id))
                            .map(|s| s.display_name.clone())
                    });
                json!({"user": null, "app": {
                    "appId": app_id,
                    "displayName": name,
                    "servicePrincipalId": self.service_principal_id_for_app(app_id),
                    "servicePrincipalName": null,
                }})
            }
        };
        let (role_name, template) = self
            .role(change.role_id)
            .map(|r| (r.display_name.clone(), r.template_id.clone()))
            .unwrap_or_default();
        let role_object = crate::ids::directory_role_id(&self.tenant_id, &template);
        let (kind, name, upn) = match self.principal(change.principal_id) {
            Some(Principal::User(u)) => (
                "User",
                Some(u.display_name.clone()),
                Some(u.user_principal_name.clone()),
            ),
            Some(Principal::Group(g)) => ("Group", Some(g.display_name.clone()), None),
            Some(Principal::Sp(s)) => ("ServicePrincipal", Some(s.display_name.clone()), None),
            None => ("User", None, None),
        };
        let modified = json!([
            {"displayName": "Role.ObjectID", "oldValue": null, "newValue": quoted(&role_object)},
            {"displayName": "Role.DisplayName", "oldValue": null, "newValue": quoted(&role_name)},
            {"displayName": "Role.TemplateId", "oldValue": null, "newValue": quoted(&template)},
            {"displayName": "Role.WellKnownObjectName", "oldValue": null, "newValue": quoted(&role_name.replace(' ', ""))},
        ]);
        let mut details = vec![json!({"key": "RoleDefinitionOriginId", "value": change.role_id})];
        if change.scope != "/" {
            details.push(json!({"key": "DirectoryScopeId", "value": change.scope}));
        }
        details.extend(
            change
                .details
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v})),
        );
        let record = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "category": "RoleManagement",
            "correlationId": uuid::Uuid::new_v4().to_string(),
            "result": "success",
            "resultReason": "",
            "activityDisplayName": change.activity,
            "activityDateTime": at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "loggedByService": change.service.name(),
            "operationType": change.operation,
            "initiatedBy": initiated_by,
            "targetResources": [
                {
                    "id": change.principal_id,
                    "displayName": name,
                    "type": kind,
                    "userPrincipalName": upn,
                    "groupType": null,
                    "modifiedProperties": modified,
                },
                {
                    "id": role_object,
                    "displayName": role_name,
                    "type": "Role",
                    "userPrincipalName": null,
                    "groupType": null,
                    "modifiedProperties": [],
                },
            ],
            "additionalDetails": details,
        });
        self.directory_audits.push(record);
    }
}
