//! Client-side pacing for Microsoft Graph's identity-and-access throttling limits: two token
//! buckets (resource units per 10 s, writes per 150 s), fed by a cost estimate before each request
//! and corrected from `x-ms-resource-unit` and `x-ms-throttle-limit-percentage` after it, so that a
//! large sync slows down before Graph answers 429 — and the same model's estimate of the time a
//! number of writes still needs (the ETA of an apply) and of when held-back requests go.
//!
//! Microsoft documents the limits as token buckets ("Throttling is based on a token bucket
//! algorithm", <https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>):
//! a spent budget refills continuously, so past the first 3,000 writes an app writes 20 a second.
//!
//! Two rules keep writes from meeting a budget someone else has spent (a run killed a moment ago,
//! another tool with the same app registration): Graph reports the share of a limit in use only
//! above 80 % (`x-ms-throttle-limit-percentage`), so a response without it means at least 20 % of
//! the write budget was left — and at most 20 % of it is ever in flight; and the first write
//! request of a client goes alone, so the answers say how much is left before more follow.

use rolesync_core::events::WaitReason;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
// Tokio's clock: the real one, or a paused one in tests.
use tokio::time::Instant;

/// Limits to pace against. The defaults are Microsoft's documented application + tenant limits
/// for the smallest tenants (3,500 resource units per 10 s; 3,000 writes per 150 s).
#[derive(Debug, Clone, PartialEq)]
pub struct Pacing {
    /// Off: never wait (headers are still read).
    pub enabled: bool,
    /// Resource units per window.
    pub resource_units: f64,
    /// The resource-unit window.
    pub resource_window: Duration,
    /// Writes per window.
    pub writes: f64,
    /// The write window.
    pub write_window: Duration,
    /// Share of the resource-unit limit RoleSync allows itself (0.9 by default). Writes use their
    /// whole budget: it belongs to this app in this tenant alone, and the header correction and
    /// the in-flight rule cover anyone else using the same app registration.
    pub headroom: f64,
    /// Divides both windows (1 for Microsoft Graph). Only for an emulator whose throttling
    /// windows are shortened by the same factor, so that a benchmark shows a long run's shape in
    /// less time; the capacities stay Microsoft's.
    pub time_scale: f64,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            enabled: true,
            resource_units: 3_500.0,
            resource_window: Duration::from_secs(10),
            writes: 3_000.0,
            write_window: Duration::from_secs(150),
            headroom: 0.9,
            time_scale: 1.0,
        }
    }
}

impl Pacing {
    /// Microsoft's limits for a tenant of this many users (3,500 / 5,000 / 8,000 RU per 10 s).
    pub fn for_tenant_size(users: usize) -> Self {
        let ru = match users {
            0..50 => 3_500.0,
            50..=500 => 5_000.0,
            _ => 8_000.0,
        };
        Pacing {
            resource_units: ru,
            ..Pacing::default()
        }
    }

    /// The default limits multiplied by `scale` (for tests against an emulator whose capacities
    /// are scaled the same way).
    pub fn scaled(scale: f64) -> Self {
        let d = Pacing::default();
        Pacing {
            resource_units: (d.resource_units * scale).max(1.0),
            writes: (d.writes * scale).max(1.0),
            ..d
        }
    }

    /// The default limits with both windows divided by `time_scale` (for an emulator whose
    /// windows are shortened the same way: at 10, 3,000 writes per 15 s).
    pub fn time_scaled(time_scale: f64) -> Self {
        Pacing {
            time_scale,
            ..Pacing::default()
        }
    }

    /// No pacing.
    pub fn disabled() -> Self {
        Pacing {
            enabled: false,
            ..Pacing::default()
        }
    }

    fn window(&self, w: Duration) -> Duration {
        let f = if self.time_scale.is_finite() && self.time_scale > 0.0 {
            self.time_scale
        } else {
            1.0
        };
        w.div_f64(f)
    }
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    tokens: f64,
    per_sec: f64,
    last: Instant,
}

