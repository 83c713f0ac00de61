//! The first-run setup: from an empty machine to a verified configuration, as the window's setup
//! page and `rolesync setup` walk through it. Nothing here changes a role: the setup reads the
//! directory, looks up the tenant, makes a certificate, signs in once, sends a test mail, and
//! finally writes the configuration file (through the configuration crate's form and
//! validation, as the settings page does) and the credentials entered (the OS keyring).
//!
//! * [`directory`]: the domain and its DCs found as a run finds them (DNS SRV records, the base
//!   DN from the DC's RootDSE), the OUs, and the groups of the chosen OU with the role each maps to.
//! * [`certificate`]: the certificate RoleSync signs in with — made here, a private PEM file
//!   (Windows: the LocalMachine\My store) and the public `.cer` to upload.
//! * [`registration`]: exactly what to register in Entra ID, as steps and as commands for
//!   Microsoft Graph PowerShell and the Azure CLI.
//! * [`verify`]: each part checked, ✓ or ✗ with the fix: sign-in, each permission read from the
//!   token, the directory, the test mail.
//! * [`answers`]: the answers as the configuration file's keys.

pub mod answers;
pub mod certificate;
#[cfg(windows)]
mod certificate_windows;
pub mod directory;
pub mod registration;
pub mod verify;

use crate::credentials::CredentialList;
use crate::{App, AppError};
use rolesync_config::form::FieldError;
use rolesync_core::checks::CheckLine;
use rolesync_secrets::{CredentialName, Secret};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use certificate::CertificateInfo;
pub use directory::{DirectoryFound, GroupRole};
pub use registration::Registration;

/// The redirect URI of the interactive sign-in (loopback; any port, RFC 8252).
pub const REDIRECT_URI: &str = "http://localhost";

