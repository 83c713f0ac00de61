//! Tests of the credential store against real keyring backends, and of the prompting rule.
//!
//! - Kernel keyring (keyutils): used directly; needs the `keyctl` system call (allowed on this
//!   project's machines; Docker's default seccomp profile blocks it).
//! - Secret Service: the test re-runs itself inside a private D-Bus session with an unlocked
//!   `gnome-keyring-daemon` whose keyring files live in a temporary directory (needs the Debian
//!   packages `dbus-daemon` (for `dbus-run-session`) and `gnome-keyring`; see
//!   `tests/install-deps.sh`). `tests/with-keyring.sh` runs the whole suite inside such a session.
//!
//! A backend that is missing fails the test when `CI=true`; elsewhere it is skipped with a note.
//! Persistence is tested across processes by re-running this test binary as a child
//! (`child_process` below does nothing unless `ROLESYNC_TEST_CHILD` is set).
#![allow(clippy::unwrap_used, missing_docs)]

use rolesync_secrets::{
    obtain, Backend, Credential, CredentialName, CredentialStore, KeyringStore, MemoryStore,
    ObtainError, PromptError, Prompter, Secret, TerminalPrompter,
};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const IN_SESSION_ENV: &str = "ROLESYNC_TEST_IN_KEYRING_SESSION";
const CHILD_ENV: &str = "ROLESYNC_TEST_CHILD";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A missing backend: fail in CI, skip loudly elsewhere.
fn missing(what: &str) {
    assert!(!in_ci(), "CI=true and {what}");
    eprintln!("SKIPPED (not in CI): {what}");
}

fn unique_service(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("RoleSyncTest-{tag}-{}-{nanos}", std::process::id())
}

fn open(backend: Backend, tag: &str) -> Option<KeyringStore> {
    match KeyringStore::with_backend(unique_service(tag), backend) {
        Ok(s) => Some(s),
        Err(e) => {
            missing(&format!("the {backend} is not usable: {e}"));
            None
        }
    }
}

fn cleanup(store: &KeyringStore) {
    for n in CredentialName::ALL {
        let _ = store.forget(n);
    }
}

// ----- prompting doubles -----

#[derive(Default)]
struct Scripted {
    account: Option<String>,
    secret: Option<String>,
    save: Option<bool>,
    calls: Vec<&'static str>,
}

impl Scripted {
    fn answering(account: Option<&str>, secret: Option<&str>, save: Option<bool>) -> Self {
        Self {
            account: account.map(str::to_string),
            secret: secret.map(str::to_string),
            save,
            calls: Vec::new(),
        }
    }
}

impl Prompter for Scripted {
    fn account(&mut self, _: CredentialName) -> Result<Option<String>, PromptError> {
        self.calls.push("account");
        Ok(self.account.clone())
    }
    fn secret(&mut self, _: CredentialName, _: &str) -> Result<Option<Secret>, PromptError> {
        self.calls.push("secret");
        Ok(self.secret.clone().map(Secret::new))
    }
    fn save(&mut self, _: CredentialName) -> Result<Option<bool>, PromptError> {
        self.calls.push("save");
        Ok(self.save)
    }
}

// ----- what every backend must do -----

fn exercise_store(store: &KeyringStore) {
    let smtp = CredentialName::Smtp;
    let o365 = CredentialName::Office365;
    assert!(store.get(smtp).unwrap().is_none());
    assert_eq!(store.list().unwrap(), vec![]);
    assert!(!store.forget(smtp).unwrap(), "nothing to forget yet");

    store
        .set(
            smtp,
            &Credential::new("mailer@contoso.com", "s3cret:with:colons"),
        )
        .unwrap();
    let got = store.get(smtp).unwrap().unwrap();
    assert_eq!(got.account, "mailer@contoso.com");
    assert_eq!(got.secret.expose(), "s3cret:with:colons");

    // Unicode account and secret.
    let secret = "pässwörd 🔑 密码 пароль";
    store
        .set(o365, &Credential::new("jürgen@exämple.de", secret))
        .unwrap();
    let got = store.get(o365).unwrap().unwrap();
    assert_eq!(got.account, "jürgen@exämple.de");
    assert_eq!(got.secret.expose(), secret);
    assert_eq!(store.list().unwrap(), vec![o365, smtp]);

    // Replacing keeps one entry.
    store.set(smtp, &Credential::new("other", "new")).unwrap();
    let got = store.get(smtp).unwrap().unwrap();
    assert_eq!(
        (got.account.as_str(), got.secret.expose()),
        ("other", "new")
    );

    // Debug never shows the secret.
    let dbg = format!("{got:?} {store:?}");
    assert!(!dbg.contains("new\"") && !dbg.contains(secret), "{dbg}");

    assert!(store.forget(smtp).unwrap());
    assert!(
        store.get(smtp).unwrap().is_none(),
        "forget then get gives None"
    );
    assert_eq!(store.list().unwrap(), vec![o365]);
    assert!(store.forget(o365).unwrap());
    assert_eq!(store.list().unwrap(), vec![]);

    // Saving again after forgetting works.
    store.set(smtp, &Credential::new("again", "x")).unwrap();
    assert_eq!(store.get(smtp).unwrap().unwrap().account, "again");
    assert!(store.forget(smtp).unwrap());
}

