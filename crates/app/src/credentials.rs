//! Credentials: the keyring (opened when first needed, so that a machine without one still runs
//! the demo), the list/forget/save commands, and the rule a run gets a credential by (the
//! secrets crate's [`obtain`]): a saved credential is used without asking; a missing one is
//! asked for when a person is there (with "Save credentials?"), and fails at once with the way
//! to save it when not — schedulers never wait for input.

use crate::AppError;
use rolesync_secrets::{
    obtain, Credential, CredentialName, CredentialStore, KeyringStore, Prompter, Secret,
    StoreError, TerminalPrompter,
};
use serde::Serialize;
use std::io::IsTerminal;
use std::sync::Arc;
use ts_rs::TS;

/// Which keyring, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringInfo {
    /// Its name (`Secret Service`, `Windows Credential Manager`, `memory`).
    pub name: String,
    /// Its short name (`secret-service`, `kernel`, `windows`, `macos`, `memory`).
    pub id: String,
    /// Whether saved credentials survive a reboot.
    pub survives_reboot: bool,
}

/// Opens the credential store.
pub trait Keyring: Send + Sync {
    /// The store and what it is.
    fn open(&self) -> Result<(Arc<dyn CredentialStore>, KeyringInfo), StoreError>;
}

/// The OS keyring (`ROLESYNC_KEYRING_SERVICE`, `ROLESYNC_KEYRING_BACKEND`; see the secrets crate).
pub struct OsKeyring;

impl Keyring for OsKeyring {
    fn open(&self) -> Result<(Arc<dyn CredentialStore>, KeyringInfo), StoreError> {
        let store = KeyringStore::open()?;
        let info = KeyringInfo {
            name: store.backend().to_string(),
            id: store.backend().as_str().to_string(),
            survives_reboot: store.backend().survives_reboot(),
        };
        Ok((Arc::new(store), info))
    }
}

/// How a run asks a person for a missing credential.
pub trait Asker: Send + Sync {
    /// Whether a person can answer now.
    fn interactive(&self) -> bool;
    /// Asks (called only when [`Asker::interactive`]).
    fn prompter(&self) -> Box<dyn Prompter + '_>;
}

/// Asks on the terminal when standard input and standard error are one (the CLI).
pub struct TerminalAsker;

impl Asker for TerminalAsker {
    fn interactive(&self) -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    fn prompter(&self) -> Box<dyn Prompter + '_> {
        Box::new(TerminalPrompter::new())
    }
}

/// One credential on the credentials page (never its value).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialInfo {
    /// `office365`, `smtp` or `ldap`.
    pub name: String,
    /// In words.
    pub label: String,
    /// Saved in the keyring.
    pub saved: bool,
    /// The saved account (a user, a bind account, or a client id); never the secret.
    pub account: Option<String>,
    /// What the account is (`UPN, or the application (client) ID for a client secret`).
    pub account_prompt: String,
    /// What the secret is.
    pub secret_prompt: String,
}

/// The saved credentials.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialList {
    /// The keyring in use.
    pub keyring: String,
    /// Its short name (`secret-service`, `kernel`, `windows`, `macos`).
    pub keyring_id: String,
    /// Whether saved credentials survive a reboot.
    pub survives_reboot: bool,
    /// Each credential.
    pub items: Vec<CredentialInfo>,
}

impl CredentialList {
    /// Whether `name` is saved.
    pub fn is_saved(&self, name: CredentialName) -> bool {
        self.items
            .iter()
            .any(|i| i.saved && i.name == name.as_str())
    }
}

/// The credential commands and a run's credentials.
#[derive(Clone)]
pub struct Credentials {
    keyring: Arc<dyn Keyring>,
}

/// A credential's name as typed (`office365`, `smtp`, `ldap`).
pub fn parse_name(text: &str) -> Result<CredentialName, AppError> {
    text.parse::<CredentialName>()
        .map_err(|e| AppError::config(e.to_string()))
}

impl Credentials {
    /// Over this keyring.
    pub fn new(keyring: Arc<dyn Keyring>) -> Self {
        Self { keyring }
    }

    /// Opens the keyring.
    pub fn open(&self) -> Result<(Arc<dyn CredentialStore>, KeyringInfo), AppError> {
        Ok(self.keyring.open()?)
    }

