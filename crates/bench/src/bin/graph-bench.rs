//! `graph-bench`: the large-tenant Graph benchmark. Starts the emulator with a per-request latency
//! (also per request inside a `$batch`) and Microsoft's throttling limits, runs the real engine
//! with the real `GraphTarget` in a child process (so its peak RSS is the client's alone; the
//! directory comes from the scenario's LDIF snapshot, so Graph is what is measured), checks the
//! end state, then measures the MSOnline-style baseline on a sample and prints every figure.
//!
//! For the onboarding scenario (`--onboarding --time-scale 10`, issue 18) it also prints the wall
//! time against the write-budget bound, the 429s met, the changes written twice and the ETA's
//! error at each tenth of the apply; `--kills N` and `--cancels N` then stop the client at
//! seeded random points of the apply (SIGKILL, or dropping the run as the window's Cancel does),
//! rerun it on the same tenant and print what each rerun re-read and wrote.

use clap::Parser;
use rand::{Rng, SeedableRng};
use rolesync_ad::snapshot::LdifSource;
use rolesync_bench::baseline::{run_sample, SequentialClient};
use rolesync_bench::measure::{
    entra_config, graph_target, proc_status_kb, process_cpu_ms, run_engine_observed,
};
use rolesync_bench::{
    assignment_pairs, expected_pairs, generate, Scenario, ScenarioSize, APP_ID, APP_SECRET,
};
use rolesync_core::events::{Observer, Step, SyncEvent};
use rolesync_core::report::RunMode;
use rolesync_core::traits::ChangeOutcome;
use rolesync_entra::pacing::Pacing;
use rolesync_entra::ConnectOptions;
use rolesync_entra_emulator::{EmulatorConfig, RunningEmulator, Stats, ThrottleConfig};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The environment variable that hands the emulator's CA file to the client process.
const CA_ENV: &str = "ROLESYNC_BENCH_CA_FILE";

/// The Graph benchmark.
#[derive(Parser, Debug, Clone)]
struct Args {
    /// The scenario's size.
    #[command(flatten)]
    size: ScenarioSize,
    /// Emulated latency per request, ms.
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// Concurrent reads (default: ConnectOptions' default).
    #[arg(long)]
    read_concurrency: Option<usize>,
    /// Concurrent write batches (default: ConnectOptions' default).
    #[arg(long)]
    write_concurrency: Option<usize>,
    /// Look-ups measured for the baseline (grants: 3/4 of it, revokes: 1/4).
    #[arg(long, default_value_t = 200)]
    baseline_sample: usize,
    /// Skip the baseline.
    #[arg(long)]
    no_baseline: bool,
    /// Serve plain HTTP (HTTP/1.1, one connection per request in flight) instead of HTTPS with
    /// HTTP/2 as Microsoft Graph does.
    #[arg(long)]
    plain_http: bool,
    /// Shorten the throttling windows of the emulator and of RoleSync's pacer by this factor
    /// (10: 3,000 writes per 15 s); capacities stay Microsoft's.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// After the measured run: this many rounds that kill the client (SIGKILL) at a seeded
    /// random point of its apply, then rerun it on the same tenant.
    #[arg(long, default_value_t = 0)]
    kills: usize,
    /// After the kills: this many rounds that cancel the run (the engine's future dropped, as the
    /// window's Cancel does) at a seeded random point of the apply, then rerun it.
    #[arg(long, default_value_t = 0)]
    cancels: usize,
    /// Seed of the kill and cancel points.
    #[arg(long, default_value_t = 1)]
    kill_seed: u64,
    /// Internal: the client drops its run once this many changes are finished.
    #[arg(long, hide = true)]
    cancel_after: Option<usize>,
    /// Internal: run as the client process against the emulator at these URLs.
    #[arg(long, hide = true, num_args = 4, value_names = ["LDIF", "TENANT", "LOGIN", "GRAPH"])]
    client: Option<Vec<String>>,
    /// Internal: protected UPNs for the client process.
    #[arg(long, hide = true)]
    protected_upn: Vec<String>,
}

