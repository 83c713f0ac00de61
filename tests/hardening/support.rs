//! What the hardening tests share: an admin's folder with a configuration, running the binary
//! with a time limit, a recording `rolesync emulator`, and a hostile Graph on loopback that signs
//! RoleSync in and then answers as a test needs.

use rolesync_entra_emulator::{read_record, RecordedRequest, DEMO_APP_ID, DEMO_APP_SECRET};
use rolesync_testkit::hostile::{HostileServer, Reply, Request};
use rolesync_testkit::run_with_limit;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_rolesync");
/// The demo tenant's id.
pub const TENANT: &str = "8f3c1d2e-5a6b-4c7d-9e8f-0a1b2c3d4e5f";
/// The demo directory export.
pub const DEMO_LDIF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/demo/data/directory.ldif"
);
/// The demo's role OU.
pub const OU: &str = "OU=Office 365 Roles Management,DC=contoso,DC=com";

/// One admin's RoleSync: a home folder and keyring entries of its own.
pub struct Home {
    /// `ROLESYNC_HOME`.
    pub dir: tempfile::TempDir,
    service: String,
}

impl Home {
    /// A fresh home.
    pub fn new(tag: &str) -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
            service: format!("rolesync-hardening-{tag}-{}", std::process::id()),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `rolesync.toml`.
    pub fn config(&self, text: &str) -> PathBuf {
        let p = self.path().join("rolesync.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Saves the app's client secret (`office365`).
    pub fn save_secret(&self, secret: &str) {
        rolesync_testkit::save_credential(
            Path::new(BIN),
            self.path(),
            &self.service,
            "office365",
            DEMO_APP_ID,
            secret,
        );
    }

    /// Saves any credential.
    pub fn save(&self, name: &str, account: &str, secret: &str) {
        rolesync_testkit::save_credential(
            Path::new(BIN),
            self.path(),
            &self.service,
            name,
            account,
            secret,
        );
    }

    /// A command with this home's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("ROLESYNC_HOME", self.path())
            .env("ROLESYNC_KEYRING_SERVICE", &self.service)
            .env("ROLESYNC_KEYRING_BACKEND", "kernel")
            .env_remove("ROLESYNC_CONFIG");
        c
    }

    /// Runs `rolesync ARGS` (two minutes at most).
    pub fn run(&self, args: &[&str]) -> Out {
        Out(run_with_limit(self.command(args), Duration::from_secs(120)))
    }

    /// Every file under the home, as text (for "nothing secret anywhere").
    pub fn all_files_text(&self) -> String {
        rolesync_testkit::files_under(self.path())
            .iter()
            .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The audit file's complete lines, parsed (read while a sync writes it, the last line may
    /// not be finished yet: only lines ended by a newline count).
    pub fn audit(&self) -> Vec<serde_json::Value> {
        let text =
            std::fs::read_to_string(self.path().join("logs/audit.jsonl")).unwrap_or_default();
        let complete = text.rsplit_once('\n').map_or("", |(whole, _)| whole);
        complete
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// A finished run.
pub struct Out(pub Output);

impl Out {
    /// The exit code.
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    /// Standard output.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    /// Standard error.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Both.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout(), self.stderr())
    }
}

/// `[directory]` from the demo export, the demo's PIM mapping, no protected accounts.
pub fn directory_section() -> String {
    format!("[directory]\nldif = {DEMO_LDIF:?}\nou = {OU:?}\n\n[[mappings]]\ngroup = \"Security Reader\"\nkind = \"eligible\"\n\n")
}

/// A configuration with the demo directory and an `[entra]` on `base` (login and Graph).
pub fn config_on(base: &str, extra: &str) -> String {
    format!(
        "{}[entra]\ntenant = {TENANT:?}\nclient_id = {DEMO_APP_ID:?}\nsign_in = \"secret\"\nlogin_url = {base:?}\ngraph_url = {base:?}\n{extra}",
        directory_section()
    )
}

/// A hostile Graph: answers the token request, then `graph` for everything under `/v1.0`.
pub fn hostile_graph(graph: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> HostileServer {
    HostileServer::http(move |r| {
        if r.target.contains("/oauth2/v2.0/token") {
            Reply::Json(
                serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "hostile.token.value"}),
            )
        } else {
            graph(r)
        }
    })
}

/// A role definition as Graph lists it.
pub fn role_json(id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "displayName": name, "isBuiltIn": true, "isEnabled": true, "templateId": id, "rolePermissions": []})
}

/// A recording `rolesync emulator` on a loopback port, stopped by PID when dropped.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl Emulator {
    /// Starts it with these extra arguments (`--tenant FILE`, `--latency-ms N`).
    pub fn start(args: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("requests.jsonl");
        let mut child = Command::new(BIN)
            .args(["emulator", "--listen", "127.0.0.1:0", "--record"])
            .arg(&record)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut seen = HashMap::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if line.starts_with("ready") {
                break;
            }
            if let Some((k, v)) = line.split_once(' ') {
                seen.insert(k.to_owned(), v.trim().to_owned());
            }
        }
        Emulator {
            child,
            base: seen["login_url"].clone(),
            record,
            _dir: dir,
        }
    }

    /// The requests served so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        read_record(&self.record).unwrap_or_default()
    }

    /// Graph writes that took effect (inside `$batch`es or not).
    pub fn committed_writes(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.api == "graph" && r.method != "GET" && r.path != "/v1.0/$batch")
            .filter(|r| (200..300).contains(&r.status))
            .collect()
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

/// The demo's secret, saved, and a configuration on the emulator.
pub fn demo_home(tag: &str, emu: &Emulator, extra: &str) -> Home {
    let home = Home::new(tag);
    home.config(&config_on(&emu.base, extra));
    home.save_secret(DEMO_APP_SECRET);
    home
}
