//! Connecting and binding: the transport policy (LDAPS, or StartTLS, or plain LDAP only when
//! explicitly allowed), certificate verification with an optional extra CA file, failover
//! between domain controllers (only while connecting: a read never moves to another DC), the
//! RootDSE, and the bind (simple, or Kerberos).

use super::errors::{bind_error, ldap_error};
use super::kerberos;
use super::locate::{self, Candidate, FoundBy, Located};
use super::rootdse::{self, RootDse};
use super::search::Entry;
use super::{Bind, LdapConfig, Servers};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use rolesync_core::traits::{ReadError, ReadErrorKind};
use rustls::pki_types::CertificateDer;
use std::sync::Arc;
use std::time::Duration;

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

/// Checks the transport policy for the configured servers without connecting: a fixed URL's
/// scheme and TLS settings; referrals.
pub fn check_policy(config: &LdapConfig) -> Result<(), ReadError> {
    if config.chase_referrals {
        return Err(ReadError::new(format!(
            "{}: chasing referrals is not supported; set chase_referrals = false and point the URL at a DC that holds {}",
            config.describe(),
            config.base_dn.as_deref().unwrap_or("the naming context")
        )));
    }
    match &config.servers {
        Servers::Url(u) => transport(config, u).map(|_| ()),
        Servers::Domain(_) | Servers::MachineDomain if config.allow_insecure => {
            Err(ReadError::new(format!(
                "{}: allow_insecure is only for a fixed ldap:// URL; discovered domain controllers are read over LDAPS, or StartTLS with start_tls = true",
                config.describe()
            )))
        }
        Servers::Domain(_) | Servers::MachineDomain => Ok(()),
    }
}

/// Checks one URL against the transport policy; returns the transport and the URL without a
/// trailing slash (for messages).
pub fn transport(config: &LdapConfig, url_text: &str) -> Result<(Transport, String), ReadError> {
    let url = url::Url::parse(url_text).map_err(|e| {
        ReadError::new(format!(
            "the LDAP URL `{url_text}` is not valid ({e}); write it as ldaps://dc1.contoso.com or ldap://dc1.contoso.com with start_tls"
        ))
    })?;
    if url.host_str().unwrap_or("").is_empty() {
        return Err(ReadError::new(format!(
            "the LDAP URL `{url_text}` names no host; write it as ldaps://dc1.contoso.com"
        )));
    }
    let server = url_text.trim_end_matches('/').to_string();
    let t = match (url.scheme(), config.start_tls) {
        ("ldaps", false) => Transport::Ldaps,
        ("ldaps", true) => {
            return Err(ReadError::new(format!(
                "{server}: start_tls is for ldap:// URLs, ldaps:// is already encrypted; set start_tls = false or use ldap://"
            )))
        }
        ("ldap", true) => Transport::StartTls,
        ("ldap", false) if config.bind == Bind::Integrated => {
            return Err(ReadError::new(format!(
                "{server}: integrated (Kerberos) sign-in runs inside TLS here; use ldaps:// (port 636) or set start_tls = true"
            )))
        }
        ("ldap", false) if config.allow_insecure => Transport::Plain,
        ("ldap", false) => {
            return Err(ReadError::new(format!(
                "{server}: plain ldap:// would send the bind password and the directory data unencrypted; use ldaps:// (port 636) or set start_tls = true, or set allow_insecure = true to accept clear text"
            )))
        }
        (other, _) => {
            return Err(ReadError::new(format!(
                "the LDAP URL `{url_text}` has scheme `{other}`; use ldaps:// or ldap://"
            )))
        }
    };
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

/// An open connection (bound once [`connect`] returns it).
#[derive(Debug, Clone)]
pub struct Session {
    /// The LDAP handle (cheap to clone; operations on clones share the connection).
    pub ldap: Ldap,
    /// The URL, for messages.
    pub server: String,
    /// How the connection is protected.
    pub transport: Transport,
    /// The DC and how it was found.
    pub dc: Candidate,
    /// The DC's RootDSE.
    pub root: RootDse,
    /// The search base: `base_dn`, or the DC's `defaultNamingContext`.
    pub base_dn: String,
}

/// Why one DC was not used: the error, and whether it simply did not answer (then the next DC
/// is tried) or refused (then the run stops: every DC of a domain would refuse the same way).
#[derive(Debug, Clone)]
pub struct Attempt {
    /// What went wrong, in words.
    pub error: ReadError,
    /// The DC did not answer (refused or dropped connection, timeout, unknown host name).
    pub no_answer: bool,
    /// Where it failed.
    pub phase: Phase,
}

/// Where connecting to a DC stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reaching it: TCP, TLS, the RootDSE.
    Reach,
    /// Signing in.
    Bind,
    /// Finding the search base.
    BaseDn,
}

