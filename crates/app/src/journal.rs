//! The write-ahead audit journal on disk ([`rolesync_core::journal::Journal`]): every record goes
//! to `audit.jsonl` in the log folder (the permanent, append-only audit) and, while a sync runs,
//! to `journal/<run id>.jsonl` (what that run intended and what it settled). Each write is
//! flushed to disk (`sync_data`) before the call returns, so an intent is on disk before its
//! change is sent. A sync that finishes removes its journal file; one that dies leaves it, and
//! the next sync checks its open intents against the tenant, records what it finds in the audit,
//! and removes it. Both files are private to the account (rolesync-protect).

use rolesync_core::apply::AppliedChange;
use rolesync_core::journal::{Found, Intent, Journal, Reconciled};
use rolesync_core::plan::Change;
use rolesync_core::report::{audit_records, AuditRecord};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// One line of a run's journal file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "event")]
enum Line {
    Intended { change: Change },
    Settled { change: Change },
}

/// The journal in a log folder.
#[derive(Debug, Clone)]
pub struct FileJournal {
    audit: PathBuf,
    dir: PathBuf,
    mark: Mark,
}

/// What every audit line of a run says besides the change: who approved the held plan it
/// applies, or which run it undoes.
#[derive(Debug, Clone, Default)]
pub struct Mark {
    /// Who approved (the OS account, and the Entra admin when one signed in).
    pub approved_by: Option<String>,
    /// The held plan applied.
    pub held_plan: Option<String>,
    /// The run undone.
    pub undo_of: Option<String>,
}

