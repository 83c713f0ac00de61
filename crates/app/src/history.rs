//! What runs leave behind in the log folder, written and read back: the JSON run report
//! (`reports/<time>-<run id>.json`), the append-only audit file (`audit.jsonl`, one JSON line per
//! change), both created private (`rolesync_protect`), and the daily log files; the history of
//! runs, the newest log's lines, and a zip of it all for support.

use crate::{App, AppError};
use chrono::{DateTime, Utc};
use rolesync_core::report::{Outcome, ReportSummary, RunMode, RunReport};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Writes the report; returns its path.
pub fn write_report(log_dir: &Path, report: &RunReport) -> anyhow::Result<PathBuf> {
    let dir = log_dir.join("reports");
    rolesync_protect::create_dir_all(&dir)?;
    let short = report.run_id.split('-').next().unwrap_or(&report.run_id);
    let path = dir.join(format!(
        "{}-{short}.json",
        report.started.format("%Y%m%dT%H%M%SZ")
    ));
    rolesync_protect::write_atomic(&path, &serde_json::to_vec_pretty(report)?)?;
    Ok(path)
}

/// Checks, before a dry run or sync reads anything, that its report can be written: the reports
/// folder exists (or is made) and takes a file.
pub fn check_reports_writable(log_dir: &Path) -> Result<(), String> {
    let dir = log_dir.join("reports");
    rolesync_protect::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    rolesync_protect::write_atomic(&probe, b"").map_err(|e| format!("{}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes the report to `path` (whole or not at all); called again after a later step, such as
/// the email, was added.
pub fn rewrite_report(path: &Path, report: &RunReport) -> anyhow::Result<()> {
    rolesync_protect::write_atomic(path, &serde_json::to_vec_pretty(report)?)?;
    Ok(())
}

/// The run reports in the log folder, newest first. Files that are not reports are left out.
pub fn list_reports(log_dir: &Path) -> Vec<(PathBuf, RunReport)> {
    let Ok(entries) = std::fs::read_dir(log_dir.join("reports")) else {
        return Vec::new();
    };
    let mut reports: Vec<(PathBuf, RunReport)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let text = std::fs::read(&p).ok()?;
            let report = serde_json::from_slice::<RunReport>(&text).ok()?;
            Some((p, report))
        })
        .collect();
    reports.sort_by_key(|r| std::cmp::Reverse(r.1.started));
    reports
}

/// The daily log files in the log folder, oldest first.
pub fn log_files(log_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(log_dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rolesync.") && n.ends_with(".log"))
        })
        .collect();
    files.sort();
    files
}

/// Writes a zip of the log files, the audit file and the run reports to `dest`; returns how many
/// files it holds.
pub fn export_zip(log_dir: &Path, dest: &Path) -> anyhow::Result<usize> {
    let mut files: Vec<(String, PathBuf)> = log_files(log_dir)
        .into_iter()
        .filter_map(|p| Some((p.file_name()?.to_str()?.to_string(), p)))
        .collect();
    let audit = log_dir.join("audit.jsonl");
    if audit.is_file() {
        files.push(("audit.jsonl".into(), audit));
    }
    for (p, _) in list_reports(log_dir) {
        if let Some(n) = p.file_name().and_then(|n| n.to_str()) {
            files.push((format!("reports/{n}"), p.clone()));
        }
    }
    let tmp = dest.with_extension("zip.tmp");
    let mut zip = zip::ZipWriter::new(rolesync_protect::create_file(&tmp)?);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, path) in &files {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(&std::fs::read(path)?)?;
    }
    zip.finish()?;
    std::fs::rename(&tmp, dest)?;
    Ok(files.len())
}

/// One run in the reports folder.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// The report file.
    pub file: String,
    /// The run id.
    pub run_id: String,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Plan, dry run or sync.
    pub mode: RunMode,
    /// How it ended.
    pub outcome: Outcome,
    /// `--force` / "apply anyway".
    pub forced: bool,
    /// The report's headline.
    pub headline: String,
    /// Totals.
    pub summary: ReportSummary,
}

