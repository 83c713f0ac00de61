//! Crash resilience of the `rolesync` binary: `rolesync emulator` serves a generated tenant as a
//! separate process, `rolesync sync` is killed with SIGKILL at random points (20 times, fresh
//! tenant each time), and a rerun must converge to the expected assignments.

#![allow(clippy::unwrap_used)]

use rolesync_bench::baseline::SequentialClient;
use rolesync_bench::{config_toml, expected_pairs, generate, ScenarioSize, APP_ID, APP_SECRET};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_rolesync");

struct Emulator {
    child: Child,
    tenant: String,
    login: String,
    graph: String,
}

impl Emulator {
    fn start(tenant_file: &std::path::Path, latency_ms: u64) -> Emulator {
        Emulator::start_with(tenant_file, latency_ms, &[])
    }

    /// [`Emulator::start`] with further `rolesync emulator` arguments.
    fn start_with(tenant_file: &std::path::Path, latency_ms: u64, extra: &[&str]) -> Emulator {
        let mut child = Command::new(BIN)
            .args(["emulator", "--listen", "127.0.0.1:0", "--latency-ms"])
            .arg(latency_ms.to_string())
            .arg("--tenant")
            .arg(tenant_file)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut seen = std::collections::HashMap::new();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref().take(20) {
            let line = line.unwrap();
            if line.starts_with("ready") {
                break;
            }
            if let Some((k, v)) = line.split_once(' ') {
                seen.insert(k.to_string(), v.trim().to_string());
            }
        }
        Emulator {
            child,
            tenant: seen["tenant"].clone(),
            login: seen["login_url"].clone(),
            graph: seen["graph_url"].clone(),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sync(dir: &std::path::Path, service: &str) -> Command {
    let mut c = Command::new(BIN);
    c.args(["sync", "--config"])
        .arg(dir.join("rolesync.toml"))
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env("ROLESYNC_KEYRING_SERVICE", service)
        .env("ROLESYNC_HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

async fn assignments(e: &Emulator, roles: &[(String, String)]) -> BTreeSet<(String, String)> {
    let mut c = SequentialClient::sign_in(&e.login, &e.tenant, &e.graph, APP_ID, APP_SECRET, None)
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    for (_, id) in roles {
        let (m, _) = c.role_members(id).await.unwrap();
        out.extend(m.into_keys().map(|p| (id.to_ascii_lowercase(), p)));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_killed_at_random_points_converges_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&ScenarioSize {
        changes: 400,
        memberships: 600,
        users: 1_000,
        roles: 10,
        ..ScenarioSize::small(11)
    });
    std::fs::write(dir.path().join("directory.ldif"), &s.ldif).unwrap();
    let tenant_file = dir.path().join("tenant.json");
    std::fs::write(&tenant_file, s.tenant.to_json_pretty()).unwrap();
    let service = format!("rolesync-resilience-{}", std::process::id());
    set_credential(dir.path(), &service, "office365", APP_ID, APP_SECRET);

    // A fixed pseudo-random sequence of kill delays (xorshift), 0.2–1.2 s after the start: some
    // land while reading, many during apply (40 ms a request, 20 write batches in flight
    // together, most changes waiting on the emulator's latency when the kill lands).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut killed_mid_apply = 0;
    let mut finished_before_kill = 0;
    for round in 0..20 {
        let emu = Emulator::start(&tenant_file, 40);
        let ldif = dir.path().join("directory.ldif");
        std::fs::write(
            dir.path().join("rolesync.toml"),
            config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph),
        )
        .unwrap();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = Duration::from_millis(200 + x % 1_000);
        let mut child = sync(dir.path(), &service).spawn().unwrap();
        tokio::time::sleep(delay).await;
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let partial = assignments(&emu, &s.roles).await;
        if partial != expected_pairs(&s) && !finished {
            killed_mid_apply += 1;
        }
        if finished {
            finished_before_kill += 1;
        }
        let rerun = sync(dir.path(), &service).status().unwrap();
        assert_eq!(
            rerun.code(),
            Some(0),
            "round {round}: rerun after a kill at {delay:?}"
        );
        let got = assignments(&emu, &s.roles).await;
        assert_eq!(
            got,
            expected_pairs(&s),
            "round {round}: killed at {delay:?}"
        );
    }
    let _ = Command::new(BIN)
        .args(["credentials", "forget", "office365"])
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env("ROLESYNC_KEYRING_SERVICE", &service)
        .status();
    eprintln!(
        "{killed_mid_apply} of 20 kills left the tenant short of the end state; {finished_before_kill} runs had finished before the kill"
    );
    assert!(
        killed_mid_apply >= 5,
        "only {killed_mid_apply} kills left a partial state"
    );
}

/// Issue 18: an apply longer than one write-budget window (4,000 changes; Graph lets an app make
/// 3,000 writes per 150 s), with the emulator's windows and the client's pacing both halved
/// (`--time-scale 2`, `ROLESYNC_GRAPH_TIME_SCALE=2`: 3,000 writes per 75 s, then 40 a second;
/// not shorter, so that a debug build writes faster than the budget refills and spends it).
/// Without a terminal the sync prints plain progress lines; it is killed (SIGKILL) when one says
/// it is waiting for Graph's write budget — the first window's writes spent, changes left. The rerun
/// must converge, and the emulator's record must show every change written exactly once over
/// both runs (a throttled request, 429, did not reach the change).
#[test]
fn sync_killed_in_a_later_write_budget_window_resumes_without_writing_a_change_twice() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&ScenarioSize {
        users: 10_000,
        roles: 10,
        memberships: 6_000,
        changes: 4_000,
        grant_count: Some(3_800),
        ..ScenarioSize::small(18)
    });
    let changes = s.size.grants() + s.size.revokes();
    let ldif = dir.path().join("directory.ldif");
    std::fs::write(&ldif, &s.ldif).unwrap();
    let tenant_file = dir.path().join("tenant.json");
    std::fs::write(&tenant_file, s.tenant.to_json_pretty()).unwrap();
    let record = dir.path().join("requests.jsonl");
    let record_arg = record.to_string_lossy().into_owned();
    let emu = Emulator::start_with(
        &tenant_file,
        0,
        &["--time-scale", "2", "--record", &record_arg],
    );
    std::fs::write(
        dir.path().join("rolesync.toml"),
        config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph),
    )
    .unwrap();
    let service = format!("rolesync-resume-{}", std::process::id());
    set_credential(dir.path(), &service, "office365", APP_ID, APP_SECRET);
    let sync = || {
        let mut c = sync(dir.path(), &service);
        c.env("ROLESYNC_GRAPH_TIME_SCALE", "2")
            .stderr(Stdio::piped());
        c
    };

    // First run: read its console until a progress line says the budget holds changes back.
    let mut child = sync().spawn().unwrap();
    let mut seen = Vec::new();
    let mut killed_at = None;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("apply: ") {
            seen.push(line.clone());
        }
        if line.contains("waiting for Graph's write budget, resumes in ") {
            child.kill().unwrap(); // SIGKILL
            killed_at = Some(line);
            break;
        }
    }
    let status = child.wait().unwrap();
    let killed_at = killed_at.unwrap_or_else(|| {
        panic!("no progress line said the sync waits for the write budget ({status}): {seen:#?}")
    });
    // "apply: 3,360 of 4,000 changes (84 %), waiting … resumes in 1 s; about 16 s left"
    let done: usize = killed_at
        .split("apply: ")
        .nth(1)
        .and_then(|t| t.split(" of ").next())
        .map(|n| n.replace(',', "").parse().unwrap())
        .unwrap();
    // The line itself says the first window's 3,000 writes are spent; changes are left.
    assert!(
        (1..changes).contains(&done),
        "killed after {done} of {changes} changes: {killed_at}"
    );
    assert!(killed_at.contains("of 4,000 changes"), "{killed_at}");
    let partial = assignments_blocking(&emu, &s.roles);
    assert_ne!(partial, expected_pairs(&s), "the kill left nothing to do");
    let lines_at_kill = std::fs::read_to_string(&record).unwrap().lines().count();

