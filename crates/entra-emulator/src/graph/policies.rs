//! PIM role settings in Graph: `GET /policies/roleManagementPolicyAssignments` (a `$filter` on
//! `scopeId` and `scopeType` required, optionally `roleDefinitionId`; `$expand=policy` and
//! `policy($expand=rules)`), `GET …/roleManagementPolicyAssignments/{id}`,
//! `GET /policies/roleManagementPolicies` (same filter; `$expand=rules`), `GET …/{id}`,
//! `GET …/{id}/rules` and `GET …/{id}/rules/{ruleId}` — one policy per directory role with the
//! rules of [`crate::role_policy`].
//!
//! Sources: "List roleManagementPolicyAssignments" (the required filter, scope types
//! `Directory` and `DirectoryRole`, the ids `DirectoryRole_{tenant}_{policy}[_{role}]`, the
//! nested `$expand`, the permissions RoleManagementPolicy.Read.Directory,
//! RoleManagement.Read.Directory, RoleManagement.Read.All and their ReadWrite forms)
//! (<https://learn.microsoft.com/graph/api/policyroot-list-rolemanagementpolicyassignments>),
//! "List roleManagementPolicies" and "List rules (for a role management policy)"
//! (<https://learn.microsoft.com/graph/api/unifiedrolemanagementpolicy-list-rules>), and
//! "Configure Microsoft Entra role settings in PIM" (the `$expand=rules` request)
//! (<https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-change-default-settings>).
//! A tenant without PIM licence answers as [`super::pim::licensed`] says.

use serde_json::{json, Value};

use super::{check_filter, collection, GraphResponse, Rq};
use crate::state::TenantState;

const ASSIGNMENT_FILTERABLE: &[&str] =
    &["id", "policyId", "scopeId", "scopeType", "roleDefinitionId"];
const POLICY_FILTERABLE: &[&str] = &["id", "scopeId", "scopeType"];

/// The scope type asked for, when the filter pins `scopeId` to `/` and `scopeType` to
/// `Directory` or `DirectoryRole` (the directory-role policies). `Ok(None)`: another scope (PIM
/// for groups, not emulated), which has no policies here.
fn scope_type(rq: &Rq<'_>) -> Result<Option<String>, GraphResponse> {
    let required = || {
        GraphResponse::error(
            400,
            "BadRequest",
            "The $filter must name scopeId and scopeType, e.g. $filter=scopeId eq '/' and scopeType eq 'DirectoryRole'.",
        )
    };
    let f = rq.q.filter.as_ref().ok_or_else(required)?;
    let (Some(ids), Some(types)) = (f.eq_values("scopeId"), f.eq_values("scopeType")) else {
        return Err(required());
    };
    if !ids.contains(&"/") {
        return Ok(None);
    }
    Ok(types
        .iter()
        .find(|t| t.eq_ignore_ascii_case("Directory") || t.eq_ignore_ascii_case("DirectoryRole"))
        .map(|t| {
            if t.eq_ignore_ascii_case("Directory") {
                "Directory".to_owned()
            } else {
                "DirectoryRole".to_owned()
            }
        }))
}

fn policy_guid(st: &TenantState, role_id: &str) -> String {
    crate::ids::directory_role_id(&st.tenant_id, &format!("roleManagementPolicy:{role_id}"))
}

fn policy_id(st: &TenantState, scope_type: &str, role_id: &str) -> String {
    format!("{scope_type}_{}_{}", st.tenant_id, policy_guid(st, role_id))
}

/// `unifiedRoleManagementPolicy` of a role, with its rules when `rules` says so.
fn policy_json(st: &TenantState, scope_type: &str, role_id: &str, rules: bool) -> Value {
    let mut v = json!({
        "id": policy_id(st, scope_type, role_id),
        "displayName": scope_type,
        "description": scope_type,
        "isOrganizationDefault": false,
        "scopeId": "/",
        "scopeType": scope_type,
        "lastModifiedDateTime": null,
        "lastModifiedBy": {"displayName": null, "id": null},
    });
    if rules {
        v["rules"] = Value::Array(st.role_rules(role_id));
    }
    v
}

