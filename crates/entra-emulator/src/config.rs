//! Emulator configuration: listener, TLS, tenant, latency, throttling, faults and lifetimes.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::fixture::TenantFixture;

/// Everything [`crate::RunningEmulator::start`] needs.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; must be a loopback address. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Serve HTTPS with a freshly generated CA and server certificate.
    pub tls: bool,
    /// The tenant to emulate.
    pub tenant: TenantFixture,
    /// Fixed latency added to every Graph request (and to every request inside a `$batch`,
    /// which run concurrently).
    pub latency: Duration,
    /// Graph throttling (Microsoft's identity-and-access limits by default).
    pub throttling: ThrottleConfig,
    /// Seeded fault injection (none by default).
    pub faults: FaultConfig,
    /// Where generated CA/certificate files go (a fresh temporary directory when `None`).
    pub state_dir: Option<PathBuf>,
    /// Token, code and device-code lifetimes (Microsoft's defaults unless shortened for tests).
    pub lifetimes: Lifetimes,
    /// Extra DNS names in the TLS server certificate, e.g. `login.microsoftonline.com` and
    /// `graph.microsoft.com` for a test that makes Microsoft's names resolve to the emulator.
    /// (`localhost`, `127.0.0.1` and `::1` are always in it.)
    pub tls_names: Vec<String>,
    /// Append one JSON line per request served (login and Graph, each request inside a `$batch`
    /// too) to this file: host, method, path, query, the JSON body of Graph writes (login form
    /// values are never written, only their names) and the status. For checking a client's
    /// traffic against Microsoft's description of Graph.
    pub record: Option<PathBuf>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: false,
            tenant: crate::demo::demo_tenant(),
            latency: Duration::ZERO,
            throttling: ThrottleConfig::default(),
            faults: FaultConfig::default(),
            state_dir: None,
            lifetimes: Lifetimes::default(),
            tls_names: Vec::new(),
            record: None,
        }
    }
}

/// Graph throttling per Microsoft's "identity and access" service limits.
///
/// Buckets (all token buckets refilled continuously):
/// application + tenant: 3,500 / 5,000 / 8,000 resource units per 10 s (tenant under 50 /
/// 50–500 / over 500 users) and 3,000 writes per 150 s; application across tenants:
/// 150,000 RU per 20 s and 70,000 writes per 5 min; tenant across apps: 18,000 writes per 5 min.
///
/// Two ways to scale them: `scale` shrinks the capacities (a test reaches a limit with a few
/// requests), `time_scale` shrinks the windows and keeps the capacities (a benchmark shows a
/// run's real shape in less time: at 10, 3,000 writes per 15 s). A client pacing itself against
/// a time-scaled emulator must be given the same time scale (`rolesync_entra::Pacing`).
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleConfig {
    /// When false no request is ever throttled (headers with the cost are still sent).
    pub enabled: bool,
    /// Multiplies every limit (e.g. `0.001` turns 3,500 RU into 3 RU); never below 1.
    pub scale: f64,
    /// Divides every window (e.g. `10` turns 3,000 writes per 150 s into 3,000 per 15 s);
    /// `Retry-After` is then in real seconds of the shorter windows.
    pub time_scale: f64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            enabled: true,
            scale: 1.0,
            time_scale: 1.0,
        }
    }
}

impl ThrottleConfig {
    /// No throttling at all.
    pub fn disabled() -> Self {
        ThrottleConfig {
            enabled: false,
            ..ThrottleConfig::default()
        }
    }
    /// Microsoft's limits multiplied by `scale`.
    pub fn scaled(scale: f64) -> Self {
        ThrottleConfig {
            scale,
            ..ThrottleConfig::default()
        }
    }
    /// Microsoft's limits with every window divided by `time_scale`.
    pub fn time_scaled(time_scale: f64) -> Self {
        ThrottleConfig {
            time_scale,
            ..ThrottleConfig::default()
        }
    }
}

/// Seeded fault injection for Graph requests. Rates are probabilities in `0.0..=1.0`; the
/// "before" faults (429, 500, 503, 504, dropped connection) are drawn together and never
/// let a write take effect; the "after commit" faults apply only to writes that took effect.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultConfig {
    /// Seed of the `StdRng` that draws faults (and orders `$batch` responses).
    pub seed: u64,
    /// Rate of 429 `TooManyRequests` with `Retry-After: 1`.
    pub rate_429: f64,
    /// Rate of 500.
    pub rate_500: f64,
    /// Rate of 503 with `Retry-After`.
    pub rate_503: f64,
    /// Rate of 504.
    pub rate_504: f64,
    /// Rate of connections closed without any response, before the request is processed.
    pub rate_drop: f64,
    /// Rate of connections closed without any response *after* a write was applied.
    pub rate_drop_after_commit: f64,
    /// Rate of 504 responses sent *after* a write was applied.
    pub rate_504_after_commit: f64,
}

impl FaultConfig {
    /// No faults; responses in a `$batch` are still shuffled with `seed`.
    pub fn none(seed: u64) -> Self {
        FaultConfig {
            seed,
            ..FaultConfig::default()
        }
    }
}

/// Lifetimes of issued artefacts.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifetimes {
    /// Access-token lifetime (`expires_in`; Microsoft reports 3599).
    pub access_token: Duration,
    /// Authorization-code lifetime (Microsoft: about 10 minutes).
    pub auth_code: Duration,
    /// Device-code lifetime (`expires_in`, Microsoft: 900 s).
    pub device_code: Duration,
    /// Minimum interval between device-code polls (`interval`, Microsoft: 5 s); faster polls get
    /// `slow_down`. The advertised `interval` is this rounded up to whole seconds.
    pub device_code_interval: Duration,
    /// Refresh-token lifetime (Microsoft: 90 days).
    pub refresh_token: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            access_token: Duration::from_secs(3599),
            auth_code: Duration::from_secs(600),
            device_code: Duration::from_secs(900),
            device_code_interval: Duration::from_secs(5),
            refresh_token: Duration::from_secs(90 * 24 * 3600),
        }
    }
}