    /// Which credentials are saved, with their accounts (never their secrets).
    pub fn list(&self) -> Result<CredentialList, AppError> {
        let (store, info) = self.open()?;
        let saved = store.list()?;
        let account = |n: &CredentialName| {
            saved
                .contains(n)
                .then(|| store.get(*n).ok().flatten().map(|c| c.account))
                .flatten()
        };
        Ok(CredentialList {
            keyring: info.name,
            keyring_id: info.id,
            survives_reboot: info.survives_reboot,
            items: CredentialName::ALL
                .iter()
                .map(|n| CredentialInfo {
                    name: n.as_str().into(),
                    label: n.label().into(),
                    saved: saved.contains(n),
                    account: account(n),
                    account_prompt: n.account_prompt().into(),
                    secret_prompt: n.secret_prompt().into(),
                })
                .collect(),
        })
    }

    /// Forgets a saved credential; false when none was saved.
    pub fn forget(&self, name: CredentialName) -> Result<bool, AppError> {
        let existed = self.open()?.0.forget(name)?;
        tracing::info!(credential = %name, existed, "credential forgotten");
        Ok(existed)
    }

    /// Saves a credential; returns the keyring it went into. Blank accounts and empty secrets
    /// are refused and nothing is saved.
    pub fn save(
        &self,
        name: CredentialName,
        account: &str,
        secret: Secret,
    ) -> Result<KeyringInfo, AppError> {
        if account.trim().is_empty() || secret.is_empty() {
            return Err(AppError::config(
                "the account and the secret must not be empty; nothing was saved",
            ));
        }
        let (store, info) = self.open()?;
        store.set(name, &Credential::new(account.trim(), secret))?;
        Ok(info)
    }

    /// The saved credential, without asking (`None` when none is saved or the keyring fails).
    pub fn saved(&self, name: CredentialName) -> Option<Credential> {
        self.open().ok()?.0.get(name).ok().flatten()
    }

    /// The saved credential, or the one entered now through `asker` (see the module docs).
    pub fn obtain(&self, name: CredentialName, asker: &dyn Asker) -> Result<Credential, AppError> {
        let (store, _) = self.open()?;
        let interactive = asker.interactive();
        let mut prompter = asker.prompter();
        Ok(obtain(
            store.as_ref(),
            name,
            prompter.as_mut(),
            interactive,
        )?)
    }
}

/// A keyring in memory, for tests of the application.
#[cfg(test)]
pub(crate) struct MemoryKeyring(pub Arc<rolesync_secrets::MemoryStore>);

#[cfg(test)]
impl Keyring for MemoryKeyring {
    fn open(&self) -> Result<(Arc<dyn CredentialStore>, KeyringInfo), StoreError> {
        Ok((
            self.0.clone(),
            KeyringInfo {
                name: "memory".into(),
                id: "memory".into(),
                survives_reboot: false,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::app_in;
    use crate::ErrorKind;

    struct Nobody;
    impl Asker for Nobody {
        fn interactive(&self) -> bool {
            false
        }
        fn prompter(&self) -> Box<dyn Prompter + '_> {
            Box::new(TerminalPrompter::new())
        }
    }

    #[test]
    fn saved_credentials_are_listed_by_name_and_forgotten() {
        let (_home, app) = app_in();
        let c = app.credentials();
        assert_eq!(
            c.save(CredentialName::Smtp, " mailer ", Secret::new("pw"))
                .expect("saved")
                .id,
            "memory"
        );
        let list = c.list().expect("list");
        assert!(list.is_saved(CredentialName::Smtp));
        let smtp = list.items.iter().find(|i| i.name == "smtp").expect("smtp");
        assert_eq!(
            smtp.account.as_deref(),
            Some("mailer"),
            "the account is listed"
        );
        assert!(!list.is_saved(CredentialName::Ldap));
        assert_eq!(
            c.saved(CredentialName::Smtp).expect("saved").account,
            "mailer"
        );
        assert!(c.forget(CredentialName::Smtp).expect("forgotten"));
        assert!(!c.forget(CredentialName::Smtp).expect("nothing to forget"));
    }

    #[test]
    fn blank_input_is_refused_and_unknown_names_are_usage_errors() {
        let (_home, app) = app_in();
        let e = app
            .credentials()
            .save(CredentialName::Ldap, "  ", Secret::new("pw"))
            .expect_err("blank account");
        assert_eq!(e.code, ErrorKind::Config);
        assert!(app
            .credentials()
            .list()
            .expect("list")
            .items
            .iter()
            .all(|i| !i.saved));
        assert_eq!(
            parse_name("ofice365").expect_err("typo").code,
            ErrorKind::Config
        );
    }

    #[test]
    fn a_run_without_a_person_fails_at_once_with_the_way_to_save() {
        let (_home, app) = app_in();
        let e = app
            .credentials()
            .obtain(CredentialName::Ldap, &Nobody)
            .expect_err("missing");
        assert_eq!(e.code, ErrorKind::Credentials);
        assert_eq!(e.exit().code(), 4);
        assert!(e.message.contains("rolesync credentials set ldap"), "{e}");
    }
}
