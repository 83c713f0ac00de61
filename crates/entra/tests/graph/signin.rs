use crate::common::*;
use async_trait::async_trait;
use rolesync_core::traits::RoleTarget;
use rolesync_entra::auth::{
    AppOnly, CertificateCredential, ClientCredential, DeviceCodeFlow, DeviceCodePrompt, DevicePoll,
    Interaction, LoginEndpoint, SigningAlgorithm, TokenSource,
};
use rolesync_entra::connect::token_source;
use rolesync_entra::SignIn;
use rolesync_entra::{AuthErrorKind, GraphTarget, Sensitive};
use rolesync_entra_emulator::{Lifetimes, RunningEmulator};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn endpoint(emu: &RunningEmulator) -> LoginEndpoint {
    let http =
        rolesync_entra::http::http_client(emu.ca_pem_path(), Duration::from_secs(10)).unwrap();
    LoginEndpoint::new(
        http,
        &url::Url::parse(&emu.login_base_url()).unwrap(),
        &emu.tenant_id(),
    )
}

async fn graph_works(emu: &RunningEmulator, tokens: Arc<dyn TokenSource>) {
    let opts = options(emu);
    let http = rolesync_entra::http::http_client(opts.ca_file.as_deref(), opts.timeout).unwrap();
    let client = rolesync_entra::http::GraphClient::new(
        http,
        &url::Url::parse(&emu.graph_base_url()).unwrap(),
        tokens,
        opts.retry.clone(),
        &opts.pacing,
    );
    let roles = GraphTarget::new(Arc::new(client), "test")
        .role_definitions()
        .await
        .unwrap();
    assert!(roles
        .iter()
        .any(|r| r.display_name == "Global Administrator"));
}

fn cert_pem() -> (String, String) {
    (
        std::fs::read_to_string(emulator_fixture("demo-app-cert.pem")).unwrap(),
        std::fs::read_to_string(emulator_fixture("demo-app-key.pem")).unwrap(),
    )
}

