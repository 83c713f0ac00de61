//! What a window's run streams to the window (questions, sign-in, device codes, progress) and the
//! answers it gets back. The front end delivers messages through a [`MessageSink`] (the desktop:
//! a Tauri channel); the TypeScript declarations are generated from these types.

use rolesync_core::events::{Observer, SyncEvent};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Delivers messages to the window; `false` when the window is gone.
pub trait MessageSink: Send + Sync {
    /// Sends one message.
    fn send(&self, message: RunMessage) -> bool;
}

/// How the run signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    /// Interactive sign-in with MFA (browser, device code as fallback).
    Interactive,
    /// The configured non-interactive credential.
    Credential,
    /// The sign-in of an earlier run in this window.
    Reused,
}

/// A question for the user; the window answers it with `answer_prompt`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Question {
    /// "Use multi-factor sign-in?"; answers Yes by itself after `timeout_secs`. Asked only when
    /// both the interactive sign-in and an unattended one can work.
    #[serde(rename_all = "camelCase")]
    Mfa {
        /// Seconds until Yes.
        timeout_secs: u32,
        /// What No signs in with, in words (the configured unattended sign-in).
        unattended: String,
    },
    /// The account of a credential.
    #[serde(rename_all = "camelCase")]
    Account {
        /// `office365`, `smtp` or `ldap`.
        credential: String,
        /// The credential's name in words.
        label: String,
        /// What to enter.
        prompt: String,
        /// A hint (demo mode: any account is accepted).
        note: Option<String>,
    },
    /// The secret of a credential.
    #[serde(rename_all = "camelCase")]
    Secret {
        /// `office365`, `smtp` or `ldap`.
        credential: String,
        /// The credential's name in words.
        label: String,
        /// What to enter.
        prompt: String,
        /// For which account.
        account: String,
        /// A hint.
        note: Option<String>,
    },
    /// "Save credentials?"
    #[serde(rename_all = "camelCase")]
    Save {
        /// `office365`, `smtp` or `ldap`.
        credential: String,
        /// The credential's name in words.
        label: String,
        /// Where it would be saved.
        keyring: String,
    },
}

/// One question with its id.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Prompt {
    /// Answer with this id.
    pub id: u32,
    /// The question.
    pub question: Question,
}

/// The user's answer. The text of a secret never prints (`Debug` redacts it).
#[derive(Clone, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Answer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Entered text (account or secret).
    Text {
        /// The text.
        value: String,
    },
    /// Cancel: the run stops and nothing changes.
    Cancel,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::Text { .. } => "Text(<redacted>)",
            Answer::Cancel => "Cancel",
        })
    }
}

/// What a run streams to the window.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RunMessage {
    /// A question to show.
    Prompt {
        /// The question.
        prompt: Prompt,
    },
    /// A question was answered without the window (the MFA countdown ran out).
    #[serde(rename_all = "camelCase")]
    PromptClosed {
        /// Which.
        id: u32,
        /// What it was answered with.
        answered: String,
    },
    /// Signed in.
    SignedIn {
        /// How.
        method: SignInMethod,
        /// As whom.
        account: String,
        /// In words.
        detail: String,
    },
    /// A device code to enter at `url`: the interactive sign-in's fallback where no browser
    /// opens, or `sign_in = "device-code"`. The demo's interactive sign-in needs none.
    #[serde(rename_all = "camelCase")]
    DeviceCode {
        /// The code.
        user_code: String,
        /// Where to enter it.
        url: String,
    },
    /// A progress event of the core.
    Progress {
        /// The event.
        event: SyncEvent,
    },
}

/// Streams the core's events to the window (and logs the plan's totals, as the CLI does).
pub struct SinkObserver<'a>(pub &'a dyn MessageSink);

impl Observer for SinkObserver<'_> {
    fn event(&self, event: SyncEvent) {
        log_event(&event);
        let _ = self.0.send(RunMessage::Progress { event });
    }
}

/// Logs the events worth a line of their own (the plan's totals).
pub fn log_event(e: &SyncEvent) {
    if let SyncEvent::Planned { summary: s } = e {
        tracing::info!(
            grants = s.grants,
            revokes = s.revokes,
            unchanged = s.unchanged,
            skipped = s.skipped,
            "plan ready"
        );
    }
}

/// The CLI's observer: the events are logged.
pub struct LogObserver;

impl Observer for LogObserver {
    fn event(&self, event: SyncEvent) {
        log_event(&event);
    }
}
