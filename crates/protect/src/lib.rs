//! RoleSync's configuration is Tier-0: whoever can edit the mappings or the protected list decides
//! who holds Entra roles, and its logs, reports and audit file say who was changed. This crate keeps
//! those files private and says when they are not:
//!
//! - [`create`]: the folders and files RoleSync creates — folders `0700` and files `0600` on Unix
//!   whatever the umask; on Windows a new folder gets a protected ACL of Administrators and SYSTEM
//!   (plus the user who created it when that user is not an elevated administrator), and the files in
//!   it inherit that ACL.
//! - [`DailyLog`]: the daily log file (`rolesync.YYYY-MM-DD.log`), created the same way.
//! - [`exposures`]: who else can write the configuration, its folder, the log folder or the audit
//!   file — on Unix from the mode bits and the owner, on Windows from the ACL and the owner read
//!   through the Win32 API — each named, with the command that fixes it.

mod create;
mod daily_log;
mod exposure;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

pub use create::{
    create_dir_all, create_file, create_new, denied_hint, open_append, open_for_lock, write_atomic,
};
pub use daily_log::{DailyLog, LOG_PREFIX};
pub use exposure::{exposures, Exposure, Writer};
