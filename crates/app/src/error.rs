//! The application's errors: one [`ErrorKind`] per way an operation can fail. The kind, never the
//! message, decides the exit code ([`ErrorKind::exit`]), the `--json` error code
//! ([`ErrorKind::cli_code`]) and the window's error code (the kind itself, serialised); the
//! message says what went wrong and how to fix it.

use rolesync_core::exit::ExitCode;
use rolesync_core::traits::{ReadError, ReadErrorKind};
use serde::Serialize;
use std::fmt;
use ts_rs::TS;

/// How an operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// The configuration or the request is missing or invalid; nothing was read or changed.
    Config,
    /// Signing in to the directory or the tenant failed.
    SignIn,
    /// Signed in, but not allowed to read.
    Permission,
    /// The directory or the tenant could not be reached.
    Network,
    /// The tenant kept throttling.
    Throttled,
    /// What was to be read does not exist.
    NotFound,
    /// A read stopped part way.
    PartialRead,
    /// The directory or the tenant could not be read (any other reason).
    Read,
    /// The OS keyring failed, or a credential is missing and cannot be asked for.
    Credentials,
    /// The user cancelled; nothing changed.
    Cancelled,
    /// Another run is in progress.
    Busy,
    /// A local file or the process's runtime failed.
    Io,
    /// A held plan cannot be approved as it is (expired, edited, already decided, or the fresh
    /// plan differs); nothing changed.
    Approval,
}

impl ErrorKind {
    /// The exit code the process ends with.
    pub fn exit(self) -> ExitCode {
        match self {
            ErrorKind::Config => ExitCode::Usage,
            ErrorKind::Busy => ExitCode::Busy,
            ErrorKind::Approval => ExitCode::SafetyStop,
            _ => ExitCode::ReadFailed,
        }
    }

    /// The `code` of the `--json` error document (docs/cli-json.md): `config`, `read`,
    /// `cancelled`, `busy`, `io` or `approval`.
    pub fn cli_code(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Busy => "busy",
            ErrorKind::Io => "io",
            ErrorKind::Approval => "approval",
            _ => "read",
        }
    }

    /// The window's code for this kind (its serialised name).
    pub fn window_code(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

impl From<ReadErrorKind> for ErrorKind {
    fn from(k: ReadErrorKind) -> Self {
        match k {
            ReadErrorKind::SignIn => ErrorKind::SignIn,
            ReadErrorKind::Permission => ErrorKind::Permission,
            ReadErrorKind::Network => ErrorKind::Network,
            ReadErrorKind::Throttled => ErrorKind::Throttled,
            ReadErrorKind::NotFound => ErrorKind::NotFound,
            ReadErrorKind::Partial => ErrorKind::PartialRead,
            ReadErrorKind::Other => ErrorKind::Read,
        }
    }
}

/// A failed operation: its kind and what to do about it. The window receives it as
/// `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppError {
    /// How it failed.
    pub code: ErrorKind,
    /// What went wrong and how to fix it.
    pub message: String,
}

impl AppError {
    /// An error of this kind.
    /// The message is cleaned ([`rolesync_core::redact::clean`]): no secret a server echoed,
    /// no control character from a name, reaches the console, the window or `--json`.
    pub fn new(code: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            code,
            message: rolesync_core::redact::clean(&message.into()),
        }
    }

    /// A configuration or usage error (exit 2).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A read failure of no particular kind (exit 4).
    pub fn read(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Read, message)
    }

    /// A local file or runtime failure (exit 4).
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }

    /// The user cancelled.
    pub fn cancelled(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Cancelled, message)
    }

    /// The exit code the process ends with.
    pub fn exit(&self) -> ExitCode {
        self.code.exit()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<ReadError> for AppError {
    fn from(e: ReadError) -> Self {
        Self::new(e.kind.into(), e.message)
    }
}

impl From<rolesync_config::ConfigErrors> for AppError {
    fn from(e: rolesync_config::ConfigErrors) -> Self {
        Self::config(e.to_string().trim_end())
    }
}

impl From<rolesync_secrets::StoreError> for AppError {
    fn from(e: rolesync_secrets::StoreError) -> Self {
        Self::new(ErrorKind::Credentials, e.to_string())
    }
}

impl From<rolesync_secrets::ObtainError> for AppError {
    fn from(e: rolesync_secrets::ObtainError) -> Self {
        match e {
            rolesync_secrets::ObtainError::Cancelled { .. } => Self::cancelled(e.to_string()),
            other => Self::new(ErrorKind::Credentials, other.to_string()),
        }
    }
}

impl From<rolesync_schedule::ScheduleError> for AppError {
    fn from(e: rolesync_schedule::ScheduleError) -> Self {
        Self::config(e.0)
    }
}

impl From<rolesync_schedule::register::RegisterError> for AppError {
    fn from(e: rolesync_schedule::register::RegisterError) -> Self {
        Self::config(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_owns_its_exit_code_and_codes() {
        let table = [
            (ErrorKind::Config, 2, "config", "config"),
            (ErrorKind::SignIn, 4, "read", "signIn"),
            (ErrorKind::Permission, 4, "read", "permission"),
            (ErrorKind::Network, 4, "read", "network"),
            (ErrorKind::Throttled, 4, "read", "throttled"),
            (ErrorKind::NotFound, 4, "read", "notFound"),
            (ErrorKind::PartialRead, 4, "read", "partialRead"),
            (ErrorKind::Read, 4, "read", "read"),
            (ErrorKind::Credentials, 4, "read", "credentials"),
            (ErrorKind::Cancelled, 4, "cancelled", "cancelled"),
            (ErrorKind::Busy, 5, "busy", "busy"),
            (ErrorKind::Io, 4, "io", "io"),
        ];
        for (kind, exit, cli, window) in table {
            assert_eq!(kind.exit().code(), exit, "{kind:?}");
            assert_eq!(kind.cli_code(), cli, "{kind:?}");
            assert_eq!(kind.window_code(), window, "{kind:?}");
        }
    }

    #[test]
    fn read_errors_keep_their_kind() {
        let e = AppError::from(ReadError::of(ReadErrorKind::SignIn, "signing in failed"));
        assert_eq!(e.code, ErrorKind::SignIn);
        assert_eq!(e.to_string(), "signing in failed");
        let e = AppError::from(ReadError::of(ReadErrorKind::Partial, "size limit"));
        assert_eq!(e.code, ErrorKind::PartialRead);
        let cancelled = rolesync_secrets::ObtainError::Cancelled {
            name: rolesync_secrets::CredentialName::Smtp,
        };
        assert_eq!(AppError::from(cancelled).code, ErrorKind::Cancelled);
    }
}
