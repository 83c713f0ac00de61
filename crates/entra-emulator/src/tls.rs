//! TLS: a freshly generated CA and a server certificate for `127.0.0.1`, `localhost`, `::1` and
//! any names the configuration adds (rcgen, ECDSA P-256), served with rustls on the ring provider. The CA PEM is written to the
//! state directory so clients can trust it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::EmulatorError;

/// Generated TLS material.
pub(crate) struct TlsMaterial {
    pub config: Arc<rustls::ServerConfig>,
    pub ca_pem_path: PathBuf,
}

fn tls_err(e: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::Tls(e.to_string())
}

/// Generates a CA and a server certificate and writes `ca.pem` and `server.pem` into `dir`.
pub(crate) fn generate(dir: &Path, extra_names: &[String]) -> Result<TlsMaterial, EmulatorError> {
    let ca_key = KeyPair::generate().map_err(tls_err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "RoleSync Entra emulator test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_err)?;

    let leaf_key = KeyPair::generate().map_err(tls_err)?;
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra_names.iter().cloned());
    let mut params = CertificateParams::new(names).map_err(tls_err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = params
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .map_err(tls_err)?;

    std::fs::create_dir_all(dir).map_err(|source| EmulatorError::StateFile {
        path: dir.to_owned(),
        source,
    })?;
    let ca_pem_path = dir.join("ca.pem");
    for (path, pem) in [
        (ca_pem_path.clone(), ca_cert.pem()),
        (dir.join("server.pem"), leaf.pem()),
    ] {
        std::fs::write(&path, pem).map_err(|source| EmulatorError::StateFile { path, source })?;
    }

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(
            vec![
                CertificateDer::from(leaf.der().to_vec()),
                CertificateDer::from(ca_cert.der().to_vec()),
            ],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(tls_err)?;
    // As graph.microsoft.com: HTTP/2 when the client offers it, else HTTP/1.1.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        config: Arc::new(config),
        ca_pem_path,
    })
}
