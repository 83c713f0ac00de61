//! `rolesync schedule install|remove|show`: builds the schedule from the options and this binary's
//! location, then registers it with the OS (Task Scheduler on Windows; a systemd timer, or cron
//! where systemd is absent, on Linux). `--print` shows what would be done and does nothing.

use crate::cli::{exit, Frequency, Global, ScheduleCommand};
use crate::failure::Failure;
use crate::settings;
use rolesync_schedule::{parse_time, Every, RunAs, TaskSpec};
use std::path::PathBuf;

#[cfg(windows)]
#[path = "schedule_windows.rs"]
mod os;
#[cfg(not(windows))]
#[path = "schedule_unix.rs"]
mod os;

/// Runs a `schedule` subcommand and prints what it did.
pub fn run(g: &Global, cmd: ScheduleCommand) -> Result<u8, Failure> {
    print!("{}", execute(g, cmd)?);
    Ok(exit::OK)
}

/// Runs a `schedule` subcommand (the CLI and the desktop's settings page); returns its output.
pub fn execute(g: &Global, cmd: ScheduleCommand) -> Result<String, Failure> {
    match cmd {
        ScheduleCommand::Install {
            at,
            every,
            run_as,
            print,
        } => os::install(&spec(g, &at, every, run_as)?, print),
        ScheduleCommand::Remove { print } => os::remove(print),
        ScheduleCommand::Show { print } => os::show(print),
    }
}

fn spec(
    g: &Global,
    at: &str,
    every: Frequency,
    run_as: Option<String>,
) -> Result<TaskSpec, Failure> {
    let at = parse_time(at).map_err(|e| Failure::config(e.0))?;
    let run_as = match run_as {
        Some(a) => RunAs::parse(&a).map_err(|e| Failure::config(e.0))?,
        None => RunAs::Default,
    };
    if !cfg!(windows) && matches!(run_as, RunAs::ManagedServiceAccount(_)) {
        return Err(Failure::config(
            "--run-as: a group Managed Service Account ($) runs scheduled tasks on Windows only; on Linux run as a user whose Kerberos keytab is named by KRB5_CLIENT_KTNAME",
        ));
    }
    let paths = rolesync_config::Paths::from_env();
    let config = absolute(settings::config_path(g, &paths));
    if !config.exists() && !g.demo {
        return Err(Failure::config(format!(
            "no configuration at {}: a scheduled sync needs one (`rolesync config init`), or schedule the demo with --demo",
            config.display()
        )));
    }
    let exe = std::env::current_exe()
        .map_err(|e| Failure::config(format!("cannot find this program's path: {e}")))?;
    let mut args = vec!["sync".to_string(), "--quiet".to_string()];
    if g.demo {
        args.push("--demo".into());
    }
    if config.exists() {
        args.push("--config".into());
        args.push(config.display().to_string());
    }
    let workdir = config
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| paths.data_dir.clone());
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

fn absolute(p: PathBuf) -> PathBuf {
    if p.is_absolute() {
        p
    } else {
        std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p)
    }
}

/// Runs a program, failing with its output when it fails.
pub(crate) fn run_program(
    program: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<String, Failure> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::config(format!("cannot run {program}: {e}")))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| Failure::config(format!("{program}: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Failure::config(format!("{program}: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(Failure::config(format!(
            "`{program} {}` failed ({}): {}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            stdout.trim()
        )))
    }
}
