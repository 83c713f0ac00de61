//! Certificate credentials: load a certificate and its RSA private key (PEM, or PFX/PKCS#12 with
//! a password) and sign the client-assertion JWT the identity platform accepts instead of a
//! secret: `alg` PS256 (or RS256), `x5t#S256` and `x5t` thumbprints, `aud` = the token endpoint,
//! `iss` = `sub` = the client id, a fresh `jti`, `nbf`/`iat` now, `exp` in 10 minutes.

use crate::error::{AuthError, AuthErrorKind};
use crate::secret::Sensitive;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha1::Digest as _;
use std::path::Path;

/// The JWT signing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningAlgorithm {
    /// RSASSA-PSS with SHA-256 (Microsoft's current recommendation).
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (older documentation).
    Rs256,
}

/// Where the private key lives.
enum Key {
    /// In memory (PEM or PFX).
    Rsa(Box<RsaPrivateKey>),
    /// In the Windows certificate store (CNG); it never leaves it.
    #[cfg(windows)]
    Store(crate::auth::windows_store::StoreKey),
}

/// A certificate with its private key.
pub struct CertificateCredential {
    key: Key,
    cert_der: Vec<u8>,
    algorithm: SigningAlgorithm,
}

impl std::fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("thumbprint", &self.thumbprint_hex())
            .field("key", &"<redacted>")
            .finish()
    }
}

fn config_err(msg: impl Into<String>) -> AuthError {
    AuthError::new(AuthErrorKind::Config, msg)
}

/// The DER bodies of the PEM blocks with this label.
fn pem_blocks(text: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&begin) {
        let after = &rest[i + begin.len()..];
        let Some(j) = after.find(&end) else { break };
        let b64: String = after[..j].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = STANDARD.decode(b64) {
            out.push(der);
        }
        rest = &after[j + end.len()..];
    }
    out
}

impl CertificateCredential {
    /// From a certificate and an RSA private key in DER (PKCS#8 or PKCS#1).
    pub fn from_der(cert_der: Vec<u8>, key_der: &[u8]) -> Result<Self, AuthError> {
        let key = RsaPrivateKey::from_pkcs8_der(key_der)
            .or_else(|_| RsaPrivateKey::from_pkcs1_der(key_der))
            .map_err(|_| config_err("the private key is not an RSA key in PKCS#8 or PKCS#1 form; Entra ID certificates need RSA keys"))?;
        Ok(CertificateCredential {
            key: Key::Rsa(Box::new(key)),
            cert_der,
            algorithm: SigningAlgorithm::Ps256,
        })
    }

    /// From PEM text: the first `CERTIFICATE` block, and a `PRIVATE KEY` or `RSA PRIVATE KEY`
    /// block (in the same text or in `key_pem`). Encrypted PEM keys are not supported (use PFX).
    pub fn from_pem(cert_pem: &str, key_pem: Option<&str>) -> Result<Self, AuthError> {
        let cert = pem_blocks(cert_pem, "CERTIFICATE")
            .into_iter()
            .next()
            .ok_or_else(|| config_err("the certificate file holds no PEM CERTIFICATE block"))?;
        let key_text = key_pem.unwrap_or(cert_pem);
        if key_text.contains("ENCRYPTED PRIVATE KEY") {
            return Err(config_err("the PEM private key is encrypted; export the certificate as a PFX (.pfx/.p12) with a password instead"));
        }
        let key = pem_blocks(key_text, "PRIVATE KEY")
            .into_iter()
            .next()
            .or_else(|| pem_blocks(key_text, "RSA PRIVATE KEY").into_iter().next())
            .ok_or_else(|| config_err("no PEM PRIVATE KEY block found next to the certificate; put the key in the same file or in a .key file of the same name"))?;
        Self::from_der(cert, &key)
    }

