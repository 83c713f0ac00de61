//! Logging: `tracing` to a daily file in the log folder (private, kept 90 days; see
//! `rolesync_protect::DailyLog`) and to the console (stderr, so that `--json` output on stdout
//! stays clean).

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Keeps the file writer alive; dropping it flushes the log.
pub struct LogGuard {
    _guard: WorkerGuard,
    dir: PathBuf,
}

impl LogGuard {
    /// Today's log file.
    pub fn current_file(&self) -> PathBuf {
        current_file(&self.dir)
    }
}

/// Today's log file in `dir` (UTC date, as the appender names it).
pub fn current_file(dir: &Path) -> PathBuf {
    rolesync_protect::DailyLog::current_file(dir)
}

/// Starts logging. `level` is the configured level for the file; the console shows the same level,
/// or only warnings when `quiet`.
pub fn init(dir: &Path, level: &str, quiet: bool) -> anyhow::Result<LogGuard> {
    rolesync_protect::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the log folder {}: {e}; set [logging] folder to a writable folder",
            dir.display()
        )
    })?;
    let appender = rolesync_protect::DailyLog::open(dir, 90)
        .map_err(|e| anyhow::anyhow!("cannot open a log file in {}: {e}", dir.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let file_level: LevelFilter = level.parse().unwrap_or(LevelFilter::INFO);
    let console_level = if quiet { LevelFilter::WARN } else { file_level };
    let only_ours = |meta: &tracing::Metadata<'_>| meta.target().starts_with("rolesync");
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_target(false)
                .with_filter(file_level)
                .with_filter(tracing_subscriber::filter::filter_fn(only_ours)),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_target(false)
                .without_time()
                .compact()
                .with_filter(console_level)
                .with_filter(tracing_subscriber::filter::filter_fn(only_ours)),
        )
        .try_init()
        .map_err(|e| anyhow::anyhow!("logging is already set up: {e}"))?;
    Ok(LogGuard {
        _guard: guard,
        dir: dir.to_path_buf(),
    })
}
