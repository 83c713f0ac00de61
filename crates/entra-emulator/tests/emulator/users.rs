//! `GET /users`: default properties, `$select`, `$filter`, the ConsistencyLevel rule, `$top` and paging.

use std::collections::HashSet;

use rolesync_entra_emulator::{EmulatorConfig, FixtureUser};
use serde_json::{json, Value};

use crate::support::*;

fn upns(r: &Resp) -> Vec<String> {
    r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn default_properties_exclude_on_premises_ones() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, "/users").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["@odata.context"],
        format!("{}/$metadata#users", emu.graph_base_url())
    );
    let u = &r.body["value"][0];
    for k in [
        "id",
        "displayName",
        "userPrincipalName",
        "businessPhones",
        "mail",
        "givenName",
        "surname",
        "jobTitle",
    ] {
        assert!(u.get(k).is_some(), "{k} missing: {u}");
    }
    for k in [
        "onPremisesImmutableId",
        "onPremisesSyncEnabled",
        "accountEnabled",
        "userType",
    ] {
        assert!(u.get(k).is_none(), "{k} must only come with $select: {u}");
    }
    assert!(r.body.get("@odata.nextLink").is_none());
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("2"));

    let r = get(&emu, &t, "/users?$select=id,userPrincipalName,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesSecurityIdentifier,accountEnabled").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("1"));
    assert!(r.body["@odata.context"].as_str().unwrap().ends_with("#users(id,userPrincipalName,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesSecurityIdentifier,accountEnabled)"));
    let plain = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == "plain@fabrikam.test")
        .unwrap();
    assert_eq!(plain["onPremisesImmutableId"], "PC0eD1pLaEmHdqW0w9Lh8A==");
    assert_eq!(plain["onPremisesSyncEnabled"], true);
    assert!(plain.get("displayName").is_none());
    let admin = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == "admin@fabrikam.test")
        .unwrap();
    assert_eq!(admin["onPremisesSyncEnabled"], Value::Null);

    let r = get(&emu, &t, "/users?$select=id,noSuchProperty").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn filters_eq_in_and_or() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(
        &emu,
        &t,
        "/users?$filter=userPrincipalName eq 'PLAIN@fabrikam.test'",
    )
    .await;
    assert_eq!(upns(&r), vec!["plain@fabrikam.test"]);
    let r = get(
        &emu,
        &t,
        "/users?$filter=onPremisesImmutableId eq 'PC0eD1pLaEmHdqW0w9Lh8A=='",
    )
    .await;
    assert_eq!(upns(&r), vec!["plain@fabrikam.test"]);
    // base64 is case-sensitive.
    let r = get(
        &emu,
        &t,
        "/users?$filter=onPremisesImmutableId eq 'pc0ed1plaemhdqw0w9lh8a=='",
    )
    .await;
    assert!(upns(&r).is_empty());
    let r = get(
        &emu,
        &t,
        &format!("/users?$filter=id in ('{}','{}')", user_id(1), user_id(3)),
    )
    .await;
    assert_eq!(
        upns(&r),
        vec!["admin@fabrikam.test", "eligible@fabrikam.test"]
    );
    let r = get(
        &emu,
        &t,
        "/users?$filter=onPremisesSyncEnabled eq true and accountEnabled eq false",
    )
    .await;
    assert_eq!(upns(&r), vec!["disabled@fabrikam.test"]);
    let r = get(&emu, &t, "/users?$filter=onPremisesSecurityIdentifier eq 'S-1-5-21-111-222-333-1003' or userPrincipalName eq 'mfa@fabrikam.test'").await;
    assert_eq!(
        upns(&r),
        vec!["eligible@fabrikam.test", "mfa@fabrikam.test"]
    );
    let r = get(&emu, &t, "/users?$filter=startswith(displayName,'dora')").await;
    assert_eq!(upns(&r), vec!["disabled@fabrikam.test"]);
    let r = get(&emu, &t, "/users?$filter=userPrincipalName eq").await;
    assert_eq!(r.status, 400);
    let r = get(&emu, &t, "/users?$filter=jobTitle eq 'x'").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "Request_UnsupportedQuery");
}

