//! Connecting and binding: the transport policy (LDAPS, or StartTLS, or plain LDAP only when
//! explicitly allowed), certificate verification with an optional extra CA file, and the bind.

use super::errors::{bind_error, ldap_error};
use super::{Bind, LdapConfig};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};
use rolesync_core::traits::{ReadError, ReadErrorKind};
use rustls::pki_types::CertificateDer;
use std::sync::Arc;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TLS from the start (`ldaps://`).
    Ldaps,
    /// `ldap://` upgraded with StartTLS.
    StartTls,
    /// Clear text (`ldap://` with `allow_insecure`).
    Plain,
}

/// Checks the URL and the transport policy; returns the transport and the URL without a trailing
/// slash (for messages).
pub fn transport(config: &LdapConfig) -> Result<(Transport, String), ReadError> {
    let url = url::Url::parse(&config.url).map_err(|e| {
        ReadError::new(format!(
            "the LDAP URL `{}` is not valid ({e}); write it as ldaps://dc1.contoso.com or ldap://dc1.contoso.com with start_tls",
            config.url
        ))
    })?;
    if url.host_str().unwrap_or("").is_empty() {
        return Err(ReadError::new(format!(
            "the LDAP URL `{}` names no host; write it as ldaps://dc1.contoso.com",
            config.url
        )));
    }
    let server = config.url.trim_end_matches('/').to_string();
    let t = match (url.scheme(), config.start_tls) {
        ("ldaps", false) => Transport::Ldaps,
        ("ldaps", true) => {
            return Err(ReadError::new(format!(
                "{server}: start_tls is for ldap:// URLs, ldaps:// is already encrypted; set start_tls = false or use ldap://"
            )))
        }
        ("ldap", true) => Transport::StartTls,
        ("ldap", false) if config.allow_insecure => Transport::Plain,
        ("ldap", false) => {
            return Err(ReadError::new(format!(
                "{server}: plain ldap:// would send the bind password and the directory data unencrypted; use ldaps:// (port 636) or set start_tls = true, or set allow_insecure = true to accept clear text"
            )))
        }
        (other, _) => {
            return Err(ReadError::new(format!(
                "the LDAP URL `{}` has scheme `{other}`; use ldaps:// or ldap://",
                config.url
            )))
        }
    };
    if config.chase_referrals {
        return Err(ReadError::new(format!(
            "{server}: chasing referrals is not supported; set chase_referrals = false and point the URL at a DC that holds {}",
            config.base_dn
        )));
    }
    Ok((t, server))
}

