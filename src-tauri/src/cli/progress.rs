//! A run's progress on the console. On a terminal, while a sync applies its changes, one line
//! at the bottom is redrawn in place: a bar, the counts, "waiting for Graph's write budget,
//! resumes in N s" while the budget holds changes back, and the time left (the pacer's
//! estimate). Without a terminal (a scheduler, a pipe) and in the log file, a plain line at each
//! tenth of the changes, when changes start to wait, and at least every 30 s. The events are
//! logged as before.

use rolesync_app::messages::log_event;
use rolesync_core::events::{Observer, Step, SyncEvent, WaitReason, Waiting};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Plain progress lines at least this often while changes are applied.
const PLAIN_EVERY: Duration = Duration::from_secs(30);
/// The status line is redrawn at most this often.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// The console's observer of a run.
pub struct ConsoleProgress {
    /// Draw the status line (stderr is a terminal, and neither `--quiet` nor `--json`).
    live: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    drawn: Option<Instant>,
    logged: Option<Instant>,
    /// When a plain line last said that changes wait.
    wait_logged: Option<Instant>,
    tenth: usize,
}

/// Where an apply stands, as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status {
    /// Changes finished.
    pub done: usize,
    /// Changes in all.
    pub total: usize,
    /// Estimated time left.
    pub eta: Option<Duration>,
    /// Changes held back.
    pub waiting: Option<Waiting>,
}

impl ConsoleProgress {
    /// The observer for a command; `quiet` (also `--json`) keeps the status line off.
    pub fn new(quiet: bool) -> Self {
        ConsoleProgress {
            live: !quiet && std::io::stderr().is_terminal(),
            state: Mutex::new(State::default()),
        }
    }

    fn apply(&self, s: Status) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let tenth = (s.done * 10).checked_div(s.total).unwrap_or(10);
        let due = st
            .logged
            .is_none_or(|t| now.duration_since(t) >= PLAIN_EVERY);
        // A wait gets its line when it starts (and, as any line, at least every 30 s after).
        let wait_news = s.waiting.is_some()
            && st
                .wait_logged
                .is_none_or(|t| now.duration_since(t) >= PLAIN_EVERY);
        if tenth > st.tenth || due || wait_news {
            st.tenth = st.tenth.max(tenth);
            st.logged = Some(now);
            if s.waiting.is_some() {
                st.wait_logged = Some(now);
            }
            tracing::info!(done = s.done, total = s.total, "{}", plain_line(&s));
        }
        if self.live
            && (s.done == s.total
                || st
                    .drawn
                    .is_none_or(|t| now.duration_since(t) >= REDRAW_EVERY))
        {
            st.drawn = Some(now);
            rolesync_app::logging::status_line(Some(&status_line(&s, width())));
        }
    }

    fn end(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.live && st.drawn.take().is_some() {
            rolesync_app::logging::status_line(None);
        }
        *st = State::default();
    }
}

impl Observer for ConsoleProgress {
    fn event(&self, event: SyncEvent) {
        log_event(&event);
        match event {
            SyncEvent::ApplyProgress {
                done,
                total,
                eta_ms,
                waiting,
            } => self.apply(Status {
                done,
                total,
                eta: eta_ms.map(Duration::from_millis),
                waiting,
            }),
            SyncEvent::StepFinished {
                step: Step::Apply, ..
            } => self.end(),
            _ => {}
        }
    }
}

impl Drop for ConsoleProgress {
    fn drop(&mut self) {
        self.end();
    }
}

/// `12,345`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `45 s`, `9 min`, `1 h 5 min`.
pub fn duration_words(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0..90 => format!("{s} s"),
        90..3_600 => format!("{} min", (s + 30) / 60),
        _ => format!("{} h {} min", s / 3_600, (s % 3_600 + 30) / 60),
    }
}

/// "waiting for Graph's write budget, resumes in 3 s".
pub fn waiting_words(w: &Waiting) -> String {
    let what = match w.reason {
        WaitReason::WriteBudget => "waiting for Graph's write budget",
        WaitReason::ReadBudget => "waiting for Graph's read budget",
        WaitReason::Throttled => "Graph asked to wait (429)",
        WaitReason::Retry => "retrying after an error",
    };
    let secs = Duration::from_millis(w.resume_in_ms).as_secs_f64().ceil() as u64;
    format!("{what}, resumes in {} s", secs.max(1))
}

