//! JSON batching.

use std::time::{Duration, Instant};

use rolesync_entra_emulator::{EmulatorConfig, FaultConfig, RunningEmulator, ThrottleConfig};
use serde_json::{json, Value};

use crate::support::*;

async fn batch(emu: &RunningEmulator, t: &str, requests: Vec<Value>) -> Resp {
    graph(
        emu,
        t,
        "POST",
        "/$batch",
        Some(json!({ "requests": requests })),
    )
    .await
}

fn get_req(id: &str, url: &str) -> Value {
    json!({"id": id, "method": "GET", "url": url})
}

fn ids(r: &Resp) -> Vec<String> {
    r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect()
}

fn by_id<'a>(r: &'a Resp, id: &str) -> &'a Value {
    r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn limits_and_validation() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let reqs: Vec<Value> = (1..=21)
        .map(|i| get_req(&i.to_string(), "/users?$top=1"))
        .collect();
    let r = batch(&emu, &t, reqs).await;
    assert_eq!(r.status, 400);
    let r = batch(
        &emu,
        &t,
        vec![get_req("1", "/users"), get_req("1", "/users")],
    )
    .await;
    assert_eq!(r.status, 400);
    let r = batch(
        &emu,
        &t,
        vec![get_req("1", "https://graph.microsoft.com/v1.0/users")],
    )
    .await;
    assert_eq!(r.status, 400);
    let r = batch(&emu, &t, vec![json!({"id": "1", "method": "POST", "url": "/directoryRoles", "body": {"roleTemplateId": GA}})]).await;
    assert_eq!(r.status, 400, "a body needs a Content-Type header");
}

#[tokio::test]
async fn twenty_requests_come_back_out_of_order_with_own_statuses() {
    let emu = start(EmulatorConfig {
        faults: FaultConfig::none(42),
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    let mut reqs: Vec<Value> = (1..=18)
        .map(|i| get_req(&i.to_string(), &format!("/users/{}", user_id(1 + (i % 7)))))
        .collect();
    reqs.push(get_req("19", "/users/nobody@fabrikam.test"));
    reqs.push(json!({"id": "20", "method": "POST", "url": "/roleManagement/directory/roleAssignments",
        "headers": {"Content-Type": "application/json"}, "body": role_assignment_body(GA, &user_id(2))}));
    let r = batch(&emu, &t, reqs).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = ids(&r);
    assert_eq!(got.len(), 20);
    let in_order: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
    assert_ne!(got, in_order, "responses are shuffled");
    let mut sorted = got.clone();
    sorted.sort_by_key(|s| s.parse::<u32>().unwrap());
    assert_eq!(sorted, in_order);
    assert_eq!(by_id(&r, "1")["status"], 200);
    assert!(by_id(&r, "1")["headers"]["x-ms-resource-unit"].is_string());
    assert_eq!(by_id(&r, "19")["status"], 404);
    assert_eq!(
        by_id(&r, "19")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id(&r, "20")["status"], 201);
    let s = emu.stats();
    assert_eq!(s.batch_inner_requests, 20);
    assert_eq!(s.writes, 1);

    // Same seed, same order.
    let emu2 = start(EmulatorConfig {
        faults: FaultConfig::none(42),
        ..sample_config()
    })
    .await;
    let t2 = app_token(&emu2).await;
    let mut reqs: Vec<Value> = (1..=18)
        .map(|i| get_req(&i.to_string(), &format!("/users/{}", user_id(1 + (i % 7)))))
        .collect();
    reqs.push(get_req("19", "/users/nobody@fabrikam.test"));
    reqs.push(json!({"id": "20", "method": "POST", "url": "/roleManagement/directory/roleAssignments",
        "headers": {"Content-Type": "application/json"}, "body": role_assignment_body(GA, &user_id(2))}));
    assert_eq!(ids(&batch(&emu2, &t2, reqs).await), got);
}

#[tokio::test]
async fn depends_on_orders_and_fails_with_424() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    let post = |id: &str, principal: &str, deps: &[&str]| {
        json!({"id": id, "method": "POST", "url": "/roleManagement/directory/roleAssignments", "dependsOn": deps,
            "headers": {"Content-Type": "application/json"}, "body": role_assignment_body(GA, principal)})
    };
    let reqs = vec![
        post("1", &user_id(2), &[]),
        post("2", &user_id(2), &["1"]), // duplicate → 400
        post("3", &user_id(3), &["2"]), // dependency failed → 424
        json!({"id": "4", "method": "GET", "url": format!("/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{GA}'"), "dependsOn": ["1"]}),
    ];
    let r = batch(&emu, &t, reqs).await;
    assert_eq!(r.status, 200);
    assert_eq!(by_id(&r, "1")["status"], 201);
    assert_eq!(by_id(&r, "2")["status"], 400);
    assert_eq!(by_id(&r, "3")["status"], 424);
    assert_eq!(by_id(&r, "4")["status"], 200);
    assert_eq!(
        by_id(&r, "4")["body"]["value"].as_array().unwrap().len(),
        1,
        "ran after 1"
    );
    let r = batch(
        &emu,
        &t,
        vec![
            get_req("1", "/users"),
            json!({"id": "2", "method": "GET", "url": "/users", "dependsOn": ["9"]}),
        ],
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn inner_requests_are_authenticated_and_throttled_individually() {
    let emu = start(EmulatorConfig {
        throttling: ThrottleConfig::scaled(0.002),
        ..sample_config()
    })
    .await; // 7 RU / 10 s
            // No token: every inner request is 401, the batch itself is 200.
    let r = batch(
        &emu,
        "",
        vec![get_req("1", "/users"), get_req("2", "/users")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == 401));
    let t = app_token(&emu).await;
    let reqs: Vec<Value> = (1..=10)
        .map(|i| get_req(&i.to_string(), "/users"))
        .collect(); // 2 RU each
    let r = batch(&emu, &t, reqs).await;
    assert_eq!(r.status, 200);
    let statuses: Vec<u64> = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        7,
        "{statuses:?}"
    );
    let throttled = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == 429)
        .unwrap();
    assert!(
        throttled["headers"]["Retry-After"].is_string(),
        "{throttled}"
    );
    assert_eq!(throttled["body"]["error"]["code"], "TooManyRequests");
    assert_eq!(emu.stats().throttled, 7);
}

#[tokio::test]
async fn inner_requests_wait_latency_concurrently() {
    let latency = Duration::from_millis(200);
    let emu = start(EmulatorConfig {
        latency,
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    let reqs: Vec<Value> = (1..=10)
        .map(|i| get_req(&i.to_string(), "/users?$top=1"))
        .collect();
    let started = Instant::now();
    let r = batch(&emu, &t, reqs).await;
    let took = started.elapsed();
    assert_eq!(r.status, 200);
    assert!(took >= latency * 2, "outer + inner latency: {took:?}");
    assert!(
        took < latency * 6,
        "inner requests run concurrently: {took:?}"
    );
}
