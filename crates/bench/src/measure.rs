//! Running the real engine and Graph client against an emulator, and reading the figures a
//! benchmark reports (peak RSS from `/proc/self/status`).

use crate::{policy, Scenario, APP_ID, APP_SECRET};
use rolesync_ad::snapshot::LdifSource;
use rolesync_core::engine::{Engine, RunOptions, RunOutput};
use rolesync_core::events::{Observer, SyncEvent};
use rolesync_core::journal::Journal;
use rolesync_core::report::RunMode;
use rolesync_entra::auth::{DeviceCodePrompt, Interaction};
use rolesync_entra::{ConnectOptions, GraphTarget, Sensitive};
use rolesync_entra::{EntraConfig, SignIn};
use std::sync::Arc;
use url::Url;

/// An observer that ignores events.
pub struct Quiet;

impl Observer for Quiet {
    fn event(&self, _e: SyncEvent) {}
}

/// No browser: app-only sign-in never needs one.
pub struct NoInteraction;

#[async_trait::async_trait]
impl Interaction for NoInteraction {
    async fn open_browser(&self, _url: &str) -> Result<(), String> {
        Err("app-only sign-in opens no browser".into())
    }

    fn show_device_code(&self, _prompt: &DeviceCodePrompt) {}
}

/// The `[entra]` section for an emulator at these base URLs.
pub fn entra_config(tenant: &str, login_url: &str, graph_url: &str) -> anyhow::Result<EntraConfig> {
    Ok(EntraConfig {
        tenant: tenant.to_owned(),
        client_id: APP_ID.to_owned(),
        sign_in: SignIn::Secret,
        certificate: None,
        certificate_thumbprint: None,
        username: None,
        login_url: Url::parse(login_url)?,
        graph_url: Url::parse(graph_url)?,
    })
}

/// The real Graph target, signed in with the demo app's secret.
pub fn graph_target(cfg: &EntraConfig, opts: &ConnectOptions) -> anyhow::Result<GraphTarget> {
    GraphTarget::from_config(
        cfg,
        Some(Sensitive::from(APP_SECRET)),
        Arc::new(NoInteraction),
        opts,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Runs the engine once over the scenario's LDIF.
pub async fn run_engine(
    scenario: &Scenario,
    source: &LdifSource,
    target: &GraphTarget,
    mode: RunMode,
) -> RunOutput {
    run_engine_observed(scenario, source, target, mode, &Quiet, None).await
}

/// [`run_engine`] with an observer of the progress events and, as `rolesync sync` has one, a
/// write-ahead journal (without one the engine keeps every record in memory).
pub async fn run_engine_observed(
    scenario: &Scenario,
    source: &LdifSource,
    target: &GraphTarget,
    mode: RunMode,
    observer: &dyn Observer,
    journal: Option<&dyn Journal>,
) -> RunOutput {
    let policy = policy(scenario);
    let engine = Engine {
        source,
        target,
        policy: &policy,
        transitive: true,
        journal,
    };
    let opts = RunOptions {
        mode,
        force: false,
        run_id: "bench".into(),
        deadline: None,
    };
    engine.run(&opts, observer).await
}

/// A field of `/proc/self/status` in kB (`VmHWM` is the peak resident set size).
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// CPU time (user + system) this process has used so far, in ms, from `/proc/self/stat`
/// (clock ticks of 10 ms).
pub fn process_cpu_ms() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are
    // the state (3), ..., utime (14) and stime (15).
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10)
}
