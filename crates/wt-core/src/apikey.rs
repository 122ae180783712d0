//! Ingestion key format (issue #5, SECURITY.md G.50): generation, parsing, checksum.
//!
//! A key is `wtk_live_` (production) or `wtk_test_` (sandbox), then 43 base62 characters of
//! randomness (256 bits), then a 6-character base62 CRC32 of everything before it. The
//! checksum lets secret scanners (and this daemon, before any lookup) reject look-alikes and
//! typos offline. Published pattern: `wtk_(live|test)_[0-9A-Za-z]{49}`.
//! Only the prefix and the last four characters are ever shown after creation.

use crate::secret::SecretString;
use crate::token::random_base62;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters in a key (43 * log2(62) > 256 bits).
pub const BODY_LEN: usize = 43;
/// Checksum characters (62^6 > 2^32).
pub const CHECKSUM_LEN: usize = 6;
/// The pattern secret scanners can use.
pub const REGEX: &str = r"wtk_(live|test)_[0-9A-Za-z]{49}";

/// Which ingestion endpoint a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    Sandbox,
    Production,
}

impl Environment {
    pub fn prefix(self) -> &'static str {
        match self {
            Environment::Production => "wtk_live_",
            Environment::Sandbox => "wtk_test_",
        }
    }

    /// The wire name (`sandbox`, `production`).
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
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
    let head = format!("{}{}", env.prefix(), random_base62(BODY_LEN));
    let sum = checksum(&head);
    SecretString::new(format!("{head}{sum}"))
}

/// Checks prefix, length, alphabet and checksum, without any lookup.
pub fn parse(key: &str) -> Result<Environment, KeyFormatError> {
    let env = if key.starts_with(Environment::Production.prefix()) {
        Environment::Production
    } else if key.starts_with(Environment::Sandbox.prefix()) {
        Environment::Sandbox
    } else {
        return Err(KeyFormatError::Prefix);
    };
    let rest = &key[env.prefix().len()..];
    if rest.len() != BODY_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(KeyFormatError::Shape);
    }
    let (head, sum) = key.split_at(key.len() - CHECKSUM_LEN);
    if !crate::token::ct_eq(checksum(head).as_bytes(), sum.as_bytes()) {
        return Err(KeyFormatError::Checksum);
    }
    Ok(env)
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
    let prefix = if key.starts_with(Environment::Production.prefix()) {
        Environment::Production.prefix()
    } else {
        Environment::Sandbox.prefix()
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
    fn listings_show_only_prefix_and_last_four() {
        let k = generate(Environment::Sandbox);
        let hint = display_hint(k.expose());
        assert!(hint.starts_with("wtk_test_…"));
        assert!(hint.ends_with(&k.expose()[k.expose().len() - 4..]));
        assert_eq!(hint.chars().count(), "wtk_test_".len() + 1 + 4);
    }
}
