//! End-to-end tests of the desktop app: the real `rolesync` window under Xvfb, driven through
//! WebDriver (WebKitWebDriver), each with an isolated `ROLESYNC_HOME` and a per-test keyring
//! service: the demo end to end, the defects of issue 16 ([`defects`]), the finish — history,
//! credentials, themes, keyboard ([`finish`]) — the accessibility audit with axe-core
//! ([`a11y`]), held plans approved and runs undone in the window ([`approval`]), the MFA question following the configuration ([`signin`]), and the first-run setup against the emulator and a Samba domain ([`setup`]).
//! Screenshots of every screen go to `<target>/desktop-shots/` (`ROLESYNC_SCREENSHOTS`).

mod a11y;
mod approval;
mod defects;
mod finish;
mod setup;
mod signin;
mod webdriver;
mod window;
use webdriver::wait_until;

use rolesync_secrets::{CredentialName, CredentialStore, KeyringStore};
use std::io::Read;
use std::path::Path;
use webdriver::{Harness, Session};
use window::{binary, shot};

/// Answers the MFA question with No, then waits for what comes next.
fn answer_mfa_no(s: &Session) {
    s.wait("[data-testid=mfa-no]", 20).click();
    s.wait_gone("[data-testid=dialog-mfa]", 10);
}

use window::ONE_WINDOW;

fn keyring(service: &str) -> KeyringStore {
    window::keyring(service)
}

