//! The setup's answers as the configuration file's keys: read from an existing file (the setup
//! then edits it), and written into the file — the existing one, or the commented example for a
//! new one — through the configuration crate's settings form, so that comments and other keys
//! stay and the messages are the ones every command would give.

use super::SetupAnswers;
use crate::{App, AppError};
use rolesync_config::form::{self, FieldError, FieldValue, SettingsForm};

fn text(f: &SettingsForm, key: &str) -> String {
    match f.get(key) {
        Some(FieldValue::Text(t)) => t.clone(),
        _ => String::new(),
    }
}

fn flag(f: &SettingsForm, key: &str) -> bool {
    matches!(f.get(key), Some(FieldValue::Flag(true)))
}

fn list(f: &SettingsForm, key: &str) -> Vec<String> {
    match f.get(key) {
        Some(FieldValue::List(l)) => l.clone(),
        _ => Vec::new(),
    }
}

/// The answers an existing configuration file gives.
pub fn from_config_text(config: &str) -> SetupAnswers {
    let f = form::form_of(config);
    SetupAnswers {
        domain: text(&f, "directory.domain"),
        url: text(&f, "directory.url"),
        bind: text(&f, "directory.bind"),
        start_tls: flag(&f, "directory.start_tls"),
        ca_file: text(&f, "directory.ca_file"),
        ou: text(&f, "directory.ou"),
        prefix: text(&f, "mapping.prefix"),
        eligible: text(&f, "mapping.default_kind") == "eligible",
        protected: list(&f, "safety.protected"),
        tenant: text(&f, "entra.tenant"),
        client_id: text(&f, "entra.client_id"),
        certificate: text(&f, "entra.certificate"),
        certificate_thumbprint: text(&f, "entra.certificate_thumbprint"),
        interactive: flag(&f, "entra.interactive"),
        login_url: text(&f, "entra.login_url"),
        graph_url: text(&f, "entra.graph_url"),
        entra_ca_file: text(&f, "entra.ca_file"),
        email: f.enabled.get("email").copied().unwrap_or(false),
        smtp_server: text(&f, "email.server"),
        smtp_port: match f.get("email.port") {
            Some(FieldValue::Number(n)) => u16::try_from(*n).unwrap_or(0),
            _ => 0,
        },
        smtp_security: text(&f, "email.security"),
        mail_from: text(&f, "email.from"),
        mail_to: list(&f, "email.to"),
        smtp_username: text(&f, "email.username"),
        smtp_ca_file: text(&f, "email.ca_file"),
    }
}

/// The bind account, when the bind is not integrated.
pub fn bind_account(a: &SetupAnswers) -> Option<String> {
    let b = a.bind.trim();
    (!b.is_empty() && !b.eq_ignore_ascii_case(rolesync_config::schema::defaults::BIND))
        .then(|| b.to_string())
}

