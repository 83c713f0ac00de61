//! Credentials for a run, by the original tool's rule: a saved credential is used without asking;
//! a missing one is asked for on the terminal (with "Save credentials?") when a person is there,
//! and fails at once with the way to save it when not (schedulers never wait for input).

use crate::failure::Failure;
use rolesync_secrets::{
    obtain, Credential, CredentialName, KeyringStore, ObtainError, TerminalPrompter,
};
use std::io::IsTerminal;

/// Whether a person can answer prompts on this terminal.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Opens the OS keyring.
pub fn store() -> Result<KeyringStore, Failure> {
    KeyringStore::open().map_err(|e| Failure::read(e.to_string()))
}

/// The saved credential, or the one entered now.
pub fn get(name: CredentialName) -> Result<Credential, Failure> {
    let store = store()?;
    let mut prompter = TerminalPrompter::new();
    obtain(&store, name, &mut prompter, interactive()).map_err(|e| match e {
        ObtainError::Cancelled { .. } => Failure {
            code: crate::cli::exit::READ_FAILED,
            kind: "cancelled",
            message: e.to_string(),
        },
        other => Failure::read(other.to_string()),
    })
}
