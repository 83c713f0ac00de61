//! Test support shared by RoleSync's test suites: a real SMTP server process on loopback
//! (Python `aiosmtpd`, `smtp_server.py`) started and stopped by PID, a throwaway test PKI, and a
//! real Samba AD domain controller on loopback ([`samba`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod hostile;
pub mod netns;
pub mod samba;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether the tests run in CI, where a missing real component must fail, not skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}
/// A Python with aiosmtpd (`ROLESYNC_TEST_PYTHON`, Debian's, or the one on PATH).
pub fn python() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("ROLESYNC_TEST_PYTHON") {
        candidates.push(p.into());
    }
    candidates.push("/usr/bin/python3".into());
    candidates.push("python3".into());
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A running SMTP server; dropping it stops the process.
pub struct SmtpServer {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    out: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts the server; `None` (a skip) when aiosmtpd is missing outside CI.
    pub fn start(args: &[&std::ffi::OsStr]) -> Option<SmtpServer> {
        let Some(py) = python() else {
            assert!(
                !in_ci(),
                "CI=true and no Python with aiosmtpd: run scripts/install-deps.sh --test"
            );
            eprintln!(
                "SKIPPED (not in CI): no Python with aiosmtpd (apt install python3-aiosmtpd)"
            );
            return None;
        };
        let out = tempfile::tempdir().unwrap();
        // The server's own log (tracebacks of sessions a test aborts on purpose) stays out of
        // the test output; it is printed when a test fails while the server runs.
        let server_log = std::fs::File::create(out.path().join("server.log")).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp_server.py");
        let mut child = Command::new(py)
            .arg(script)
            .arg(out.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(server_log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the SMTP server did not start");
            }
        };
        let port = match line.trim().strip_prefix("READY ").map(str::parse::<u16>) {
            Some(Ok(p)) => p,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the SMTP server did not start: {line:?}");
            }
        };
        Some(SmtpServer { child, port, out })
    }

    /// The messages received so far: raw bytes and envelope.
    pub fn received(&self) -> Vec<(Vec<u8>, serde_json::Value)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let raw = std::fs::read(&p).unwrap();
                let env = std::fs::read_to_string(p.with_extension("json")).unwrap();
                (raw, serde_json::from_str(&env).unwrap())
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.out.path().join("server.log"));
            eprintln!("--- SMTP server log ---\n{}", log.unwrap_or_default());
        }
        // Stop the server we started, by its PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test CA and a server certificate for `localhost`, written as PEM files.
pub struct TestPki {
    dir: tempfile::TempDir,
}

impl TestPki {
    /// Generates the CA and the certificate.
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "RoleSync Test CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = leaf.signed_by(&key, &ca_cert, &ca_key).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
        Self { dir }
    }
    /// `ca.pem`, `server.pem` or `server.key`.
    pub fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// `rolesync credentials set NAME --account ACCOUNT --secret-stdin` as [`run_rolesync`] runs it;
/// panics with the command's standard error when it fails.
pub fn save_credential(
    exe: &Path,
    home: &Path,
    keyring_service: &str,
    name: &str,
    account: &str,
    secret: &str,
) {
    let out = run_rolesync(
        exe,
        home,
        keyring_service,
        &[
            "credentials",
            "set",
            name,
            "--account",
            account,
            "--secret-stdin",
        ],
        Some(&format!("{secret}\n")),
    );
    assert!(
        out.status.success(),
        "saving the {name} credential: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the `rolesync` binary at `exe` with `args`, a private `ROLESYNC_HOME`, a private keyring
/// service on the kernel keyring, and `stdin` (empty when `None`); returns its output.
pub fn run_rolesync(
    exe: &Path,
    home: &Path,
    keyring_service: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> std::process::Output {
    run_rolesync_as(Command::new(exe), home, keyring_service, args, stdin)
}

/// [`run_rolesync`] with a command prepared by the caller (the binary started through
/// `ip netns exec`, extra environment).
pub fn run_rolesync_as(
    mut cmd: Command,
    home: &Path,
    keyring_service: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .args(args)
        .env("ROLESYNC_HOME", home)
        .env("ROLESYNC_KEYRING_SERVICE", keyring_service)
        .env("ROLESYNC_KEYRING_BACKEND", "kernel")
        .env_remove("ROLESYNC_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// Every file below `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                files_under(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

/// Runs `cmd` to its end with no standard input, killing it by PID (and failing) when it takes
/// longer than `limit` — a sign-in waiting for a browser, or a server that never answers, would
/// otherwise hang the test.
pub fn run_with_limit(mut cmd: Command, limit: Duration) -> std::process::Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done, watch) = std::sync::mpsc::channel::<()>();
    let dog = std::thread::spawn(move || {
        if watch.recv_timeout(limit).is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            return true;
        }
        false
    });
    let out = child.wait_with_output().unwrap();
    let _ = done.send(());
    let killed = dog.join().unwrap();
    assert!(
        !killed,
        "{cmd:?} took more than {limit:?}; stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
