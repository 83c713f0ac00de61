//! Client-side pacing for Microsoft Graph's identity-and-access throttling limits: two token
//! buckets (resource units per 10 s, writes per 150 s), fed by a cost estimate before each request
//! and corrected from `x-ms-resource-unit` and `x-ms-throttle-limit-percentage` after it, so that a
//! large sync slows down before Graph answers 429.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits to pace against. The defaults are Microsoft's documented application + tenant limits
/// for the smallest tenants (3,500 resource units per 10 s; 3,000 writes per 150 s), with 10 %
/// headroom for other apps' traffic being invisible to us.
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
    /// Share of the limits RoleSync allows itself (0.9 by default).
    pub headroom: f64,
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

    /// The default limits multiplied by `scale` (for tests against a scaled emulator).
    pub fn scaled(scale: f64) -> Self {
        let d = Pacing::default();
        Pacing {
            resource_units: (d.resource_units * scale).max(1.0),
            writes: (d.writes * scale).max(1.0),
            ..d
        }
    }

    /// No pacing.
    pub fn disabled() -> Self {
        Pacing {
            enabled: false,
            ..Pacing::default()
        }
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
    fn new(capacity: f64, window: Duration) -> Self {
        Bucket {
            capacity,
            tokens: capacity,
            per_sec: capacity / window.as_secs_f64().max(0.001),
            last: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.per_sec).min(self.capacity);
        self.last = now;
    }

    /// Reserves `n` tokens (the balance may go negative) and returns how long to wait for them.
    fn reserve(&mut self, n: f64) -> Duration {
        self.tokens -= n;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_sec)
        }
    }
}

/// The shared pacer of one Graph client.
#[derive(Debug)]
pub struct Pacer {
    enabled: bool,
    buckets: Mutex<(Bucket, Bucket)>,
}

impl Pacer {
    /// A pacer for these limits.
    pub fn new(p: &Pacing) -> Self {
        let h = p.headroom.clamp(0.1, 1.0);
        Pacer {
            enabled: p.enabled,
            buckets: Mutex::new((
                Bucket::new((p.resource_units * h).max(1.0), p.resource_window),
                Bucket::new((p.writes * h).max(1.0), p.write_window),
            )),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Bucket, &mut Bucket) -> R) -> R {
        let mut g = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        g.0.refill(now);
        g.1.refill(now);
        let (a, b) = &mut *g;
        f(a, b)
    }

    /// Waits until a request of this estimated cost may go.
    pub async fn acquire(&self, resource_units: f64, writes: f64) {
        if !self.enabled {
            return;
        }
        let wait = self.with(|ru, w| ru.reserve(resource_units).max(w.reserve(writes)));
        if !wait.is_zero() {
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                resource_units,
                writes,
                "pacing: waiting before the next Graph request to stay under the throttling limits"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Corrects the estimate with what Graph reported: the actual cost and, above 80 % of the
    /// limit, the share used.
    pub fn observe(&self, estimated: f64, actual: Option<f64>, limit_percentage: Option<f64>) {
        if !self.enabled {
            return;
        }
        self.with(|ru, _| {
            if let Some(a) = actual {
                if a > estimated {
                    ru.tokens -= a - estimated;
                }
            }
            if let Some(p) = limit_percentage {
                // Graph says `p` of the limit is used: leave at most the rest, less a margin.
                let left = ru.capacity * (1.0 - p - 0.05);
                if ru.tokens > left {
                    tracing::debug!(
                        limit_percentage = p,
                        "pacing: Graph reports the throttling limit nearly reached; slowing down"
                    );
                    ru.tokens = left;
                }
            }
        });
    }

    /// Graph throttled anyway: empty the bucket named by `x-ms-throttle-information`.
    pub fn throttled(&self, information: Option<&str>) {
        if !self.enabled {
            return;
        }
        self.with(|ru, w| {
            if information.is_some_and(|i| i.contains("Write")) {
                w.tokens = w.tokens.min(0.0);
            } else {
                ru.tokens = ru.tokens.min(0.0);
            }
        });
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
    fn reserve_waits_for_the_deficit() {
        let mut b = Bucket::new(10.0, Duration::from_secs(10));
        assert_eq!(b.reserve(10.0), Duration::ZERO);
        let w = b.reserve(2.0);
        assert!(
            w >= Duration::from_millis(1900) && w <= Duration::from_millis(2100),
            "{w:?}"
        );
    }
}
