//! What Microsoft Graph remembers of role changes, for change control: the directory audit
//! log's role-management records since the previous run (who added or removed an assignment
//! behind RoleSync's back, and when: [`directory_audits`]), and the PIM schedule requests
//! RoleSync itself sent (the assignments it owns, known on any machine: [`rolesync_requests`]).
//!
//! The audit log is "List directoryAudits" (`GET /auditLogs/directoryAudits`,
//! <https://learn.microsoft.com/graph/api/directoryaudit-list>): one request filtered on
//! `activityDateTime ge …` (a documented filter of the "directoryAudit resource type"; that page
//! lists no filter on `category`, so the role-management records are picked out here), its pages
//! followed. It needs AuditLog.Read.All with Directory.Read.All; without them (403) the run goes
//! on and says who and when are unknown.
//! The PIM requests are "List roleEligibilityScheduleRequests" and "List
//! roleAssignmentScheduleRequests", filtered on `roleDefinitionId eq …` (a documented filter of
//! both request types), one request each per mapped role.

use crate::error::GraphError;
use crate::http::GraphClient;
use crate::paging::collect_all;
use crate::target::{encode_query_value, odata_literal};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use rolesync_core::drift::{AuditEvent, AuditLookup};
use rolesync_core::ids::{EntraObjectId, RoleDefinitionId};
use rolesync_core::ownership::{is_rolesync_request, AssignmentKey, PimGrant};
use rolesync_core::tenant::AssignmentKind;
use rolesync_core::traits::ReadError;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

const DIRECTORY_AUDITS: &str = "auditLogs/directoryAudits";
const ELIGIBILITY_REQUESTS: &str = "roleManagement/directory/roleEligibilityScheduleRequests";
const ASSIGNMENT_REQUESTS: &str = "roleManagement/directory/roleAssignmentScheduleRequests";

/// The permission line a run shows once when the log may not be read: what is missing and how
/// to grant it.
pub fn missing_audit_permission(delegated: bool) -> String {
    let kind = if delegated {
        "delegated permissions, consented"
    } else {
        "application permissions, admin consent granted"
    };
    format!(
        "the app may not read Entra's audit log (Microsoft Graph answered 403): it needs the Microsoft Graph permissions AuditLog.Read.All and Directory.Read.All ({kind}) in its app registration; drift is still reported and corrected without them"
    )
}

