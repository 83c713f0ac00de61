//! What a scheduled run is registered as, generated as text (pure, testable on any OS): a Windows
//! Task Scheduler task (XML for `schtasks /Create /XML`), a systemd service + timer, or a cron line;
//! and registering them with the OS ([`register`]: `schtasks`, `systemctl`, `crontab`).

mod cron;
pub mod register;
mod spec;
mod systemd;
mod task_xml;

pub use cron::{cron_line, CRON_MARKER};
pub use spec::{parse_time, Every, RunAs, ScheduleError, TaskSpec};
pub use systemd::{systemd_units, SystemdUnits};
pub use task_xml::{register_command, task_xml, TASK_NAME};
