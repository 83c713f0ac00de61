//! Microsoft Graph's clock as its responses tell it (the HTTP `Date` header, RFC 9110 §6.6.1):
//! expiry decisions ("ends within 14 days") and the start of PIM schedules use the service's
//! time, not the local machine's, so a server whose clock is off (or an emulator whose clock a
//! test moved) neither renews too late nor asks for a schedule that starts in the future.

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use std::sync::Mutex;

/// The difference between Graph's clock and the local one, from the last response seen.
#[derive(Debug, Default)]
pub struct ServerClock {
    offset: Mutex<Option<chrono::Duration>>,
}

impl ServerClock {
    /// Notes the `Date` of a response received now.
    pub fn observe(&self, headers: &HeaderMap) {
        let Some(date) = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        else {
            return;
        };
        let offset = date.with_timezone(&Utc) - Utc::now();
        if let Ok(mut o) = self.offset.lock() {
            *o = Some(offset);
        }
    }

    /// Graph's time now, once a response has told it.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        let offset = (*self.offset.lock().ok()?)?;
        Some(Utc::now() + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_header_sets_the_clock() {
        let c = ServerClock::default();
        assert_eq!(c.now(), None);
        let mut h = HeaderMap::new();
        let later = Utc::now() + chrono::Duration::days(170);
        h.insert(
            reqwest::header::DATE,
            later
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string()
                .parse()
                .unwrap(),
        );
        c.observe(&h);
        let d = c.now().unwrap() - later;
        assert!(d.num_seconds().abs() <= 2, "{d}");
        // A header that is not a date leaves it as it was.
        h.insert(reqwest::header::DATE, "soon".parse().unwrap());
        c.observe(&h);
        assert!(c.now().is_some());
    }
}
