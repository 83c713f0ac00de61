//! The defects found trying the window as a new admin would (issue 16), one test each, in the
//! real window. Each failed against the build before its fix (run them against an older binary
//! with `ROLESYNC_TEST_BINARY=path`).

use super::webdriver::{wait_until, Session, ENTER, ESCAPE, TAB};
use super::window::{shot, Emulator, Window};
use rolesync_secrets::{Credential, CredentialName, CredentialStore, Secret};
use std::path::Path;
use std::time::Duration;

/// The demo directory's LDIF export and its OU: a configured (not demo) window plans from it.
fn ldif_config(home: &Path, entra: &str) -> String {
    let ldif = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/demo/data/directory.ldif");
    std::fs::copy(&ldif, home.join("contoso.ldif")).expect("LDIF copied");
    format!(
        "[directory]\nldif = \"contoso.ldif\"\nou = \"{}\"\n\n{entra}",
        rolesync_demo::OU
    )
}

/// Clicks the MFA question's Yes (or No) when it is asked; the fixed builds may not ask.
fn mfa_if_asked(s: &Session, yes: bool, secs: u64) {
    let which = if yes { "mfa-yes" } else { "mfa-no" };
    let found = wait_until(
        "the MFA question or the progress",
        Duration::from_secs(secs),
        || {
            if let Some(b) = s.find(&format!("[data-testid={which}]")) {
                return Some(Some(b));
            }
            s.find("[data-testid=signin]").map(|_| None)
        },
    );
    if let Some(b) = found {
        b.click();
        s.wait_gone("[data-testid=dialog-mfa]", 10);
    }
}

/// `.badge { display: inline-block }` overrode `hidden`: the DEMO badge showed in configured mode.
#[test]
fn the_demo_badge_is_hidden_in_configured_mode() {
    let entra = "[entra]\ntenant = \"contoso.onmicrosoft.com\"\nclient_id = \"3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b\"\nsign_in = \"secret\"\n";
    Window::open("badge", &[], &[], |home| {
        std::fs::write(home.join("rolesync.toml"), ldif_config(home, entra)).unwrap()
    })
    .run(|w| {
        let s = &w.s;
        s.page("home");
        assert!(s.find("[data-testid=demo-banner]").is_none());
        let badge = s.wait("#demo-badge", 5);
        assert!(
            !badge.displayed(),
            "the DEMO badge shows in configured mode"
        );
        shot(s, "d01-configured-home-no-demo-badge");
    });
}

/// Preview and Run sync stayed disabled after a run ended while another page was open: here the
/// run waits for a device-code sign-in, the admin goes to Home, and the code is approved.
#[test]
fn buttons_come_back_when_a_run_ends_on_another_page() {
    let emu = Emulator::start(None, "127.0.0.1:0", None);
    let entra = format!(
        "[entra]\ntenant = \"{}\"\nclient_id = \"{}\"\nsign_in = \"device-code\"\nlogin_url = \"{}\"\ngraph_url = \"{}\"\n",
        emu.tenant,
        rolesync_entra_emulator::DEMO_PUBLIC_CLIENT_ID,
        emu.url,
        emu.url
    );
    Window::open("buttons", &[], &[], |home| {
        std::fs::write(home.join("rolesync.toml"), ldif_config(home, &entra)).unwrap()
    })
    .run(|w| {
        let s = &w.s;
        s.page("home");
        s.wait("[data-testid=preview]", 5).click();
        mfa_if_asked(s, true, 20);
        let code = s.wait("code.device-code", 30).text();
        shot(s, "d02-device-code-card");
        s.page("home");
        assert!(!s.wait("[data-testid=preview]", 5).enabled(), "disabled while the run goes on");
        emu.approve_device_code(&code, "alice@contoso.com");
        // The run ends on the Preview page; back on Home the buttons work again.
        s.wait("main[data-ready=preview] [data-testid=plan-summary]", 60);
        s.page("home");
        assert!(s.wait("[data-testid=preview]", 5).enabled());
        // Once more, staying on Home until the run ends: the buttons come back by themselves.
        s.wait("[data-testid=run-sync]", 5).click();
        mfa_if_asked(s, true, 20);
        let code = s.wait("code.device-code", 30).text();
        s.page("home");
        assert!(!s.wait("[data-testid=run-sync]", 5).enabled());
        emu.approve_device_code(&code, "alice@contoso.com");
        wait_until("Run sync to be enabled again on Home", Duration::from_secs(60), || {
            let on = s.run_script(
                "const b = document.querySelector('main[data-ready=home] [data-testid=run-sync]'); return !!b && !b.disabled;",
            );
            (on == serde_json::json!(true)).then_some(())
        });
        shot(s, "d03-home-buttons-back-after-run");
    });
}

