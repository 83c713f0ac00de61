//! Verifying the setup before anything is saved, each part ✓ or ✗ with the fix: the answers make
//! a valid configuration; RoleSync signs in to Entra ID with its certificate; the token carries
//! each permission a sync needs (read from the token's `roles`, each missing one named); the
//! directory is readable and its groups map to roles; the test mail arrives at the SMTP server.

use super::{answers, directory, SetupAnswers, SetupLine, SetupSecrets, Verification};
use crate::{App, AppError};
use rolesync_config::{Config, DirectorySource};
use rolesync_core::checks::CheckLine;
use rolesync_entra::AuthErrorKind;
use rolesync_secrets::{CredentialName, Secret};
use std::sync::Arc;

/// Signing in with the configured certificate (or secret), and the permissions in the token.
async fn entra_lines(cfg: &Config, eligible: bool) -> Vec<SetupLine> {
    let Some(e) = &cfg.entra else {
        return Vec::new();
    };
    let title = format!("sign in to Entra ID as the app {}", e.client_id);
    let entra = crate::backends::entra_config(e, rolesync_entra::SignIn::Certificate);
    let opts = crate::backends::connect_options(e);
    let http = match rolesync_entra::http::http_client(opts.ca_file.as_deref(), opts.timeout) {
        Ok(h) => h,
        Err(err) => {
            return vec![SetupLine::of(
                "signIn",
                CheckLine::fail(title, err, "check entra.ca_file"),
            )]
        }
    };
    let token = async {
        let tokens = rolesync_entra::connect::token_source(
            &entra,
            None,
            Arc::new(rolesync_entra::SystemBrowser),
            http,
            &opts,
        )?;
        let t = tokens.access_token().await?;
        Ok::<_, rolesync_entra::AuthError>((t, tokens.describe()))
    }
    .await;
    let (token, how) = match token {
        Ok(t) => t,
        Err(err) => {
            let fix = match err.kind {
                AuthErrorKind::InvalidCredentials => "upload the certificate (the .cer file) to the app registration's Certificates & secrets",
                AuthErrorKind::App => "check the Application (client) ID and the tenant; the app registration must be in this tenant",
                AuthErrorKind::Consent => "grant admin consent to the app's API permissions",
                AuthErrorKind::Network => "check that this machine reaches the sign-in endpoint (proxy, firewall)",
                AuthErrorKind::Config => "make the certificate again, or check the certificate file",
                _ => "see the message",
            };
            return vec![SetupLine::of(
                "signIn",
                CheckLine::fail(title, err.message, fix),
            )];
        }
    };
    let mut lines = vec![SetupLine::of("signIn", CheckLine::ok(title, Some(how)))];
    let granted = rolesync_entra::target::granted_permissions(token.secret().expose());
    let missing = rolesync_entra::target::missing_permissions(&granted, eligible);
    for p in rolesync_entra::target::required_permissions(eligible) {
        let title = format!("the Microsoft Graph permission {p} is granted");
        lines.push(SetupLine::of(
            "permissions",
            if missing.contains(&p) {
                CheckLine::fail(
                    title,
                    "not in the token: missing, or admin consent not granted",
                    format!("app registration → API permissions → Add a permission → Microsoft Graph → Application permissions → {p}, then \"Grant admin consent\" (it shows in the next sign-in)"),
                )
            } else {
                CheckLine::ok(title, None)
            },
        ));
    }
    lines
}

