//! JSON of directory objects (users, groups, service principals) as Graph returns them, and
//! `POST /directoryObjects/getByIds`.

use serde_json::{json, Map, Value};

use super::{GraphResponse, Rq};
use crate::fixture::{FixtureGroup, FixtureServicePrincipal, FixtureUser};
use crate::state::Principal;

/// Properties returned by `GET /users` without `$select`.
pub(crate) const USER_DEFAULT: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Every user property the emulator knows (all selectable).
pub(crate) fn user_all(u: &FixtureUser) -> Value {
    json!({
        "id": u.id,
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": null,
        "mail": u.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "surname": u.surname,
        "userPrincipalName": u.user_principal_name,
        "accountEnabled": u.account_enabled,
        "userType": u.user_type.as_str(),
        "mailNickname": u.user_principal_name.split('@').next().unwrap_or_default(),
        "imAddresses": [],
        "deletedDateTime": null,
        "onPremisesSyncEnabled": u.on_premises_sync_enabled,
        "onPremisesImmutableId": u.on_premises_immutable_id,
        "onPremisesSecurityIdentifier": u.on_premises_security_identifier,
        "onPremisesSamAccountName": u.on_premises_sam_account_name,
        "onPremisesUserPrincipalName": u.on_premises_user_principal_name,
        "onPremisesDomainName": u.on_premises_domain_name,
        "onPremisesDistinguishedName": u.on_premises_distinguished_name,
    })
}

fn pick(all: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| all.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

/// A user with the default property set.
pub(crate) fn user_default(u: &FixtureUser) -> Value {
    Value::Object(pick(&user_all(u), USER_DEFAULT))
}

/// A user as an expanded/listed directory object (`@odata.type` first).
pub(crate) fn user_as_object(u: &FixtureUser) -> Value {
    let mut m = Map::new();
    m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
    let keys: Vec<&str> = USER_DEFAULT
        .iter()
        .copied()
        .chain([
            "accountEnabled",
            "userType",
            "mailNickname",
            "imAddresses",
            "deletedDateTime",
        ])
        .collect();
    m.extend(pick(&user_all(u), &keys));
    Value::Object(m)
}

pub(crate) fn group_json(g: &FixtureGroup) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.group",
        "id": g.id,
        "deletedDateTime": null,
        "displayName": g.display_name,
        "description": g.description,
        "securityEnabled": g.security_enabled,
        "mailEnabled": g.mail_enabled,
        "isAssignableToRole": g.is_assignable_to_role,
        "groupTypes": [],
    })
}

pub(crate) fn sp_json(s: &FixtureServicePrincipal) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.servicePrincipal",
        "id": s.id,
        "deletedDateTime": null,
        "appId": s.app_id,
        "displayName": s.display_name,
        "servicePrincipalType": "Application",
        "accountEnabled": true,
    })
}

pub(crate) fn principal_json(p: Principal<'_>) -> Value {
    match p {
        Principal::User(u) => user_as_object(u),
        Principal::Group(g) => group_json(g),
        Principal::Sp(s) => sp_json(s),
    }
}

/// `POST /directoryObjects/getByIds`.
pub(crate) fn get_by_ids(rq: &Rq<'_>) -> GraphResponse {
    let body = match rq.body_json() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(ids) = body.get("ids").and_then(Value::as_array) else {
        return GraphResponse::bad_request(
            "Invalid value specified for property 'ids' of resource 'DirectoryObject'.",
        );
    };
    if ids.len() > 1000 {
        return GraphResponse::bad_request("Too many ids specified; at most 1000 are allowed.");
    }
    let types: Vec<String> = body
        .get("types")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| s.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let st = crate::server::lock(&rq.ctx.state);
    let value: Vec<Value> = ids
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|id| st.principal(id))
        .filter(|p| {
            let t = match p {
                Principal::User(_) => "user",
                Principal::Group(_) => "group",
                Principal::Sp(_) => "serviceprincipal",
            };
            types.is_empty() || types.iter().any(|x| x == t)
        })
        .map(principal_json)
        .collect();
    GraphResponse::json(
        200,
        json!({"@odata.context": rq.context("directoryObjects"), "value": value}),
    )
}
