//! What change control keeps between runs, in the log folder: the audit lines read back
//! (`audit.jsonl`: which assignments RoleSync granted, what a run changed), and what the last
//! sync left (`state/end-state.json`), which the next sync's drift is measured against. Also who
//! is running RoleSync (the OS account), for held plans and approvals.

use rolesync_core::drift::EndState;
use rolesync_core::engine::ChangeControl;
use rolesync_core::ownership::{AssignmentKey, Ownership};
use rolesync_core::report::AuditRecord;
use std::path::{Path, PathBuf};

/// The audit lines of a log folder, oldest first; lines that are not audit records (a torn last
/// line) are left out.
pub fn audit_records(log_dir: &Path) -> Vec<AuditRecord> {
    std::fs::read_to_string(log_dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn end_state_file(log_dir: &Path) -> PathBuf {
    log_dir.join("state").join("end-state.json")
}

/// What the last sync left, when one left something readable.
pub fn previous_end_state(log_dir: &Path) -> Option<EndState> {
    let bytes = std::fs::read(end_state_file(log_dir)).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "the last sync's end state cannot be read; no drift is looked for this run");
            None
        }
    }
}

/// Saves what this sync left; a failure is logged (the next run then reports no drift).
pub fn save_end_state(log_dir: &Path, state: &EndState) {
    let file = end_state_file(log_dir);
    let saved = file
        .parent()
        .map_or(Ok(()), rolesync_protect::create_dir_all)
        .and_then(|()| {
            let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
            rolesync_protect::write_atomic(&file, &bytes)
        });
    if let Err(e) = saved {
        tracing::warn!(file = %file.display(), error = %e, "the end state of this sync could not be saved; the next sync reports no drift");
    }
}

/// A sync's change control: the previous end state, RoleSync's own changes since then (an
/// approval, an undo, a sync whose end state was not saved) and the assignments it owns.
pub fn for_sync(log_dir: &Path) -> ChangeControl {
    let records = audit_records(log_dir);
    let previous = previous_end_state(log_dir);
    let own_since = previous
        .as_ref()
        .map(|p| {
            records
                .iter()
                // Not the previous sync's own changes: its end state already has them.
                .filter(|r| r.time >= p.time && r.result != "intended" && r.run_id != p.run_id)
                .filter_map(|r| {
                    Some(AssignmentKey::new(
                        r.role_id.as_ref()?,
                        r.principal_id.as_ref()?,
                        r.kind,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    ChangeControl {
        previous,
        own_since,
        owned: Ownership::from_audit(&records),
    }
}

/// The OS account running RoleSync (`DOMAIN\user` on Windows, the user name elsewhere).
pub fn os_account() -> String {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if cfg!(windows) {
        match (var("USERDOMAIN"), var("USERNAME")) {
            (Some(d), Some(u)) => return format!("{d}\\{u}"),
            (None, Some(u)) => return u,
            _ => {}
        }
    }
    var("USER")
        .or_else(|| var("LOGNAME"))
        .or_else(|| var("USERNAME"))
        .or_else(account_of_this_process)
        .unwrap_or_else(|| "an unknown account".into())
}

/// On Linux, the name of the account this process runs as (the owner of `/proc/self`, looked up
/// in `/etc/passwd`), for a process started without `USER` and `LOGNAME` (a service, cron).
#[cfg(target_os = "linux")]
fn account_of_this_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    std::fs::read_to_string("/etc/passwd")
        .ok()?
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid)
        .map(|f| f[0].to_owned())
        .filter(|n| !n.is_empty())
}

#[cfg(not(target_os = "linux"))]
fn account_of_this_process() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn without_user_variables_the_account_comes_from_the_system() {
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata("/proc/self").unwrap().uid();
        let name = account_of_this_process().expect("this process's account in /etc/passwd");
        let line = std::fs::read_to_string("/etc/passwd")
            .unwrap()
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .map(str::to_owned)
            .unwrap();
        assert_eq!(line.split(':').nth(2), Some(uid.to_string().as_str()));
    }

    #[test]
    fn an_end_state_saved_is_read_back_and_a_damaged_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(previous_end_state(dir.path()).is_none());
        let s = EndState {
            run_id: "r".into(),
            time: chrono::Utc::now(),
            roles: vec![],
            assignments: vec![],
        };
        save_end_state(dir.path(), &s);
        assert_eq!(previous_end_state(dir.path()), Some(s));
        std::fs::write(end_state_file(dir.path()), b"{").unwrap();
        assert!(previous_end_state(dir.path()).is_none());
    }
}
