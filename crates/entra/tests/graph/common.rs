use async_trait::async_trait;
use rolesync_entra::auth::{DeviceCodePrompt, Interaction};
use rolesync_entra::http::RetryPolicy;
use rolesync_entra::pacing::Pacing;
use rolesync_entra::{ConnectOptions, GraphTarget, Sensitive};
use rolesync_entra::{EntraConfig, SignIn};
use rolesync_entra_emulator::{EmulatorConfig, FaultConfig, RunningEmulator, ThrottleConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

pub const APP_ID: &str = "11111111-1111-4111-8111-111111111111";
pub const PUBLIC_ID: &str = "22222222-2222-4222-8222-222222222222";
pub const SECRET: &str = "demo-secret-not-for-production";
pub const PFX_PASSWORD: &str = "pfx-test-password";

pub fn emulator_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../entra-emulator/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn config(tls: bool) -> EmulatorConfig {
    EmulatorConfig {
        tls,
        throttling: ThrottleConfig::disabled(),
        faults: FaultConfig::none(7),
        ..EmulatorConfig::default()
    }
}

pub async fn start(cfg: EmulatorConfig) -> Arc<RunningEmulator> {
    Arc::new(RunningEmulator::start(cfg).await.unwrap())
}

pub fn entra(emu: &RunningEmulator, sign_in: SignIn, client_id: &str) -> EntraConfig {
    EntraConfig {
        tenant: emu.tenant_id(),
        client_id: client_id.to_owned(),
        sign_in,
        certificate: None,
        certificate_thumbprint: None,
        username: None,
        login_url: Url::parse(&emu.login_base_url()).unwrap(),
        graph_url: Url::parse(&emu.graph_base_url()).unwrap(),
    }
}

pub fn options(emu: &RunningEmulator) -> ConnectOptions {
    ConnectOptions {
        ca_file: emu.ca_pem_path().map(|p| p.to_path_buf()),
        pacing: Pacing::disabled(),
        retry: RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(10),
            max_total: Duration::from_secs(120),
        },
        timeout: Duration::from_secs(20),
        ..ConnectOptions::default()
    }
}

/// The "browser": follows the authorize redirect with an HTTP client, in the background.
pub struct FollowRedirect {
    pub http: reqwest::Client,
    pub tamper_state: bool,
}

impl FollowRedirect {
    pub fn new(emu: &RunningEmulator) -> Self {
        FollowRedirect {
            http: rolesync_entra::http::http_client(emu.ca_pem_path(), Duration::from_secs(10))
                .unwrap(),
            tamper_state: false,
        }
    }
}

#[async_trait]
impl Interaction for FollowRedirect {
    async fn open_browser(&self, url: &str) -> Result<(), String> {
        let resp = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        assert_eq!(resp.status().as_u16(), 302, "authorize redirects");
        let mut location = resp
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(location.starts_with("http://localhost:"), "{location}");
        if self.tamper_state {
            location = location.replace("state=", "state=x");
        }
        let http = self.http.clone();
        tokio::spawn(async move {
            let _ = http.get(location).send().await;
        });
        Ok(())
    }

    fn show_device_code(&self, _prompt: &DeviceCodePrompt) {}
}

/// Shows device codes by handing them to the test.
#[derive(Default)]
pub struct CaptureDeviceCode {
    pub prompts: Mutex<Vec<(String, String, String)>>,
    pub notify: tokio::sync::Notify,
}

#[async_trait]
impl Interaction for CaptureDeviceCode {
    async fn open_browser(&self, _url: &str) -> Result<(), String> {
        Err("no browser here".into())
    }

    fn show_device_code(&self, p: &DeviceCodePrompt) {
        self.prompts.lock().unwrap().push((
            p.user_code.clone(),
            p.verification_uri.clone(),
            p.message.clone(),
        ));
        self.notify.notify_one();
    }
}

pub fn app_target(emu: &RunningEmulator, opts: &ConnectOptions) -> GraphTarget {
    let cfg = entra(emu, SignIn::Secret, APP_ID);
    GraphTarget::from_config(
        &cfg,
        Some(Sensitive::from(SECRET)),
        Arc::new(FollowRedirect::new(emu)),
        opts,
    )
    .unwrap()
}
