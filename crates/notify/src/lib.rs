//! RoleSync's email report: after a run, a mail whose subject carries the outcome
//! (`RoleSync: 3 granted, 1 revoked, 1 failed`), with a plain-text and an HTML body listing every
//! step and every change per role, and the run's own log attached, zipped ([`attachment`]).
//!
//! - [`render`] builds both bodies from a [`RunReport`] without IO (unit-tested).
//! - [`send_report`] builds the message and sends it over SMTP with `lettre` (tokio, rustls):
//!   `StartTls` (STARTTLS required, never opportunistic), `Tls` (implicit TLS, port 465) or `None`
//!   (plain, only when configured, and never with a password or token). Certificates are
//!   verified against the OS trust store plus an optional extra CA file (`ca_file`) for internal
//!   CAs; verification cannot be switched off.
//!
//! - [`test_message`] sends the first-run setup's test message the same way.
//!
//! Errors ([`NotifyError`]) name the server and port and say what to check; they never contain
//! the password or token.

pub mod attachment;
mod render;
pub mod test_message;

pub use attachment::RunLog;
pub use render::{duration_words, escape_html, render, subject};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rolesync_core::report::RunReport;
use rolesync_secrets::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS; the upgrade is required (port 587 or 25).
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption. Only for a trusted relay on the local network; refuses to send credentials.
    None,
}

impl Security {
    /// The usual port: 587, 465 or 25.
    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// How to log in to the SMTP server.
#[derive(Debug, Clone, Default)]
pub enum SmtpAuth {
    /// No login (a relay that accepts by address).
    #[default]
    None,
    /// `AUTH PLAIN`/`LOGIN` with `username` and this password.
    Password(Secret),
    /// `AUTH XOAUTH2` with `username` and this OAuth2 access token (Exchange Online, Gmail).
    XOAuth2(Secret),
}

/// Where and how to send the report.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Host name of the SMTP server (also the name its certificate must carry).
    pub server: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// Login name; required with [`SmtpAuth::Password`] and [`SmtpAuth::XOAuth2`].
    pub username: Option<String>,
    /// Login method and secret.
    pub auth: SmtpAuth,
    /// Sender, `RoleSync <rolesync@contoso.com>` or a bare address.
    pub from: String,
    /// Recipients (one or more).
    pub to: Vec<String>,
    /// Time allowed for each network operation.
    pub timeout: Duration,
    /// An extra CA certificate file (PEM) to trust besides the OS store, for internal CAs.
    pub ca_file: Option<PathBuf>,
}

impl SmtpConfig {
    /// A configuration with the security's usual port, no login and a 30 s timeout.
    pub fn new(
        server: impl Into<String>,
        security: Security,
        from: impl Into<String>,
        to: Vec<String>,
    ) -> Self {
        Self {
            server: server.into(),
            port: security.default_port(),
            security,
            username: None,
            auth: SmtpAuth::None,
            from: from.into(),
            to,
            timeout: Duration::from_secs(30),
            ca_file: None,
        }
    }
}

/// Why the report could not be sent. Never contains the password or token.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The SMTP settings are wrong.
    #[error("the SMTP settings are not usable: {0}")]
    Config(String),
    /// No connection to the server.
    #[error(
        "could not connect to the SMTP server {server}:{port}: {detail}; check the server \
         name, the port and the firewall"
    )]
    Connect {
        /// Server.
        server: String,
        /// Port.
        port: u16,
        /// What failed.
        detail: String,
    },
    /// TLS failed (certificate not trusted, wrong name, no STARTTLS offered).
    #[error(
        "TLS with the SMTP server {server}:{port} failed: {detail}; check the security mode \
         (starttls on 587, tls on 465) and, for a certificate from an internal CA, set the \
         CA file"
    )]
    Tls {
        /// Server.
        server: String,
        /// Port.
        port: u16,
        /// What failed.
        detail: String,
    },
    /// The server refused the login.
    #[error(
        "the SMTP server {server}:{port} refused the login of {username}: {detail}; save the \
         right credentials with `rolesync credentials set smtp`"
    )]
    Auth {
        /// Server.
        server: String,
        /// Port.
        port: u16,
        /// Login name.
        username: String,
        /// The server's answer.
        detail: String,
    },
    /// The server timed out.
    #[error("the SMTP server {server}:{port} did not answer in time: {detail}")]
    Timeout {
        /// Server.
        server: String,
        /// Port.
        port: u16,
        /// What timed out.
        detail: String,
    },
    /// The server refused the message or a recipient, or another SMTP error.
    #[error("the SMTP server {server}:{port} did not accept the report: {detail}")]
    Rejected {
        /// Server.
        server: String,
        /// Port.
        port: u16,
        /// The server's answer.
        detail: String,
    },
}

