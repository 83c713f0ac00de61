//! What a run writes to the Event Log: its event id and level, from the outcome, and its text —
//! the summary line, the report's path, the run id and source/target, and the error or warnings.
//! Pure: the tests and `docs/event-log.md` are checked against [`EVENTS`].
//!
//! The ids are 1000 + the exit code for the outcome (1000 applied, 1001 partial failure, 1002
//! configuration error, 1003 safety stop, 1004 read or sign-in failure, 1005 busy), and 1010 / 1020
//! for the two other exit-0 outcomes (no changes; a dry run with changes pending).

use rolesync_core::report::{Outcome, RunMode, RunReport};
use std::fmt::Write;
use std::path::Path;

/// The event's level (Event Viewer's "Level").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Information.
    Information,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

impl Level {
    /// The name Event Viewer shows.
    pub fn name(self) -> &'static str {
        match self {
            Level::Information => "Information",
            Level::Warning => "Warning",
            Level::Error => "Error",
        }
    }
}

/// One documented kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    /// Event id.
    pub id: u32,
    /// Level.
    pub level: Level,
    /// The exit code of the run that writes it.
    pub exit_code: u8,
    /// What it means.
    pub meaning: &'static str,
}

/// Every change applied.
pub const APPLIED: EventKind = EventKind {
    id: 1000,
    level: Level::Information,
    exit_code: 0,
    meaning: "changes applied",
};
/// Applied, but some changes failed.
pub const PARTIAL_FAILURE: EventKind = EventKind {
    id: 1001,
    level: Level::Warning,
    exit_code: 1,
    meaning: "changes applied, but some failed (see the report)",
};
/// The configuration (or the command line) is wrong.
pub const CONFIG_ERROR: EventKind = EventKind {
    id: 1002,
    level: Level::Error,
    exit_code: 2,
    meaning: "configuration or usage error; nothing was read or changed",
};
/// Stopped by a safety limit, or held for approval; nothing changed.
pub const STOPPED: EventKind = EventKind {
    id: 1003,
    level: Level::Warning,
    exit_code: 3,
    meaning: "stopped by a safety limit or held for approval; nothing changed",
};
/// The directory or Entra ID could not be read, or sign-in failed.
pub const READ_FAILED: EventKind = EventKind {
    id: 1004,
    level: Level::Error,
    exit_code: 4,
    meaning: "Active Directory or Entra ID could not be read, or sign-in failed; nothing changed",
};
/// Another run was applying changes.
pub const BUSY: EventKind = EventKind {
    id: 1005,
    level: Level::Warning,
    exit_code: 5,
    meaning: "another run was applying changes; this run changed nothing",
};
/// Nothing needed changing.
pub const NO_CHANGES: EventKind = EventKind {
    id: 1010,
    level: Level::Information,
    exit_code: 0,
    meaning: "no changes needed",
};
/// A dry run with changes pending.
pub const PLANNED: EventKind = EventKind {
    id: 1020,
    level: Level::Information,
    exit_code: 0,
    meaning: "dry run: changes planned, none applied",
};

/// Every event RoleSync writes (the table in `docs/event-log.md`, the messages in
/// `installer/rolesync-messages.mc`).
pub const EVENTS: [EventKind; 8] = [
    APPLIED,
    PARTIAL_FAILURE,
    CONFIG_ERROR,
    STOPPED,
    READ_FAILED,
    BUSY,
    NO_CHANGES,
    PLANNED,
];

/// The Event Log keeps at most 31,839 characters per string; the text is cut below that.
pub const MAX_TEXT: usize = 31_000;

/// One event to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEvent {
    /// Id and level.
    pub kind: EventKind,
    /// The text: the summary line first.
    pub text: String,
}

/// The event of a run that ended without a report, by its exit code.
pub fn kind_for_exit(exit_code: u8) -> EventKind {
    match exit_code {
        0 => APPLIED,
        1 => PARTIAL_FAILURE,
        2 => CONFIG_ERROR,
        3 => STOPPED,
        5 => BUSY,
        _ => READ_FAILED,
    }
}

fn command(mode: RunMode, forced: bool, demo: bool) -> String {
    let mut c = String::from(match mode {
        RunMode::DryRun => "sync --dry-run",
        RunMode::Plan => "plan",
        RunMode::Apply => "sync",
    });
    if forced {
        c.push_str(" --force");
    }
    if demo {
        c.push_str(" --demo");
    }
    c
}

