//! `GET /roleManagement/directory/roleDefinitions` (built-in roles from the embedded list, plus
//! custom roles) and `/{id}`.

use serde_json::Value;

use super::{check_filter, collection, GraphResponse, Rq};

/// `GET .../roleDefinitions`.
pub(crate) fn list(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = check_filter(
        rq,
        &["id", "displayName", "isBuiltIn", "templateId", "isEnabled"],
        "UnifiedRoleDefinition",
        false,
    ) {
        return e;
    }
    let st = crate::server::lock(&rq.ctx.state);
    let items: Vec<Value> = st
        .roles
        .iter()
        .map(|r| r.to_json())
        .filter(|v| rq.q.filter.as_ref().is_none_or(|f| f.eval(v, &[])))
        .map(|v| match &rq.q.select {
            Some(s) => super::odata::apply_select(&v, s),
            None => v,
        })
        .collect();
    drop(st);
    // Microsoft returns all role definitions in one page.
    collection(
        rq,
        items,
        rq.context("roleManagement/directory/roleDefinitions"),
        "/roleManagement/directory/roleDefinitions",
        1000,
    )
}

/// `GET .../roleDefinitions/{id}`.
pub(crate) fn get(rq: &Rq<'_>) -> GraphResponse {
    let id = &rq.segs[3];
    let st = crate::server::lock(&rq.ctx.state);
    match st.role(id) {
        None => GraphResponse::not_found(id),
        Some(r) => {
            let mut m = serde_json::Map::new();
            m.insert(
                "@odata.context".into(),
                Value::String(rq.context("roleManagement/directory/roleDefinitions/$entity")),
            );
            if let Value::Object(o) = r.to_json() {
                m.extend(o);
            }
            GraphResponse::json(200, Value::Object(m))
        }
    }
}
