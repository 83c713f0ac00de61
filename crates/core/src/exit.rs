//! The process exit codes schedulers and scripts rely on (README, "Exit codes"), in one place: a
//! run's [`crate::report::Outcome`] maps to one here, and every application error kind maps to
//! one in the application crate.

/// A documented exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ExitCode {
    /// Done (or nothing to do; for `plan` and `--dry-run`: planned).
    Done = 0,
    /// Done, but some changes failed; for `check`: some checks failed.
    ItemFailures = 1,
    /// Usage or configuration error; nothing was read or changed.
    Usage = 2,
    /// Stopped by a safety limit; nothing changed.
    SafetyStop = 3,
    /// The source or the target could not be read, or sign-in failed; nothing changed.
    ReadFailed = 4,
    /// Another sync is applying changes; this one changed nothing.
    Busy = 5,
}

impl ExitCode {
    /// The number the process exits with.
    pub const fn code(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode;

    #[test]
    fn the_numbers_are_the_documented_ones() {
        let all = [
            (ExitCode::Done, 0),
            (ExitCode::ItemFailures, 1),
            (ExitCode::Usage, 2),
            (ExitCode::SafetyStop, 3),
            (ExitCode::ReadFailed, 4),
            (ExitCode::Busy, 5),
        ];
        for (e, n) in all {
            assert_eq!(e.code(), n, "{e:?}");
        }
    }
}
