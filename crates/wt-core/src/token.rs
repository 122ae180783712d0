//! Opaque secret tokens: generation, hashing, constant-time comparison.
//!
//! A token is `<prefix><43 base62 chars>` (256 random bits). The prefix says what it is
//! (`wts_` session, `wtsetup_` setup) so that a leaked token is recognisable, and is never
//! a secret. Only the SHA-256 of a token is stored (SECURITY.md B.9): a stolen database
//! does not yield usable tokens, and a lookup by hash does not leak timing about the token.

use crate::secret::SecretString;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Number of base62 characters in a token body: 43 * log2(62) ~= 256 bits.
pub const TOKEN_BODY_LEN: usize = 43;

/// Prefix of CLI and console session tokens.
pub const SESSION_PREFIX: &str = "wts_";
/// Prefix of automation tokens (`wt token create`).
pub const ACCESS_TOKEN_PREFIX: &str = "wtat_";
/// Prefix of the one-time setup token printed by `wtd init`.
pub const SETUP_PREFIX: &str = "wtsetup_";

/// Random bytes from the operating system's CSPRNG.
///
/// # Panics
/// Only if the OS random source fails, which leaves nothing safe to do.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

/// `n` uniformly random base62 characters (rejection sampling: no modulo bias).
pub fn random_base62(n: usize) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes::<64>() {
            // 248 = 62 * 4: bytes below it map uniformly onto the alphabet.
            if b < 248 && out.len() < n {
                out.push(BASE62[(b % 62) as usize] as char);
            }
        }
    }
    out
}

/// A fresh token with the given prefix.
pub fn generate(prefix: &str) -> SecretString {
    SecretString::new(format!("{prefix}{}", random_base62(TOKEN_BODY_LEN)))
}

/// True when `s` looks like a token of this kind (prefix, length, alphabet). Cheap shape
/// check before any database lookup; says nothing about validity.
pub fn has_shape(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|body| {
        body.len() == TOKEN_BODY_LEN && body.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Hex SHA-256 of a token: what the database stores and looks up.
pub fn hash(token: &str) -> String {
    digest(token.as_bytes())
}

/// Hex SHA-256 of any bytes (e.g. the fingerprint of a request body).
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Constant-time equality of two secrets' bytes.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_prefix_length_and_256_bits() {
        let t = generate(SESSION_PREFIX);
        assert!(has_shape(t.expose(), SESSION_PREFIX));
        assert_eq!(t.expose().len(), SESSION_PREFIX.len() + TOKEN_BODY_LEN);
        // 43 base62 chars carry more than 128 bits (SECURITY.md B.9 asks for >= 128).
        assert!((TOKEN_BODY_LEN as f64) * 62f64.log2() >= 256.0);
    }

    #[test]
    fn tokens_are_not_repeated() {
        let a = generate(SESSION_PREFIX);
        let b = generate(SESSION_PREFIX);
        assert_ne!(a, b);
    }

    #[test]
    fn shape_check_rejects_lookalikes() {
        assert!(!has_shape("wts_short", SESSION_PREFIX));
        assert!(!has_shape(
            &format!("wtx_{}", "a".repeat(43)),
            SESSION_PREFIX
        ));
        assert!(!has_shape(
            &format!("wts_{}!", "a".repeat(42)),
            SESSION_PREFIX
        ));
        assert!(has_shape(
            &format!("wts_{}", "a".repeat(43)),
            SESSION_PREFIX
        ));
    }

    #[test]
    fn hash_is_sha256_hex_and_not_the_token() {
        let h = hash("wts_abc");
        assert_eq!(h.len(), 64);
        assert_ne!(h, "wts_abc");
        assert_eq!(h, hash("wts_abc"));
    }

    #[test]
    fn ct_eq_compares_content_and_length() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }

    #[test]
    fn base62_output_uses_the_whole_alphabet_only() {
        let s = random_base62(4000);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(s.contains('z') && s.contains('0') && s.contains('A'));
    }
}