/// The role-management records of the audit log since `since`, as [`AuditEvent`]s; a refusal
/// (403) or any other failure is [`AuditLookup::Unavailable`] with its reason, never an error.
pub async fn directory_audits(
    client: &GraphClient,
    since: DateTime<Utc>,
    delegated: bool,
) -> AuditLookup {
    let filter = format!(
        "activityDateTime ge {}",
        since.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    let url = format!(
        "{DIRECTORY_AUDITS}?$filter={}&$top=999",
        encode_query_value(&filter)
    );
    match collect_all::<Value>(client, url).await {
        Ok(records) => AuditLookup::Events(
            records
                .iter()
                .filter(|r| r["category"] == "RoleManagement")
                .filter_map(event)
                .collect(),
        ),
        Err(e) => match e.root() {
            GraphError::Api { status: 403, .. } => {
                AuditLookup::Unavailable(missing_audit_permission(delegated))
            }
            _ => AuditLookup::Unavailable(format!("reading Entra's audit log failed: {e}")),
        },
    }
}

/// A `modifiedProperties` value without the JSON quotes Entra puts around it (`"\"abc\""`).
fn unquote(v: &Value) -> Option<String> {
    let s = v.as_str()?.trim();
    let s = s.strip_prefix('"').unwrap_or(s);
    let s = s.strip_suffix('"').unwrap_or(s);
    (!s.is_empty()).then(|| s.to_owned())
}

/// One `directoryAudit` as an [`AuditEvent`]; `None` when it has no time or activity.
fn event(v: &Value) -> Option<AuditEvent> {
    let time = DateTime::parse_from_rfc3339(v["activityDateTime"].as_str()?)
        .ok()?
        .with_timezone(&Utc);
    let activity = v["activityDisplayName"].as_str()?.to_owned();
    let text = |x: &Value| x.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let by = &v["initiatedBy"];
    let initiated_by = text(&by["user"]["userPrincipalName"])
        .or_else(|| text(&by["app"]["displayName"]))
        .or_else(|| text(&by["app"]["appId"]))
        .or_else(|| text(&by["user"]["id"]))
        .unwrap_or_else(|| "an unnamed actor".to_owned());
    let mut principal_id = None;
    let mut role_refs = Vec::new();
    for t in v["targetResources"].as_array().into_iter().flatten() {
        let kind = t["type"].as_str().unwrap_or_default();
        if kind.eq_ignore_ascii_case("Role") {
            role_refs.extend(text(&t["id"]));
            role_refs.extend(text(&t["displayName"]));
        } else if ["User", "ServicePrincipal", "Group"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(kind))
            && principal_id.is_none()
        {
            principal_id = text(&t["id"]);
        }
        for p in t["modifiedProperties"].as_array().into_iter().flatten() {
            let name = p["displayName"].as_str().unwrap_or_default();
            if ["Role.ObjectID", "Role.TemplateId", "Role.DisplayName"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name))
            {
                role_refs.extend(unquote(&p["newValue"]).or_else(|| unquote(&p["oldValue"])));
            }
        }
    }
    for d in v["additionalDetails"].as_array().into_iter().flatten() {
        if d["key"] == "RoleDefinitionOriginId" {
            role_refs.extend(text(&d["value"]));
        }
    }
    Some(AuditEvent {
        time,
        activity,
        initiated_by,
        principal_id,
        role_refs,
    })
}

/// A PIM schedule request as listed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestDto {
    #[serde(default)]
    action: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    principal_id: String,
    #[serde(default)]
    role_definition_id: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    ticket_info: Option<TicketDto>,
    #[serde(default)]
    created_date_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TicketDto {
    #[serde(default)]
    ticket_system: Option<String>,
}

/// Whether a request took effect (Graph's request statuses of a completed or scheduled change).
fn took_effect(status: &str) -> bool {
    ["Provisioned", "Granted", "ScheduleCreated", "Revoked"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(status))
}

