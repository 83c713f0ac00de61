//! JWTs: issuing and verifying the emulator's RS256 access and id tokens (signed with an embedded
//! key published at the JWKS endpoint), and verifying certificate client assertions
//! (RS256/PS256, `x5t` / `x5t#S256`, `aud`, `iss`/`sub`, `exp`/`nbf`).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Value};
use sha1::Digest as _;

use crate::fixture::FixtureApplication;

const SIGNING_KEY_PEM: &str = include_str!("../data/signing-key.pem");
const SIGNING_CERT_PEM: &str = include_str!("../data/signing-cert.pem");

/// Microsoft Graph's resource URI and app id, both accepted as `aud`.
pub(crate) const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// A parsed X.509 certificate: DER, thumbprints and the RSA public key.
#[derive(Clone)]
pub(crate) struct ParsedCert {
    pub der: Vec<u8>,
    /// base64url SHA-1 of the DER (`x5t`).
    pub x5t: String,
    /// base64url SHA-256 of the DER (`x5t#S256`).
    pub x5t_s256: String,
    /// PKCS#1 RSAPublicKey DER.
    pub rsa_public_der: Vec<u8>,
    /// Modulus and exponent, base64url.
    pub n: String,
    pub e: String,
}

/// Parses a PEM certificate with an RSA key.
pub(crate) fn parse_cert_pem(pem: &str) -> Result<ParsedCert, String> {
    let (_, p) =
        x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| format!("bad PEM: {e}"))?;
    let der = p.contents.clone();
    let (_, cert) =
        x509_parser::parse_x509_certificate(&der).map_err(|e| format!("bad certificate: {e}"))?;
    let spki = cert.public_key();
    let rsa_public_der = spki.subject_public_key.data.to_vec();
    let (n, e) = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(k)) => {
            let m = k
                .modulus
                .iter()
                .skip_while(|b| **b == 0)
                .copied()
                .collect::<Vec<u8>>();
            (
                URL_SAFE_NO_PAD.encode(m),
                URL_SAFE_NO_PAD.encode(k.exponent),
            )
        }
        _ => return Err("only RSA certificates are supported".to_owned()),
    };
    Ok(ParsedCert {
        x5t: URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&der)),
        x5t_s256: URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&der)),
        der,
        rsa_public_der,
        n,
        e,
    })
}

/// The emulator's token-signing key.
pub(crate) struct Signer {
    enc: EncodingKey,
    dec: DecodingKey,
    cert: ParsedCert,
    /// Claims of tokens whose signature has been verified (by the whole token text), so that a
    /// client's thousands of requests with one token cost one RSA verification, as at a real
    /// front end; expiry, audience and tenant are still checked on every request.
    verified: std::sync::Mutex<std::collections::HashMap<String, Value>>,
}

/// Verified tokens remembered at most (the cache is emptied when full).
const VERIFIED_CACHE: usize = 256;

/// Why Graph rejects a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BearerError {
    Malformed,
    BadSignature,
    Expired,
    WrongAudience,
    WrongTenant,
}

/// What Graph needs to know about a valid access token.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub app_id: String,
    pub tenant_id: String,
    /// Set for delegated tokens: the signed-in user's object id.
    pub user_oid: Option<String>,
    /// Application permissions (`roles`).
    pub roles: Vec<String>,
    /// Delegated scopes (`scp`).
    pub scopes: Vec<String>,
}

impl TokenInfo {
    /// Whether the token carries any of these permissions (as role or scope).
    pub fn has_any(&self, perms: &[&str]) -> bool {
        let held = if self.user_oid.is_some() {
            &self.scopes
        } else {
            &self.roles
        };
        held.iter()
            .any(|h| perms.iter().any(|p| p.eq_ignore_ascii_case(h)))
    }
}

impl Signer {
    pub fn load() -> Result<Signer, String> {
        let enc =
            EncodingKey::from_rsa_pem(SIGNING_KEY_PEM.as_bytes()).map_err(|e| e.to_string())?;
        let cert = parse_cert_pem(SIGNING_CERT_PEM)?;
        let dec = DecodingKey::from_rsa_der(&cert.rsa_public_der);
        Ok(Signer {
            enc,
            dec,
            cert,
            verified: Default::default(),
        })
    }

