//! Legacy `/directoryRoles`: activated roles only (`roleTemplateId`), activation, members and
//! member references. Reads and writes the same assignments as the unified RBAC API (directory
//! scope `/`, permanent and PIM-activated).

use serde_json::{json, Value};

use super::objects::principal_json;
use super::{GraphResponse, Rq};
use crate::ids::{directory_role_id, norm};
use crate::roles::RoleDef;
use crate::state::{AssignmentKind, TenantState};

fn role_json(st: &TenantState, r: &RoleDef) -> Value {
    json!({
        "id": directory_role_id(&st.tenant_id, &r.template_id),
        "deletedDateTime": null,
        "description": r.description,
        "displayName": r.display_name,
        "roleTemplateId": r.template_id,
    })
}

/// Resolves `directoryRoles/{id}` or `directoryRoles(roleTemplateId='{id}')`.
fn resolve<'a>(rq: &Rq<'_>, st: &'a TenantState) -> Result<&'a RoleDef, GraphResponse> {
    let first = &rq.segs[0];
    if let Some(rest) = first
        .strip_prefix("directoryRoles(")
        .or_else(|| first.strip_prefix("directoryroles("))
    {
        let inner = rest.trim_end_matches(')');
        let tid = inner
            .split_once('=')
            .map(|(_, v)| v)
            .unwrap_or(inner)
            .trim_matches('\'');
        return st
            .activated_directory_roles()
            .into_iter()
            .find(|r| r.template_id == norm(tid))
            .ok_or_else(|| GraphResponse::not_found(tid));
    }
    let id = &rq.segs[1];
    st.role_by_directory_role_id(id)
        .ok_or_else(|| GraphResponse::not_found(id))
}

/// `GET /directoryRoles`.
pub(crate) fn list(rq: &Rq<'_>) -> GraphResponse {
    let st = crate::server::lock(&rq.ctx.state);
    let value: Vec<Value> = st
        .activated_directory_roles()
        .into_iter()
        .map(|r| role_json(&st, r))
        .collect();
    GraphResponse::json(
        200,
        json!({"@odata.context": rq.context("directoryRoles"), "value": value}),
    )
}

/// `GET /directoryRoles/{id}`.
pub(crate) fn get(rq: &Rq<'_>) -> GraphResponse {
    let st = crate::server::lock(&rq.ctx.state);
    match resolve(rq, &st) {
        Err(e) => e,
        Ok(r) => {
            let mut v = role_json(&st, r);
            if let Value::Object(m) = &mut v {
                m.insert(
                    "@odata.context".into(),
                    Value::String(rq.context("directoryRoles/$entity")),
                );
            }
            GraphResponse::json(200, v)
        }
    }
}

/// `POST /directoryRoles` `{"roleTemplateId"}`: activates a role.
pub(crate) fn activate(rq: &Rq<'_>) -> GraphResponse {
    let body = match rq.body_json() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(tid) = body.get("roleTemplateId").and_then(Value::as_str) else {
        return GraphResponse::bad_request(
            "Invalid value specified for property 'roleTemplateId' of resource 'DirectoryRole'.",
        );
    };
    let mut st = crate::server::lock(&rq.ctx.state);
    let Some(role) = st.role(tid).cloned() else {
        return GraphResponse::bad_request(
            "Invalid value specified for property 'roleTemplateId' of resource 'DirectoryRole'.",
        );
    };
    if st
        .activated_directory_roles()
        .iter()
        .any(|r| r.template_id == role.template_id)
    {
        return GraphResponse::bad_request("A conflicting object with one or more of the specified property values is present in the directory.");
    }
    st.activated_templates.insert(role.template_id.clone());
    let mut v = role_json(&st, &role);
    if let Value::Object(m) = &mut v {
        m.insert(
            "@odata.context".into(),
            Value::String(rq.context("directoryRoles/$entity")),
        );
    }
    GraphResponse::json(201, v)
}

/// `GET /directoryRoles/{id}/members`: active members (permanent and activated) at scope `/`.
pub(crate) fn members(rq: &Rq<'_>) -> GraphResponse {
    let st = crate::server::lock(&rq.ctx.state);
    let role = match resolve(rq, &st) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut seen = std::collections::BTreeSet::new();
    let value: Vec<Value> = st
        .assignments
        .iter()
        .filter(|a| a.role_definition_id == role.id && a.directory_scope_id == "/")
        .filter(|a| seen.insert(a.principal_id.clone()))
        .filter_map(|a| st.principal(&a.principal_id).map(principal_json))
        .collect();
    GraphResponse::json(
        200,
        json!({"@odata.context": rq.context("directoryObjects"), "value": value}),
    )
}

/// `POST /directoryRoles/{id}/members/$ref` `{"@odata.id": ".../directoryObjects/{id}"}` → 204.
pub(crate) fn add_member(rq: &Rq<'_>) -> GraphResponse {
    let body = match rq.body_json() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(odata_id) = body.get("@odata.id").and_then(Value::as_str) else {
        return GraphResponse::bad_request(
            "Invalid OData reference: the '@odata.id' property is missing.",
        );
    };
    let member = odata_id
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned();
    let mut st = crate::server::lock(&rq.ctx.state);
    let role_id = match resolve(rq, &st) {
        Ok(r) => r.id.clone(),
        Err(e) => return e,
    };
    let member = norm(&member);
    if st.principal(&member).is_none() {
        return GraphResponse::not_found(&member);
    }
    match st.add_assignment(&member, &role_id, "/", AssignmentKind::Assigned, crate::state::Span::permanent(rq.ctx.clock.now())) {
        Some(a) => {
            rq.log_direct(&mut st, true, &a);
            GraphResponse::empty(204)
        }
        None => GraphResponse::bad_request("One or more added object references already exist for the following modified properties: 'members'."),
    }
}

/// `DELETE /directoryRoles/{id}/members/{memberId}/$ref` → 204.
pub(crate) fn remove_member(rq: &Rq<'_>) -> GraphResponse {
    let member = norm(&rq.segs[3]);
    let mut st = crate::server::lock(&rq.ctx.state);
    let role_id = match resolve(rq, &st) {
        Ok(r) => r.id.clone(),
        Err(e) => return e,
    };
    let found = st
        .find_assignment(&member, &role_id, "/")
        .map(|a| a.id.clone());
    match found {
        Some(id) => {
            if let Some(a) = st.remove_assignment(&id) {
                rq.log_direct(&mut st, false, &a);
            }
            GraphResponse::empty(204)
        }
        None => GraphResponse::not_found(&member),
    }
}
