//! `POST /_emulator/portal/roleAssignment` (test hook): a role assignment added or removed "in
//! the portal" by a named administrator — the change made outside RoleSync that drift reports.
//! Body `{"action": "add"|"remove", "roleDefinitionId", "principalId", "actor": UPN or object
//! id, "directoryScopeId": "/"}`; the change is a direct (Core Directory) assignment and is logged
//! with the administrator as `initiatedBy.user` ([`crate::audit`]). Answers
//! `{"assignmentId", "auditId"}`; 400 with a message for an unknown actor, role or principal,
//! an assignment that already exists (add) or does not (remove).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::audit::Actor;
use crate::ids::norm;
use crate::server::Ctx;
use crate::state::{AssignmentKind, Span};

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
    let audit = st
        .directory_audits
        .last()
        .and_then(|r| r["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    axum::Json(json!({"assignmentId": changed.id, "auditId": audit})).into_response()
}
