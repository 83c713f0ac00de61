//! RoleSync credential store.
//!
//! Three credentials exist ([`CredentialName`]): the Office 365 / Microsoft Graph sign-in, the SMTP
//! login for the emailed report and the LDAP bind. Each is an account (UPN, user name, bind DN or
//! client id) plus a [`Secret`] (password, client secret or token) that never prints, never
//! serialises and is wiped from memory when dropped.
//!
//! - [`CredentialStore`] is the narrow storage trait; [`KeyringStore`] keeps credentials in the OS
//!   keyring (Windows Credential Manager, macOS Keychain, the Secret Service on Linux with the
//!   kernel keyring as fallback) and [`MemoryStore`] keeps them in memory for tests.
//! - [`obtain`] is the prompting rule the CLI and the desktop app share: a saved credential is used
//!   without asking; otherwise an interactive run asks through a [`Prompter`] and offers to save,
//!   and an unattended run fails at once with the command that saves it.

mod keyring_store;
mod prompt;
mod secret;
mod store;

pub use keyring_store::{Backend, KeyringStore};
pub use prompt::{obtain, ObtainError, PromptError, Prompter, TerminalPrompter};
pub use secret::{Credential, CredentialName, Secret, UnknownCredentialName};
pub use store::{CredentialStore, MemoryStore, StoreError};