    /// From a PFX/PKCS#12 file's bytes and its password.
    pub fn from_pfx(data: &[u8], password: &str) -> Result<Self, AuthError> {
        let store = p12_keystore::KeyStore::from_pkcs12(data, password).map_err(|e| {
            config_err(format!("cannot open the PFX file ({e}); check its password (the \"office365\" credential holds it)"))
        })?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| config_err("the PFX file holds no private key with its certificate; export it again including the private key"))?;
        let cert = chain
            .chain()
            .first()
            .ok_or_else(|| config_err("the PFX file's key has no certificate"))?;
        Self::from_der(cert.as_der().to_vec(), chain.key())
    }

    /// From a file: `.pfx`/`.p12` (with `password`), else PEM holding the certificate, with the
    /// key in the same file or in the sibling `<name>.key`.
    pub fn from_file(path: &Path, password: Option<&str>) -> Result<Self, AuthError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| config_err(format!("cannot read {}: {e}", p.display())))
        };
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let data = read(path)?;
        if ext == "pfx"
            || ext == "p12"
            || !data.starts_with(b"-----") && !String::from_utf8_lossy(&data).contains("-----BEGIN")
        {
            return Self::from_pfx(&data, password.unwrap_or(""))
                .map_err(|e| config_err(format!("{}: {}", path.display(), e.message)));
        }
        let text = String::from_utf8_lossy(&data).into_owned();
        let key_text = if text.contains("PRIVATE KEY-----") {
            None
        } else {
            let sibling = path.with_extension("key");
            Some(String::from_utf8_lossy(&read(&sibling)?).into_owned())
        };
        Self::from_pem(&text, key_text.as_deref())
            .map_err(|e| config_err(format!("{}: {}", path.display(), e.message)))
    }

    /// A certificate whose key stays in the Windows certificate store.
    #[cfg(windows)]
    pub(crate) fn from_store(cert_der: Vec<u8>, key: crate::auth::windows_store::StoreKey) -> Self {
        CertificateCredential {
            key: Key::Store(key),
            cert_der,
            algorithm: SigningAlgorithm::Ps256,
        }
    }

    /// Uses RS256 instead of PS256.
    pub fn with_algorithm(mut self, algorithm: SigningAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// SHA-1 thumbprint in hex (as the Entra admin center shows it).
    pub fn thumbprint_hex(&self) -> String {
        sha1::Sha1::digest(&self.cert_der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// `x5t`: base64url SHA-1 of the DER certificate.
    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&self.cert_der))
    }

    /// `x5t#S256`: base64url SHA-256 of the DER certificate.
    pub fn x5t_s256(&self) -> String {
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&self.cert_der))
    }

    /// A signed client assertion for `client_id` at the token endpoint `audience`.
    pub fn client_assertion(
        &self,
        client_id: &str,
        audience: &str,
    ) -> Result<Sensitive<String>, AuthError> {
        let now = chrono::Utc::now().timestamp();
        let alg = match self.algorithm {
            SigningAlgorithm::Ps256 => "PS256",
            SigningAlgorithm::Rs256 => "RS256",
        };
        let header = serde_json::json!({
            "alg": alg, "typ": "JWT", "x5t": self.x5t(), "x5t#S256": self.x5t_s256(),
        });
        let claims = serde_json::json!({
            "aud": audience, "iss": client_id, "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now, "iat": now, "exp": now + 600,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = match (&self.key, self.algorithm) {
            (Key::Rsa(key), SigningAlgorithm::Ps256) => {
                let k = rsa::pss::BlindedSigningKey::<sha2::Sha256>::new((**key).clone());
                k.sign_with_rng(&mut rand::thread_rng(), signing_input.as_bytes())
                    .to_vec()
            }
            (Key::Rsa(key), SigningAlgorithm::Rs256) => {
                let k = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**key).clone());
                k.sign(signing_input.as_bytes()).to_vec()
            }
            #[cfg(windows)]
            (Key::Store(key), alg) => {
                let digest: [u8; 32] = sha2::Sha256::digest(signing_input.as_bytes()).into();
                key.sign_sha256(&digest, alg == SigningAlgorithm::Ps256)?
            }
        };
        Ok(Sensitive::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(sig)
        )))
    }
}
