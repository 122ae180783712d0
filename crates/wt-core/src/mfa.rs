//! TOTP (RFC 6238) and recovery codes: the rules of SECURITY.md E, with no storage.
//!
//! - Secrets are 20 CSPRNG bytes (E.36), shown once as unpadded base32 and sealed at rest by
//!   the caller with the master key (E.39).
//! - The `otpauth://` URI follows the Key URI format with every parameter explicit (E.37).
//! - [`verify_totp`] accepts the current step and the one before (T-1..T), compares in
//!   constant time, and refuses any step not later than the last accepted one (E.40-41);
//!   the store persists that step with a compare-and-set so two parallel uses of one code
//!   cannot both pass.
//! - Recovery codes: 10 per set, about 59 random bits each, stored as SHA-256 (E.44).

use crate::token::{ct_eq, random_bytes};
use totp_rs::{Algorithm, Builder, Secret};

/// Bytes of a TOTP secret.
pub const SECRET_LEN: usize = 20;
/// Seconds per TOTP step.
pub const STEP: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// How long an unconfirmed enrollment stays pending.
pub const PENDING_TTL: i64 = 10 * 60;
/// How long the second login step may wait for a code.
pub const CHALLENGE_TTL: i64 = 5 * 60;
/// Wrong codes after which a login challenge dies (E.42).
pub const CHALLENGE_MAX_FAILURES: i64 = 5;
/// Recovery codes per set (E.44: at least 10).
pub const RECOVERY_CODES: usize = 10;
/// Default issuer shown in authenticator apps.
pub const DEFAULT_ISSUER: &str = "WatchTower";

/// Prefix of the pre-MFA login challenge token. It is not a session token: the
/// authentication extractor refuses it everywhere but `/auth/mfa/verify` (B.11).
pub const CHALLENGE_PREFIX: &str = "wtc_";

/// A fresh TOTP secret.
pub fn generate_secret() -> [u8; SECRET_LEN] {
    random_bytes::<SECRET_LEN>()
}

/// Unpadded RFC 4648 base32 of a secret, as authenticator apps expect it.
pub fn secret_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec())
        .to_base32()
        .trim_end_matches('=')
        .to_string()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `otpauth://totp/{Issuer}:{account}?secret=..&issuer=..&algorithm=SHA1&digits=6&period=30`
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        pct(issuer),
        pct(account),
        secret_base32(secret),
        pct(issuer)
    )
}

fn totp(secret: &[u8], algorithm: Algorithm, digits: usize) -> totp_rs::Totp {
    Builder::new()
        .with_algorithm(algorithm)
        .with_digits(digits as u8)
        .with_step_duration(STEP)
        .with_secret(secret.to_vec())
        .build_noncompliant()
}

/// The code for time step `step` (`unix_time / 30`).
pub fn code_at_step(secret: &[u8], step: u64) -> String {
    totp(secret, Algorithm::SHA1, DIGITS)
        .generate(step * STEP)
        .to_string()
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Not a code of the current or previous step (or not six digits).
    Invalid,
    /// A correct code of a step already used: a replay (E.41).
    Replayed,
}

/// Verifies `code` at server time `now` for a credential whose last accepted step is
/// `last_step` (`None` before any). Returns the matched step, which the caller must then
/// record with a compare-and-set.
pub fn verify_totp(
    secret: &[u8],
    code: &str,
    now: i64,
    last_step: Option<u64>,
) -> Result<u64, CodeError> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) || now < 0 {
        return Err(CodeError::Invalid);
    }
    let current = now as u64 / STEP;
    let mut matched = None;
    // Check both steps every time (no early exit): the work does not depend on the code.
    for step in [current.saturating_sub(1), current] {
        if ct_eq(code_at_step(secret, step).as_bytes(), code.as_bytes()) {
            matched = Some(step);
        }
    }
    let step = matched.ok_or(CodeError::Invalid)?;
    match last_step {
        Some(last) if step <= last => Err(CodeError::Replayed),
        _ => Ok(step),
    }
}

/// Alphabet of recovery codes: lower-case, without `0 o 1 l i` that are easy to misread.
const RECOVERY_ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// Twelve uniformly random characters of [`RECOVERY_ALPHABET`] (about 59 bits).
fn recovery_chars() -> String {
    let mut out = String::with_capacity(12);
    while out.len() < 12 {
        for b in random_bytes::<32>() {
            // 248 = 31 * 8: bytes below it map uniformly onto the alphabet.
            if b < 248 && out.len() < 12 {
                out.push(RECOVERY_ALPHABET[(b % 31) as usize] as char);
            }
        }
    }
    out
}

