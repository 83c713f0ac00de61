//! Administrative units: `GET /directory/administrativeUnits` (`$filter` `eq` on `id` and
//! `displayName`, `$select`, `$top`, paging) and `GET /directory/administrativeUnits/{id}` —
//! "List administrativeUnits" (graph api/directory-list-administrativeunits) and "Get
//! administrativeUnit" (graph api/administrativeunit-get), with the properties and filters of
//! the "administrativeUnit resource type" page. The fixture's units are the scopes
//! `/administrativeUnits/{id}` role assignments may have.

use serde_json::{json, Value};

use super::odata::apply_select;
use super::{check_count, check_filter, collection, GraphResponse, Rq};
use crate::fixture::FixtureAdministrativeUnit;

/// The properties the resource page marks filterable (`id`: `eq`; `displayName`: `eq`, `ne`,
/// `not`, `ge`, `le`, `in`, `startsWith`; `description`: `eq`, `ne`, `in`, `startsWith`).
const FILTERABLE: &[&str] = &["id", "displayName", "description"];

/// An administrative unit as Graph v1.0 answers it (the fixture has no description or
/// visibility: both null, as for a unit created without them).
fn unit_json(a: &FixtureAdministrativeUnit) -> Value {
    json!({
        "id": a.id,
        "displayName": a.display_name,
        "description": Value::Null,
        "visibility": Value::Null,
    })
}

fn select(rq: &Rq<'_>, v: Value) -> Result<Value, GraphResponse> {
    let Some(sel) = &rq.q.select else {
        return Ok(v);
    };
    for s in sel {
        if s != "*" && super::odata::get_ci(&v, s).is_none() {
            return Err(GraphResponse::bad_request(format!(
                "Could not find a property named '{s}' on type 'microsoft.graph.administrativeUnit'."
            )));
        }
    }
    if sel.iter().any(|s| s == "*") {
        return Ok(v);
    }
    Ok(apply_select(&v, sel))
}

/// `GET /directory/administrativeUnits`.
pub(crate) fn list(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) =
        check_filter(rq, FILTERABLE, "AdministrativeUnit", true).and_then(|_| check_count(rq))
    {
        return e;
    }
    let units: Vec<Value> = {
        let st = crate::server::lock(&rq.ctx.state);
        st.administrative_units
            .iter()
            .map(unit_json)
            .filter(|v| rq.q.filter.as_ref().is_none_or(|f| f.eval(v, &[])))
            .collect()
    };
    let mut items = Vec::with_capacity(units.len());
    for v in units {
        match select(rq, v) {
            Ok(v) => items.push(v),
            Err(e) => return e,
        }
    }
    let ctx = match &rq.q.select {
        Some(s) => format!("directory/administrativeUnits({})", s.join(",")),
        None => "directory/administrativeUnits".to_owned(),
    };
    collection(
        rq,
        items,
        rq.context(&ctx),
        "/directory/administrativeUnits",
        100,
    )
}

/// `GET /directory/administrativeUnits/{id}`.
pub(crate) fn get(rq: &Rq<'_>) -> GraphResponse {
    let id = crate::ids::norm(&rq.segs[2]);
    let found = {
        let st = crate::server::lock(&rq.ctx.state);
        st.administrative_units
            .iter()
            .find(|a| a.id == id)
            .map(unit_json)
    };
    let Some(v) = found else {
        return GraphResponse::not_found(&rq.segs[2]);
    };
    let v = match select(rq, v) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut m = serde_json::Map::new();
    m.insert(
        "@odata.context".into(),
        Value::String(rq.context("directory/administrativeUnits/$entity")),
    );
    if let Value::Object(o) = v {
        m.extend(o);
    }
    GraphResponse::json(200, Value::Object(m))
}
