//! Graph throttling: token buckets for Microsoft's identity-and-access limits, resource-unit
//! costs per request, and the throttling response headers ("Microsoft Graph service-specific
//! throttling limits", identity and access service limits,
//! <https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>):
//! per app and tenant, per app across tenants, and the writes of all apps in one tenant (18,000
//! per 5 minutes) — a request must fit every bucket it is charged to. A throttled answer carries
//! `Retry-After` = the seconds until the exhausted bucket has refilled enough for the request, and
//! `x-ms-throttle-limit-percentage` above 1.0 (how far over the limit the request would go; the
//! page documents the header between 0.8 and 1.8). The page says the limits are token buckets
//! ("Throttling is based on a token bucket algorithm"): a spent budget refills continuously, so
//! 3,000 writes per 150 s is a burst of 3,000 and then 20 writes a second. The windows can be
//! shortened by a time scale ([`ThrottleConfig::time_scale`]) and the capacities by a scale.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::config::ThrottleConfig;

/// A continuously refilled token bucket.
#[derive(Debug, Clone)]
struct Bucket {
    capacity: f64,
    window: Duration,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(capacity: f64, window: Duration, now: Instant) -> Bucket {
        Bucket {
            capacity,
            window,
            tokens: capacity,
            last: now,
        }
    }
    fn rate(&self) -> f64 {
        self.capacity / self.window.as_secs_f64()
    }
    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate()).min(self.capacity);
        self.last = now;
    }
    /// Seconds until `need` tokens are there.
    fn wait_for(&self, need: f64) -> u64 {
        let missing = (need.min(self.capacity) - self.tokens).max(0.0);
        ((missing / self.rate()).ceil() as u64).max(1)
    }
    fn used_fraction(&self) -> f64 {
        (self.capacity - self.tokens) / self.capacity
    }
}

/// Which limit a bucket enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    AppTenantRu,
    AppTenantWrites,
    AppRu,
    AppWrites,
    TenantWrites,
}

/// The outcome of admitting a request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Admission {
    /// Allowed; `limit_percentage` is set when usage of some limit is above 0.8.
    Allowed { limit_percentage: Option<f64> },
    /// Throttled.
    Throttled {
        retry_after: u64,
        /// Demand over capacity, above 1.0 (at most 1.8).
        limit_percentage: f64,
        scope: String,
        information: &'static str,
    },
}

/// All buckets of the emulator.
#[derive(Debug)]
pub(crate) struct Throttler {
    cfg: ThrottleConfig,
    user_count: usize,
    buckets: HashMap<(Kind, String), Bucket>,
}

impl Throttler {
    pub fn new(cfg: ThrottleConfig, user_count: usize) -> Throttler {
        Throttler {
            cfg,
            user_count,
            buckets: HashMap::new(),
        }
    }

    fn limit(&self, k: Kind) -> (f64, Duration) {
        let (cap, secs) = match k {
            Kind::AppTenantRu => (
                match self.user_count {
                    n if n < 50 => 3_500.0,
                    n if n <= 500 => 5_000.0,
                    _ => 8_000.0,
                },
                10,
            ),
            Kind::AppTenantWrites => (3_000.0, 150),
            Kind::AppRu => (150_000.0, 20),
            Kind::AppWrites => (70_000.0, 300),
            Kind::TenantWrites => (18_000.0, 300),
        };
        let time_scale = if self.cfg.time_scale.is_finite() && self.cfg.time_scale > 0.0 {
            self.cfg.time_scale
        } else {
            1.0
        };
        (
            (cap * self.cfg.scale).floor().max(1.0),
            Duration::from_secs_f64(secs as f64 / time_scale),
        )
    }

