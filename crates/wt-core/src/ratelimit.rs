//! Per-key rate limits: the notation (`500/s`, `30000/min`, `100/h`), the burst, and the
//! values of the IETF `RateLimit-Policy` / `RateLimit` header fields
//! (draft-ietf-httpapi-ratelimit-headers-10: `"name";q=<quota>;w=<window>` and
//! `"name";r=<remaining>;t=<seconds>`).
//!
//! The limiter itself is GCRA (the `governor` crate, in the daemon beside the key cache):
//! a key may send `burst` requests at once, and one more every `period / count`. The
//! policy advertised is therefore "`burst` requests per the time a full burst takes to
//! come back" (`w`), which is exact for GCRA; `r` is what may be sent right now and `t`
//! the seconds until the budget is full again.

use std::fmt;
use std::time::Duration;

/// The name of the policy in the header fields (one policy: the key's).
pub const POLICY_NAME: &str = "key";
/// Most requests per period a limit may name.
pub const MAX_COUNT: u32 = 10_000_000;
/// Largest burst.
pub const MAX_BURST: u32 = 10_000_000;

/// The period of a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Per {
    Second,
    Minute,
    Hour,
}

impl Per {
    /// The period in seconds.
    pub fn seconds(self) -> u64 {
        match self {
            Per::Second => 1,
            Per::Minute => 60,
            Per::Hour => 3600,
        }
    }

    /// The unit as written (`s`, `min`, `h`).
    pub fn as_str(self) -> &'static str {
        match self {
            Per::Second => "s",
            Per::Minute => "min",
            Per::Hour => "h",
        }
    }

    fn parse(s: &str) -> Option<Per> {
        match s {
            "s" | "sec" | "second" => Some(Per::Second),
            "m" | "min" | "minute" => Some(Per::Minute),
            "h" | "hr" | "hour" => Some(Per::Hour),
            _ => None,
        }
    }
}

/// A rate limit: `count` requests per `per`, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyRate {
    pub count: u32,
    pub per: Per,
    pub burst: u32,
}

/// Why a rate limit was refused (shown to the user as is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("rate: write it as COUNT/UNIT, e.g. 500/s, 30000/min or 100/h")]
    Syntax,
    #[error("rate: the count must be 1 to {MAX_COUNT}")]
    Count,
    #[error("burst: 1 to {MAX_BURST}")]
    Burst,
    #[error("burst needs a rate (--rate)")]
    BurstWithoutRate,
}

impl KeyRate {
    /// Parses `500/s` (units `s`, `min`, `h`) and an optional burst; without one, the
    /// burst is one period's worth (`count`).
    pub fn parse(rate: &str, burst: Option<u32>) -> Result<KeyRate, RateError> {
        let (count, unit) = rate.trim().split_once('/').ok_or(RateError::Syntax)?;
        let count: u32 = count.trim().parse().map_err(|_| RateError::Syntax)?;
        let per = Per::parse(unit.trim().to_ascii_lowercase().as_str()).ok_or(RateError::Syntax)?;
        if count == 0 || count > MAX_COUNT {
            return Err(RateError::Count);
        }
        let burst = burst.unwrap_or(count);
        if burst == 0 || burst > MAX_BURST {
            return Err(RateError::Burst);
        }
        Ok(KeyRate { count, per, burst })
    }

    /// The rate as written (`500/s`), the stored form.
    pub fn rate_str(&self) -> String {
        format!("{}/{}", self.count, self.per.as_str())
    }

