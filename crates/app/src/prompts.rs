//! Questions to the window during a run. The run thread sends a [`Prompt`] to the window and
//! blocks until the window answers through the `answer_prompt` command (or the question's
//! deadline passes, or the run is cancelled). [`GuiPrompter`] implements the secrets crate's
//! [`Prompter`] on top, so the window follows the same credential rule as the CLI.

use crate::messages::{Answer, MessageSink, Prompt, Question, RunMessage};
use rolesync_secrets::{CredentialName, PromptError, Prompter, Secret};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Questions waiting for an answer.
#[derive(Default)]
pub struct Pending {
    next: AtomicU32,
    waiting: Mutex<HashMap<u32, mpsc::Sender<Answer>>>,
}

impl Pending {
    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<u32, mpsc::Sender<Answer>>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Delivers an answer; `false` when the question is no longer open.
    pub fn answer(&self, id: u32, answer: Answer) -> bool {
        match self.waiting().remove(&id) {
            Some(tx) => tx.send(answer).is_ok(),
            None => false,
        }
    }

    /// Answers every open question with Cancel.
    pub fn cancel_all(&self) {
        for (_, tx) in self.waiting().drain() {
            let _ = tx.send(Answer::Cancel);
        }
    }

    /// Asks and waits. After `deadline` the question is closed with `default` and the window is
    /// told so. A closed channel (window gone) counts as Cancel.
    pub fn ask(
        &self,
        channel: &dyn MessageSink,
        question: Question,
        deadline: Option<(Duration, Answer)>,
    ) -> Answer {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::channel();
        self.waiting().insert(id, tx);
        if !channel.send(RunMessage::Prompt {
            prompt: Prompt { id, question },
        }) {
            self.waiting().remove(&id);
            return Answer::Cancel;
        }
        match deadline {
            None => rx.recv().unwrap_or(Answer::Cancel),
            Some((after, default)) => match rx.recv_timeout(after) {
                Ok(a) => a,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // The window may have answered just now; its answer wins.
                    if self.waiting().remove(&id).is_none() {
                        return rx.recv().unwrap_or(Answer::Cancel);
                    }
                    let answered = match default {
                        Answer::Yes => "yes",
                        Answer::No => "no",
                        _ => "cancel",
                    };
                    let _ = channel.send(RunMessage::PromptClosed {
                        id,
                        answered: answered.into(),
                    });
                    default
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => Answer::Cancel,
            },
        }
    }
}

/// The credential dialogs in the window.
pub struct GuiPrompter<'a> {
    /// Open questions.
    pub pending: &'a Pending,
    /// Where the questions go.
    pub channel: &'a dyn MessageSink,
    /// The keyring's name, for the save question.
    pub keyring: String,
    /// Demo mode: say that any account is accepted.
    pub demo: bool,
    /// Whether anything was asked.
    pub asked: bool,
}

impl GuiPrompter<'_> {
    fn note(&self, name: CredentialName) -> Option<String> {
        (self.demo && name == CredentialName::Office365).then(|| {
            "Demo mode: this signs in to the demo tenant, which accepts any account and password."
                .to_string()
        })
    }
}

