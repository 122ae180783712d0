//! Per-key rate limits in memory, beside the key cache: one GCRA limiter (`governor`) per
//! key id, created on the key's first request and replaced when its effective limit (the
//! key's own, else its org's default: `wt_core::ratelimit::effective`) changes, so an
//! edit applies on the next request on this replica.
//!
//! Counters are per replica: with N daemons behind a load balancer a key may send up to N
//! times its limit in the worst case (ARCHITECTURE.md, "Rate limits and replicas"). The
//! honest simple answer, measured in tests/e2e/key_limits.rs: no shared counter, no
//! round trip on the hot path.
//!
//! Cost per request: a read lock and a hash lookup by `&str` (no allocation), a quota
//! comparison and one atomic compare-and-swap (governor). The write lock is taken only for
//! a key's first request and after a limit change.

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use wt_core::ratelimit::{KeyRate, retry_after_seconds};

type Limiter<C> = RateLimiter<NotKeyed, InMemoryState, C, StateInformationMiddleware>;

/// One key's limiter and the limit it was made for.
struct Slot<C: Clock> {
    rate: KeyRate,
    limiter: Limiter<C>,
}

/// What the limit says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The key has no limit.
    Unlimited,
    /// Admitted; `remaining` more may be sent right now.
    Allowed { rate: KeyRate, remaining: u32 },
    /// Refused: retry in `retry_after` seconds.
    Throttled { rate: KeyRate, retry_after: u64 },
}

impl Decision {
    /// The rate limit and remaining budget, for the `RateLimit*` headers of an answer.
    pub fn budget(&self) -> Option<(KeyRate, u32)> {
        match *self {
            Decision::Unlimited => None,
            Decision::Allowed { rate, remaining } => Some((rate, remaining)),
            Decision::Throttled { rate, .. } => Some((rate, 0)),
        }
    }
}

/// Every key's limiter. One per daemon, in [`crate::state::AppState`].
pub struct Limiters<C: Clock = DefaultClock> {
    clock: C,
    /// Key id -> limiter. Entries of deleted keys stay until restart (a few hundred bytes
    /// each; keys are never deleted, only revoked, and revoked keys make no requests).
    slots: RwLock<HashMap<String, Arc<Slot<C>>>>,
}

impl<C: Clock> std::fmt::Debug for Limiters<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters").finish_non_exhaustive()
    }
}

impl Default for Limiters<DefaultClock> {
    fn default() -> Self {
        Self::with_clock(DefaultClock::default())
    }
}

fn quota(rate: KeyRate) -> Quota {
    let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(rate.replenish_interval())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl<C: Clock + Clone> Limiters<C> {
    /// Limiters on `clock` (a `FakeRelativeClock` in tests).
    pub fn with_clock(clock: C) -> Self {
        Self {
            clock,
            slots: RwLock::default(),
        }
    }

    fn slot(&self, key_id: &str, rate: KeyRate) -> Arc<Slot<C>> {
        if let Some(s) = self
            .slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key_id)
            .filter(|s| s.rate == rate)
        {
            return s.clone();
        }
        let mut slots = self.slots.write().unwrap_or_else(|p| p.into_inner());
        // Another request may have made it meanwhile: keep that one (its budget counts).
        if let Some(s) = slots.get(key_id).filter(|s| s.rate == rate) {
            return s.clone();
        }
        let s = Arc::new(Slot {
            rate,
            limiter: RateLimiter::direct_with_clock(quota(rate), self.clock.clone())
                .with_middleware::<StateInformationMiddleware>(),
        });
        slots.insert(key_id.to_string(), s.clone());
        s
    }

    /// Takes one request from `key_id`'s budget under `rate` (`None`: no limit).
    pub fn check(&self, key_id: &str, rate: Option<KeyRate>) -> Decision {
        let Some(rate) = rate else {
            return Decision::Unlimited;
        };
        let slot = self.slot(key_id, rate);
        match slot.limiter.check() {
            Ok(snapshot) => Decision::Allowed {
                rate,
                remaining: snapshot.remaining_burst_capacity(),
            },
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Decision::Throttled {
                    rate,
                    retry_after: retry_after_seconds(wait),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    fn rate(r: &str, burst: u32) -> Option<KeyRate> {
        KeyRate::parse(r, Some(burst)).ok()
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let clock = FakeRelativeClock::default();
        let l = Limiters::with_clock(clock.clone());
        let r = rate("10/s", 3);
        for left in [2, 1, 0] {
            assert_eq!(
                l.check("k", r),
                Decision::Allowed {
                    rate: r.unwrap_or_else(|| panic!()),
                    remaining: left
                }
            );
        }
        assert!(matches!(
            l.check("k", r),
            Decision::Throttled { retry_after: 1, .. }
        ));
        clock.advance(Duration::from_millis(100));
        assert!(matches!(l.check("k", r), Decision::Allowed { .. }));
        assert!(matches!(l.check("k", r), Decision::Throttled { .. }));
    }

    #[test]
    fn exact_counts_under_concurrency() {
        // 50 threads x 20 requests at one instant against a burst of 100: exactly 100 pass.
        let clock = FakeRelativeClock::default();
        let l = Arc::new(Limiters::with_clock(clock.clone()));
        let r = rate("1/h", 100);
        let passed = std::sync::atomic::AtomicU32::new(0);
        std::thread::scope(|s| {
            for _ in 0..50 {
                s.spawn(|| {
                    for _ in 0..20 {
                        if matches!(l.check("k", r), Decision::Allowed { .. }) {
                            passed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(passed.into_inner(), 100);
        // One hour later exactly one more.
        clock.advance(Duration::from_secs(3600));
        assert!(matches!(l.check("k", r), Decision::Allowed { .. }));
        assert!(matches!(l.check("k", r), Decision::Throttled { .. }));
    }

    #[test]
    fn keys_have_their_own_budgets_and_a_new_limit_starts_fresh() {
        let l = Limiters::with_clock(FakeRelativeClock::default());
        let r = rate("1/h", 1);
        assert!(matches!(l.check("a", r), Decision::Allowed { .. }));
        assert!(matches!(l.check("a", r), Decision::Throttled { .. }));
        assert!(matches!(l.check("b", r), Decision::Allowed { .. }));
        assert!(matches!(
            l.check("a", rate("1/h", 2)),
            Decision::Allowed { .. }
        ));
        assert_eq!(l.check("a", None), Decision::Unlimited);
    }

    #[test]
    fn retry_after_names_the_wait() {
        let l = Limiters::with_clock(FakeRelativeClock::default());
        let r = rate("1/min", 1);
        let _ = l.check("k", r);
        assert!(matches!(
            l.check("k", r),
            Decision::Throttled {
                retry_after: 60,
                ..
            }
        ));
    }
}
