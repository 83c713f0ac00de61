//! The window's side of a person's sign-in to Entra ID: the system browser for the
//! authorization-code sign-in, and the device code shown as a card in the run's progress view
//! (the fallback where no browser opens, and `sign_in = "device-code"`).

use crate::messages::{MessageSink, RunMessage};
use rolesync_entra::auth::{DeviceCodePrompt, Interaction};
use rolesync_entra::SystemBrowser;
use std::sync::Arc;

/// Opens the browser; sends device codes to the window.
pub struct WindowInteraction {
    channel: Arc<dyn MessageSink>,
    browser: Box<dyn Interaction>,
}

impl WindowInteraction {
    /// For the run whose messages go to `channel`, with the system browser.
    pub fn new(channel: Arc<dyn MessageSink>) -> Self {
        WindowInteraction {
            channel,
            browser: Box::new(SystemBrowser),
        }
    }
}

#[async_trait::async_trait]
impl Interaction for WindowInteraction {
    async fn open_browser(&self, url: &str) -> Result<(), String> {
        self.browser.open_browser(url).await
    }

    fn show_device_code(&self, prompt: &DeviceCodePrompt) {
        tracing::info!(verification_uri = %prompt.verification_uri, user_code = %prompt.user_code, "device-code sign-in: the code is shown in the window");
        if !self.channel.send(RunMessage::DeviceCode {
            user_code: prompt.user_code.clone(),
            url: prompt.verification_uri.clone(),
        }) {
            // The window is gone: the log still has the code (above).
            tracing::warn!("the window did not take the device code");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::channel;
    use rolesync_entra_emulator::{EmulatorConfig, RunningEmulator, DEMO_PUBLIC_CLIENT_ID};
    use std::time::Duration;

    /// A machine without a browser.
    struct NoBrowser;

    #[async_trait::async_trait]
    impl Interaction for NoBrowser {
        async fn open_browser(&self, _url: &str) -> Result<(), String> {
            Err("no browser on this machine".into())
        }
        fn show_device_code(&self, _prompt: &DeviceCodePrompt) {}
    }

    /// The window's interactive sign-in where no browser opens: the device code reaches the
    /// window as the message its card shows, and entering it signs in.
    #[tokio::test]
    async fn without_a_browser_the_window_gets_the_device_code_and_sign_in_completes() {
        let mut cfg = EmulatorConfig {
            tenant: rolesync_entra_emulator::demo_tenant(),
            ..EmulatorConfig::default()
        };
        let admin = cfg.tenant.users[0].user_principal_name.clone();
        cfg.lifetimes.device_code_interval = Duration::from_millis(200);
        let emu = Arc::new(RunningEmulator::start(cfg).await.unwrap());
        let (sink, rx) = channel();
        let window = Arc::new(WindowInteraction {
            channel: Arc::new(sink),
            browser: Box::new(NoBrowser),
        });
        let entra = rolesync_entra::EntraConfig {
            tenant: emu.tenant_id(),
            client_id: DEMO_PUBLIC_CLIENT_ID.into(),
            sign_in: rolesync_entra::SignIn::Interactive,
            certificate: None,
            certificate_thumbprint: None,
            username: None,
            login_url: emu.login_base_url().parse().unwrap(),
            graph_url: emu.graph_base_url().parse().unwrap(),
        };
        let http = rolesync_entra::http::http_client(None, Duration::from_secs(10)).unwrap();
        let tokens = rolesync_entra::connect::token_source(
            &entra,
            None,
            window,
            http,
            &rolesync_entra::ConnectOptions::default(),
        )
        .unwrap();
        let approver = {
            let emu = emu.clone();
            std::thread::spawn(move || {
                let m = rx
                    .recv_timeout(Duration::from_secs(30))
                    .expect("a device code");
                assert_eq!(m["kind"], "deviceCode", "{m}");
                let code = m["userCode"].as_str().expect("userCode").to_owned();
                assert!(
                    m["url"].as_str().is_some_and(|u| u.starts_with("http")),
                    "{m}"
                );
                if let Err(e) = emu.approve_device_code(&code, &admin) {
                    let _ = emu.decline_device_code(&code);
                    panic!("approving {code} as {admin}: {e}");
                }
            })
        };
        let token = tokio::time::timeout(Duration::from_secs(60), tokens.access_token())
            .await
            .expect("the sign-in ends")
            .expect("signed in");
        approver.join().unwrap();
        assert!(!token.secret().expose().is_empty());
        if let Ok(emu) = Arc::try_unwrap(emu) {
            emu.shutdown().await;
        }
    }
}
