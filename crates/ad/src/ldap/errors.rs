//! Turning LDAP, TLS and socket failures into [`ReadError`]s that name the server and the fix.
//! AD explains a failed bind (result 49) with a sub-code in the diagnostic text
//! (`AcceptSecurityContext error, data 52e, v1db1`); [`bind_subcode`] decodes it into words.

use ldap3::{LdapError, LdapResult};
use rolesync_core::traits::{ReadError, ReadErrorKind};
use std::io;
use std::time::Duration;

/// What AD's `data XXX` sub-code of a failed bind means, and how to fix it.
pub fn bind_subcode(text: &str) -> Option<(&'static str, &'static str)> {
    let lower = text.to_ascii_lowercase();
    let code = lower
        .split("data ")
        .nth(1)?
        .split(|c: char| !c.is_ascii_hexdigit())
        .next()?;
    Some(match code {
        "525" => ("user not found", "check the bind DN or user principal name"),
        "52e" => (
            "wrong password",
            "check the bind password (or the bind account name)",
        ),
        "530" => (
            "sign-in not permitted at this time",
            "check the account's logon hours",
        ),
        "531" => (
            "sign-in not permitted at this workstation",
            "check the account's \"log on to\" workstations",
        ),
        "532" => (
            "password expired",
            "set a new password for the bind account",
        ),
        "533" => ("account disabled", "enable the bind account"),
        "701" => ("account expired", "extend the bind account's expiry date"),
        "773" => (
            "user must change password",
            "set a new password for the bind account (it must be changed at next sign-in)",
        ),
        "775" => (
            "account locked out",
            "unlock the bind account, and check for a wrong password saved elsewhere",
        ),
        _ => return None,
    })
}

/// A failed bind as a read error (a sign-in failure).
pub fn bind_error(server: &str, who: &str, res: &LdapResult) -> ReadError {
    let e = match (res.rc, bind_subcode(&res.text)) {
        (49, Some((what, fix))) => ReadError::new(format!(
            "bind to {server} as {who} failed: {what} (AD code {}); {fix}",
            subcode_token(&res.text)
        )),
        (49, None) => ReadError::new(format!(
            "bind to {server} as {who} failed: invalid credentials ({}); check the bind account and password",
            res.text.trim()
        )),
        (8, _) | (13, _) => ReadError::new(format!(
            "bind to {server} refused: the server requires a secure connection (result {}: {}); use ldaps:// or start_tls = true",
            res.rc,
            res.text.trim()
        )),
        _ => ReadError::new(format!(
            "bind to {server} as {who} failed: result {} {}",
            res.rc,
            res.text.trim()
        )),
    };
    e.with_kind(ReadErrorKind::SignIn)
}

