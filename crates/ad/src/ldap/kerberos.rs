//! Integrated sign-in: a SASL GSSAPI (Kerberos) bind as the account running RoleSync, through
//! ldap3's `gssapi` feature (cross-krb5: SSPI on Windows, MIT/Heimdal GSSAPI elsewhere), and its
//! failures turned into the cause and the command that fixes it.
//!
//! Over TLS (the only transports RoleSync allows for it) ldap3 asks for no SASL security layer
//! — TLS already signs and seals, and AD refuses a second layer inside TLS — and passes the
//! `tls-server-end-point` channel binding token (RFC 5929: a hash of the DC's certificate) to the
//! Kerberos library, which puts it in the authenticator: what a DC that enforces LDAP channel
//! binding checks.

use super::connect::Session;
use super::errors::ldap_error;
use ldap3::{LdapError, LdapResult};
use rolesync_core::traits::ReadError;
use std::time::Duration;

/// The service principal the bind asks a ticket for: `ldap/<host>`, with `@REALM` when the realm
/// is known (not on Windows, where SSPI finds the realm itself).
pub fn service_principal(host: &str, realm: Option<&str>) -> String {
    match realm {
        Some(r) if !cfg!(windows) => format!("ldap/{host}@{r}"),
        _ => format!("ldap/{host}"),
    }
}

/// Where the Kerberos credentials come from, for messages.
pub fn credential_source() -> String {
    if cfg!(windows) {
        return "the Windows logon session of the account running RoleSync".into();
    }
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("KRB5_CLIENT_KTNAME"), var("KRB5CCNAME")) {
        (Some(kt), _) => format!("the keytab {kt} (KRB5_CLIENT_KTNAME)"),
        (None, Some(cc)) => format!("the credential cache {cc} (KRB5CCNAME)"),
        (None, None) => "the default credential cache (see klist)".into(),
    }
}

/// Binds `session` with Kerberos as the running account; `host` is the DC's DNS name (its
/// service principal is `ldap/<host>`), `realm` the domain's realm when known. An error says
/// whether the DC stopped answering (then another DC may be tried).
pub async fn bind(
    session: &mut Session,
    host: &str,
    realm: Option<&str>,
    timeout: Duration,
) -> Result<(), (ReadError, bool)> {
    let spn = service_principal(host, realm);
    // ldap3 prefixes "ldap/".
    let target = spn.trim_start_matches("ldap/").to_string();
    tracing::debug!(server = %session.server, %spn, source = %credential_source(), "Kerberos bind");
    let res = session
        .ldap
        .with_timeout(timeout)
        .sasl_gssapi_bind(&target)
        .await;
    match res {
        Ok(r) if r.rc == 0 => Ok(()),
        Ok(r) => Err((result_error(&session.server, &spn, &r), false)),
        Err(LdapError::GssapiOperationError(text)) => Err((
            ReadError::new(explain(&session.server, &spn, &text)),
            false,
        )),
        Err(LdapError::NoGssapiToken) => Err((ReadError::new(format!(
            "Kerberos sign-in to {} failed: the server sent no GSSAPI token; it does not seem to support Kerberos sign-in (SASL GSSAPI)",
            session.server
        )), false)),
        Err(e) => Err((
            ldap_error(&session.server, "signing in with Kerberos", timeout, &e),
            super::connect::no_answer(&e),
        )),
    }
}

/// A refused GSSAPI bind (an LDAP result code) in words.
pub fn result_error(server: &str, spn: &str, r: &LdapResult) -> ReadError {
    let text = r.text.trim();
    let msg = match r.rc {
        8 => format!(
            "Kerberos sign-in to {server} refused: the DC requires a SASL signing or sealing layer even inside TLS (result 8: {text}); Windows AD accepts Kerberos over LDAPS/StartTLS as it is; on a Samba DC set `ldap server require strong auth = allow_sasl_over_tls` in smb.conf"
        ),
        53 => format!(
            "Kerberos sign-in to {server} refused (result 53: {text}); the DC does not accept a SASL security layer inside TLS — report this with the DC's version"
        ),
        49 => format!(
            "Kerberos sign-in to {server} as {} refused: invalid credentials (result 49: {text}); check that the account is enabled and allowed to sign in, and that {spn} is this DC's service principal (setspn -L <DC name>)",
            credential_source()
        ),
        rc => format!(
            "Kerberos sign-in to {server} refused: result {rc} {text}; check the account and {spn} (setspn -L <DC name>)"
        ),
    };
    ReadError::new(msg)
}