#[test]
fn desktop_app_end_to_end_in_demo_mode() {
    let _one = ONE_WINDOW
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let home = tempfile::tempdir().expect("temp dir");
    let service = format!("rolesync-desktop-test-{}", std::process::id());
    let export = home.path().join("export.zip");
    let store = keyring(&service);
    for n in CredentialName::ALL {
        let _ = store.forget(n);
    }
    let h = Harness::start(&[
        ("ROLESYNC_HOME", home.path().display().to_string()),
        ("ROLESYNC_KEYRING_SERVICE", service.clone()),
        ("ROLESYNC_TEST_SAVE_PATH", export.display().to_string()),
    ]);
    // No arguments: the window, in demo mode because no configuration exists.
    let s = h.session(&binary(), &[]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scenario(&s, home.path(), &store, &export)
    }));
    if result.is_err() {
        shot(&s, "FAILED-end-to-end");
    }
    s.close();
    for n in CredentialName::ALL {
        let _ = store.forget(n);
    }
    drop(h);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn scenario(s: &Session, home: &Path, store: &KeyringStore, export: &Path) {
    // ---- First launch without a configuration: the setup page; the demo is one click away.
    s.wait("main[data-ready=setup]", 30);
    shot(s, "00-first-launch-setup");
    s.wait("[data-testid=setup-try-demo]", 5).click();
    // ---- Home: demo badge, no run yet.
    s.wait("main[data-ready=home]", 30);
    assert!(s
        .wait("[data-testid=demo-banner]", 5)
        .text()
        .contains("Demo mode"));
    assert!(s.find("#demo-badge:not([hidden])").is_some(), "demo badge");
    assert!(s
        .wait("[data-testid=last-run]", 5)
        .text()
        .contains("No run yet"));
    shot(s, "01-home");

    // ---- Preview: the MFA question counts down from the real 20 s and answers Yes by itself.
    s.wait("[data-testid=preview]", 5).click();
    let countdown = s.wait("[data-testid=mfa-countdown]", 20);
    let first: u32 = countdown.text().parse().expect("a number");
    assert!(
        (19..=20).contains(&first),
        "countdown starts at 20 s, shows {first}"
    );
    shot(s, "02-mfa-question");
    s.wait("[data-testid=plan-summary]", 30);
    assert!(s.find("[data-testid=dialog-mfa]").is_none());
    s.page("progress");
    let signin = s.wait("[data-testid=signin]", 5).text();
    assert!(signin.contains("multi-factor"), "{signin}");
    s.page("preview");

    // ---- The demo plan, per role, with reasons.
    let exchange = s
        .wait("section[data-role='Exchange Administrator']", 5)
        .text();
    assert!(exchange.contains("bob@contoso.com"), "{exchange}");
    let bob = s
        .find_all("section[data-role='Exchange Administrator'] tr[data-kind=grant]")
        .iter()
        .map(|e| e.text())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(bob.contains("bob@contoso.com"), "bob is granted: {bob}");
    let revokes = s
        .find_all("section[data-role='Helpdesk Administrator'] tr[data-kind=revoke]")
        .iter()
        .map(|e| e.text())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        revokes.contains("oliver@contoso.com"),
        "oliver is revoked: {revokes}"
    );
    let unmapped = s.wait("[data-testid=unmapped]", 5).text();
    assert!(unmapped.contains("Coffee Machine Admins"), "{unmapped}");
    assert!(
        s.find_all("tr[data-kind=skipped]").len() >= 2,
        "skipped users with reasons"
    );
    shot(s, "03-preview");
    s.wait("[data-testid=plan-search]", 5).type_text("oliver");
    webdriver::wait_until(
        "the search to filter",
        std::time::Duration::from_secs(5),
        || {
            let roles = s.find_all("section.role");
            (!roles.is_empty()
                && roles
                    .iter()
                    .all(|r| r.text().to_lowercase().contains("oliver")))
            .then_some(())
        },
    );
    shot(s, "04-preview-search");

    // ---- Run sync, answer No, cancel at the account dialog: nothing stored, nothing changed.
    s.page("home");
    s.wait("[data-testid=run-sync]", 5).click();
    answer_mfa_no(s);
    let note = s.wait("[data-testid=prompt-note]", 10).text();
    assert!(note.contains("any account"), "{note}");
    shot(s, "05-credential-account");
    s.wait("[data-testid=prompt-cancel]", 5).click();
    let err = s.wait("[data-testid=run-error]", 10).text();
    assert!(err.contains("cancelled"), "{err}");
    assert!(
        store.list().expect("list").is_empty(),
        "nothing saved after cancel"
    );
    assert!(!home.join("logs/reports").exists(), "no run after cancel");

    // ---- Cancel at the last question ("Save credentials?"): still nothing stored or changed.
    s.page("home");
    s.wait("[data-testid=run-sync]", 5).click();
    answer_mfa_no(s);
    s.wait("[data-testid=prompt-account]", 10)
        .type_text("admin@contoso.com");
    s.wait("[data-testid=prompt-next]", 5).click();
    s.wait("[data-testid=prompt-secret]", 10)
        .type_text("demo-password");
    s.wait("[data-testid=prompt-next]", 5).click();
    s.wait("[data-testid=dialog-save]", 10);
    s.wait("[data-testid=prompt-cancel]", 5).click();
    let err = s.wait("[data-testid=run-error]", 10).text();
    assert!(err.contains("cancelled"), "{err}");
    assert!(
        store.list().expect("list").is_empty(),
        "nothing saved after cancel"
    );
    assert!(!home.join("logs/reports").exists(), "no run after cancel");

    // ---- Run sync again: account, password, save → keyring; the plan is applied to 100 %.
    s.page("home");
    s.wait("[data-testid=run-sync]", 5).click();
    answer_mfa_no(s);
    s.wait("[data-testid=prompt-account]", 10)
        .type_text("admin@contoso.com");
    s.wait("[data-testid=prompt-next]", 5).click();
    let secret = s.wait("[data-testid=prompt-secret]", 10);
    secret.type_text("demo-password");
    shot(s, "06-credential-password");
    s.wait("[data-testid=prompt-next]", 5).click();
    s.wait("[data-testid=dialog-save]", 10);
    shot(s, "07-save-credentials");
    s.wait("[data-testid=save-yes]", 5).click();
    let result = s.wait("[data-testid=run-result]", 30);
    assert_eq!(result.attr("data-outcome").as_deref(), Some("applied"));
    let pct = s.wait("[data-testid=progress]", 5).attr("data-percent");
    assert_eq!(pct.as_deref(), Some("100"));
    assert!(s
        .find("li[data-step=apply][data-status=ok]")
        .is_some_and(|e| e.text().contains("change(s)")));
    shot(s, "08-progress-done");
    let saved = store.get(CredentialName::Office365).expect("read keyring");
    assert_eq!(
        saved.map(|c| c.account),
        Some("admin@contoso.com".to_string()),
        "the credential landed in the keyring"
    );

    // ---- Home shows the run.
    s.page("home");
    let last = s.wait("[data-testid=last-run]", 5).text();
    assert!(last.contains("Applied"), "{last}");
    assert!(s.find("[data-testid=access-warning]").is_none());
    shot(s, "09-home-after-run");

    // ---- A log folder that everyone may change is named on the home page, with the fix.
    let logs = home.join("logs");
    let mode = |m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(m)).expect("chmod");
    };
    mode(0o777);
    s.page("logs");
    s.page("home");
    let warning = s.wait("[data-testid=access-warning]", 5).text();
    assert!(
        warning.contains(&format!(
            "the log folder {} can be changed by everyone (mode 0777)",
            logs.display()
        )) && warning.contains("chmod go-w"),
        "{warning}"
    );
    shot(s, "09b-home-access-warning");
    mode(0o700);

    // ---- Next run: No → the saved credential, nothing asked; nothing left to change.
    s.wait("[data-testid=run-sync]", 5).click();
    answer_mfa_no(s);
    let result = s.wait("[data-testid=run-result]", 30);
    assert_eq!(result.attr("data-outcome").as_deref(), Some("noChanges"));
    let signin = s.wait("[data-testid=signin]", 5).text();
    assert!(signin.contains("saved credential"), "{signin}");

    // ---- Credentials page lists it (name only).
    s.page("credentials");
    s.wait("tr[data-credential=office365][data-saved=true]", 5);
    shot(s, "10-credentials");

    // ---- History: both syncs with the chart.
    s.page("history");
    s.wait("[data-testid=history-chart]", 5);
    let runs = s.find_all("[data-testid=history-table] tbody tr");
    assert_eq!(runs.len(), 2, "two syncs");
    let applied_run = runs[1].attr("data-run").expect("run id");
    shot(s, "11-history");

    // ---- Logs: filter, then export a zip that holds the run's log.
    s.page("logs");
    s.wait("[data-testid=log-table] tr[data-level=INFO]", 5);
    shot(s, "12-logs");
    s.wait("[data-testid=log-filter]", 5)
        .type_text("run finished");
    webdriver::wait_until("the text filter", std::time::Duration::from_secs(5), || {
        let rows = s.find_all("[data-testid=log-table] tr[data-level]");
        (!rows.is_empty() && rows.iter().all(|r| r.text().contains("run finished"))).then_some(())
    });
    shot(s, "13-logs-filtered");
    s.wait("[data-testid=export-logs]", 5).click();
    s.wait("[data-testid=export-status][data-done=saved]", 20);
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(export).expect("zip written")).expect("a zip");
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let log = names
        .iter()
        .find(|n| n.starts_with("rolesync.") && n.ends_with(".log"))
        .unwrap_or_else(|| panic!("a log in {names:?}"))
        .clone();
    let mut text = String::new();
    zip.by_name(&log)
        .expect("log entry")
        .read_to_string(&mut text)
        .expect("utf-8 log");
    assert!(text.contains(&applied_run), "the log has run {applied_run}");
    assert!(
        !text.contains("demo-password"),
        "secrets never reach the log"
    );
    assert!(names.iter().any(|n| n.starts_with("reports/")), "{names:?}");
    assert!(names.iter().any(|n| n == "audit.jsonl"), "{names:?}");

    // ---- Exposure: the demo directory has no security descriptors, and the page says so
    // (never an empty, clean-looking list).
    s.page("exposure");
    let e = s.wait("[data-testid=exposure-body] [data-testid=error]", 30);
    let t = e.text();
    assert!(
        t.contains("Not assessed") && t.contains("has no security descriptors"),
        "{t}"
    );
    assert!(s.find("[data-testid=exposure-table]").is_none());
    shot(s, "13b-exposure");

    // ---- Settings: the core's validation next to the field; saved only when valid.
    s.page("settings");
    // The page is drawn from the configuration crate's schema: every key has its field.
    for sec in rolesync_config::schema::SECTIONS {
        for k in sec.settings {
            let key = if sec.rows {
                format!("{}.*", sec.name)
            } else {
                format!("{}.{}", sec.name, k.name)
            };
            assert!(
                s.find(&format!("[data-key='{key}']")).is_some(),
                "the settings page has no field for {key}"
            );
        }
    }
    let pct = s.wait("input[data-field=safetyMaxRevokePercent]", 5);
    pct.clear();
    pct.type_text("150");
    s.wait("[data-testid=settings-save]", 5).click();
    let e = s
        .wait("[data-error-for='safety.max_revoke_percent']", 10)
        .text();
    assert!(!e.is_empty());
    assert!(
        !home.join("rolesync.toml").exists(),
        "invalid settings are not written"
    );
    shot(s, "14-settings-error");
    let pct = s.wait("input[data-field=safetyMaxRevokePercent]", 5);
    pct.clear();
    pct.type_text("30");
    // The example's placeholders are refused: a real client id and a certificate on this machine.
    let cert = home.join("graph.pem");
    std::fs::write(&cert, "a certificate").expect("certificate file");
    for (field, v) in [
        (
            "entraClientId",
            "3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b".to_string(),
        ),
        ("entraCertificate", cert.display().to_string()),
    ] {
        let e = s.wait(&format!("input[data-field={field}]"), 5);
        e.clear();
        e.type_text(&v);
    }
    s.wait("[data-testid=settings-save]", 5).click();
    let msg = s.wait("[data-testid=settings-message]", 10).text();
    assert!(msg.contains("Saved"), "{msg}");
    let written = std::fs::read_to_string(home.join("rolesync.toml")).expect("written");
    let cfg = rolesync_config::parse(&home.join("rolesync.toml"), &written).expect("valid file");
    assert_eq!(cfg.policy.limits.max_revoke_percent, 30);
    shot(s, "15-settings-saved");

    // ---- The scheduled sync from the settings page: what would be registered.
    s.scroll_to("[data-testid=schedule-preview]");
    let at = s.wait("[data-testid=schedule-at]", 5);
    at.clear();
    at.type_text("03:45");
    s.wait("[data-testid=schedule-preview]", 5).click();
    let shown = wait_until(
        "the schedule preview",
        std::time::Duration::from_secs(10),
        || {
            s.find("[data-testid=schedule-output]")
                .map(|e| e.text())
                .filter(|t| t.contains("OnCalendar"))
        },
    );
    assert!(
        shown.contains("OnCalendar=*-*-* 03:45:00") && shown.contains(" sync --quiet"),
        "{shown}"
    );
    shot(s, "15b-settings-schedule");

    // ---- Forget the credential.
    s.page("credentials");
    s.wait("[data-testid=forget-office365]", 5).click();
    s.wait("[data-testid=confirm-yes]", 5).click();
    s.wait("tr[data-credential=office365][data-saved=false]", 10);
    assert!(store.list().expect("list").is_empty());
}

