//! The generated task XML is well-formed and says what it must; the systemd units pass
//! `systemd-analyze verify`; the cron line has the right fields.
#![allow(clippy::unwrap_used, missing_docs)]

use quick_xml::events::Event;
use quick_xml::Reader;
use rolesync_schedule::*;
use std::collections::HashMap;
use std::path::PathBuf;

fn spec(every: Every, run_as: RunAs) -> TaskSpec {
    TaskSpec {
        exe: PathBuf::from(r"C:\Program Files\RoleSync\rolesync.exe"),
        args: vec![
            "sync".into(),
            "--quiet".into(),
            "--config".into(),
            r"C:\ProgramData\RoleSync\rolesync.toml".into(),
        ],
        workdir: PathBuf::from(r"C:\ProgramData\RoleSync"),
        at: (2, 30),
        every,
        run_as,
        start_date: "2026-11-27".into(),
    }
}

/// Element path → text, for every leaf element; fails on malformed XML.
fn leaves(xml: &str) -> HashMap<String, String> {
    let mut r = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = HashMap::new();
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => path.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap()),
            Event::End(e) => {
                assert_eq!(
                    path.pop().unwrap().as_bytes(),
                    e.name().as_ref(),
                    "tags balance"
                );
            }
            Event::Text(t) => {
                let text = t.unescape().unwrap().trim().to_string();
                if !text.is_empty() {
                    out.insert(path.join("/"), text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "every element is closed");
    out
}

#[test]
fn daily_task_runs_headless_sync_whether_logged_on_or_not() {
    let x = leaves(&task_xml(&spec(Every::Day, RunAs::Default)));
    assert_eq!(
        x["Task/Triggers/CalendarTrigger/StartBoundary"],
        "2026-11-27T02:30:00"
    );
    assert_eq!(
        x["Task/Triggers/CalendarTrigger/ScheduleByDay/DaysInterval"],
        "1"
    );
    assert_eq!(
        x["Task/Actions/Exec/Command"],
        r"C:\Program Files\RoleSync\rolesync.exe"
    );
    assert_eq!(
        x["Task/Actions/Exec/Arguments"],
        r"sync --quiet --config C:\ProgramData\RoleSync\rolesync.toml"
    );
    // Not InteractiveToken: runs whether the user is logged on or not.
    assert_eq!(x["Task/Principals/Principal/LogonType"], "ServiceAccount");
    assert_eq!(x["Task/Principals/Principal/UserId"], "S-1-5-18");
    assert_eq!(x["Task/Principals/Principal/RunLevel"], "HighestAvailable");
    assert_eq!(x["Task/Settings/MultipleInstancesPolicy"], "IgnoreNew");
    assert_eq!(x["Task/RegistrationInfo/URI"], r"\RoleSync\Sync");
}

#[test]
fn hourly_task_for_a_named_account_escapes_and_repeats() {
    let mut s = spec(Every::Hour, RunAs::Account(r"CONTOSO\svc-rolesync".into()));
    s.args.push("R&D <ops>".into());
    let xml = task_xml(&s);
    let x = leaves(&xml);
    assert_eq!(
        x["Task/Triggers/CalendarTrigger/Repetition/Interval"],
        "PT1H"
    );
    assert_eq!(x["Task/Principals/Principal/LogonType"], "Password");
    assert_eq!(
        x["Task/Principals/Principal/UserId"],
        r"CONTOSO\svc-rolesync"
    );
    assert!(x["Task/Actions/Exec/Arguments"].ends_with("\"R&D <ops>\""));
    assert!(xml.contains("R&amp;D &lt;ops&gt;"));
}

#[test]
fn a_gmsa_task_takes_no_password_and_is_registered_through_powershell() {
    let run_as = RunAs::parse(r"CONTOSO\gmsa-rolesync$").unwrap();
    assert_eq!(
        run_as,
        RunAs::ManagedServiceAccount(r"CONTOSO\gmsa-rolesync$".into())
    );
    let s = spec(Every::Day, run_as);
    let x = leaves(&task_xml(&s));
    assert_eq!(
        x["Task/Principals/Principal/UserId"],
        r"CONTOSO\gmsa-rolesync$"
    );
    assert_eq!(x["Task/Principals/Principal/LogonType"], "Password");
    let (program, args) = register_command(&s, r"C:\ProgramData\RoleSync\it's.xml");
    assert_eq!(program, "powershell.exe");
    let cmd = args.last().unwrap();
    assert_eq!(
        cmd,
        r"Register-ScheduledTask -TaskName 'Sync' -TaskPath '\RoleSync\' -Xml (Get-Content -Raw -LiteralPath 'C:\ProgramData\RoleSync\it''s.xml') -Force | Out-Null"
    );
    assert!(
        !args.iter().any(|a| a.contains("/RP")),
        "no password is asked for"
    );

    // LocalSystem and a named account go through schtasks; only the account is asked for its password.
    let (program, args) = register_command(&spec(Every::Day, RunAs::Default), "t.xml");
    assert_eq!(
        (program.as_str(), args.join(" ").as_str()),
        ("schtasks", r"/Create /TN \RoleSync\Sync /XML t.xml /F")
    );
    let (_, args) = register_command(
        &spec(Every::Day, RunAs::Account(r"CONTOSO\svc".into())),
        "t.xml",
    );
    assert!(args.join(" ").ends_with(r"/RU CONTOSO\svc /RP *"));
}

fn linux_spec(every: Every) -> TaskSpec {
    let exe = std::env::current_exe().unwrap();
    TaskSpec {
        workdir: exe.parent().unwrap().to_path_buf(),
        exe,
        args: vec!["sync".into(), "--quiet".into()],
        at: (6, 5),
        every,
        run_as: RunAs::Default,
        start_date: "2026-11-27".into(),
    }
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let u = systemd_units(&linux_spec(Every::Day), false);
    assert!(u.timer.contains("OnCalendar=*-*-* 06:05:00"));
    assert!(u.service.contains("Type=oneshot"));
    assert!(systemd_units(&linux_spec(Every::Hour), true)
        .timer
        .contains("OnCalendar=*-*-* *:05:00"));

    let Ok(out) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "systemd-analyze is missing in CI: install the systemd package"
        );
        eprintln!("systemd-analyze not installed: verify skipped");
        return;
    };
    assert!(out.status.success());
    let dir = std::env::temp_dir().join(format!("rolesync-units-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(SystemdUnits::SERVICE), &u.service).unwrap();
    std::fs::write(dir.join(SystemdUnits::TIMER), &u.timer).unwrap();
    let v = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.join(SystemdUnits::SERVICE))
        .arg(dir.join(SystemdUnits::TIMER))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&v.stderr);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        v.status.success(),
        "systemd-analyze verify failed: {stderr}"
    );
    assert!(
        !stderr.contains("rolesync-sync"),
        "warnings about our units: {stderr}"
    );
}

#[test]
fn cron_line_has_five_fields_and_the_marker() {
    let mut s = linux_spec(Every::Day);
    s.args.push("50%".into());
    let line = cron_line(&s);
    let fields: Vec<_> = line.split_whitespace().take(5).collect();
    assert_eq!(fields, ["5", "6", "*", "*", "*"]);
    assert!(line.ends_with(CRON_MARKER));
    assert!(line.contains("50\\%"));
    assert!(cron_line(&linux_spec(Every::Hour)).starts_with("5 * * * *"));
}