    /// Charges `ru` resource units (and one write when `write`) to the app in the tenant.
    pub fn admit(
        &mut self,
        app: &str,
        tenant: &str,
        ru: u32,
        write: bool,
        now: Instant,
    ) -> Admission {
        if !self.cfg.enabled {
            return Admission::Allowed {
                limit_percentage: None,
            };
        }
        let mut wanted: Vec<(Kind, String, f64)> = vec![
            (Kind::AppTenantRu, format!("{app}/{tenant}"), f64::from(ru)),
            (Kind::AppRu, app.to_owned(), f64::from(ru)),
        ];
        if write {
            wanted.push((Kind::AppTenantWrites, format!("{app}/{tenant}"), 1.0));
            wanted.push((Kind::AppWrites, app.to_owned(), 1.0));
            wanted.push((Kind::TenantWrites, tenant.to_owned(), 1.0));
        }
        for (k, key, need) in &wanted {
            let (cap, window) = self.limit(*k);
            let b = self
                .buckets
                .entry((*k, key.clone()))
                .or_insert_with(|| Bucket::new(cap, window, now));
            b.refill(now);
            if b.tokens + 1e-9 < *need {
                let (scope, information) = match k {
                    Kind::AppTenantRu => (
                        format!("Tenant_Application/ReadWrite/{app}/{tenant}"),
                        "ResourceUnitLimitExceeded",
                    ),
                    Kind::AppTenantWrites => (
                        format!("Tenant_Application/Write/{app}/{tenant}"),
                        "WriteLimitExceeded",
                    ),
                    Kind::AppRu => (
                        format!("Application/ReadWrite/{app}"),
                        "ResourceUnitLimitExceeded",
                    ),
                    Kind::AppWrites => (format!("Application/Write/{app}"), "WriteLimitExceeded"),
                    Kind::TenantWrites => (format!("Tenant/Write/{tenant}"), "WriteLimitExceeded"),
                };
                let over = (b.capacity - b.tokens + need) / b.capacity;
                return Admission::Throttled {
                    retry_after: b.wait_for(*need),
                    limit_percentage: over.clamp(1.0 + 1e-3, 1.8),
                    scope,
                    information,
                };
            }
        }
        let mut max_used: f64 = 0.0;
        for (k, key, need) in &wanted {
            if let Some(b) = self.buckets.get_mut(&(*k, key.clone())) {
                b.tokens -= need;
                max_used = max_used.max(b.used_fraction());
            }
        }
        Admission::Allowed {
            limit_percentage: (max_used > 0.8).then_some(max_used),
        }
    }
}

