//! The device authorization grant of `wt login --web` (RFC 8628): the codes, the states
//! a grant goes through, and what one poll of the token endpoint answers, given the
//! grant and the time. No I/O: the store keeps the grant, the daemon asks here.
//!
//! States: `pending` (asked for, nobody answered yet) -> `approved` (a member approved
//! it with a fresh second factor, for their org) -> `redeemed` (the CLI got its session,
//! once); or `pending` -> `denied`. Any state but `redeemed` becomes `expired` once
//! [`CODE_TTL`] has passed (the time decides; the store records it when a poll sees it).

use crate::clock::UnixTime;

/// How long a device code (and its user code) is good for, in seconds (RFC 8628 §3.2
/// `expires_in`).
pub const CODE_TTL: i64 = 10 * 60;

/// The polling interval the CLI is given at first, in seconds (RFC 8628 §3.2 `interval`;
/// the RFC's default is 5).
pub const INTERVAL: i64 = 5;

/// What every `slow_down` adds to the interval, in seconds (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP: i64 = 5;

/// The longest interval `slow_down` grows to: a client that keeps polling too fast is
/// still answered within a minute once the grant is decided.
pub const MAX_INTERVAL: i64 = 60;

/// The user code's alphabet (RFC 8628 §6.1): consonants only, no vowels (no words), no
/// digits (no 0/O or 1/I confusion), easy to type on a phone.
pub const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Characters of a user code (shown as `XXXX-XXXX`): 20^8 ≈ 2.6·10^10 codes, against a
/// guesser held to a few dozen tries an hour per account and address (the throttle).
pub const USER_CODE_LEN: usize = 8;

/// The device code's prefix (a bearer secret of the CLI: 43 base62 characters after it).
pub const DEVICE_CODE_PREFIX: &str = "wtdc_";

/// The grant type of the token request (RFC 8628 §3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A new device code: a high-entropy secret, stored only as a keyed hash.
pub fn generate_device_code() -> crate::secret::SecretString {
    crate::token::generate(DEVICE_CODE_PREFIX)
}

/// Whether `s` has the shape of a device code (checked before any lookup).
pub fn is_device_code(s: &str) -> bool {
    crate::token::has_shape(s, DEVICE_CODE_PREFIX)
}

/// A new user code, in its canonical form (8 letters, no dash): uniform over the
/// alphabet (rejection sampling, no modulo bias).
pub fn generate_user_code() -> String {
    let mut out = String::with_capacity(USER_CODE_LEN);
    let n = USER_CODE_ALPHABET.len() as u8;
    // The largest multiple of n that fits in a byte: bytes at or above it are redrawn.
    let limit = u8::MAX - (u8::MAX % n);
    while out.len() < USER_CODE_LEN {
        for b in crate::token::random_bytes::<16>() {
            if b < limit && out.len() < USER_CODE_LEN {
                out.push(USER_CODE_ALPHABET[usize::from(b % n)] as char);
            }
        }
    }
    out
}

/// A canonical user code as people see it: `XXXX-XXXX`.
pub fn display_user_code(canonical: &str) -> String {
    if canonical.len() == USER_CODE_LEN && canonical.is_ascii() {
        format!("{}-{}", &canonical[..4], &canonical[4..])
    } else {
        canonical.to_string()
    }
}

/// A user code as typed, in its canonical form: case-insensitive, dashes and spaces
/// ignored (RFC 8628 §6.1). `None` when it cannot be a user code at all (then no lookup,
/// and no attempt counted against anyone but the address).
pub fn normalize_user_code(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let s: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() == USER_CODE_LEN && s.bytes().all(|b| USER_CODE_ALPHABET.contains(&b))).then_some(s)
}

/// A code's keyed hash (HMAC-SHA256 with a subkey of the master key, hex): what the
/// store keeps and looks up. Keyed, so a copy of the database alone cannot test user
/// codes (a small space) offline.
pub fn keyed_hash(key: &[u8; 32], code: &str) -> String {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Where a grant stands, as the store records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Approved,
    Denied,
    Redeemed,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Denied => "denied",
            Status::Redeemed => "redeemed",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pending" => Status::Pending,
            "approved" => Status::Approved,
            "denied" => Status::Denied,
            "redeemed" => Status::Redeemed,
            "expired" => Status::Expired,
            _ => return None,
        })
    }
}

/// What a poll needs to know of a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub status: Status,
    pub expires_at: UnixTime,
    /// The interval the client was last told, in seconds.
    pub interval: i64,
    /// When the client last polled (None: never).
    pub last_polled_at: Option<UnixTime>,
}

impl Grant {
    /// Whether the grant is past its lifetime at `now` (whatever its recorded status).
    pub fn lapsed(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }

    /// The state a person sees at `now`: `expired` once lapsed, unless already redeemed.
    pub fn effective(&self, now: UnixTime) -> Status {
        match self.status {
            Status::Redeemed => Status::Redeemed,
            _ if self.lapsed(now) => Status::Expired,
            s => s,
        }
    }
}

