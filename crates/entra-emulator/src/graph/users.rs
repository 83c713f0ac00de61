//! `GET /users` and `GET /users/{id | userPrincipalName}` with `$select`, `$filter`, `$top`,
//! paging and the advanced-query rule for `ne`/`not`.

use serde_json::Value;

use super::objects::{user_all, user_default, USER_DEFAULT};
use super::odata::apply_select;
use super::{check_count, check_filter, collection, GraphResponse, Rq};
use crate::user_index::UserKey;

const FILTERABLE: &[&str] = &[
    "id",
    "userPrincipalName",
    "onPremisesImmutableId",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "onPremisesSamAccountName",
    "accountEnabled",
    "mail",
    "displayName",
    "givenName",
    "surname",
    "userType",
];
/// Properties compared case-sensitively (base64 is case-sensitive).
const CASE_SENSITIVE: &[&str] = &["onPremisesImmutableId"];

fn select_list(rq: &Rq<'_>, sample: &Value) -> Result<Option<Vec<String>>, GraphResponse> {
    let Some(sel) = &rq.q.select else {
        return Ok(None);
    };
    for s in sel {
        if s != "*" && super::odata::get_ci(sample, s).is_none() {
            return Err(GraphResponse::bad_request(format!(
                "Could not find a property named '{s}' on type 'microsoft.graph.user'."
            )));
        }
    }
    if sel.iter().any(|s| s == "*") {
        return Ok(None);
    }
    Ok(Some(sel.clone()))
}

fn shape(all: &Value, u: &crate::fixture::FixtureUser, sel: &Option<Vec<String>>) -> Value {
    match sel {
        Some(s) => apply_select(all, s),
        None => user_default(u),
    }
}

fn select_context(sel: &Option<Vec<String>>) -> String {
    match sel {
        Some(s) => format!("users({})", s.join(",")),
        None => "users".to_owned(),
    }
}

/// `GET /users`.
pub(crate) fn list(rq: &Rq<'_>) -> GraphResponse {
    if let Err(e) = check_filter(rq, FILTERABLE, "User", true).and_then(|_| check_count(rq)) {
        return e;
    }
    let st = crate::server::lock(&rq.ctx.state);
    let sample = st
        .users
        .first()
        .map(user_all)
        .unwrap_or_else(|| Value::Object(Default::default()));
    let sel = match select_list(rq, &sample) {
        Ok(s) => s,
        Err(e) => return e,
    };
    // Indexed look-up: when the filter pins a key property to a few values, only those users
    // are candidates (the full filter still decides), so a look-up in a 50,000-user tenant does
    // not cost a scan of every user's JSON.
    let pinned: Option<Vec<usize>> = rq.q.filter.as_ref().and_then(|f| {
        UserKey::ALL
            .iter()
            .find_map(|(p, key)| f.eq_values(p).map(|v| st.user_index.positions(*key, &v)))
    });
    let candidates: Box<dyn Iterator<Item = &crate::fixture::FixtureUser>> = match &pinned {
        Some(pos) => Box::new(pos.iter().filter_map(|&i| st.users.get(i))),
        None => Box::new(st.users.iter()),
    };
    let items: Vec<Value> = candidates
        .filter_map(|u| {
            let all = user_all(u);
            let keep =
                rq.q.filter
                    .as_ref()
                    .is_none_or(|f| f.eval(&all, CASE_SENSITIVE))
                    && rq
                        .q
                        .search
                        .as_deref()
                        .is_none_or(|s| search_matches(s, &all));
            keep.then(|| shape(&all, u, &sel))
        })
        .collect();
    drop(st);
    let _ = USER_DEFAULT;
    collection(rq, items, rq.context(&select_context(&sel)), "/users", 100)
}

/// `GET /users/{id}`, `/users/{upn}`, `/users('{upn}')`.
pub(crate) fn get(rq: &Rq<'_>) -> GraphResponse {
    let key = if rq.segs.len() == 1 {
        let s = &rq.segs[0];
        s.get(6..s.len().saturating_sub(1))
            .unwrap_or("")
            .trim_matches('\'')
            .replace("''", "'")
    } else {
        rq.segs[1].clone()
    };
    let st = crate::server::lock(&rq.ctx.state);
    let Some(u) = st.find_user(&key) else {
        return GraphResponse::not_found(&key);
    };
    let all = user_all(u);
    let sel = match select_list(rq, &all) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let mut v = shape(&all, u, &sel);
    if let Value::Object(m) = &mut v {
        let mut out = serde_json::Map::new();
        out.insert(
            "@odata.context".into(),
            Value::String(rq.context(&format!("{}/$entity", select_context(&sel)))),
        );
        out.extend(std::mem::take(m));
        return GraphResponse::json(200, Value::Object(out));
    }
    GraphResponse::json(200, v)
}

/// `$search="prop:text"` clauses joined by `OR`/`AND` (tokenised prefix match, case-insensitive,
/// as Graph does for directory objects; needs `ConsistencyLevel: eventual`).
fn search_matches(search: &str, user: &Value) -> bool {
    let clause = |c: &str| {
        let c = c.trim().trim_matches('"');
        let Some((prop, text)) = c.split_once(':') else {
            return false;
        };
        let text = text.to_lowercase();
        match super::odata::get_ci(user, prop.trim()) {
            Some(Value::String(v)) => {
                let v = v.to_lowercase();
                v.starts_with(&text)
                    || v.split(|ch: char| !ch.is_alphanumeric())
                        .any(|w| w.starts_with(&text))
            }
            _ => false,
        }
    };
    search
        .split(" OR ")
        .any(|alt| alt.split(" AND ").all(clause))
}
