//! The prompting rule shared by the CLI and the desktop app, and the terminal [`Prompter`].
//!
//! [`obtain`]:
//! 1. a saved credential is returned and nothing is asked;
//! 2. not saved, interactive: ask the account, then the secret, then "Save credentials?"; save
//!    when the answer is yes; cancelling any question gives [`ObtainError::Cancelled`] and
//!    nothing is saved;
//! 3. not saved, not interactive (a scheduler): fail at once with [`ObtainError::Missing`],
//!    whose message is the command that saves it.
//!
//! The binary decides interactivity with [`std::io::IsTerminal`] (or its `--non-interactive`
//! flag); the desktop app implements [`Prompter`] with dialogs.

use crate::secret::{Credential, CredentialName, Secret};
use crate::store::{CredentialStore, StoreError};
use std::io::{BufRead, IsTerminal, Write};

/// Asks the user for a credential. Each method returns `Ok(None)` when the user cancels.
pub trait Prompter {
    /// Asks for the account (UPN, user name, bind DN or client id).
    fn account(&mut self, name: CredentialName) -> Result<Option<String>, PromptError>;

    /// Asks for the secret of this account, without echoing it.
    fn secret(
        &mut self,
        name: CredentialName,
        account: &str,
    ) -> Result<Option<Secret>, PromptError>;

    /// Asks "Save credentials?"; `Some(true)` saves.
    fn save(&mut self, name: CredentialName) -> Result<Option<bool>, PromptError>;
}

/// A prompter that could not ask.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// There is nobody to ask (standard input is not a terminal, no window).
    #[error("there is no terminal to ask on")]
    NoTerminal,
    /// Reading the answer failed.
    #[error("could not read the answer: {0}")]
    Io(#[from] std::io::Error),
}

/// Why no credential could be had.
#[derive(Debug, thiserror::Error)]
pub enum ObtainError {
    /// Not saved, and the run cannot ask.
    #[error(
        "the {} credential ({name}) is not saved and this run cannot ask for it; save it once \
         with `rolesync credentials set {name}` (it goes into the OS keyring), or run RoleSync \
         interactively",
        .name.label()
    )]
    Missing {
        /// Which credential.
        name: CredentialName,
    },
    /// The user cancelled; nothing was saved.
    #[error("entering the {} credential was cancelled; nothing was saved", .name.label())]
    Cancelled {
        /// Which credential.
        name: CredentialName,
    },
    /// Asking failed.
    #[error("could not ask for the {} credential: {source}", .name.label())]
    Prompt {
        /// Which credential.
        name: CredentialName,
        /// Why.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Returns the saved credential, or asks for it (and offers to save it) when `interactive`, or
/// fails at once with [`ObtainError::Missing`]. See the module docs.
pub fn obtain<S, P>(
    store: &S,
    name: CredentialName,
    prompter: &mut P,
    interactive: bool,
) -> Result<Credential, ObtainError>
where
    S: CredentialStore + ?Sized,
    P: Prompter + ?Sized,
{
    if let Some(saved) = store.get(name)? {
        tracing::debug!(credential = %name, "using the saved credential");
        return Ok(saved);
    }
    if !interactive {
        return Err(ObtainError::Missing { name });
    }
    let lift = |e: PromptError| match e {
        PromptError::NoTerminal => ObtainError::Missing { name },
        PromptError::Io(source) => ObtainError::Prompt { name, source },
    };
    let cancelled = || ObtainError::Cancelled { name };
    let account = prompter
        .account(name)
        .map_err(lift)?
        .ok_or_else(cancelled)?;
    let secret = prompter
        .secret(name, &account)
        .map_err(lift)?
        .ok_or_else(cancelled)?;
    let save = prompter.save(name).map_err(lift)?.ok_or_else(cancelled)?;
    let credential = Credential { account, secret };
    if save {
        store.set(name, &credential)?;
    }
    Ok(credential)
}

/// Asks on the terminal: questions go to standard error, the account is read from standard
/// input, the secret from the terminal without echo (`rpassword`). When standard input is not a
/// terminal every question fails at once with [`PromptError::NoTerminal`]; it never blocks.
///
/// An empty answer, end of input (Ctrl-D) or Ctrl-C during the secret cancels.
#[derive(Debug, Default)]
pub struct TerminalPrompter {
    _private: (),
}

impl TerminalPrompter {
    /// A terminal prompter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there is a terminal to ask on.
    pub fn available() -> bool {
        std::io::stdin().is_terminal()
    }

    /// Checks for a terminal and writes the question to standard error.
    fn ask(question: &str) -> Result<(), PromptError> {
        if !Self::available() {
            return Err(PromptError::NoTerminal);
        }
        let mut err = std::io::stderr().lock();
        write!(err, "{question}")?;
        err.flush()?;
        Ok(())
    }

    /// Asks and reads one line from standard input; `None` at end of input.
    fn ask_line(question: &str) -> Result<Option<String>, PromptError> {
        Self::ask(question)?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim().to_string()))
    }
}

impl Prompter for TerminalPrompter {
    fn account(&mut self, name: CredentialName) -> Result<Option<String>, PromptError> {
        let answer = Self::ask_line(&format!("{} {}: ", name.label(), name.account_prompt()))?;
        Ok(answer.filter(|a| !a.is_empty()))
    }

    fn secret(
        &mut self,
        name: CredentialName,
        account: &str,
    ) -> Result<Option<Secret>, PromptError> {
        Self::ask(&format!(
            "{} {} for {account}: ",
            name.label(),
            name.secret_prompt()
        ))?;
        match rpassword::read_password() {
            Ok(s) => {
                let s = Secret::new(s);
                Ok((!s.is_empty()).then_some(s))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                eprintln!();
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn save(&mut self, name: CredentialName) -> Result<Option<bool>, PromptError> {
        let answer = Self::ask_line(&format!(
            "Save credentials? The {} credential goes into the OS keyring and is not asked \
             again [y/N]: ",
            name.label()
        ))?;
        Ok(answer.map(|a| a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")))
    }
}
