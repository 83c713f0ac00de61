use crate::common::*;
use crate::engine::{decisions, run};
use rolesync_core::report::RunMode;
use rolesync_core::traits::ChangeOutcome;
use rolesync_entra::pacing::Pacing;
use rolesync_entra_emulator::{FaultConfig, ThrottleConfig};

#[tokio::test]
async fn converges_under_injected_faults_without_double_writes() {
    // The reference end state: a clean emulator after one sync.
    let clean = start(config(false)).await;
    let t = app_target(&clean, &options(&clean));
    let reference = run(&t, RunMode::Apply).await;
    let planned = reference.applied.len();
    let expected = clean.snapshot();

    let mut c = config(false);
    c.faults = FaultConfig {
        seed: 42,
        rate_429: 0.05,
        rate_500: 0.04,
        rate_503: 0.04,
        rate_504: 0.03,
        rate_drop: 0.04,
        rate_drop_after_commit: 0.03,
        rate_504_after_commit: 0.03,
    };
    let emu = start(c).await;
    let t = app_target(&emu, &options(&emu));
    let mut runs = 0;
    loop {
        runs += 1;
        let out = run(&t, RunMode::Apply).await;
        if let Some(p) = &out.plan {
            if p.summary.grants + p.summary.revokes == 0 {
                break;
            }
        }
        assert!(runs < 4, "no convergence: {:?}", out.report.error);
        for a in &out.applied {
            assert!(a.outcome.succeeded() || matches!(a.outcome, ChangeOutcome::Failed { .. }));
        }
    }
    let s = emu.stats();
    assert!(s.faults_injected > 0, "{s:?}");
    let mut got = emu.snapshot();
    let mut want = expected;
    for f in [&mut got, &mut want] {
        f.role_assignments.iter_mut().for_each(|a| a.id = None);
        f.role_eligibilities.iter_mut().for_each(|e| e.id = None);
        f.role_assignments.sort_by(|a, b| {
            (&a.role_definition_id, &a.principal_id).cmp(&(&b.role_definition_id, &b.principal_id))
        });
        f.role_eligibilities.sort_by(|a, b| {
            (&a.role_definition_id, &a.principal_id).cmp(&(&b.role_definition_id, &b.principal_id))
        });
        f.role_eligibilities.iter_mut().for_each(|e| {
            e.start_date_time = None;
            e.end_date_time = None;
        });
        f.role_activations.iter_mut().for_each(|e| {
            e.id = None;
            e.start_date_time = None;
            e.end_date_time = None;
        });
    }
    assert_eq!(got.role_assignments, want.role_assignments);
    assert_eq!(got.role_eligibilities, want.role_eligibilities);
    assert_eq!(
        s.writes as usize, planned,
        "every change applied exactly once: {s:?}"
    );
}

#[tokio::test]
async fn pacing_keeps_a_scaled_sync_free_of_429() {
    // Limits scaled to 2 %: 70 resource units per 10 s, 60 writes per 150 s.
    let scale = 0.02;
    let mut c = config(false);
    c.throttling = ThrottleConfig::scaled(scale);
    let emu = start(c).await;
    let mut opts = options(&emu);
    opts.pacing = Pacing::scaled(scale);
    let t = app_target(&emu, &opts);
    let plan = run(&t, RunMode::Plan).await;
    let applied = run(&t, RunMode::Apply).await;
    assert!(applied
        .applied
        .iter()
        .all(|a| a.outcome == ChangeOutcome::Done));
    let again = run(&t, RunMode::Plan).await;
    assert_eq!(again.plan.unwrap().summary.grants, 0);
    let s = emu.stats();
    assert_eq!(s.throttled, 0, "paced client met no 429: {s:?}");
    assert!(
        s.resource_units > 70,
        "the runs needed more than one window: {s:?}"
    );
    let _ = decisions(&plan.plan.unwrap());
}
