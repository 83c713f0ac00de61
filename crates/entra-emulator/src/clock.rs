//! The emulator's clock: real time plus an offset that tests move forward (`POST
//! /_emulator/clock` with `{"advanceSeconds": N}`, or [`crate::RunningEmulator::advance_clock`]),
//! so that expiry — of access tokens, authorization and device codes, refresh tokens, and PIM
//! schedules — can be tested without waiting. Throttling keeps real time: its windows are about
//! the client's request rate, not the calendar.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Real time moved forward by an offset that only grows.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    fn offset(&self) -> Duration {
        *crate::server::lock(&self.offset)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *crate::server::lock(&self.offset) += by;
    }

    /// The emulator's calendar time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.offset()).unwrap_or_default()
    }

    /// The emulator's monotonic time (for lifetimes of codes and refresh tokens).
    pub fn instant(&self) -> Instant {
        Instant::now() + self.offset()
    }
}
