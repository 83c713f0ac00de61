//! RoleSync's runs in the Windows Event Log, for Event Viewer, event forwarding, SCOM or the Azure
//! Monitor agent: one event per `sync` (and dry run, and window run) from the source `RoleSync` in
//! the Application log, with a documented id and level per outcome (see [`EVENTS`] and
//! `docs/event-log.md`) and the run's summary line and report path as its text.
//!
//! [`event`] decides what is written (pure, tested on any OS); [`record`] writes it — through
//! `ReportEventW` on Windows (registering the source first when it is missing and the process may,
//! see `windows`), nowhere elsewhere.

mod event;
#[cfg(windows)]
mod windows;

pub use event::{
    for_failure, for_report, kind_for_exit, EventKind, Level, RunEvent, APPLIED, BUSY,
    CONFIG_ERROR, EVENTS, MAX_TEXT, NO_CHANGES, PARTIAL_FAILURE, PLANNED, READ_FAILED, STOPPED,
};

/// The event source.
pub const SOURCE: &str = "RoleSync";
/// The message file next to `rolesync.exe` that holds the event texts (`installer/rolesync-messages.mc`).
pub const MESSAGE_FILE: &str = "rolesync-messages.dll";
/// The source's registry key under `HKEY_LOCAL_MACHINE`.
pub const SOURCE_KEY: &str = r"SYSTEM\CurrentControlSet\Services\EventLog\Application\RoleSync";

/// What [`record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Written; the source was registered already.
    Written,
    /// Written after registering the source (the first elevated run without the installer).
    WrittenAndRegistered,
    /// Written, but the source is not registered and this process may not register it (not
    /// elevated): Event Viewer shows the text without the message file.
    WrittenUnregistered,
    /// Not Windows: there is no Event Log.
    NoEventLog,
}

/// Writes the event to the Application log and logs what happened; a failure is logged as a
/// warning and changes nothing else (the report and the log file remain the record).
pub fn record(event: &RunEvent) -> Option<Recorded> {
    #[cfg(windows)]
    let result = windows::write(event);
    #[cfg(not(windows))]
    let result: std::io::Result<Recorded> = Ok(Recorded::NoEventLog);
    match result {
        Ok(r) => {
            if r != Recorded::NoEventLog {
                tracing::debug!(id = event.kind.id, recorded = ?r, "run recorded in the Windows Event Log");
            }
            Some(r)
        }
        Err(e) => {
            tracing::warn!(id = event.kind.id, error = %e, "could not write the run's event to the Windows Event Log");
            None
        }
    }
}