/// What one poll of the token endpoint answers (RFC 8628 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// Still pending: poll again after `interval` (`authorization_pending`).
    Pending,
    /// Polled sooner than the interval allows: the interval grows to this, for this and
    /// every later poll (`slow_down`).
    SlowDown { interval: i64 },
    /// Approved: this poll may redeem it for a session (once; the store decides which of
    /// simultaneous polls).
    Redeem,
    /// A member denied it (`access_denied`).
    Denied,
    /// It lapsed (`expired_token`); `record` when the store still says otherwise (the
    /// first poll to see it writes the audit entry).
    Expired { record: bool },
    /// Redeemed already (`invalid_grant`): a device code is good for one session.
    Redeemed,
}

impl Poll {
    /// The RFC 8628 / RFC 6749 error code of this answer (None: a session is due).
    pub fn error_code(self) -> Option<&'static str> {
        match self {
            Poll::Pending => Some("authorization_pending"),
            Poll::SlowDown { .. } => Some("slow_down"),
            Poll::Redeem => None,
            Poll::Denied => Some("access_denied"),
            Poll::Expired { .. } => Some("expired_token"),
            Poll::Redeemed => Some("invalid_grant"),
        }
    }
}

/// Decides a poll at `now`. The interval is enforced only while the grant is pending
/// (a poll that finds it decided gets its answer at once). The store applies a `Pending`
/// answer with a conditional update of `last_polled_at`, so of simultaneous polls one is
/// `Pending` and the others turn into [`slow_down`].
pub fn poll(g: &Grant, now: UnixTime) -> Poll {
    match g.effective(now) {
        Status::Redeemed => Poll::Redeemed,
        // Recorded (and audited) once, for a grant nobody had refused.
        Status::Expired => Poll::Expired {
            record: matches!(g.status, Status::Pending | Status::Approved),
        },
        Status::Denied => Poll::Denied,
        Status::Approved => Poll::Redeem,
        Status::Pending => match g.last_polled_at {
            Some(last) if now - last < g.interval => slow_down(g.interval),
            _ => Poll::Pending,
        },
    }
}

/// The answer to a poll that came too soon: the interval grows by [`SLOW_DOWN_STEP`], up
/// to [`MAX_INTERVAL`].
pub fn slow_down(interval: i64) -> Poll {
    Poll::SlowDown {
        interval: (interval + SLOW_DOWN_STEP).min(MAX_INTERVAL),
    }
}

/// Why a member cannot answer a grant (the approve/deny screen says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnswerable {
    /// Approved, denied or redeemed already.
    Answered,
    /// Past its lifetime.
    Expired,
    /// The login asked for another org (`wt login --web --org`) than the member's.
    OtherOrg,
}

/// Whether a member of `org_slug` may approve or deny `g` at `now`; `requested_org` is
/// the org `wt login --web --org` named, if any.
pub fn answerable(
    g: &Grant,
    requested_org: Option<&str>,
    org_slug: &str,
    now: UnixTime,
) -> Result<(), NotAnswerable> {
    match g.effective(now) {
        Status::Pending => {}
        Status::Expired => return Err(NotAnswerable::Expired),
        _ => return Err(NotAnswerable::Answered),
    }
    match requested_org {
        Some(o) if o != org_slug => Err(NotAnswerable::OtherOrg),
        _ => Ok(()),
    }
}