/// Resource-unit cost of a Graph request (identity-and-access cost table): `GET users` 2,
/// `POST directoryObjects/getByIds` 3, `GET groups/{id}/members` 3, `transitiveMembers` 5, any other
/// identity path 1; writes 1. Modifiers: `$select` −1, `$expand` +1, `$top` below 20 −1; never below 1.
pub(crate) fn resource_units(
    method: &str,
    segments: &[String],
    has_select: bool,
    has_expand: bool,
    top: Option<u32>,
) -> u32 {
    let first = segments
        .first()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let is_get = method.eq_ignore_ascii_case("GET");
    let mut cost: i32 = if !is_get {
        if first == "directoryobjects"
            && segments
                .get(1)
                .is_some_and(|s| s.eq_ignore_ascii_case("getByIds"))
        {
            3
        } else {
            1
        }
    } else if first == "users" || first.starts_with("users(") {
        2
    } else if first == "groups" && segments.len() == 3 {
        match segments[2].to_ascii_lowercase().as_str() {
            "members" => 3,
            "transitivemembers" => 5,
            _ => 1,
        }
    } else {
        1
    };
    if is_get {
        if has_select {
            cost -= 1;
        }
        if has_expand {
            cost += 1;
        }
        if top.is_some_and(|t| t < 20) {
            cost -= 1;
        }
    }
    cost.max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn costs_follow_the_table() {
        assert_eq!(
            resource_units("GET", &segs(&["users"]), false, false, None),
            2
        );
        assert_eq!(
            resource_units("GET", &segs(&["users"]), true, false, None),
            1
        );
        assert_eq!(
            resource_units("GET", &segs(&["users"]), true, false, Some(5)),
            1
        );
        assert_eq!(
            resource_units(
                "GET",
                &segs(&["roleManagement", "directory", "roleAssignments"]),
                false,
                true,
                None
            ),
            2
        );
        assert_eq!(
            resource_units(
                "GET",
                &segs(&["roleManagement", "directory", "roleAssignments"]),
                false,
                false,
                Some(5)
            ),
            1
        );
        assert_eq!(
            resource_units(
                "POST",
                &segs(&["roleManagement", "directory", "roleAssignments"]),
                false,
                false,
                None
            ),
            1
        );
        assert_eq!(
            resource_units(
                "POST",
                &segs(&["directoryObjects", "getByIds"]),
                false,
                false,
                None
            ),
            3
        );
    }

    #[test]
    fn retry_after_is_the_time_the_bucket_needs() {
        // 3 writes per 150 s (scale 0.001): after three, the fourth waits 50 s — one token's
        // refill — and after 20 s only 30 s more. (No resource units, to see the write bucket.)
        let mut t = Throttler::new(ThrottleConfig::scaled(0.001), 10);
        let now = Instant::now();
        for _ in 0..3 {
            assert!(matches!(
                t.admit("a", "t", 0, true, now),
                Admission::Allowed { .. }
            ));
        }
        let wait = |t: &mut Throttler, at: Instant| match t.admit("a", "t", 0, true, at) {
            Admission::Throttled {
                retry_after,
                information,
                ..
            } => {
                assert_eq!(information, "WriteLimitExceeded");
                retry_after
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(&mut t, now), 50);
        assert_eq!(wait(&mut t, now + Duration::from_secs(20)), 30);
    }

    #[test]
    fn the_tenant_write_limit_is_shared_by_all_apps() {
        // 18 writes per 5 min for the tenant (scale 0.001), 3 per 150 s per app: seven apps
        // writing three each hit the tenant's limit at the 19th write, on an app that has
        // written nothing.
        let mut t = Throttler::new(ThrottleConfig::scaled(0.001), 10);
        let now = Instant::now();
        for app in 0..6 {
            for _ in 0..3 {
                assert!(matches!(
                    t.admit(&format!("app{app}"), "t", 1, true, now),
                    Admission::Allowed { .. }
                ));
            }
        }
        match t.admit("app6", "t", 1, true, now) {
            Admission::Throttled { scope, .. } => assert_eq!(scope, "Tenant/Write/t"),
            other => panic!("{other:?}"),
        }
        // Another tenant is not affected.
        assert!(matches!(
            t.admit("app6", "u", 1, true, now),
            Admission::Allowed { .. }
        ));
    }

    #[test]
    fn time_scale_shortens_the_windows_and_keeps_the_capacities() {
        // Time scale 10: 3,000 writes per 15 s. All 3,000 at once, then the next waits; after
        // 7.5 s half the budget is back, after 15 s all of it (and no more).
        let mut t = Throttler::new(ThrottleConfig::time_scaled(10.0), 10);
        let now = Instant::now();
        let write = |t: &mut Throttler, at: Instant| t.admit("a", "t", 0, true, at);
        for _ in 0..3_000 {
            assert!(matches!(write(&mut t, now), Admission::Allowed { .. }));
        }
        match write(&mut t, now) {
            Admission::Throttled {
                retry_after,
                information,
                ..
            } => {
                assert_eq!(information, "WriteLimitExceeded");
                // One write refills in 5 ms: Retry-After is whole seconds, at least 1.
                assert_eq!(retry_after, 1);
            }
            other => panic!("{other:?}"),
        }
        let half = now + Duration::from_millis(7_500);
        for _ in 0..1_500 {
            assert!(matches!(write(&mut t, half), Admission::Allowed { .. }));
        }
        assert!(matches!(write(&mut t, half), Admission::Throttled { .. }));
        let later = now + Duration::from_secs(60);
        for _ in 0..3_000 {
            assert!(matches!(write(&mut t, later), Admission::Allowed { .. }));
        }
        assert!(matches!(write(&mut t, later), Admission::Throttled { .. }));
        // The resource units of a tenant over 500 users: 8,000 per second at time scale 10.
        let mut t = Throttler::new(ThrottleConfig::time_scaled(10.0), 1_000);
        assert!(matches!(
            t.admit("a", "t", 8_000, false, now),
            Admission::Allowed { .. }
        ));
        assert!(matches!(
            t.admit("a", "t", 1, false, now),
            Admission::Throttled { .. }
        ));
        assert!(matches!(
            t.admit("a", "t", 8_000, false, now + Duration::from_secs(1)),
            Admission::Allowed { .. }
        ));
    }

    #[test]
    fn bucket_throttles_and_refills() {
        let mut t = Throttler::new(ThrottleConfig::scaled(0.001), 10); // 3 RU / 10 s
        let now = Instant::now();
        assert!(matches!(
            t.admit("a", "t", 2, false, now),
            Admission::Allowed { .. }
        ));
        match t.admit("a", "t", 1, false, now) {
            Admission::Allowed { limit_percentage } => assert_eq!(limit_percentage, Some(1.0)),
            other => panic!("{other:?}"),
        }
        match t.admit("a", "t", 1, false, now) {
            Admission::Throttled {
                retry_after,
                information,
                limit_percentage,
                ..
            } => {
                assert_eq!(information, "ResourceUnitLimitExceeded");
                assert!((1..=4).contains(&retry_after));
                assert!(limit_percentage > 1.0, "{limit_percentage}");
            }
            other => panic!("{other:?}"),
        }
        // another app is not affected
        assert!(matches!(
            t.admit("b", "t", 1, false, now),
            Admission::Allowed { .. }
        ));
        // after the window the bucket is full again
        let later = now + Duration::from_secs(10);
        assert!(matches!(
            t.admit("a", "t", 3, false, later),
            Admission::Allowed { .. }
        ));
    }
}