impl Attempt {
    fn ldap(server: &str, what: &str, timeout: Duration, e: &LdapError, phase: Phase) -> Self {
        Attempt {
            error: ldap_error(server, what, timeout, e),
            no_answer: no_answer(e),
            phase,
        }
    }

    fn refused(error: ReadError, phase: Phase) -> Self {
        Attempt {
            error,
            no_answer: false,
            phase,
        }
    }
}

/// Whether an LDAP error means the server did not answer (so another DC may).
pub fn no_answer(e: &LdapError) -> bool {
    use std::io::ErrorKind as K;
    match e {
        LdapError::Timeout { .. }
        | LdapError::EndOfStream
        | LdapError::ResultRecv { .. }
        | LdapError::OpSend { .. } => true,
        LdapError::Io { source } => {
            source
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .is_none()
                && (matches!(
                    source.kind(),
                    K::ConnectionRefused
                        | K::ConnectionReset
                        | K::ConnectionAborted
                        | K::TimedOut
                        | K::UnexpectedEof
                        | K::BrokenPipe
                        | K::NotConnected
                        | K::AddrNotAvailable
                        | K::HostUnreachable
                        | K::NetworkUnreachable
                ) || source.to_string().contains("failed to lookup address")
                    || source.to_string().contains("Name or service not known"))
        }
        _ => false,
    }
}

/// Connects (TCP and TLS) to one URL without binding.
async fn open_url(
    config: &LdapConfig,
    dc: &Candidate,
) -> Result<(Ldap, Transport, String), Attempt> {
    let (transport, server) =
        transport(config, &dc.url).map_err(|e| Attempt::refused(e, Phase::Reach))?;
    let mut settings = LdapConnSettings::new().set_conn_timeout(config.timeout);
    if transport != Transport::Plain {
        settings = settings
            .set_config(tls_config(config, &server).map_err(|e| Attempt::refused(e, Phase::Reach))?)
            .set_starttls(transport == Transport::StartTls);
    }
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &dc.url)
        .await
        .map_err(|e| match &e {
            // The DC answered the StartTLS request with an error result.
            LdapError::LdapResult { result } if transport == Transport::StartTls => {
                Attempt::refused(
                    ReadError::of(
                        ReadErrorKind::Network,
                        format!(
                            "{server} refused StartTLS (LDAP result {}{}): the DC has no certificate for LDAP over TLS, or StartTLS is turned off; give the DC a server certificate (that enables both StartTLS and LDAPS), or use ldaps://",
                            result.rc,
                            if result.text.is_empty() { String::new() } else { format!(", \"{}\"", result.text.trim()) }
                        ),
                    ),
                    Phase::Reach,
                )
            }
            _ => Attempt::ldap(&server, "connecting", config.timeout, &e, Phase::Reach),
        })?;
    let task_server = server.clone();
    tokio::spawn(async move {
        if let Err(e) = conn.drive().await {
            tracing::debug!(server = %task_server, error = %e, "LDAP connection ended");
        }
    });
    Ok((ldap, transport, server))
}

/// Opens a connection to one DC and reads its RootDSE (before any bind, as AD allows).
pub async fn open(config: &LdapConfig, dc: &Candidate) -> Result<Session, Attempt> {
    let (ldap, transport, server) = open_url(config, dc).await?;
    let mut l = ldap.clone();
    let res = l
        .with_timeout(config.timeout)
        .search(
            "",
            ldap3::Scope::Base,
            "(objectClass=*)",
            rootdse::ATTRIBUTES.to_vec(),
        )
        .await
        .map_err(|e| {
            Attempt::ldap(
                &server,
                "reading the RootDSE",
                config.timeout,
                &e,
                Phase::Reach,
            )
        })?;
    let ldap3::SearchResult(entries, result) = res;
    if result.rc != 0 {
        return Err(Attempt::refused(
            super::errors::result_error(&server, "the RootDSE", &result),
            Phase::Reach,
        ));
    }
    let root = entries
        .into_iter()
        .find(|e| !e.is_ref())
        .map(|e| RootDse::from_attrs(&Entry::from(ldap3::SearchEntry::construct(e))))
        .unwrap_or_default();
    let base_dn = config
        .base_dn
        .clone()
        .or_else(|| root.default_naming_context.clone())
        .unwrap_or_default();
    Ok(Session {
        ldap,
        server,
        transport,
        dc: dc.clone(),
        root,
        base_dn,
    })
}

