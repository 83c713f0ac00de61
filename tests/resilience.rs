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
        .args(["credentials", "set", "office365", "--account", APP_ID, "--secret-stdin"])
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

    // A fixed pseudo-random sequence of kill delays (xorshift), 0–1.2 s after the start: some
    // land while reading, most during apply (20 ms a request, 20 write batches).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut killed_mid_apply = 0;
    for round in 0..20 {
        let emu = Emulator::start(&tenant_file, 20);
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
        let rerun = sync(dir.path(), &service).status().unwrap();
        assert_eq!(rerun.code(), Some(0), "round {round}: rerun after a kill at {delay:?}");
        let got = assignments(&emu, &s.roles).await;
        assert_eq!(got, expected_pairs(&s), "round {round}: killed at {delay:?}");
    }
    let _ = Command::new(BIN)
        .args(["credentials", "forget", "office365"])
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env("ROLESYNC_KEYRING_SERVICE", &service)
        .status();
    assert!(killed_mid_apply >= 5, "only {killed_mid_apply} kills left a partial state");
}