/// Windows line ends (messages from elsewhere may carry bare `\n`), cut below [`MAX_TEXT`].
fn cut(text: String) -> String {
    let mut text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("\n… (cut; the report has everything)");
    }
    text
}

/// The event of a run that wrote a report (`report_file`: where, when it was written).
pub fn for_report(report: &RunReport, report_file: Option<&Path>, demo: bool) -> RunEvent {
    let kind = match report.outcome {
        Outcome::Applied => APPLIED,
        Outcome::AppliedWithFailures => PARTIAL_FAILURE,
        Outcome::Stopped | Outcome::PendingApproval => STOPPED,
        Outcome::ReadFailed => READ_FAILED,
        Outcome::NoChanges => NO_CHANGES,
        Outcome::Planned => PLANNED,
    };
    let mut t = format!(
        "RoleSync {}: {} (exit {})\r\n",
        command(report.mode, report.forced, demo),
        report.headline(),
        report.exit_code
    );
    match report_file {
        Some(p) => {
            let _ = write!(t, "Report: {}\r\n", p.display());
        }
        None => t.push_str("Report: not written (see the log file)\r\n"),
    }
    if let Some(e) = &report.error {
        let _ = write!(t, "Error: {e}\r\n");
    }
    for s in &report.stops {
        let _ = write!(t, "Safety stop: {}\r\n", s.message);
    }
    for w in &report.warnings {
        let _ = write!(t, "Warning: {w}\r\n");
    }
    let _ = write!(
        t,
        "Run id: {}\r\nSource: {}\r\nTarget: {}\r\n",
        report.run_id, report.source, report.target
    );
    RunEvent { kind, text: cut(t) }
}