/// The directory: where the DCs are, the bind, the OU, the groups.
async fn directory_lines(
    app: &App,
    cfg: &Config,
    a: &SetupAnswers,
    s: &SetupSecrets,
) -> Vec<SetupLine> {
    let Some(dir) = &cfg.directory else {
        return Vec::new();
    };
    let DirectorySource::Ldap(l) = &dir.source else {
        return Vec::new();
    };
    let password = match directory::ldap_password(app, a, s) {
        Ok(p) => p,
        Err(line) => return vec![line],
    };
    let source = match rolesync_ad::configured::source(l, password) {
        Ok(s) => s,
        Err(e) => {
            return vec![SetupLine::of(
                "directory",
                CheckLine::fail(
                    "the directory settings are usable",
                    e.message,
                    "fix the domain, the DC's URL or the TLS settings",
                ),
            )]
        }
    };
    let mut policy = cfg.policy.clone();
    rolesync_ad::configured::complete_policy(dir, &source, &mut policy).await;
    let ou = policy.mapping.ou.clone();
    let mut lines: Vec<SetupLine> = rolesync_ad::ldap::check(source.config(), &ou)
        .await
        .into_iter()
        .map(|l| SetupLine::of("directory", l))
        .collect();
    if lines.iter().all(|l| l.ok) {
        match rolesync_ad::ldap::browse::groups_in(&source, ou.as_str()).await {
            Ok(g) => lines.push(directory::groups_line(
                ou.as_str(),
                &directory::group_roles(&g, &ou, a),
            )),
            Err(e) => lines.push(SetupLine::of(
                "directory",
                CheckLine::fail(
                    "the role groups are readable",
                    e.message,
                    "give the account read access to the OU and its groups",
                ),
            )),
        }
    }
    lines
}

/// The test mail.
async fn mail_line(
    cfg: &Config,
    a: &SetupAnswers,
    s: &SetupSecrets,
    app: &App,
) -> Option<SetupLine> {
    let email = cfg.email.as_ref()?;
    let title = format!("a test message reaches {}", email.to.join(", "));
    let secret = match &email.username {
        None => None,
        Some(user) => match s
            .smtp_password
            .clone()
            .filter(|p| !p.is_empty())
            .map(Secret::new)
            .or_else(|| {
                app.credentials()
                    .saved(CredentialName::Smtp)
                    .map(|c| c.secret)
            }) {
            Some(p) => Some(p),
            None => {
                return Some(SetupLine::of(
                    "mail",
                    CheckLine::fail(
                        title,
                        format!("no password was entered for the SMTP account {user}"),
                        "enter its password (it is saved in the keyring as \"smtp\")",
                    ),
                ))
            }
        },
    };
    let smtp = crate::backends::smtp_config_with(email, secret);
    let _ = a;
    Some(SetupLine::of(
        "mail",
        match rolesync_notify::test_message::send_test(&smtp).await {
            Ok(()) => CheckLine::ok(title, Some(format!("sent through {}:{} — check the inbox", email.server, email.port))),
            Err(e) => CheckLine::fail(title, e.to_string(), "check the SMTP server, port, security and account; the report mail uses the same settings"),
        },
    ))
}

impl App {
    /// Checks every part of the answers; saves nothing.
    pub async fn setup_verify(
        &self,
        a: &SetupAnswers,
        s: &SetupSecrets,
    ) -> Result<Verification, AppError> {
        let (text, errors) = answers::config_text(self, a)?;
        if !errors.is_empty() {
            let lines = vec![SetupLine::of(
                "configuration",
                CheckLine::fail(
                    "the answers make a valid configuration",
                    errors
                        .iter()
                        .map(|e| format!("{}: {}", e.key, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                    "fix the fields marked",
                ),
            )];
            return Ok(Verification {
                lines,
                errors,
                ok: false,
            });
        }
        let cfg = rolesync_config::parse(self.config_file(), &text)?;
        let mut lines = vec![SetupLine::of(
            "configuration",
            CheckLine::ok(
                "the answers make a valid configuration",
                Some(self.config_file().display().to_string()),
            ),
        )];
        let (entra, dir) = futures_join(
            entra_lines(&cfg, a.eligible),
            directory_lines(self, &cfg, a, s),
        )
        .await;
        lines.extend(dir);
        lines.extend(entra);
        lines.extend(mail_line(&cfg, a, s, self).await);
        let ok = lines.iter().all(|l| l.ok);
        tracing::info!(
            ok,
            failed = lines.iter().filter(|l| !l.ok).count(),
            "setup verified"
        );
        Ok(Verification { lines, errors, ok })
    }

    /// [`App::setup_verify`] on a runtime of its own.
    pub fn setup_verify_blocking(
        &self,
        a: &SetupAnswers,
        s: &SetupSecrets,
    ) -> Result<Verification, AppError> {
        crate::run::runtime()?.block_on(self.setup_verify(a, s))
    }
}

/// Both at once.
async fn futures_join<A, B>(
    a: impl std::future::Future<Output = A>,
    b: impl std::future::Future<Output = B>,
) -> (A, B) {
    tokio::join!(a, b)
}
