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
use rolesync_core::report::AuditRecord;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};

/// One line of a run's journal file: read as `Line<Change>`, written as `Line<&Change>` (the
/// same JSON, without copying the change).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "event")]
enum Line<C = Change> {
    Intended { change: C },
    Settled { change: C },
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

/// Appends one JSON line per item and makes it durable. The lines are serialized one at a time
/// into a buffer that is written out only at line ends, so a phase of thousands of changes costs
/// no copy of them and no text of them all at once, and every `write` the OS sees holds whole
/// lines.
fn append<T: Serialize>(path: &Path, items: impl IntoIterator<Item = T>) -> std::io::Result<()> {
    let mut out =
        std::io::BufWriter::with_capacity(64 * 1024, rolesync_protect::open_append(path)?);
    let mut line = Vec::with_capacity(1024);
    for item in items {
        line.clear();
        serde_json::to_writer(&mut line, &item)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_data()
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

    /// Records one phase: its lines in the run's journal, then its lines in the audit (each
    /// with this journal's mark).
    fn write<'a>(
        &self,
        run_id: &str,
        journal: impl Iterator<Item = Line<&'a Change>>,
        audit: impl Iterator<Item = AuditRecord>,
    ) -> Result<(), String> {
        let audit = audit.map(|mut r| {
            r.approved_by.clone_from(&self.mark.approved_by);
            r.held_plan.clone_from(&self.mark.held_plan);
            r.undo_of.clone_from(&self.mark.undo_of);
            r
        });
        // The run's journal first: an intent that reached it is reconciled even if the audit
        // write below fails (then nothing was sent, and the next sync finds it not in effect).
        let file = self.run_file(run_id);
        append(&file, journal).map_err(|e| format!("{}: {e}", file.display()))?;
        append(&self.audit, audit).map_err(|e| format!("{}: {e}", self.audit.display()))
    }

    /// The lines of a run's file that can be read, each with its change's digest. A torn last
    /// line (a crash mid-write) is skipped: its call never returned, so nothing it covered was
    /// sent.
    fn read_lines(path: &Path) -> impl Iterator<Item = (Line, u128)> {
        let file = std::fs::File::open(path).ok();
        file.into_iter().flat_map(|f| {
            std::io::BufReader::new(f)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| serde_json::from_str::<Line>(&l).ok())
                .filter_map(|l| {
                    let (Line::Intended { change } | Line::Settled { change }) = &l;
                    let d = digest(change)?;
                    Some((l, d))
                })
        })
    }

    /// The intents of one run's file that it never settled, in the order they were intended.
    /// The file is read a line at a time, and an intent is known by its change's digest: a run
    /// of thousands of changes is checked with neither its file nor its changes in memory. Only
    /// when some intent is open is the file read a second time, for those changes.
    fn open_intents(path: &Path) -> Vec<Change> {
        let mut open: HashMap<u128, usize> = HashMap::new();
        for (l, d) in Self::read_lines(path) {
            match l {
                Line::Intended { .. } => *open.entry(d).or_default() += 1,
                Line::Settled { .. } => {
                    if let Some(n) = open.get_mut(&d) {
                        *n = n.saturating_sub(1);
                    }
                }
            }
        }
        if open.values().all(|n| *n == 0) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (l, d) in Self::read_lines(path) {
            if let Line::Intended { change } = l {
                if let Some(n) = open.get_mut(&d).filter(|n| **n > 0) {
                    *n -= 1;
                    out.push(change);
                }
            }
        }
        out
    }
}

/// A change's identity within one process: a 128-bit digest of its JSON (two SipHashes with
/// different prefixes; a collision among a run's changes is not a practical concern).
fn digest(change: &Change) -> Option<u128> {
    use std::hash::{DefaultHasher, Hasher as _};
    let json = serde_json::to_vec(change).ok()?;
    let half = |prefix: u8| {
        let mut h = DefaultHasher::new();
        h.write_u8(prefix);
        h.write(&json);
        h.finish()
    };
    Some(((half(0) as u128) << 64) | half(1) as u128)
}

impl Journal for FileJournal {
    fn intend(&self, run_id: &str, changes: &[Change]) -> Result<(), String> {
        let now = chrono::Utc::now();
        self.write(
            run_id,
            changes.iter().map(|change| Line::Intended { change }),
            changes
                .iter()
                .map(|c| AuditRecord::of(run_id, now, c, "intended")),
        )
    }

    fn settle(&self, run_id: &str, applied: &[AppliedChange]) -> Result<(), String> {
        let now = chrono::Utc::now();
        self.write(
            run_id,
            applied.iter().map(|a| Line::Settled { change: &a.change }),
            applied
                .iter()
                .map(|a| AuditRecord::of_applied(run_id, now, a)),
        )
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
        let audit = results.iter().map(|r| {
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
        });
        append(&self.audit, audit).map_err(|e| format!("{}: {e}", self.audit.display()))?;
        let mut runs: Vec<&str> = results.iter().map(|r| r.intent.run_id.as_str()).collect();
        runs.sort_unstable();
        runs.dedup();
        for run in runs {
            let settled =
                results
                    .iter()
                    .filter(|r| r.intent.run_id == run)
                    .map(|r| Line::Settled {
                        change: &r.intent.change,
                    });
            let file = self.run_file(run);
            append(&file, settled).map_err(|e| format!("{}: {e}", file.display()))?;
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
    fn open_intents_are_counted_per_change_in_the_order_intended_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let j = FileJournal::open(dir.path()).unwrap();
        // The same change intended twice (a phase sent again) and settled once stays open once.
        j.intend(
            "run1",
            &[change("c"), change("a"), change("b"), change("a")],
        )
        .unwrap();
        let done = |u: &str| AppliedChange {
            change: change(u),
            outcome: ChangeOutcome::Done,
        };
        j.settle("run1", &[done("a"), done("b"), done("x")])
            .unwrap();
        let mut f = rolesync_protect::open_append(&j.run_file("run1")).unwrap();
        f.write_all(b"{\"event\":\"settled\",\"change\":{\"act")
            .unwrap();
        let users: Vec<String> = j
            .unsettled()
            .unwrap()
            .into_iter()
            .map(|i| i.change.user)
            .collect();
        assert_eq!(users, ["c", "a"]);
        // The lines are one JSON object each, as before the journal wrote them streaming.
        let text = std::fs::read_to_string(j.run_file("run1")).unwrap();
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["event"], "intended");
        assert_eq!(first["change"]["user"], "c");
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
