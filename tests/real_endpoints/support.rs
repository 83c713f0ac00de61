//! What the tests here share: the `rolesync emulator` process (in a private network namespace
//! under Microsoft's names, or on a loopback port), the configuration an admin writes (from
//! `rolesync config init`), running the binary, and a watchdog so that a hung sign-in fails the
//! test instead of hanging it.

use rolesync_entra_emulator::{read_record, RecordedRequest, TenantFixture};
use rolesync_testkit::in_ci;
use rolesync_testkit::netns::Namespace;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_rolesync");
/// Microsoft's global cloud, as a deployment reaches it.
pub const LOGIN_HOST: &str = "login.microsoftonline.com";
/// Microsoft Graph.
pub const GRAPH_HOST: &str = "graph.microsoft.com";

/// A namespace where Microsoft's login and Graph names resolve to loopback; `None` (reported as
/// SKIPPED) where one cannot be made outside CI.
pub fn microsoft_namespace(tag: &str) -> Option<Namespace> {
    match Namespace::create(tag, &[LOGIN_HOST, GRAPH_HOST], None) {
        Ok(ns) => Some(ns),
        Err(why) => {
            assert!(!in_ci(), "CI=true and no private network namespace: {why}");
            eprintln!("SKIPPED (not in CI): {why}");
            None
        }
    }
}

/// A running `rolesync emulator`, stopped with SIGTERM by its PID when dropped.
pub struct Emulator {
    child: Child,
    /// Tenant id.
    pub tenant: String,
    /// `login_url` as printed (the listen address).
    pub login_url: String,
    /// The CA file to trust (with `--tls`).
    pub ca: Option<PathBuf>,
    /// The request record.
    pub record: PathBuf,
}

impl Emulator {
    /// Starts `cmd` (a `rolesync emulator …` command) with `--record` into `dir`, and waits for
    /// its "ready" line.
    pub fn start(mut cmd: Command, dir: &Path) -> Emulator {
        let record = dir.join("requests.jsonl");
        let mut child = cmd
            .arg("--record")
            .arg(&record)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut seen = HashMap::new();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines {
            let line = line.unwrap();
            if line.starts_with("ready") {
                break;
            }
            if let Some((k, v)) = line.split_once(' ') {
                seen.insert(k.to_owned(), v.trim().to_owned());
            }
        }
        assert!(
            seen.contains_key("tenant"),
            "the emulator did not start: {seen:?}"
        );
        Emulator {
            child,
            tenant: seen["tenant"].clone(),
            login_url: seen["login_url"].clone(),
            ca: seen.get("ca_file").map(PathBuf::from),
            record,
        }
    }

    /// Starts the emulator inside `ns` on 127.0.0.1:443 with a certificate for Microsoft's
    /// names, serving `tenant` (written to `dir`).
    pub fn as_microsoft(ns: &Namespace, tenant: &TenantFixture, dir: &Path) -> Emulator {
        let file = dir.join("tenant.json");
        std::fs::write(&file, serde_json::to_string(tenant).unwrap()).unwrap();
        let mut cmd = ns.command(BIN);
        cmd.args(["emulator", "--listen", "127.0.0.1:443", "--tls"])
            .args(["--hostname", LOGIN_HOST, "--hostname", GRAPH_HOST])
            .arg("--tenant")
            .arg(&file);
        Emulator::start(cmd, dir)
    }

    /// Every request served so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        read_record(&self.record).unwrap_or_default()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

pub use rolesync_testkit::run_with_limit;

/// The environment of one admin's RoleSync: its own home folder and keyring entries.
pub struct Admin {
    /// `ROLESYNC_HOME`.
    pub home: tempfile::TempDir,
    /// Keyring service name (kernel keyring).
    pub service: String,
}

impl Admin {
    /// A fresh admin environment.
    pub fn new(tag: &str) -> Admin {
        Admin {
            home: tempfile::tempdir().unwrap(),
            service: format!("rolesync-test-{tag}-{}", std::process::id()),
        }
    }

    /// `cmd` with this admin's environment.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("ROLESYNC_HOME", self.home.path())
            .env("ROLESYNC_KEYRING_SERVICE", &self.service)
            .env("ROLESYNC_KEYRING_BACKEND", "kernel")
            .env_remove("ROLESYNC_CONFIG");
    }

    /// `rolesync config init`, then what an admin fills in: the tenant, the app registration and
    /// its sign-in, the directory (the demo's `ldifde` export here), the PIM mapping and the
    /// break-glass accounts — and `ca_file` for the test CA. No endpoint URL.
    pub fn write_config(&self, fill: impl FnOnce(&mut toml_edit::DocumentMut)) -> PathBuf {
        let mut init = Command::new(BIN);
        init.args(["config", "init"]);
        self.env(&mut init);
        let out = init.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = self.home.path().join("rolesync.toml");
        let mut doc: toml_edit::DocumentMut =
            std::fs::read_to_string(&file).unwrap().parse().unwrap();
        fill(&mut doc);
        std::fs::write(&file, doc.to_string()).unwrap();
        file
    }

    /// Runs `rolesync ARGS` in `ns` (or on this host) with this admin's environment.
    pub fn run(&self, ns: Option<&Namespace>, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let mut cmd = match ns {
            Some(ns) => ns.command(BIN),
            None => Command::new(BIN),
        };
        cmd.args(args);
        self.env(&mut cmd);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        run_with_limit(cmd, Duration::from_secs(120))
    }
}

/// The demo directory export and the demo's policy as an admin writes them in the file.
pub fn demo_directory(doc: &mut toml_edit::DocumentMut) {
    use toml_edit::{value, Array, ArrayOfTables, Table};
    let dir = doc["directory"].as_table_mut().unwrap();
    for k in [
        "domain",
        "url",
        "bind",
        "base_dn",
        "start_tls",
        "ca_file",
        "allow_insecure",
    ] {
        dir.remove(k);
    }
    dir["ldif"] = value(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/demo/data/directory.ldif"
    ));
    dir["ou"] = value(rolesync_demo::OU);
    let mut protected = Array::new();
    protected.push("svc-monitor@contoso.com");
    protected.push("breakglass@contoso.onmicrosoft.com");
    doc["safety"]["protected"] = value(protected);
    let mut pim = Table::new();
    pim["group"] = value("Security Reader");
    pim["kind"] = value("eligible");
    let mut maps = ArrayOfTables::new();
    maps.push(pim);
    doc["mappings"] = toml_edit::Item::ArrayOfTables(maps);
}

/// Text of an output stream.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
