//! [`KeyringStore`]: credentials in the operating system's keyring.
//!
//! | platform | backend | survives reboot |
//! | --- | --- | --- |
//! | Windows | Credential Manager (generic credential `office365.RoleSync`) | yes |
//! | macOS | login Keychain (generic password, service `RoleSync`, account `office365`) | yes |
//! | Linux, BSD | Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC), item attributes `service=RoleSync`, `username=office365` | yes |
//! | Linux fallback | kernel keyring (keyutils), key `keyring-rs:office365@RoleSync` in the session and persistent keyrings | no: until reboot or the persistent keyring's expiry (days) |
//!
//! On Linux the Secret Service is used when one answers on the session bus; otherwise the kernel
//! keyring. `ROLESYNC_KEYRING_BACKEND=secret-service|kernel` forces one. The chosen backend is
//! logged at debug level and available from [`KeyringStore::backend`].
//!
//! Each credential is one keyring entry: service `RoleSync` (or `ROLESYNC_KEYRING_SERVICE`, so
//! tests and parallel installations do not collide), user = the credential name, password =
//! `rolesync1:<account length>:<account><secret>`. One entry keeps account and secret consistent
//! (saved and forgotten together); the length prefix makes the split unambiguous.

use crate::secret::{Credential, CredentialName};
use crate::store::{decode, encode, CredentialStore, StoreError};
use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

/// A keyring backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The freedesktop Secret Service over D-Bus (Linux, BSD).
    SecretService,
    /// The Linux kernel keyring (keyutils); lost on reboot.
    KernelKeyring,
    /// Windows Credential Manager.
    WindowsCredentialManager,
    /// The macOS Keychain.
    MacosKeychain,
}

impl Backend {
    /// Whether saved credentials survive a reboot.
    pub fn survives_reboot(self) -> bool {
        !matches!(self, Backend::KernelKeyring)
    }

    /// The name accepted by `ROLESYNC_KEYRING_BACKEND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::SecretService => "secret-service",
            Backend::KernelKeyring => "kernel",
            Backend::WindowsCredentialManager => "windows",
            Backend::MacosKeychain => "macos",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::SecretService => "Secret Service",
            Backend::KernelKeyring => "Linux kernel keyring",
            Backend::WindowsCredentialManager => "Windows Credential Manager",
            Backend::MacosKeychain => "macOS Keychain",
        })
    }
}

impl FromStr for Backend {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let all = [
            Backend::SecretService,
            Backend::KernelKeyring,
            Backend::WindowsCredentialManager,
            Backend::MacosKeychain,
        ];
        all.into_iter()
            .find(|b| b.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| StoreError::Unavailable {
                detail: format!(
                    "unknown keyring backend `{s}`; use secret-service, kernel, windows or macos"
                ),
            })
    }
}

/// Credentials in the OS keyring. See the module docs for where they go.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
    backend: Backend,
}

const PROBE_USER: &str = "rolesync-probe";

impl KeyringStore {
    /// The keyring service name unless overridden.
    pub const DEFAULT_SERVICE: &'static str = "RoleSync";
    /// The environment variable that overrides the service name.
    pub const SERVICE_ENV: &'static str = "ROLESYNC_KEYRING_SERVICE";
    /// The environment variable that forces a backend (`secret-service`, `kernel`).
    pub const BACKEND_ENV: &'static str = "ROLESYNC_KEYRING_BACKEND";

    /// Opens the keyring with the service name from `ROLESYNC_KEYRING_SERVICE` (default
    /// `RoleSync`) and the backend from `ROLESYNC_KEYRING_BACKEND` or detection.
    pub fn open() -> Result<Self, StoreError> {
        let service = std::env::var(Self::SERVICE_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| Self::DEFAULT_SERVICE.to_string());
        Self::open_service(service)
    }

    /// Opens the keyring under this service name; the backend from `ROLESYNC_KEYRING_BACKEND` or
    /// detection.
    pub fn open_service(service: impl Into<String>) -> Result<Self, StoreError> {
        let service = service.into();
        let forced = std::env::var(Self::BACKEND_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("auto"));
        let backend = match forced {
            Some(b) => {
                let backend: Backend = b.parse()?;
                probe(backend, &service).map_err(|detail| StoreError::Unavailable {
                    detail: format!("{}={b}: {detail}", Self::BACKEND_ENV),
                })?;
                backend
            }
            None => detect(&service)?,
        };
        tracing::debug!(
            backend = %backend,
            service = %service,
            survives_reboot = backend.survives_reboot(),
            "credential store: using the {backend}"
        );
        Ok(Self { service, backend })
    }

