//! Seeded fault injection: determinism, faults before a write, drops after a commit.

use rolesync_entra_emulator::{EmulatorConfig, FaultConfig, RunningEmulator};

use crate::support::*;

async fn statuses(emu: &RunningEmulator, n: usize) -> Vec<String> {
    let t = app_token(emu).await;
    let mut out = Vec::new();
    for _ in 0..n {
        let url = format!("{}/users?$top=1", emu.graph_base_url());
        match client().get(url).bearer_auth(&t).send().await {
            Ok(r) => {
                let s = r.status().as_u16();
                if s == 429 || s == 503 {
                    assert_eq!(
                        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
                        Some("1"),
                        "{s}"
                    );
                }
                out.push(s.to_string());
            }
            Err(_) => out.push("drop".to_owned()),
        }
    }
    out
}

fn cfg(seed: u64) -> EmulatorConfig {
    let faults = FaultConfig {
        seed,
        rate_429: 0.2,
        rate_500: 0.1,
        rate_503: 0.1,
        rate_504: 0.1,
        rate_drop: 0.1,
        ..FaultConfig::default()
    };
    EmulatorConfig {
        faults,
        ..sample_config()
    }
}

#[tokio::test]
async fn faults_are_deterministic_by_seed() {
    let a = start(cfg(7)).await;
    let b = start(cfg(7)).await;
    let c = start(cfg(8)).await;
    let sa = statuses(&a, 60).await;
    let sb = statuses(&b, 60).await;
    let sc = statuses(&c, 60).await;
    assert_eq!(sa, sb);
    assert_ne!(sa, sc);
    for kind in ["200", "429", "500", "503", "504", "drop"] {
        assert!(sa.contains(&kind.to_owned()), "{kind} missing in {sa:?}");
    }
    assert!(a.stats().faults_injected > 10);
}

#[tokio::test]
async fn a_429_or_503_fault_does_not_apply_the_write() {
    for faults in [
        FaultConfig {
            rate_429: 1.0,
            ..FaultConfig::default()
        },
        FaultConfig {
            rate_503: 1.0,
            ..FaultConfig::default()
        },
    ] {
        let emu = start(EmulatorConfig {
            faults,
            ..sample_config()
        })
        .await;
        let t = app_token(&emu).await;
        let r = graph(
            &emu,
            &t,
            "POST",
            "/roleManagement/directory/roleAssignments",
            Some(role_assignment_body(GA, &user_id(2))),
        )
        .await;
        assert!(r.status == 429 || r.status == 503, "{}", r.status);
        assert!(r.header("retry-after").is_some());
        assert!(emu
            .snapshot()
            .role_assignments
            .iter()
            .all(|a| a.role_definition_id != GA));
        // Inside a batch the outer request is 200 and each inner request gets the fault.
        let b = serde_json::json!({"requests": [
            {"id": "1", "method": "POST", "url": "/roleManagement/directory/roleAssignments",
             "headers": {"Content-Type": "application/json"}, "body": role_assignment_body(GA, &user_id(3))},
            {"id": "2", "method": "GET", "url": "/users"}]});
        let r = graph(&emu, &t, "POST", "/$batch", Some(b)).await;
        assert_eq!(r.status, 200);
        for x in r.body["responses"].as_array().unwrap() {
            assert!(x["status"] == 429 || x["status"] == 503, "{x}");
        }
        assert_eq!(emu.stats().writes, 0);
    }
}

#[tokio::test]
async fn dropped_connections_close_without_a_response() {
    let emu = start(EmulatorConfig {
        faults: FaultConfig {
            rate_drop: 1.0,
            ..FaultConfig::default()
        },
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await; // login is never faulted
    let e = client()
        .get(format!("{}/users", emu.graph_base_url()))
        .bearer_auth(&t)
        .send()
        .await;
    assert!(
        e.is_err(),
        "expected a transport error, got {:?}",
        e.map(|r| r.status())
    );
    // The server is still there.
    assert_eq!(
        token_request(&emu, SAMPLE_TENANT, &[("grant_type", "client_credentials")])
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn drop_after_commit_applies_the_write_then_retry_sees_a_conflict() {
    let emu = start(EmulatorConfig {
        faults: FaultConfig {
            rate_drop_after_commit: 1.0,
            ..FaultConfig::default()
        },
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    let url = format!(
        "{}/roleManagement/directory/roleAssignments",
        emu.graph_base_url()
    );
    let first = client()
        .post(&url)
        .bearer_auth(&t)
        .json(&role_assignment_body(GA, &user_id(2)))
        .send()
        .await;
    assert!(first.is_err(), "connection dropped after commit");
    assert_eq!(
        emu.snapshot()
            .role_assignments
            .iter()
            .filter(|a| a.role_definition_id == GA)
            .count(),
        1,
        "write applied"
    );
    // The client's retry: the emulator now answers with the duplicate error (and the drop,
    // which applies only to writes that took effect, does not happen).
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(GA, &user_id(2))),
    )
    .await;
    assert_eq!(r.status, 400);
    // Reads are unaffected.
    assert_eq!(get(&emu, &t, "/users?$top=1").await.status, 200);
    assert_eq!(emu.stats().writes, 1);

    let emu = start(EmulatorConfig {
        faults: FaultConfig {
            rate_504_after_commit: 1.0,
            ..FaultConfig::default()
        },
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    let r = graph(
        &emu,
        &t,
        "POST",
        "/roleManagement/directory/roleAssignments",
        Some(role_assignment_body(GA, &user_id(2))),
    )
    .await;
    assert_eq!(r.status, 504);
    assert_eq!(
        emu.snapshot()
            .role_assignments
            .iter()
            .filter(|a| a.role_definition_id == GA)
            .count(),
        1
    );
}