fn exercise_prompting(store: &KeyringStore) {
    let name = CredentialName::Ldap;
    // Not saved, not interactive: fails at once with the fix.
    let t = Instant::now();
    let mut p = Scripted::default();
    let e = obtain(store, name, &mut p, false).unwrap_err();
    let elapsed = t.elapsed();
    assert!(matches!(e, ObtainError::Missing { .. }), "{e:?}");
    assert!(
        e.to_string().contains("rolesync credentials set ldap"),
        "{e}"
    );
    assert!(elapsed < Duration::from_millis(500), "took {elapsed:?}");
    assert!(p.calls.is_empty(), "never asks when not interactive");

    // Cancel at each question: nothing stored.
    for p in [
        Scripted::answering(None, Some("pw"), Some(true)),
        Scripted::answering(Some("CN=bind"), None, Some(true)),
        Scripted::answering(Some("CN=bind"), Some("pw"), None),
    ] {
        let mut p = p;
        let e = obtain(store, name, &mut p, true).unwrap_err();
        assert!(matches!(e, ObtainError::Cancelled { .. }), "{e:?}");
        assert!(e.to_string().contains("nothing was saved"), "{e}");
        assert!(store.get(name).unwrap().is_none(), "cancel stores nothing");
    }

    // Answered, not saved.
    let mut p = Scripted::answering(Some("CN=bind"), Some("pw1"), Some(false));
    let c = obtain(store, name, &mut p, true).unwrap();
    assert_eq!((c.account.as_str(), c.secret.expose()), ("CN=bind", "pw1"));
    assert_eq!(p.calls, ["account", "secret", "save"]);
    assert!(store.get(name).unwrap().is_none());

    // Answered and saved.
    let mut p = Scripted::answering(Some("CN=bind"), Some("pw2"), Some(true));
    obtain(store, name, &mut p, true).unwrap();
    assert_eq!(store.get(name).unwrap().unwrap().secret.expose(), "pw2");

    // Saved: never asks, interactive or not.
    for interactive in [true, false] {
        let mut p = Scripted::answering(Some("wrong"), Some("wrong"), Some(true));
        let c = obtain(store, name, &mut p, interactive).unwrap();
        assert_eq!(c.secret.expose(), "pw2");
        assert!(
            p.calls.is_empty(),
            "saved credential: prompter never called"
        );
    }
    assert!(store.forget(name).unwrap());
}

/// Runs this test binary as a child for one action on the store; returns its output.
fn child(backend: Backend, service: &str, action: &str) -> std::process::Output {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, action)
        .env(KeyringStore::SERVICE_ENV, service)
        .env(KeyringStore::BACKEND_ENV, backend.as_str())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child {action} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn exercise_processes(store: &KeyringStore) {
    let b = store.backend();
    let s = store.service();
    store
        .set(
            CredentialName::Office365,
            &Credential::new("app-id", "from parent ✓"),
        )
        .unwrap();
    child(b, s, "expect-parent");
    child(b, s, "set-child");
    let got = store.get(CredentialName::Smtp).unwrap().unwrap();
    assert_eq!(
        (got.account.as_str(), got.secret.expose()),
        ("child", "from child ✓")
    );
    child(b, s, "forget-all");
    assert!(store.get(CredentialName::Smtp).unwrap().is_none());
    assert!(store.get(CredentialName::Office365).unwrap().is_none());
    // A run that cannot prompt (stdin is not a terminal) fails at once.
    child(b, s, "terminal-no-tty");
}

/// The child side of [`exercise_processes`]. A no-op in a normal test run.
#[test]
fn child_process() {
    let Ok(action) = std::env::var(CHILD_ENV) else {
        return;
    };
    // Opened exactly as the binary does: service and backend from the environment.
    let store = KeyringStore::open().unwrap();
    assert_eq!(
        store.service(),
        std::env::var(KeyringStore::SERVICE_ENV).unwrap()
    );
    match action.as_str() {
        "expect-parent" => {
            let c = store.get(CredentialName::Office365).unwrap().unwrap();
            assert_eq!(
                (c.account.as_str(), c.secret.expose()),
                ("app-id", "from parent ✓")
            );
        }
        "set-child" => store
            .set(
                CredentialName::Smtp,
                &Credential::new("child", "from child ✓"),
            )
            .unwrap(),
        "forget-all" => {
            assert!(store.forget(CredentialName::Smtp).unwrap());
            assert!(store.forget(CredentialName::Office365).unwrap());
        }
        "terminal-no-tty" => {
            assert!(!TerminalPrompter::available());
            let t = Instant::now();
            let e = obtain(
                &store,
                CredentialName::Office365,
                &mut TerminalPrompter::new(),
                true,
            )
            .unwrap_err();
            assert!(t.elapsed() < Duration::from_millis(500));
            assert!(matches!(e, ObtainError::Missing { .. }), "{e:?}");
            assert!(e.to_string().contains("rolesync credentials set office365"));
        }
        other => panic!("unknown child action {other}"),
    }
}

