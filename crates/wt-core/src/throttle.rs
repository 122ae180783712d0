//! Time-based login throttling (SECURITY.md A.6): backoff, never a permanent lock.
//!
//! Each key (an account's normalised email, or a client IP) has a small state: failures
//! counted since the window started, and a time before which attempts are refused. After
//! `free_failures` failures every further failure doubles the wait, up to `max_delay`.
//! Failures are forgotten `window` seconds after the last one. The store keeps the state
//! (so several daemons share it); the arithmetic is here.

use crate::clock::UnixTime;

/// The numbers of one throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before any wait is imposed.
    pub free_failures: u32,
    /// Wait after the first failure beyond the free ones, in seconds.
    pub base_delay: i64,
    /// Longest wait, in seconds.
    pub max_delay: i64,
    /// Seconds after the last failure when the count starts again from zero.
    pub window: i64,
}

impl Policy {
    /// Per account, across all IPs: 5 free failures, then 30 s doubling to 15 min.
    /// That allows at most about a dozen guesses an hour (ASVS: at most 100).
    pub const ACCOUNT: Policy = Policy {
        free_failures: 5,
        base_delay: 30,
        max_delay: 15 * 60,
        window: 60 * 60,
    };
    /// Wrong MFA codes per account, across sessions and IPs (SECURITY.md E.42).
    pub const MFA: Policy = Policy::ACCOUNT;
    /// Per client IP, across accounts: 20 free failures, then 10 s doubling to 15 min.
    pub const IP: Policy = Policy {
        free_failures: 20,
        base_delay: 10,
        max_delay: 15 * 60,
        window: 60 * 60,
    };
}

/// What the store keeps per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct State {
    pub failures: u32,
    pub last_failure: UnixTime,
    /// Attempts before this time are refused with 429.
    pub locked_until: UnixTime,
}

/// `Err(seconds)` when an attempt at `now` must wait that long (for `Retry-After`).
pub fn check(state: &State, now: UnixTime) -> Result<(), u64> {
    if state.locked_until > now {
        Err((state.locked_until - now) as u64)
    } else {
        Ok(())
    }
}

/// The state after a failed attempt at `now`.
pub fn record_failure(state: &State, policy: &Policy, now: UnixTime) -> State {
    let failures = if now - state.last_failure > policy.window {
        1
    } else {
        state.failures.saturating_add(1)
    };
    let locked_until = if failures >= policy.free_failures {
        let over = (failures - policy.free_failures).min(20);
        let delay = policy
            .base_delay
            .saturating_mul(1i64 << over)
            .min(policy.max_delay);
        now + delay
    } else {
        state.locked_until
    };
    State {
        failures,
        last_failure: now,
        locked_until,
    }
}

/// What counting an attempt found (SECURITY.md J.60: an attempt is counted *before* the
/// secret is checked, atomically, so requests in flight at once cannot overrun the bound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Every key admitted the attempt, and it is counted as a failure on each already;
    /// for each key (in the order given), the state found and the state written.
    Counted(Vec<(State, State)>),
    /// A key was locked: nothing was counted; retry after this many seconds.
    Locked(u64),
}

/// How an attempt counted by [`take`] that turned out right is given back on one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settle {
    pub key: String,
    pub policy: Policy,
    /// What `take` found and what it wrote.
    pub before: State,
    pub charged: State,
    /// Forget every failure (the key is the person's own) instead of giving back this one.
    pub clear: bool,
}

/// Counts an attempt at `now` before it is checked: the state to write, or how long to
/// wait when the key is locked (then nothing is counted).
pub fn take(state: &State, policy: &Policy, now: UnixTime) -> Result<State, u64> {
    check(state, now)?;
    Ok(record_failure(state, policy, now))
}