/// `unifiedRoleManagementPolicyAssignment` of a role, with the expansions asked for.
fn assignment_json(rq: &Rq<'_>, st: &TenantState, scope_type: &str, role_id: &str) -> Value {
    let pid = policy_id(st, scope_type, role_id);
    let mut v = json!({
        "id": format!("{pid}_{role_id}"),
        "policyId": pid,
        "scopeId": "/",
        "scopeType": scope_type,
        "roleDefinitionId": role_id,
    });
    if rq.q.expands("policy") {
        let rules =
            rq.q.expand_nested("policy")
                .is_some_and(|n| n.iter().any(|x| x.eq_ignore_ascii_case("rules")));
        v["policy"] = policy_json(st, scope_type, role_id, rules);
    }
    v
}

fn check_assignment_expand(rq: &Rq<'_>) -> Result<(), GraphResponse> {
    for e in rq.q.expand.iter().flatten() {
        if !e.eq_ignore_ascii_case("policy") {
            return Err(GraphResponse::bad_request(format!(
                "Parsing OData Select and Expand failed: Could not find a property named '{e}' on type 'microsoft.graph.unifiedRoleManagementPolicyAssignment'."
            )));
        }
    }
    for n in rq.q.expand_nested("policy").into_iter().flatten() {
        if !n.eq_ignore_ascii_case("rules") && !n.eq_ignore_ascii_case("effectiveRules") {
            return Err(GraphResponse::bad_request(format!(
                "Parsing OData Select and Expand failed: Could not find a property named '{n}' on type 'microsoft.graph.unifiedRoleManagementPolicy'."
            )));
        }
    }
    Ok(())
}

fn assignment_context(rq: &Rq<'_>) -> String {
    let base = "policies/roleManagementPolicyAssignments";
    if !rq.q.expands("policy") {
        return base.to_owned();
    }
    if rq.q.expand_nested("policy").is_some() {
        format!("{base}(policy(rules()))")
    } else {
        format!("{base}(policy())")
    }
}

/// `GET /policies/roleManagementPolicyAssignments`.
pub(crate) fn list_assignments(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = super::pim::licensed(rq)
        .and_then(|_| {
            check_filter(
                rq,
                ASSIGNMENT_FILTERABLE,
                "UnifiedRoleManagementPolicyAssignment",
                true,
            )
        })
        .and_then(|_| check_assignment_expand(rq))
    {
        return e;
    }
    let scope_type = match scope_type(rq) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let roles =
        rq.q.filter
            .as_ref()
            .and_then(|f| f.eq_values("roleDefinitionId"));
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = match &scope_type {
        None => Vec::new(),
        Some(t) => st
            .roles
            .iter()
            .filter(|r| {
                roles
                    .as_ref()
                    .is_none_or(|v| v.iter().any(|x| x.eq_ignore_ascii_case(&r.id)))
            })
            .map(|r| assignment_json(rq, &st, t, &r.id))
            .filter(|v| rq.q.filter.as_ref().is_none_or(|f| f.eval(v, &[])))
            .collect(),
    };
    drop(st);
    collection(
        rq,
        items,
        rq.context(&assignment_context(rq)),
        "/policies/roleManagementPolicyAssignments",
        100,
    )
}

/// Finds the role behind a policy id or a policy assignment id (`…_{roleId}`).
fn role_of(st: &TenantState, id: &str, assignment: bool) -> Option<(String, String)> {
    let (scope_type, _) = id.split_once('_')?;
    if scope_type != "Directory" && scope_type != "DirectoryRole" {
        return None;
    }
    st.roles.iter().find_map(|r| {
        let pid = policy_id(st, scope_type, &r.id);
        let want = if assignment {
            format!("{pid}_{}", r.id)
        } else {
            pid
        };
        want.eq_ignore_ascii_case(id)
            .then(|| (scope_type.to_owned(), r.id.clone()))
    })
}