// ----- kernel keyring -----

#[cfg(target_os = "linux")]
#[test]
fn kernel_keyring_store() {
    let Some(store) = open(Backend::KernelKeyring, "kernel-store") else {
        return;
    };
    assert!(!store.backend().survives_reboot());
    let r = std::panic::catch_unwind(|| exercise_store(&store));
    cleanup(&store);
    r.unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn kernel_keyring_prompting() {
    let Some(store) = open(Backend::KernelKeyring, "kernel-prompt") else {
        return;
    };
    let r = std::panic::catch_unwind(|| exercise_prompting(&store));
    cleanup(&store);
    r.unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn kernel_keyring_across_processes() {
    let Some(store) = open(Backend::KernelKeyring, "kernel-procs") else {
        return;
    };
    let r = std::panic::catch_unwind(|| exercise_processes(&store));
    cleanup(&store);
    r.unwrap();
}

// ----- Secret Service -----

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// Re-runs `test` inside a private D-Bus session with an unlocked gnome-keyring whose files live in
/// a temporary directory. Returns false when the tools are missing.
fn rerun_in_keyring_session(test: &str) -> bool {
    if !on_path("dbus-run-session") || !on_path("gnome-keyring-daemon") {
        return false;
    }
    let dir = tempdir();
    let runtime = dir.join("run");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let script = "printf %s rolesync-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97; exec \"$@\"";
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script, "sh"])
        .arg(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(IN_SESSION_ENV, "1")
        .env("HOME", &dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("--- {test} in a private D-Bus session ---\n{stdout}");
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{test} failed in the keyring session ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(unique_service("keyring-session"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The Secret Service suite. Outside a keyring session it re-runs itself inside a private one.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
#[test]
fn secret_service_suite() {
    if std::env::var_os(IN_SESSION_ENV).is_none() {
        if rerun_in_keyring_session("secret_service_suite") {
            return;
        }
        // No tools for a private session: use the user's own Secret Service if one answers.
        if KeyringStore::with_backend(unique_service("ss-probe"), Backend::SecretService).is_err() {
            missing("no Secret Service: install dbus-daemon and gnome-keyring (crates/secrets/tests/install-deps.sh)");
            return;
        }
    }
    let store = KeyringStore::with_backend(unique_service("ss"), Backend::SecretService)
        .unwrap_or_else(|e| panic!("Secret Service not usable inside the session: {e}"));
    // Detection prefers the Secret Service when one answers.
    assert_eq!(
        KeyringStore::open_service(unique_service("ss-detect"))
            .unwrap()
            .backend(),
        Backend::SecretService
    );
    let r = std::panic::catch_unwind(|| {
        exercise_store(&store);
        exercise_prompting(&store);
        exercise_processes(&store);
    });
    cleanup(&store);
    r.unwrap();
}

// ----- backend-independent -----

#[test]
fn detection_falls_back_to_the_kernel_keyring_without_a_session_bus() {
    if !cfg!(target_os = "linux") || std::env::var_os(IN_SESSION_ENV).is_some() {
        return;
    }
    // A child with no session bus reachable must pick the kernel keyring.
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["child_detect", "--exact", "--nocapture"])
        .env("ROLESYNC_TEST_DETECT", "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/rolesync-test-bus",
        )
        .env_remove("DISPLAY")
        .env_remove(KeyringStore::BACKEND_ENV)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if stdout.contains("kernel keyring unavailable") {
        missing("the kernel keyring is not usable here");
        return;
    }
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("backend=kernel"), "{stdout}");
}

#[test]
fn child_detect() {
    if std::env::var_os("ROLESYNC_TEST_DETECT").is_none() {
        return;
    }
    match KeyringStore::open_service(unique_service("detect")) {
        Ok(s) => println!("backend={}", s.backend().as_str()),
        Err(e) => {
            println!("kernel keyring unavailable: {e}");
            assert!(e.to_string().contains("no keyring is available"), "{e}");
        }
    }
}

#[test]
fn forced_unknown_backend_is_a_clear_error() {
    let e = "gnome".parse::<Backend>().unwrap_err().to_string();
    assert!(e.contains("secret-service, kernel"), "{e}");
}

#[test]
fn memory_store_follows_the_prompting_rule() {
    let store = MemoryStore::new();
    let mut p = Scripted::answering(Some("u"), Some("p"), Some(true));
    obtain(&store, CredentialName::Smtp, &mut p, true).unwrap();
    let mut p = Scripted::default();
    let c = obtain(&store, CredentialName::Smtp, &mut p, false).unwrap();
    assert_eq!(c.secret.expose(), "p");
    assert!(p.calls.is_empty());
}

#[test]
fn secrets_never_in_debug_or_errors() {
    let c = Credential::new("alice@contoso.com", "Tr0ub4dor&3");
    for text in [format!("{c:?}"), format!("{c:#?}"), format!("{}", c.secret)] {
        assert!(!text.contains("Tr0ub4dor"), "{text}");
    }
    let e = ObtainError::Missing {
        name: CredentialName::Office365,
    };
    assert!(e
        .to_string()
        .contains("`rolesync credentials set office365`"));
}
