//! HTTPS with a generated CA.

use rolesync_entra_emulator::EmulatorConfig;

use crate::support::*;

#[tokio::test]
async fn https_is_verified_against_the_generated_ca() {
    let dir = std::env::temp_dir().join(format!(
        "entra-emu-tls-test-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let emu = start(EmulatorConfig {
        tls: true,
        state_dir: Some(dir.clone()),
        ..sample_config()
    })
    .await;
    let ca_path = emu.ca_pem_path().expect("CA path with TLS").to_owned();
    assert!(ca_path.starts_with(&dir));
    assert!(emu.login_base_url().starts_with("https://127.0.0.1:"));
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&ca_path).unwrap()).unwrap();
    let trusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let port = emu.local_addr().port();
    for host in ["127.0.0.1", "localhost"] {
        let url =
            format!("https://{host}:{port}/{SAMPLE_TENANT}/v2.0/.well-known/openid-configuration");
        let r = trusting.get(url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{host}");
    }
    let r = trusting
        .post(emu.token_endpoint())
        .form(&[
            ("client_id", SYNC_APP),
            ("client_secret", SYNC_SECRET),
            ("scope", GRAPH_SCOPE),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // A client that does not trust the CA fails the handshake.
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(untrusting
        .get(format!(
            "{}/common/discovery/instance",
            emu.login_base_url()
        ))
        .send()
        .await
        .is_err());
    emu.shutdown().await;
    assert!(ca_path.exists(), "a configured state_dir is kept");
    let _ = std::fs::remove_dir_all(dir);

    // Without state_dir the CA goes to a temporary directory that is removed at shutdown.
    let emu = start(EmulatorConfig {
        tls: true,
        ..sample_config()
    })
    .await;
    let tmp_ca = emu.ca_pem_path().unwrap().to_owned();
    assert!(tmp_ca.exists());
    emu.shutdown().await;
    assert!(!tmp_ca.exists());
}