    // The rerun, right after: the budget is still spent at the emulator.
    let rerun = sync().output().unwrap();
    assert_eq!(
        rerun.status.code(),
        Some(0),
        "rerun: {}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(assignments_blocking(&emu, &s.roles), expected_pairs(&s));

    // Every change written once: grants by (role, principal) — a direct assignment or a PIM
    // `adminAssign` request, whichever the role's settings call for — revokes by assignment.
    let requests = rolesync_entra_emulator::read_record(&record).unwrap();
    let mut writes: std::collections::HashMap<String, usize> = Default::default();
    let mut throttled = 0;
    for r in &requests {
        let path = r.path.trim_end_matches('/');
        let key = match r.method.as_str() {
            "POST"
                if path.ends_with("/roleManagement/directory/roleAssignments")
                    || path
                        .ends_with("/roleManagement/directory/roleAssignmentScheduleRequests") =>
            {
                let b = r.body.as_ref().unwrap();
                format!("grant {} {}", b["roleDefinitionId"], b["principalId"])
            }
            "DELETE" if path.contains("/roleManagement/directory/roleAssignments/") => {
                format!("revoke {path}")
            }
            _ => continue,
        };
        if r.status == 429 {
            throttled += 1;
            continue;
        }
        *writes.entry(key).or_default() += 1;
    }
    let twice: Vec<_> = writes.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "changes written twice: {twice:?}");
    assert_eq!(writes.len(), changes, "distinct changes written");
    let rerun = &requests[lines_at_kill..];
    let rerun_gets = rerun
        .iter()
        .filter(|r| r.api == "graph" && r.method == "GET")
        .count();
    let rerun_writes = rerun
        .iter()
        .filter(|r| r.api == "graph" && r.method != "GET" && !r.path.ends_with("$batch"))
        .count();
    let _ = Command::new(BIN)
        .args(["credentials", "forget", "office365"])
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env("ROLESYNC_KEYRING_SERVICE", &service)
        .status();
    eprintln!(
        "killed after {done} of {changes} changes; the rerun sent {rerun_writes} writes and {rerun_gets} reads; 429s over both runs: {throttled}"
    );
}

