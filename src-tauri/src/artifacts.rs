//! What a run leaves behind: the JSON run report (`reports/<time>-<run id>.json`) and the
//! append-only audit file (`audit.jsonl`, one JSON line per change) in the log folder, created
//! private (`rolesync_protect`).

use rolesync_core::apply::AppliedChange;
use rolesync_core::report::{audit_records, RunReport};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Writes the report to `path` (whole or not at all); called again after a later step, such as
/// the email, was added.
pub fn rewrite_report(path: &Path, report: &RunReport) -> anyhow::Result<()> {
    rolesync_protect::write_atomic(path, &serde_json::to_vec_pretty(report)?)?;
    Ok(())
}

/// Appends one audit line per applied change.
pub fn append_audit(
    log_dir: &Path,
    report: &RunReport,
    applied: &[AppliedChange],
) -> anyhow::Result<PathBuf> {
    let path = log_dir.join("audit.jsonl");
    if applied.is_empty() {
        return Ok(path);
    }
    let mut lines = String::new();
    for r in audit_records(&report.run_id, report.finished, applied) {
        lines.push_str(&serde_json::to_string(&r)?);
        lines.push('\n');
    }
    let mut f = rolesync_protect::open_append(&path)?;
    f.write_all(lines.as_bytes())?;
    f.sync_data()?;
    Ok(path)
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