impl Prompter for GuiPrompter<'_> {
    /// An empty answer is not a Cancel: the question comes again, saying what is missing.
    fn account(&mut self, name: CredentialName) -> Result<Option<String>, PromptError> {
        self.asked = true;
        let mut note = self.note(name);
        loop {
            let q = Question::Account {
                credential: name.as_str().into(),
                label: name.label().into(),
                prompt: name.account_prompt().into(),
                note: note.clone(),
            };
            match self.pending.ask(self.channel, q, None) {
                Answer::Text { value } if !value.trim().is_empty() => {
                    return Ok(Some(value.trim().to_string()))
                }
                Answer::Text { .. } => {
                    tracing::info!(credential = %name, "an empty account was entered; asking again");
                    note = Some(format!(
                        "Enter the account ({}); it must not be empty.",
                        name.account_prompt()
                    ));
                }
                _ => return Ok(None),
            }
        }
    }

    fn secret(
        &mut self,
        name: CredentialName,
        account: &str,
    ) -> Result<Option<Secret>, PromptError> {
        self.asked = true;
        let mut note = self.note(name);
        loop {
            let q = Question::Secret {
                credential: name.as_str().into(),
                label: name.label().into(),
                prompt: name.secret_prompt().into(),
                account: account.into(),
                note: note.clone(),
            };
            match self.pending.ask(self.channel, q, None) {
                Answer::Text { value } if !value.is_empty() => return Ok(Some(Secret::new(value))),
                Answer::Text { .. } => {
                    note = Some("The password or secret must not be empty.".to_string());
                }
                _ => return Ok(None),
            }
        }
    }

    fn save(&mut self, name: CredentialName) -> Result<Option<bool>, PromptError> {
        self.asked = true;
        let q = Question::Save {
            credential: name.as_str().into(),
            label: name.label().into(),
            keyring: self.keyring.clone(),
        };
        Ok(match self.pending.ask(self.channel, q, None) {
            Answer::Yes => Some(true),
            Answer::No => Some(false),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{channel, window, Sink};
    use rolesync_secrets::{obtain, CredentialStore, MemoryStore, ObtainError};
    use std::sync::Arc;

    #[test]
    fn an_unanswered_question_takes_its_default_after_the_deadline() {
        let pending = Pending::default();
        let (ch, rx) = channel();
        let a = pending.ask(
            &ch,
            Question::Mfa {
                timeout_secs: 1,
                unattended: String::new(),
            },
            Some((Duration::from_millis(50), Answer::Yes)),
        );
        assert!(matches!(a, Answer::Yes));
        let kinds: Vec<_> = rx.try_iter().map(|m| m["kind"].clone()).collect();
        assert_eq!(kinds, ["prompt", "promptClosed"]);
        assert!(
            !pending.answer(1, Answer::No),
            "closed questions take no answer"
        );
    }

    #[test]
    fn an_answer_before_the_deadline_wins() {
        let pending = Arc::new(Pending::default());
        let (ch, rx) = channel();
        let w = window(pending.clone(), rx, vec![Answer::No]);
        let a = pending.ask(
            &ch,
            Question::Mfa {
                timeout_secs: 20,
                unattended: String::new(),
            },
            Some((Duration::from_secs(20), Answer::Yes)),
        );
        assert!(matches!(a, Answer::No));
        drop(ch);
        assert_eq!(w.join().expect("window"), ["mfa"]);
    }

    fn prompter<'a>(pending: &'a Pending, ch: &'a Sink) -> GuiPrompter<'a> {
        GuiPrompter {
            pending,
            channel: ch,
            keyring: "memory".into(),
            demo: true,
            asked: false,
        }
    }

    #[test]
    fn the_dialogs_follow_the_credential_rule() {
        let store = MemoryStore::new();
        let pending = Arc::new(Pending::default());
        let (ch, rx) = channel();
        let text = |v: &str| Answer::Text { value: v.into() };
        let w = window(
            pending.clone(),
            rx,
            vec![text("admin@contoso.com"), text("pw"), Answer::Yes],
        );
        let mut p = prompter(&pending, &ch);
        let c = obtain(&store, CredentialName::Office365, &mut p, true).expect("credential");
        assert_eq!(c.account, "admin@contoso.com");
        assert!(p.asked);
        drop(ch);
        assert_eq!(w.join().expect("window"), ["account", "secret", "save"]);
        assert_eq!(store.list().expect("list"), vec![CredentialName::Office365]);

        // Saved: not asked again.
        let (ch, _rx) = channel();
        let mut p = prompter(&pending, &ch);
        obtain(&store, CredentialName::Office365, &mut p, true).expect("saved credential");
        assert!(!p.asked);
    }

    /// An empty account is asked again with a note, not taken as a Cancel.
    #[test]
    fn an_empty_answer_is_asked_again_not_cancelled() {
        let store = MemoryStore::new();
        let pending = Arc::new(Pending::default());
        let (ch, rx) = channel();
        let text = |v: &str| Answer::Text { value: v.into() };
        let w = window(
            pending.clone(),
            rx,
            vec![
                text("  "),
                text("admin@contoso.com"),
                text(""),
                text("pw"),
                Answer::No,
            ],
        );
        let mut p = prompter(&pending, &ch);
        let c = obtain(&store, CredentialName::Office365, &mut p, true).expect("a credential");
        assert_eq!(c.account, "admin@contoso.com");
        drop(ch);
        assert_eq!(
            w.join().expect("window"),
            ["account", "account", "secret", "secret", "save"]
        );
    }

    #[test]
    fn cancelling_the_save_question_stores_nothing() {
        let store = MemoryStore::new();
        let pending = Arc::new(Pending::default());
        let (ch, rx) = channel();
        let text = |v: &str| Answer::Text { value: v.into() };
        let w = window(
            pending.clone(),
            rx,
            vec![text("admin@contoso.com"), text("pw"), Answer::Cancel],
        );
        let mut p = prompter(&pending, &ch);
        let e = obtain(&store, CredentialName::Office365, &mut p, true).expect_err("cancelled");
        assert!(matches!(e, ObtainError::Cancelled { .. }), "{e}");
        drop(ch);
        w.join().expect("window");
        assert!(store.list().expect("list").is_empty());
    }
}