/// The rustls client configuration: system roots plus `ca_file`, verification always on.
pub fn tls_config(
    config: &LdapConfig,
    server: &str,
) -> Result<Arc<rustls::ClientConfig>, ReadError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for c in native.certs {
        // A broken system certificate must not stop the run; the CA file is what matters here.
        let _ = roots.add(c);
    }
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            ReadError::new(format!(
                "{server}: cannot read ca_file {} ({e}); give a PEM file with the CA certificate",
                path.display()
            ))
        })?;
        let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<_, _>>()
            .map_err(|e| {
                ReadError::new(format!(
                    "{server}: ca_file {} is not a PEM certificate file ({e})",
                    path.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(ReadError::new(format!(
                "{server}: ca_file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            )));
        }
        for c in certs {
            roots.add(c).map_err(|e| {
                ReadError::new(format!(
                    "{server}: a certificate in ca_file {} is not usable as a CA ({e})",
                    path.display()
                ))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ReadError::new(format!("{server}: TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// An open, bound connection.
#[derive(Debug, Clone)]
pub struct Session {
    /// The LDAP handle (cheap to clone; operations on clones share the connection).
    pub ldap: Ldap,
    /// The URL, for messages.
    pub server: String,
    /// How the connection is protected.
    pub transport: Transport,
}

/// Connects (TCP and TLS) without binding.
pub async fn open(config: &LdapConfig) -> Result<Session, ReadError> {
    let (transport, server) = transport(config)?;
    let mut settings = LdapConnSettings::new().set_conn_timeout(config.timeout);
    if transport != Transport::Plain {
        settings = settings
            .set_config(tls_config(config, &server)?)
            .set_starttls(transport == Transport::StartTls);
    }
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &config.url)
        .await
        .map_err(|e| ldap_error(&server, "connecting", config.timeout, &e))?;
    let task_server = server.clone();
    tokio::spawn(async move {
        if let Err(e) = conn.drive().await {
            tracing::debug!(server = %task_server, error = %e, "LDAP connection ended");
        }
    });
    Ok(Session {
        ldap,
        server,
        transport,
    })
}

/// Binds an open session.
pub async fn bind(session: &mut Session, config: &LdapConfig) -> Result<(), ReadError> {
    let (who, dn, pw) = match &config.bind {
        Bind::Simple {
            dn_or_upn,
            password,
        } => {
            if password.is_empty() {
                return Err(ReadError::of(
                    ReadErrorKind::SignIn,
                    format!(
                        "bind to {} as {dn_or_upn}: the password is empty (an empty password would be an unauthenticated bind); give the bind password",
                        session.server
                    ),
                ));
            }
            (dn_or_upn.clone(), dn_or_upn.as_str(), password.as_str())
        }
        Bind::Anonymous => ("anonymous".to_string(), "", ""),
    };
    let res = session
        .ldap
        .with_timeout(config.timeout)
        .simple_bind(dn, pw)
        .await
        .map_err(|e| ldap_error(&session.server, "binding", config.timeout, &e))?;
    if res.rc != 0 {
        return Err(bind_error(&session.server, &who, &res));
    }
    Ok(())
}

/// Connects and binds.
pub async fn connect(config: &LdapConfig) -> Result<Session, ReadError> {
    let mut s = open(config).await?;
    bind(&mut s, config).await?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldap::Expansion;

    fn cfg(url: &str) -> LdapConfig {
        LdapConfig::new(url, Bind::Anonymous, "DC=contoso,DC=com")
    }

    #[test]
    fn transport_policy() {
        assert_eq!(
            transport(&cfg("ldaps://dc1.contoso.com")).unwrap().0,
            Transport::Ldaps
        );
        let mut c = cfg("ldap://dc1.contoso.com:389/");
        let e = transport(&c).unwrap_err();
        assert!(e.message.contains("allow_insecure = true"), "{e}");
        assert!(e.message.starts_with("ldap://dc1.contoso.com:389:"), "{e}");
        c.start_tls = true;
        assert_eq!(transport(&c).unwrap().0, Transport::StartTls);
        c.start_tls = false;
        c.allow_insecure = true;
        assert_eq!(transport(&c).unwrap().0, Transport::Plain);
        let mut c = cfg("ldaps://dc1");
        c.start_tls = true;
        assert!(transport(&c).is_err());
        assert!(transport(&cfg("http://dc1")).is_err());
        assert!(transport(&cfg("dc1.contoso.com")).is_err());
        let mut c = cfg("ldaps://dc1");
        c.chase_referrals = true;
        assert!(transport(&c)
            .unwrap_err()
            .message
            .contains("referrals is not supported"));
        assert_eq!(c.transitive_via, Expansion::Client);
    }

    #[test]
    fn password_is_redacted() {
        let b = Bind::Simple {
            dn_or_upn: "svc@contoso.com".into(),
            password: "hunter2".into(),
        };
        let mut c = cfg("ldaps://dc1");
        c.bind = b;
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && shown.contains("<redacted>"));
    }

    #[test]
    fn unreadable_ca_file() {
        let mut c = cfg("ldaps://dc1");
        c.ca_file = Some("/nonexistent/ca.pem".into());
        let e = tls_config(&c, "ldaps://dc1").unwrap_err();
        assert!(e.message.contains("cannot read ca_file"), "{e}");
    }
}