/// Builds the report mail (without sending it): headers, both bodies, the run's log attached.
/// A message from the configured sender to every configured recipient, with this subject.
pub(crate) fn addressed(
    cfg: &SmtpConfig,
    subject: &str,
) -> Result<lettre::message::MessageBuilder, NotifyError> {
    let from: Mailbox = cfg.from.parse().map_err(|e| {
        NotifyError::Config(format!("sender `{}` is not an address: {e}", cfg.from))
    })?;
    if cfg.to.is_empty() {
        return Err(NotifyError::Config("no recipients".to_string()));
    }
    let mut builder = Message::builder()
        .from(from)
        .subject(subject)
        .message_id(None)
        .date_now();
    for to in &cfg.to {
        let mb: Mailbox = to
            .parse()
            .map_err(|e| NotifyError::Config(format!("recipient `{to}` is not an address: {e}")))?;
        builder = builder.to(mb);
    }
    Ok(builder)
}

/// A log that cannot be attached is noted in the bodies instead of failing the mail.
pub fn build_message(
    cfg: &SmtpConfig,
    report: &RunReport,
    log: Option<&RunLog>,
) -> Result<Message, NotifyError> {
    let builder = addressed(cfg, &subject(report))?;
    let (mut text, mut html) = render(report);
    let mut attachment = None;
    let note = |text: &mut String, html: &mut String, n: &str| {
        text.push_str(&format!("\n{n}\n"));
        let at = html.rfind("</body>").unwrap_or(html.len());
        html.insert_str(at, &format!("<p>{}</p>\n", escape_html(n)));
    };
    if let Some(log) = log {
        match attachment::zip_log(log) {
            Ok((bytes, cut)) => {
                if let Some(n) = cut {
                    note(&mut text, &mut html, &n);
                }
                attachment = Some(
                    Attachment::new(format!("{}.zip", log.name)).body(
                        bytes,
                        ContentType::parse("application/zip")
                            .map_err(|e| NotifyError::Config(e.to_string()))?,
                    ),
                );
            }
            Err(e) => {
                let n = format!("The run's log could not be attached: {e}");
                tracing::warn!("{n}");
                note(&mut text, &mut html, &n);
            }
        }
    }
    let alternative = MultiPart::alternative_plain_html(text, html);
    let body = match attachment {
        Some(a) => MultiPart::mixed().multipart(alternative).singlepart(a),
        None => alternative,
    };
    builder
        .multipart(body)
        .map_err(|e| NotifyError::Config(format!("could not build the mail: {e}")))
}

