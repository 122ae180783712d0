//! Ingestion key format (SECURITY.md G.50): generation, parsing, checksum.
//!
//! A key is `wtk_live_` (production) or `wtk_test_` (sandbox), then 43 base62 characters of
//! randomness (256 bits), then a 6-character base62 CRC32 of everything before it. The
//! checksum lets secret scanners (and this daemon, before any lookup) reject look-alikes and
//! typos offline. Published pattern: `wtk_(live|test)_[0-9A-Za-z]{49}`.
//! Only the prefix and the last four characters are ever shown after creation.

use crate::secret::SecretString;
use crate::token::random_base62;
use serde::{Deserialize, Serialize};
use std::fmt;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters in a key (43 * log2(62) > 256 bits).
pub const BODY_LEN: usize = 43;
/// Checksum characters (62^6 > 2^32).
pub const CHECKSUM_LEN: usize = 6;
/// The pattern secret scanners can use.
pub const REGEX: &str = r"wtk_(live|test)_[0-9A-Za-z]{49}";

/// Which ingestion environment a key belongs to. Production keys start `wtk_live_`,
/// sandbox keys `wtk_test_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Sandbox,
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sandbox" => Some(Environment::Sandbox),
            "production" => Some(Environment::Production),
            _ => None,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a key, derived from its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyStatus {
    /// Valid, no rotation pending.
    Active,
    /// Rotated: still valid until `grace_until`, then dead.
    Rotating,
    /// Past its expiry or its rotation grace.
    Expired,
    /// Revoked.
    Revoked,
}

/// The prefix of keys for `env`.
pub fn prefix(env: Environment) -> &'static str {
    match env {
        Environment::Production => "wtk_live_",
        Environment::Sandbox => "wtk_test_",
    }
}

/// Why a presented string is not a key. One generic answer goes to clients; the variant is
/// for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("not a WatchTower ingestion key (prefix)")]
    Prefix,
    #[error("not a WatchTower ingestion key (length or characters)")]
    Shape,
    #[error("not a WatchTower ingestion key (checksum)")]
    Checksum,
}

fn checksum(s: &str) -> String {
    let mut n = crc32fast::hash(s.as_bytes()) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A fresh key for `env`.
pub fn generate(env: Environment) -> SecretString {
    let head = format!("{}{}", prefix(env), random_base62(BODY_LEN));
    let sum = checksum(&head);
    SecretString::new(format!("{head}{sum}"))
}

/// Checks prefix, length, alphabet and checksum, without any lookup.
pub fn parse(key: &str) -> Result<Environment, KeyFormatError> {
    let env = if key.starts_with(prefix(Environment::Production)) {
        Environment::Production
    } else if key.starts_with(prefix(Environment::Sandbox)) {
        Environment::Sandbox
    } else {
        return Err(KeyFormatError::Prefix);
    };
    let rest = &key[prefix(env).len()..];
    if rest.len() != BODY_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(KeyFormatError::Shape);
    }
    let (head, sum) = key.split_at(key.len() - CHECKSUM_LEN);
    if !crate::token::ct_eq(checksum(head).as_bytes(), sum.as_bytes()) {
        return Err(KeyFormatError::Checksum);
    }
    Ok(env)
}

/// Label of the pepper derived from the master key ([`crate::crypto::MasterKey::derive`]).
pub const PEPPER_LABEL: &str = "watchtower api-key pepper v1";

/// Hashes presented keys: HMAC-SHA256 under a server pepper. The keyed state is computed
/// once; each hash clones it (no allocation, ~1 µs), so the ingest path never runs a slow
/// hash. Keys carry 256 random bits, so a fast keyed hash is the right tool (argon2 is for
/// low-entropy passwords).
#[derive(Clone)]
pub struct KeyHasher(hmac::Hmac<sha2::Sha256>);

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasher(***)")
    }
}

/// A key's stored hash.
pub type KeyHash = [u8; 32];

impl KeyHasher {
    pub fn new(pepper: &[u8; 32]) -> Self {
        use hmac::Mac;
        Self(
            <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(pepper)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
        )
    }