/// After a sync the preview stayed with an "Apply N change(s)" button and no timestamp.
#[test]
fn the_preview_after_a_sync_says_so_and_cannot_be_applied_again() {
    Window::open("stale-preview", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.wait("main[data-ready=home]", 30);
        s.wait("[data-testid=preview]", 5).click();
        mfa_if_asked(s, true, 20);
        s.wait("[data-testid=plan-summary]", 30);
        let taken = s.wait("[data-testid=preview-taken]", 5).text();
        assert!(taken.contains("Taken"), "{taken}");
        assert!(
            taken.contains("multi-factor"),
            "the preview names its own sign-in: {taken}"
        );
        s.wait("[data-testid=apply]", 5).click();
        s.wait("[data-testid=run-result]", 30);
        s.page("preview");
        s.wait("[data-testid=preview-stale]", 5);
        let apply = s.find("[data-testid=apply]");
        assert!(
            apply.is_none_or(|b| !b.enabled()),
            "the applied preview still offers Apply"
        );
        shot(s, "d04-preview-after-sync");
    });
}

/// Dialogs: focus did not start in the dialog, Tab left it, the page behind could be navigated
/// during the countdown.
#[test]
fn dialogs_keep_focus_and_block_the_page_behind() {
    Window::open("dialog-focus", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.wait("main[data-ready=home]", 30);
        s.wait("[data-testid=run-sync]", 5).click();
        s.wait("[data-testid=dialog-mfa]", 20);
        let (focused, inside) = s.focus_in("[data-testid=dialog-mfa]");
        assert!(inside, "focus starts in the dialog, not on {focused}");
        for i in 0..8 {
            s.keys(&TAB.to_string());
            let (focused, inside) = s.focus_in("[data-testid=dialog-mfa]");
            assert!(inside, "Tab {i} left the dialog for {focused}");
        }
        // The page behind neither takes clicks nor the address.
        s.run_script("location.hash = '#history';");
        std::thread::yield_now();
        wait_until("the address to be put back", Duration::from_secs(5), || {
            (s.run_script("return location.hash;").as_str() == Some("#progress")).then_some(())
        });
        assert_eq!(
            s.wait("main", 5).attr("data-page").as_deref(),
            Some("progress"),
            "navigation behind the modal dialog"
        );
        shot(s, "d05-mfa-dialog-focus");
        s.wait("[data-testid=prompt-cancel]", 5).click();
        s.wait("[data-testid=run-error]", 10);
    });
}

/// The Forget confirmation: Escape did not close it, Enter opened a second one.
#[test]
fn the_forget_confirmation_closes_on_escape_and_opens_once() {
    Window::open("forget-confirm", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        w.keyring()
            .set(
                CredentialName::Office365,
                &Credential::new("admin@contoso.com", Secret::new("pw")),
            )
            .expect("saved");
        s.page("credentials");
        s.wait("[data-testid=forget-office365]", 5).click();
        s.wait("[data-testid=confirm]", 5);
        s.keys(&ESCAPE.to_string());
        s.wait_gone("[data-testid=confirm]", 5);
        assert!(w
            .keyring()
            .get(CredentialName::Office365)
            .expect("read")
            .is_some());
        s.wait("[data-testid=forget-office365]", 5).click();
        s.wait("[data-testid=confirm]", 5);
        s.keys(&ENTER.to_string());
        let open = s.find_all("[data-testid=confirm]").len();
        assert!(open <= 1, "Enter opened {open} confirmations");
        shot(s, "d06-forget-confirmation");
        if open == 1 {
            s.keys(&ESCAPE.to_string());
        }
        s.wait_gone("[data-testid=confirm]", 5);
        assert!(
            w.keyring()
                .get(CredentialName::Office365)
                .expect("read")
                .is_some(),
            "nothing was forgotten"
        );
    });
}