#[test]
fn without_a_display_the_window_is_refused_with_the_usage_exit_code() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rolesync"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("ROLESYNC_HOME", home.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no display"), "{err}");
}

/// The demo tenant (the emulator's state file) with 12 more synced Helpdesk Administrators who
/// are not in the AD group: the plan's revokes exceed the safety limits (10 and 25 %).
fn tenant_over_the_revoke_limit() -> String {
    use rolesync_entra_emulator::{FixtureRoleAssignment, FixtureUser};
    const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
    let mut t = rolesync_entra_emulator::demo_tenant();
    for i in 0..12 {
        let id = format!("dddddddd-0000-4000-8000-{i:012}");
        t.users.push(FixtureUser {
            id: id.clone(),
            user_principal_name: format!("helper{i}@contoso.com"),
            display_name: format!("Helper {i}"),
            account_enabled: true,
            on_premises_sync_enabled: Some(true),
            on_premises_immutable_id: Some(format!("aGVscGVy{i:04}AAAAAAAAAA==")),
            ..FixtureUser::default()
        });
        t.role_assignments.push(FixtureRoleAssignment {
            id: None,
            principal_id: id,
            role_definition_id: HELPDESK.into(),
            directory_scope_id: "/".into(),
            ..Default::default()
        });
    }
    serde_json::to_string_pretty(&t).expect("json")
}

