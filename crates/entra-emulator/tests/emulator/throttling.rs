//! Throttling with scaled-down limits: costs, headers and 429s.

use rolesync_entra_emulator::{EmulatorConfig, ThrottleConfig};

use crate::support::*;

#[tokio::test]
async fn resource_units_run_out_and_429_carries_the_headers() {
    let emu = start(EmulatorConfig {
        throttling: ThrottleConfig::scaled(0.001),
        ..sample_config()
    })
    .await; // 3 RU / 10 s
    let t = app_token(&emu).await;
    let r = get(&emu, &t, "/roleManagement/directory/roleDefinitions").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("1"));
    assert!(
        r.header("x-ms-throttle-limit-percentage").is_none(),
        "only above 0.8"
    );
    let r = get(&emu, &t, "/users").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("2"));
    assert_eq!(
        r.header("x-ms-throttle-limit-percentage").as_deref(),
        Some("1.0")
    );
    let r = get(&emu, &t, "/users").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.error_code(), "TooManyRequests");
    assert_eq!(r.error_message(), "Please retry again later.");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    assert_eq!(
        r.header("x-ms-throttle-scope").unwrap(),
        format!("Tenant_Application/ReadWrite/{SYNC_APP}/{SAMPLE_TENANT}")
    );
    assert_eq!(
        r.header("x-ms-throttle-information").as_deref(),
        Some("ResourceUnitLimitExceeded")
    );
    // Another app has its own bucket.
    let other = app_token_for(&emu, READER_APP, "reader-secret").await;
    assert_eq!(get(&emu, &other, "/users").await.status, 200);
    let s = emu.stats();
    assert_eq!(s.throttled, 1);
    assert_eq!(s.resource_units, 5);
}

#[tokio::test]
async fn writes_have_their_own_limit() {
    let emu = start(EmulatorConfig {
        throttling: ThrottleConfig::scaled(0.002),
        ..sample_config()
    })
    .await; // 7 RU, 6 writes
    let t = app_token(&emu).await;
    let mut statuses = Vec::new();
    let mut info = None;
    for n in 1..=7 {
        let r = graph(
            &emu,
            &t,
            "POST",
            "/roleManagement/directory/roleAssignments",
            Some(role_assignment_body(SEC_READER, &user_id(n))),
        )
        .await;
        statuses.push(r.status);
        if r.status == 429 {
            info = r.header("x-ms-throttle-information");
        }
    }
    assert_eq!(statuses, vec![201, 201, 201, 201, 201, 201, 429]);
    assert_eq!(info.as_deref(), Some("WriteLimitExceeded"));
    assert_eq!(emu.stats().writes, 6);
    assert_eq!(
        emu.snapshot()
            .role_assignments
            .iter()
            .filter(|a| a.role_definition_id == SEC_READER)
            .count(),
        6,
        "throttled write not applied"
    );
}

#[tokio::test]
async fn documented_limits_do_not_throttle_normal_use_and_can_be_disabled() {
    let emu = start_sample().await;
    let t = app_token(&emu).await;
    for _ in 0..30 {
        assert_eq!(get(&emu, &t, "/users").await.status, 200);
    }
    let emu = start(EmulatorConfig {
        throttling: ThrottleConfig {
            enabled: false,
            scale: 0.0001,
            ..ThrottleConfig::default()
        },
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    for _ in 0..10 {
        assert_eq!(get(&emu, &t, "/users").await.status, 200);
    }
    assert_eq!(emu.stats().throttled, 0);
}

#[tokio::test]
async fn a_time_scale_shortens_the_windows_and_the_retry_after() {
    // 3 RU per 10 s with the windows divided by 10: 3 RU per second. The same requests as
    // above meet the same limit, but the budget is back ten times sooner.
    let emu = start(EmulatorConfig {
        throttling: ThrottleConfig {
            time_scale: 10.0,
            ..ThrottleConfig::scaled(0.001)
        },
        ..sample_config()
    })
    .await;
    let t = app_token(&emu).await;
    assert_eq!(
        get(&emu, &t, "/roleManagement/directory/roleDefinitions")
            .await
            .status,
        200
    );
    assert_eq!(get(&emu, &t, "/users").await.status, 200);
    let r = get(&emu, &t, "/users").await;
    assert_eq!(r.status, 429);
    // 2 RU at 3 RU a second: 0.7 s, rounded up to whole seconds (unscaled: 7 s).
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    emu.shutdown().await;
}