/// The state after an attempt counted by [`take`] turned out right (`before` is what
/// `take` found, `charged` what it wrote, `current` what the key holds now). When nothing
/// else touched the key meanwhile, it is exactly as before; otherwise the attempt is taken
/// off the count, and a wait is lifted only when the count is back under the free ones.
pub fn refund(current: &State, before: &State, charged: &State, policy: &Policy) -> State {
    if current == charged {
        return *before;
    }
    let failures = current.failures.saturating_sub(1);
    State {
        failures,
        last_failure: current.last_failure,
        locked_until: if failures < policy.free_failures {
            before.locked_until.min(current.locked_until)
        } else {
            current.locked_until
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail_n(n: u32, policy: &Policy, now: UnixTime) -> State {
        (0..n).fold(State::default(), |s, _| record_failure(&s, policy, now))
    }

    #[test]
    fn five_failures_then_the_sixth_attempt_waits() {
        let now = 1_000_000;
        let s = fail_n(4, &Policy::ACCOUNT, now);
        assert_eq!(check(&s, now), Ok(()));
        let s = record_failure(&s, &Policy::ACCOUNT, now);
        assert_eq!(check(&s, now), Err(30));
        // Time-based: the wait ends by itself.
        assert_eq!(check(&s, now + 30), Ok(()));
    }

    #[test]
    fn waits_double_and_are_capped() {
        let now = 1_000_000;
        let mut s = fail_n(5, &Policy::ACCOUNT, now);
        let mut waits = vec![check(&s, now).err()];
        for _ in 0..6 {
            s = record_failure(&s, &Policy::ACCOUNT, now);
            waits.push(check(&s, now).err());
        }
        let want = [30, 60, 120, 240, 480, 900, 900].map(Some);
        assert_eq!(waits, want);
    }

    #[test]
    fn failures_are_forgotten_after_the_window() {
        let now = 1_000_000;
        let s = fail_n(5, &Policy::ACCOUNT, now);
        let later = now + Policy::ACCOUNT.window + 1;
        let s = record_failure(&s, &Policy::ACCOUNT, later);
        assert_eq!(s.failures, 1);
        assert_eq!(check(&s, later), Ok(()));
    }

    #[test]
    fn take_counts_before_the_check_and_refuses_once_locked() {
        let (p, now) = (Policy::ACCOUNT, 1_000_000);
        let mut s = State::default();
        // Five attempts in flight at once: each is counted as it is admitted.
        for _ in 0..5 {
            s = take(&s, &p, now).expect("admitted");
        }
        assert_eq!(
            take(&s, &p, now),
            Err(30),
            "the sixth is refused, uncounted"
        );
        assert_eq!(s.failures, 5);
    }

    #[test]
    fn a_right_attempt_gets_its_count_back() {
        let (p, now) = (Policy::IP, 1_000_000);
        let before = fail_n(19, &p, now);
        let charged = take(&before, &p, now).expect("admitted");
        assert!(
            check(&charged, now).is_err(),
            "the 20th attempt locks while in flight"
        );
        // Alone: exactly as before.
        assert_eq!(refund(&charged, &before, &charged, &p), before);
        // Another attempt was counted meanwhile: one fewer, and the lock stays only if
        // the remaining count earns it.
        let other = take(&State::default(), &p, now).expect("admitted");
        let both = record_failure(&charged, &p, now);
        let after = refund(&both, &before, &charged, &p);
        assert_eq!(after.failures, 20);
        assert!(check(&after, now).is_err());
        let low = refund(&other, &State::default(), &State::default(), &p);
        assert_eq!((low.failures, check(&low, now)), (0, Ok(())));
    }

    #[test]
    fn at_most_a_hundred_guesses_an_hour() {
        // An attacker who waits out every lock: count the guesses in one hour.
        let p = Policy::ACCOUNT;
        let mut s = State::default();
        let (mut t, start, mut guesses) = (0i64, 0i64, 0);
        while t < start + 3600 {
            match check(&s, t) {
                Ok(()) => {
                    s = record_failure(&s, &p, t);
                    guesses += 1;
                }
                Err(w) => t += w as i64,
            }
        }
        assert!(guesses <= 100, "{guesses}");
    }
}
