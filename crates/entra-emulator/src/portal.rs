//! `POST /_emulator/portal/roleAssignment` (test hook): a role assignment added or removed "in
//! the portal" by a named administrator — the change made outside RoleSync that drift reports.
//! Body `{"action": "add"|"remove", "roleDefinitionId", "principalId", "actor": UPN or object
//! id, "directoryScopeId": "/", "kind": "active"|"eligible", "justification"}`. An active change
//! is a direct (Core Directory) assignment; an eligible one goes through PIM as the portal's PIM
//! blade does: a permanent eligibility made or removed, its schedule request kept (listed by
//! `GET …/roleEligibilityScheduleRequests`, created by the administrator, with the justification
//! given) and the PIM activity logged as for a request sent to Graph. Either is logged with the administrator as
//! `initiatedBy.user` ([`crate::audit`]). Answers `{"assignmentId", "auditId"}`; 400 with a
//! message for an unknown actor, role, principal or kind, an assignment that already exists
//! (add) or does not (remove).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::audit::Actor;
use crate::ids::norm;
use crate::server::Ctx;
use crate::state::{AssignmentKind, Eligibility, Span};

pub(crate) async fn role_assignment(
    axum::extract::State(ctx): axum::extract::State<Arc<Ctx>>,
    body: axum::body::Bytes,
) -> Response {
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |k: &str| v[k].as_str().map(str::trim).unwrap_or_default().to_owned();
    let bad = |m: String| (StatusCode::BAD_REQUEST, m).into_response();
    let (action, role_in, principal, actor_in) = (
        text("action"),
        text("roleDefinitionId"),
        norm(&text("principalId")),
        text("actor"),
    );
    let scope = match text("directoryScopeId") {
        s if s.is_empty() => "/".to_owned(),
        s => s,
    };
    let now = ctx.clock.now();
    let mut st = crate::server::lock(&ctx.state);
    let Some(actor) = st.find_user(&actor_in).map(|u| u.id.clone()) else {
        return bad(format!(
            "\"actor\" must name a user of the tenant (UPN or object id); '{actor_in}' names none"
        ));
    };
    let Some(role) = st.role(&role_in).map(|r| r.id.clone()) else {
        return bad(format!("no role definition '{role_in}'"));
    };
    if st.principal(&principal).is_none() {
        return bad(format!("no principal '{principal}'"));
    }
    let eligible = match text("kind").to_ascii_lowercase().as_str() {
        "" | "active" => false,
        "eligible" => true,
        _ => return bad("\"kind\" must be \"active\" or \"eligible\"".to_owned()),
    };
    if eligible {
        let justification = match text("justification") {
            j if j.is_empty() => "Assigned in the Microsoft Entra admin center".to_owned(),
            j => j,
        };
        return match eligibility(
            &mut st,
            &action,
            &actor,
            &principal,
            &role,
            &scope,
            &justification,
            now,
        ) {
            Ok(id) => {
                let audit = last_audit(&st);
                axum::Json(json!({"assignmentId": id, "auditId": audit})).into_response()
            }
            Err(m) => bad(m),
        };
    }
    let actor = Actor::User(actor);
    let changed = match action.as_str() {
        "add" => match st.add_assignment(
            &principal,
            &role,
            &scope,
            AssignmentKind::Assigned,
            Span::permanent(now),
        ) {
            Some(a) => {
                st.log_direct(&actor, true, &a, now);
                a
            }
            None => return bad("that assignment exists already".to_owned()),
        },
        "remove" => {
            let Some(id) = st
                .find_assignment(&principal, &role, &scope)
                .map(|a| a.id.clone())
            else {
                return bad("no such assignment".to_owned());
            };
            let Some(a) = st.remove_assignment(&id) else {
                return bad("no such assignment".to_owned());
            };
            st.log_direct(&actor, false, &a, now);
            a
        }
        _ => return bad("\"action\" must be \"add\" or \"remove\"".to_owned()),
    };
    let audit = last_audit(&st);
    axum::Json(json!({"assignmentId": changed.id, "auditId": audit})).into_response()
}

fn last_audit(st: &crate::state::TenantState) -> String {
    st.directory_audits
        .last()
        .and_then(|r| r["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A permanent eligibility added or removed through PIM by `actor`: the schedule changed, the
/// request kept, the PIM activity logged. Returns the eligibility's id.
#[allow(clippy::too_many_arguments)]
fn eligibility(
    st: &mut crate::state::TenantState,
    action: &str,
    actor: &str,
    principal: &str,
    role: &str,
    scope: &str,
    justification: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let current = st
        .find_eligibility(principal, role, scope)
        .map(|e| e.id.clone());
    let (id, verb, status) = match (action, current) {
        ("add", Some(_)) => return Err("that eligible assignment exists already".to_owned()),
        ("add", None) => {
            let id = uuid::Uuid::new_v4().to_string();
            st.place_eligibility(
                Eligibility {
                    id: id.clone(),
                    principal_id: principal.to_owned(),
                    role_definition_id: role.to_owned(),
                    directory_scope_id: scope.to_owned(),
                    start: now,
                    end: None,
                    duration: None,
                },
                now,
            );
            (id, "adminAssign", "Provisioned")
        }
        ("remove", Some(id)) => {
            st.eligibilities.retain(|e| e.id != id);
            (id, "adminRemove", "Revoked")
        }
        ("remove", None) => return Err("no such eligible assignment".to_owned()),
        _ => return Err("\"action\" must be \"add\" or \"remove\"".to_owned()),
    };
    let at = crate::schedules::fmt(&now);
    let schedule = if verb == "adminAssign" {
        json!({"startDateTime": at, "recurrence": null,
               "expiration": {"type": "noExpiration", "endDateTime": null, "duration": null}})
    } else {
        serde_json::Value::Null
    };
    let request = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "status": status,
        "createdDateTime": at,
        "completedDateTime": at,
        "approvalId": null,
        "customData": null,
        "action": verb,
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": scope,
        "appScopeId": null,
        "isValidationOnly": false,
        "targetScheduleId": if verb == "adminAssign" { Some(id.clone()) } else { None },
        "justification": justification,
        "createdBy": {"application": null, "device": null, "user": {"displayName": null, "id": actor}},
        "scheduleInfo": schedule,
        "ticketInfo": {"ticketNumber": null, "ticketSystem": null},
    });
    st.log_pim_request(&Actor::User(actor.to_owned()), true, &request, now);
    st.eligibility_requests.push(request);
    Ok(id)
}