    /// The time one request's budget takes to come back (`period / count`), at least 1 ns.
    pub fn replenish_interval(&self) -> Duration {
        let nanos = u128::from(self.per.seconds()) * 1_000_000_000 / u128::from(self.count);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX).max(1))
    }

    /// Seconds a full burst takes to come back (the policy's window `w`), at least 1.
    pub fn window_seconds(&self) -> u64 {
        self.seconds_for(self.burst)
    }

    /// Seconds `n` requests' budget takes to come back, rounded up.
    pub fn seconds_for(&self, n: u32) -> u64 {
        let num = u128::from(n) * u128::from(self.per.seconds());
        let secs = num.div_ceil(u128::from(self.count));
        u64::try_from(secs)
            .unwrap_or(u64::MAX)
            .max(u64::from(n > 0))
    }

    /// The `RateLimit-Policy` field value.
    pub fn policy_header(&self) -> String {
        format!(
            "\"{POLICY_NAME}\";q={};w={}",
            self.burst,
            self.window_seconds()
        )
    }

    /// The `RateLimit` field value: `remaining` requests may be sent now; the budget is
    /// full again in `t` seconds.
    pub fn state_header(&self, remaining: u32) -> String {
        format!(
            "\"{POLICY_NAME}\";r={remaining};t={}",
            self.reset_seconds(remaining)
        )
    }

    /// Seconds until the budget is full again, when `remaining` is left.
    pub fn reset_seconds(&self, remaining: u32) -> u64 {
        self.seconds_for(self.burst.saturating_sub(remaining))
    }
}

impl fmt::Display for KeyRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} (burst {})",
            self.count,
            self.per.as_str(),
            self.burst
        )
    }
}

/// The limit that applies to a key: its own, else its org's default, else none.
pub fn effective(key: Option<KeyRate>, org_default: Option<KeyRate>) -> Option<KeyRate> {
    key.or(org_default)
}

/// Seconds to wait (`Retry-After`) for a wait of `d`, rounded up, at least 1.
pub fn retry_after_seconds(d: Duration) -> u64 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    s.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_in_three_units() {
        let r = KeyRate::parse("500/s", Some(1000)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.count, r.per, r.burst), (500, Per::Second, 1000));
        let r = KeyRate::parse(" 30000 / min ", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.count, r.per, r.burst), (30000, Per::Minute, 30000));
        let r = KeyRate::parse("100/H", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.per, Per::Hour);
        assert_eq!(r.rate_str(), "100/h");
    }

    #[test]
    fn bad_rates_are_refused_with_a_reason() {
        for bad in ["", "500", "500/", "/s", "x/s", "500/day", "-1/s", "1.5/s"] {
            assert_eq!(KeyRate::parse(bad, None), Err(RateError::Syntax), "{bad}");
        }
        assert_eq!(KeyRate::parse("0/s", None), Err(RateError::Count));
        assert_eq!(KeyRate::parse("10000001/s", None), Err(RateError::Count));
        assert_eq!(KeyRate::parse("5/s", Some(0)), Err(RateError::Burst));
    }

    #[test]
    fn intervals_and_windows() {
        let r = KeyRate::parse("500/s", Some(1000)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.replenish_interval(), Duration::from_millis(2));
        assert_eq!(r.window_seconds(), 2);
        let r = KeyRate::parse("1/h", Some(5)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.window_seconds(), 5 * 3600);
        assert_eq!(r.reset_seconds(5), 0);
        assert_eq!(r.reset_seconds(3), 2 * 3600);
        let r = KeyRate::parse("3/s", Some(1)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.window_seconds(), 1, "rounded up");
    }

    #[test]
    fn header_values_follow_the_draft() {
        let r = KeyRate::parse("10/min", Some(20)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.policy_header(), "\"key\";q=20;w=120");
        assert_eq!(r.state_header(15), "\"key\";r=15;t=30");
        assert_eq!(r.state_header(0), "\"key\";r=0;t=120");
    }

    #[test]
    fn the_key_limit_wins_over_the_org_default() {
        let k = KeyRate::parse("1/s", None).ok();
        let o = KeyRate::parse("9/s", None).ok();
        assert_eq!(effective(k, o), k);
        assert_eq!(effective(None, o), o);
        assert_eq!(effective(None, None), None);
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
    }
}
