//! The error type returned when the emulator cannot start.

use std::path::PathBuf;

/// Why [`crate::RunningEmulator::start`] failed.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// Binding the listener or writing state files failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The listen address is not a loopback address (the emulator never listens elsewhere).
    #[error("refusing to listen on non-loopback address {0}")]
    NotLoopback(std::net::SocketAddr),
    /// The tenant fixture is inconsistent (unknown ids, bad certificates, ...).
    #[error("invalid tenant fixture: {0}")]
    Fixture(String),
    /// Generating certificates or configuring TLS failed.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A state file could not be written.
    #[error("cannot write {path}: {source}")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