impl Args {
    fn size(&self) -> ScenarioSize {
        self.size.clone()
    }

    fn options(&self) -> ConnectOptions {
        let d = ConnectOptions::default();
        // The production pacing (Microsoft's limits for the smallest tenants, as `rolesync sync`
        // uses), not the 8,000 RU this tenant size would allow.
        ConnectOptions {
            // The emulator's CA, handed over by the parent process (HTTPS runs).
            ca_file: std::env::var_os(CA_ENV).map(std::path::PathBuf::from),
            pacing: Pacing::time_scaled(self.time_scale),
            concurrency: (
                self.read_concurrency.unwrap_or(d.concurrency.0),
                self.write_concurrency.unwrap_or(d.concurrency.1),
            ),
            ..d
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct ClientResult {
    wall_ms: u64,
    cpu_ms: u64,
    ldif_parse_ms: u64,
    peak_rss_kb: u64,
    parse_peak_kb: u64,
    rss_before_sync_kb: u64,
    grants: usize,
    revokes: usize,
    applied: usize,
    failed: usize,
    stops: usize,
    error: Option<String>,
    steps: Vec<String>,
    /// Changes that found their change already made ("already exists" / "not found").
    already_done: usize,
    /// Progress of the apply: every `ApplyProgress` event.
    progress: Vec<Sample>,
    /// When the Entra read finished (ms since the engine started).
    read_entra_ms: Option<u64>,
    /// The run was dropped by `--cancel-after`.
    cancelled: bool,
}

/// One `ApplyProgress` event, as the client saw it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Sample {
    /// Since the engine run started.
    t_ms: u64,
    done: usize,
    total: usize,
    eta_ms: Option<u64>,
    waiting: bool,
}

/// The client's observer: keeps the progress, and cancels the run after N changes.
struct Recorder {
    t0: Instant,
    samples: Mutex<Vec<Sample>>,
    read_entra_ms: Mutex<Option<u64>>,
    cancel_after: Option<usize>,
    cancel: tokio::sync::Notify,
}

impl Observer for Recorder {
    fn event(&self, e: SyncEvent) {
        let t_ms = self.t0.elapsed().as_millis() as u64;
        match e {
            SyncEvent::ApplyProgress {
                done,
                total,
                eta_ms,
                waiting,
            } => {
                if let Ok(mut v) = self.samples.lock() {
                    v.push(Sample {
                        t_ms,
                        done,
                        total,
                        eta_ms,
                        waiting: waiting.is_some(),
                    });
                }
                if self.cancel_after.is_some_and(|n| done >= n) {
                    self.cancel.notify_one();
                }
            }
            SyncEvent::StepFinished {
                step: Step::ReadEntra,
                ..
            } => {
                if let Ok(mut r) = self.read_entra_ms.lock() {
                    *r = Some(t_ms);
                }
            }
            _ => {}
        }
    }
}

/// The client process: parse the LDIF, run the engine once in apply mode, print JSON.
async fn client(a: &Args, c: &[String]) -> anyhow::Result<()> {
    let t = Instant::now();
    let text = std::fs::read_to_string(&c[0])?;
    let source = LdifSource::parse(c[0].clone(), &text)?;
    drop(text);
    let ldif_parse_ms = t.elapsed().as_millis() as u64;
    let parse_peak_kb = proc_status_kb("VmHWM").unwrap_or(0);
    // Reset the peak (Linux >= 4.0) so that VmHWM below covers the sync, not the LDIF parse.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before_sync_kb = proc_status_kb("VmRSS").unwrap_or(0);
    let scenario = Scenario {
        size: a.size(),
        ldif: String::new(),
        tenant: rolesync_entra_emulator::TenantFixture::default(),
        expected: BTreeSet::new(),
        roles: Vec::new(),
        protected: a.protected_upn.clone(),
        desired_users: 0,
        holders: 0,
    };
    let target = graph_target(&entra_config(&c[1], &c[2], &c[3])?, &a.options())?;
    let t = Instant::now();
    let rec = Recorder {
        t0: t,
        samples: Mutex::new(Vec::new()),
        read_entra_ms: Mutex::new(None),
        cancel_after: a.cancel_after,
        cancel: tokio::sync::Notify::new(),
    };
    // The write-ahead audit `rolesync sync` keeps (the app's file journal), one folder per
    // client process next to the LDIF, so that memory and I/O are the product's.
    let logs = std::path::Path::new(&c[0])
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(format!("logs-{}", std::process::id()));
    let journal = rolesync_app::journal::FileJournal::open(&logs)?;
    let cpu0 = process_cpu_ms().unwrap_or(0);
    let run = run_engine_observed(
        &scenario,
        &source,
        &target,
        RunMode::Apply,
        &rec,
        Some(&journal),
    );
    let out = tokio::select! {
        biased;
        _ = rec.cancel.notified() => None,
        out = run => Some(out),
    };
    let wall_ms = t.elapsed().as_millis() as u64;
    let cpu_ms = process_cpu_ms().unwrap_or(0).saturating_sub(cpu0);
    let progress = rec.samples.lock().map(|v| v.clone()).unwrap_or_default();
    let read_entra_ms = rec.read_entra_ms.lock().map(|r| *r).unwrap_or_default();
    let Some(out) = out else {
        let r = ClientResult {
            wall_ms,
            cpu_ms,
            ldif_parse_ms,
            peak_rss_kb: proc_status_kb("VmHWM").unwrap_or(0),
            parse_peak_kb,
            rss_before_sync_kb,
            grants: 0,
            revokes: 0,
            applied: 0,
            failed: 0,
            stops: 0,
            error: None,
            steps: Vec::new(),
            already_done: 0,
            progress,
            read_entra_ms,
            cancelled: true,
        };
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    };
    let plan = out.plan.as_ref();
    let steps: Vec<String> = out
        .report
        .steps
        .iter()
        .map(|st| format!("{} {} ms", st.name, st.duration_ms))
        .collect();
    let r = ClientResult {
        steps,
        wall_ms,
        cpu_ms,
        ldif_parse_ms,
        peak_rss_kb: proc_status_kb("VmHWM").unwrap_or(0),
        parse_peak_kb,
        rss_before_sync_kb,
        grants: plan.map_or(0, |p| p.summary.grants),
        revokes: plan.map_or(0, |p| p.summary.revokes),
        applied: out.applied.len(),
        failed: out
            .applied
            .iter()
            .filter(|x| !x.outcome.succeeded())
            .count(),
        stops: plan.map_or(0, |p| p.stops.len()),
        error: out.report.error.as_ref().map(|e| format!("{e:?}")),
        already_done: out
            .applied
            .iter()
            .filter(|x| x.outcome == ChangeOutcome::AlreadyDone)
            .count(),
        progress,
        read_entra_ms,
        cancelled: false,
    };
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::INFINITY
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    if let Some(c) = &a.client {
        return client(&a, c).await;
    }
    let latency = Duration::from_millis(a.latency_ms);
    let t = Instant::now();
    let s = generate(&a.size());
    eprintln!("scenario generated in {:?}", t.elapsed());
    let dir = std::env::temp_dir().join(format!("rolesync-graph-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ldif = dir.join("directory.ldif");
    std::fs::write(&ldif, &s.ldif)?;
    let start = |tenant| {
        RunningEmulator::start(EmulatorConfig {
            tenant,
            latency,
            tls: !a.plain_http,
            throttling: ThrottleConfig::time_scaled(a.time_scale),
            ..EmulatorConfig::default()
        })
    };

    // 1. RoleSync: the engine + GraphTarget in a child process.
    let emu = start(s.tenant.clone()).await?;
    let t = Instant::now();
    let emu_cpu0 = process_cpu_ms().unwrap_or(0);
    let out = client_command(&a, &s, &emu, &ldif, None)?.output().await?;
    let process_ms = t.elapsed().as_millis();
    // The emulator is this process's only work while the client runs.
    let emu_cpu_ms = process_cpu_ms().unwrap_or(0).saturating_sub(emu_cpu0);
    anyhow::ensure!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: ClientResult = client_result(&out.stdout)?;
    let st = emu.stats();
    let end_ok = assignment_pairs(&emu.snapshot()) == expected_pairs(&s);
    emu.shutdown().await;

    // The minimum: every page a sync must read, one look-up per 15 anchors (the `in` limit),
    // and one $batch per 20 changes.
    let changes = (s.size.grants() + s.size.revokes()) as u64;
    let per_role_pages = |n: usize| (n.max(1)).div_ceil(100) as u64;
    let mut holders_per_role = std::collections::HashMap::<&str, usize>::new();
    for x in &s.tenant.role_assignments {
        *holders_per_role
            .entry(x.role_definition_id.as_str())
            .or_default() += 1;
    }
    let role_pages: u64 = s
        .roles
        .iter()
        .map(|(_, id)| per_role_pages(holders_per_role.get(id.as_str()).copied().unwrap_or(0)))
        .sum();
    let def_pages = 2u64; // 113 built-in roles at the default page size of 100
                          // Per role: active assignments + PIM activations + PIM eligibilities (one page each when empty).
    let read_pages = def_pages
        + role_pages
        + 2 * s.roles.len() as u64
        + (s.desired_users as u64).div_ceil(15)
        + (s.holders as u64).div_ceil(15);
    let min_requests = read_pages + changes.div_ceil(20);

    // The lower bound the model allows: the dependency chain at one latency per step (role
    // definitions → the longest role's pages → the holders' `$batch` (outer + inner) → one wave of
    // write batches (outer + inner)), or the time the throttling buckets need for the resource
    // units and writes beyond their full-bucket burst, whichever is longer.
    let l = latency.as_secs_f64();
    let max_pages = s
        .roles
        .iter()
        .map(|(_, id)| per_role_pages(holders_per_role.get(id.as_str()).copied().unwrap_or(0)))
        .max()
        .unwrap_or(1);
    let chain = (def_pages + max_pages + 2 + 2) as f64 * l;
    let ru_limit = 8_000.0_f64; // per 10 s, tenants over 500 users
    let ru_bound =
        ((st.resource_units as f64 - ru_limit).max(0.0)) / (ru_limit / (10.0 / a.time_scale));
    let w_bound = write_budget_bound(st.writes, a.time_scale);
    let bound = chain.max(ru_bound).max(w_bound);
    let wall = r.wall_ms as f64 / 1000.0;

    println!("== RoleSync engine + GraphTarget (child process) ==");
    println!(
        "scenario: seed {} users {} roles {} memberships {} (distinct desired users {}), grants {} revokes {}, cloud-only {} protected {}, holders before {}",
        s.size.seed, s.size.users, s.size.roles, s.size.memberships, s.desired_users, s.size.grants(), s.size.revokes(), s.size.cloud_only, s.size.protected, s.holders
    );
    println!(
        "latency {} ms, throttling: Microsoft's limits, windows / {} (the pacer's too); concurrency {:?}",
        a.latency_ms,
        a.time_scale,
        a.options().concurrency
    );
    println!(
        "plan: grants {} revokes {} stops {}; applied {} failed {}; error {:?}",
        r.grants, r.revokes, r.stops, r.applied, r.failed, r.error
    );
    println!("end state equals expected: {end_ok}");
    println!("steps: {}", r.steps.join(", "));
    println!(
        "wall time (engine run): {wall:.2} s   (process incl. start + LDIF parse {} ms: {:.2} s)",
        r.ldif_parse_ms,
        process_ms as f64 / 1000.0
    );
    println!(
        "CPU: client {} ms during the engine run; emulator {emu_cpu_ms} ms while the client process ran ({} cores here)",
        r.cpu_ms,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "transport: {}; TCP connections {}",
        if a.plain_http {
            "plain HTTP/1.1"
        } else {
            "HTTPS (HTTP/2 by ALPN)"
        },
        st.connections
    );
    println!(
        "HTTP requests: outer {} + inner (in $batch) {} = {}",
        st.requests,
        st.batch_inner_requests,
        st.requests + st.batch_inner_requests
    );
    println!(
        "resource units: {}   429s: {}   writes: {}   login requests: {}",
        st.resource_units, st.throttled, st.writes, st.login_requests
    );
    println!(
        "peak RSS of the client process (VmHWM): sync {:.1} MB (reset after the LDIF parse; {:.1} MB resident when the sync started, the parsed directory included); LDIF parse {:.1} MB",
        r.peak_rss_kb as f64 / 1024.0,
        r.rss_before_sync_kb as f64 / 1024.0,
        r.parse_peak_kb as f64 / 1024.0
    );
    println!(
        "minimum requests: {read_pages} read pages + {} write batches = {min_requests}",
        changes.div_ceil(20)
    );
    // Comparable count: every read (direct or inside a $batch, envelopes included) and every
    // write $batch envelope; the writes inside batches are what the minimum counts as batches.
    let comparable = st.requests + st.batch_inner_requests - st.writes;
    println!(
        "requests / minimum: {comparable} (outer + inner - inner writes) / {min_requests} = {:.2}x; outer alone {:.2}x",
        ratio(comparable as f64, min_requests as f64),
        ratio(st.requests as f64, min_requests as f64)
    );
    println!(
        "lower bound: max(chain {chain:.2} s = ({def_pages} + {max_pages} + 2 + 2) x {l:.3} s, RU {ru_bound:.2} s, writes {w_bound:.2} s) = {bound:.2} s; wall / bound = {:.2}x",
        ratio(wall, bound)
    );
    budget_figures(&a, &s, &r, &st, end_ok);

    if a.kills + a.cancels > 0 {
        let fresh_reads = st.read_requests;
        stop_rounds(&a, &s, &ldif, fresh_reads, start).await?;
    }
    let _ = std::fs::remove_dir_all(&dir);

    if a.no_baseline {
        return Ok(());
    }
    // 2. The baseline, on a sample, against a fresh emulator with the same tenant.
    let emu = start(s.tenant.clone()).await?;
    let initial = assignment_pairs(&s.tenant);
    let expected = expected_pairs(&s);
    let grants: Vec<(String, String)> = expected.difference(&initial).cloned().collect();
    let revokes: Vec<(String, String)> = initial.difference(&expected).cloned().collect();
    let desired_ids: BTreeSet<&String> = expected.iter().map(|(_, p)| p).collect();
    let anchors: Vec<String> = s
        .tenant
        .users
        .iter()
        .filter(|u| desired_ids.contains(&u.id.to_ascii_lowercase()))
        .filter_map(|u| u.on_premises_immutable_id.clone())
        .collect();
    let mut c = SequentialClient::sign_in(
        &emu.login_base_url(),
        &emu.tenant_id(),
        &emu.graph_base_url(),
        APP_ID,
        APP_SECRET,
        emu.ca_pem_path(),
    )
    .await?;
    let roles: Vec<String> = s.roles.iter().map(|(_, id)| id.clone()).collect();
    let t = Instant::now();
    let b = run_sample(
        &mut c,
        &roles,
        &anchors,
        &grants,
        &revokes,
        a.baseline_sample,
    )
    .await?;
    let sample_wall = t.elapsed().as_secs_f64();
    let bst = emu.stats();
    emu.shutdown().await;
    let lookups = s.desired_users as u64;
    let est = b
        .extrapolate(lookups, grants.len() as u64, revokes.len() as u64)
        .as_secs_f64();
    println!(
        "== Baseline (MSOnline-style: one sequential request per role read, look-up, change) =="
    );
    println!(
        "measured: {} role lists ({} requests, {:.2} s), {} look-ups ({:.2} s), {} grants ({:.2} s), {} revokes ({:.2} s); sample wall {sample_wall:.2} s, {} requests, 429s {}",
        roles.len(), b.role_read_requests, b.role_reads.as_secs_f64(), b.lookups_sampled, b.lookups_time.as_secs_f64(),
        b.grants_sampled, b.grants_time.as_secs_f64(), b.revokes_sampled, b.revokes_time.as_secs_f64(), bst.requests, bst.throttled
    );
    println!(
        "EXTRAPOLATED full baseline: {lookups} look-ups, {} grants, {} revokes -> {est:.1} s, {} requests",
        grants.len(), revokes.len(), b.requests(lookups, grants.len() as u64, revokes.len() as u64)
    );
    println!(
        "speed-up (extrapolated baseline / RoleSync wall): {:.1}x",
        ratio(est, wall)
    );
    Ok(())
}

/// The client's result: the last line it printed (a profiler in front of it may print its own
/// lines first).
fn client_result(stdout: &[u8]) -> anyhow::Result<ClientResult> {
    let text = String::from_utf8_lossy(stdout);
    let last = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("");
    Ok(serde_json::from_str(last)?)
}

/// The client process's command line (the child of this process).
fn client_command(
    a: &Args,
    s: &Scenario,
    emu: &RunningEmulator,
    ldif: &Path,
    cancel_after: Option<usize>,
) -> anyhow::Result<tokio::process::Command> {
    // A memory profiler can be put in front of the client (for example
    // `GRAPH_BENCH_CLIENT_WRAPPER=heaptrack`): the client's peak is what issue 18 measures.
    let wrapper = std::env::var("GRAPH_BENCH_CLIENT_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut cmd = match words.next() {
        Some(program) => {
            let mut cmd = tokio::process::Command::new(program);
            cmd.args(words).arg(std::env::current_exe()?);
            cmd
        }
        None => tokio::process::Command::new(std::env::current_exe()?),
    };
    cmd.arg("--client")
        .arg(ldif)
        .arg(emu.tenant_id())
        .arg(emu.login_base_url())
        .arg(emu.graph_base_url())
        .args(["--users", &s.size.users.to_string()])
        .args(["--time-scale", &a.time_scale.to_string()])
        .kill_on_drop(true);
    if let Some(r) = a.read_concurrency {
        cmd.args(["--read-concurrency", &r.to_string()]);
    }
    if let Some(w) = a.write_concurrency {
        cmd.args(["--write-concurrency", &w.to_string()]);
    }
    if let Some(n) = cancel_after {
        cmd.args(["--cancel-after", &n.to_string()]);
    }
    for p in &s.protected {
        cmd.args(["--protected-upn", p]);
    }
    if let Some(ca) = emu.ca_pem_path() {
        cmd.env(CA_ENV, ca);
    }
    Ok(cmd)
}

/// Microsoft's write budget for one app in one tenant: 3,000 writes per 150 s (a token bucket:
/// the first 3,000 at once, then 20 a second), windows divided by the time scale. The bound is
/// the time the writes beyond the first 3,000 need.
fn write_budget_bound(writes: u64, time_scale: f64) -> f64 {
    (writes as f64 - 3_000.0).max(0.0) / (3_000.0 / (150.0 / time_scale))
}

/// The figures issue 18 asks for: wall time against the write-budget bound, 429s, changes
/// written twice, and the ETA's error at each tenth of the apply.
fn budget_figures(a: &Args, s: &Scenario, r: &ClientResult, st: &Stats, end_ok: bool) {
    let changes = (s.size.grants() + s.size.revokes()) as u64;
    let wall = r.wall_ms as f64 / 1000.0;
    let bound = write_budget_bound(st.writes, a.time_scale);
    let all = st.requests + st.batch_inner_requests;
    println!("== Write budget (issue 18) ==");
    println!(
        "write budget: 3,000 writes per {:.1} s (150 s / {}); bound for {} writes: {bound:.2} s; wall time {wall:.2} s = {:.3}x the bound (target <= 1.1x)",
        150.0 / a.time_scale,
        a.time_scale,
        st.writes,
        ratio(wall, bound)
    );
    if let (Some(first), Some(last)) = (r.progress.first(), r.progress.last()) {
        let apply = (last.t_ms - first.t_ms) as f64 / 1000.0;
        println!(
            "phases: reads and plan {:.2} s, apply {apply:.2} s = {:.3}x the bound",
            first.t_ms as f64 / 1000.0,
            ratio(apply, bound)
        );
    }
    println!(
        "429s: {} of {all} requests (outer + inner) = {:.3} % (target <= 1 %); each honoured: the client waits Retry-After before sending a throttled request again (crates/entra http.rs, batch.rs)",
        st.throttled,
        100.0 * st.throttled as f64 / all.max(1) as f64
    );
    println!(
        "writes: {} requests, {} took effect for {changes} changes; written twice: {} (emulator: redundant writes), {} (client: already-done outcomes); end state exact: {end_ok}",
        st.write_requests, st.writes, st.redundant_writes, r.already_done
    );
    println!(
        "peak RSS of the client process (VmHWM after the LDIF parse): {:.1} MB (target <= 100 MB)",
        r.peak_rss_kb as f64 / 1024.0
    );
    eta_table(r, a.time_scale);
}

/// The ETA's error at the apply's start and at each tenth: estimated against actual time left.
fn eta_table(r: &ClientResult, time_scale: f64) {
    let (Some(first), Some(last)) = (r.progress.first(), r.progress.last()) else {
        return;
    };
    if last.total == 0 {
        return;
    }
    let end = last.t_ms;
    let window_end = first.t_ms + (150_000.0 / time_scale) as u64;
    let budget_done = 3_000.min(last.total);
    println!(
        "ETA (the pacer's estimate in the progress events) against the actual time left; the first budget window ends {:.1} s into the apply, the first 3,000 writes are done at {} %:",
        (window_end - first.t_ms) as f64 / 1000.0,
        budget_done * 100 / last.total
    );
    println!("| done | at (s into apply) | ETA (s) | actual (s) | error |");
    println!("| --- | --- | --- | --- | --- |");
    let mut worst_after_window: f64 = 0.0;
    let mut worst_after_budget: f64 = 0.0;
    for tenth in 0..10usize {
        let want = last.total * tenth / 10;
        let Some(x) = r.progress.iter().find(|x| x.done >= want) else {
            continue;
        };
        let Some(eta) = x.eta_ms else { continue };
        let actual = (end - x.t_ms) as f64 / 1000.0;
        let eta = eta as f64 / 1000.0;
        let err = (eta - actual) / actual.max(1e-3);
        if x.t_ms >= window_end {
            worst_after_window = worst_after_window.max(err.abs());
        }
        if x.done >= budget_done {
            worst_after_budget = worst_after_budget.max(err.abs());
        }
        println!(
            "| {} % ({}) | {:.1} | {eta:.1} | {actual:.1} | {:+.1} % |",
            tenth * 10,
            x.done,
            (x.t_ms - first.t_ms) as f64 / 1000.0,
            100.0 * err
        );
    }
    println!(
        "worst ETA error from the end of the first budget window on: {:.1} %; from the end of the first 3,000 writes on: {:.1} % (target: within +-15 %)",
        100.0 * worst_after_window,
        100.0 * worst_after_budget
    );
    let waiting = r.progress.iter().filter(|x| x.waiting).count();
    println!(
        "progress events: {} ApplyProgress, {waiting} of them with changes waiting for the budget",
        r.progress.len()
    );
}

/// One round of a stopped apply and its rerun.
struct Round {
    how: &'static str,
    at: u64,
    writes_at_stop: u64,
    finished_before: bool,
    rerun: ClientResult,
    rerun_reads: u64,
    rerun_throttled: u64,
    total: Stats,
    converged: bool,
}

/// `--kills` and `--cancels`: stop the apply at seeded random points, rerun, and check.
async fn stop_rounds<F, Fut>(
    a: &Args,
    s: &Scenario,
    ldif: &Path,
    fresh_reads: u64,
    start: F,
) -> anyhow::Result<()>
where
    F: Fn(rolesync_entra_emulator::TenantFixture) -> Fut,
    Fut: std::future::Future<
        Output = Result<RunningEmulator, rolesync_entra_emulator::EmulatorError>,
    >,
{
    let changes = (s.size.grants() + s.size.revokes()) as u64;
    let mut rng = rand::rngs::StdRng::seed_from_u64(a.kill_seed);
    let mut rounds = Vec::new();
    for i in 0..a.kills + a.cancels {
        let kill = i < a.kills;
        let at = rng.gen_range(1..changes);
        let emu = start(s.tenant.clone()).await?;
        let (writes_at_stop, finished_before) = if kill {
            let mut child = client_command(a, s, &emu, ldif, None)?
                .stdout(std::process::Stdio::null())
                .spawn()?;
            // Kill once `at` writes have taken effect (polled: a benchmark's trigger, not a
            // test's synchronisation).
            let finished = loop {
                if emu.stats().writes >= at {
                    child.start_kill()?;
                    break false;
                }
                if child.try_wait()?.is_some() {
                    break true;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            };
            child.wait().await?;
            (emu.stats().writes, finished)
        } else {
            let out = client_command(a, s, &emu, ldif, Some(at as usize))?
                .output()
                .await?;
            anyhow::ensure!(
                out.status.success(),
                "cancelled client failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let r: ClientResult = client_result(&out.stdout)?;
            (emu.stats().writes, !r.cancelled)
        };
        let before = emu.stats();
        let out = client_command(a, s, &emu, ldif, None)?.output().await?;
        anyhow::ensure!(
            out.status.success(),
            "rerun failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rerun: ClientResult = client_result(&out.stdout)?;
        let total = emu.stats();
        let converged = assignment_pairs(&emu.snapshot()) == expected_pairs(s)
            && rerun.error.is_none()
            && rerun.failed == 0;
        emu.shutdown().await;
        let round = Round {
            how: if kill { "kill -9" } else { "cancel" },
            at,
            writes_at_stop,
            finished_before,
            rerun_reads: total.read_requests - before.read_requests,
            rerun_throttled: total.throttled - before.throttled,
            rerun,
            total,
            converged,
        };
        eprintln!(
            "round {}: {} at {} writes: rerun planned {} changes, converged {}",
            i + 1,
            round.how,
            round.at,
            round.rerun.grants + round.rerun.revokes,
            round.converged
        );
        rounds.push(round);
    }
    println!(
        "== Stopped applies and their reruns (seed {}) ==",
        a.kill_seed
    );
    println!("fresh run's reads: {fresh_reads} GET requests (outer + inner)");
    println!("| round | stop | at write | writes made before the stop | rerun: changes planned | rerun: reads (GETs) | vs a fresh run | rerun: read time (s) | rerun: wall (s) | rerun: 429s | write requests in all | took effect | written twice | converged |");
    println!(
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    let mut ok = true;
    let mut worst_writes: f64 = 0.0;
    for (i, r) in rounds.iter().enumerate() {
        let writes_ratio = r.total.write_requests as f64 / changes as f64;
        worst_writes = worst_writes.max(writes_ratio);
        ok &= r.converged && r.total.writes == changes && r.total.redundant_writes == 0;
        println!(
            "| {} | {} | {} | {}{} | {} | {} | {:.3}x | {:.2} | {:.2} | {} | {} ({:.4}x changes) | {} | {} | {} |",
            i + 1,
            r.how,
            r.at,
            r.writes_at_stop,
            if r.finished_before { " (finished first)" } else { "" },
            r.rerun.grants + r.rerun.revokes,
            r.rerun_reads,
            ratio(r.rerun_reads as f64, fresh_reads as f64),
            r.rerun.read_entra_ms.unwrap_or(0) as f64 / 1000.0,
            r.rerun.wall_ms as f64 / 1000.0,
            r.rerun_throttled,
            r.total.write_requests,
            writes_ratio,
            r.total.writes,
            r.total.redundant_writes + r.rerun.already_done as u64,
            r.converged
        );
    }
    println!(
        "every rerun converged with each change made once: {ok}; most write requests in a round: {:.4}x the changes (target <= 1.01x)",
        worst_writes
    );
    Ok(())
}