/// The `wt` version and operating system of a `wt login --web` request, from its
/// `User-Agent` (`wt/0.1.0 (linux; x86_64)`); `None` for what another client sent.
pub fn cli_agent(user_agent: Option<&str>) -> Option<(String, String)> {
    let ua = user_agent?.trim();
    let rest = ua.strip_prefix("wt/")?;
    let (version, os) = match rest.split_once(' ') {
        Some((v, os)) => (v, os.trim().trim_start_matches('(').trim_end_matches(')')),
        None => (rest, ""),
    };
    let clean = |s: &str, max: usize| -> String {
        s.chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .take(max)
            .collect()
    };
    Some((clean(version, 32), clean(os, 64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(status: Status) -> Grant {
        Grant {
            status,
            expires_at: 1_000 + CODE_TTL,
            interval: INTERVAL,
            last_polled_at: None,
        }
    }

    #[test]
    fn user_codes_use_the_alphabet_and_normalize_case_and_dashes() {
        for _ in 0..200 {
            let c = generate_user_code();
            assert_eq!(c.len(), USER_CODE_LEN);
            assert!(c.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)), "{c}");
            let shown = display_user_code(&c);
            assert_eq!(shown.len(), 9);
            assert_eq!(normalize_user_code(&shown).as_deref(), Some(c.as_str()));
            assert_eq!(
                normalize_user_code(&shown.to_lowercase()).as_deref(),
                Some(c.as_str())
            );
        }
        assert_eq!(
            normalize_user_code(" bcdf-ghjk ").as_deref(),
            Some("BCDFGHJK")
        );
        // Vowels, digits, too short or long: not a user code.
        for bad in [
            "BCDF-GHJA",
            "BCDF-GHJ1",
            "BCDF-GHJ",
            "BCDF-GHJKL",
            "",
            "ÄBCD-FGHJ",
        ] {
            assert_eq!(normalize_user_code(bad), None, "{bad}");
        }
        assert_eq!(normalize_user_code(&"B".repeat(1000)), None);
    }

    #[test]
    fn codes_are_hashed_with_a_key() {
        let (k1, k2) = ([1u8; 32], [2u8; 32]);
        assert_eq!(keyed_hash(&k1, "BCDFGHJK"), keyed_hash(&k1, "BCDFGHJK"));
        assert_ne!(keyed_hash(&k1, "BCDFGHJK"), keyed_hash(&k2, "BCDFGHJK"));
        assert_ne!(keyed_hash(&k1, "BCDFGHJK"), keyed_hash(&k1, "BCDFGHJL"));
        let dc = generate_device_code();
        assert!(is_device_code(dc.expose()));
        assert!(!is_device_code("wtdc_short"));
    }

    #[test]
    fn a_pending_grant_answers_pending_then_slow_down_when_polled_too_soon() {
        let mut g = grant(Status::Pending);
        assert_eq!(poll(&g, 1_000), Poll::Pending);
        g.last_polled_at = Some(1_000);
        assert_eq!(
            poll(&g, 1_000 + INTERVAL - 1),
            Poll::SlowDown {
                interval: INTERVAL + SLOW_DOWN_STEP
            }
        );
        assert_eq!(poll(&g, 1_000 + INTERVAL), Poll::Pending);
        // The interval grows with every slow_down, up to the cap.
        g.interval = MAX_INTERVAL;
        assert_eq!(
            poll(&g, 1_001),
            Poll::SlowDown {
                interval: MAX_INTERVAL
            }
        );
        assert_eq!(Poll::Pending.error_code(), Some("authorization_pending"));
        assert_eq!(slow_down(5).error_code(), Some("slow_down"));
    }

    #[test]
    fn decided_grants_answer_at_once_whatever_the_interval() {
        let mut g = grant(Status::Approved);
        g.last_polled_at = Some(1_000);
        assert_eq!(poll(&g, 1_000), Poll::Redeem);
        g.status = Status::Denied;
        assert_eq!(poll(&g, 1_000), Poll::Denied);
        assert_eq!(Poll::Denied.error_code(), Some("access_denied"));
        g.status = Status::Redeemed;
        assert_eq!(poll(&g, 1_000), Poll::Redeemed);
        assert_eq!(Poll::Redeemed.error_code(), Some("invalid_grant"));
        assert_eq!(Poll::Redeem.error_code(), None);
    }

    #[test]
    fn every_unredeemed_grant_expires_after_ten_minutes() {
        for s in [Status::Pending, Status::Approved] {
            let g = grant(s);
            assert_ne!(
                poll(&g, 1_000 + CODE_TTL - 1),
                Poll::Expired { record: true }
            );
            assert_eq!(
                poll(&g, 1_000 + CODE_TTL),
                Poll::Expired { record: true },
                "{s:?}"
            );
        }
        // A denied one answers expired_token too, without a second audit entry.
        assert_eq!(
            poll(&grant(Status::Denied), 1_000 + CODE_TTL),
            Poll::Expired { record: false }
        );
        // Recorded once: a later poll does not audit it again.
        assert_eq!(
            poll(&grant(Status::Expired), 1_000),
            Poll::Expired { record: false }
        );
        assert_eq!(
            Poll::Expired { record: false }.error_code(),
            Some("expired_token")
        );
        // A redeemed grant stays redeemed (the session has its own lifetime).
        assert_eq!(
            poll(&grant(Status::Redeemed), 1_000 + CODE_TTL),
            Poll::Redeemed
        );
    }

    #[test]
    fn only_a_live_pending_grant_of_the_right_org_can_be_answered() {
        let g = grant(Status::Pending);
        assert_eq!(answerable(&g, None, "acme", 1_000), Ok(()));
        assert_eq!(answerable(&g, Some("acme"), "acme", 1_000), Ok(()));
        assert_eq!(
            answerable(&g, Some("beta"), "acme", 1_000),
            Err(NotAnswerable::OtherOrg)
        );
        assert_eq!(
            answerable(&g, None, "acme", 1_000 + CODE_TTL),
            Err(NotAnswerable::Expired)
        );
        for s in [Status::Approved, Status::Denied, Status::Redeemed] {
            assert_eq!(
                answerable(&grant(s), None, "acme", 1_000),
                Err(NotAnswerable::Answered)
            );
        }
    }

    #[test]
    fn the_cli_agent_names_version_and_os() {
        assert_eq!(
            cli_agent(Some("wt/0.1.0 (linux; x86_64)")),
            Some(("0.1.0".into(), "linux; x86_64".into()))
        );
        assert_eq!(
            cli_agent(Some("wt/0.2.0")),
            Some(("0.2.0".into(), String::new()))
        );
        assert_eq!(cli_agent(Some("curl/8.0")), None);
        assert_eq!(cli_agent(None), None);
    }
}
