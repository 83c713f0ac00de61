//! The certificate RoleSync signs in to Entra ID with, made by the setup: an RSA 2048 key (Entra
//! ID certificate credentials are RSA) and a self-signed certificate valid for two years, SHA-256.
//! Elsewhere than Windows the key and the certificate go into one private PEM file next to the
//! configuration (`rolesync-graph.pem`, readable only by this account); on Windows into the
//! LocalMachine\My certificate store (the key stays in the machine's key store; a scheduled run
//! as LocalSystem or a gMSA finds it by thumbprint). Either way the public part is written as
//! `rolesync-graph.cer` (DER) to upload to the app registration. A certificate made earlier is
//! used again unless a new one is asked for.

use super::SetupAnswers;
use crate::{App, AppError};
use base64::Engine as _;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde::Serialize;
use sha1::Digest as _;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The private PEM file (certificate and key) next to the configuration.
pub const PEM_FILE: &str = "rolesync-graph.pem";
/// The public certificate to upload.
pub const CER_FILE: &str = "rolesync-graph.cer";
/// How long a new certificate is valid, in days.
pub const VALID_DAYS: i64 = 730;

/// A certificate RoleSync signs in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateInfo {
    /// The private PEM file (certificate and key); `None` when the key is in the Windows store.
    pub file: Option<String>,
    /// The public certificate to upload (`.cer`, DER).
    pub public_file: String,
    /// The store it is in (`LocalMachine\My`), on Windows.
    pub store: Option<String>,
    /// SHA-1 thumbprint, upper-case hex (what the admin center shows).
    pub thumbprint: String,
    /// Its subject.
    pub subject: String,
    /// Valid until (UTC, RFC 3339).
    pub not_after: String,
    /// The public certificate, base64 (the `key` of a Graph `keyCredential`).
    pub base64: String,
}

impl CertificateInfo {
    /// Puts the certificate into the answers (`certificate`, or the thumbprint on Windows).
    pub fn fill(&self, a: &mut SetupAnswers) {
        match (&self.file, &self.store) {
            (Some(f), _) => {
                a.certificate = f.clone();
                a.certificate_thumbprint.clear();
            }
            (None, _) => {
                a.certificate.clear();
                a.certificate_thumbprint = self.thumbprint.clone();
            }
        }
    }
}

/// The folder the files go into: the configuration's.
fn folder(app: &App) -> PathBuf {
    app.config_file()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The SHA-1 thumbprint of a DER certificate, upper-case hex.
pub fn thumbprint(der: &[u8]) -> String {
    sha1::Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// What a DER certificate is, with its files.
fn info(
    der: &[u8],
    file: Option<&Path>,
    public_file: &Path,
    store: Option<&str>,
) -> CertificateInfo {
    let (subject, not_after) = match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => (
            c.subject().to_string(),
            chrono::DateTime::from_timestamp(c.validity().not_after.timestamp(), 0)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
        ),
        Err(_) => (String::new(), String::new()),
    };
    CertificateInfo {
        file: file.map(|f| f.display().to_string()),
        public_file: public_file.display().to_string(),
        store: store.map(str::to_string),
        thumbprint: thumbprint(der),
        subject,
        not_after,
        base64: base64::engine::general_purpose::STANDARD.encode(der),
    }
}

/// The certificate made earlier (its public file next to the configuration), if any.
pub fn existing(app: &App) -> Option<CertificateInfo> {
    let dir = folder(app);
    let der = std::fs::read(dir.join(CER_FILE)).ok()?;
    if cfg!(windows) {
        return Some(info(&der, None, &dir.join(CER_FILE), Some(STORE)));
    }
    let pem = dir.join(PEM_FILE);
    pem.is_file()
        .then(|| info(&der, Some(&pem), &dir.join(CER_FILE), None))
}

/// The Windows store the certificate goes into.
pub const STORE: &str = "LocalMachine\\My";

/// A new RSA key and a self-signed certificate for it: (certificate DER, PKCS#8 key PEM).
pub fn generate(subject: &str) -> Result<(Vec<u8>, String), AppError> {
    let err = |what: &str, e: &dyn std::fmt::Display| {
        AppError::io(format!("cannot make the certificate ({what}: {e})"))
    };
    let key =
        rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| err("RSA key", &e))?;
    let key_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| err("PKCS#8", &e))?
        .to_string();
    let pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&key_pem, &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| err("key pair", &e))?;
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| err("parameters", &e))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, subject);
    let day = |d: chrono::DateTime<chrono::Utc>| {
        use chrono::Datelike;
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    let now = chrono::Utc::now();
    params.not_before = day(now - chrono::Duration::days(1));
    params.not_after = day(now + chrono::Duration::days(VALID_DAYS));
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&pair).map_err(|e| err("signing", &e))?;
    Ok((cert.der().to_vec(), key_pem))
}

