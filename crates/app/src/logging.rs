//! Logging: `tracing` to a daily file in the log folder (private, kept 90 days; see
//! `rolesync_protect::DailyLog`) and to the console (stderr, so that `--json` output on stdout
//! stays clean). Every line passes [`rolesync_core::redact::clean`] first (secrets blanked,
//! control characters shown, so an AD name cannot drive the terminal), and while a run is
//! captured ([`capture`]) a copy of its lines is kept for the report mail: that run's log only.
//! On a terminal the console can keep a status line at the bottom (a sync's
//! progress, [`status_line`]): log lines are written above it, and one line per change goes to
//! the file only while it is shown.

use crate::{AppError, Settings};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
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
pub fn init(dir: &Path, level: &str, quiet: bool) -> Result<LogGuard, AppError> {
    rolesync_protect::create_dir_all(dir).map_err(|e| {
        AppError::config(format!(
            "cannot create the log folder {}: {e}; set [logging] folder to a writable folder",
            dir.display()
        ))
    })?;
    let appender = rolesync_protect::DailyLog::open(dir, 90).map_err(|e| {
        AppError::config(format!("cannot open a log file in {}: {e}", dir.display()))
    })?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let writer = Scrub {
        inner: writer,
        capture: true,
    };
    let console = Scrub {
        inner: || ConsoleWrite(Vec::new()),
        capture: false,
    };
    let file_level: LevelFilter = level.parse().unwrap_or(LevelFilter::INFO);
    let console_level = if quiet { LevelFilter::WARN } else { file_level };
    let only_ours = |meta: &tracing::Metadata<'_>| meta.target().starts_with("rolesync");
    // While a status line shows the apply's progress, a line per change would push it away.
    let console_lines = |meta: &tracing::Metadata<'_>| {
        !(meta.target() == rolesync_core::apply::CHANGE_LOG_TARGET
            && STATUS_SHOWN.load(Ordering::Relaxed))
    };
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
                .with_writer(console)
                // No colour codes: every escape character on the console is shown, not obeyed.
                .with_ansi(false)
                .with_target(false)
                .without_time()
                .compact()
                .with_filter(console_level)
                .with_filter(tracing_subscriber::filter::filter_fn(only_ours))
                .with_filter(tracing_subscriber::filter::filter_fn(console_lines)),
        )
        .try_init()
        .map_err(|e| AppError::config(format!("logging is already set up: {e}")))?;
    Ok(LogGuard {
        _guard: guard,
        dir: dir.to_path_buf(),
    })
}

/// The status line at the bottom of the console, if one is shown.
static STATUS: Mutex<Option<String>> = Mutex::new(None);
static STATUS_SHOWN: AtomicBool = AtomicBool::new(false);

fn status() -> std::sync::MutexGuard<'static, Option<String>> {
    STATUS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Overwrites `old` (the status line shown, if any) on the current console line with `new`,
/// without escape sequences (so any console takes it): carriage return, the text, spaces over
/// the rest of the old one.
fn redraw(out: &mut impl Write, old: Option<&str>, new: &str) {
    let old_len = old.map_or(0, |o| o.chars().count());
    let pad = old_len.saturating_sub(new.chars().count());
    let _ = write!(out, "\r{new}{:pad$}", "");
    if pad > 0 {
        let _ = write!(out, "\r{new}");
    }
}

/// Shows `line` as the console's status line (replacing the one shown), or removes it
/// (`None`). For a terminal only: the caller checks that stderr is one. The line must fit the
/// terminal's width.
pub fn status_line(line: Option<&str>) {
    let mut st = status();
    let mut err = std::io::stderr().lock();
    match line {
        Some(l) => redraw(&mut err, st.as_deref(), l),
        None => {
            if st.is_some() {
                redraw(&mut err, st.as_deref(), "");
                let _ = write!(err, "\r");
            }
        }
    }
    let _ = err.flush();
    *st = line.map(str::to_owned);
    STATUS_SHOWN.store(st.is_some(), Ordering::Relaxed);
}

/// One console log line: buffered, then written above the status line when one is shown.
struct ConsoleWrite(Vec<u8>);

impl Write for ConsoleWrite {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ConsoleWrite {
    fn drop(&mut self) {
        let st = status();
        let mut err = std::io::stderr().lock();
        if let Some(line) = st.as_deref() {
            redraw(&mut err, Some(line), "");
            let _ = write!(err, "\r");
        }
        let _ = err.write_all(&self.0);
        if let Some(line) = st.as_deref() {
            let _ = write!(err, "{line}");
        }
        let _ = err.flush();
    }
}

/// Starts logging for a command: the configured folder and level; the console shows only
/// warnings when `quiet`.
pub fn start(settings: &Settings, quiet: bool) -> Result<LogGuard, AppError> {
    init(&settings.log_dir(), &settings.config.logging.level, quiet)
}

/// A log writer that cleans each line ([`rolesync_core::redact::clean`]) before it goes on, and
/// keeps a copy for a running capture.
#[derive(Clone)]
struct Scrub<M> {
    inner: M,
    capture: bool,
}

impl<'a, M: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for Scrub<M>
{
    type Writer = ScrubWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        ScrubWriter {
            inner: self.inner.make_writer(),
            capture: self.capture,
        }
    }
}

struct ScrubWriter<W> {
    inner: W,
    capture: bool,
}

impl<W: Write> Write for ScrubWriter<W> {
    // The formatter writes one whole event per call.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let clean = rolesync_core::redact::clean(&String::from_utf8_lossy(buf));
        self.inner.write_all(clean.as_bytes())?;
        if self.capture {
            keep(clean.as_bytes());
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The most of one run's log kept for its mail (the whole log stays in the daily file).
pub const CAPTURE_LIMIT: usize = 16 << 20;

/// The captured lines of the run in progress, and whether some were left out.
static CAPTURED: Mutex<Option<(Vec<u8>, bool)>> = Mutex::new(None);

fn keep(line: &[u8]) {
    let mut c = CAPTURED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((buf, cut)) = c.as_mut() {
        if buf.len() + line.len() <= CAPTURE_LIMIT {
            buf.extend_from_slice(line);
        } else {
            *cut = true;
        }
    }
}

/// One run's log lines, kept from [`capture`] until the guard is dropped.
pub struct Capture(());

/// Starts keeping the log lines of the run that starts now (one run at a time: a sync holds
/// the run lock, a window runs one at a time).
pub fn capture() -> Capture {
    *CAPTURED.lock().unwrap_or_else(|e| e.into_inner()) = Some((Vec::new(), false));
    Capture(())
}

impl Capture {
    /// The lines so far, and whether the capture was cut at [`CAPTURE_LIMIT`].
    pub fn lines(&self) -> (Vec<u8>, bool) {
        CAPTURED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_default()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        *CAPTURED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