#[tokio::test]
async fn certificate_pem_over_https_via_config() {
    let emu = start(config(true)).await;
    assert!(emu.login_base_url().starts_with("https://"));
    let (cert, key) = cert_pem();
    let dir = std::env::temp_dir().join(format!("rolesync-entra-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.pem");
    std::fs::write(&path, format!("{cert}\n{key}")).unwrap();
    let mut cfg = entra(&emu, SignIn::Certificate, APP_ID);
    cfg.certificate = Some(path);
    let opts = options(&emu);
    let target =
        GraphTarget::from_config(&cfg, None, Arc::new(FollowRedirect::new(&emu)), &opts).unwrap();
    let roles = target.role_definitions().await.unwrap();
    assert!(roles.len() > 50, "{}", roles.len());
    // The same over HTTPS without the emulator's CA fails certificate verification.
    let mut no_ca = options(&emu);
    no_ca.ca_file = None;
    let t =
        GraphTarget::from_config(&cfg, None, Arc::new(FollowRedirect::new(&emu)), &no_ca).unwrap();
    let err = t.role_definitions().await.unwrap_err();
    assert!(err.message.contains("signing in"), "{}", err.message);
    assert!(
        err.message.to_lowercase().contains("certificate"),
        "{}",
        err.message
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn certificate_pem_sibling_key_and_rs256() {
    let emu = start(config(false)).await;
    let (cert, key) = cert_pem();
    let dir = std::env::temp_dir().join(format!("rolesync-entra-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("app.pem"), &cert).unwrap();
    std::fs::write(dir.join("app.key"), &key).unwrap();
    let c = CertificateCredential::from_file(&dir.join("app.pem"), None).unwrap();
    assert_eq!(c.thumbprint_hex().len(), 40);
    let c = c.with_algorithm(SigningAlgorithm::Rs256);
    let src = AppOnly::new(
        endpoint(&emu),
        APP_ID,
        ClientCredential::Certificate(Arc::new(c)),
        "https://graph.microsoft.com",
    );
    let t = src.access_token().await.unwrap();
    assert!(!t.secret().expose().is_empty());
    assert_eq!(format!("{:?}", t.secret()), "<redacted>");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn certificate_pfx_aes_and_3des() {
    let emu = start(config(true)).await;
    for name in ["certs/demo-app-aes.pfx", "certs/demo-app-3des.pfx"] {
        let mut cfg = entra(&emu, SignIn::Certificate, APP_ID);
        cfg.certificate = Some(fixture(name));
        let tokens = token_source(
            &cfg,
            Some(Sensitive::from(PFX_PASSWORD)),
            Arc::new(FollowRedirect::new(&emu)),
            rolesync_entra::http::http_client(emu.ca_pem_path(), Duration::from_secs(10)).unwrap(),
            &options(&emu),
        )
        .unwrap();
        graph_works(&emu, tokens).await;
    }
    let wrong = CertificateCredential::from_file(&fixture("certs/demo-app-aes.pfx"), Some("nope"))
        .unwrap_err();
    assert_eq!(wrong.kind, AuthErrorKind::Config);
    assert!(wrong.message.contains("password"), "{}", wrong.message);
}

#[tokio::test]
async fn secret_and_wrong_secret() {
    let emu = start(config(false)).await;
    let ok = AppOnly::new(
        endpoint(&emu),
        APP_ID,
        ClientCredential::Secret(Sensitive::from(SECRET)),
        "https://graph.microsoft.com",
    );
    graph_works(&emu, Arc::new(ok)).await;
    let bad = AppOnly::new(
        endpoint(&emu),
        APP_ID,
        ClientCredential::Secret(Sensitive::from("wrong")),
        "https://graph.microsoft.com",
    );
    let e = bad.access_token().await.unwrap_err();
    assert_eq!(e.aadsts, Some(7000215));
    assert_eq!(e.kind, AuthErrorKind::InvalidCredentials);
    assert!(
        e.message.contains("client secret is wrong"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("wrong\""), "no secret in the message");
    // Through the target, a sign-in failure is a ReadError in words.
    let cfg = entra(&emu, SignIn::Secret, APP_ID);
    let t = GraphTarget::from_config(
        &cfg,
        Some(Sensitive::from("wrong")),
        Arc::new(FollowRedirect::new(&emu)),
        &options(&emu),
    )
    .unwrap();
    let e = t.role_definitions().await.unwrap_err();
    assert!(e.message.contains("AADSTS7000215"), "{}", e.message);
    // No secret at all: a config error naming what is missing.
    let e = GraphTarget::from_config(
        &cfg,
        None,
        Arc::new(FollowRedirect::new(&emu)),
        &options(&emu),
    )
    .unwrap_err();
    assert!(e.message.contains("client secret"), "{}", e.message);
}

#[tokio::test]
async fn unknown_app_is_named() {
    let emu = start(config(false)).await;
    let src = AppOnly::new(
        endpoint(&emu),
        "99999999-9999-4999-8999-999999999999",
        ClientCredential::Secret(Sensitive::from(SECRET)),
        "https://graph.microsoft.com",
    );
    let e = src.access_token().await.unwrap_err();
    assert_eq!(e.aadsts, Some(700016), "{e:?}");
    assert!(e.message.contains("client id"), "{}", e.message);
}

struct Counting(FollowRedirect, AtomicUsize);

#[async_trait]
impl Interaction for Counting {
    async fn open_browser(&self, url: &str) -> Result<(), String> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.open_browser(url).await
    }
    fn show_device_code(&self, _p: &DeviceCodePrompt) {}
}

#[tokio::test]
async fn interactive_auth_code_pkce_and_refresh_before_expiry() {
    let mut c = config(true);
    c.lifetimes = Lifetimes {
        access_token: Duration::from_secs(4),
        ..Lifetimes::default()
    };
    let emu = start(c).await;
    let browser = Arc::new(Counting(FollowRedirect::new(&emu), AtomicUsize::new(0)));
    let cfg = entra(&emu, SignIn::Interactive, PUBLIC_ID);
    let http =
        rolesync_entra::http::http_client(emu.ca_pem_path(), Duration::from_secs(10)).unwrap();
    let tokens = token_source(&cfg, None, browser.clone(), http, &options(&emu)).unwrap();
    let first = tokens.access_token().await.unwrap();
    assert_eq!(browser.1.load(Ordering::SeqCst), 1);
    graph_works(&emu, tokens.clone()).await;
    // Still fresh: the same token.
    let again = tokens.access_token().await.unwrap();
    assert_eq!(again.secret().expose(), first.secret().expose());
    // Within the last quarter of its 4 s lifetime: renewed with the refresh token, no browser.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let renewed = tokens.access_token().await.unwrap();
    assert_ne!(renewed.secret().expose(), first.secret().expose());
    assert_eq!(browser.1.load(Ordering::SeqCst), 1);
    // And again (the rotated refresh token works).
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let third = tokens.access_token().await.unwrap();
    assert_ne!(third.secret().expose(), renewed.secret().expose());
    assert_eq!(browser.1.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn interactive_rejects_a_foreign_state() {
    let emu = start(config(false)).await;
    let mut b = FollowRedirect::new(&emu);
    b.tamper_state = true;
    let cfg = entra(&emu, SignIn::Interactive, PUBLIC_ID);
    let http = rolesync_entra::http::http_client(None, Duration::from_secs(10)).unwrap();
    let tokens = token_source(&cfg, None, Arc::new(b), http, &options(&emu)).unwrap();
    let e = tokens.access_token().await.unwrap_err();
    assert!(e.message.contains("state"), "{}", e.message);
}

#[tokio::test]
async fn app_only_token_renewed_before_expiry() {
    let mut c = config(false);
    c.lifetimes.access_token = Duration::from_secs(4);
    let emu = start(c).await;
    let src = AppOnly::new(
        endpoint(&emu),
        APP_ID,
        ClientCredential::Secret(Sensitive::from(SECRET)),
        "https://graph.microsoft.com",
    );
    let a = src.access_token().await.unwrap();
    let b = src.access_token().await.unwrap();
    assert_eq!(a.secret().expose(), b.secret().expose());
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let c = src.access_token().await.unwrap();
    assert_ne!(a.secret().expose(), c.secret().expose());
}

fn device_emulator() -> rolesync_entra_emulator::EmulatorConfig {
    let mut c = config(false);
    c.lifetimes.device_code_interval = Duration::from_millis(1000);
    c
}

#[tokio::test]
async fn device_code_approved_while_polling() {
    let emu = start(device_emulator()).await;
    let shown = Arc::new(CaptureDeviceCode::default());
    let cfg = entra(&emu, SignIn::DeviceCode, PUBLIC_ID);
    let http = rolesync_entra::http::http_client(None, Duration::from_secs(10)).unwrap();
    let tokens = token_source(&cfg, None, shown.clone(), http, &options(&emu)).unwrap();
    let approver = {
        let emu = emu.clone();
        let shown = shown.clone();
        tokio::spawn(async move {
            shown.notify.notified().await;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let code = shown.prompts.lock().unwrap()[0].0.clone();
            emu.approve_device_code(&code, "alice@contoso.com").unwrap();
        })
    };
    let t = tokens.access_token().await.unwrap();
    approver.await.unwrap();
    assert!(!t.secret().expose().is_empty());
    let (code, uri, message) = shown.prompts.lock().unwrap()[0].clone();
    assert!(
        message.contains(&code) && message.contains(&uri),
        "{message}"
    );
    graph_works(&emu, tokens).await;
}

/// Interactive sign-in where no browser can be opened: the same MFA sign-in by device code, the
/// code shown through the interaction (the desktop window's card, the terminal).
#[tokio::test]
async fn interactive_without_a_browser_falls_back_to_the_device_code() {
    let emu = start(device_emulator()).await;
    let shown = Arc::new(CaptureDeviceCode::default());
    let cfg = entra(&emu, SignIn::Interactive, PUBLIC_ID);
    let http = rolesync_entra::http::http_client(None, Duration::from_secs(10)).unwrap();
    let tokens = token_source(&cfg, None, shown.clone(), http, &options(&emu)).unwrap();
    let approver = {
        let emu = emu.clone();
        let shown = shown.clone();
        tokio::spawn(async move {
            shown.notify.notified().await;
            let code = shown.prompts.lock().unwrap()[0].0.clone();
            emu.approve_device_code(&code, "alice@contoso.com").unwrap();
        })
    };
    let t = tokens.access_token().await.unwrap();
    approver.await.unwrap();
    assert_eq!(shown.prompts.lock().unwrap().len(), 1);
    assert!(
        tokens.describe().contains("interactive"),
        "{}",
        tokens.describe()
    );
    assert!(!t.secret().expose().is_empty());
    graph_works(&emu, tokens).await;
}

#[tokio::test]
async fn device_code_pending_slow_down_declined_expired() {
    let mut c = device_emulator();
    c.lifetimes.device_code = Duration::from_secs(3);
    let emu = start(c).await;
    let flow = DeviceCodeFlow::new(
        endpoint(&emu),
        PUBLIC_ID,
        "https://graph.microsoft.com/.default offline_access",
    );
    let p = flow.start().await.unwrap();
    assert_eq!(format!("{:?}", p.device_code), "<redacted>");
    assert!(matches!(flow.poll(&p).await.unwrap(), DevicePoll::Pending));
    assert!(matches!(flow.poll(&p).await.unwrap(), DevicePoll::SlowDown));
    // Declined.
    let p2 = flow.start().await.unwrap();
    emu.decline_device_code(&p2.user_code).unwrap();
    let e = flow.poll(&p2).await.unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::Declined);
    assert!(e.message.contains("declined"), "{}", e.message);
    // Never approved: the loop ends with "expired" in words.
    let shown = CaptureDeviceCode::default();
    let e = flow.run(&shown).await.unwrap_err();
    assert!(e.message.contains("expired"), "{}", e.message);
}

#[tokio::test]
async fn password_legacy_ok_and_mfa_user_refused() {
    let emu = start(config(false)).await;
    let mut cfg = entra(&emu, SignIn::Password, PUBLIC_ID);
    cfg.username = Some("legacy@contoso.com".into());
    let http = rolesync_entra::http::http_client(None, Duration::from_secs(10)).unwrap();
    let tokens = token_source(
        &cfg,
        Some(Sensitive::from("Legacy-Passw0rd!")),
        Arc::new(FollowRedirect::new(&emu)),
        http.clone(),
        &options(&emu),
    )
    .unwrap();
    assert!(tokens.describe().contains("legacy@contoso.com"));
    tokens.access_token().await.unwrap();

    cfg.username = Some("alice@contoso.com".into());
    let tokens = token_source(
        &cfg,
        Some(Sensitive::from("Demo-Passw0rd!")),
        Arc::new(FollowRedirect::new(&emu)),
        http.clone(),
        &options(&emu),
    )
    .unwrap();
    let e = tokens.access_token().await.unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::MfaRequired);
    assert_eq!(e.aadsts, Some(50076));
    assert!(e.message.contains("interactive"), "{}", e.message);
    assert!(e.message.contains("alice@contoso.com"), "{}", e.message);

    let tokens = token_source(
        &cfg,
        Some(Sensitive::from("bad")),
        Arc::new(FollowRedirect::new(&emu)),
        http,
        &options(&emu),
    )
    .unwrap();
    let e = tokens.access_token().await.unwrap_err();
    assert_eq!(e.aadsts, Some(50126));
    assert!(
        e.message.contains("wrong user name or password"),
        "{}",
        e.message
    );
}
