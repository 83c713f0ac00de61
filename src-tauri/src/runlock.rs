//! One sync at a time: an OS file lock (`rolesync.lock` in the data folder) held while a run
//! applies changes. A side file (`rolesync.lock.info`; Windows locks block reading the locked file
//! itself) records who holds it — process id, command, start time — so that a run that is turned
//! away can say so. The OS drops the lock when its process dies, so a crashed run's lock is
//! recovered by the next run, which notes it in the log.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Who holds the lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// What it runs (`sync`, `sync --demo`, `desktop`).
    pub command: String,
    /// When it started (RFC 3339).
    pub started: String,
}

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    info: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it.
    Busy(Option<Holder>),
    /// The lock file cannot be opened.
    Io(std::io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Busy(Some(h)) => write!(
                f,
                "another RoleSync run is applying changes (process {}, `{}`, started {}); this run changed nothing — try again when it has finished",
                h.pid, h.command, h.started
            ),
            LockError::Busy(None) => f.write_str("another RoleSync run is applying changes; this run changed nothing — try again when it has finished"),
            LockError::Io(e) => write!(f, "cannot open the run lock: {e}"),
        }
    }
}

impl RunLock {
    /// The lock file in `data_dir`.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join("rolesync.lock")
    }

    /// The holder file next to the lock file.
    pub fn info_path_in(data_dir: &Path) -> PathBuf {
        data_dir.join("rolesync.lock.info")
    }

    /// Takes the lock without waiting.
    pub fn acquire(data_dir: &Path, command: &str) -> Result<RunLock, LockError> {
        rolesync_protect::create_dir_all(data_dir).map_err(LockError::Io)?;
        let file =
            rolesync_protect::open_for_lock(&Self::path_in(data_dir)).map_err(LockError::Io)?;
        let info = Self::info_path_in(data_dir);
        let read_holder = || {
            std::fs::read_to_string(&info)
                .ok()
                .and_then(|t| serde_json::from_str::<Holder>(&t).ok())
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(LockError::Busy(read_holder())),
            Err(std::fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
        }
        if let Some(stale) = read_holder() {
            tracing::warn!(pid = stale.pid, command = %stale.command, started = %stale.started, "recovered the run lock of a run that ended without releasing it");
        }
        let me = Holder {
            pid: std::process::id(),
            command: command.to_string(),
            started: chrono::Utc::now().to_rfc3339(),
        };
        let mut f = rolesync_protect::create_file(&info).map_err(LockError::Io)?;
        f.write_all(serde_json::to_string(&me).unwrap_or_default().as_bytes())
            .map_err(LockError::Io)?;
        Ok(RunLock { file, info })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // A clean end removes the holder file; the OS releases the lock when the file closes.
        let _ = std::fs::remove_file(&self.info);
        let _ = self.file.unlock();
    }
}