fn transport(cfg: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
    if cfg.server.trim().is_empty() {
        return Err(NotifyError::Config("no SMTP server given".to_string()));
    }
    let tls = match cfg.security {
        Security::None => {
            if !matches!(cfg.auth, SmtpAuth::None) {
                return Err(NotifyError::Config(format!(
                    "refusing to send the SMTP login to {}:{} over an unencrypted connection; \
                     use security starttls or tls",
                    cfg.server, cfg.port
                )));
            }
            Tls::None
        }
        Security::StartTls | Security::Tls => {
            let mut params = TlsParameters::builder(cfg.server.clone());
            if let Some(ca) = &cfg.ca_file {
                let pem = std::fs::read(ca).map_err(|e| {
                    NotifyError::Config(format!("cannot read the CA file {}: {e}", ca.display()))
                })?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    NotifyError::Config(format!(
                        "the CA file {} holds no usable PEM certificate: {e}",
                        ca.display()
                    ))
                })?;
                params = params.add_root_certificate(cert);
            }
            let params = params.build_rustls().map_err(|e| NotifyError::Tls {
                server: cfg.server.clone(),
                port: cfg.port,
                detail: e.to_string(),
            })?;
            if cfg.security == Security::Tls {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.server.clone())
        .port(cfg.port)
        .tls(tls)
        .timeout(Some(cfg.timeout));
    let login = |secret: &Secret| -> Result<Credentials, NotifyError> {
        let user = cfg
            .username
            .clone()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| NotifyError::Config("a login needs a user name".to_string()))?;
        Ok(Credentials::new(user, secret.expose().to_string()))
    };
    match &cfg.auth {
        SmtpAuth::None => {}
        SmtpAuth::Password(p) => {
            b = b
                .credentials(login(p)?)
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        SmtpAuth::XOAuth2(t) => {
            b = b
                .credentials(login(t)?)
                .authentication(vec![Mechanism::Xoauth2]);
        }
    }
    Ok(b.build())
}

/// The error's text and its causes, with the secret (if any) blanked out.
fn error_text(e: &dyn std::error::Error, secret: Option<&Secret>) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    while s.contains("Connection error: Connection error: ") {
        s = s.replace("Connection error: Connection error: ", "Connection error: ");
    }
    if let Some(sec) = secret.filter(|x| !x.is_empty()) {
        s = s.replace(sec.expose(), "<redacted>");
    }
    rolesync_core::redact::redact(&s).into_owned()
}

fn classify(cfg: &SmtpConfig, e: &lettre::transport::smtp::Error) -> NotifyError {
    let secret = match &cfg.auth {
        SmtpAuth::None => None,
        SmtpAuth::Password(s) | SmtpAuth::XOAuth2(s) => Some(s),
    };
    let detail = error_text(e, secret);
    let server = cfg.server.clone();
    let port = cfg.port;
    let code = e.status().map(|c| c.to_string());
    let lower = detail.to_ascii_lowercase();
    let tls_words = ["certificate", "handshake", "tls", "alert", "starttls"];
    if let Some(t) = rolesync_core::tls::find_in_chain(e) {
        NotifyError::Tls {
            server,
            port,
            detail: rolesync_core::tls::words(t, "email.ca_file"),
        }
    } else if e.is_tls() || (code.is_none() && tls_words.iter().any(|w| lower.contains(w))) {
        NotifyError::Tls {
            server,
            port,
            detail,
        }
    } else if e.is_timeout() {
        NotifyError::Timeout {
            server,
            port,
            detail,
        }
    } else if matches!(code.as_deref(), Some("535" | "534" | "538" | "454"))
        && secret.is_some()
        && lower.contains("auth")
    {
        NotifyError::Auth {
            server,
            port,
            username: cfg.username.clone().unwrap_or_default(),
            detail,
        }
    } else if code.is_none()
        && (detail.starts_with("Connection error") || detail.starts_with("network error"))
    {
        NotifyError::Connect {
            server,
            port,
            detail,
        }
    } else {
        NotifyError::Rejected {
            server,
            port,
            detail,
        }
    }
}

/// Sends the report: subject with the outcome, plain-text and HTML bodies, the run's log attached.
pub async fn send_report(
    cfg: &SmtpConfig,
    report: &RunReport,
    log: Option<&RunLog>,
) -> Result<(), NotifyError> {
    let message = build_message(cfg, report, log)?;
    let transport = transport(cfg)?;
    tracing::debug!(
        server = %cfg.server,
        port = cfg.port,
        security = ?cfg.security,
        recipients = cfg.to.len(),
        "sending the report mail"
    );
    let response = transport
        .send(message)
        .await
        .map_err(|e| classify(cfg, &e))?;
    tracing::debug!(code = %response.code(), "the SMTP server accepted the report");
    Ok(())
}
