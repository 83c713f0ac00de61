//! Device-code sign-in: ask for a code, show `message`/`user_code`/`verification_uri` through
//! the [`Interaction`], then poll the token endpoint honouring `interval`, `slow_down` (+5 s),
//! `authorization_pending`, `expired_token` and `authorization_declined`.

use crate::auth::{Interaction, LoginEndpoint, TokenResponse};
use crate::error::{AuthError, AuthErrorKind};
use crate::secret::Sensitive;
use serde::Deserialize;
use std::time::{Duration, Instant};

/// What the user must do, from the `devicecode` endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct DeviceCodePrompt {
    /// The code to poll with (secret).
    pub device_code: Sensitive<String>,
    /// The code the user types.
    pub user_code: String,
    /// Where the user types it.
    pub verification_uri: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Seconds between polls.
    #[serde(default = "five")]
    pub interval: u64,
    /// The full instruction to show.
    #[serde(default)]
    pub message: String,
}

fn five() -> u64 {
    5
}

/// The result of one poll.
#[derive(Debug)]
pub enum DevicePoll {
    /// The user has not finished yet.
    Pending,
    /// Polling too fast: add 5 seconds to the interval.
    SlowDown,
    /// Signed in.
    Done(Box<TokenResponse>),
}

/// One device-code sign-in.
#[derive(Debug, Clone)]
pub struct DeviceCodeFlow {
    endpoint: LoginEndpoint,
    client_id: String,
    scope: String,
}

impl DeviceCodeFlow {
    /// A device-code sign-in of `client_id` for `scope`.
    pub fn new(endpoint: LoginEndpoint, client_id: &str, scope: &str) -> Self {
        DeviceCodeFlow {
            endpoint,
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
        }
    }

    /// Asks for a device code.
    pub async fn start(&self) -> Result<DeviceCodePrompt, AuthError> {
        let form = vec![
            ("client_id", self.client_id.clone()),
            ("scope", self.scope.clone()),
        ];
        self.endpoint
            .post_form(self.endpoint.devicecode_url(), &form, true)
            .await
    }

    /// Polls once.
    pub async fn poll(&self, prompt: &DeviceCodePrompt) -> Result<DevicePoll, AuthError> {
        let form = vec![
            ("client_id", self.client_id.clone()),
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:device_code".to_owned(),
            ),
            ("device_code", prompt.device_code.expose().clone()),
        ];
        match self.endpoint.token(&form).await {
            Ok(t) => Ok(DevicePoll::Done(Box::new(t))),
            Err(e) => match e.error.as_deref() {
                Some("authorization_pending") => Ok(DevicePoll::Pending),
                Some("slow_down") => Ok(DevicePoll::SlowDown),
                Some("expired_token") | Some("code_expired") => Err(AuthError {
                    kind: AuthErrorKind::Declined,
                    message: format!("the device code expired before the sign-in was completed at {}; start again and finish within {} minutes", prompt.verification_uri, prompt.expires_in / 60),
                    ..e
                }),
                Some("authorization_declined") => Err(AuthError {
                    kind: AuthErrorKind::Declined,
                    message: "the sign-in was declined in the browser; start again and accept it".into(),
                    ..e
                }),
                Some("bad_verification_code") => Err(AuthError {
                    kind: AuthErrorKind::Declined,
                    message: "the identity platform does not know this device code; start the device-code sign-in again".into(),
                    ..e
                }),
                _ => Err(e),
            },
        }
    }

    /// Shows the prompt and polls until the user finishes, declines, or the code expires.
    pub async fn run(&self, interaction: &dyn Interaction) -> Result<TokenResponse, AuthError> {
        let prompt = self.start().await?;
        interaction.show_device_code(&prompt);
        let deadline = Instant::now() + Duration::from_secs(prompt.expires_in.max(1));
        let mut interval = Duration::from_secs(prompt.interval.max(1));
        loop {
            if Instant::now() + interval > deadline + Duration::from_secs(1) {
                // One last poll at the deadline gives the identity platform's own answer.
                tokio::time::sleep(deadline.saturating_duration_since(Instant::now())).await;
            } else {
                tokio::time::sleep(interval).await;
            }
            match self.poll(&prompt).await? {
                DevicePoll::Done(t) => {
                    tracing::info!("device-code sign-in complete");
                    return Ok(*t);
                }
                DevicePoll::Pending => {
                    tracing::debug!("device-code sign-in pending");
                }
                DevicePoll::SlowDown => {
                    interval += Duration::from_secs(5);
                    tracing::info!(
                        interval_s = interval.as_secs(),
                        "device-code: asked to slow down"
                    );
                }
            }
            if Instant::now() > deadline + Duration::from_secs(30) {
                return Err(AuthError::new(
                    AuthErrorKind::Declined,
                    "the device code expired before the sign-in was completed; start again",
                ));
            }
        }
    }
}