impl Bucket {
    fn new(capacity: f64, window: Duration, now: Instant) -> Self {
        Bucket {
            capacity,
            tokens: capacity,
            per_sec: capacity / window.as_secs_f64().max(0.001),
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.per_sec).min(self.capacity);
        self.last = now;
    }

    /// How long until `n` tokens are there (zero when they are).
    fn wait_for(&self, n: f64) -> Duration {
        let n = n.min(self.capacity);
        if self.tokens >= n {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((n - self.tokens) / self.per_sec)
        }
    }
}

/// The pacer's mutable state.
#[derive(Debug)]
struct State {
    ru: Bucket,
    writes: Bucket,
    /// Writes sent and not answered yet.
    in_flight: f64,
    /// Writes sent in all.
    sent: f64,
    /// When held-back requests wake, and why (a multiset: the count per instant).
    waits: BTreeMap<(Instant, u64), WaitReason>,
    next_wait_id: u64,
    /// Round trip of write requests (exponentially weighted), seconds.
    write_rtt: Option<f64>,
}

/// The shared pacer of one Graph client.
#[derive(Debug)]
pub struct Pacer {
    enabled: bool,
    state: Mutex<State>,
    /// Writes in flight (and waiting for the budget), at most 20 % of the write budget.
    in_flight_cap: u32,
    slots: Semaphore,
    /// The first write request has been answered: the rest of the slots are open.
    first_write_answered: AtomicBool,
}

/// A request allowed to go: holds its place among the writes in flight until it is answered
/// (dropped).
#[derive(Debug)]
pub struct Permit<'p> {
    pacer: &'p Pacer,
    writes: f64,
    sent: Instant,
    mark: f64,
    _slots: Option<SemaphorePermit<'p>>,
}

impl Permit<'_> {
    /// The writes the pacer had let go when this request went, its own included: what
    /// [`Pacer::observe`] needs to tell which writes Graph's answer cannot have counted yet.
    pub fn mark(&self) -> f64 {
        self.mark
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.writes <= 0.0 {
            return;
        }
        let rtt = self.sent.elapsed().as_secs_f64();
        {
            let mut s = self.pacer.lock();
            s.in_flight = (s.in_flight - self.writes).max(0.0);
            s.write_rtt = Some(match s.write_rtt {
                Some(r) => 0.8 * r + 0.2 * rtt,
                None => rtt,
            });
        }
        if !self.pacer.first_write_answered.swap(true, Ordering::SeqCst) {
            let opened = self
                .pacer
                .in_flight_cap
                .saturating_sub(first_wave(self.pacer.in_flight_cap));
            self.pacer.slots.add_permits(opened as usize);
        }
    }
}

/// A wait registered with the pacer (for [`Pacer::waiting`]); removed when dropped.
struct Registered<'p> {
    pacer: &'p Pacer,
    key: (Instant, u64),
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.pacer.lock().waits.remove(&self.key);
    }
}

/// Slots open before the first write is answered: one `$batch` of writes.
fn first_wave(cap: u32) -> u32 {
    cap.min(crate::batch::MAX_BATCH as u32)
}

