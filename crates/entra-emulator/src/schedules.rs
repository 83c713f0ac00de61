//! PIM schedules in time: the `scheduleInfo` of a request (`startDateTime` and
//! `expiration` — `noExpiration`, `afterDateTime` with `endDateTime`, `afterDuration` with an
//! ISO 8601 `duration`), and the lifecycle the emulator's clock drives: a schedule whose start
//! lies ahead is provisioned but not active yet, one whose end has passed is no longer active and
//! stays visible as expired for 30 days (the window in which an administrator can renew it).
//!
//! Sources: "requestSchedule resource type" and "expirationPattern resource type"
//! (<https://learn.microsoft.com/graph/api/resources/requestschedule>,
//! <https://learn.microsoft.com/graph/api/resources/expirationpattern>); the start of a request
//! made for a past moment is the moment it is processed, as in the responses of "Create
//! roleEligibilityScheduleRequest"
//! (<https://learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests>);
//! an `afterDuration` expiration is answered as given (the `adminExtend` example of "Extend or
//! renew Microsoft Entra role assignments in PIM",
//! <https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-renew-extend>,
//! which also gives the 30 days an expired assignment stays visible).

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// How long an expired schedule stays renewable.
pub(crate) const EXPIRED_KEPT: Duration = Duration::days(30);

/// Parses an ISO 8601 duration: `PnD`, `PnW`, `PTnH`, `PTnM`, `PTnS` and their combinations
/// (`P1DT2H30M`); `PnY` and `PnM` count 365 and 30 days (Graph's PIM examples use days only).
pub(crate) fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('P')?;
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, t),
        None => (s, ""),
    };
    if date.is_empty() && time.is_empty() {
        return None;
    }
    let mut total = Duration::zero();
    let mut num = String::new();
    for c in date.chars() {
        match c {
            '0'..='9' => num.push(c),
            'Y' | 'M' | 'W' | 'D' => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                total += match c {
                    'Y' => Duration::days(365 * n),
                    'M' => Duration::days(30 * n),
                    'W' => Duration::weeks(n),
                    _ => Duration::days(n),
                };
            }
            _ => return None,
        }
    }
    if !num.is_empty() {
        return None;
    }
    for c in time.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' | 'M' | 'S' => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                total += match c {
                    'H' => Duration::seconds((n * 3600.0) as i64),
                    'M' => Duration::seconds((n * 60.0) as i64),
                    _ => Duration::milliseconds((n * 1000.0) as i64),
                };
            }
            _ => return None,
        }
    }
    num.is_empty().then_some(total)
}

/// An expiration as the request gave it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expiration {
    /// `noExpiration`.
    Never,
    /// `afterDateTime` with this end.
    At(DateTime<Utc>),
    /// `afterDuration` with this ISO 8601 duration (kept as written) and its length.
    After(String, Duration),
}

impl Expiration {
    /// The end of a schedule starting at `start`.
    pub fn end(&self, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Expiration::Never => None,
            Expiration::At(e) => Some(*e),
            Expiration::After(_, d) => Some(start + *d),
        }
    }

    /// The `expirationPattern` JSON, as given.
    pub fn to_json(&self) -> Value {
        match self {
            Expiration::Never => {
                json!({"type": "noExpiration", "endDateTime": null, "duration": null})
            }
            Expiration::At(e) => {
                json!({"type": "afterDateTime", "endDateTime": fmt(e), "duration": null})
            }
            Expiration::After(d, _) => {
                json!({"type": "afterDuration", "endDateTime": null, "duration": d})
            }
        }
    }
}

/// A request's schedule: when it starts and how it expires.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Schedule {
    pub start: DateTime<Utc>,
    pub expiration: Expiration,
}

impl Schedule {
    /// The end, if any.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.expiration.end(self.start)
    }

    /// The `afterDuration` as given, if that is how it expires.
    pub fn duration(&self) -> Option<String> {
        match &self.expiration {
            Expiration::After(d, _) => Some(d.clone()),
            _ => None,
        }
    }
}

fn invalid(prop: &str) -> String {
    format!("Invalid value specified for property '{prop}' of resource 'requestSchedule'.")
}