/// Why the journal cannot be used: the file and the OS's reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the audit file {path} cannot be written: {reason}")]
pub struct JournalError {
    /// The file or folder.
    pub path: PathBuf,
    /// The OS's words.
    pub reason: String,
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = rolesync_protect::open_append(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_data()
}

fn lines<T: Serialize>(items: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    for i in items {
        if let Ok(l) = serde_json::to_string(&i) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

impl FileJournal {
    /// The journal of `log_dir`, checked writable now — before a sync reads or changes anything.
    pub fn open(log_dir: &Path) -> Result<FileJournal, JournalError> {
        let j = FileJournal {
            audit: log_dir.join("audit.jsonl"),
            dir: log_dir.join("journal"),
            mark: Mark::default(),
        };
        let err = |path: &Path, e: std::io::Error| JournalError {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        rolesync_protect::create_dir_all(&j.dir).map_err(|e| err(&j.dir, e))?;
        rolesync_protect::open_append(&j.audit).map_err(|e| err(&j.audit, e))?;
        Ok(j)
    }

    /// This journal with every audit line marked.
    pub fn marked(mut self, mark: Mark) -> Self {
        self.mark = mark;
        self
    }

    /// The audit file.
    pub fn audit_file(&self) -> &Path {
        &self.audit
    }

    fn run_file(&self, run_id: &str) -> PathBuf {
        let safe: String = run_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        self.dir.join(format!("{safe}.jsonl"))
    }

    fn write(&self, run_id: &str, journal: &[Line], audit: &[AuditRecord]) -> Result<(), String> {
        let audit: Vec<AuditRecord> = audit
            .iter()
            .cloned()
            .map(|mut r| {
                r.approved_by = self.mark.approved_by.clone();
                r.held_plan = self.mark.held_plan.clone();
                r.undo_of = self.mark.undo_of.clone();
                r
            })
            .collect();
        let audit = audit.as_slice();
        // The run's journal first: an intent that reached it is reconciled even if the audit
        // write below fails (then nothing was sent, and the next sync finds it not in effect).
        append(&self.run_file(run_id), &lines(journal))
            .map_err(|e| format!("{}: {e}", self.run_file(run_id).display()))?;
        append(&self.audit, &lines(audit)).map_err(|e| format!("{}: {e}", self.audit.display()))
    }

    /// The intents of one run's file that it never settled.
    fn open_intents(path: &Path) -> Vec<Change> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut open: Vec<Change> = Vec::new();
        // A torn last line (a crash mid-write) is skipped: its call never returned, so nothing
        // it covered was sent.
        for l in text
            .lines()
            .filter_map(|l| serde_json::from_str::<Line>(l).ok())
        {
            match l {
                Line::Intended { change } => open.push(change),
                Line::Settled { change } => {
                    if let Some(i) = open.iter().position(|c| *c == change) {
                        open.remove(i);
                    }
                }
            }
        }
        open
    }
}

impl Journal for FileJournal {
    fn intend(&self, run_id: &str, changes: &[Change]) -> Result<(), String> {
        let now = chrono::Utc::now();
        let journal: Vec<Line> = changes
            .iter()
            .map(|c| Line::Intended { change: c.clone() })
            .collect();
        let audit: Vec<AuditRecord> = changes
            .iter()
            .map(|c| AuditRecord::of(run_id, now, c, "intended"))
            .collect();
        self.write(run_id, &journal, &audit)
    }

    fn settle(&self, run_id: &str, applied: &[AppliedChange]) -> Result<(), String> {
        let journal: Vec<Line> = applied
            .iter()
            .map(|a| Line::Settled {
                change: a.change.clone(),
            })
            .collect();
        let audit = audit_records(run_id, chrono::Utc::now(), applied);
        self.write(run_id, &journal, &audit)
    }

    fn close(&self, run_id: &str) -> Result<(), String> {
        let file = self.run_file(run_id);
        if file.exists() && Self::open_intents(&file).is_empty() {
            std::fs::remove_file(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        Ok(())
    }

    fn unsettled(&self) -> Result<Vec<Intent>, String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(Vec::new());
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .map(|p| {
                let t = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (t, p)
            })
            .collect();
        files.sort();
        Ok(files
            .into_iter()
            .flat_map(|(_, p)| {
                let run_id = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Self::open_intents(&p)
                    .into_iter()
                    .map(move |change| Intent {
                        run_id: run_id.clone(),
                        change,
                    })
            })
            .collect())
    }

    fn reconcile(&self, by_run: &str, results: &[Reconciled]) -> Result<(), String> {
        let now = chrono::Utc::now();
        let audit: Vec<AuditRecord> = results
            .iter()
            .map(|r| {
                let word = match r.found {
                    Found::InEffect => "inEffect",
                    Found::NotInEffect => "notInEffect",
                    Found::Unknown => "unknown",
                };
                let mut a = AuditRecord::of(by_run, now, &r.intent.change, word);
                a.intended_by = Some(r.intent.run_id.clone());
                a.detail = Some(format!(
                    "sent by run {} before it was interrupted; checked against the tenant by run {by_run}",
                    r.intent.run_id
                ));
                a
            })
            .collect();
        append(&self.audit, &lines(audit)).map_err(|e| format!("{}: {e}", self.audit.display()))?;
        let mut runs: Vec<&str> = results.iter().map(|r| r.intent.run_id.as_str()).collect();
        runs.sort_unstable();
        runs.dedup();
        for run in runs {
            let settled: Vec<Line> = results
                .iter()
                .filter(|r| r.intent.run_id == run)
                .map(|r| Line::Settled {
                    change: r.intent.change.clone(),
                })
                .collect();
            let file = self.run_file(run);
            append(&file, &lines(settled)).map_err(|e| format!("{}: {e}", file.display()))?;
            self.close(run)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolesync_core::ids::{EntraObjectId, RoleDefinitionId};
    use rolesync_core::plan::{Action, ChangeReason, MatchedBy};
    use rolesync_core::tenant::AssignmentKind;
    use rolesync_core::traits::ChangeOutcome;

    fn change(user: &str) -> Change {
        Change {
            action: Action::Grant,
            kind: AssignmentKind::Active,
            role_id: RoleDefinitionId::new("r"),
            directory_scope_id: Default::default(),
            role_name: "Role".into(),
            principal_id: EntraObjectId::new(user),
            user: user.into(),
            assignment_id: None,
            reason: ChangeReason::MemberOfGroup {
                matched_by: MatchedBy::SourceAnchor,
            },
            pim: None,
        }
    }

    #[test]
    fn intents_are_on_disk_before_the_call_returns_and_a_settled_run_leaves_nothing_open() {
        let dir = tempfile::tempdir().unwrap();
        let j = FileJournal::open(dir.path()).unwrap();
        j.intend("run1", &[change("a"), change("b")]).unwrap();
        let audit = std::fs::read_to_string(j.audit_file()).unwrap();
        assert_eq!(audit.matches("\"result\":\"intended\"").count(), 2);
        assert_eq!(j.unsettled().unwrap().len(), 2);
        j.settle(
            "run1",
            &[AppliedChange {
                change: change("a"),
                outcome: ChangeOutcome::Done,
            }],
        )
        .unwrap();
        let open = j.unsettled().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].change.user, "b");
        j.reconcile(
            "run2",
            &[Reconciled {
                intent: open[0].clone(),
                found: Found::InEffect,
            }],
        )
        .unwrap();
        assert!(j.unsettled().unwrap().is_empty());
        assert!(
            !j.run_file("run1").exists(),
            "the settled run's file is removed"
        );
        let audit = std::fs::read_to_string(j.audit_file()).unwrap();
        assert!(
            audit.contains("\"result\":\"inEffect\"") && audit.contains("\"intendedBy\":\"run1\""),
            "{audit}"
        );
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "x").unwrap();
        let e = FileJournal::open(&file).unwrap_err();
        assert!(e.path.starts_with(&file), "{e}");
    }
}
