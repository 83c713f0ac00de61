//! Signing in at the start of a window's run. How is decided from the configuration first
//! ([`plan`]): the timed "Use multi-factor sign-in?" question (Yes after 20 seconds by itself) is
//! asked only when both ways can work — the app registration allows a person's interactive
//! sign-in (`entra.interactive`, or the demo tenant) and an unattended sign-in is configured —
//! Yes being the interactive MFA sign-in and No the configured one. Otherwise the window says
//! which sign-in is used and asks nothing. The credential a configured sign-in needs (a client
//! secret, a password) is asked for through the window's dialogs by the secrets crate's rule.

use crate::credentials::Credentials;
use crate::messages::{Answer, MessageSink, Question, RunMessage, SignInMethod};
use crate::prompts::{GuiPrompter, Pending};
use crate::run::SignInChoice;
use crate::AppError;
use rolesync_config::{EntraConfig, SignIn};
use rolesync_secrets::{obtain, CredentialName};
use std::time::Duration;

/// How long the MFA question waits before answering Yes (the original tool's behaviour).
pub const MFA_TIMEOUT_SECS: u32 = 20;

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

/// How the next run signs in, decided from the configuration before anything is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInPlan {
    /// Ask "Use multi-factor sign-in?": Yes signs in interactively with MFA; No signs in with
    /// `unattended` (the configured sign-in, in words).
    Ask {
        /// What No does, in words.
        unattended: String,
        /// The configured sign-in needs the `office365` credential (a secret or a password).
        credential: bool,
    },
    /// No question: this sign-in is used.
    Fixed {
        /// A person signs in with MFA (`interactive`, `device-code`).
        interactive: bool,
        /// The `office365` credential is needed (a secret or a password).
        credential: bool,
        /// The sign-in in words.
        words: String,
        /// The configured sign-in alone in words (what the progress line names).
        method: String,
    },
}

impl SignInPlan {
    /// The plan in words, for the home page.
    pub fn words(&self) -> String {
        match self {
            SignInPlan::Ask { unattended, .. } => format!(
                "Each run asks \"Use multi-factor sign-in?\" (Yes after {MFA_TIMEOUT_SECS} s): Yes signs you in with MFA in the browser, No uses {unattended}."
            ),
            SignInPlan::Fixed { words, .. } => format!("Runs sign in with {words}."),
        }
    }
}

/// The configured sign-in in words.
fn mode_words(e: &EntraConfig) -> String {
    match e.sign_in {
        SignIn::Certificate => format!(
            "the app's certificate (sign_in = \"certificate\", app {})",
            e.client_id
        ),
        SignIn::Secret => format!(
            "the app's client secret (sign_in = \"secret\", app {})",
            e.client_id
        ),
        SignIn::Password => format!(
            "the password of {} (sign_in = \"password\", no MFA)",
            e.username.as_deref().unwrap_or("entra.username")
        ),
        SignIn::Interactive => {
            "interactive sign-in with MFA in the browser (sign_in = \"interactive\")".into()
        }
        SignIn::DeviceCode => {
            "a device code you enter in a browser, with MFA (sign_in = \"device-code\")".into()
        }
    }
}

/// How a window's run signs in with this `[entra]` (none: as configured, which fails with the
/// configuration's error); the demo tenant has both ways.
pub fn plan(entra: Option<&EntraConfig>, demo: bool) -> SignInPlan {
    if demo {
        return SignInPlan::Ask {
            unattended: "the demo app's sign-in (any account and password are accepted)".into(),
            credential: true,
        };
    }
    let Some(e) = entra else {
        return SignInPlan::Fixed {
            interactive: false,
            credential: false,
            words: "the configured sign-in ([entra] is not set yet: see Settings)".into(),
            method: "the configured sign-in".into(),
        };
    };
    let credential = matches!(e.sign_in, SignIn::Secret | SignIn::Password);
    match e.sign_in {
        SignIn::Interactive | SignIn::DeviceCode => SignInPlan::Fixed {
            interactive: true,
            credential: false,
            words: mode_words(e),
            method: mode_words(e),
        },
        _ if e.interactive => SignInPlan::Ask {
            unattended: mode_words(e),
            credential,
        },
        _ => SignInPlan::Fixed {
            interactive: false,
            credential,
            words: format!(
                "{}; interactive MFA sign-in is not enabled for this app registration (Settings → \"Interactive MFA sign-in also allowed\")",
                mode_words(e)
            ),
            method: mode_words(e),
        },
    }
}

