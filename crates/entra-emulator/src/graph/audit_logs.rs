//! `GET /auditLogs/directoryAudits` and `GET /auditLogs/directoryAudits/{id}`: the directory
//! audit log's role-management records ([`crate::audit`]) as "List directoryAudits"
//! (<https://learn.microsoft.com/graph/api/directoryaudit-list>) and "Get directoryAudit"
//! (<https://learn.microsoft.com/graph/api/directoryaudit-get>) serve them: newest first,
//! `$filter` on the properties the "directoryAudit resource type" page marks filterable (with
//! `initiatedBy/user/…`, `initiatedBy/app/…` and `targetResources/any(t: t/id eq '…')`),
//! `$orderby activityDateTime`, `$top` and next links; reading needs AuditLog.Read.All together
//! with Directory.Read.All (application or delegated), else 403.

use serde_json::Value;

use super::{check_filter, collection, GraphResponse, Rq};

/// The filterable properties ("directoryAudit resource type": `activityDateTime` `eq ge le`,
/// `activityDisplayName` `eq startswith`, `category`, `correlationId`, `id`, `loggedByService`,
/// `result` `eq`, `initiatedBy` on the user's id, name and UPN and the app's id and name,
/// `targetResources` `any` on `id` and `displayName`).
const FILTERABLE: &[&str] = &[
    "activityDateTime",
    "activityDisplayName",
    "category",
    "correlationId",
    "id",
    "loggedByService",
    "result",
    "initiatedBy/user/id",
    "initiatedBy/user/displayName",
    "initiatedBy/user/userPrincipalName",
    "initiatedBy/app/appId",
    "initiatedBy/app/displayName",
    "targetResources/id",
    "targetResources/displayName",
];

/// The permissions "List directoryAudits" names, both needed: AuditLog.Read.All (the route's
/// own check, `AUDIT_READ` in the router) and Directory.Read.All (Directory.ReadWrite.All
/// includes it), checked here.
fn allowed(rq: &Rq<'_>) -> Result<(), GraphResponse> {
    if rq
        .token
        .has_any(&["Directory.Read.All", "Directory.ReadWrite.All"])
    {
        Ok(())
    } else {
        Err(GraphResponse::denied())
    }
}

/// `GET /auditLogs/directoryAudits`.
pub(crate) fn list(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = allowed(rq).and_then(|_| check_filter(rq, FILTERABLE, "directoryAudit", false))
    {
        return e;
    }
    if let Some((prop, _)) = &rq.q.orderby {
        if !prop.eq_ignore_ascii_case("activityDateTime") {
            return GraphResponse::error(
                400,
                "Request_UnsupportedQuery",
                format!("Sorting on property '{prop}' of resource 'directoryAudit' is not supported; only activityDateTime is."),
            );
        }
    }
    let st = crate::server::lock(&rq.ctx.state);
    // Newest first unless `$orderby` says otherwise. Records of the same millisecond keep the
    // order they were written in (the sort after this is stable): oldest first for `asc`.
    let mut items: Vec<Value> = st
        .directory_audits
        .iter()
        .filter(|v| rq.q.filter.as_ref().is_none_or(|f| f.eval(v, &[])))
        .map(|v| match &rq.q.select {
            Some(sel) => super::odata::apply_select(v, sel),
            None => v.clone(),
        })
        .collect();
    if !matches!(&rq.q.orderby, Some((_, false))) {
        items.reverse();
    }
    drop(st);
    let path = "/auditLogs/directoryAudits";
    collection(
        rq,
        items,
        rq.context("auditLogs/directoryAudits"),
        path,
        100,
    )
}

/// `GET /auditLogs/directoryAudits/{id}`.
pub(crate) fn get(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = allowed(rq) {
        return e;
    }
    let id = &rq.segs[2];
    let st = crate::server::lock(&rq.ctx.state);
    match st
        .directory_audits
        .iter()
        .find(|v| v["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
    {
        Some(v) => {
            let mut v = v.clone();
            if let Value::Object(m) = &mut v {
                m.insert(
                    "@odata.context".into(),
                    Value::String(rq.context("auditLogs/directoryAudits/$entity")),
                );
            }
            GraphResponse::json(200, v)
        }
        None => GraphResponse::not_found(id),
    }
}