/// The DC's DNS name for its Kerberos service principal: the RootDSE's `dnsHostName` (read over
/// the verified TLS connection), else the URL's host when it is a name.
pub fn kerberos_host(session: &Session) -> Option<String> {
    session.root.dns_host_name.clone().or_else(|| {
        let h = session.dc.host.as_str();
        (h.parse::<std::net::IpAddr>().is_err() && !h.is_empty()).then(|| h.to_string())
    })
}

/// Binds an open session as the configuration says.
pub async fn bind(session: &mut Session, config: &LdapConfig) -> Result<(), Attempt> {
    let (dn, pw) = match &config.bind {
        Bind::Integrated => return bind_integrated(session, config).await,
        Bind::Simple {
            dn_or_upn,
            password,
        } => {
            if password.is_empty() {
                return Err(Attempt::refused(
                    ReadError::of(
                        ReadErrorKind::SignIn,
                        format!(
                            "bind to {} as {dn_or_upn}: the password is empty (an empty password would be an unauthenticated bind); give the bind password",
                            session.server
                        ),
                    ),
                    Phase::Bind,
                ));
            }
            (dn_or_upn.as_str(), password.as_str())
        }
        Bind::Anonymous => ("", ""),
    };
    let res = session
        .ldap
        .with_timeout(config.timeout)
        .simple_bind(dn, pw)
        .await
        .map_err(|e| Attempt::ldap(&session.server, "binding", config.timeout, &e, Phase::Bind))?;
    if res.rc != 0 {
        return Err(Attempt::refused(
            bind_error(&session.server, &config.bind.who(), &res),
            Phase::Bind,
        ));
    }
    Ok(())
}

async fn bind_integrated(session: &mut Session, config: &LdapConfig) -> Result<(), Attempt> {
    let Some(host) = kerberos_host(session) else {
        return Err(Attempt::refused(ReadError::new(format!(
            "Kerberos sign-in to {}: the DC's DNS name is unknown (its RootDSE has no dnsHostName and the URL holds an address); write the DC's DNS name in directory.url",
            session.server
        )), Phase::Bind));
    };
    let realm = session
        .root
        .realm
        .clone()
        .or_else(|| match &session.dc.found_by {
            FoundBy::Srv { name, .. } => name
                .strip_prefix("_ldap._tcp.dc._msdcs.")
                .map(str::to_ascii_uppercase),
            FoundBy::Configured => None,
        });
    kerberos::bind(session, &host, realm.as_deref(), config.timeout)
        .await
        .map_err(|(error, no_answer)| Attempt {
            error,
            no_answer,
            phase: Phase::Bind,
        })
}

/// A connected and bound session, and the DCs skipped on the way because they did not answer.
#[derive(Debug)]
pub struct Connected {
    /// The session.
    pub session: Session,
    /// DCs tried first that did not answer, with why.
    pub skipped: Vec<(Candidate, ReadError)>,
}

/// Connecting failed: the last attempt, and the DCs that did not answer before it.
#[derive(Debug)]
pub struct NotConnected {
    /// What stopped it (for "no DC answered", the message lists every DC).
    pub error: ReadError,
    /// Where it stopped.
    pub phase: Phase,
    /// DCs that did not answer.
    pub skipped: Vec<(Candidate, ReadError)>,
    /// The DC that answered and then refused (`url (how it was found)`), if one did.
    pub answered: Option<String>,
}

/// Connects to the first DC of `located` that answers, reads its RootDSE and binds: a DC that
/// does not answer (at any point before the bind is done) is skipped for the next; a DC that
/// answers and refuses stops here. The read then stays on this one DC.
pub async fn connect_located(
    config: &LdapConfig,
    located: &Located,
) -> Result<Connected, NotConnected> {
    first_answering(config, located, true).await
}

