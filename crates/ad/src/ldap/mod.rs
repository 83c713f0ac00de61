//! The LDAP directory source: reads role groups and their members from Active Directory (or a
//! Samba AD DC) over LDAPS or StartTLS with certificate verification, signed in with a password
//! or with Kerberos as the running account.
//!
//! - [`browse`]: the OUs and the groups in one OU, for the first-run setup.
//! - [`locate`]: which domain controllers to try: a fixed URL, or DNS SRV discovery.
//! - [`connect`]: URL and TLS policy, connecting with failover between DCs, binding.
//! - [`rootdse`]: the DC's RootDSE (naming context, host name, Kerberos realm).
//! - [`kerberos`]: the SASL GSSAPI bind and its failures in words.
//! - [`search`]: paged searches and ranged `member` reads (AD returns at most 1,000 entries per
//!   page and 1,500 values per attribute read).
//! - [`source`]: [`LdapSource`], the [`rolesync_core::traits::DirectorySource`], and [`check`].
//! - [`exposure`]: the role groups' security descriptors and the principals they name, for
//!   `rolesync exposure`.
//! - [`errors`]: LDAP and TLS failures turned into messages that name the server and the fix.

pub mod browse;
pub mod connect;
pub mod errors;
pub mod exposure;
pub mod kerberos;
pub mod locate;
#[cfg(windows)]
mod machine_domain_windows;
pub mod rootdse;
pub mod search;
pub mod source;

pub use source::{check, LdapSource};

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// How the source signs in to the directory.
#[derive(Clone, PartialEq, Eq)]
pub enum Bind {
    /// Simple bind with a DN or a UPN (`svc-rolesync@contoso.com`) and a password.
    Simple {
        /// Bind DN or user principal name.
        dn_or_upn: String,
        /// Password; never printed (see the `Debug` impl).
        password: String,
    },
    /// Anonymous bind (AD refuses anonymous searches unless configured to allow them).
    Anonymous,
    /// SASL GSSAPI (Kerberos) as the account running RoleSync: SSPI on Windows (the logged-on
    /// user, LocalSystem's computer account, a gMSA), GSSAPI elsewhere (the credential cache, or
    /// the keytab in `KRB5_CLIENT_KTNAME`). No password.
    Integrated,
}

impl Bind {
    /// Who signs in, for messages: the account, `anonymous`, or the running account.
    pub fn who(&self) -> String {
        match self {
            Bind::Simple { dn_or_upn, .. } => dn_or_upn.clone(),
            Bind::Anonymous => "anonymous".into(),
            Bind::Integrated => "the running account (Kerberos)".into(),
        }
    }
}

/// Where the domain controllers are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Servers {
    /// One DC: `ldaps://host[:port]` (636 by default) or `ldap://host[:port]` (389).
    Url(String),
    /// The DCs of this DNS domain, from its SRV records `_ldap._tcp.dc._msdcs.<domain>`.
    Domain(String),
    /// The DCs of the domain this machine is joined to (Windows).
    MachineDomain,
}

impl fmt::Debug for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bind::Simple { dn_or_upn, .. } => f
                .debug_struct("Simple")
                .field("dn_or_upn", dn_or_upn)
                .field("password", &"<redacted>")
                .finish(),
            Bind::Anonymous => f.write_str("Anonymous"),
            Bind::Integrated => f.write_str("Integrated"),
        }
    }
}

/// How transitive (nested) membership is computed. Both give the same members (the Samba tests
/// check that they agree); they differ in cost and in what they can notice.
///
/// Measured against Samba 4.17 on loopback (release build, the test fixture, 2026-11-27,
/// `cargo test --release -p rolesync-ad --test samba -- --ignored bench`): the 3,000-member
/// group takes 1.45 s in-chain and 0.39 s client; the five role groups of the fixture take
/// 4.5–10 s in-chain and 0.48 s client, because every in-chain search makes the server evaluate
/// the rule over the whole naming context. So [`Expansion::Client`] is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expansion {
    /// The server does it: one paged search with `LDAP_MATCHING_RULE_IN_CHAIN`
    /// (`memberOf:1.2.840.113556.1.4.1941:=`) per group, under `base_dn`. Cannot tell a member it
    /// cannot read from no member, and does not see members outside `base_dn`.
    InChain,
    /// The client does it: every group's `member` values (ranged), each member entry read once
    /// (searches by DN, 20 DNs each, pipelined), nested groups expanded with cycle detection
    /// ([`crate::expand`]). A member that cannot be read becomes a
    /// [`rolesync_core::directory::SourceProblem`].
    #[default]
    Client,
}

/// Where and how to read the directory.
#[derive(Debug, Clone)]
pub struct LdapConfig {
    /// A fixed DC, or DNS discovery.
    pub servers: Servers,
    /// Upgrade an `ldap://` connection with StartTLS (discovered DCs: port 389 with StartTLS
    /// instead of LDAPS on 636).
    pub start_tls: bool,
    /// A PEM file of CA certificates trusted in addition to the system roots.
    pub ca_file: Option<PathBuf>,
    /// Allow `ldap://` without StartTLS (the password and data travel in clear text).
    pub allow_insecure: bool,
    /// How to sign in.
    pub bind: Bind,
    /// The naming context searched for members (`DC=contoso,DC=com`); `None`: the DC's
    /// `defaultNamingContext`.
    pub base_dn: Option<String>,
    /// Limit for connecting and for each LDAP operation (each reply of a search).
    pub timeout: Duration,
    /// How nested membership is expanded.
    pub transitive_via: Expansion,
    /// Follow referrals to other servers. Not supported: must be false (referrals are reported).
    pub chase_referrals: bool,
}

impl LdapConfig {
    /// A config for one DC with the defaults: verification on, 30 s timeout, client-side
    /// expansion.
    pub fn new(url: impl Into<String>, bind: Bind, base_dn: impl Into<String>) -> Self {
        let mut c = Self::with_servers(Servers::Url(url.into()), bind);
        c.base_dn = Some(base_dn.into());
        c
    }

    /// A config for these servers with the defaults, the base DN from the DC.
    pub fn with_servers(servers: Servers, bind: Bind) -> Self {
        Self {
            servers,
            start_tls: false,
            ca_file: None,
            allow_insecure: false,
            bind,
            base_dn: None,
            timeout: Duration::from_secs(30),
            transitive_via: Expansion::default(),
            chase_referrals: false,
        }
    }

    /// The configured servers in words (`ldaps://dc1.contoso.com`, `the domain controllers of
    /// contoso.com (DNS)`).
    pub fn describe(&self) -> String {
        match &self.servers {
            Servers::Url(u) => u.trim_end_matches('/').to_string(),
            Servers::Domain(d) => format!("the domain controllers of {d} (DNS)"),
            Servers::MachineDomain => {
                "the domain controllers of this machine's domain (DNS)".into()
            }
        }
    }
}
