//! Crash resilience of the `rolesync` binary: `rolesync emulator` serves a generated tenant as a
//! separate process, `rolesync sync` is killed with SIGKILL at random points (20 times, fresh
//! tenant each time), and a rerun must converge to the expected assignments.

#![allow(clippy::unwrap_used)]

use rolesync_bench::baseline::SequentialClient;
use rolesync_bench::{config_toml, expected_pairs, generate, ScenarioSize, APP_ID, APP_SECRET};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
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
        let mut child = Command::new(BIN)
            .args(["emulator", "--listen", "127.0.0.1:0", "--latency-ms"])
            .arg(latency_ms.to_string())
            .arg("--tenant")
            .arg(tenant_file)
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
    let mut c = SequentialClient::sign_in(&e.login, &e.tenant, &e.graph, APP_ID, APP_SECRET)
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
    let mut set = Command::new(BIN)
        .args([
            "credentials",
            "set",
            "office365",
            "--account",
            APP_ID,
            "--secret-stdin",
        ])
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env("ROLESYNC_KEYRING_SERVICE", &service)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = set.stdin.take().unwrap();
        writeln!(stdin, "{APP_SECRET}").unwrap();
    }
    assert!(set.wait().unwrap().success());

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

fn set_credential(service: &str, name: &str, account: &str, secret: &str) {
    use std::io::Write;
    let mut set = Command::new(BIN)
        .args([
            "credentials",
            "set",
            name,
            "--account",
            account,
            "--secret-stdin",
        ])
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env("ROLESYNC_KEYRING_SERVICE", service)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(set.stdin.take().unwrap(), "{secret}").unwrap();
    assert!(set.wait().unwrap().success());
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
    set_credential(&service, "office365", APP_ID, APP_SECRET);
    set_credential(&service, "ldap", "svc-rolesync@contoso.com", "Passw0rd!");
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
