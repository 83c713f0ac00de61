//! The resilience suite: the real engine and Graph client against the emulator with injected
//! faults, and the safety stops. Bounded: fixed seeds, fixed run counts, small scenarios.

#![allow(clippy::unwrap_used)]

mod fuzz;

use rolesync_ad::snapshot::LdifSource;
use rolesync_bench::measure::{entra_config, graph_target, run_engine};
use rolesync_bench::{assignment_pairs, expected_pairs, generate, ScenarioSize};
use rolesync_core::report::RunMode;
use rolesync_entra::http::RetryPolicy;
use rolesync_entra::pacing::Pacing;
use rolesync_entra::ConnectOptions;
use rolesync_entra_emulator::{EmulatorConfig, FaultConfig, RunningEmulator, ThrottleConfig};
use std::time::Duration;

fn options() -> ConnectOptions {
    ConnectOptions {
        pacing: Pacing::disabled(),
        retry: RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(2),
            max_total: Duration::from_secs(60),
        },
        timeout: Duration::from_secs(10),
        ..ConnectOptions::default()
    }
}

/// 20 % of requests fail: 429, 500, 503, 504, dropped connections, and (for writes) a dropped
/// connection or a 504 after the change was committed.
fn faults(seed: u64) -> FaultConfig {
    FaultConfig {
        seed,
        rate_429: 0.04,
        rate_500: 0.03,
        rate_503: 0.03,
        rate_504: 0.03,
        rate_drop: 0.03,
        rate_drop_after_commit: 0.02,
        rate_504_after_commit: 0.02,
    }
}

/// One seed: sync until a plan has nothing left to do (at most 6 runs), then compare.
async fn converge(seed: u64) -> Result<(), String> {
    let s = generate(&ScenarioSize::small(seed));
    let emu = RunningEmulator::start(EmulatorConfig {
        tenant: s.tenant.clone(),
        throttling: ThrottleConfig::disabled(),
        faults: faults(seed),
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let source = LdifSource::parse("scenario", &s.ldif).map_err(|e| e.to_string())?;
    let cfg = entra_config(
        &emu.tenant_id(),
        &emu.login_base_url(),
        &emu.graph_base_url(),
    )
    .map_err(|e| e.to_string())?;
    let target = graph_target(&cfg, &options()).map_err(|e| e.to_string())?;
    let mut converged = false;
    for _ in 0..6 {
        let out = run_engine(&s, &source, &target, RunMode::Apply).await;
        if let Some(p) = &out.plan {
            if !p.stops.is_empty() {
                return Err(format!("seed {seed}: safety stop {:?}", p.stops));
            }
            if out.report.error.is_none() && p.summary.grants + p.summary.revokes == 0 {
                converged = true;
                break;
            }
        }
    }
    let st = emu.stats();
    let got = assignment_pairs(&emu.snapshot());
    emu.shutdown().await;
    if !converged {
        return Err(format!("seed {seed}: no convergence in 6 runs"));
    }
    let want = expected_pairs(&s);
    if got != want {
        return Err(format!(
            "seed {seed}: end state differs from the expected assignments: missing {:?}, extra {:?}",
            want.difference(&got).collect::<Vec<_>>(),
            got.difference(&want).collect::<Vec<_>>()
        ));
    }
    let changes = (s.size.grants() + s.size.revokes()) as u64;
    if st.writes != changes {
        return Err(format!(
            "seed {seed}: {} writes took effect for {changes} changes (a change made twice or lost): {st:?}",
            st.writes
        ));
    }
    if st.faults_injected == 0 {
        return Err(format!("seed {seed}: no fault was injected"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_seeded_runs_under_20_percent_faults_converge_exactly_once() {
    use futures::StreamExt;
    let failures: Vec<String> = futures::stream::iter(1..=50u64)
        .map(converge)
        .buffer_unordered(10)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await;
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn an_emptied_role_group_stops_the_run_with_exit_3_and_changes_nothing() {
    let s = generate(&ScenarioSize::small(7));
    let role = &s.roles[0].0;
    // Empty the role group and both groups nested in it.
    let mut ldif = String::new();
    let mut in_group = false;
    for line in s.ldif.lines() {
        if let Some(dn) = line.strip_prefix("dn: ") {
            in_group = dn.starts_with(&format!("CN={role},"))
                || dn.starts_with(&format!("CN={role} Team"));
        }
        if in_group && line.starts_with("member: ") {
            continue;
        }
        ldif.push_str(line);
        ldif.push('\n');
    }
    let emu = RunningEmulator::start(EmulatorConfig {
        tenant: s.tenant.clone(),
        throttling: ThrottleConfig::disabled(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let source = LdifSource::parse("emptied", &ldif).unwrap();
    let cfg = entra_config(
        &emu.tenant_id(),
        &emu.login_base_url(),
        &emu.graph_base_url(),
    )
    .unwrap();
    let target = graph_target(&cfg, &options()).unwrap();
    let out = run_engine(&s, &source, &target, RunMode::Apply).await;
    assert_eq!(out.report.exit_code, 3, "{:?}", out.report.stops);
    assert!(!out.report.stops.is_empty());
    assert!(out.applied.is_empty());
    assert_eq!(emu.stats().writes, 0);
    assert_eq!(
        assignment_pairs(&emu.snapshot()),
        assignment_pairs(&s.tenant)
    );
    emu.shutdown().await;
}

#[test]
fn the_generator_is_deterministic_and_consistent() {
    let a = generate(&ScenarioSize::small(3));
    let b = generate(&ScenarioSize::small(3));
    assert_eq!(a.ldif, b.ldif);
    assert_eq!(a.tenant, b.tenant);
    assert_eq!(a.expected, b.expected);
    let before = assignment_pairs(&a.tenant);
    let after = expected_pairs(&a);
    assert_eq!(after.difference(&before).count(), a.size.grants());
    assert_eq!(before.difference(&after).count(), a.size.revokes());
    assert_ne!(generate(&ScenarioSize::small(4)).ldif, a.ldif);
}