#[tokio::test]
async fn negation_needs_consistency_level_and_count() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, "/users?$filter=onPremisesSyncEnabled ne true").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_message(),
        "Operator 'ne' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header."
    );
    let r = get(
        &emu,
        &t,
        "/users?$filter=not(onPremisesSyncEnabled eq true)&$count=true",
    )
    .await;
    assert_eq!(r.status, 400, "header missing");
    assert!(
        r.error_message()
            .starts_with("Operator 'not' is not supported"),
        "{}",
        r.body
    );
    let r = graph_with(
        &emu,
        &t,
        "GET",
        "/users?$filter=onPremisesSyncEnabled ne true",
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(r.status, 400, "$count missing");
    let r = graph_with(
        &emu,
        &t,
        "GET",
        "/users?$filter=onPremisesSyncEnabled ne true&$count=true",
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // admin, $dollar, mfa, guest are not synced.
    assert_eq!(r.body["@odata.count"], 4);
    assert_eq!(upns(&r).len(), 4);
    // $search needs the header too.
    let r = get(&emu, &t, "/users?$search=\"displayName:dora\"").await;
    assert_eq!(r.status, 400);
    let r = graph_with(
        &emu,
        &t,
        "GET",
        "/users?$search=\"displayName:dora\" OR \"displayName:eli\"",
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(
        upns(&r),
        vec!["eligible@fabrikam.test", "disabled@fabrikam.test"]
    );
}

fn many_users(n: usize) -> EmulatorConfig {
    let mut tenant = sample_tenant();
    for i in 0..n {
        tenant.users.push(FixtureUser {
            id: format!("20000000-0000-4000-8000-{i:012}"),
            display_name: format!("Bulk {i}"),
            user_principal_name: format!("bulk{i}@fabrikam.test"),
            account_enabled: true,
            on_premises_sync_enabled: Some(true),
            ..FixtureUser::default()
        });
    }
    EmulatorConfig {
        tenant,
        ..sample_config()
    }
}

#[tokio::test]
async fn paging_follows_opaque_next_links() {
    let emu = start(many_users(243)).await; // 250 users in all
    let t = app_token(&emu).await;
    // Default page size 100.
    let r = get(&emu, &t, "/users").await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 100);
    assert!(r.body["@odata.nextLink"].is_string());
    // $top sets the page size; follow nextLink exactly as returned.
    let mut url = format!(
        "{}/users?$top=70&$select=id,userPrincipalName&$filter=accountEnabled eq true",
        emu.graph_base_url()
    );
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let r = get(&emu, &t, &url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        for u in r.body["value"].as_array().unwrap() {
            assert!(
                seen.insert(u["id"].as_str().unwrap().to_owned()),
                "duplicate across pages"
            );
            assert!(u.get("displayName").is_none(), "$select kept across pages");
        }
        match r.body["@odata.nextLink"].as_str() {
            Some(n) => {
                assert!(n.contains("$skiptoken="), "{n}");
                assert!(n.starts_with(&emu.graph_base_url()), "{n}");
                url = n.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 4); // 249 enabled users (one disabled) → 70+70+70+39
    assert_eq!(seen.len(), 249);
    for bad in ["0", "1000", "abc"] {
        let r = get(&emu, &t, &format!("/users?$top={bad}")).await;
        assert_eq!(r.status, 400, "$top={bad}");
    }
    let r = get(&emu, &t, "/users?$skiptoken=not-a-token").await;
    assert_eq!(r.status, 400);
    let r = get(&emu, &t, "/users?$top=999").await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 250);
}

#[tokio::test]
async fn single_user_by_id_upn_and_alternate_key() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let r = get(&emu, &t, &format!("/users/{}", user_id(2))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["userPrincipalName"], "plain@fabrikam.test");
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#users/$entity"));
    let r = get(
        &emu,
        &t,
        "/users/plain@fabrikam.test?$select=onPremisesImmutableId",
    )
    .await;
    assert_eq!(r.body["onPremisesImmutableId"], "PC0eD1pLaEmHdqW0w9Lh8A==");
    let r = get(&emu, &t, "/users('$dollar@fabrikam.test')").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["displayName"], "Dollar Sign");
    let r = get(
        &emu,
        &t,
        "/users/guest_contoso.com%23EXT%23@fabrikamtest.onmicrosoft.com",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(&emu, &t, "/users/nobody@fabrikam.test").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "Request_ResourceNotFound");
    assert_eq!(r.error_message(), "Resource 'nobody@fabrikam.test' does not exist or one of its queried reference-property objects are not present.");
}

#[tokio::test]
async fn get_by_ids_returns_typed_objects() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let body = json!({"ids": [user_id(1), "10000000-0000-4000-8000-0000000000b1", "10000000-0000-4000-8000-0000000000a1", "99999999-0000-4000-8000-000000000000"]});
    let r = graph(
        &emu,
        &t,
        "POST",
        "/directoryObjects/getByIds",
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let types: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["@odata.type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "#microsoft.graph.user",
            "#microsoft.graph.group",
            "#microsoft.graph.servicePrincipal"
        ]
    );
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("3"));
    let mut b = body;
    b["types"] = json!(["user"]);
    let r = graph(&emu, &t, "POST", "/directoryObjects/getByIds", Some(b)).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(emu.stats().writes, 0, "getByIds is not a write");
}