fn with_context(rq: &Rq<'_>, ctx: &str, v: Value) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("@odata.context".into(), Value::String(rq.context(ctx)));
    if let Value::Object(o) = v {
        m.extend(o);
    }
    Value::Object(m)
}

/// `GET /policies/roleManagementPolicyAssignments/{id}`.
pub(crate) fn get_assignment(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = super::pim::licensed(rq).and_then(|_| check_assignment_expand(rq)) {
        return e;
    }
    let id = &rq.segs[2];
    let st = crate::server::lock(&rq.ctx.state);
    let Some((t, role)) = role_of(&st, id, true) else {
        return GraphResponse::not_found(id);
    };
    let v = assignment_json(rq, &st, &t, &role);
    drop(st);
    let ctx = format!("{}/$entity", assignment_context(rq));
    GraphResponse::json(200, with_context(rq, &ctx, v))
}

fn check_policy_expand(rq: &Rq<'_>) -> Result<bool, GraphResponse> {
    let mut rules = false;
    for e in rq.q.expand.iter().flatten() {
        if e.eq_ignore_ascii_case("rules") || e.eq_ignore_ascii_case("effectiveRules") {
            rules = true;
        } else {
            return Err(GraphResponse::bad_request(format!(
                "Parsing OData Select and Expand failed: Could not find a property named '{e}' on type 'microsoft.graph.unifiedRoleManagementPolicy'."
            )));
        }
    }
    Ok(rules)
}

/// `GET /policies/roleManagementPolicies`.
pub(crate) fn list_policies(rq: &Rq<'_>) -> GraphResponse {
    let rules = match super::pim::licensed(rq)
        .and_then(|_| check_filter(rq, POLICY_FILTERABLE, "UnifiedRoleManagementPolicy", true))
        .and_then(|_| check_policy_expand(rq))
    {
        Ok(r) => r,
        Err(e) => return e,
    };
    let scope_type = match scope_type(rq) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = match &scope_type {
        None => Vec::new(),
        Some(t) => st
            .roles
            .iter()
            .map(|r| policy_json(&st, t, &r.id, rules))
            .filter(|v| rq.q.filter.as_ref().is_none_or(|f| f.eval(v, &[])))
            .collect(),
    };
    drop(st);
    let ctx = if rules {
        "policies/roleManagementPolicies(rules())"
    } else {
        "policies/roleManagementPolicies"
    };
    collection(
        rq,
        items,
        rq.context(ctx),
        "/policies/roleManagementPolicies",
        100,
    )
}

/// `GET /policies/roleManagementPolicies/{id}`, `…/{id}/rules`, `…/{id}/rules/{ruleId}`.
pub(crate) fn get_policy(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = super::pim::licensed(rq) {
        return e;
    }
    let id = &rq.segs[2];
    let st = crate::server::lock(&rq.ctx.state);
    let Some((t, role)) = role_of(&st, id, false) else {
        return GraphResponse::not_found(id);
    };
    match rq.segs.get(4) {
        None if rq.segs.len() == 3 => {
            let rules = match check_policy_expand(rq) {
                Ok(r) => r,
                Err(e) => return e,
            };
            let v = policy_json(&st, &t, &role, rules);
            drop(st);
            GraphResponse::json(
                200,
                with_context(rq, "policies/roleManagementPolicies/$entity", v),
            )
        }
        None => {
            let rules = st.role_rules(&role);
            drop(st);
            let ctx = format!("policies/roleManagementPolicies('{id}')/rules");
            let path = format!("/policies/roleManagementPolicies/{id}/rules");
            collection(rq, rules, rq.context(&ctx), &path, 100)
        }
        Some(rule_id) => {
            let rule = st.role_rules(&role).into_iter().find(|r| {
                r["id"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(rule_id))
            });
            drop(st);
            match rule {
                Some(r) => {
                    let ctx = format!("policies/roleManagementPolicies('{id}')/rules/$entity");
                    GraphResponse::json(200, with_context(rq, &ctx, r))
                }
                None => GraphResponse::not_found(rule_id),
            }
        }
    }
}