fn subcode_token(text: &str) -> String {
    text.to_ascii_lowercase()
        .split("data ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_hexdigit()).next())
        .unwrap_or("")
        .to_string()
}

/// A failed search or other operation result as a read error; `what` says what was read.
pub fn result_error(server: &str, what: &str, res: &LdapResult) -> ReadError {
    let detail = res.text.trim();
    let msg = match res.rc {
        32 => format!("reading {what} from {server} failed: the object does not exist (noSuchObject{}); check the DN", matched(res)),
        10 => format!(
            "reading {what} from {server} failed: the server referred the request to {} and referrals are not chased; point the URL at a DC that holds this naming context, or fix base_dn",
            if res.refs.is_empty() { "another server".to_string() } else { res.refs.join(", ") }
        ),
        1 if detail.contains("successful bind") || detail.contains("000004DC") => format!(
            "reading {what} from {server} failed: the server does not allow anonymous searches ({detail}); configure a bind account"
        ),
        50 => format!("reading {what} from {server} failed: insufficient access rights ({detail}); give the bind account read access"),
        3 => format!("reading {what} from {server} failed: the server's time limit was exceeded ({detail})"),
        4 => format!("reading {what} from {server} failed: size limit exceeded ({detail})"),
        8 | 13 => format!("reading {what} from {server} failed: the server requires a secure connection ({detail}); use ldaps:// or start_tls = true"),
        rc => format!("reading {what} from {server} failed: result {rc} {detail}"),
    };
    ReadError::of(result_kind(res.rc), msg)
}

/// The kind of a failed operation's LDAP result code (RFC 4511, 4.1.9).
fn result_kind(rc: u32) -> ReadErrorKind {
    match rc {
        32 => ReadErrorKind::NotFound,
        1 | 8 | 13 | 50 => ReadErrorKind::Permission,
        3 | 4 => ReadErrorKind::Partial,
        51..=53 => ReadErrorKind::Network,
        _ => ReadErrorKind::Other,
    }
}

fn matched(res: &LdapResult) -> String {
    if res.matched.is_empty() {
        String::new()
    } else {
        format!("; the nearest existing entry is {}", res.matched)
    }
}

/// Any `ldap3` error as a read error. `phase` says what was going on ("connecting", "reading the
/// members of …").
pub fn ldap_error(server: &str, phase: &str, timeout: Duration, e: &LdapError) -> ReadError {
    match e {
        LdapError::LdapResult { result } => result_error(server, phase, result),
        LdapError::Timeout { .. } => ReadError::of(ReadErrorKind::Network, format!(
            "{phase}: no answer from {server} within {} s; check that the host and port are right and that a firewall does not drop the connection",
            timeout.as_secs_f32()
        )),
        LdapError::Rustls { source } => tls_error(server, source),
        LdapError::Io { source } => io_error(server, phase, source),
        LdapError::DNSName { .. } => ReadError::new(format!(
            "{server} is not a valid host name for TLS certificate verification; use the DC's DNS name or IP address"
        )),
        LdapError::EndOfStream | LdapError::ResultRecv { .. } | LdapError::OpSend { .. } => {
            ReadError::of(ReadErrorKind::Network, format!(
                "{phase}: the connection to {server} was closed before the read finished; nothing was changed — retry, and check the DC's health"
            ))
        }
        other => ReadError::new(format!("{phase} ({server}): {other}")),
    }
}

fn io_error(server: &str, phase: &str, e: &io::Error) -> ReadError {
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return tls_error(server, tls);
    }
    let msg = match e.kind() {
        io::ErrorKind::ConnectionRefused => format!(
            "cannot reach {server}: connection refused; check the host name and port (636 for ldaps://, 389 for ldap:// with StartTLS) and that the DC is running"
        ),
        io::ErrorKind::TimedOut => format!(
            "cannot reach {server}: the connection timed out; check the host, the port and the firewall"
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => format!(
            "{phase}: the connection to {server} was lost ({e}); nothing was changed — retry, and check the DC's health"
        ),
        _ if e.to_string().contains("failed to lookup address") || e.to_string().contains("Name or service not known") => format!(
            "cannot reach {server}: the host name does not resolve ({e}); check the URL"
        ),
        _ => format!("{phase}: network error talking to {server}: {e}"),
    };
    ReadError::of(ReadErrorKind::Network, msg)
}

/// A TLS failure as a read error.
pub fn tls_error(server: &str, e: &rustls::Error) -> ReadError {
    use rustls::{CertificateError, Error};
    let msg = match e {
        Error::InvalidCertificate(CertificateError::UnknownIssuer)
        | Error::InvalidCertificate(CertificateError::BadSignature) => format!(
            "TLS to {server} failed: the server's certificate is not trusted; give its CA with ca_file (a PEM file with the CA certificate that issued the DC's certificate)"
        ),
        Error::InvalidCertificate(CertificateError::NotValidForName)
        | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => format!(
            "TLS to {server} failed: the server's certificate does not name this host; use the host name the certificate was issued for in the URL"
        ),
        Error::InvalidCertificate(CertificateError::Expired)
        | Error::InvalidCertificate(CertificateError::ExpiredContext { .. }) => format!(
            "TLS to {server} failed: the server's certificate has expired; renew the DC's certificate"
        ),
        other => format!(
            "TLS to {server} failed: {}",
            rolesync_core::tls::words(other, "directory.ca_file")
        ),
    };
    ReadError::of(ReadErrorKind::Network, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.into(),
            refs: vec![],
            ctrls: vec![],
        }
    }

    #[test]
    fn decodes_every_ad_subcode() {
        let cases = [
            ("525", "user not found"),
            ("52e", "wrong password"),
            ("530", "not permitted at this time"),
            ("531", "not permitted at this workstation"),
            ("532", "password expired"),
            ("533", "account disabled"),
            ("701", "account expired"),
            ("773", "must change password"),
            ("775", "account locked out"),
        ];
        for (code, words) in cases {
            let text = format!("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data {code}, v4563");
            let e = bind_error("ldaps://dc1", "svc@contoso.com", &res(49, &text));
            assert!(e.message.contains(words), "{code}: {}", e.message);
            assert!(e.message.contains("ldaps://dc1"), "{}", e.message);
        }
        let e = bind_error("ldaps://dc1", "x", &res(49, "Invalid credentials"));
        assert!(e.message.contains("invalid credentials"), "{}", e.message);
    }

    #[test]
    fn failures_carry_their_kind() {
        let bind = bind_error("ldaps://dc1", "x", &res(49, "Invalid credentials"));
        assert_eq!(bind.kind, ReadErrorKind::SignIn);
        let kinds = [
            (32, ReadErrorKind::NotFound),
            (50, ReadErrorKind::Permission),
            (4, ReadErrorKind::Partial),
            (52, ReadErrorKind::Network),
            (80, ReadErrorKind::Other),
        ];
        for (rc, kind) in kinds {
            assert_eq!(
                result_error("ldaps://dc1", "x", &res(rc, "")).kind,
                kind,
                "{rc}"
            );
        }
    }

    #[test]
    fn no_such_object_and_referral() {
        let e = result_error("ldaps://dc1", "the OU X", &res(32, ""));
        assert!(e.message.contains("does not exist"));
        let mut r = res(10, "");
        r.refs = vec!["ldap://other/DC=x".into()];
        let e = result_error("ldaps://dc1", "group", &r);
        assert!(
            e.message.contains("referrals are not chased") && e.message.contains("ldap://other")
        );
    }
}