    /// Opens this backend under this service name, failing when it is not usable here.
    pub fn with_backend(service: impl Into<String>, backend: Backend) -> Result<Self, StoreError> {
        let service = service.into();
        probe(backend, &service).map_err(|detail| StoreError::Unavailable {
            detail: format!("{backend}: {detail}"),
        })?;
        tracing::debug!(backend = %backend, service = %service, "credential store: using the {backend}");
        Ok(Self { service, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The keyring service name in use.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: CredentialName) -> keyring::Result<keyring::Entry> {
        entry(self.backend, &self.service, name.as_str())
    }

    fn backend_error(
        &self,
        name: CredentialName,
        action: &'static str,
        e: keyring::Error,
    ) -> StoreError {
        StoreError::Backend {
            name,
            action,
            backend: self.backend,
            detail: describe(&e),
        }
    }

    /// The raw stored value, or `None`.
    fn read(&self, name: CredentialName) -> Result<Option<Zeroizing<String>>, StoreError> {
        let entry = self
            .entry(name)
            .map_err(|e| self.backend_error(name, "read", e))?;
        match entry.get_password() {
            Ok(v) => Ok(Some(Zeroizing::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(keyring::Error::BadEncoding(mut bytes)) => {
                zeroize::Zeroize::zeroize(&mut bytes);
                Err(StoreError::Corrupt {
                    name,
                    backend: self.backend,
                })
            }
            Err(e) => Err(self.backend_error(name, "read", e)),
        }
    }
}

impl CredentialStore for KeyringStore {
    fn get(&self, name: CredentialName) -> Result<Option<Credential>, StoreError> {
        match self.read(name)? {
            None => Ok(None),
            Some(raw) => decode(&raw).map(Some).ok_or(StoreError::Corrupt {
                name,
                backend: self.backend,
            }),
        }
    }

    fn set(&self, name: CredentialName, credential: &Credential) -> Result<(), StoreError> {
        let entry = self
            .entry(name)
            .map_err(|e| self.backend_error(name, "save", e))?;
        let value = encode(credential);
        entry
            .set_password(&value)
            .map_err(|e| self.backend_error(name, "save", e))?;
        tracing::debug!(credential = %name, backend = %self.backend, "credential saved");
        Ok(())
    }

    fn forget(&self, name: CredentialName) -> Result<bool, StoreError> {
        let entry = self
            .entry(name)
            .map_err(|e| self.backend_error(name, "remove", e))?;
        match entry.delete_credential() {
            Ok(()) => {
                tracing::debug!(credential = %name, backend = %self.backend, "credential forgotten");
                Ok(true)
            }
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.backend_error(name, "remove", e)),
        }
    }

    fn list(&self) -> Result<Vec<CredentialName>, StoreError> {
        let mut out = Vec::new();
        for name in CredentialName::ALL {
            if self.read(name)?.is_some() {
                out.push(name);
            }
        }
        Ok(out)
    }
}

/// A keyring error in words. Keyring errors carry no secret values (a bad encoding's bytes are
/// never printed).
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::Ambiguous(items) => format!(
            "{} entries match; remove the duplicates with the keyring's own tool",
            items.len()
        ),
        keyring::Error::BadEncoding(_) => "the saved value is not UTF-8".to_string(),
        other => other.to_string(),
    }
}

fn entry(backend: Backend, service: &str, user: &str) -> keyring::Result<keyring::Entry> {
    match backend {
        #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
        Backend::SecretService => Ok(keyring::Entry::new_with_credential(Box::new(
            keyring::secret_service::SsCredential::new_with_target(None, service, user)?,
        ))),
        #[cfg(target_os = "linux")]
        Backend::KernelKeyring => Ok(keyring::Entry::new_with_credential(Box::new(
            keyring::keyutils::KeyutilsCredential::new_with_target(None, service, user)?,
        ))),
        #[cfg(target_os = "windows")]
        Backend::WindowsCredentialManager => keyring::Entry::new(service, user),
        #[cfg(target_os = "macos")]
        Backend::MacosKeychain => keyring::Entry::new(service, user),
        #[allow(unreachable_patterns)]
        other => Err(keyring::Error::NoStorageAccess(
            format!("the {other} is not available on this platform").into(),
        )),
    }
}

/// Checks that a backend answers: looks up an entry that does not exist. `Ok` when the lookup
/// worked (found or not found), otherwise why not.
fn probe(backend: Backend, service: &str) -> Result<(), String> {
    let e = entry(backend, service, PROBE_USER).map_err(|e| describe(&e))?;
    match e.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) | Err(keyring::Error::Ambiguous(_)) => Ok(()),
        Err(keyring::Error::BadEncoding(_)) => Ok(()),
        Err(e) => Err(describe(&e)),
    }
}

/// Picks the backend for this platform.
fn detect(service: &str) -> Result<Backend, StoreError> {
    let candidates: &[Backend] = if cfg!(target_os = "windows") {
        &[Backend::WindowsCredentialManager]
    } else if cfg!(target_os = "macos") {
        &[Backend::MacosKeychain]
    } else if cfg!(target_os = "linux") {
        &[Backend::SecretService, Backend::KernelKeyring]
    } else {
        &[Backend::SecretService]
    };
    let mut why = Vec::new();
    for &b in candidates {
        match probe(b, service) {
            Ok(()) => return Ok(b),
            Err(detail) => {
                tracing::debug!(backend = %b, %detail, "credential store: backend not usable");
                why.push(format!("{b}: {detail}"));
            }
        }
    }
    Err(StoreError::Unavailable {
        detail: why.join("; "),
    })
}
