//! Signing in at the start of a run: the timed MFA question (Yes after 20 seconds by itself),
//! then the interactive sign-in (Yes) or the configured non-interactive credential (No), asked
//! for through the window's dialogs by the secrets crate's rule.

use super::prompts::{GuiPrompter, Pending};
use super::types::{Answer, ErrorCode, Question, RunMessage, SignInMethod, UiError};
use crate::backends::SignInChoice;
use rolesync_secrets::{obtain, CredentialName, KeyringStore, ObtainError};
use std::time::Duration;
use tauri::ipc::Channel;

/// How long the MFA question waits before answering Yes (the original tool's behaviour).
pub const MFA_TIMEOUT_SECS: u32 = 20;

/// The demo tenant's administrator, shown after the interactive demo sign-in.
const DEMO_ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// A sign-in that later runs in this window may reuse.
#[derive(Clone)]
pub struct Session {
    /// How.
    pub method: SignInMethod,
    /// As whom.
    pub account: String,
    /// What the run's Graph client signs in with.
    pub choice: SignInChoice,
}

/// Opens the keyring (service from `ROLESYNC_KEYRING_SERVICE`, backend detected).
pub fn keyring() -> Result<KeyringStore, UiError> {
    KeyringStore::open().map_err(|e| UiError::new(ErrorCode::Credentials, e.to_string()))
}

/// Asks the MFA question and signs in. Blocks until the user has answered every question.
pub fn sign_in(
    pending: &Pending,
    channel: &Channel<RunMessage>,
    demo: bool,
) -> Result<Session, UiError> {
    let cancelled = || {
        UiError::new(
            ErrorCode::Cancelled,
            "sign-in was cancelled; nothing was changed or saved",
        )
    };
    let mfa = pending.ask(
        channel,
        Question::Mfa {
            timeout_secs: MFA_TIMEOUT_SECS,
        },
        Some((Duration::from_secs(MFA_TIMEOUT_SECS.into()), Answer::Yes)),
    );
    let session = match mfa {
        Answer::Yes => {
            tracing::info!("sign-in: multi-factor (interactive)");
            if !demo {
                // The run's Graph client opens the system browser (authorization code + PKCE
                // with a loopback redirect) when it first needs a token.
                let _ = channel.send(RunMessage::SignedIn {
                    method: SignInMethod::Interactive,
                    account: "you".into(),
                    detail:
                        "Sign in with multi-factor authentication in the browser window that opens"
                            .into(),
                });
                return Ok(Session {
                    method: SignInMethod::Interactive,
                    account: "multi-factor sign-in".into(),
                    choice: SignInChoice::Interactive,
                });
            }
            Session {
                method: SignInMethod::Interactive,
                account: DEMO_ADMIN.into(),
                choice: SignInChoice::Configured,
            }
        }
        Answer::No => {
            tracing::info!("sign-in: configured credential");
            let store = keyring()?;
            let mut prompter = GuiPrompter {
                pending,
                channel,
                keyring: store.backend().to_string(),
                demo,
                asked: false,
            };
            let credential = obtain(&store, CredentialName::Office365, &mut prompter, true)
                .map_err(|e| match e {
                    ObtainError::Cancelled { .. } => cancelled(),
                    other => UiError::new(ErrorCode::Credentials, other.to_string()),
                })?;
            tracing::info!(
                credential = "office365",
                asked = prompter.asked,
                "credential ready"
            );
            let account = credential.account.clone();
            let detail = if prompter.asked {
                "entered now".to_string()
            } else {
                format!("saved credential from the {}", store.backend())
            };
            let _ = channel.send(RunMessage::SignedIn {
                method: SignInMethod::Credential,
                account: account.clone(),
                detail: if demo {
                    format!("Signed in to the demo tenant as {account} ({detail})")
                } else {
                    format!("Signing in to Entra ID as {account} ({detail})")
                },
            });
            return Ok(Session {
                method: SignInMethod::Credential,
                account,
                choice: if demo {
                    SignInChoice::Configured
                } else {
                    SignInChoice::With(credential)
                },
            });
        }
        _ => return Err(cancelled()),
    };
    let _ = channel.send(RunMessage::SignedIn {
        method: session.method,
        account: session.account.clone(),
        detail: format!(
            "Signed in to the demo tenant as {} with multi-factor sign-in (demo: no browser needed)",
            session.account
        ),
    });
    Ok(session)
}