/// The settings form for `a`, over the form of `base` (the file's text).
pub fn form_for(a: &SetupAnswers, base: &str) -> SettingsForm {
    let mut f = form::form_of(base);
    let t = |v: &str| FieldValue::Text(v.trim().to_string());
    let fixed_dc = !a.url.trim().is_empty();
    f.set("directory.domain", t(if fixed_dc { "" } else { &a.domain }));
    f.set("directory.url", t(&a.url));
    f.set(
        "directory.bind",
        t(if a.bind.trim().is_empty() {
            rolesync_config::schema::defaults::BIND
        } else {
            &a.bind
        }),
    );
    f.set("directory.start_tls", FieldValue::Flag(a.start_tls));
    f.set("directory.ca_file", t(&a.ca_file));
    f.set("directory.ou", t(&a.ou));
    f.set("directory.ldif", t(""));
    f.set("mapping.prefix", t(&a.prefix));
    f.set(
        "mapping.default_kind",
        t(if a.eligible { "eligible" } else { "active" }),
    );
    f.set("safety.protected", FieldValue::List(a.protected.clone()));
    f.set("entra.tenant", t(&a.tenant));
    f.set("entra.client_id", t(&a.client_id));
    f.set("entra.sign_in", t("certificate"));
    f.set("entra.certificate", t(&a.certificate));
    f.set("entra.certificate_thumbprint", t(&a.certificate_thumbprint));
    f.set("entra.username", t(""));
    f.set("entra.interactive", FieldValue::Flag(a.interactive));
    f.set("entra.login_url", t(&a.login_url));
    f.set("entra.graph_url", t(&a.graph_url));
    f.set("entra.ca_file", t(&a.entra_ca_file));
    f.enabled.insert("email".into(), a.email);
    if a.email {
        f.set("email.server", t(&a.smtp_server));
        f.set(
            "email.port",
            if a.smtp_port == 0 {
                FieldValue::Unset
            } else {
                FieldValue::Number(a.smtp_port.into())
            },
        );
        f.set(
            "email.security",
            t(if a.smtp_security.trim().is_empty() {
                rolesync_config::schema::defaults::SMTP_SECURITY
            } else {
                &a.smtp_security
            }),
        );
        f.set("email.from", t(&a.mail_from));
        f.set("email.to", FieldValue::List(a.mail_to.clone()));
        f.set("email.username", t(&a.smtp_username));
        f.set("email.ca_file", t(&a.smtp_ca_file));
    }
    f
}

/// The configuration file's new text for `a`, and every problem with it: the configuration
/// crate's messages, then what would not work on this machine (see
/// [`crate::settings::usable_here`]).
pub fn config_text(app: &App, a: &SetupAnswers) -> Result<(String, Vec<FieldError>), AppError> {
    let (_, base) = app.settings_text()?;
    let f = form_for(a, &base);
    let (text, mut errors) = form::validate(app.config_file(), &f, &base);
    if errors.is_empty() {
        if let Ok(cfg) = rolesync_config::parse(app.config_file(), &text) {
            errors.extend(crate::settings::usable_here(&cfg));
        }
    }
    Ok((text, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers() -> SetupAnswers {
        SetupAnswers {
            domain: "contoso.test".into(),
            bind: "integrated".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b".into(),
            certificate: "/etc/rolesync/rolesync-graph.pem".into(),
            interactive: true,
            protected: vec!["breakglass@contoso.onmicrosoft.com".into()],
            ..SetupAnswers::default()
        }
    }

    #[test]
    fn the_answers_become_the_files_keys_and_come_back() {
        let f = form_for(&answers(), rolesync_config::EXAMPLE);
        let text = form::write_form(&f, rolesync_config::EXAMPLE);
        let cfg = rolesync_config::parse(std::path::Path::new("r.toml"), &text).expect("valid");
        let e = cfg.entra.expect("[entra]");
        assert_eq!(e.client_id, "3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b");
        assert_eq!(e.sign_in, rolesync_config::SignIn::Certificate);
        assert!(e.interactive);
        assert!(
            text.contains("# certificate  client credentials"),
            "the example's comments stay"
        );
        assert!(
            !text.lines().any(|l| l.trim() == "[email]"),
            "no email section: {text}"
        );
        assert_eq!(from_config_text(&text), answers());
    }

    #[test]
    fn a_fixed_dc_replaces_the_domain_and_a_bind_account_is_named() {
        let a = SetupAnswers {
            url: "ldaps://dc1.contoso.test".into(),
            bind: "svc-rolesync@contoso.test".into(),
            ..answers()
        };
        let f = form_for(&a, "");
        assert_eq!(
            f.get("directory.domain"),
            Some(&FieldValue::Text(String::new()))
        );
        assert_eq!(
            bind_account(&a).as_deref(),
            Some("svc-rolesync@contoso.test")
        );
        assert_eq!(bind_account(&answers()), None);
    }
}
