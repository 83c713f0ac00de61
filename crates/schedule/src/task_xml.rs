//! Windows Task Scheduler task definition (schema 1.2) for `schtasks /Create /XML`: runs the
//! headless sync whether the user is logged on or not, never two at once, with highest privileges.

use crate::spec::{Every, RunAs, TaskSpec};

/// The task's path in Task Scheduler.
pub const TASK_NAME: &str = r"\RoleSync\Sync";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// How the task XML in `xml_file` is registered: the program and its arguments. LocalSystem and
/// named accounts through `schtasks /Create /XML` (a named account's password asked for by
/// schtasks: `/RP *`); a gMSA through PowerShell's `Register-ScheduledTask -Xml`, which takes
/// the principal from the XML and needs no password (schtasks would ask for one).
pub fn register_command(spec: &TaskSpec, xml_file: &str) -> (String, Vec<String>) {
    match &spec.run_as {
        RunAs::ManagedServiceAccount(_) => {
            let (folder, name) = TASK_NAME.rsplit_once('\\').unwrap_or(("", TASK_NAME));
            let ps_quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
            (
                "powershell.exe".into(),
                vec![
                    "-NoProfile".into(),
                    "-NonInteractive".into(),
                    "-Command".into(),
                    format!(
                        "Register-ScheduledTask -TaskName {} -TaskPath {} -Xml (Get-Content -Raw -LiteralPath {}) -Force | Out-Null",
                        ps_quote(name),
                        ps_quote(&format!("{folder}\\")),
                        ps_quote(xml_file)
                    ),
                ],
            )
        }
        run_as => {
            let mut args: Vec<String> = ["/Create", "/TN", TASK_NAME, "/XML", xml_file, "/F"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            if let RunAs::Account(a) = run_as {
                args.extend(["/RU".into(), a.clone(), "/RP".into(), "*".into()]);
            }
            ("schtasks".into(), args)
        }
    }
}

/// The task XML (UTF-16 is declared; write it UTF-16LE with a BOM for schtasks).
pub fn task_xml(spec: &TaskSpec) -> String {
    let (h, m) = spec.at;
    let start = format!("{}T{h:02}:{m:02}:00", spec.start_date);
    let trigger = match spec.every {
        Every::Day => format!(
            "    <CalendarTrigger>\n      <StartBoundary>{start}</StartBoundary>\n      <Enabled>true</Enabled>\n      <ScheduleByDay>\n        <DaysInterval>1</DaysInterval>\n      </ScheduleByDay>\n    </CalendarTrigger>\n"
        ),
        Every::Hour => format!(
            "    <CalendarTrigger>\n      <Repetition>\n        <Interval>PT1H</Interval>\n        <Duration>P1D</Duration>\n        <StopAtDurationEnd>false</StopAtDurationEnd>\n      </Repetition>\n      <StartBoundary>{start}</StartBoundary>\n      <Enabled>true</Enabled>\n      <ScheduleByDay>\n        <DaysInterval>1</DaysInterval>\n      </ScheduleByDay>\n    </CalendarTrigger>\n"
        ),
    };
    // "Run whether user is logged on or not": LocalSystem as a service account, or a named account
    // with a stored password. A gMSA is registered with the password logon type too, and no
    // password: Task Scheduler retrieves the managed password from AD (Microsoft's
    // ComputerManagementDsc `ExecuteAsGMSA` and New-ScheduledTaskPrincipal -LogonType Password).
    let principal = match &spec.run_as {
        RunAs::Default => {
            "      <UserId>S-1-5-18</UserId>\n      <LogonType>ServiceAccount</LogonType>\n"
                .to_string()
        }
        RunAs::Account(a) | RunAs::ManagedServiceAccount(a) => format!(
            "      <UserId>{}</UserId>\n      <LogonType>Password</LogonType>\n",
            esc(a)
        ),
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Author>RoleSync</Author>
    <Description>Keeps Entra ID admin roles equal to the Active Directory role groups (rolesync sync). Logs and reports: see the RoleSync log folder.</Description>
    <URI>{uri}</URI>
  </RegistrationInfo>
  <Triggers>
{trigger}  </Triggers>
  <Principals>
    <Principal id="Author">
{principal}      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT2H</ExecutionTimeLimit>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{command}</Command>
      <Arguments>{args}</Arguments>
      <WorkingDirectory>{workdir}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"#,
        uri = esc(TASK_NAME),
        command = esc(&spec.exe.display().to_string()),
        args = esc(&spec.command_line_args()),
        workdir = esc(&spec.workdir.display().to_string()),
    )
}