/// Of these roles' PIM assignments, those RoleSync's own requests made and no later request
/// took away: requests oldest first; RoleSync's `adminAssign` that took effect makes the
/// assignment its own, anyone's `adminRemove`, or someone else's `adminAssign` (the assignment
/// made again by hand), ends that. Each with the time of RoleSync's request.
pub async fn rolesync_requests(
    client: &GraphClient,
    roles: &[RoleDefinitionId],
    concurrency: usize,
) -> Result<Vec<PimGrant>, ReadError> {
    let queries: Vec<(AssignmentKind, String)> = roles
        .iter()
        .flat_map(|r| {
            let filter = encode_query_value(&format!(
                "roleDefinitionId eq {}",
                odata_literal(r.as_str())
            ));
            [
                (
                    AssignmentKind::Eligible,
                    format!("{ELIGIBILITY_REQUESTS}?$filter={filter}"),
                ),
                (
                    AssignmentKind::Active,
                    format!("{ASSIGNMENT_REQUESTS}?$filter={filter}"),
                ),
            ]
        })
        .collect();
    let found: Vec<Vec<(AssignmentKind, RequestDto)>> = stream::iter(queries)
        .map(|(kind, url)| async move {
            match collect_all::<RequestDto>(client, url).await {
                Ok(v) => Ok(v.into_iter().map(|r| (kind, r)).collect()),
                Err(e) if crate::role_settings::is_pim_unavailable(&e) => Ok(Vec::new()),
                Err(e) => Err(e.to_read_error("reading RoleSync's PIM requests")),
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    let mut requests: Vec<(AssignmentKind, RequestDto)> = found.into_iter().flatten().collect();
    requests.sort_by_key(|(_, r)| r.created_date_time);
    Ok(owned_by_requests(&requests))
}

fn owned_by_requests(requests: &[(AssignmentKind, RequestDto)]) -> Vec<PimGrant> {
    let mut owned = BTreeMap::new();
    for (kind, r) in requests {
        if !took_effect(&r.status) {
            continue;
        }
        let key = AssignmentKey::new(
            &RoleDefinitionId::new(r.role_definition_id.clone()),
            &EntraObjectId::new(r.principal_id.clone()),
            *kind,
        );
        let ours = is_rolesync_request(
            r.justification.as_deref(),
            r.ticket_info
                .as_ref()
                .and_then(|t| t.ticket_system.as_deref()),
        );
        match (r.action.as_str(), ours) {
            ("adminAssign", true) => {
                owned.insert(key, r.created_date_time);
            }
            ("adminAssign", false) | ("adminRemove", _) => {
                owned.remove(&key);
            }
            _ => {}
        }
    }
    owned
        .into_iter()
        .map(|(key, requested)| PimGrant { key, requested })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_audit_record_names_its_actor_principal_and_role() {
        let v = json!({
            "activityDateTime": "2026-01-02T03:04:05.123Z",
            "activityDisplayName": "Add member to role",
            "initiatedBy": {"user": {"id": "u1", "userPrincipalName": "admin@contoso.com"}, "app": null},
            "targetResources": [
                {"id": "p1", "type": "User", "modifiedProperties": [
                    {"displayName": "Role.TemplateId", "oldValue": null, "newValue": "\"62e90394-69f5-4237-9190-012177145e10\""}]},
                {"id": "r-object", "type": "Role", "displayName": "Global Administrator"}
            ]
        });
        let e = event(&v).unwrap();
        assert_eq!(e.initiated_by, "admin@contoso.com");
        assert_eq!(e.principal_id.as_deref(), Some("p1"));
        assert!(e
            .role_refs
            .contains(&"62e90394-69f5-4237-9190-012177145e10".to_string()));
        assert!(e.role_refs.contains(&"Global Administrator".to_string()));
        let app = json!({
            "activityDateTime": "2026-01-02T03:04:05Z",
            "activityDisplayName": "Remove member from role",
            "initiatedBy": {"user": null, "app": {"appId": "a1", "displayName": "Other tool"}},
            "targetResources": []
        });
        assert_eq!(event(&app).unwrap().initiated_by, "Other tool");
        assert!(event(&json!({"activityDisplayName": "x"})).is_none());
    }

    #[test]
    fn rolesync_owns_what_its_requests_granted_until_removed_or_regranted_by_hand() {
        let req = |action: &str, principal: &str, justification: &str, status: &str| {
            serde_json::from_value::<RequestDto>(json!({
                "action": action, "status": status, "principalId": principal,
                "roleDefinitionId": "R", "justification": justification,
            }))
            .unwrap()
        };
        let e = AssignmentKind::Eligible;
        let owned = owned_by_requests(&[
            (
                e,
                req("adminAssign", "a", "RoleSync run r1: …", "Provisioned"),
            ),
            (
                e,
                req("adminAssign", "b", "RoleSync run r1: …", "Provisioned"),
            ),
            (e, req("adminAssign", "c", "by hand", "Provisioned")),
            (e, req("adminAssign", "d", "RoleSync run r1: …", "Failed")),
            (e, req("adminRemove", "b", "cleanup", "Revoked")),
            (e, req("adminAssign", "b", "by hand", "Provisioned")),
        ]);
        let principals: Vec<&str> = owned.iter().map(|g| g.key.principal_id.as_str()).collect();
        assert_eq!(principals, ["a"]);
        assert_eq!(owned[0].key.role_id, "r");
    }
}
