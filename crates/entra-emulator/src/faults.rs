//! Seeded fault injection: transient errors before a request takes effect (429, 500, 503, 504,
//! dropped connection) and failures after a write was applied (dropped connection, 504).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::FaultConfig;

/// A fault that happens before the request is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PreFault {
    TooManyRequests,
    InternalError,
    Unavailable,
    GatewayTimeout,
    Drop,
}

/// A fault that happens after a write took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostFault {
    Drop,
    GatewayTimeout,
}

/// The faults drawn for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FaultDecision {
    pub pre: Option<PreFault>,
    pub post: Option<PostFault>,
}

/// Draws faults in request order from one seeded generator.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    cfg: FaultConfig,
    rng: StdRng,
}

impl FaultInjector {
    pub fn new(cfg: FaultConfig) -> FaultInjector {
        let rng = StdRng::seed_from_u64(cfg.seed);
        FaultInjector { cfg, rng }
    }

    /// Two draws per request, always, so the sequence depends only on the request count.
    pub fn draw(&mut self) -> FaultDecision {
        let a: f64 = self.rng.gen();
        let b: f64 = self.rng.gen();
        let c = &self.cfg;
        let mut edge = 0.0;
        let mut pre = None;
        for (rate, f) in [
            (c.rate_429, PreFault::TooManyRequests),
            (c.rate_500, PreFault::InternalError),
            (c.rate_503, PreFault::Unavailable),
            (c.rate_504, PreFault::GatewayTimeout),
            (c.rate_drop, PreFault::Drop),
        ] {
            edge += rate;
            if pre.is_none() && a < edge {
                pre = Some(f);
            }
        }
        let post = if b < c.rate_drop_after_commit {
            Some(PostFault::Drop)
        } else if b < c.rate_drop_after_commit + c.rate_504_after_commit {
            Some(PostFault::GatewayTimeout)
        } else {
            None
        };
        FaultDecision { pre, post }
    }

    /// A seed for shuffling one `$batch` response.
    pub fn next_seed(&mut self) -> u64 {
        self.rng.gen()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let cfg = FaultConfig {
            seed: 7,
            rate_429: 0.2,
            rate_500: 0.1,
            rate_drop: 0.1,
            ..FaultConfig::default()
        };
        let mut a = FaultInjector::new(cfg.clone());
        let mut b = FaultInjector::new(cfg);
        let xs: Vec<_> = (0..200).map(|_| a.draw()).collect();
        let ys: Vec<_> = (0..200).map(|_| b.draw()).collect();
        assert_eq!(xs, ys);
        let n429 = xs
            .iter()
            .filter(|d| d.pre == Some(PreFault::TooManyRequests))
            .count();
        assert!((20..=60).contains(&n429), "{n429}");
        assert!(xs.iter().all(|d| d.post.is_none()));
    }

    #[test]
    fn no_faults_by_default() {
        let mut f = FaultInjector::new(FaultConfig::default());
        assert!((0..100).all(|_| f.draw() == FaultDecision::default()));
    }
}
