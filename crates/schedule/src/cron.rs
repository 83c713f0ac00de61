//! A crontab line, for Linux machines without systemd.

use crate::spec::{quote, Every, TaskSpec};

/// The comment that marks RoleSync's line in a crontab, so it can be replaced and removed.
pub const CRON_MARKER: &str = "# rolesync-sync";

/// The crontab line (with the marker at its end).
pub fn cron_line(spec: &TaskSpec) -> String {
    let (h, m) = spec.at;
    let when = match spec.every {
        Every::Day => format!("{m} {h} * * *"),
        Every::Hour => format!("{m} * * * *"),
    };
    // `%` ends the command in a crontab unless escaped.
    let line = format!(
        "cd {} && {} {} >/dev/null 2>&1",
        quote(&spec.workdir.display().to_string()),
        quote(&spec.exe.display().to_string()),
        spec.command_line_args()
    )
    .replace('%', "\\%");
    format!("{when} {line} {CRON_MARKER}")
}
