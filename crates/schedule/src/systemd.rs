//! A systemd service (one-shot `rolesync sync`) and its timer.

use crate::spec::{quote, Every, RunAs, TaskSpec};

/// The unit files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemdUnits {
    /// `rolesync-sync.service`.
    pub service: String,
    /// `rolesync-sync.timer`.
    pub timer: String,
}

impl SystemdUnits {
    /// The service unit's file name.
    pub const SERVICE: &'static str = "rolesync-sync.service";
    /// The timer unit's file name.
    pub const TIMER: &'static str = "rolesync-sync.timer";
}

/// The units. `user_units` drops `User=` (a user manager runs them as that user).
pub fn systemd_units(spec: &TaskSpec, user_units: bool) -> SystemdUnits {
    let exec = format!(
        "{} {}",
        quote(&spec.exe.display().to_string()),
        spec.command_line_args()
    );
    let user = match (&spec.run_as, user_units) {
        (RunAs::Account(a), false) => format!("User={a}\n"),
        _ => String::new(),
    };
    let service = format!(
        "[Unit]\nDescription=RoleSync: make Entra ID admin roles match the AD role groups\nWants=network-online.target\nAfter=network-online.target\n\n[Service]\nType=oneshot\n{user}WorkingDirectory={}\nExecStart={exec}\n# Exit codes: 0 done, 1 item failures, 3 safety stop, 4 read or sign-in failure, 5 another run active.\nSuccessExitStatus=0\nNoNewPrivileges=true\nPrivateTmp=true\n",
        spec.workdir.display()
    );
    let (h, m) = spec.at;
    let calendar = match spec.every {
        Every::Day => format!("*-*-* {h:02}:{m:02}:00"),
        Every::Hour => format!("*-*-* *:{m:02}:00"),
    };
    let timer = format!(
        "[Unit]\nDescription=Run RoleSync on schedule\n\n[Timer]\nOnCalendar={calendar}\nPersistent=true\nUnit={}\n\n[Install]\nWantedBy=timers.target\n",
        SystemdUnits::SERVICE
    );
    SystemdUnits { service, timer }
}
