//! An error that carries the exit code it ends the process with.

use crate::cli::exit;
use std::fmt;

/// A failure with its documented exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// A short machine-readable kind (`config`, `read`, `io`).
    pub kind: &'static str,
    /// What went wrong and how to fix it.
    pub message: String,
}

impl Failure {
    /// A usage or configuration error (exit 2).
    pub fn config(message: impl Into<String>) -> Self {
        Self {
            code: exit::USAGE,
            kind: "config",
            message: message.into(),
        }
    }

    /// The source or target could not be read, or sign-in failed (exit 4).
    pub fn read(message: impl Into<String>) -> Self {
        Self {
            code: exit::READ_FAILED,
            kind: "read",
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}
