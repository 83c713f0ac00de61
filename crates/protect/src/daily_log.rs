//! The daily log file: `rolesync.YYYY-MM-DD.log` (UTC date) in the log folder, opened for
//! appending and created private (see [`crate::create`]), a new file when the date changes, the
//! oldest removed beyond a count. It is a plain [`Write`], for a non-blocking `tracing` writer.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file name prefix: `rolesync.2026-11-27.log`.
pub const LOG_PREFIX: &str = "rolesync";

/// Appends to today's log file.
#[derive(Debug)]
pub struct DailyLog {
    dir: PathBuf,
    keep: usize,
    date: String,
    file: File,
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

impl DailyLog {
    /// The log file of `date` (`YYYY-MM-DD`) in `dir`.
    pub fn file_for(dir: &Path, date: &str) -> PathBuf {
        dir.join(format!("{LOG_PREFIX}.{date}.log"))
    }

    /// Today's log file in `dir`.
    pub fn current_file(dir: &Path) -> PathBuf {
        Self::file_for(dir, &today())
    }

    /// Opens today's file in `dir` (which must exist), keeping at most `keep` daily files.
    pub fn open(dir: &Path, keep: usize) -> std::io::Result<Self> {
        let date = today();
        let file = crate::open_append(&Self::file_for(dir, &date))?;
        let log = Self {
            dir: dir.to_path_buf(),
            keep,
            date,
            file,
        };
        log.prune();
        Ok(log)
    }

    /// Removes the oldest daily files beyond the count to keep.
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.strip_prefix(LOG_PREFIX)
                        .and_then(|r| r.strip_prefix('.'))
                        .and_then(|r| r.strip_suffix(".log"))
                        .is_some_and(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
                })
            })
            .collect();
        files.sort();
        let extra = files.len().saturating_sub(self.keep.max(1));
        for old in &files[..extra] {
            let _ = std::fs::remove_file(old);
        }
    }
}

impl Write for DailyLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let date = today();
        if date != self.date {
            self.file = crate::open_append(&Self::file_for(&self.dir, &date))?;
            self.date = date;
            self.prune();
        }
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn appends_to_todays_file_and_keeps_the_newest() {
        let t = tempfile::tempdir().unwrap();
        for d in ["2020-01-01", "2020-01-02", "2020-01-03"] {
            std::fs::write(DailyLog::file_for(t.path(), d), "old\n").unwrap();
        }
        std::fs::write(t.path().join("audit.jsonl"), "").unwrap();
        let mut log = DailyLog::open(t.path(), 2).unwrap();
        log.write_all(b"line one\n").unwrap();
        log.flush().unwrap();
        let today = DailyLog::current_file(t.path());
        assert_eq!(std::fs::read_to_string(&today).unwrap(), "line one\n");
        let mut left: Vec<String> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let today_name = today.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            left,
            vec![
                "audit.jsonl".to_string(),
                "rolesync.2020-01-03.log".into(),
                today_name
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&today).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
