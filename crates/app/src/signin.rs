//! Signing in at the start of a run: the timed MFA question (Yes after 20 seconds by itself),
//! then the interactive sign-in (Yes) or the configured non-interactive credential (No), asked
//! for through the window's dialogs by the secrets crate's rule.

use crate::credentials::Credentials;
use crate::messages::{Answer, MessageSink, Question, RunMessage, SignInMethod};
use crate::prompts::{GuiPrompter, Pending};
use crate::run::SignInChoice;
use crate::AppError;
use rolesync_secrets::{obtain, CredentialName};
use std::time::Duration;

/// How long the MFA question waits before answering Yes (the original tool's behaviour).
pub const MFA_TIMEOUT_SECS: u32 = 20;

/// The demo tenant's administrator, shown after the interactive demo sign-in.
const DEMO_ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// A sign-in that later runs in this window may reuse.
#[derive(Clone)]
pub struct SignedIn {
    /// How.
    pub method: SignInMethod,
    /// As whom.
    pub account: String,
    /// What the run's Graph client signs in with.
    pub choice: SignInChoice,
}

/// Asks the MFA question and signs in. Blocks until the user has answered every question.
pub fn sign_in(
    pending: &Pending,
    channel: &dyn MessageSink,
    credentials: &Credentials,
    demo: bool,
) -> Result<SignedIn, AppError> {
    let cancelled = || AppError::cancelled("sign-in was cancelled; nothing was changed or saved");
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
                return Ok(SignedIn {
                    method: SignInMethod::Interactive,
                    account: "multi-factor sign-in".into(),
                    choice: SignInChoice::Interactive,
                });
            }
            SignedIn {
                method: SignInMethod::Interactive,
                account: DEMO_ADMIN.into(),
                choice: SignInChoice::Configured,
            }
        }
        Answer::No => {
            tracing::info!("sign-in: configured credential");
            let (store, keyring) = credentials.open()?;
            let mut prompter = GuiPrompter {
                pending,
                channel,
                keyring: keyring.name.clone(),
                demo,
                asked: false,
            };
            let credential = obtain(
                store.as_ref(),
                CredentialName::Office365,
                &mut prompter,
                true,
            )
            .map_err(|e| match AppError::from(e) {
                e if e.code == crate::ErrorKind::Cancelled => cancelled(),
                e => e,
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
                format!("saved credential from the {}", keyring.name)
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
            return Ok(SignedIn {
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