impl Pacer {
    /// A pacer for these limits.
    pub fn new(p: &Pacing) -> Self {
        let h = p.headroom.clamp(0.1, 1.0);
        let now = Instant::now();
        let writes = p.writes.max(1.0);
        let in_flight_cap = ((writes * 0.2).floor() as u32).max(1);
        Pacer {
            enabled: p.enabled,
            state: Mutex::new(State {
                ru: Bucket::new(
                    (p.resource_units * h).max(1.0),
                    p.window(p.resource_window),
                    now,
                ),
                writes: Bucket::new(writes, p.window(p.write_window), now),
                in_flight: 0.0,
                sent: 0.0,
                waits: BTreeMap::new(),
                next_wait_id: 0,
                write_rtt: None,
            }),
            in_flight_cap,
            slots: Semaphore::new(first_wave(in_flight_cap) as usize),
            first_write_answered: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut g = self.lock();
        let now = Instant::now();
        g.ru.refill(now);
        g.writes.refill(now);
        f(&mut g)
    }

    /// Registers a wait of `d` (shown by [`Pacer::waiting`] until the returned value is dropped).
    fn register(&self, d: Duration, reason: WaitReason) -> Registered<'_> {
        let mut s = self.lock();
        let key = (Instant::now() + d, s.next_wait_id);
        s.next_wait_id += 1;
        s.waits.insert(key, reason);
        Registered { pacer: self, key }
    }

    /// Sleeps `d` before sending again — as Graph asked (`Retry-After` of a 429:
    /// [`WaitReason::Throttled`]) or as the backoff says ([`WaitReason::Retry`]) — shown by
    /// [`Pacer::waiting`] meanwhile.
    pub async fn retry_wait(&self, d: Duration, reason: WaitReason) {
        let _w = self.register(d, reason);
        tokio::time::sleep(d).await;
    }

    /// Waits until a request of this estimated cost may go; the permit marks it in flight until
    /// it is dropped (when the answer is in).
    pub async fn acquire(&self, resource_units: f64, writes: f64) -> Permit<'_> {
        if !self.enabled {
            return Permit {
                pacer: self,
                writes: 0.0,
                sent: Instant::now(),
                mark: 0.0,
                _slots: None,
            };
        }
        let slots = if writes > 0.0 {
            let n = (writes.ceil() as u32).clamp(1, self.in_flight_cap);
            self.slots.acquire_many(n).await.ok()
        } else {
            None
        };
        let mark = loop {
            let wait = self.with(|s| {
                let ru = s.ru.wait_for(resource_units);
                let w = s.writes.wait_for(writes);
                if ru.is_zero() && w.is_zero() {
                    s.ru.tokens -= resource_units;
                    s.writes.tokens -= writes;
                    s.in_flight += writes;
                    s.sent += writes;
                    Err(s.sent)
                } else if w >= ru {
                    Ok((w, WaitReason::WriteBudget))
                } else {
                    Ok((ru, WaitReason::ReadBudget))
                }
            });
            let (wait, reason) = match wait {
                Ok(w) => w,
                Err(mark) => break mark,
            };
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                resource_units,
                writes,
                ?reason,
                "pacing: waiting before the next Graph request to stay under the throttling limits"
            );
            let _w = self.register(wait, reason);
            // At least a millisecond: the timer's resolution, and no busy loop on rounding.
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        };
        Permit {
            pacer: self,
            writes,
            sent: Instant::now(),
            mark,
            _slots: slots,
        }
    }

    /// Corrects the estimate with what Graph reported for one request: the actual cost and,
    /// above 80 % of a limit, the share used. For a write the share is the write budget's (the
    /// tighter of the two by far: 20 writes against 350 resource units a second), less the
    /// writes let go after this one (`mark`: [`Permit::mark`]), which Graph cannot have counted
    /// when it answered — or, without a mark, all writes in flight.
    pub fn observe(
        &self,
        estimated: f64,
        actual: Option<f64>,
        limit_percentage: Option<f64>,
        write: Option<f64>,
    ) {
        if !self.enabled {
            return;
        }
        self.with(|s| {
            if let Some(a) = actual {
                if a > estimated {
                    s.ru.tokens -= a - estimated;
                }
            }
            if let Some(p) = limit_percentage {
                let (bucket, left) = if let Some(mark) = write {
                    let after = if mark > 0.0 {
                        (s.sent - mark).max(0.0)
                    } else {
                        s.in_flight
                    };
                    let left = s.writes.capacity * (1.0 - p) - after;
                    (&mut s.writes, left)
                } else {
                    // Leave at most the rest, less a margin.
                    let left = s.ru.capacity * (1.0 - p - 0.05);
                    (&mut s.ru, left)
                };
                if bucket.tokens > left {
                    tracing::debug!(
                        limit_percentage = p,
                        write,
                        "pacing: Graph reports the throttling limit nearly reached; slowing down"
                    );
                    bucket.tokens = left;
                }
            }
        });
    }

    /// Graph throttled anyway: empty the bucket named by `x-ms-throttle-information`.
    pub fn throttled(&self, information: Option<&str>) {
        if !self.enabled {
            return;
        }
        self.with(|s| {
            if information.is_some_and(|i| i.contains("Write")) {
                s.writes.tokens = s.writes.tokens.min(0.0);
            } else {
                s.ru.tokens = s.ru.tokens.min(0.0);
            }
        });
    }

    /// The estimated time until `remaining` more writes (those not sent yet and those in flight)
    /// are all answered: the writes beyond what the budget holds now, at the rate it refills, and
    /// one round trip. `None` when pacing is off.
    pub fn eta(&self, remaining: usize) -> Option<Duration> {
        if !self.enabled {
            return None;
        }
        Some(self.with(|s| {
            let to_send = (remaining as f64 - s.in_flight).max(0.0);
            let budget = (to_send - s.writes.tokens).max(0.0) / s.writes.per_sec;
            let rtt = if remaining > 0 {
                s.write_rtt.unwrap_or(0.0)
            } else {
                0.0
            };
            Duration::from_secs_f64(budget + rtt)
        }))
    }

    /// Requests are held back: why (the wait that ends first), and when the next one goes.
    pub fn waiting(&self) -> Option<(WaitReason, Duration)> {
        let s = self.lock();
        let ((until, _), reason) = s.waits.iter().next()?;
        Some((*reason, until.saturating_duration_since(Instant::now())))
    }
}

