//! Registering the schedule on Linux: systemd units (system units as root, user units otherwise)
//! or, where systemd is not running, a crontab line.

use super::{run_program, RegisterError};
use crate::{cron_line, systemd_units, SystemdUnits, TaskSpec, CRON_MARKER};
use std::path::{Path, PathBuf};

/// Appends a line of output.
macro_rules! say {
    ($out:ident, $($t:tt)*) => {{
        $out.push_str(format!($($t)*).trim_end_matches('\n'));
        $out.push('\n');
    }};
}

fn systemd_running() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

fn is_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || std::env::var("HOME").map(|h| h == "/root").unwrap_or(false)
}

/// Where the units go, and the `systemctl` scope flag.
fn unit_dir() -> (PathBuf, Option<&'static str>) {
    if is_root() {
        (PathBuf::from("/etc/systemd/system"), None)
    } else {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".config")
            });
        (config.join("systemd/user"), Some("--user"))
    }
}

fn systemctl(scope: Option<&str>, args: &[&str]) -> Result<String, RegisterError> {
    let mut all: Vec<&str> = scope.into_iter().collect();
    all.extend_from_slice(args);
    run_program("systemctl", &all, None)
}

fn crontab_without_ours() -> Result<String, RegisterError> {
    // `crontab -l` fails when the user has no crontab yet: that is an empty one.
    let current = run_program("crontab", &["-l"], None).unwrap_or_default();
    Ok(current
        .lines()
        .filter(|l| !l.contains(CRON_MARKER))
        .map(|l| format!("{l}\n"))
        .collect())
}

/// Installs (or replaces) the schedule.
pub fn install(spec: &TaskSpec, print: bool) -> Result<String, RegisterError> {
    let mut out = String::new();
    if systemd_running() || print {
        let (dir, scope) = unit_dir();
        let units = systemd_units(spec, scope.is_some());
        if print {
            say!(
                out,
                "# {}\n{}\n# {}\n{}",
                dir.join(SystemdUnits::SERVICE).display(),
                units.service,
                dir.join(SystemdUnits::TIMER).display(),
                units.timer
            );
            say!(
                out,
                "# then: systemctl {}daemon-reload && systemctl {}enable --now {}",
                scope.map(|s| format!("{s} ")).unwrap_or_default(),
                scope.map(|s| format!("{s} ")).unwrap_or_default(),
                SystemdUnits::TIMER
            );
            say!(
                out,
                "# without systemd, this crontab line instead:\n{}",
                cron_line(spec)
            );
            return Ok(out);
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| RegisterError(format!("cannot create {}: {e}", dir.display())))?;
        for (name, text) in [
            (SystemdUnits::SERVICE, &units.service),
            (SystemdUnits::TIMER, &units.timer),
        ] {
            std::fs::write(dir.join(name), text).map_err(|e| {
                RegisterError(format!("cannot write {}: {e}", dir.join(name).display()))
            })?;
        }
        systemctl(scope, &["daemon-reload"])?;
        systemctl(scope, &["enable", "--now", SystemdUnits::TIMER])?;
        say!(
            out,
            "scheduled: {} (systemd timer in {})",
            SystemdUnits::TIMER,
            dir.display()
        );
    } else {
        let table = crontab_without_ours()? + &cron_line(spec) + "\n";
        run_program("crontab", &["-"], Some(&table))?;
        say!(out, "scheduled: crontab line marked {CRON_MARKER}");
    }
    Ok(out)
}

/// Removes the schedule.
pub fn remove(print: bool) -> Result<String, RegisterError> {
    let mut out = String::new();
    let (dir, scope) = unit_dir();
    if print {
        say!(out, "would disable {} and delete {} and {}, or remove the crontab line marked {CRON_MARKER}", SystemdUnits::TIMER, dir.join(SystemdUnits::SERVICE).display(), dir.join(SystemdUnits::TIMER).display());
        return Ok(out);
    }
    if systemd_running() && dir.join(SystemdUnits::TIMER).exists() {
        let _ = systemctl(scope, &["disable", "--now", SystemdUnits::TIMER]);
        for name in [SystemdUnits::SERVICE, SystemdUnits::TIMER] {
            let _ = std::fs::remove_file(dir.join(name));
        }
        systemctl(scope, &["daemon-reload"])?;
        say!(out, "removed the systemd timer");
    } else {
        let table = crontab_without_ours()?;
        run_program("crontab", &["-"], Some(&table))?;
        say!(out, "removed the crontab line");
    }
    Ok(out)
}

/// Shows the schedule.
pub fn show(print: bool) -> Result<String, RegisterError> {
    let mut out = String::new();
    let (dir, scope) = unit_dir();
    if print {
        say!(
            out,
            "would run: systemctl {}list-timers {}, or crontab -l",
            scope.map(|s| format!("{s} ")).unwrap_or_default(),
            SystemdUnits::TIMER
        );
        return Ok(out);
    }
    if systemd_running() && dir.join(SystemdUnits::TIMER).exists() {
        say!(
            out,
            "{}",
            systemctl(scope, &["list-timers", SystemdUnits::TIMER, "--all"])?
        );
    } else {
        let ours: Vec<String> = run_program("crontab", &["-l"], None)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(CRON_MARKER))
            .map(String::from)
            .collect();
        if ours.is_empty() {
            say!(out, "no scheduled sync is registered");
        } else {
            say!(out, "{}", ours.join("\n"));
        }
    }
    Ok(out)
}
