//! One RoleSync window for a test: a private `ROLESYNC_HOME` and keyring service, Xvfb and
//! WebKitWebDriver (the harness), the app started as users start it (no arguments, or
//! `--demo`), a screenshot `FAILED-<name>.png` when the test fails, and everything stopped and
//! cleaned after it. One window at a time: the tests share the machine's two cores.

use super::webdriver::{Harness, Session};
use rolesync_secrets::{CredentialName, CredentialStore, KeyringStore};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// One window at a time.
pub static ONE_WINDOW: Mutex<()> = Mutex::new(());

/// Where screenshots go: `ROLESYNC_SCREENSHOTS`, else `<target dir>/desktop-shots/`.
pub fn screenshots() -> PathBuf {
    std::env::var_os("ROLESYNC_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .expect("target folder")
                .join("desktop-shots")
        })
}

/// Saves a screenshot of the window as `<name>.png`.
pub fn shot(s: &Session, name: &str) {
    s.screenshot(&screenshots().join(format!("{name}.png")));
}

/// The binary under test: `ROLESYNC_TEST_BINARY` (an older build, to show a test failing
/// before its fix), else this build's.
pub fn binary() -> PathBuf {
    std::env::var_os("ROLESYNC_TEST_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_rolesync")))
}

/// A window and what it runs in.
pub struct Window {
    /// The WebDriver session.
    pub s: Session,
    /// `ROLESYNC_HOME`.
    pub home: tempfile::TempDir,
    /// The keyring service of this test.
    pub service: String,
    name: String,
    harness: Option<Harness>,
    _one: MutexGuard<'static, ()>,
}

impl Window {
    /// Opens the app with `args` and `env` (after `prepare` filled the home folder).
    pub fn open(
        name: &str,
        args: &[&str],
        env: &[(&str, String)],
        prepare: impl FnOnce(&Path),
    ) -> Window {
        let one = ONE_WINDOW.lock().unwrap_or_else(PoisonError::into_inner);
        let home = tempfile::tempdir().expect("temp dir");
        prepare(home.path());
        let service = format!("rolesync-desktop-{name}-{}", std::process::id());
        let store = keyring(&service);
        for n in CredentialName::ALL {
            let _ = store.forget(n);
        }
        let mut all: Vec<(&str, String)> = vec![
            ("ROLESYNC_HOME", home.path().display().to_string()),
            ("ROLESYNC_KEYRING_SERVICE", service.clone()),
        ];
        all.extend(env.iter().cloned());
        let harness = Harness::start(&all);
        let s = harness.session(&binary(), args);
        Window {
            s,
            home,
            service,
            name: name.to_string(),
            harness: Some(harness),
            _one: one,
        }
    }

    /// The keyring of this window.
    pub fn keyring(&self) -> KeyringStore {
        keyring(&self.service)
    }

    /// Runs the test's body; on failure saves `FAILED-<name>.png`; then closes the window and
    /// forgets the test's credentials. Returns the home folder (deleted when dropped).
    pub fn run(self, body: impl FnOnce(&Window)) -> tempfile::TempDir {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&self)));
        if result.is_err() {
            shot(&self.s, &format!("FAILED-{}", self.name));
        }
        let Window {
            s,
            service,
            harness,
            home,
            ..
        } = self;
        s.close();
        let store = keyring(&service);
        for n in CredentialName::ALL {
            let _ = store.forget(n);
        }
        drop(harness);
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
        home
    }
}

/// The test's keyring service.
pub fn keyring(service: &str) -> KeyringStore {
    KeyringStore::open_service(service).expect("a keyring backend")
}

/// The emulator as a process (`rolesync emulator`), stopped by PID when dropped.
pub struct Emulator {
    child: std::process::Child,
    /// Its tenant id.
    pub tenant: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Emulator {
    /// Serves `tenant_file` (the demo tenant without one) on `listen` (`127.0.0.1:0`: any port).
    pub fn start(tenant_file: Option<&Path>, listen: &str, record: Option<&Path>) -> Emulator {
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rolesync"));
        cmd.args(["emulator", "--listen", listen]);
        if let Some(t) = tenant_file {
            cmd.arg("--tenant").arg(t);
        }
        if let Some(r) = record {
            cmd.arg("--record").arg(r);
        }
        let emu_home = tempfile::tempdir().expect("temp dir").keep();
        let mut child = cmd
            .env("ROLESYNC_HOME", &emu_home)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("rolesync emulator");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut tenant, mut url) = (String::new(), String::new());
        for line in lines.by_ref() {
            let line = line.expect("a line");
            let mut w = line.split_whitespace();
            match (w.next(), w.next()) {
                (Some("tenant"), Some(v)) => tenant = v.to_string(),
                (Some("login_url"), Some(v)) => url = v.trim_end_matches('/').to_string(),
                (Some("ready"), _) => break,
                _ => {}
            }
        }
        assert!(!url.is_empty(), "the emulator did not start");
        // Keep reading its output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Emulator { child, tenant, url }
    }

    /// Approves a device code as `user` (the emulator's test hook for the person's browser).
    pub fn approve_device_code(&self, code: &str, user: &str) {
        ureq::post(&format!("{}/_emulator/device/approve", self.url))
            .send_json(serde_json::json!({"user_code": code, "user": user}))
            .expect("device code approved");
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