/// Signs in as `plan` says: asks the MFA question when it is to be asked, then the credential
/// dialogs when the configured sign-in needs a credential. Blocks until every question is
/// answered.
pub fn sign_in(
    pending: &Pending,
    channel: &dyn MessageSink,
    credentials: &Credentials,
    demo: bool,
    plan: &SignInPlan,
) -> Result<SignedIn, AppError> {
    let cancelled = || {
        tracing::warn!("sign-in cancelled; nothing was changed or saved");
        AppError::cancelled("sign-in was cancelled; nothing was changed or saved")
    };
    let (interactive, credential) = match plan {
        SignInPlan::Ask {
            unattended,
            credential,
        } => {
            let answer = pending.ask(
                channel,
                Question::Mfa {
                    timeout_secs: MFA_TIMEOUT_SECS,
                    unattended: unattended.clone(),
                },
                Some((Duration::from_secs(MFA_TIMEOUT_SECS.into()), Answer::Yes)),
            );
            match answer {
                Answer::Yes => (true, false),
                Answer::No => (false, *credential),
                _ => return Err(cancelled()),
            }
        }
        SignInPlan::Fixed {
            interactive,
            credential,
            words,
            ..
        } => {
            tracing::info!(sign_in = %words, "sign-in: no question (the configuration allows one way)");
            (*interactive, *credential)
        }
    };
    if interactive {
        if demo {
            tracing::info!("sign-in: multi-factor (interactive) to the demo tenant");
            let detail = "Signing in to the demo tenant with multi-factor sign-in (the demo signs in for you; no browser opens)".to_string();
            let _ = channel.send(RunMessage::SignedIn {
                method: SignInMethod::Interactive,
                account: "the demo administrator".into(),
                detail,
            });
            return Ok(SignedIn {
                method: SignInMethod::Interactive,
                account: "the demo administrator".into(),
                choice: SignInChoice::Interactive,
            });
        }
        tracing::info!("sign-in: multi-factor (interactive)");
        // The run's Graph client opens the system browser (authorization code + PKCE with a
        // loopback redirect; a device code where no browser opens) when it first needs a token.
        let _ = channel.send(RunMessage::SignedIn {
            method: SignInMethod::Interactive,
            account: "you".into(),
            detail: "Sign in with multi-factor authentication in the browser window that opens (or with the code shown here)".into(),
        });
        let configured = matches!(plan, SignInPlan::Fixed { .. });
        return Ok(SignedIn {
            method: SignInMethod::Interactive,
            account: "your multi-factor sign-in".into(),
            choice: if configured {
                SignInChoice::Configured
            } else {
                SignInChoice::Interactive
            },
        });
    }
    if !credential {
        // A certificate: nothing to ask.
        tracing::info!("sign-in: the configured unattended sign-in");
        let detail = match plan {
            SignInPlan::Ask { unattended, .. } => unattended.clone(),
            SignInPlan::Fixed { words, .. } => words.clone(),
        };
        let _ = channel.send(RunMessage::SignedIn {
            method: SignInMethod::Credential,
            account: "the app".into(),
            detail: format!("Signing in with {detail}"),
        });
        return Ok(SignedIn {
            method: SignInMethod::Credential,
            account: "the app".into(),
            choice: SignInChoice::Configured,
        });
    }
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
            format!("Signing in to the demo tenant as {account} ({detail}; the demo app's client secret)")
        } else {
            let method = match plan {
                SignInPlan::Ask { unattended, .. } => unattended,
                SignInPlan::Fixed { method, .. } => method,
            };
            format!("Signing in to Entra ID with {method} as {account} ({detail})")
        },
    });
    Ok(SignedIn {
        method: SignInMethod::Credential,
        account,
        choice: if demo {
            SignInChoice::Configured
        } else {
            SignInChoice::With(credential)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entra(sign_in: SignIn, interactive: bool) -> EntraConfig {
        let text = format!(
            "[entra]\ntenant = \"contoso.onmicrosoft.com\"\nclient_id = \"3f1b0c7e-2a4d-4e8f-9b6a-1c2d3e4f5a6b\"\nsign_in = \"{}\"\ncertificate = \"/x.pem\"\nusername = \"admin@contoso.com\"\ninteractive = {interactive}\n",
            match sign_in {
                SignIn::Certificate => "certificate",
                SignIn::Secret => "secret",
                SignIn::Interactive => "interactive",
                SignIn::DeviceCode => "device-code",
                SignIn::Password => "password",
            }
        );
        rolesync_config::parse(std::path::Path::new("r.toml"), &text)
            .expect("valid")
            .entra
            .expect("[entra]")
    }

    /// The question is asked only when both ways can work; otherwise the sign-in is named.
    #[test]
    fn the_mfa_question_follows_the_configuration() {
        let ask = |p: &SignInPlan| matches!(p, SignInPlan::Ask { .. });
        // An unattended sign-in alone: no question, and the words say which and why.
        for mode in [SignIn::Certificate, SignIn::Secret, SignIn::Password] {
            let p = plan(Some(&entra(mode, false)), false);
            assert!(!ask(&p), "{mode:?}: {p:?}");
            assert!(
                p.words().contains("interactive MFA sign-in is not enabled"),
                "{}",
                p.words()
            );
        }
        let p = plan(Some(&entra(SignIn::Secret, false)), false);
        assert!(matches!(
            p,
            SignInPlan::Fixed {
                interactive: false,
                credential: true,
                ..
            }
        ));
        let p = plan(Some(&entra(SignIn::Certificate, false)), false);
        assert!(matches!(
            p,
            SignInPlan::Fixed {
                credential: false,
                ..
            }
        ));
        // Interactive allowed too: the question, No = the configured sign-in in words.
        let p = plan(Some(&entra(SignIn::Certificate, true)), false);
        match &p {
            SignInPlan::Ask {
                unattended,
                credential,
            } => {
                assert!(unattended.contains("certificate"), "{unattended}");
                assert!(!credential);
            }
            other => panic!("{other:?}"),
        }
        // The configured sign-in is interactive already: nothing to choose.
        for mode in [SignIn::Interactive, SignIn::DeviceCode] {
            let p = plan(Some(&entra(mode, true)), false);
            assert!(
                matches!(
                    p,
                    SignInPlan::Fixed {
                        interactive: true,
                        ..
                    }
                ),
                "{p:?}"
            );
        }
        // The demo tenant has both.
        assert!(ask(&plan(None, true)));
        assert!(!ask(&plan(None, false)));
    }
}