    /// The JWKS document.
    pub fn jwks(&self, issuer: &str) -> Value {
        json!({"keys": [{
            "kty": "RSA", "use": "sig", "kid": self.cert.x5t, "x5t": self.cert.x5t,
            "n": self.cert.n, "e": self.cert.e, "x5c": [STANDARD.encode(&self.cert.der)], "issuer": issuer,
        }]})
    }

    /// Signs claims with RS256.
    pub fn sign(&self, claims: &Value) -> String {
        let mut h = Header::new(Algorithm::RS256);
        h.typ = Some("JWT".to_owned());
        h.kid = Some(self.cert.x5t.clone());
        h.x5t = Some(self.cert.x5t.clone());
        jsonwebtoken::encode(&h, claims, &self.enc).unwrap_or_default()
    }

    /// Checks an RS256 token's signature against the signing key and returns its claims.
    fn verify_signature(&self, token: &str) -> Result<Value, BearerError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| BearerError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(BearerError::BadSignature);
        }
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(token, &self.dec, &v)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => BearerError::BadSignature,
                _ => BearerError::Malformed,
            })
    }

    /// Verifies a Graph bearer token issued by this emulator for this tenant.
    pub fn verify_access_token(
        &self,
        token: &str,
        tenant_id: &str,
        now: i64,
    ) -> Result<TokenInfo, BearerError> {
        let cached = crate::server::lock(&self.verified).get(token).cloned();
        let c = match cached {
            Some(c) => c,
            None => {
                let c = self.verify_signature(token)?;
                let mut cache = crate::server::lock(&self.verified);
                if cache.len() >= VERIFIED_CACHE {
                    cache.clear();
                }
                cache.insert(token.to_owned(), c.clone());
                c
            }
        };
        let exp = c
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(BearerError::Malformed)?;
        let nbf = c.get("nbf").and_then(Value::as_i64).unwrap_or(0);
        if now >= exp || now < nbf {
            return Err(BearerError::Expired);
        }
        let aud = c.get("aud").and_then(Value::as_str).unwrap_or("");
        let aud_ok = [GRAPH_RESOURCE, GRAPH_APP_ID, "https://graph.microsoft.com/"].contains(&aud);
        if !aud_ok {
            return Err(BearerError::WrongAudience);
        }
        let tid = c.get("tid").and_then(Value::as_str).unwrap_or("");
        if tid != tenant_id {
            return Err(BearerError::WrongTenant);
        }
        let strs = |k: &str| -> Vec<String> {
            c.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let scopes = c
            .get("scp")
            .and_then(Value::as_str)
            .map(|s| {
                s.split(' ')
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let is_user = c.get("idtyp").and_then(Value::as_str) == Some("user");
        Ok(TokenInfo {
            app_id: c
                .get("appid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            tenant_id: tid.to_owned(),
            user_oid: if is_user {
                c.get("oid").and_then(Value::as_str).map(str::to_owned)
            } else {
                None
            },
            roles: strs("roles"),
            scopes,
        })
    }
}

/// A rejected client assertion: AADSTS code and description.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AssertionError {
    pub code: u32,
    pub description: String,
}

fn aerr(code: u32, description: impl Into<String>) -> AssertionError {
    AssertionError {
        code,
        description: description.into(),
    }
}

/// A thumbprint in one form for comparing: base64url without padding (`+/` become `-_`).
fn thumbprint_form(t: &str) -> String {
    t.trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect()
}

/// Verifies a `private_key_jwt` client assertion against the app's registered certificates.
///
/// Codes chosen (Microsoft's published AADSTS list): 50027 malformed JWT, 700027 signature or
/// key problems (`x5t` not registered, bad signature, unsupported alg), 700023 audience mismatch,
/// 700021 `iss`/`sub` not the client id, 700024 outside the valid time range (also used when
/// `exp` is more than ~10 minutes ahead; Microsoft does not document that case's code).
pub(crate) fn verify_client_assertion(
    assertion: &str,
    app: &FixtureApplication,
    client_id: &str,
    accepted_audiences: &[String],
    now: i64,
) -> Result<(), AssertionError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| aerr(50027, "JWT token is invalid or malformed."))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err(aerr(
            700027,
            format!(
                "Client assertion contains an unsupported signing algorithm '{:?}'.",
                header.alg
            ),
        ));
    }
    let certs: Vec<ParsedCert> = app
        .certificates
        .iter()
        .filter_map(|p| parse_cert_pem(p).ok())
        .collect();
    let thumb = header
        .x5t_s256
        .clone()
        .or_else(|| header.x5t.clone())
        .unwrap_or_default();
    // Entra accepts the thumbprints with or without base64 padding, and MSAL for Python and
    // azure-identity send them padded ("Microsoft identity platform certificate credentials",
    // <https://learn.microsoft.com/entra/identity-platform/certificate-credentials>, shows
    // `x5t` as base64url; the padded form is what those libraries put on the wire).
    let same = |sent: Option<&str>, ours: &str| {
        sent.is_some_and(|t| thumbprint_form(t) == thumbprint_form(ours))
    };
    let cert = certs.iter().find(|c| {
        same(header.x5t_s256.as_deref(), &c.x5t_s256) || same(header.x5t.as_deref(), &c.x5t)
    });
    let Some(cert) = cert else {
        return Err(aerr(
            700027,
            format!("Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]"),
        ));
    };
    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let key = DecodingKey::from_rsa_der(&cert.rsa_public_der);
    let data = jsonwebtoken::decode::<Value>(assertion, &key, &v).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => aerr(
            700027,
            format!("Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{thumb}']"),
        ),
        _ => aerr(50027, "JWT token is invalid or malformed."),
    })?;
    let c = data.claims;
    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let aud_ok = match c.get("aud") {
        Some(Value::String(a)) => accepted_audiences.iter().any(|x| x.eq_ignore_ascii_case(a)),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .any(|a| accepted_audiences.iter().any(|x| x.eq_ignore_ascii_case(a))),
        _ => false,
    };
    if !aud_ok {
        return Err(aerr(
            700023,
            "Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
        ));
    }
    if !s("iss").eq_ignore_ascii_case(client_id) || !s("sub").eq_ignore_ascii_case(client_id) {
        return Err(aerr(700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."));
    }
    // NumericDate is seconds, and may have a fraction (RFC 7519 section 2): MSAL for Python
    // sends `exp` and `nbf` as floats.
    let seconds = |k: &str| c.get(k).and_then(Value::as_f64).map(|f| f.floor() as i64);
    let exp = seconds("exp");
    let nbf = seconds("nbf").unwrap_or(now);
    const SKEW: i64 = 30;
    let valid = match exp {
        Some(exp) => now < exp + SKEW && nbf <= now + SKEW && exp - now <= 10 * 60 + SKEW,
        None => false,
    };
    if !valid {
        return Err(aerr(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}.",
                fmt_ts(now),
                fmt_ts(nbf),
                exp.map(fmt_ts).unwrap_or_else(|| "(none)".to_owned())
            ),
        ));
    }
    Ok(())
}

fn fmt_ts(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_roundtrip() {
        let s = Signer::load().expect("signer");
        let now = chrono::Utc::now().timestamp();
        let t = s.sign(&json!({"aud": GRAPH_RESOURCE, "tid": "t", "appid": "a", "roles": ["X"], "exp": now + 60, "nbf": now - 1, "idtyp": "app"}));
        let info = s.verify_access_token(&t, "t", now).expect("valid");
        assert_eq!(info.roles, vec!["X".to_owned()]);
        assert_eq!(
            s.verify_access_token(&t, "t", now + 61).err(),
            Some(BearerError::Expired)
        );
        assert_eq!(
            s.verify_access_token(&t, "other", now).err(),
            Some(BearerError::WrongTenant)
        );
        let mut tampered = t.clone();
        tampered.pop();
        tampered.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert!(s.verify_access_token(&tampered, "t", now).is_err());
        assert_eq!(
            s.verify_access_token("not-a-jwt", "t", now).err(),
            Some(BearerError::Malformed)
        );
    }
}