/// A Kerberos library failure in words: the cause, and the command that fixes it. `text` is the
/// library's message (MIT: "… (Server not found in Kerberos database)"; SSPI: "… (0x80090303)").
pub fn explain(server: &str, spn: &str, text: &str) -> String {
    let t = text.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| t.contains(n));
    let source = credential_source();
    // setspn takes the name without the realm.
    let spn_name = spn.split('@').next().unwrap_or(spn);
    let (cause, fix) = if has(&["clock skew", "0x80090324", "time skew", "krb_ap_err_skew"]) {
        (
            "this machine's clock and the domain controller's differ by more than Kerberos allows (5 minutes by default)".to_string(),
            "synchronise the clock with the domain (Linux: timedatectl set-ntp true, or chronyc makestep; Windows: w32tm /resync)".to_string(),
        )
    } else if has(&["ticket expired", "0x80090321", "krb_ap_err_tkt_expired"]) {
        (
            format!("the Kerberos ticket in {source} has expired"),
            "get a new one with kinit (klist shows the tickets and their end times); for unattended runs use a keytab (KRB5_CLIENT_KTNAME), which renews itself".to_string(),
        )
    } else if t.contains("client") && t.contains("not found in kerberos database") {
        (
            format!("the principal in {source} does not exist in the domain (a keytab or ticket for another principal or realm)"),
            "check it with klist -k <keytab> (or klist); export a keytab for an existing account (Windows: ktpass; Samba: samba-tool domain exportkeytab --principal=…) or kinit as an account of this domain".to_string(),
        )
    } else if has(&[
        "not found in kerberos database",
        "0x80090303",
        "target unknown",
        "s_principal_unknown",
    ]) {
        (
            format!("the domain's KDC knows no service principal {spn}"),
            format!(
                "register it on the DC's computer account (setspn -S {spn_name} <DC name>; setspn -L <DC name> lists them), or use the DC's full DNS name in directory.url"
            ),
        )
    } else if has(&["wrong principal", "0x80090322"]) {
        (
            format!("the DC answered with a key that is not the one of {spn}: the service principal is registered on another account"),
            format!("find the duplicate with setspn -Q {spn_name} (setspn -X lists every duplicate) and remove it"),
        )
    } else if has(&[
        "preauthentication failed",
        "password incorrect",
        "decrypt integrity check failed",
        "key version",
        "kvno",
        "key table entry not found",
    ]) {
        (
            format!("the key in {source} does not match the account's current password (the keytab is out of date)"),
            "export a new keytab after the password change and check its key version with klist -k -t <keytab>".to_string(),
        )
    } else if has(&[
        "cannot find kdc",
        "cannot contact any kdc",
        "cannot resolve network address for kdc",
        "does not specify default realm",
        "0x80090311",
        "no authority could be contacted",
    ]) {
        (
            "no Kerberos KDC of the DC's realm could be reached (a wrong or missing realm in the Kerberos configuration)".to_string(),
            "set default_realm and the realm's kdc in krb5.conf (or KRB5_CONFIG) to the domain's realm (CONTOSO.COM for contoso.com), and kinit as an account of that realm; klist shows the realm of the ticket".to_string(),
        )
    } else if has(&[
        "no kerberos credentials available",
        "no credentials cache found",
        "credential cache is empty",
        "no credentials were supplied",
        "0x8009030e",
        "matching credential not found",
    ]) {
        (
            format!("there is no Kerberos ticket for the running account in {source}"),
            "sign in with kinit <account>@<REALM> (klist shows the tickets), or set KRB5_CLIENT_KTNAME to a keytab of the service account; on Windows run as a domain account, LocalSystem or a gMSA".to_string(),
        )
    } else {
        (
            format!("the Kerberos library reported: {}", text.trim()),
            "check the ticket (klist), the Kerberos configuration (krb5.conf) and the DC's service principal (setspn -L <DC name>)".to_string(),
        )
    };
    format!(
        "Kerberos sign-in to {server} failed: {cause} ({}); {fix}",
        text.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_failure_names_its_fix() {
        let cases = [
            ("Clock skew too great", "w32tm /resync"),
            ("Ticket expired", "kinit"),
            (
                "Server ldap/dc9.contoso.com@CONTOSO.COM not found in Kerberos database",
                "setspn -S ldap/dc9",
            ),
            (
                "The specified target is unknown or unreachable (0x80090303)",
                "setspn -S",
            ),
            ("Wrong principal in request", "setspn -Q"),
            (
                "Client 'svc@CONTOSO.COM' not found in Kerberos database",
                "klist -k",
            ),
            ("Preauthentication failed", "export a new keytab"),
            ("Cannot find KDC for realm \"OTHER.TEST\"", "default_realm"),
            (
                "No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_0)",
                "kinit",
            ),
            (
                "No credentials were supplied, or the credentials were unavailable (0x8009030E)",
                "gMSA",
            ),
            ("something new", "klist"),
        ];
        for (text, fix) in cases {
            let m = explain("ldaps://dc9.contoso.com:636", "ldap/dc9.contoso.com", text);
            assert!(m.contains(fix), "{text}: {m}");
            assert!(
                m.starts_with("Kerberos sign-in to ldaps://dc9.contoso.com:636 failed: "),
                "{m}"
            );
            assert!(m.contains(text), "the library's words are kept: {m}");
        }
    }

    #[test]
    fn service_principal_names_the_realm_off_windows() {
        let p = service_principal("dc1.contoso.com", Some("CONTOSO.COM"));
        if cfg!(windows) {
            assert_eq!(p, "ldap/dc1.contoso.com");
        } else {
            assert_eq!(p, "ldap/dc1.contoso.com@CONTOSO.COM");
        }
        assert_eq!(service_principal("dc1", None), "ldap/dc1");
    }
}
