//! The finish of the window: the History's dated chart and the drill-down into one run (its
//! plan, changes, failures, log lines); Credentials with each account and adding or replacing
//! one; the dark theme when the OS asks for it; and a whole run driven by the keyboard alone.

use super::webdriver::{wait_until, ENTER, TAB};
use super::window::{shot, Window};
use rolesync_secrets::{CredentialName, CredentialStore};
use std::time::Duration;

#[test]
fn history_is_dated_and_opens_one_run_in_full() {
    Window::open("history", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.wait("main[data-ready=home]", 30);
        s.wait("[data-testid=run-sync]", 5).click();
        s.wait("[data-testid=mfa-yes]", 20).click();
        s.wait("[data-testid=run-result]", 60);
        s.page("history");
        let chart = s.wait("[data-testid=history-chart]", 5);
        let labels = chart.text();
        let today = chrono::Local::now().format("%b").to_string();
        assert!(
            labels.contains(&today),
            "the chart has the run's date: {labels:?}"
        );
        shot(s, "f01-history-chart-dated");
        s.wait("[data-testid=run-open]", 5).click();
        let d = s.wait("[data-testid=run-details]", 10).text();
        assert!(d.contains("Applied") || d.contains("granted"), "{d}");
        // Its plan per role with the outcome of each change, and its own log lines.
        s.wait("section.role tr[data-kind=grant]", 5);
        assert!(!s.find_all("section.role tr[data-kind=revoke]").is_empty());
        let log = s.wait("[data-testid=run-log]", 5).text();
        assert!(
            log.contains("run started") && log.contains("run finished"),
            "{log}"
        );
        shot(s, "f02-history-run-details");
        s.wait("[data-testid=run-back]", 5).click();
        s.wait("[data-testid=history-table]", 5);
    });
}

#[test]
fn credentials_show_accounts_and_can_be_added_or_replaced() {
    Window::open("credentials", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.page("credentials");
        s.wait("[data-testid=edit-smtp]", 5).click();
        // Blank is refused in the form, with the reason.
        s.wait("[data-testid=cred-save-smtp]", 5).click();
        let e = s.wait("[data-testid=cred-error-smtp]", 5).text();
        assert!(e.contains("Enter the account"), "{e}");
        s.wait("[data-testid=cred-account-smtp]", 5)
            .type_text("mailer@contoso.com");
        s.wait("[data-testid=cred-secret-smtp]", 5)
            .type_text("smtp-password");
        shot(s, "f03-credentials-add");
        s.wait("[data-testid=cred-save-smtp]", 5).click();
        s.wait("tr[data-credential=smtp][data-saved=true]", 10);
        let shown = s.wait("[data-testid=cred-account-shown-smtp]", 5).text();
        assert_eq!(shown, "mailer@contoso.com");
        let saved = w
            .keyring()
            .get(CredentialName::Smtp)
            .expect("read")
            .expect("saved");
        assert_eq!(saved.account, "mailer@contoso.com");
        assert_eq!(saved.secret.expose(), "smtp-password");
        // Replace it.
        s.wait("[data-testid=edit-smtp]", 5).click();
        let acc = s.wait("[data-testid=cred-account-smtp]", 5);
        acc.clear();
        acc.type_text("relay@contoso.com");
        s.wait("[data-testid=cred-secret-smtp]", 5)
            .type_text("new-password");
        s.wait("[data-testid=cred-save-smtp]", 5).click();
        wait_until("the new account", Duration::from_secs(10), || {
            s.find("[data-testid=cred-account-shown-smtp]")
                .filter(|e| e.text() == "relay@contoso.com")
        });
        shot(s, "f04-credentials-accounts");
        assert_eq!(
            w.keyring()
                .get(CredentialName::Smtp)
                .expect("read")
                .expect("saved")
                .secret
                .expose(),
            "new-password"
        );
        let page = s.wait("main", 5).text();
        assert!(!page.contains("new-password"), "a secret on the page");
    });
}

#[test]
fn the_dark_theme_follows_the_os() {
    Window::open("dark", &["--demo"], &[("GTK_THEME", "Adwaita:dark".into())], |_| {}).run(|w| {
        let s = &w.s;
        s.wait("main[data-ready=home]", 30);
        let dark = s.run_script("return [matchMedia('(prefers-color-scheme: dark)').matches, getComputedStyle(document.body).backgroundColor];");
        assert_eq!(dark[0], true, "the OS's dark theme does not reach the page: {dark}");
        assert_eq!(dark[1], "rgb(17, 22, 31)", "{dark}");
        shot(s, "f05-dark-home");
        s.wait("[data-testid=preview]", 5).click();
        s.wait("[data-testid=dialog-mfa]", 20);
        shot(s, "f06-dark-mfa-question");
        s.wait("[data-testid=mfa-yes]", 5).click();
        s.wait("[data-testid=plan-summary]", 30);
        shot(s, "f07-dark-preview");
        s.page("history");
        shot(s, "f08-dark-history");
        s.page("settings");
        shot(s, "f09-dark-settings");
    });
}

/// Every action of a run by keyboard: Tab to Preview, Enter; the MFA question's buttons; the
/// preview's Apply and its confirmation.
#[test]
fn a_whole_run_by_keyboard() {
    Window::open("keyboard", &["--demo"], &[], |_| {}).run(|w| {
        let s = &w.s;
        s.wait("main[data-ready=home]", 30);
        let tab_to = |css: &str| {
            for _ in 0..60 {
                if s.focus_in(css).1 {
                    return;
                }
                s.keys(&TAB.to_string());
            }
            panic!("Tab never reaches {css}");
        };
        tab_to("[data-testid=preview]");
        shot(s, "f10-keyboard-focus-preview");
        s.keys(&ENTER.to_string());
        s.wait("[data-testid=dialog-mfa]", 20);
        // Focus is on Yes: Enter answers.
        assert_eq!(s.focus_in("[data-testid=dialog-mfa]").0, "mfa-yes");
        s.keys(&ENTER.to_string());
        s.wait("[data-testid=plan-summary]", 30);
        tab_to("[data-testid=apply]");
        s.keys(&ENTER.to_string());
        let r = s.wait("[data-testid=run-result]", 60);
        assert_eq!(r.attr("data-outcome").as_deref(), Some("applied"));
        // The navigation, then a run's details, by keyboard too.
        tab_to("#nav a[data-page=history]");
        s.keys(&ENTER.to_string());
        s.wait("main[data-ready=history]", 10);
        tab_to("[data-testid=run-open]");
        s.keys(&ENTER.to_string());
        s.wait("[data-testid=run-details]", 10);
        shot(s, "f11-keyboard-run-details");
    });
}