impl RunSummary {
    /// The summary of a report read from `file`.
    pub fn of(file: &Path, r: &RunReport) -> Self {
        Self {
            file: file.display().to_string(),
            run_id: r.run_id.clone(),
            started: r.started,
            mode: r.mode,
            outcome: r.outcome,
            forced: r.forced,
            headline: r.headline(),
            summary: r.summary,
        }
    }
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LogLine {
    /// Timestamp as written.
    pub time: String,
    /// ERROR, WARN, INFO, DEBUG or TRACE.
    pub level: String,
    /// The message and its fields.
    pub message: String,
}

/// The newest log file's last lines.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LogView {
    /// The newest log file.
    pub file: Option<String>,
    /// Its lines (the last few thousand).
    pub lines: Vec<LogLine>,
}

/// One run in full, for the history's drill-down: its report (steps, the plan per role with
/// each change and its outcome, failures, safety stops) and the log lines written while it ran.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    /// The run in the history's words.
    pub summary: RunSummary,
    /// Its report.
    pub report: RunReport,
    /// The log lines from its start to its end (the run's own lines).
    pub log: Vec<LogLine>,
}

/// The lines of the daily logs written from `from` to `to` (a second either side).
fn lines_between(log_dir: &Path, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<LogLine> {
    let (from, to) = (
        from - chrono::Duration::seconds(1),
        to + chrono::Duration::seconds(1),
    );
    let days: Vec<String> = [
        from - chrono::Duration::days(1),
        from,
        to,
        to + chrono::Duration::days(1),
    ]
    .iter()
    .map(|d| d.format("%Y-%m-%d").to_string())
    .collect();
    let mut out = Vec::new();
    for f in log_files(log_dir) {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !days.iter().any(|d| name.contains(d.as_str())) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        out.extend(text.lines().filter_map(parse_log_line).filter(|l| {
            DateTime::parse_from_rfc3339(&l.time)
                .map(|t| t.with_timezone(&Utc))
                .is_ok_and(|t| t >= from && t <= to)
        }));
    }
    out.truncate(LOG_LINES);
    out
}

/// How many of the newest log file's lines [`App::logs`] returns.
const LOG_LINES: usize = 5000;

/// `2026-01-02T03:04:05.123456Z  INFO message key=value` → time, level, rest.
pub fn parse_log_line(line: &str) -> Option<LogLine> {
    let line = line.trim_end();
    if line.is_empty() {
        return None;
    }
    let (time, rest) = line.split_once(' ')?;
    let rest = rest.trim_start();
    let (level, message) = rest.split_once(' ').unwrap_or((rest, ""));
    Some(LogLine {
        time: time.into(),
        level: level.into(),
        message: message.trim_start().into(),
    })
}

impl App {
    /// The runs in the reports folder, newest first.
    pub fn history(&self, demo: bool) -> Result<Vec<RunSummary>, AppError> {
        let dir = self.settings(demo)?.log_dir();
        Ok(list_reports(&dir)
            .iter()
            .map(|(p, r)| RunSummary::of(p, r))
            .collect())
    }

    /// One run of the history by its id: the report and the log lines of its time.
    pub fn run_details(&self, demo: bool, run_id: &str) -> Result<RunDetails, AppError> {
        let dir = self.settings(demo)?.log_dir();
        let (file, report) = list_reports(&dir)
            .into_iter()
            .find(|(_, r)| r.run_id == run_id)
            .ok_or_else(|| {
                AppError::new(
                    crate::ErrorKind::NotFound,
                    format!(
                        "no report of run {run_id} in {}",
                        dir.join("reports").display()
                    ),
                )
            })?;
        Ok(RunDetails {
            summary: RunSummary::of(&file, &report),
            log: lines_between(&dir, report.started, report.finished),
            report,
        })
    }

    /// The latest run, from the log folder (the default one when the configuration is invalid).
    pub fn last_run(&self, demo: bool) -> Option<RunSummary> {
        list_reports(&self.log_dir(demo))
            .first()
            .map(|(p, r)| RunSummary::of(p, r))
    }

    /// The newest log file's last lines.
    pub fn logs(&self, demo: bool) -> Result<LogView, AppError> {
        let dir = self.settings(demo)?.log_dir();
        let Some(file) = log_files(&dir).pop() else {
            return Ok(LogView {
                file: None,
                lines: Vec::new(),
            });
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| AppError::io(format!("cannot read {}: {e}", file.display())))?;
        let mut lines: Vec<LogLine> = text.lines().filter_map(parse_log_line).collect();
        if lines.len() > LOG_LINES {
            lines.drain(..lines.len() - LOG_LINES);
        }
        Ok(LogView {
            file: Some(file.display().to_string()),
            lines,
        })
    }

    /// Writes a zip of the logs, the audit file and the reports to `dest`; returns how many
    /// files it holds.
    pub fn export_logs(&self, demo: bool, dest: &Path) -> Result<usize, AppError> {
        let dir = self.settings(demo)?.log_dir();
        let n = export_zip(&dir, dest)
            .map_err(|e| AppError::io(format!("cannot write {}: {e}", dest.display())))?;
        tracing::info!(file = %dest.display(), files = n, "logs exported");
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{app_in, report};

    #[test]
    fn log_lines_split_into_time_level_and_message() {
        let l = parse_log_line("2026-01-02T03:04:05.123456Z  INFO run started run_id=abc")
            .expect("parses");
        assert_eq!(l.time, "2026-01-02T03:04:05.123456Z");
        assert_eq!(l.level, "INFO");
        assert_eq!(l.message, "run started run_id=abc");
    }

    #[test]
    fn history_is_newest_first_and_the_export_holds_every_file() {
        let (home, app) = app_in();
        let logs = app.log_dir(true);
        let older = report("2026-01-01T02:30:00Z");
        let newer = report("2026-01-02T02:30:00Z");
        write_report(&logs, &older).expect("written");
        write_report(&logs, &newer).expect("written");
        std::fs::write(logs.join("reports/notes.json"), "not a report").unwrap();
        std::fs::write(
            logs.join("rolesync.2026-01-02.log"),
            "2026-01-02T02:30:00Z  INFO hello\n",
        )
        .unwrap();
        let runs = app.history(true).expect("history");
        assert_eq!(runs.len(), 2);
        // The drill-down: the report and the log lines of the run's time only.
        std::fs::write(
            logs.join("rolesync.2026-01-01.log"),
            "2026-01-01T02:29:00Z  INFO before\n2026-01-01T02:30:00.5Z  INFO during\n2026-01-01T05:00:00Z  INFO after\n",
        )
        .unwrap();
        let d = app.run_details(true, &older.run_id).expect("details");
        assert_eq!(d.report.run_id, older.run_id);
        assert_eq!(
            d.log.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(),
            ["during"]
        );
        assert_eq!(
            app.run_details(true, "nope").expect_err("unknown").code,
            crate::ErrorKind::NotFound
        );
        assert_eq!(runs[0].run_id, newer.run_id);
        assert_eq!(
            app.last_run(true).map(|r| r.run_id),
            Some(newer.run_id.clone())
        );
        let view = app.logs(true).expect("logs");
        assert_eq!(view.lines.len(), 1);
        assert_eq!(view.lines[0].message, "hello");
        let zip = home.path().join("export.zip");
        // Two reports and the two log files; the stray JSON file is not a report.
        assert_eq!(app.export_logs(true, &zip).expect("exported"), 4);
        assert!(zip.is_file());
    }
}
