//! RoleSync's configuration: one TOML file, validated into one typed [`Config`] before any IO.
//! Every error names the key, the file and line, and the fix; see `config/rolesync.example.toml`.

pub mod cloud;
mod error;
mod file;
pub mod form;
mod paths;
mod raw;
pub mod schema;
mod validate;

pub use error::{ConfigError, ConfigErrors};
pub use file::{read_config, ReadConfigError, MAX_CONFIG_BYTES};
pub use paths::Paths;
pub use validate::parse;

use rolesync_core::ids::Dn;
use rolesync_core::policy::Policy;
use std::path::PathBuf;
use url::Url;

/// The commented example configuration that `rolesync config init` writes.
pub const EXAMPLE: &str = include_str!("../../../config/rolesync.example.toml");

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it came from.
    pub file: PathBuf,
    /// Where role groups are read.
    pub directory: Option<DirectoryConfig>,
    /// Where roles are read and changed.
    pub entra: Option<EntraConfig>,
    /// Planning rules.
    pub policy: Policy,
    /// Logging.
    pub logging: LoggingConfig,
    /// Emailed report.
    pub email: Option<EmailConfig>,
    /// The longest a run may take (`safety.run_deadline_minutes`).
    pub run_deadline: std::time::Duration,
    /// How long a plan held for approval may be approved (`safety.approval_expires_hours`).
    pub approval_expires: std::time::Duration,
    /// `rolesync exposure`.
    pub exposure: ExposureConfig,
}

/// `[exposure]`: the expected Tier-0 trustees and the threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposureConfig {
    /// Trustees not reported: names, DNs or SIDs (default: the built-in Tier-0 list).
    pub expected: Vec<String>,
    /// Findings at or above this fail `rolesync exposure`; `None`: never.
    pub fail_at: Option<rolesync_core::exposure::Severity>,
}

impl Default for ExposureConfig {
    fn default() -> Self {
        Self {
            expected: rolesync_core::exposure::wellknown::DEFAULT_EXPECTED
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            fail_at: Some(rolesync_core::exposure::Severity::Medium),
        }
    }
}

impl ExposureConfig {
    /// The assessment's settings for this roles OU.
    pub fn settings(&self, roles_ou: Dn) -> rolesync_core::exposure::ExposureSettings {
        rolesync_core::exposure::ExposureSettings {
            roles_ou,
            expected: self.expected.clone(),
            fail_at: self.fail_at,
        }
    }
}

/// The OU of the role groups when `directory.ou` is not set: this RDN under the base DN
/// (`OU=Office 365 Roles Management,DC=contoso,DC=com`).
pub const DEFAULT_OU_RDN: &str = schema::defaults::OU;

/// The role OU when `directory.ou` is not set: [`DEFAULT_OU_RDN`] under `base_dn`.
pub fn default_ou(base_dn: &str) -> Dn {
    Dn::new(format!("{DEFAULT_OU_RDN},{base_dn}"))
}

/// Active Directory settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryConfig {
    /// A live DC or an LDIF export.
    pub source: DirectorySource,
    /// Expand nested groups.
    pub nested: bool,
    /// `directory.ou` as written; `None` when it is left out (a live directory only): then the
    /// policy holds the relative [`DEFAULT_OU_RDN`] until the base DN is known, and the run
    /// completes it with [`default_ou`] (the domain's naming context from the DC's RootDSE).
    pub ou: Option<Dn>,
}

impl DirectoryConfig {
    /// What a configuration without a `[directory]` section means on a domain-joined Windows
    /// machine: the machine's own domain, found in DNS, read as the account running RoleSync.
    pub fn zero_configuration() -> Self {
        Self {
            source: DirectorySource::Ldap(LdapSettings {
                servers: Servers::Discover(None),
                start_tls: false,
                ca_file: None,
                allow_insecure: false,
                bind: LdapBind::Integrated,
                base_dn: None,
            }),
            nested: true,
            ou: None,
        }
    }
}

/// Where the directory is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectorySource {
    /// A domain controller over LDAP.
    Ldap(LdapSettings),
    /// An LDIF export.
    Ldif(PathBuf),
}

