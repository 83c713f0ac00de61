//! The [`CredentialStore`] trait, its errors, the in-memory store for tests, and the encoding of
//! a credential (account + secret) as one keyring password.

use crate::keyring_store::Backend;
use crate::secret::{Credential, CredentialName, Secret};
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use zeroize::Zeroizing;

/// Keeps credentials. Implementations never log or return secret values except from `get`.
pub trait CredentialStore: Send + Sync {
    /// The saved credential, or `None` when none is saved.
    fn get(&self, name: CredentialName) -> Result<Option<Credential>, StoreError>;

    /// Saves (or replaces) a credential.
    fn set(&self, name: CredentialName, credential: &Credential) -> Result<(), StoreError>;

    /// Removes a credential; `false` when none was saved.
    fn forget(&self, name: CredentialName) -> Result<bool, StoreError>;

    /// Which credentials are saved (names only, never values), in [`CredentialName::ALL`] order.
    fn list(&self) -> Result<Vec<CredentialName>, StoreError>;
}

/// What went wrong with the store. Messages name the credential and say what to do; they never
/// contain secret values.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No usable keyring on this machine.
    #[error("no keyring is available ({detail}): {}", unavailable_hint())]
    Unavailable {
        /// Why each backend that was tried is unusable.
        detail: String,
    },
    /// The backend failed while reading, saving or removing a credential.
    #[error(
        "could not {action} the {name} credential in the {backend}: {detail}; \
         make sure the keyring is unlocked and reachable, then try again"
    )]
    Backend {
        /// Which credential.
        name: CredentialName,
        /// `read`, `save` or `remove`.
        action: &'static str,
        /// Which keyring.
        backend: Backend,
        /// The backend's error in words.
        detail: String,
    },
    /// The saved value is not in RoleSync's format (written by something else).
    #[error(
        "the saved {name} credential in the {backend} is not in RoleSync's format; \
         replace it with `rolesync credentials set {name}` or remove it with \
         `rolesync credentials forget {name}`"
    )]
    Corrupt {
        /// Which credential.
        name: CredentialName,
        /// Which keyring.
        backend: Backend,
    },
}

fn unavailable_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "on Linux start a Secret Service (GNOME Keyring, KWallet or KeePassXC) in your D-Bus \
         session and unlock it, or allow the kernel keyring (keyutils; containers often block \
         the keyctl system call); set ROLESYNC_KEYRING_BACKEND=secret-service or kernel to \
         choose one"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager could not be reached; run RoleSync as a user with a loaded \
         profile (scheduled tasks: \"Run whether user is logged on or not\" keeps the profile)"
    } else if cfg!(target_os = "macos") {
        "the macOS Keychain could not be reached; unlock the login keychain"
    } else {
        "start a Secret Service (GNOME Keyring, KWallet or KeePassXC) in your D-Bus session \
         and unlock it"
    }
}

const MAGIC: &str = "rolesync1:";

/// Encodes a credential as one password: `rolesync1:<account length in bytes>:<account><secret>`.
/// The length prefix makes the split unambiguous whatever characters the account or secret hold.
pub(crate) fn encode(c: &Credential) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(
        MAGIC.len() + 12 + c.account.len() + c.secret.expose().len(),
    ));
    s.push_str(MAGIC);
    s.push_str(&c.account.len().to_string());
    s.push(':');
    s.push_str(&c.account);
    s.push_str(c.secret.expose());
    s
}

/// The inverse of [`encode`]; `None` when the value is not in that format.
pub(crate) fn decode(stored: &str) -> Option<Credential> {
    let rest = stored.strip_prefix(MAGIC)?;
    let (len, rest) = rest.split_once(':')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: usize = len.parse().ok()?;
    if !rest.is_char_boundary(len) {
        return None;
    }
    let (account, secret) = rest.split_at(len);
    Some(Credential {
        account: account.to_string(),
        secret: Secret::new(secret),
    })
}

/// Credentials in memory, for tests of other crates.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<BTreeMap<CredentialName, Credential>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding these credentials.
    pub fn with(items: impl IntoIterator<Item = (CredentialName, Credential)>) -> Self {
        Self {
            items: Mutex::new(items.into_iter().collect()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<CredentialName, Credential>> {
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl CredentialStore for MemoryStore {
    fn get(&self, name: CredentialName) -> Result<Option<Credential>, StoreError> {
        Ok(self.lock().get(&name).cloned())
    }

    fn set(&self, name: CredentialName, credential: &Credential) -> Result<(), StoreError> {
        self.lock().insert(name, credential.clone());
        Ok(())
    }

    fn forget(&self, name: CredentialName) -> Result<bool, StoreError> {
        Ok(self.lock().remove(&name).is_some())
    }

    fn list(&self) -> Result<Vec<CredentialName>, StoreError> {
        Ok(self.lock().keys().copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_cannot_be_confused() {
        for (account, secret) in [
            ("alice@contoso.com", "p@ss:word"),
            ("", ""),
            ("a:b", ":c"),
            ("12:x", "rolesync1:3:abc"),
            ("jürgen@exämple.de", "pässwörd 🔑 密码"),
            ("CN=Sync,OU=Svc,DC=corp,DC=local", "line1\nline2"),
        ] {
            let c = Credential::new(account, secret);
            let e = encode(&c);
            let d = decode(&e).expect("decodes");
            assert_eq!(d.account, account);
            assert_eq!(d.secret.expose(), secret);
        }
        for bad in [
            "",
            "plain password",
            "rolesync1:",
            "rolesync1:x:ab",
            "rolesync1:9:ab",
            "rolesync1:+1:ab",
        ] {
            assert!(decode(bad).is_none(), "{bad}");
        }
        // A split inside a multi-byte character is rejected, not a panic.
        assert!(decode("rolesync1:1:ü").is_none());
    }

    #[test]
    fn memory_store() {
        let s = MemoryStore::new();
        assert!(s.get(CredentialName::Smtp).unwrap().is_none());
        s.set(CredentialName::Smtp, &Credential::new("mailer", "pw"))
            .unwrap();
        s.set(CredentialName::Office365, &Credential::new("app", "cs"))
            .unwrap();
        assert_eq!(
            s.list().unwrap(),
            vec![CredentialName::Office365, CredentialName::Smtp]
        );
        assert_eq!(
            s.get(CredentialName::Smtp)
                .unwrap()
                .unwrap()
                .secret
                .expose(),
            "pw"
        );
        assert!(s.forget(CredentialName::Smtp).unwrap());
        assert!(!s.forget(CredentialName::Smtp).unwrap());
        assert!(s.get(CredentialName::Smtp).unwrap().is_none());
    }
}