/// Reads `scheduleInfo` from a request body. No `scheduleInfo`, or no expiration, means "from now
/// on, no expiration"; a start in the past (or none) is now; an end before the start is refused.
pub(crate) fn schedule_from(body: &Value, now: DateTime<Utc>) -> Result<Schedule, String> {
    let info = &body["scheduleInfo"];
    let start = match info.get("startDateTime").and_then(Value::as_str) {
        None => now,
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map_err(|_| invalid("startDateTime"))?
            .with_timezone(&Utc)
            .max(now),
    };
    let exp = &info["expiration"];
    let expiration = match exp.get("type").and_then(Value::as_str) {
        None | Some("noExpiration") => Expiration::Never,
        Some("afterDateTime") => Expiration::At(
            exp.get("endDateTime")
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc))
                .ok_or_else(|| invalid("endDateTime"))?,
        ),
        Some("afterDuration") => {
            let d = exp
                .get("duration")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("duration"))?;
            let len = parse_duration(d)
                .filter(|l| *l > Duration::zero())
                .ok_or_else(|| invalid("duration"))?;
            Expiration::After(d.to_owned(), len)
        }
        Some(_) => return Err(invalid("expiration")),
    };
    let s = Schedule { start, expiration };
    if s.end().is_some_and(|e| e <= s.start) {
        return Err(
            "The schedule's end must be later than its start (startDateTime, expiration)."
                .to_owned(),
        );
    }
    Ok(s)
}

/// Graph's timestamp format.
pub(crate) fn fmt(d: &DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Where a schedule stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Its start lies ahead.
    Pending,
    /// Active now.
    Current,
    /// Its end has passed (renewable for [`EXPIRED_KEPT`]).
    Expired,
    /// Expired longer ago than that: gone.
    Gone,
}

/// The phase of a schedule from `start` to `end` at `now`.
pub(crate) fn phase(start: DateTime<Utc>, end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Phase {
    match end {
        Some(e) if e <= now && now - e > EXPIRED_KEPT => Phase::Gone,
        Some(e) if e <= now => Phase::Expired,
        _ if start > now => Phase::Pending,
        _ => Phase::Current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT8H"), Some(Duration::hours(8)));
        assert_eq!(
            parse_duration("P1DT2H30M"),
            Some(Duration::hours(26) + Duration::minutes(30))
        );
        assert_eq!(parse_duration("P365D"), Some(Duration::days(365)));
        assert_eq!(parse_duration("P2W"), Some(Duration::days(14)));
        assert_eq!(parse_duration("P1Y"), Some(Duration::days(365)));
        assert_eq!(parse_duration("8H"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("P5"), None);
    }

    #[test]
    fn schedules_start_now_or_later_and_end_after_start() {
        let now = Utc::now();
        let s = schedule_from(
            &json!({"scheduleInfo": {"startDateTime": "2020-01-01T00:00:00Z", "expiration": {"type": "afterDuration", "duration": "P10D"}}}),
            now,
        )
        .unwrap();
        assert_eq!(s.start, now);
        assert_eq!(s.end(), Some(now + Duration::days(10)));
        assert_eq!(s.expiration.to_json()["duration"], "P10D");
        let later = now + Duration::days(3);
        let s = schedule_from(
            &json!({"scheduleInfo": {"startDateTime": fmt(&later)}}),
            now,
        )
        .unwrap();
        assert_eq!(phase(s.start, s.end(), now), Phase::Pending);
        assert!(schedule_from(
            &json!({"scheduleInfo": {"expiration": {"type": "afterDateTime", "endDateTime": "2020-01-01T00:00:00Z"}}}),
            now
        )
        .is_err());
        assert!(schedule_from(
            &json!({"scheduleInfo": {"expiration": {"type": "soon"}}}),
            now
        )
        .is_err());
        let end = now - Duration::days(1);
        assert_eq!(
            phase(now - Duration::days(9), Some(end), now),
            Phase::Expired
        );
        assert_eq!(
            phase(
                now - Duration::days(90),
                Some(now - Duration::days(31)),
                now
            ),
            Phase::Gone
        );
    }
}