/// The subject of a new certificate: `CN=RoleSync (<tenant>)`, or this machine's name.
fn subject(a: &SetupAnswers) -> String {
    let what = Some(a.tenant.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "this machine".into());
    format!("RoleSync ({what})")
}

impl App {
    /// The certificate to sign in with: the one made earlier, or (when there is none, or with
    /// `replace`) a new one. On Windows it goes into LocalMachine\My (RoleSync must run as an
    /// administrator for that), elsewhere into a private PEM file.
    pub fn setup_certificate(
        &self,
        a: &SetupAnswers,
        replace: bool,
    ) -> Result<CertificateInfo, AppError> {
        if !replace {
            if let Some(c) = existing(self) {
                return Ok(c);
            }
        }
        let dir = folder(self);
        rolesync_protect::create_dir_all(&dir).map_err(|e| {
            AppError::io(format!(
                "cannot create {}: {e}{}",
                dir.display(),
                rolesync_protect::denied_hint(&e)
            ))
        })?;
        let (der, key_pem) = generate(&subject(a))?;
        let cer = dir.join(CER_FILE);
        let store = if cfg!(windows) {
            store_certificate(&der, &key_pem)?;
            Some(STORE)
        } else {
            None
        };
        let pem = if store.is_none() {
            let path = dir.join(PEM_FILE);
            let text = format!("{}{key_pem}", pem_certificate(&der));
            rolesync_protect::write_atomic(&path, text.as_bytes()).map_err(|e| {
                AppError::io(format!(
                    "cannot write {}: {e}{}",
                    path.display(),
                    rolesync_protect::denied_hint(&e)
                ))
            })?;
            Some(path)
        } else {
            None
        };
        rolesync_protect::write_atomic(&cer, &der)
            .map_err(|e| AppError::io(format!("cannot write {}: {e}", cer.display())))?;
        let made = info(&der, pem.as_deref(), &cer, store);
        tracing::info!(thumbprint = %made.thumbprint, file = ?made.file, store = ?made.store, "setup made the sign-in certificate");
        Ok(made)
    }
}

/// A certificate as a PEM block.
pub fn pem_certificate(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(windows)]
fn store_certificate(der: &[u8], key_pem: &str) -> Result<(), AppError> {
    super::certificate_windows::import(der, key_pem).map_err(AppError::io)
}

#[cfg(not(windows))]
fn store_certificate(_der: &[u8], _key_pem: &str) -> Result<(), AppError> {
    Err(AppError::io(
        "the Windows certificate store exists on Windows only",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::app_in;

    #[test]
    fn a_certificate_is_made_once_signs_in_and_is_kept_private() {
        let (_home, app) = app_in();
        let a = SetupAnswers {
            tenant: "contoso.onmicrosoft.com".into(),
            ..SetupAnswers::default()
        };
        let made = app.setup_certificate(&a, false).expect("made");
        assert_eq!(made.subject, "CN=RoleSync (contoso.onmicrosoft.com)");
        assert_eq!(made.thumbprint.len(), 40);
        let pem = made.file.clone().expect("a PEM file");
        // The Graph client signs its client assertion with it.
        let cred = rolesync_entra::auth::CertificateCredential::from_file(Path::new(&pem), None)
            .expect("loads");
        assert_eq!(cred.thumbprint_hex().to_ascii_uppercase(), made.thumbprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&pem).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the key is private");
        }
        let der = std::fs::read(&made.public_file).unwrap();
        assert_eq!(thumbprint(&der), made.thumbprint);
        assert!(!String::from_utf8_lossy(&der).contains("PRIVATE"));
        // Asked again: the same one; with replace: a new one.
        assert_eq!(app.setup_certificate(&a, false).expect("kept"), made);
        let new = app.setup_certificate(&a, true).expect("replaced");
        assert_ne!(new.thumbprint, made.thumbprint);
        let mut filled = SetupAnswers::default();
        new.fill(&mut filled);
        assert_eq!(filled.certificate, pem);
    }
}
