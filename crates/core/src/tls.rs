//! A TLS failure in words an administrator can act on — one place for every connection RoleSync
//! makes (LDAP to the DCs, HTTPS to Entra ID and Graph, SMTP) — instead of the TLS library's
//! enum. Also which failures are worth no retry: a certificate problem does not go away by
//! asking again.

use rustls::{CertificateError, Error};

/// Finds a rustls error in an error's source chain (reqwest, hyper, io and lettre wrap it).
pub fn find_in_chain<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if let Some(t) = x.downcast_ref::<Error>() {
            return Some(t);
        }
        // An io::Error's `source()` skips the error it wraps (it returns that error's source):
        // look inside, through io::Errors wrapped in io::Errors, as connectors do.
        if let Some(io) = x.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                let inner: &(dyn std::error::Error + 'static) = inner;
                if let Some(t) = find_in_chain(inner) {
                    return Some(t);
                }
            }
        }
        cur = x.source();
    }
    None
}

/// Whether the failure is about the server's certificate (never retried).
pub fn is_certificate_problem(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidCertificate(_) | Error::NoCertificatesPresented
    )
}

/// What is wrong with the server's certificate and what to do, `ca_key` naming the setting
/// that adds a CA (`directory.ca_file`, `entra.ca_file`, `email.ca_file`).
pub fn words(e: &Error, ca_key: &str) -> String {
    match e {
        Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
                "the server's certificate is not issued by a CA this machine trusts; add the issuing CA's certificate (PEM) with {ca_key}, or install it in the machine's trusted roots"
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the server's certificate does not name the host RoleSync connected to; use the host name the certificate was issued for".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired; renew it".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet; check the clocks of the server and of this machine".into()
            }
            CertificateError::Revoked => "the server's certificate was revoked; replace it".into(),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "the server's certificate is not issued for server authentication (its extended key usage lacks serverAuth); issue a server certificate".into()
            }
            CertificateError::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
                format!("the server presents a CA certificate as its own; give the server a certificate issued by that CA (and trust the CA with {ca_key})")
            }
            other => format!("the server's certificate was refused ({other:?}); check it and {ca_key}"),
        },
        Error::NoCertificatesPresented => "the server presented no certificate".into(),
        other => format!("the TLS handshake failed ({other}); check that the port speaks TLS and {ca_key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_in_words() {
        let unknown = Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert!(is_certificate_problem(&unknown));
        assert!(words(&unknown, "entra.ca_file").contains("entra.ca_file"));
        let name = Error::InvalidCertificate(CertificateError::NotValidForName);
        assert!(words(&name, "x").contains("does not name the host"));
        let wrapped = std::io::Error::other(unknown.clone());
        assert_eq!(find_in_chain(&wrapped), Some(&unknown));
        let twice = std::io::Error::other(std::io::Error::other(unknown.clone()));
        assert_eq!(find_in_chain(&twice), Some(&unknown));
        assert!(!is_certificate_problem(&Error::HandshakeNotComplete));
    }
}
