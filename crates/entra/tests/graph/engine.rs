use crate::common::*;
use rolesync_core::engine::{Engine, RunOptions, RunOutput};
use rolesync_core::events::{Observer, SyncEvent};
use rolesync_core::memory::MemoryTarget;
use rolesync_core::plan::Plan;
use rolesync_core::report::RunMode;
use rolesync_core::traits::{ChangeOutcome, RoleTarget};

pub struct Quiet;
impl Observer for Quiet {
    fn event(&self, _e: SyncEvent) {}
}

pub async fn run(target: &dyn RoleTarget, mode: RunMode) -> RunOutput {
    let source = rolesync_demo::directory();
    let policy = rolesync_demo::policy();
    let engine = Engine {
        source: &source,
        target,
        policy: &policy,
        transitive: true,
        journal: None,
    };
    let opts = RunOptions {
        mode,
        force: false,
        run_id: "test".into(),
        deadline: None,
    };
    engine.run(&opts, &Quiet).await
}

/// The plan's decisions without opaque ids: per role, each grant/revoke as (action, kind, user,
/// reason), plus the unchanged, skipped and untouched lists.
pub fn decisions(p: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for r in &p.roles {
        for c in r.grants.iter().chain(&r.revokes) {
            out.push(format!(
                "{} {:?} {:?} {} {:?}",
                r.role_name, c.action, c.kind, c.user, c.reason
            ));
        }
        for u in &r.unchanged {
            out.push(format!("{} unchanged {u}", r.role_name));
        }
        for s in &r.skipped {
            out.push(format!("{} skipped {} {:?}", r.role_name, s.user, s.reason));
        }
        for u in &r.untouched {
            out.push(format!(
                "{} untouched {} {:?} {:?}",
                r.role_name, u.principal, u.kind, u.reason
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn demo_sync_matches_the_in_memory_tenant_and_converges() {
    let emu = start(config(false)).await;
    let graph = app_target(&emu, &options(&emu));
    let memory = MemoryTarget::new(rolesync_demo::initial_tenant());

    let on_graph = run(&graph, RunMode::Plan).await;
    let in_memory = run(&memory, RunMode::Plan).await;
    let (gp, mp) = (on_graph.plan.unwrap(), in_memory.plan.unwrap());
    assert_eq!(decisions(&gp), decisions(&mp));
    assert_eq!(gp.summary, mp.summary);
    assert!(
        gp.summary.grants > 0 && gp.summary.revokes > 0,
        "{:?}",
        gp.summary
    );
    assert!(gp.stops.is_empty(), "{:?}", gp.stops);

    let before = emu.stats().writes;
    let applied = run(&graph, RunMode::Apply).await;
    assert!(
        applied
            .applied
            .iter()
            .all(|a| a.outcome == ChangeOutcome::Done),
        "{:?}",
        applied.applied
    );
    assert_eq!(
        applied.applied.len(),
        gp.summary.grants + gp.summary.revokes
    );
    assert_eq!(
        (emu.stats().writes - before) as usize,
        applied.applied.len()
    );

    let second = run(&graph, RunMode::Apply).await;
    let p = second.plan.unwrap();
    assert_eq!(
        p.summary.grants + p.summary.revokes,
        0,
        "{:?}",
        decisions(&p)
    );
    assert!(second.applied.is_empty());
    assert_eq!(
        (emu.stats().writes - before) as usize,
        applied.applied.len()
    );
}