/// Estimated resource-unit cost of one request (Microsoft's identity cost table: base 1,
/// `GET users` 2, group members 3, transitive members 5, `getByIds` 3; `$select` −1,
/// `$expand` +1, `$top` below 20 −1; never below 1).
pub fn estimate_cost(method: &str, url: &str) -> f64 {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.trim_start_matches('/');
    let path = path.strip_prefix("v1.0/").unwrap_or(path);
    let path = path.split("/v1.0/").last().unwrap_or(path);
    if method != "GET" {
        return 1.0;
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut cost: f64 = match segs.as_slice() {
        ["users"] => 2.0,
        ["groups", _, "members"] => 3.0,
        ["groups", _, "transitiveMembers"] => 5.0,
        ["directoryObjects", "getByIds"] => 3.0,
        _ => 1.0,
    };
    let q = query.to_ascii_lowercase();
    if q.contains("$select=") || q.contains("%24select=") {
        cost -= 1.0;
    }
    if q.contains("$expand=") || q.contains("%24expand=") {
        cost += 1.0;
    }
    if let Some(top) = q
        .split('&')
        .find_map(|kv| {
            kv.strip_prefix("$top=")
                .or_else(|| kv.strip_prefix("%24top="))
        })
        .and_then(|v| v.parse::<u32>().ok())
    {
        if top < 20 {
            cost -= 1.0;
        }
    }
    cost.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_the_documented_table() {
        assert_eq!(estimate_cost("GET", "users?$filter=x"), 2.0);
        assert_eq!(estimate_cost("GET", "users?$filter=x&$select=id"), 1.0);
        assert_eq!(
            estimate_cost(
                "GET",
                "/roleManagement/directory/roleAssignments?$filter=a&$expand=principal"
            ),
            2.0
        );
        assert_eq!(
            estimate_cost("DELETE", "roleManagement/directory/roleAssignments/x"),
            1.0
        );
        assert_eq!(
            estimate_cost("GET", "groups/1/transitiveMembers?$top=5"),
            4.0
        );
    }

    #[test]
    fn a_bucket_says_how_long_until_its_tokens_are_there() {
        let now = Instant::now();
        let mut b = Bucket::new(10.0, Duration::from_secs(10), now);
        assert_eq!(b.wait_for(10.0), Duration::ZERO);
        b.tokens -= 10.0;
        let w = b.wait_for(2.0);
        assert!(
            w >= Duration::from_millis(1990) && w <= Duration::from_millis(2010),
            "{w:?}"
        );
        b.refill(now + Duration::from_secs(1));
        assert!((b.tokens - 1.0).abs() < 1e-9, "{}", b.tokens);
    }

    #[test]
    fn the_time_scale_shortens_the_windows_only() {
        let p = Pacer::new(&Pacing::time_scaled(10.0));
        let s = p.lock();
        assert_eq!(s.writes.capacity, 3_000.0);
        assert!(
            (s.writes.per_sec - 200.0).abs() < 1e-9,
            "{}",
            s.writes.per_sec
        );
        assert_eq!(s.ru.capacity, 3_150.0);
        assert!((s.ru.per_sec - 3_150.0).abs() < 1e-9, "{}", s.ru.per_sec);
        drop(s);
        assert_eq!(p.in_flight_cap, 600);
    }

    #[test]
    fn the_eta_is_the_writes_beyond_the_budget_at_its_refill_rate() {
        // 3,000 writes per 150 s: 20 a second after the first 3,000.
        let p = Pacer::new(&Pacing::default());
        let eta = |n| p.eta(n).unwrap_or_default().as_secs_f64();
        assert!(eta(3_000) < 0.01, "{}", eta(3_000));
        assert!((eta(4_000) - 50.0).abs() < 0.1, "{}", eta(4_000));
        // Spent budget: Graph reports 100 % in use on a write.
        p.observe(1.0, Some(1.0), Some(1.0), Some(0.0));
        assert!((eta(1_000) - 50.0).abs() < 0.1, "{}", eta(1_000));
        // A read's report concerns the resource units, not the writes.
        let q = Pacer::new(&Pacing::default());
        q.observe(1.0, Some(1.0), Some(1.0), None);
        assert!(q.eta(1_000).unwrap_or_default() < Duration::from_millis(10));
        assert_eq!(Pacer::new(&Pacing::disabled()).eta(10), None);
    }

    #[tokio::test(start_paused = true)]
    async fn writes_wait_for_the_budget_and_say_so() {
        // 30 writes per 150 s (scale 0.01) at time scale 10: 30 per 15 s, 2 a second.
        let p = Pacer::new(&Pacing {
            time_scale: 10.0,
            ..Pacing::scaled(0.01)
        });
        assert_eq!(p.in_flight_cap, 6);
        let first = p.acquire(1.0, 6.0).await;
        // Until the first write is answered, no other write goes.
        let second = p.acquire(1.0, 6.0);
        tokio::pin!(second);
        assert!(futures::poll!(second.as_mut()).is_pending());
        drop(first);
        drop(second.await);
        for _ in 0..3 {
            drop(p.acquire(1.0, 6.0).await);
        }
        // 30 spent: the next 6 need 3 s.
        let t0 = tokio::time::Instant::now();
        let next = p.acquire(1.0, 6.0);
        tokio::pin!(next);
        assert!(futures::poll!(next.as_mut()).is_pending());
        let (reason, d) = p.waiting().expect("held back");
        assert_eq!(reason, WaitReason::WriteBudget);
        assert!(
            d > Duration::from_millis(2_900) && d <= Duration::from_secs(3),
            "{d:?}"
        );
        drop(next.await);
        let waited = t0.elapsed();
        assert!(
            waited >= Duration::from_millis(2_990) && waited <= Duration::from_millis(3_100),
            "{waited:?}"
        );
        assert_eq!(p.waiting(), None);
    }
}
