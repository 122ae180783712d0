//! Public identifiers and input normalisation.
//!
//! Ids are random, prefixed by kind (`usr_`, `org_`, `ses_`), so that they do not reveal
//! counts or creation order and an id pasted in the wrong place is obviously wrong.

use crate::token::random_base62;

/// A new random id of the given kind, e.g. `new_id("usr")` -> `usr_3kT9...`.
pub fn new_id(kind: &str) -> String {
    format!("{kind}_{}", random_base62(16))
}

/// Longest email address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest display name accepted.
pub const MAX_NAME_LEN: usize = 200;

/// Normalises an email for lookup and uniqueness: trimmed, lower-cased.
/// Returns `None` when it cannot be an address (no `@`, too long, spaces, control chars).
pub fn normalize_email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && e.len() <= MAX_EMAIL_LEN
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(e)
}

/// A URL-safe org slug from its name: lower-case ASCII letters, digits and `-`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "org".to_string()
    } else {
        slug.chars().take(48).collect()
    }
}

/// Validates a display name: non-empty after trimming, bounded, no control characters.
pub fn validate_name(raw: &str) -> Result<String, &'static str> {
    let n = raw.trim();
    if n.is_empty() {
        return Err("name must not be empty");
    }
    if n.chars().count() > MAX_NAME_LEN {
        return Err("name is longer than 200 characters");
    }
    if n.chars().any(char::is_control) {
        return Err("name must not contain control characters");
    }
    Ok(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_unique() {
        let a = new_id("usr");
        assert!(a.starts_with("usr_"));
        assert_ne!(a, new_id("usr"));
    }

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalize_email("  Ann@Example.COM "),
            Some("ann@example.com".into())
        );
        assert_eq!(normalize_email("no-at-sign"), None);
        assert_eq!(normalize_email("a@b@c"), None);
        assert_eq!(normalize_email("a b@c.d"), None);
        assert_eq!(normalize_email(&format!("{}@x.y", "a".repeat(300))), None);
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("Acme Corp."), "acme-corp");
        assert_eq!(slugify("  "), "org");
        assert_eq!(slugify("Ünïcode Ltd"), "n-code-ltd");
    }

    #[test]
    fn names_are_bounded() {
        assert!(validate_name("Ada").is_ok());
        assert!(validate_name(" ").is_err());
        assert!(validate_name(&"x".repeat(201)).is_err());
        assert!(validate_name("a\u{0}b").is_err());
    }
}
