//! The schedule as the admin asked for it: when, how often, as whom, and the command to run.

use std::path::PathBuf;

/// How often the sync runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// Once a day at the given time.
    Day,
    /// Every hour, starting at the given time.
    Hour,
}

/// The account a scheduled run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAs {
    /// Windows: LocalSystem (the computer account on the network: with integrated sign-in it
    /// reads AD as `DOMAIN\SERVER$`); Linux: the system service manager's default (root) or the
    /// user manager for user units.
    Default,
    /// A named account with a password (`CONTOSO\svc-rolesync`, or a Linux user).
    Account(String),
    /// A group Managed Service Account (`CONTOSO\gmsa-rolesync$`): Windows only, no password —
    /// Task Scheduler fetches the managed password from AD.
    ManagedServiceAccount(String),
}

impl RunAs {
    /// `--run-as ACCOUNT`: a name ending in `$` (`DOMAIN\name$` or `name$@domain.fqdn`) is a
    /// gMSA; anything else a named account.
    pub fn parse(account: &str) -> Result<RunAs, ScheduleError> {
        let a = account.trim();
        if a.is_empty() || a.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ScheduleError(format!(
                "the account to run as, `{account}`: give an account name without spaces, e.g. CONTOSO\\svc-rolesync or, for a group Managed Service Account, CONTOSO\\gmsa-rolesync$"
            )));
        }
        let sam = match (a.split_once('\\'), a.split_once('@')) {
            (Some((domain, name)), None) if !domain.is_empty() => name,
            (None, Some((name, domain))) if domain.contains('.') => name,
            (None, None) => a,
            _ => {
                return Err(ScheduleError(format!(
                    "the account to run as, `{account}`: write it as DOMAIN\\name (or name@domain.fqdn)"
                )))
            }
        };
        if sam.is_empty() {
            return Err(ScheduleError(format!(
                "the account to run as, `{account}`: the account name is missing"
            )));
        }
        if let Some(stem) = sam.strip_suffix('$') {
            if stem.is_empty() || a == sam {
                return Err(ScheduleError(format!(
                    "the account to run as, `{account}`: a group Managed Service Account is named with its domain, e.g. CONTOSO\\{sam}"
                )));
            }
            return Ok(RunAs::ManagedServiceAccount(a.to_string()));
        }
        Ok(RunAs::Account(a.to_string()))
    }
}

/// A schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSpec {
    /// The `rolesync` executable (absolute).
    pub exe: PathBuf,
    /// Arguments after the executable (`sync --quiet --config …`).
    pub args: Vec<String>,
    /// Working directory.
    pub workdir: PathBuf,
    /// Hour and minute of the (first) run.
    pub at: (u8, u8),
    /// How often.
    pub every: Every,
    /// The account.
    pub run_as: RunAs,
    /// The date the schedule starts (`YYYY-MM-DD`), needed by Task Scheduler's StartBoundary.
    pub start_date: String,
}

/// A schedule option that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(pub String);

/// Parses `HH:MM` (24-hour clock).
pub fn parse_time(s: &str) -> Result<(u8, u8), ScheduleError> {
    let bad = || {
        ScheduleError(format!(
            "the time \"{s}\" is not HH:MM on the 24-hour clock; write it like 02:30"
        ))
    };
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let h: u8 = h.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 || s.trim().len() != 5 {
        return Err(bad());
    }
    Ok((h, m))
}

impl TaskSpec {
    /// The command line as one string, with arguments quoted where they contain spaces.
    pub fn command_line_args(&self) -> String {
        self.args
            .iter()
            .map(|a| quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Quotes an argument for Windows and systemd command lines when it needs quoting.
pub(crate) fn quote(a: &str) -> String {
    if a.is_empty() || a.contains([' ', '\t', '"']) {
        format!("\"{}\"", a.replace('"', "\\\""))
    } else {
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_as_tells_a_gmsa_from_an_account() {
        assert_eq!(
            RunAs::parse("CONTOSO\\gmsa-rolesync$"),
            Ok(RunAs::ManagedServiceAccount(
                "CONTOSO\\gmsa-rolesync$".into()
            ))
        );
        assert_eq!(
            RunAs::parse("gmsa-rolesync$@contoso.com"),
            Ok(RunAs::ManagedServiceAccount(
                "gmsa-rolesync$@contoso.com".into()
            ))
        );
        assert_eq!(
            RunAs::parse(" CONTOSO\\svc-rolesync "),
            Ok(RunAs::Account("CONTOSO\\svc-rolesync".into()))
        );
        assert_eq!(
            RunAs::parse("rolesync"),
            Ok(RunAs::Account("rolesync".into()))
        );
        for bad in [
            "",
            "CONTOSO\\",
            "\\x",
            "gmsa$",
            "CONTOSO\\$",
            "a b",
            "x@y@z",
            "D\\x@y.z",
        ] {
            assert!(RunAs::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_parse_strictly() {
        assert_eq!(parse_time("02:30"), Ok((2, 30)));
        assert_eq!(parse_time("23:59"), Ok((23, 59)));
        for bad in ["24:00", "2:30", "02:60", "0230", "ab:cd", ""] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
