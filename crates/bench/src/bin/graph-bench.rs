//! `graph-bench`: the large-tenant Graph benchmark. Starts the emulator with a per-request latency
//! (also per request inside a `$batch`) and Microsoft's throttling limits, runs the real engine
//! with the real `GraphTarget` in a child process (so its peak RSS is the client's alone; the
//! directory comes from the scenario's LDIF snapshot, so Graph is what is measured), checks the
//! end state, then measures the MSOnline-style baseline on a sample and prints every figure.

use clap::Parser;
use rolesync_ad::snapshot::LdifSource;
use rolesync_bench::baseline::{run_sample, SequentialClient};
use rolesync_bench::measure::{
    entra_config, graph_target, proc_status_kb, process_cpu_ms, run_engine,
};
use rolesync_bench::{
    assignment_pairs, expected_pairs, generate, Scenario, ScenarioSize, APP_ID, APP_SECRET,
};
use rolesync_core::report::RunMode;
use rolesync_entra::ConnectOptions;
use rolesync_entra_emulator::{EmulatorConfig, RunningEmulator, ThrottleConfig};
use std::collections::BTreeSet;
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
    let cpu0 = process_cpu_ms().unwrap_or(0);
    let out = run_engine(&scenario, &source, &target, RunMode::Apply).await;
    let wall_ms = t.elapsed().as_millis() as u64;
    let cpu_ms = process_cpu_ms().unwrap_or(0).saturating_sub(cpu0);
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
            throttling: ThrottleConfig::default(),
            ..EmulatorConfig::default()
        })
    };

    // 1. RoleSync: the engine + GraphTarget in a child process.
    let emu = start(s.tenant.clone()).await?;
    let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
    cmd.arg("--client")
        .arg(&ldif)
        .arg(emu.tenant_id())
        .arg(emu.login_base_url())
        .arg(emu.graph_base_url())
        .args(["--users", &a.size.users.to_string()]);
    if let Some(r) = a.read_concurrency {
        cmd.args(["--read-concurrency", &r.to_string()]);
    }
    if let Some(w) = a.write_concurrency {
        cmd.args(["--write-concurrency", &w.to_string()]);
    }
    for p in &s.protected {
        cmd.args(["--protected-upn", p]);
    }
    if let Some(ca) = emu.ca_pem_path() {
        cmd.env(CA_ENV, ca);
    }
    let t = Instant::now();
    let emu_cpu0 = process_cpu_ms().unwrap_or(0);
    let out = cmd.output().await?;
    let process_ms = t.elapsed().as_millis();
    // The emulator is this process's only work while the client runs.
    let emu_cpu_ms = process_cpu_ms().unwrap_or(0).saturating_sub(emu_cpu0);
    anyhow::ensure!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: ClientResult = serde_json::from_slice(&out.stdout)?;
    let st = emu.stats();
    let end_ok = assignment_pairs(&emu.snapshot()) == expected_pairs(&s);
    emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);

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
    let ru_bound = ((st.resource_units as f64 - ru_limit).max(0.0)) / (ru_limit / 10.0);
    let w_bound = ((st.writes as f64 - 3_000.0).max(0.0)) / (3_000.0 / 150.0);
    let bound = chain.max(ru_bound).max(w_bound);
    let wall = r.wall_ms as f64 / 1000.0;

    println!("== RoleSync engine + GraphTarget (child process) ==");
    println!(
        "scenario: seed {} users {} roles {} memberships {} (distinct desired users {}), grants {} revokes {}, holders before {}",
        a.size.seed, a.size.users, a.size.roles, a.size.memberships, s.desired_users, s.size.grants(), s.size.revokes(), s.holders
    );
    println!(
        "latency {} ms, throttling: Microsoft's limits; concurrency {:?}",
        a.latency_ms,
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