/// [`assignments`] from a test without a runtime.
fn assignments_blocking(e: &Emulator, roles: &[(String, String)]) -> BTreeSet<(String, String)> {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(assignments(e, roles))
}

fn set_credential(home: &std::path::Path, service: &str, name: &str, account: &str, secret: &str) {
    rolesync_testkit::save_credential(
        std::path::Path::new(BIN),
        home,
        service,
        name,
        account,
        secret,
    );
}

/// An "LDAP server" that accepts a connection, takes the first request and goes away: the
/// directory read fails part-way, so nothing may be applied (exit 4, `readDirectory` failed).
#[test]
fn ldap_server_gone_mid_read_applies_nothing_and_exits_4() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&ScenarioSize::small(5));
    let tenant_file = dir.path().join("tenant.json");
    std::fs::write(&tenant_file, s.tenant.to_json_pretty()).unwrap();
    let emu = Emulator::start(&tenant_file, 0);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // Bounded: at most 4 connections (the client may retry), then stop listening.
        listener.set_nonblocking(false).unwrap();
        for conn in listener.incoming().take(4) {
            let Ok(mut c) = conn else { break };
            let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 512];
            let _ = c.read(&mut buf);
            drop(c);
        }
    });
    let config = config_toml(&s, "unused.ldif", &emu.login, &emu.graph).replace(
        "[directory]\nldif = \"unused.ldif\"\n",
        &format!("[directory]\nurl = \"ldap://127.0.0.1:{port}\"\nallow_insecure = true\nbind = \"svc-rolesync@contoso.com\"\nbase_dn = \"DC=contoso,DC=com\"\n"),
    );
    std::fs::write(dir.path().join("rolesync.toml"), config).unwrap();
    let service = format!("rolesync-ldap-gone-{}", std::process::id());
    set_credential(dir.path(), &service, "office365", APP_ID, APP_SECRET);
    set_credential(
        dir.path(),
        &service,
        "ldap",
        "svc-rolesync@contoso.com",
        "Passw0rd!",
    );
    let out = Command::new(BIN)
        .args(["--json", "sync", "--config"])
        .arg(dir.path().join("rolesync.toml"))
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env("ROLESYNC_KEYRING_SERVICE", &service)
        .env("ROLESYNC_HOME", dir.path())
        .output()
        .unwrap();
    for name in ["office365", "ldap"] {
        let _ = Command::new(BIN)
            .args(["credentials", "forget", name])
            .env("ROLESYNC_KEYRING_BACKEND", "kernel")
            .env("ROLESYNC_KEYRING_SERVICE", &service)
            .status();
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // The report's step list (at the top level or under `report`).
    fn failed_read(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(m) => {
                (m.get("step").is_some_and(|s| s == "readDirectory")
                    && m.get("status").is_some_and(|s| s == "failed"))
                    || m.values().any(failed_read)
            }
            serde_json::Value::Array(a) => a.iter().any(failed_read),
            _ => false,
        }
    }
    assert!(failed_read(&report), "{report:#}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let now = rt.block_on(assignments(&emu, &s.roles));
    assert_eq!(
        now,
        rolesync_bench::assignment_pairs(&s.tenant),
        "nothing applied"
    );
    drop(emu);
    // Unblock the server if the client connected fewer than 4 times.
    for _ in 0..4 {
        let _ = std::net::TcpStream::connect(("127.0.0.1", port));
    }
    server.join().unwrap();
}