/// An empty account and Enter counted as a cancel, with no inline message.
#[test]
fn an_empty_account_says_so_and_does_not_cancel() {
    Window::open("empty-account", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.wait("main[data-ready=home]", 30);
        s.wait("[data-testid=run-sync]", 5).click();
        s.wait("[data-testid=mfa-no]", 20).click();
        let account = s.wait("[data-testid=prompt-account]", 10);
        account.click();
        s.keys(&ENTER.to_string());
        let msg = wait_until("an inline message", Duration::from_secs(5), || {
            s.find("[data-testid=prompt-error]")
                .map(|e| e.text())
                .filter(|t| !t.is_empty())
                .or_else(|| {
                    s.find("[data-testid=run-error]")
                        .map(|e| format!("RUN ENDED: {}", e.text()))
                })
        });
        assert!(
            !msg.starts_with("RUN ENDED"),
            "an empty account cancelled the run: {msg}"
        );
        assert!(msg.contains("must not be empty"), "{msg}");
        assert!(
            s.find("[data-testid=dialog-account]").is_some(),
            "the dialog stays open"
        );
        shot(s, "d07-empty-account-message");
        s.wait("[data-testid=prompt-cancel]", 5).click();
        s.wait("[data-testid=run-error]", 10);
    });
}

/// Settings: a blanked number passed Check; the example's placeholder client id and a Windows
/// certificate path passed Check on Linux.
#[test]
fn settings_check_refuses_blank_numbers_placeholders_and_foreign_paths() {
    Window::open("settings-check", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.page("settings");
        let n = s.wait("input[data-field=safetyMaxRevokes]", 5);
        n.clear();
        // Whatever clear() fires, the field is now empty as a person leaves it.
        s.run_script("const e = document.querySelector('input[data-field=safetyMaxRevokes]'); e.value=''; e.dispatchEvent(new Event('input', {bubbles: true}));");
        s.wait("[data-testid=settings-check]", 5).click();
        s.wait("[data-testid=settings-message]", 10);
        let errors: Vec<String> = s
            .find_all("[data-error-for]")
            .iter()
            .filter_map(|e| e.attr("data-error-for"))
            .collect();
        shot(s, "d08-settings-check-errors");
        assert!(
            errors.iter().any(|k| k == "safety.max_revokes"),
            "a blank number passes: {errors:?}"
        );
        assert!(
            errors.iter().any(|k| k == "entra.client_id"),
            "the example's placeholder client id passes: {errors:?}"
        );
        if !cfg!(windows) {
            assert!(
                errors.iter().any(|k| k == "entra.certificate"),
                "a Windows certificate path passes on this machine: {errors:?}"
            );
        }
        assert!(!w.home.path().join("rolesync.toml").exists());
    });
}

/// A window opened on the demo registered a schedule with --demo after a real configuration was
/// saved, and Home kept the "no configuration" banner.
#[test]
fn saving_a_configuration_leaves_the_demo() {
    Window::open("leave-demo", &[], &[], |_| {}).run(|w| {
        let s = &w.s;
        let cert = w.home.path().join("graph.pem");
        std::fs::write(&cert, "a certificate").unwrap();
        s.page("home");
        s.wait("[data-testid=demo-banner]", 10);
        s.page("settings");
        let set = |field: &str, v: &str| {
            let e = s.wait(&format!("input[data-field={field}]"), 5);
            e.clear();
            e.type_text(v);
        };
        set("entraClientId", "3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b");
        set("entraCertificate", &cert.display().to_string());
        s.wait("[data-testid=settings-save]", 5).click();
        let msg = s.wait("[data-testid=settings-message]", 10).text();
        assert!(msg.contains("Saved"), "{msg}");
        s.page("home");
        s.wait("[data-testid=last-run]", 5);
        assert!(
            s.find("[data-testid=demo-banner]").is_none(),
            "the demo banner stays after saving"
        );
        assert!(!s.wait("#demo-badge", 5).displayed());
        shot(s, "d09-home-after-saving-configuration");
        s.page("settings");
        s.scroll_to("[data-testid=schedule-preview]");
        s.wait("[data-testid=schedule-preview]", 5).click();
        let shown = wait_until("the schedule", Duration::from_secs(10), || {
            s.find("[data-testid=schedule-output]")
                .map(|e| e.text())
                .filter(|t| t.contains("sync"))
        });
        assert!(
            !shown.contains("--demo"),
            "the schedule still syncs the demo: {shown}"
        );
    });
}