/// The plain line: `apply: 4,210 of 15,000 changes (28 %), waiting for Graph's write budget,
/// resumes in 1 s; about 54 s left`.
pub fn plain_line(s: &Status) -> String {
    let pct = (s.done * 100).checked_div(s.total).unwrap_or(100);
    let mut line = format!(
        "apply: {} of {} changes ({pct} %)",
        thousands(s.done),
        thousands(s.total)
    );
    if let Some(w) = &s.waiting {
        line.push_str(", ");
        line.push_str(&waiting_words(w));
    }
    if let (Some(eta), true) = (s.eta, s.done < s.total) {
        line.push_str(&format!("; about {} left", duration_words(eta)));
    }
    line
}

/// The status line, fitted to `width` columns: `[#####-----] 4,210/15,000 waiting for Graph's
/// write budget, resumes in 1 s · ~54 s left`; the bar shrinks (down to nothing) first, then
/// the wait and the time left are dropped.
pub fn status_line(s: &Status, width: usize) -> String {
    let counts = format!("{}/{}", thousands(s.done), thousands(s.total));
    let wait = s.waiting.as_ref().map(waiting_words);
    let eta = s
        .eta
        .filter(|_| s.done < s.total)
        .map(|e| format!("~{} left", duration_words(e)));
    let text = |wait: Option<&String>, eta: Option<&String>| {
        let mut t = counts.clone();
        if let Some(w) = wait {
            t.push(' ');
            t.push_str(w);
        }
        if let Some(e) = eta {
            t.push_str(" · ");
            t.push_str(e);
        }
        t
    };
    // One column is left free: a line as wide as the terminal makes some of them wrap.
    let room = width.saturating_sub(1);
    for t in [
        text(wait.as_ref(), eta.as_ref()),
        text(wait.as_ref(), None),
        text(None, eta.as_ref()),
        text(None, None),
    ] {
        let len = t.chars().count();
        if len > room {
            continue;
        }
        // "[" + bar + "] " before it: at most 30 columns of bar, none below 5.
        let bar = room.saturating_sub(len + 3).min(30);
        if bar < 5 {
            return t;
        }
        let filled = (s.done * bar).checked_div(s.total).unwrap_or(bar);
        return format!("[{}{}] {t}", "#".repeat(filled), "-".repeat(bar - filled));
    }
    counts.chars().take(room).collect()
}

/// The console's width in columns (80 when it cannot be told).
fn width() -> usize {
    terminal_width().filter(|w| *w >= 20).unwrap_or(80)
}

#[cfg(unix)]
fn terminal_width() -> Option<usize> {
    rustix::termios::tcgetwinsize(std::io::stderr())
        .ok()
        .map(|w| usize::from(w.ws_col))
}

#[cfg(windows)]
fn terminal_width() -> Option<usize> {
    crate::console_windows::width()
}

#[cfg(not(any(unix, windows)))]
fn terminal_width() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(done: usize, eta: u64, wait: Option<(WaitReason, u64)>) -> Status {
        Status {
            done,
            total: 15_000,
            eta: Some(Duration::from_secs(eta)),
            waiting: wait.map(|(reason, s)| Waiting {
                reason,
                resume_in_ms: s * 1000 - 200,
            }),
        }
    }

    #[test]
    fn plain_lines_say_counts_the_wait_and_the_time_left() {
        assert_eq!(
            plain_line(&status(4_210, 54, Some((WaitReason::WriteBudget, 1)))),
            "apply: 4,210 of 15,000 changes (28 %), waiting for Graph's write budget, resumes in 1 s; about 54 s left"
        );
        assert_eq!(
            plain_line(&status(15_000, 0, None)),
            "apply: 15,000 of 15,000 changes (100 %)"
        );
        assert_eq!(
            plain_line(&status(1, 600, Some((WaitReason::Throttled, 30)))),
            "apply: 1 of 15,000 changes (0 %), Graph asked to wait (429), resumes in 30 s; about 10 min left"
        );
        assert_eq!(duration_words(Duration::from_secs(3_930)), "1 h 6 min");
    }

    #[test]
    fn the_status_line_fits_the_terminal() {
        let s = status(7_500, 54, Some((WaitReason::WriteBudget, 1)));
        let wide = status_line(&s, 120);
        assert_eq!(
            wide,
            format!(
                "[{}{}] 7,500/15,000 waiting for Graph's write budget, resumes in 1 s · ~54 s left",
                "#".repeat(15),
                "-".repeat(15)
            )
        );
        for w in [20, 40, 60, 80, 100, 120, 200] {
            let line = status_line(&s, w);
            assert!(line.chars().count() < w, "{w}: {line}");
            assert!(line.contains("7,500/15,000"), "{w}: {line}");
        }
        assert!(status_line(&s, 80).contains("waiting for Graph's write budget, resumes in 1 s"));
        assert!(!status_line(&s, 40).contains("waiting"));
    }
}
