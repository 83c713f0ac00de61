//! Registering a schedule with the OS: Task Scheduler (`schtasks /Create /XML`) on Windows; on
//! Linux a systemd timer (system units as root, user units otherwise) or, where systemd is not
//! running, a crontab line. Each action can instead return what it would do (`print`) and do
//! nothing. The output is text for a person (the CLI prints it, the settings page shows it).

#[cfg(not(windows))]
#[path = "unix.rs"]
mod os;
#[cfg(windows)]
#[path = "windows.rs"]
mod os;

use crate::TaskSpec;

/// Registering, removing or showing the schedule failed; the message names the file or program
/// and its output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RegisterError(pub String);

/// Registers (or replaces) the schedule; with `print`, only says what would be registered.
pub fn install(spec: &TaskSpec, print: bool) -> Result<String, RegisterError> {
    os::install(spec, print)
}

/// Removes the schedule; with `print`, only says what would be removed.
pub fn remove(print: bool) -> Result<String, RegisterError> {
    os::remove(print)
}

/// Shows the registered schedule; with `print`, only says how it would be queried.
pub fn show(print: bool) -> Result<String, RegisterError> {
    os::show(print)
}

/// Runs a program, failing with its output when it fails.
pub(crate) fn run_program(
    program: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<String, RegisterError> {
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
        .map_err(|e| RegisterError(format!("cannot run {program}: {e}")))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| RegisterError(format!("{program}: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| RegisterError(format!("{program}: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(RegisterError(format!(
            "`{program} {}` failed ({}): {}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            stdout.trim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(not(windows))]
    fn a_failing_program_is_named_with_its_output() {
        let e =
            run_program("sh", &["-c", "echo oops >&2; exit 3"], None).expect_err("exit 3 fails");
        assert!(e.0.contains("`sh -c"), "{e}");
        assert!(e.0.contains("oops"), "{e}");
        let e = run_program("rolesync-no-such-program", &[], None).expect_err("not found");
        assert!(
            e.0.starts_with("cannot run rolesync-no-such-program"),
            "{e}"
        );
        assert_eq!(
            run_program("sh", &["-c", "cat"], Some("piped")).expect("cat"),
            "piped"
        );
    }
}