/// The admin's answers, as the setup page and `rolesync setup` collect them. Blank means "not
/// given" (the default applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SetupAnswers {
    /// The AD domain (`contoso.com`): its DCs are found in DNS.
    pub domain: String,
    /// A fixed DC instead of discovery (`ldaps://dc1.contoso.com`).
    pub url: String,
    /// `integrated` (Kerberos as the running account) or a bind account.
    pub bind: String,
    /// StartTLS on port 389 instead of LDAPS.
    pub start_tls: bool,
    /// The CA of the DCs' certificates (PEM), when the OS does not trust it.
    pub ca_file: String,
    /// The OU holding the role groups (blank: the default under the domain).
    pub ou: String,
    /// A prefix before the role name in group names (`M365-`).
    pub prefix: String,
    /// Groups matched by name become PIM-eligible assignments instead of active ones.
    pub eligible: bool,
    /// Accounts never revoked (break-glass), one per entry.
    pub protected: Vec<String>,
    /// The tenant (id or domain).
    pub tenant: String,
    /// The app registration's client id.
    pub client_id: String,
    /// The certificate file (PEM) RoleSync signs in with; blank on Windows (the store).
    pub certificate: String,
    /// The certificate's thumbprint in LocalMachine\My (Windows).
    pub certificate_thumbprint: String,
    /// A person may also sign in interactively with MFA (the window asks).
    pub interactive: bool,
    /// National clouds or a local emulator: the sign-in endpoint (blank: Microsoft's global).
    pub login_url: String,
    /// National clouds or a local emulator: Microsoft Graph (blank: follows `login_url`).
    pub graph_url: String,
    /// An extra CA for those endpoints (a TLS-inspecting proxy).
    pub entra_ca_file: String,
    /// Send an email report after each run.
    pub email: bool,
    /// SMTP server.
    pub smtp_server: String,
    /// SMTP port (0: the usual one of the security).
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none`.
    pub smtp_security: String,
    /// Sender.
    pub mail_from: String,
    /// Recipients.
    pub mail_to: Vec<String>,
    /// SMTP account (its password is the `smtp` credential).
    pub smtp_username: String,
    /// The CA of the SMTP server's certificate (PEM).
    pub smtp_ca_file: String,
}

/// The passwords entered during the setup; saved in the keyring with the configuration, never
/// written anywhere else. `Debug` prints no value.
#[derive(Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SetupSecrets {
    /// The bind account's password (`ldap`), when the bind is not integrated.
    pub ldap_password: Option<String>,
    /// The SMTP account's password (`smtp`).
    pub smtp_password: Option<String>,
}

impl std::fmt::Debug for SetupSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| {
            if v.as_deref().is_some_and(|s| !s.is_empty()) {
                "<redacted>"
            } else {
                "none"
            }
        };
        f.debug_struct("SetupSecrets")
            .field("ldap_password", &set(&self.ldap_password))
            .field("smtp_password", &set(&self.smtp_password))
            .finish()
    }
}

impl SetupSecrets {
    /// The password entered for `name`, if any.
    fn get(&self, name: CredentialName) -> Option<Secret> {
        let v = match name {
            CredentialName::Ldap => &self.ldap_password,
            CredentialName::Smtp => &self.smtp_password,
            _ => return None,
        };
        v.as_deref().filter(|s| !s.is_empty()).map(Secret::new)
    }
}

/// What the setup starts from.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupStart {
    /// The answers so far: from the existing configuration, else the suggestions (the domain
    /// this machine is in, integrated sign-in, the certificate made earlier).
    pub answers: SetupAnswers,
    /// Where the suggested domain came from, in words (empty when none was found).
    pub domain_source: String,
    /// The configuration file the setup writes.
    pub config_file: String,
    /// Whether it exists already (the setup then edits it).
    pub config_exists: bool,
    /// The certificate made earlier, if any.
    pub certificate: Option<CertificateInfo>,
    /// The keyring and the credentials saved in it.
    pub credentials: Option<CredentialList>,
    /// This is Windows (the certificate goes into the LocalMachine\My store).
    pub windows: bool,
}

/// A check of the setup, as the window and the terminal show it: ✓ or ✗ with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupLine {
    /// Which part: `directory`, `tenant`, `signIn`, `permissions`, `mail`, `configuration`.
    pub part: String,
    /// Passed.
    pub ok: bool,
    /// What was checked.
    pub title: String,
    /// What was found.
    pub detail: Option<String>,
    /// How to fix a failure.
    pub fix: Option<String>,
}

impl SetupLine {
    /// A line of `part` from a check line.
    pub fn of(part: &str, l: CheckLine) -> Self {
        Self {
            part: part.into(),
            ok: l.ok,
            title: l.title,
            detail: l.detail,
            fix: l.fix,
        }
    }
}

/// What the tenant step found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TenantFound {
    /// The tenant id, when the tenant was found.
    pub tenant_id: Option<String>,
    /// ✓ or ✗ with the fix.
    pub line: SetupLine,
}

/// What verifying found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// Every check, in order.
    pub lines: Vec<SetupLine>,
    /// The configuration crate's messages about the answers; empty when they make a valid file.
    pub errors: Vec<FieldError>,
    /// Every check passed and the configuration is valid.
    pub ok: bool,
}

/// What saving did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupSaved {
    /// The configuration file.
    pub file: String,
    /// Whether it was written (only a valid configuration is).
    pub saved: bool,
    /// The configuration crate's messages; empty when saved.
    pub errors: Vec<FieldError>,
    /// The credentials saved in the keyring (`ldap`, `smtp`).
    pub credentials: Vec<String>,
}

impl App {
    /// Where the setup starts: the existing configuration's answers, or suggestions.
    pub fn setup_start(&self) -> SetupStart {
        let existing = std::fs::read_to_string(self.config_file()).ok();
        let mut answers = existing
            .as_deref()
            .map(answers::from_config_text)
            .unwrap_or_default();
        let (suggested, source) = directory::suggested_domain();
        if answers.domain.is_empty() && answers.url.is_empty() {
            answers.domain = suggested.unwrap_or_default();
        }
        if answers.bind.is_empty() {
            answers.bind = rolesync_config::schema::defaults::BIND.into();
        }
        let certificate = certificate::existing(self);
        if let Some(c) = &certificate {
            if answers.certificate.is_empty() && answers.certificate_thumbprint.is_empty() {
                c.fill(&mut answers);
            }
        }
        SetupStart {
            answers,
            domain_source: source,
            config_file: self.config_file().display().to_string(),
            config_exists: existing.is_some(),
            certificate,
            credentials: self.credentials().list().ok(),
            windows: cfg!(windows),
        }
    }

    /// The tenant looked up in the identity platform (its id), changing nothing.
    pub async fn setup_tenant(&self, a: &SetupAnswers) -> TenantFound {
        let title = format!("the tenant {} is found", a.tenant.trim());
        if a.tenant.trim().is_empty() {
            return TenantFound {
                tenant_id: None,
                line: SetupLine::of(
                    "tenant",
                    CheckLine::fail(title, "no tenant given", "enter the tenant's domain (contoso.onmicrosoft.com) or its id (Entra admin center → Overview → Tenant ID)"),
                ),
            };
        }
        let login = match rolesync_config::cloud::endpoints(
            Some(a.login_url.trim()).filter(|s| !s.is_empty()),
            Some(a.graph_url.trim()).filter(|s| !s.is_empty()),
        ) {
            Ok((login, _)) => login,
            Err(errs) => {
                let e = errs.into_iter().next();
                return TenantFound {
                    tenant_id: None,
                    line: SetupLine::of(
                        "tenant",
                        CheckLine::fail(
                            title,
                            e.as_ref().map(|e| e.message.clone()).unwrap_or_default(),
                            e.map(|e| e.fix).unwrap_or_default(),
                        ),
                    ),
                };
            }
        };
        let ca = Some(a.entra_ca_file.trim())
            .filter(|s| !s.is_empty())
            .map(std::path::PathBuf::from);
        match rolesync_entra::tenant::tenant_id(&login, a.tenant.trim(), ca.as_deref()).await {
            Ok(id) => TenantFound {
                line: SetupLine::of("tenant", CheckLine::ok(title, Some(format!("tenant id {id}")))),
                tenant_id: Some(id),
            },
            Err(e) => TenantFound {
                tenant_id: None,
                line: SetupLine::of(
                    "tenant",
                    CheckLine::fail(title, e.message, "check the tenant's name (a verified domain such as contoso.onmicrosoft.com, or the tenant id)"),
                ),
            },
        }
    }

    /// [`App::setup_tenant`] on a runtime of its own.
    pub fn setup_tenant_blocking(&self, a: &SetupAnswers) -> Result<TenantFound, AppError> {
        Ok(crate::run::runtime()?.block_on(self.setup_tenant(a)))
    }

    /// What to register in Entra ID for these answers and this certificate.
    pub fn setup_registration(&self, a: &SetupAnswers, cert: &CertificateInfo) -> Registration {
        registration::registration(a, cert)
    }

    /// Writes the configuration (only when valid) and saves the passwords entered in the
    /// keyring. Roles are not touched.
    pub fn setup_save(
        &self,
        a: &SetupAnswers,
        secrets: &SetupSecrets,
    ) -> Result<SetupSaved, AppError> {
        let (text, errors) = answers::config_text(self, a)?;
        if !errors.is_empty() {
            return Ok(SetupSaved {
                file: self.config_file().display().to_string(),
                saved: false,
                errors,
                credentials: Vec::new(),
            });
        }
        let mut saved = Vec::new();
        for (name, account) in [
            (CredentialName::Ldap, answers::bind_account(a)),
            (
                CredentialName::Smtp,
                Some(a.smtp_username.trim())
                    .filter(|u| a.email && !u.is_empty())
                    .map(str::to_string),
            ),
        ] {
            if let (Some(account), Some(secret)) = (account, secrets.get(name)) {
                self.credentials().save(name, &account, secret)?;
                saved.push(name.as_str().to_string());
            }
        }
        crate::settings::write_private(self.config_file(), text.as_bytes())
            .map_err(AppError::io)?;
        tracing::info!(file = %self.config_file().display(), credentials = ?saved, "setup saved the configuration");
        Ok(SetupSaved {
            file: self.config_file().display().to_string(),
            saved: true,
            errors: Vec::new(),
            credentials: saved,
        })
    }
}
