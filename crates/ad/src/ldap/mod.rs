//! The LDAP directory source: reads role groups and their members from Active Directory (or a
//! Samba AD DC) over LDAPS or StartTLS with certificate verification.
//!
//! - [`connect`]: URL and TLS policy, connecting, binding.
//! - [`search`]: paged searches and ranged `member` reads (AD returns at most 1,000 entries per
//!   page and 1,500 values per attribute read).
//! - [`source`]: [`LdapSource`], the [`rolesync_core::traits::DirectorySource`], and [`check`].
//! - [`errors`]: LDAP and TLS failures turned into messages that name the server and the fix.

pub mod connect;
pub mod errors;
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
    /// `ldaps://host[:port]` (636 by default) or `ldap://host[:port]` (389) with `start_tls`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    pub start_tls: bool,
    /// A PEM file of CA certificates trusted in addition to the system roots.
    pub ca_file: Option<PathBuf>,
    /// Allow `ldap://` without StartTLS (the password and data travel in clear text).
    pub allow_insecure: bool,
    /// How to sign in.
    pub bind: Bind,
    /// The naming context searched for members (`DC=contoso,DC=com`).
    pub base_dn: String,
    /// Limit for connecting and for each LDAP operation (each reply of a search).
    pub timeout: Duration,
    /// How nested membership is expanded.
    pub transitive_via: Expansion,
    /// Follow referrals to other servers. Not supported: must be false (referrals are reported).
    pub chase_referrals: bool,
}

impl LdapConfig {
    /// A config with the defaults: verification on, 30 s timeout, client-side expansion.
    pub fn new(url: impl Into<String>, bind: Bind, base_dn: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            start_tls: false,
            ca_file: None,
            allow_insecure: false,
            bind,
            base_dn: base_dn.into(),
            timeout: Duration::from_secs(30),
            transitive_via: Expansion::default(),
            chase_referrals: false,
        }
    }
}
