//! The LDAP source against a real Samba AD DC on loopback (see `dc.rs`).
//!
//! `cargo test -p rolesync-ad --test samba`; the benchmark is `-- --ignored bench`.
#![allow(clippy::unwrap_used, missing_docs)]

mod bench;
mod exposure;
mod failures;
mod kerberos;
mod read;

use rolesync_testkit::samba::{dc, fixture};

use rolesync_ad::ldap::{Bind, Expansion, LdapConfig};
use rolesync_core::directory::SourceScope;
use rolesync_core::ids::Dn;
use std::time::Duration;

/// How a test connects.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Ldaps,
    StartTls,
}

pub fn admin() -> Bind {
    Bind::Simple {
        dn_or_upn: fixture::ADMIN_UPN.into(),
        password: fixture::ADMIN_PASS.into(),
    }
}

pub fn config(dc: &dc::Dc, via: Via, expansion: Expansion) -> LdapConfig {
    let url = match via {
        Via::Ldaps => format!("ldaps://{}", dc.addr),
        Via::StartTls => format!("ldap://{}", dc.addr),
    };
    let mut c = LdapConfig::new(url, admin(), fixture::BASE);
    c.start_tls = matches!(via, Via::StartTls);
    c.ca_file = Some(dc.ca_file());
    c.timeout = Duration::from_secs(20);
    c.transitive_via = expansion;
    c
}

pub fn scope() -> SourceScope {
    SourceScope {
        ou: Dn::new(fixture::ROLES_OU),
        extra_groups: vec![Dn::new(fixture::EXTRA_GROUP)],
        transitive: true,
    }
}
