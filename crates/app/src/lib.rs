//! RoleSync the application: everything the command line and the desktop window do, as one API
//! they both call. The front ends parse input, call one function here and show its result; the
//! work — and every decision — is here or below.
//!
//! * [`App`] is the entry point: where the configuration is, the folders, the keyring and how a
//!   run's backends are built. [`App::run`] plans or syncs ([`run`]), [`App::check`] is the
//!   pre-flight, [`settings`] loads, validates and saves the configuration, [`credentials`]
//!   manages the keyring, [`schedule`] registers the scheduled sync, [`history`] lists reports
//!   and logs, [`setup`] takes an empty machine to a verified configuration, [`App::reset_demo`]
//!   and [`emulator`] serve the demo.
//! * [`session::Session`] is a window's state: questions to the user, sign-in reuse between the
//!   preview and the sync, and cancellation.
//! * [`error::AppError`] carries an [`error::ErrorKind`]: the kind decides the exit code and the
//!   window's error code.
//! * A run's outcome is published in one place ([`publish`]); a run's source and target are
//!   built in one place ([`backends`]).
//!
//! See `docs/architecture.md` for how the crates fit together.

pub mod approvals;
pub mod backends;
pub mod bindings;
pub mod change_control;
pub mod check;
pub mod credentials;
pub mod demo_tenant;
pub mod emulator;
pub mod error;
pub mod exposure;
pub mod history;
mod interaction;
pub mod journal;
pub mod logging;
pub mod messages;
pub mod prompts;
pub mod publish;
pub mod run;
pub mod runlock;
pub mod schedule;
pub mod session;
pub mod settings;
pub mod setup;
pub mod signin;
pub mod undo;

pub use error::{AppError, ErrorKind};
pub use run::{Finished, RunHooks, RunRequest, SignInChoice};
pub use session::Session;
pub use settings::Settings;

use backends::{BackendFactory, LiveBackends};
use credentials::{Credentials, Keyring, OsKeyring};
use rolesync_config::Paths;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The application: where its files are, which keyring it uses and how it builds a run's
/// backends. Cheap to clone.
#[derive(Clone)]
pub struct App {
    config_file: PathBuf,
    config_given: bool,
    paths: Paths,
    keyring: Arc<dyn Keyring>,
    backends: Arc<dyn BackendFactory>,
}

impl App {
    /// The application as installed: folders from the environment (`ROLESYNC_HOME`, the OS
    /// defaults), the configuration file `config` (`--config`) or the default one, the OS
    /// keyring, and the demo or configured backends.
    pub fn new(config: Option<PathBuf>) -> Self {
        Self::with_paths(Paths::from_env(), config)
    }

    /// The application over these folders.
    pub fn with_paths(paths: Paths, config: Option<PathBuf>) -> Self {
        Self {
            config_given: config.is_some(),
            config_file: config.unwrap_or_else(|| paths.config_file.clone()),
            paths,
            keyring: Arc::new(OsKeyring),
            backends: Arc::new(LiveBackends),
        }
    }

    /// The same application with another keyring (tests: a memory store).
    pub fn with_keyring(mut self, keyring: Arc<dyn Keyring>) -> Self {
        self.keyring = keyring;
        self
    }

    /// The same application with other backends (tests: the in-memory fakes).
    pub fn with_backends(mut self, backends: Arc<dyn BackendFactory>) -> Self {
        self.backends = backends;
        self
    }

    /// The configuration file this application uses.
    pub fn config_file(&self) -> &Path {
        &self.config_file
    }

    /// The default folders.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The saved credentials.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(self.keyring.clone())
    }
}

#[cfg(test)]
mod fakes;