    pub fn hash(&self, key: &str) -> KeyHash {
        use hmac::Mac;
        let mut mac = self.0.clone();
        mac.update(key.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// The dates that decide whether a key works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lifetime {
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Set by a rotation: the old key works until then.
    pub grace_until: Option<i64>,
}

impl Lifetime {
    /// When the key stops working on its own (expiry or end of rotation grace).
    pub fn end(&self) -> Option<i64> {
        match (self.expires_at, self.grace_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether a request at `now` may use the key.
    pub fn usable(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.end().is_none_or(|end| now < end)
    }

    pub fn status(&self, now: i64) -> ApiKeyStatus {
        use ApiKeyStatus::*;
        if self.revoked_at.is_some() {
            Revoked
        } else if !self.usable(now) {
            Expired
        } else if self.grace_until.is_some() {
            Rotating
        } else {
            Active
        }
    }

    /// The end of the grace a rotation at `now` gives: `now + grace`, never beyond the key's
    /// own expiry.
    pub fn grace_end(&self, now: i64, grace_seconds: u64) -> i64 {
        let grace = i64::try_from(grace_seconds).unwrap_or(i64::MAX);
        let end = now.saturating_add(grace);
        self.expires_at.map_or(end, |e| e.min(end))
    }
}

/// Longest rotation grace (30 days): a rotation is not a way to keep a key forever.
pub const MAX_GRACE_SECONDS: u64 = 30 * 86_400;
/// Grace when none is given (24 h, SPEC flow 9).
pub const DEFAULT_GRACE_SECONDS: u64 = 86_400;

/// Whether a request looks like it comes from browser code: it carries an `Origin` header
/// (browsers add one to cross-origin and POST requests) or a browser's user agent.
pub fn from_browser(origin: Option<&str>, user_agent: Option<&str>) -> bool {
    origin.is_some() || user_agent.is_some_and(|ua| ua.starts_with("Mozilla/"))
}

/// What listings show: `wtk_live_…Ab3x`.
pub fn display_hint(key: &str) -> String {
    let last4: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let prefix = if key.starts_with(prefix(Environment::Production)) {
        prefix(Environment::Production)
    } else {
        prefix(Environment::Sandbox)
    };
    format!("{prefix}…{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_to_their_environment_and_match_the_published_pattern() {
        for env in [Environment::Production, Environment::Sandbox] {
            let k = generate(env);
            assert_eq!(parse(k.expose()), Ok(env));
            let rest = &k.expose()[9..];
            assert_eq!(rest.len(), 49);
            assert!(
                k.expose().starts_with("wtk_") && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            );
        }
        assert_ne!(
            generate(Environment::Production),
            generate(Environment::Production)
        );
        assert!(REGEX.contains("{49}"));
    }

    #[test]
    fn look_alikes_are_refused_before_any_lookup() {
        let k = generate(Environment::Production);
        let s = k.expose().to_string();
        // One character changed in the random part: the checksum catches it.
        let mut chars: Vec<char> = s.chars().collect();
        chars[20] = if chars[20] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(parse(&typo), Err(KeyFormatError::Checksum));
        assert_eq!(
            parse(&s.replace("wtk_live_", "wtk_prod_")),
            Err(KeyFormatError::Prefix)
        );
        assert_eq!(parse(&s[..s.len() - 1]), Err(KeyFormatError::Shape));
        assert_eq!(parse(&format!("{s}x")), Err(KeyFormatError::Shape));
        let mut dashed = s.clone();
        dashed.replace_range(15..16, "-");
        assert_eq!(parse(&dashed), Err(KeyFormatError::Shape));
        assert_eq!(parse(""), Err(KeyFormatError::Prefix));
        // The environment is part of what the checksum covers.
        let swapped = s.replacen("wtk_live_", "wtk_test_", 1);
        assert_eq!(parse(&swapped), Err(KeyFormatError::Checksum));
    }

    #[test]
    fn hashes_depend_on_the_pepper_and_the_whole_key() {
        let a = KeyHasher::new(&[1; 32]);
        let b = KeyHasher::new(&[2; 32]);
        let k = generate(Environment::Production);
        assert_eq!(a.hash(k.expose()), a.hash(k.expose()));
        assert_ne!(a.hash(k.expose()), b.hash(k.expose()));
        assert_ne!(a.hash(k.expose()), a.hash(&k.expose()[1..]));
        assert!(!format!("{a:?}").contains('1'));
    }

    #[test]
    fn lifetime_rules() {
        let plain = Lifetime::default();
        assert!(plain.usable(i64::MAX - 1));
        assert_eq!(plain.status(100), ApiKeyStatus::Active);
        let exp = Lifetime {
            expires_at: Some(100),
            ..Default::default()
        };
        assert!(exp.usable(99) && !exp.usable(100));
        assert_eq!(exp.status(100), ApiKeyStatus::Expired);
        // A grace never outlives the key's own expiry.
        assert_eq!(exp.grace_end(50, 3600), 100);
        assert_eq!(exp.grace_end(50, 10), 60);
        assert_eq!(plain.grace_end(50, u64::MAX), i64::MAX);
        let rotating = Lifetime {
            grace_until: Some(60),
            ..exp
        };
        assert_eq!(rotating.status(59), ApiKeyStatus::Rotating);
        assert_eq!(rotating.status(60), ApiKeyStatus::Expired);
        assert_eq!(rotating.end(), Some(60));
        let revoked = Lifetime {
            revoked_at: Some(10),
            ..rotating
        };
        assert!(!revoked.usable(0));
        assert_eq!(revoked.status(0), ApiKeyStatus::Revoked);
    }

    #[test]
    fn browser_requests_are_recognised() {
        assert!(from_browser(Some("https://app.example"), None));
        assert!(from_browser(
            None,
            Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
        ));
        assert!(!from_browser(None, Some("curl/8.5.0")));
        assert!(!from_browser(None, None));
    }

    #[test]
    fn listings_show_only_prefix_and_last_four() {
        let k = generate(Environment::Sandbox);
        let hint = display_hint(k.expose());
        assert!(hint.starts_with("wtk_test_…"));
        assert!(hint.ends_with(&k.expose()[k.expose().len() - 4..]));
        assert_eq!(hint.chars().count(), "wtk_test_".len() + 1 + 4);
    }
}