/// The preview table overflowed its card at 900×600.
#[test]
fn the_preview_fits_a_small_window() {
    Window::open("small-window", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.set_size(900, 600);
        s.wait("main[data-ready=home]", 30);
        s.wait("[data-testid=preview]", 5).click();
        mfa_if_asked(s, true, 20);
        s.wait("[data-testid=plan-summary]", 30);
        let over = s.run_script(
            "return [...document.querySelectorAll('section.role, main')].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => (e.dataset.role || e.tagName) + ' ' + e.scrollWidth + '>' + e.clientWidth);",
        );
        shot(s, "d10-preview-900x600");
        assert_eq!(over, serde_json::json!([]), "cards overflow at 900×600");
    });
}

/// The Schedule section ignored the form grid and showed raw CLI errors.
#[test]
fn the_schedule_is_on_the_form_grid_and_says_what_is_wrong() {
    Window::open("schedule", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.page("settings");
        s.scroll_to("[data-testid=schedule-at]");
        assert!(
            s.find("label.field [data-testid=schedule-at]").is_some()
                && s.find("label.field [data-testid=schedule-run-as]")
                    .is_some(),
            "the schedule's fields are not on the form grid"
        );
        let at = s.wait("[data-testid=schedule-at]", 5);
        at.clear();
        at.type_text("2:30pm");
        s.wait("[data-testid=schedule-preview]", 5).click();
        let e = s
            .wait("[data-testid=schedule-error]:not([hidden])", 10)
            .text();
        shot(s, "d11-schedule-error");
        assert!(e.contains("HH:MM"), "{e}");
        assert!(
            !e.contains("--at") && !e.contains("rolesync "),
            "a CLI error in the window: {e}"
        );
    });
}

/// The apply step showed an empty "○" when there was nothing to do.
#[test]
fn a_sync_with_nothing_to_do_says_so_for_the_apply_step() {
    Window::open("nothing-to-do", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        for round in 0..2 {
            s.page("home");
            s.wait("[data-testid=run-sync]", 10).click();
            mfa_if_asked(s, true, 20);
            let r = s.wait("[data-testid=run-result]", 60);
            if round == 1 {
                assert_eq!(r.attr("data-outcome").as_deref(), Some("noChanges"));
            }
        }
        let apply = s.wait("li[data-step=apply]", 5);
        shot(s, "d12-apply-nothing-to-do");
        assert_ne!(
            apply.attr("data-status").as_deref(),
            Some("waiting"),
            "{}",
            apply.text()
        );
        assert!(
            apply.text().contains("nothing to change"),
            "{}",
            apply.text()
        );
    });
}

/// Cancelled sign-ins were not logged; in the demo the log said "client secret" where the window
/// said MFA.
#[test]
fn sign_ins_are_logged_as_the_window_says() {
    Window::open("sign-in-log", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.wait("main[data-ready=home]", 30);
        s.wait("[data-testid=run-sync]", 5).click();
        s.wait("[data-testid=prompt-cancel]", 20).click();
        s.wait("[data-testid=run-error]", 10);
        s.page("home");
        s.wait("[data-testid=preview]", 5).click();
        s.wait("[data-testid=mfa-yes]", 20).click();
        s.wait("[data-testid=plan-summary]", 30);
        let logs = w.home.path().join("logs");
        let text: String = std::fs::read_dir(&logs)
            .expect("log folder")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        assert!(
            text.contains("sign-in cancelled"),
            "the cancelled sign-in is not in the log:\n{text}"
        );
        let started = text
            .lines()
            .rfind(|l| l.contains("run started"))
            .unwrap_or_default()
            .to_string();
        assert!(
            !started.contains("client secret") && started.contains("interactive"),
            "the window said multi-factor, the log says: {started}"
        );
    });
}
