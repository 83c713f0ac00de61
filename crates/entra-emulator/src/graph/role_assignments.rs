//! Unified RBAC role assignments: `GET` (filter on roleDefinitionId or principalId required,
//! `$expand=principal|roleDefinition`, paging), `POST` (201), `GET /{id}`, `DELETE /{id}` (204).

use serde_json::{json, Value};

use super::objects::principal_json;
use super::{check_filter, collection, GraphResponse, Rq};
use crate::state::{Assignment, AssignmentKind, TenantState};

const FILTERABLE: &[&str] = &[
    "id",
    "roleDefinitionId",
    "principalId",
    "directoryScopeId",
    "appScopeId",
];

/// Graph `unifiedRoleAssignment` JSON (keys as in Microsoft's documentation examples).
pub(crate) fn assignment_json(a: &Assignment) -> Value {
    json!({
        "id": a.id,
        "principalId": a.principal_id,
        "directoryScopeId": a.directory_scope_id,
        "roleDefinitionId": a.role_definition_id,
    })
}

/// Adds `principal` / `roleDefinition` when expanded.
pub(crate) fn expand(
    rq: &Rq<'_>,
    st: &TenantState,
    mut v: Value,
    principal_id: &str,
    role_id: &str,
) -> Value {
    if let Value::Object(m) = &mut v {
        if rq.q.expands("principal") {
            let mut p = st
                .principal(principal_id)
                .map(principal_json)
                .unwrap_or(Value::Null);
            if let Some(sel) = rq.q.expand_select("principal") {
                p = super::odata::apply_select(&p, sel);
            }
            m.insert("principal".into(), p);
        }
        if rq.q.expands("roleDefinition") {
            m.insert(
                "roleDefinition".into(),
                st.role(role_id).map(|r| r.to_json()).unwrap_or(Value::Null),
            );
        }
    }
    v
}

/// Rejects `$expand` of anything but `principal` and `roleDefinition`.
pub(crate) fn check_expand(rq: &Rq<'_>, type_name: &str) -> Result<(), GraphResponse> {
    for e in rq.q.expand.iter().flatten() {
        if !e.eq_ignore_ascii_case("principal") && !e.eq_ignore_ascii_case("roleDefinition") {
            return Err(GraphResponse::bad_request(format!(
                "Parsing OData Select and Expand failed: Could not find a property named '{e}' on type 'microsoft.graph.{type_name}'."
            )));
        }
    }
    Ok(())
}

fn expand_context(rq: &Rq<'_>, base: &str) -> String {
    let mut parts = Vec::new();
    if rq.q.expands("principal") {
        parts.push("principal()");
    }
    if rq.q.expands("roleDefinition") {
        parts.push("roleDefinition()");
    }
    if parts.is_empty() {
        base.to_owned()
    } else {
        format!("{base}({})", parts.join(","))
    }
}

/// `GET .../roleAssignments`.
pub(crate) fn list(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = check_filter(rq, FILTERABLE, "UnifiedRoleAssignment", true)
        .and_then(|_| check_expand(rq, "unifiedRoleAssignment"))
    {
        return e;
    }
    // Microsoft requires the list to be narrowed by role or principal. The exact wording of the
    // error is not documented; this message is the emulator's (see the crate README).
    let narrowed =
        rq.q.filter.as_ref().is_some_and(|f| {
            f.requires_eq_on("roleDefinitionId") || f.requires_eq_on("principalId")
        });
    if !narrowed {
        return GraphResponse::error(
            400,
            "Request_UnsupportedQuery",
            "A filter on roleDefinitionId or principalId is required to list role assignments, e.g. $filter=roleDefinitionId eq '{id}'.",
        );
    }
    let pre_check = rq.q.filter.as_ref().map(|f| f.role_pair_pre_check());
    let pre_check = |r: &str, p: &str| pre_check.as_ref().is_none_or(|c| c(r, p));
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .assignments
        .iter()
        .filter(|x| pre_check(&x.role_definition_id, &x.principal_id))
        .filter_map(|a| {
            let v = assignment_json(a);
            let keep = rq.q.filter.as_ref().is_none_or(|f| f.eval(&v, &[]));
            keep.then(|| expand(rq, &st, v, &a.principal_id, &a.role_definition_id))
        })
        .collect();
    drop(st);
    let ctx = expand_context(rq, "roleManagement/directory/roleAssignments");
    collection(
        rq,
        items,
        rq.context(&ctx),
        "/roleManagement/directory/roleAssignments",
        100,
    )
}