/// A fresh set of recovery codes, formatted `xxxx-xxxx-xxxx`.
pub fn generate_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let c = recovery_chars();
            format!("{}-{}-{}", &c[0..4], &c[4..8], &c[8..12])
        })
        .collect()
}

/// A recovery code as typed, normalised: lower-case, no separators or spaces.
pub fn normalize_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What the store keeps of a recovery code.
pub fn hash_recovery_code(input: &str) -> String {
    crate::token::hash(&normalize_recovery_code(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, with the per-algorithm seeds of Appendix A (the known erratum:
    /// SHA256 and SHA512 use 32- and 64-byte seeds).
    #[test]
    fn rfc6238_appendix_b_vectors() {
        let sha1 = b"12345678901234567890".to_vec();
        let sha256 = b"12345678901234567890123456789012".to_vec();
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".to_vec();
        let rows: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, c1, c256, c512) in rows {
            assert_eq!(
                totp(&sha1, Algorithm::SHA1, 8).generate(t).to_string(),
                c1,
                "SHA1 {t}"
            );
            assert_eq!(
                totp(&sha256, Algorithm::SHA256, 8).generate(t).to_string(),
                c256,
                "SHA256 {t}"
            );
            assert_eq!(
                totp(&sha512, Algorithm::SHA512, 8).generate(t).to_string(),
                c512,
                "SHA512 {t}"
            );
        }
    }

    #[test]
    fn secrets_are_20_random_bytes_in_unpadded_base32() {
        let a = generate_secret();
        assert_eq!(a.len(), 20);
        assert_ne!(a, generate_secret());
        let b32 = secret_base32(&a);
        assert_eq!(b32.len(), 32);
        assert!(!b32.contains('='));
        assert!(
            b32.bytes()
                .all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c))
        );
    }

    #[test]
    fn uri_follows_the_key_uri_format() {
        let uri = otpauth_uri("WatchTower", "ann+ops@acme.test", b"12345678901234567890");
        assert_eq!(
            uri,
            "otpauth://totp/WatchTower:ann%2Bops%40acme.test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
&issuer=WatchTower&algorithm=SHA1&digits=6&period=30"
        );
        assert!(
            otpauth_uri("Watch Tower", "a@b", b"x")
                .starts_with("otpauth://totp/Watch%20Tower:a%40b?")
        );
    }

    #[test]
    fn current_and_previous_step_are_accepted_and_others_not() {
        let s = generate_secret();
        let now: i64 = 1_800_000_015;
        let t = now as u64 / STEP;
        assert_eq!(verify_totp(&s, &code_at_step(&s, t), now, None), Ok(t));
        assert_eq!(
            verify_totp(&s, &code_at_step(&s, t - 1), now, None),
            Ok(t - 1)
        );
        assert_eq!(
            verify_totp(&s, &code_at_step(&s, t - 2), now, None),
            Err(CodeError::Invalid),
            "two steps ago"
        );
        assert_eq!(
            verify_totp(&s, &code_at_step(&s, t + 1), now, None),
            Err(CodeError::Invalid),
            "the future"
        );
    }

    #[test]
    fn a_code_is_accepted_once() {
        let s = generate_secret();
        let now: i64 = 1_800_000_015;
        let t = now as u64 / STEP;
        let step = verify_totp(&s, &code_at_step(&s, t), now, None).unwrap_or(0);
        assert_eq!(
            verify_totp(&s, &code_at_step(&s, t), now, Some(step)),
            Err(CodeError::Replayed)
        );
        // An older step after a newer one is a replay too.
        assert_eq!(
            verify_totp(&s, &code_at_step(&s, t - 1), now, Some(step)),
            Err(CodeError::Replayed)
        );
        // The next step's code works once time moves on.
        assert_eq!(
            verify_totp(&s, &code_at_step(&s, t + 1), now + 30, Some(step)),
            Ok(t + 1)
        );
    }

    #[test]
    fn malformed_codes_are_invalid_not_panics() {
        let s = generate_secret();
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６", "-12345"] {
            assert_eq!(
                verify_totp(&s, bad, 1_800_000_000, None),
                Err(CodeError::Invalid),
                "{bad:?}"
            );
        }
        assert_eq!(verify_totp(&s, "123456", -5, None), Err(CodeError::Invalid));
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_normalise_when_typed() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut uniq = codes.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 10);
        let c = &codes[0];
        assert_eq!(c.len(), 14);
        assert_eq!(
            hash_recovery_code(c),
            hash_recovery_code(&format!(" {} ", c.to_uppercase().replace('-', " ")))
        );
        assert_ne!(hash_recovery_code(c), hash_recovery_code(&codes[1]));
        assert_eq!(hash_recovery_code(c).len(), 64);
    }
}