/// The event of a `sync` that ended before it had a report: a configuration error, another run
/// holding the lock, a sign-in that failed before reading.
pub fn for_failure(exit_code: u8, message: &str, mode: RunMode, demo: bool) -> RunEvent {
    let kind = kind_for_exit(exit_code);
    RunEvent {
        kind,
        text: cut(format!(
            "RoleSync {}: {message} (exit {exit_code})\r\nReport: none (the run ended before it had one; see the log file)\r\n",
            command(mode, false, demo)
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rolesync_core::plan::{SafetyStop, StopKind};
    use rolesync_core::report::ReportSummary;

    fn report(outcome: Outcome, mode: RunMode) -> RunReport {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-27T02:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        RunReport {
            run_id: "4f7c2a9e-0000-4000-8000-000000000001".into(),
            started: t,
            finished: t,
            mode,
            forced: false,
            outcome,
            exit_code: outcome.exit_code(),
            source: "ldaps://dc1.contoso.com".into(),
            target: "Microsoft Graph https://graph.microsoft.com (contoso.com)".into(),
            steps: vec![],
            summary: ReportSummary {
                granted: 3,
                revoked: 1,
                unchanged: 10,
                skipped: 2,
                failed: 0,
                ..Default::default()
            },
            roles: vec![],
            unmapped_groups: vec![],
            skipped_mappings: Vec::new(),
            stops: vec![],
            error: None,
            error_kind: None,
            warnings: vec![],
            exposure: None,
            drift: vec![],
            approval: None,
        }
    }

    #[test]
    fn every_outcome_has_its_id_and_level() {
        let table = [
            (Outcome::Applied, RunMode::Apply, 1000, Level::Information),
            (
                Outcome::AppliedWithFailures,
                RunMode::Apply,
                1001,
                Level::Warning,
            ),
            (Outcome::Stopped, RunMode::Apply, 1003, Level::Warning),
            (Outcome::ReadFailed, RunMode::Apply, 1004, Level::Error),
            (Outcome::NoChanges, RunMode::Apply, 1010, Level::Information),
            (
                Outcome::NoChanges,
                RunMode::DryRun,
                1010,
                Level::Information,
            ),
            (Outcome::Planned, RunMode::DryRun, 1020, Level::Information),
        ];
        for (outcome, mode, id, level) in table {
            let e = for_report(&report(outcome, mode), None, false);
            assert_eq!((e.kind.id, e.kind.level), (id, level), "{outcome:?}");
            assert_eq!(e.kind.exit_code, outcome.exit_code(), "{outcome:?}");
        }
    }

    #[test]
    fn the_text_carries_the_summary_line_and_the_report_path() {
        let mut r = report(Outcome::Applied, RunMode::Apply);
        r.warnings
            .push("the configuration folder C:\\ProgramData\\RoleSync can be changed by BUILTIN\\Users (S-1-5-32-545)".into());
        let e = for_report(
            &r,
            Some(Path::new(
                r"C:\ProgramData\RoleSync\logs\reports\20261127T023000Z-4f7c2a9e.json",
            )),
            false,
        );
        assert_eq!(
            e.text,
            "RoleSync sync: 3 granted, 1 revoked (exit 0)\r\n\
             Report: C:\\ProgramData\\RoleSync\\logs\\reports\\20261127T023000Z-4f7c2a9e.json\r\n\
             Warning: the configuration folder C:\\ProgramData\\RoleSync can be changed by BUILTIN\\Users (S-1-5-32-545)\r\n\
             Run id: 4f7c2a9e-0000-4000-8000-000000000001\r\n\
             Source: ldaps://dc1.contoso.com\r\n\
             Target: Microsoft Graph https://graph.microsoft.com (contoso.com)\r\n"
        );
    }

    #[test]
    fn a_safety_stop_names_the_stop_and_a_read_failure_its_error() {
        let mut r = report(Outcome::Stopped, RunMode::Apply);
        r.forced = false;
        r.stops.push(SafetyStop {
            kind: StopKind::RevokeLimit {
                revokes: 12,
                managed: 20,
            },
            role: Some("Exchange Administrator".into()),
            message: "12 revokes exceed the limit".into(),
            overridable: true,
        });
        let e = for_report(&r, None, true);
        assert!(
            e.text.starts_with(
                "RoleSync sync --demo: stopped by a safety limit (1 stop(s)), nothing changed (exit 3)\r\nReport: not written"
            ),
            "{}",
            e.text
        );
        assert!(e
            .text
            .contains("Safety stop: 12 revokes exceed the limit\r\n"));
        let mut r = report(Outcome::ReadFailed, RunMode::DryRun);
        r.error = Some("sign-in failed: AADSTS7000215".into());
        let e = for_report(&r, None, false);
        assert!(e
            .text
            .starts_with("RoleSync sync --dry-run: could not read"));
        assert!(e.text.contains("Error: sign-in failed: AADSTS7000215\r\n"));
    }

    #[test]
    fn every_line_ends_the_windows_way() {
        let e = for_failure(
            2,
            "the configuration has 1 problem:\n  C:\\ProgramData\\RoleSync\\rolesync.toml:57:1: `max_revoke`",
            RunMode::Apply,
            false,
        );
        assert_eq!(e.text.matches('\n').count(), e.text.matches("\r\n").count());
        assert!(e.text.contains("problem:\r\n  C:"), "{}", e.text);
    }

    #[test]
    fn failures_without_a_report_map_by_exit_code() {
        let busy = for_failure(
            5,
            "another RoleSync run is applying changes",
            RunMode::Apply,
            false,
        );
        assert_eq!((busy.kind.id, busy.kind.level), (1005, Level::Warning));
        assert!(busy
            .text
            .starts_with("RoleSync sync: another RoleSync run is applying changes (exit 5)\r\n"));
        assert_eq!(
            for_failure(2, "bad", RunMode::Apply, false).kind,
            CONFIG_ERROR
        );
        assert_eq!(
            for_failure(4, "no credential", RunMode::DryRun, false).kind,
            READ_FAILED
        );
        for k in EVENTS {
            if k.id < 1010 {
                assert_eq!(kind_for_exit(k.exit_code), k, "{k:?}");
            }
        }
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        let msg = "é".repeat(MAX_TEXT);
        let e = for_failure(4, &msg, RunMode::Apply, false);
        assert!(e.text.len() < MAX_TEXT + 100);
        assert!(e.text.ends_with("(cut; the report has everything)"));
    }

    #[test]
    fn ids_are_unique_and_documented_in_the_docs_and_the_message_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let docs = std::fs::read_to_string(root.join("docs/event-log.md")).unwrap();
        let mc = std::fs::read_to_string(root.join("installer/rolesync-messages.mc")).unwrap();
        let mut ids: Vec<u32> = EVENTS.iter().map(|k| k.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), EVENTS.len());
        for k in EVENTS {
            let row = format!("| {} | {} | {} |", k.id, k.level.name(), k.exit_code);
            assert!(
                docs.contains(&row),
                "docs/event-log.md has no row starting {row}"
            );
            assert!(
                mc.contains(&format!("MessageId={}\n", k.id)),
                "installer/rolesync-messages.mc has no MessageId={}",
                k.id
            );
        }
        let in_mc = mc.matches("MessageId=").count();
        assert_eq!(in_mc, EVENTS.len(), "the message file has other ids");
    }
}