fn with_context(rq: &Rq<'_>, ctx: &str, v: Value) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("@odata.context".into(), Value::String(rq.context(ctx)));
    if let Value::Object(o) = v {
        m.extend(o);
    }
    Value::Object(m)
}

/// `GET .../roleAssignments/{id}`.
pub(crate) fn get(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = check_expand(rq, "unifiedRoleAssignment") {
        return e;
    }
    let id = &rq.segs[3];
    let st = crate::server::lock(&rq.ctx.state);
    let Some(a) = st.assignments.iter().find(|a| &a.id == id) else {
        return GraphResponse::not_found(id);
    };
    let v = expand(
        rq,
        &st,
        assignment_json(a),
        &a.principal_id,
        &a.role_definition_id,
    );
    let ctx = format!(
        "{}/$entity",
        expand_context(rq, "roleManagement/directory/roleAssignments")
    );
    GraphResponse::json(200, with_context(rq, &ctx, v))
}

/// `POST .../roleAssignments`.
pub(crate) fn create(rq: &Rq<'_>) -> GraphResponse {
    let body = match rq.body_json() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let invalid = |p: &str| {
        GraphResponse::bad_request(format!(
            "Invalid value specified for property '{p}' of resource 'UnifiedRoleAssignment'."
        ))
    };
    let Some(role_id) = s("roleDefinitionId") else {
        return invalid("roleDefinitionId");
    };
    let Some(principal_id) = s("principalId") else {
        return invalid("principalId");
    };
    let scope = match (s("directoryScopeId"), s("appScopeId")) {
        (Some(d), _) => d,
        (None, Some(_)) => return invalid("appScopeId"),
        (None, None) => return invalid("directoryScopeId"),
    };
    let mut st = crate::server::lock(&rq.ctx.state);
    let Some(role) = st.role(&role_id).map(|r| r.id.clone()) else {
        return invalid("roleDefinitionId");
    };
    let principal = crate::ids::norm(&principal_id);
    if let Err(e) = assignable(&st, &principal, &scope) {
        return e;
    }
    match st.add_assignment(&principal, &role, &scope, AssignmentKind::Assigned, crate::state::Span::permanent(rq.ctx.clock.now())) {
        // Microsoft does not document the duplicate-assignment error (the reference marks it
        // unconfirmed). The emulator answers with Graph's documented generic conflict error for
        // directory objects: 400 Request_BadRequest "A conflicting object ...".
        None => GraphResponse::bad_request("A conflicting object with one or more of the specified property values is present in the directory."),
        Some(a) => {
            rq.log_direct(&mut st, true, &a);
            let v = assignment_json(&a);
            GraphResponse::json(201, with_context(rq, "roleManagement/directory/roleAssignments/$entity", v))
        }
    }
}

/// Graph's checks of a new assignment's principal and scope, shared with PIM requests: the
/// principal exists and is a user, a service principal, or a group created role-assignable
/// ("Use Microsoft Entra groups to manage role assignments",
/// <https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept>; the
/// error text as Graph answers it is quoted in Microsoft365DSC issue 879); the scope is `/`, an
/// existing administrative unit or an application (the error text as Graph answers it is quoted
/// in msgraph-sdk-powershell issue 3173).
pub(crate) fn assignable(
    st: &TenantState,
    principal: &str,
    scope: &str,
) -> Result<(), GraphResponse> {
    match st.principal(principal) {
        None => {
            return Err(GraphResponse::bad_request(
                "Invalid value specified for property 'principalId' of resource 'UnifiedRoleAssignment'.",
            ))
        }
        Some(crate::state::Principal::Group(g)) if !g.is_assignable_to_role => {
            return Err(GraphResponse::bad_request(
                "Groups without IsAssignableToRole property set cannot be assigned to roles.",
            ))
        }
        Some(_) => {}
    }
    if !st.scope_exists(scope) {
        return Err(GraphResponse::bad_request(
            "Must specify valid property scope of entity RoleAssignment",
        ));
    }
    Ok(())
}

/// `DELETE .../roleAssignments/{id}`.
pub(crate) fn delete(rq: &Rq<'_>) -> GraphResponse {
    let id = &rq.segs[3];
    let mut st = crate::server::lock(&rq.ctx.state);
    match st.remove_assignment(id) {
        Some(a) => {
            rq.log_direct(&mut st, false, &a);
            GraphResponse::empty(204)
        }
        None => GraphResponse::not_found(id),
    }
}
