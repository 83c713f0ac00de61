//! What a run leaves behind: the JSON run report (`reports/<time>-<run id>.json`) and the
//! append-only audit file (`audit.jsonl`, one JSON line per change) in the log folder.

use rolesync_core::apply::AppliedChange;
use rolesync_core::report::{audit_records, RunReport};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes the report; returns its path.
pub fn write_report(log_dir: &Path, report: &RunReport) -> anyhow::Result<PathBuf> {
    let dir = log_dir.join("reports");
    std::fs::create_dir_all(&dir)?;
    let short = report.run_id.split('-').next().unwrap_or(&report.run_id);
    let path = dir.join(format!(
        "{}-{short}.json",
        report.started.format("%Y%m%dT%H%M%SZ")
    ));
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(report)?)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Writes the report to `path` (whole or not at all); called again after a later step, such as
/// the email, was added.
pub fn rewrite_report(path: &Path, report: &RunReport) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(report)?)?;
    std::fs::rename(&tmp, path)?;
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
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    f.write_all(lines.as_bytes())?;
    f.sync_data()?;
    Ok(path)
}