#[test]
fn a_safety_stop_is_applied_only_after_an_explicit_confirmation() {
    let _one = ONE_WINDOW
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(home.path().join("data")).expect("data dir");
    std::fs::write(
        home.path().join("data/demo-tenant.json"),
        tenant_over_the_revoke_limit(),
    )
    .expect("demo state");
    let h = Harness::start(&[
        ("ROLESYNC_HOME", home.path().display().to_string()),
        (
            "ROLESYNC_KEYRING_SERVICE",
            format!("rolesync-desktop-stop-{}", std::process::id()),
        ),
    ]);
    let s = h.session(&binary(), &["--demo"]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.wait("main[data-ready=home]", 30);
        s.wait("[data-testid=preview]", 5).click();
        s.wait("[data-testid=mfa-yes]", 20).click();
        let stops = s.wait("[data-testid=stops]", 30).text();
        assert!(stops.contains("Helpdesk Administrator"), "{stops}");
        assert!(stops.contains("exceed"), "{stops}");
        let apply = s.wait("[data-testid=apply]", 5);
        assert!(apply.text().contains("anyway"), "{}", apply.text());
        shot(&s, "16-preview-safety-stop");
        // Declining the confirmation changes nothing.
        apply.click();
        s.wait("[data-testid=confirm-no]", 5).click();
        s.wait_gone("[data-testid=confirm]", 5);
        assert!(!home.path().join("logs/reports").exists());
        // Confirming applies with force, reusing the preview's sign-in (no question).
        s.wait("[data-testid=apply]", 5).click();
        s.wait("[data-testid=confirm]", 5);
        shot(&s, "17-apply-anyway-confirmation");
        s.wait("[data-testid=confirm-yes]", 5).click();
        let result = s.wait("[data-testid=run-result]", 30);
        assert_eq!(result.attr("data-outcome").as_deref(), Some("applied"));
        assert!(s.find("[data-testid=dialog-mfa]").is_none());
        let revoked = result.text();
        assert!(revoked.contains("4 granted, 15 revoked"), "{revoked}");
        s.page("history");
        let row = s.wait("[data-testid=history-table] tbody tr", 5).text();
        assert!(row.contains("forced"), "{row}");
    }));
    if result.is_err() {
        shot(&s, "FAILED-safety-stop");
    }
    s.close();
    drop(h);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