/// The first DC of `located` that answers, opened and (with `and_bind`) bound; see
/// [`connect_located`].
pub async fn first_answering(
    config: &LdapConfig,
    located: &Located,
    and_bind: bool,
) -> Result<Connected, NotConnected> {
    let mut skipped: Vec<(Candidate, ReadError)> = Vec::new();
    for dc in &located.candidates {
        let attempt = async {
            let mut s = open(config, dc).await?;
            if and_bind {
                bind(&mut s, config).await?;
            }
            if s.base_dn.is_empty() {
                return Err(Attempt::refused(ReadError::new(format!(
                    "{} did not give its naming context (no defaultNamingContext in its RootDSE); set directory.base_dn",
                    s.server
                )), Phase::BaseDn));
            }
            Ok(s)
        }
        .await;
        match attempt {
            Ok(session) => {
                tracing::info!(dc = %session.server, found = %dc.found_by, base_dn = %session.base_dn, skipped = skipped.len(), "directory server answered");
                return Ok(Connected { session, skipped });
            }
            Err(a) if a.no_answer && located.domain.is_some() => {
                tracing::warn!(dc = %dc.url, error = %a.error, "domain controller did not answer; trying the next");
                skipped.push((dc.clone(), a.error));
            }
            Err(a) => {
                return Err(NotConnected {
                    error: a.error,
                    phase: a.phase,
                    skipped,
                    answered: (a.phase != Phase::Reach)
                        .then(|| format!("{} ({})", dc.url, dc.found_by)),
                })
            }
        }
    }
    let domain = located.domain.clone().unwrap_or_default();
    let list: Vec<String> = skipped
        .iter()
        .map(|(c, e)| format!("{} ({})", c.url, e.message))
        .collect();
    Err(NotConnected {
        error: ReadError::new(format!(
            "no domain controller of {domain} answered — tried {} from the SRV records {}: {}; check that they run and that this machine reaches them ({}), or set directory.url",
            skipped.len(),
            locate::srv_name(&domain),
            list.join("; "),
            if config.start_tls { "port 389" } else { "port 636, LDAPS: a DC without a certificate does not serve it" }
        )),
        phase: Phase::Reach,
        skipped,
        answered: None,
    })
}

/// Locates the DCs, connects to the first that answers and binds.
pub async fn connect(config: &LdapConfig) -> Result<Session, ReadError> {
    let located = locate::locate(config).await?;
    connect_located(config, &located)
        .await
        .map(|c| c.session)
        .map_err(|n| n.error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldap::Expansion;

    fn cfg(url: &str) -> LdapConfig {
        LdapConfig::new(url, Bind::Anonymous, "DC=contoso,DC=com")
    }

    fn t(c: &LdapConfig) -> Result<(Transport, String), ReadError> {
        match &c.servers {
            Servers::Url(u) => transport(c, u),
            _ => unreachable!(),
        }
    }

    #[test]
    fn transport_policy() {
        assert_eq!(
            t(&cfg("ldaps://dc1.contoso.com")).unwrap().0,
            Transport::Ldaps
        );
        let mut c = cfg("ldap://dc1.contoso.com:389/");
        let e = t(&c).unwrap_err();
        assert!(e.message.contains("allow_insecure = true"), "{e}");
        assert!(e.message.starts_with("ldap://dc1.contoso.com:389:"), "{e}");
        c.start_tls = true;
        assert_eq!(t(&c).unwrap().0, Transport::StartTls);
        c.start_tls = false;
        c.allow_insecure = true;
        assert_eq!(t(&c).unwrap().0, Transport::Plain);
        // Kerberos only inside TLS, even when clear text is allowed.
        c.bind = Bind::Integrated;
        assert!(t(&c).unwrap_err().message.contains("start_tls = true"));
        let mut c = cfg("ldaps://dc1");
        c.start_tls = true;
        assert!(t(&c).is_err());
        assert!(t(&cfg("http://dc1")).is_err());
        assert!(t(&cfg("dc1.contoso.com")).is_err());
        let mut c = cfg("ldaps://dc1");
        c.chase_referrals = true;
        assert!(check_policy(&c)
            .unwrap_err()
            .message
            .contains("referrals is not supported"));
        assert_eq!(c.transitive_via, Expansion::Client);
        let mut c =
            LdapConfig::with_servers(Servers::Domain("contoso.com".into()), Bind::Integrated);
        assert!(check_policy(&c).is_ok());
        c.allow_insecure = true;
        assert!(check_policy(&c)
            .unwrap_err()
            .message
            .contains("allow_insecure"));
    }

    #[test]
    fn refused_and_dropped_connections_are_no_answer() {
        use std::io::{Error, ErrorKind};
        for k in [
            ErrorKind::ConnectionRefused,
            ErrorKind::ConnectionReset,
            ErrorKind::TimedOut,
        ] {
            assert!(
                no_answer(&LdapError::Io {
                    source: Error::from(k)
                }),
                "{k:?}"
            );
        }
        assert!(no_answer(&LdapError::EndOfStream));
        let tls = Error::new(
            ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(
            !no_answer(&LdapError::Io { source: tls }),
            "an untrusted certificate is not skipped"
        );
        assert!(!no_answer(&LdapError::GssapiOperationError(
            "Clock skew too great".into()
        )));
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
