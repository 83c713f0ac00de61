//! The scheduled sync (`rolesync schedule`, and the settings page): the schedule built from the
//! request and this program's location — `sync --quiet` with the configuration file (and
//! `--demo` for a demo schedule) — then registered, removed or shown by the schedule crate.

use crate::{App, AppError};
use rolesync_schedule::{parse_time, register, Every, RunAs, TaskSpec};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// How often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Frequency {
    /// Once a day.
    #[default]
    Day,
    /// Every hour.
    Hour,
}

/// What to do with the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum ScheduleAction {
    /// Register the scheduled sync (replacing an existing one).
    #[serde(rename_all = "camelCase")]
    Install {
        /// `HH:MM` of the (first) run.
        at: String,
        /// How often.
        #[serde(default)]
        every: Frequency,
        /// The account it runs as; the OS default when blank.
        #[serde(default)]
        run_as: Option<String>,
    },
    /// Remove it.
    Remove,
    /// Show it.
    Show,
}

/// A schedule command.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct ScheduleRequest {
    /// What to do.
    #[serde(flatten)]
    pub action: ScheduleAction,
    /// Only say what would be done.
    pub print: bool,
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

impl App {
    /// Registers, removes or shows the scheduled sync; returns what was done (or would be, with
    /// `print`), in words. `demo` schedules a demo sync.
    pub fn schedule(&self, request: ScheduleRequest, demo: bool) -> Result<String, AppError> {
        let print = request.print;
        Ok(match request.action {
            ScheduleAction::Install { at, every, run_as } => {
                let spec = self.task_spec(&at, every, run_as, demo)?;
                register::install(&spec, print)?
            }
            ScheduleAction::Remove => register::remove(print)?,
            ScheduleAction::Show => register::show(print)?,
        })
    }

    /// The schedule for `install`.
    pub fn task_spec(
        &self,
        at: &str,
        every: Frequency,
        run_as: Option<String>,
        demo: bool,
    ) -> Result<TaskSpec, AppError> {
        let at = parse_time(at)?;
        let run_as = match run_as.filter(|a| !a.trim().is_empty()) {
            Some(a) => RunAs::parse(&a)?,
            None => RunAs::Default,
        };
        if !cfg!(windows) && matches!(run_as, RunAs::ManagedServiceAccount(_)) {
            return Err(AppError::config(
                "the account to run as: a group Managed Service Account ($) runs scheduled tasks on Windows only; on Linux run as a user whose Kerberos keytab is named by KRB5_CLIENT_KTNAME",
            ));
        }
        let config = absolute(&self.config_file);
        if !config.exists() && !demo {
            return Err(AppError::config(format!(
                "no configuration at {}: a scheduled sync needs one (the setup makes it, or `rolesync config init`)",
                config.display()
            )));
        }
        let exe = std::env::current_exe()
            .map_err(|e| AppError::config(format!("cannot find this program's path: {e}")))?;
        let mut args = vec!["sync".to_string(), "--quiet".to_string()];
        if demo {
            args.push("--demo".into());
        }
        if config.exists() {
            args.push("--config".into());
            args.push(config.display().to_string());
        }
        let workdir = config
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| self.paths.data_dir.clone());
        Ok(TaskSpec {
            exe,
            args,
            workdir,
            at,
            every: match every {
                Frequency::Day => Every::Day,
                Frequency::Hour => Every::Hour,
            },
            run_as,
            start_date: chrono::Local::now().format("%Y-%m-%d").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::app_in;
    use crate::ErrorKind;

    #[test]
    fn the_spec_runs_a_quiet_sync_with_the_configuration() {
        let (_home, app) = app_in();
        let e = app
            .task_spec("02:30", Frequency::Day, None, false)
            .expect_err("no file");
        assert_eq!(e.code, ErrorKind::Config);
        let demo = app
            .task_spec("02:30", Frequency::Hour, Some(" ".into()), true)
            .expect("demo");
        assert_eq!(demo.args, ["sync", "--quiet", "--demo"]);
        assert_eq!(
            (demo.at, demo.every, demo.run_as),
            ((2, 30), Every::Hour, RunAs::Default)
        );
        app.init_config(false).expect("written");
        let s = app
            .task_spec("23:05", Frequency::Day, Some("CONTOSO\\svc".into()), false)
            .expect("spec");
        assert_eq!(
            s.args,
            [
                "sync",
                "--quiet",
                "--config",
                &app.config_file().display().to_string()
            ]
        );
        assert_eq!(s.run_as, RunAs::Account("CONTOSO\\svc".into()));
        let bad = app
            .task_spec("2:30pm", Frequency::Day, None, false)
            .expect_err("bad time");
        assert!(bad.message.contains("HH:MM"), "{bad}");
    }

    #[test]
    fn the_window_sends_requests_as_json() {
        let r: ScheduleRequest = serde_json::from_str(
            r#"{"action":"install","at":"02:30","every":"hour","runAs":null,"print":true}"#,
        )
        .expect("parses");
        assert_eq!(
            r.action,
            ScheduleAction::Install {
                at: "02:30".into(),
                every: Frequency::Hour,
                run_as: None
            }
        );
        let printed = app_in().1.schedule(r, true).expect("printed");
        assert!(printed.contains(":30:00"), "{printed}");
    }
}