/// Which domain controllers RoleSync talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Servers {
    /// One DC: `directory.url` (`ldaps://…` or `ldap://…`).
    Url(Url),
    /// The DCs of a domain, found through DNS SRV records (`_ldap._tcp.dc._msdcs.<domain>`):
    /// `directory.domain`, or `None` for the machine's own domain (Windows).
    Discover(Option<String>),
}

/// LDAP connection settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapSettings {
    /// A fixed DC, or discovery in DNS.
    pub servers: Servers,
    /// Upgrade `ldap://` with StartTLS.
    pub start_tls: bool,
    /// Extra CA certificate (PEM).
    pub ca_file: Option<PathBuf>,
    /// Allow a simple bind over plain LDAP.
    pub allow_insecure: bool,
    /// How to bind.
    pub bind: LdapBind,
    /// Search base; `None`: the DC's `defaultNamingContext` (its domain).
    pub base_dn: Option<String>,
}

/// How RoleSync binds to AD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LdapBind {
    /// Simple bind as this account (UPN or DN); the password is the `ldap` keyring credential.
    Account(String),
    /// Kerberos / SSPI as the account running RoleSync.
    Integrated,
}

/// How RoleSync signs in to Entra ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Client credentials with a certificate.
    Certificate,
    /// Client credentials with a client secret (keyring `office365`).
    Secret,
    /// Authorization code + PKCE in the system browser (MFA).
    Interactive,
    /// Device code (MFA).
    DeviceCode,
    /// Resource owner password (legacy, no MFA).
    Password,
}

/// Entra ID settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    /// Tenant id or domain.
    pub tenant: String,
    /// App registration's client id.
    pub client_id: String,
    /// Sign-in mode.
    pub sign_in: SignIn,
    /// Certificate file (PEM or PFX).
    pub certificate: Option<PathBuf>,
    /// Certificate thumbprint in the Windows store.
    pub certificate_thumbprint: Option<String>,
    /// Account for the password sign-in.
    pub username: Option<String>,
    /// The app registration also allows a person's interactive sign-in with MFA (redirect URI
    /// `http://localhost`, "Allow public client flows"): the window asks whether to use it
    /// instead of the unattended `sign_in` (`entra.interactive`).
    pub interactive: bool,
    /// Identity platform base URL, the host only (`https://login.microsoftonline.com/`).
    pub login_url: Url,
    /// Microsoft Graph base URL, always ending in `/v1.0` (`https://graph.microsoft.com/v1.0`);
    /// see [`cloud`].
    pub graph_url: Url,
    /// Extra CA certificate (PEM) for TLS to the login and Graph endpoints (an inspecting proxy).
    pub ca_file: Option<PathBuf>,
    /// Graph reads in flight at once; `None` for the client's default (32).
    pub concurrent_reads: Option<u32>,
    /// Graph `$batch`es of 20 writes in flight at once; `None` for the client's default (50).
    pub concurrent_write_batches: Option<u32>,
}

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoggingConfig {
    /// Folder for logs, reports and the audit file; `None` for the default.
    pub folder: Option<PathBuf>,
    /// `tracing` level filter.
    pub level: String,
}

/// TLS on the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// STARTTLS (port 587).
    StartTls,
    /// Implicit TLS (port 465).
    Tls,
    /// None (port 25 relays inside the network).
    None,
}

/// Email report settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// SMTP server.
    pub server: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub security: SmtpSecurity,
    /// Sender.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// SMTP account (password in the `smtp` keyring credential).
    pub username: Option<String>,
    /// Extra CA certificate (PEM) for the server's TLS certificate.
    pub ca_file: Option<PathBuf>,
}

impl Config {
    /// The configuration used when no file exists (demo runs): defaults, no directory, no tenant.
    pub fn defaults(file: PathBuf) -> Self {
        Self {
            file,
            directory: None,
            entra: None,
            policy: Policy::for_ou(schema::defaults::OU),
            logging: LoggingConfig {
                folder: None,
                level: schema::defaults::LOGGING_LEVEL.into(),
            },
            email: None,
            run_deadline: std::time::Duration::from_secs(
                60 * u64::from(schema::defaults::RUN_DEADLINE_MINUTES),
            ),
            approval_expires: std::time::Duration::from_secs(
                3600 * u64::from(schema::defaults::APPROVAL_EXPIRES_HOURS),
            ),
            exposure: ExposureConfig::default(),
        }
    }
}