/// A relay between `rolesync` and a DC: forwards TCP both ways (the LDAPS bytes pass through
/// untouched, so the client verifies the DC's certificate as usual) and counts the bytes the DC
/// sends. Armed with a byte count, it kills the DC by PID (SIGKILL) as soon as the DC has sent
/// that many bytes, drops what it was about to forward, and closes both sides: the client's
/// read fails at a point fixed by the traffic, not by timing.
struct KillingRelay {
    port: u16,
    state: std::sync::Arc<RelayState>,
    accept: Option<std::thread::JoinHandle<()>>,
}

struct RelayState {
    upstream: std::net::SocketAddr,
    dc_pid: u32,
    from_dc: std::sync::atomic::AtomicU64,
    kill_after: std::sync::atomic::AtomicU64,
    killed: std::sync::atomic::AtomicBool,
    stop: std::sync::atomic::AtomicBool,
}

impl KillingRelay {
    fn start(upstream: std::net::SocketAddr, dc_pid: u32) -> KillingRelay {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(RelayState {
            upstream,
            dc_pid,
            from_dc: AtomicU64::new(0),
            kill_after: AtomicU64::new(u64::MAX),
            killed: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let st = state.clone();
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = std::net::TcpStream::connect(st.upstream) else {
                    // The DC is gone: the client sees the connection closed.
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let (mut from, mut to) = (c2, s2);
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                    let _ = from.shutdown(std::net::Shutdown::Both);
                });
                let st = st.clone();
                std::thread::spawn(move || relay_from_dc(&st, server, client));
            }
        });
        KillingRelay {
            port,
            state,
            accept: Some(accept),
        }
    }

    /// Kills the DC once it has sent `bytes` more bytes (counted from now).
    fn arm(&self, bytes: u64) {
        use std::sync::atomic::Ordering;
        self.state.from_dc.store(0, Ordering::SeqCst);
        self.state.kill_after.store(bytes, Ordering::SeqCst);
    }

    fn bytes_from_dc(&self) -> u64 {
        self.state.from_dc.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn killed(&self) -> bool {
        self.state.killed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn relay_from_dc(
    st: &RelayState,
    mut server: std::net::TcpStream,
    mut client: std::net::TcpStream,
) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let total = st.from_dc.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
        if total >= st.kill_after.load(Ordering::SeqCst) {
            if !st.killed.swap(true, Ordering::SeqCst) {
                // Stop the DC by its PID, then let the client see the connection end.
                let killed = Command::new("kill")
                    .args(["-KILL", &st.dc_pid.to_string()])
                    .status()
                    .unwrap();
                assert!(killed.success(), "kill -KILL {}", st.dc_pid);
            }
            break;
        }
        if client.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
    let _ = server.shutdown(std::net::Shutdown::Both);
}

impl Drop for KillingRelay {
    fn drop(&mut self) {
        self.state
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so that it sees `stop`.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// The steps of a `--json` run's report that failed.
fn failed_steps(v: &serde_json::Value) -> Vec<String> {
    v["report"]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter(|s| s["status"] == "failed")
                .filter_map(|s| s["step"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// (d) with a real LDAP server: a Samba AD DC of its own (the test fixture, 3,000-member role
/// group included; on 127.0.0.4) is stopped by PID while `rolesync sync` is reading the
/// directory. `rolesync` talks LDAPS to the DC through [`KillingRelay`]; a first run
/// (`rolesync plan`) with the relay disarmed reads everything, plans a change (a stale synced
/// holder to revoke) and tells how many bytes a whole read takes; the relay is then armed at
/// half of that, which is past the TLS handshake, the bind and the group search, in the middle of
/// the member reads. The sync must exit 4, name `readDirectory` as the failed step with a
/// reading error, and leave the tenant exactly as it was (no write).
#[test]
fn ldap_server_stopped_mid_read_applies_nothing_and_exits_4() {
    use rolesync_entra_emulator::{
        demo_tenant, EmulatorConfig, FixtureRoleAssignment, FixtureUser, RunningEmulator,
        DEMO_APP_ID, DEMO_APP_SECRET,
    };
    use rolesync_testkit::run_rolesync;
    use rolesync_testkit::samba::{dc::Dc, fixture};

    let Some(dc) = Dc::start("127.0.0.4") else {
        return;
    };
    let dc_pid = dc.pid().unwrap();
    let relay = KillingRelay::start("127.0.0.4:636".parse().unwrap(), dc_pid);

    // A tenant with one stale synced holder of a mapped role: a full read plans its revoke.
    const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
    const STALE: &str = "eeeeeeee-2222-4000-8000-000000000001";
    let mut tenant = demo_tenant();
    tenant.users.clear();
    tenant.role_assignments.clear();
    tenant.role_eligibilities.clear();
    tenant.role_activations.clear();
    tenant.users.push(FixtureUser {
        id: STALE.into(),
        user_principal_name: "stale.helpdesk@contoso.test".into(),
        display_name: "Stale Helpdesk".into(),
        account_enabled: true,
        on_premises_sync_enabled: Some(true),
        on_premises_immutable_id: Some("c3RhbGUtaGVscGRlc2stYW5jaG9y".into()),
        ..FixtureUser::default()
    });
    tenant.role_assignments.push(FixtureRoleAssignment {
        id: None,
        principal_id: STALE.into(),
        role_definition_id: HELPDESK.into(),
        directory_scope_id: "/".into(),
        ..Default::default()
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt
        .block_on(RunningEmulator::start(EmulatorConfig {
            tenant,
            ..EmulatorConfig::default()
        }))
        .unwrap();
    let before = assignment_set(&emu.snapshot());

    let home = tempfile::tempdir().unwrap();
    let service = format!("rolesync-ldap-stopped-{}", std::process::id());
    let run = |args: &[&str], stdin: Option<&str>| {
        run_rolesync(Path::new(BIN), home.path(), &service, args, stdin)
    };
    std::fs::write(
        home.path().join("rolesync.toml"),
        format!(
            "[directory]\nurl = \"ldaps://127.0.0.1:{}\"\nca_file = {:?}\nbind = {:?}\nbase_dn = {:?}\nou = {:?}\n\n[entra]\ntenant = {:?}\nclient_id = {DEMO_APP_ID:?}\nsign_in = \"secret\"\nlogin_url = {:?}\ngraph_url = {:?}\n",
            relay.port,
            dc.ca_file().display().to_string(),
            fixture::ADMIN_UPN,
            fixture::BASE,
            fixture::ROLES_OU,
            emu.tenant_id(),
            emu.login_base_url(),
            emu.graph_base_url(),
        ),
    )
    .unwrap();
    for (name, account, secret) in [
        ("ldap", fixture::ADMIN_UPN, fixture::ADMIN_PASS),
        ("office365", DEMO_APP_ID, DEMO_APP_SECRET),
    ] {
        set_credential(home.path(), &service, name, account, secret);
    }

    // Disarmed: the whole read passes through the relay; the plan has the revoke.
    let out = run(&["plan", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(
        v["plan"]["summary"]["revokes"], 1,
        "{:#}",
        v["plan"]["summary"]
    );
    let whole_read = relay.bytes_from_dc();
    assert!(
        whole_read > 100_000,
        "a whole read of the fixture is {whole_read} bytes from the DC"
    );

    // Armed: the DC dies half-way through the read.
    relay.arm(whole_read / 2);
    let out = run(&["sync", "--json"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    eprintln!(
        "a whole read: {whole_read} bytes from the DC; stopped after {}; the error: {}",
        whole_read / 2,
        v["report"]["error"]
    );
    assert!(relay.killed(), "the relay never stopped the DC");
    let stat = std::fs::read_to_string(format!("/proc/{dc_pid}/stat")).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.split(") ").nth(1).is_some_and(|s| s.starts_with('Z')),
        "the DC (pid {dc_pid}) still runs: {stat}"
    );
    assert_eq!(out.status.code(), Some(4), "{v:#}\n{stderr}");
    assert_eq!(v["report"]["outcome"], "readFailed", "{v:#}");
    assert_eq!(failed_steps(&v), ["readDirectory"], "{v:#}");
    let error = v["report"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("127.0.0.1") && error.contains("reading"),
        "the error names the server and the read: {error}"
    );
    assert!(v["plan"].is_null(), "nothing was planned: {:#}", v["plan"]);
    assert_eq!(emu.stats().writes, 0, "nothing was applied");
    assert_eq!(
        assignment_set(&emu.snapshot()),
        before,
        "the tenant is unchanged"
    );

    for name in ["ldap", "office365"] {
        let _ = run(&["credentials", "forget", name], None);
    }
    drop(relay);
    rt.block_on(emu.shutdown());
    drop(dc);
}

fn assignment_set(t: &rolesync_entra_emulator::TenantFixture) -> BTreeSet<(String, String)> {
    t.role_assignments
        .iter()
        .map(|a| {
            (
                a.role_definition_id.to_lowercase(),
                a.principal_id.to_lowercase(),
            )
        })
        .collect()
}
