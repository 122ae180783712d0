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

/// Why an address was refused: a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{address:?} is not an email address we can deliver to: {reason}")]
pub struct InvalidEmail {
    /// The address as given (trimmed, at most 100 characters).
    pub address: String,
    pub reason: String,
}

/// Validates and normalises an email address for invites, lookups and uniqueness: trimmed,
/// lower-cased, and a plain `local@domain.tld` that mail can be delivered to.
///
/// The syntax is checked by the `email_address` crate (the parser lettre uses), with
/// display names (`Ann <ann@x.y>`) and domain literals (`x@[127.0.0.1]`) refused. On top of
/// it we refuse what RFC 5322 allows but delivery does not need and that hides mistakes or
/// tricks: angle brackets, commas (two addresses in one), quoted local parts, a domain
/// without a dot, and domain labels with anything but letters, digits and `-`.
pub fn normalize_email(raw: &str) -> Result<String, InvalidEmail> {
    use email_address::{EmailAddress, Error, Options};
    let trimmed = raw.trim();
    let bad = |reason: &str| InvalidEmail {
        address: trimmed.chars().take(100).collect(),
        reason: reason.into(),
    };
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    if trimmed.len() > MAX_EMAIL_LEN {
        return Err(bad("it is longer than 254 characters"));
    }
    if trimmed.contains(['<', '>']) {
        return Err(bad(
            "give the bare address, without a name or angle brackets",
        ));
    }
    if trimmed.contains([',', ';']) {
        return Err(bad("it holds a comma or semicolon (one address at a time)"));
    }
    if trimmed.contains('"') {
        return Err(bad("quoted local parts are not supported"));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces or control characters"));
    }
    let options = Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld();
    let parsed = EmailAddress::parse_with_options(trimmed, options).map_err(|e| match e {
        Error::UnsupportedDomainLiteral => {
            bad("IP-address domains like [127.0.0.1] are not supported")
        }
        Error::MissingSeparator => bad("it has no @"),
        Error::DomainTooFew => bad("the domain needs a dot (e.g. acme.com)"),
        other => bad(other.to_string().to_lowercase().trim_end_matches('.')),
    })?;
    let label_ok = |l: &str| l.chars().all(|c| c.is_alphanumeric() || c == '-');
    if !parsed.domain().split('.').all(label_ok) {
        return Err(bad(
            "the domain may hold only letters, digits, '-' and dots",
        ));
    }
    Ok(parsed.email().to_lowercase())
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
        let good = [
            ("  Ann@Example.COM ", "ann@example.com"),
            (
                "first.last+tag@sub.acme.test",
                "first.last+tag@sub.acme.test",
            ),
            ("o'brien@acme.test", "o'brien@acme.test"),
            ("x@my-host.acme.test", "x@my-host.acme.test"),
        ];
        for (raw, want) in good {
            assert_eq!(normalize_email(raw).as_deref(), Ok(want), "{raw}");
        }
        // (address, words the reason must contain)
        let bad = [
            ("", "empty"),
            ("no-at-sign", "no @"),
            ("a@b@c.d", ""),
            ("a b@c.d", "spaces"),
            ("a,b@acme.test", "comma"),
            ("a@acme.test,b@acme.test", "comma"),
            ("a;b@acme.test", "semicolon"),
            ("x@[127.0.0.1]", "IP-address"),
            ("<x@y.test>", "angle brackets"),
            ("Ann <ann@acme.test>", "angle brackets"),
            ("\"a b\"@acme.test", "quoted"),
            ("\"x\"@acme.test", "quoted"),
            ("x@localhost", "needs a dot"),
            ("x@acme_corp.test", "letters, digits"),
            ("x@-acme.test", ""),
            ("x@acme..test", ""),
            (".x@acme.test", ""),
            ("x\u{7}@acme.test", "control"),
        ];
        for (raw, words) in bad {
            let err = normalize_email(raw).map_err(|e| e.to_string());
            let msg = err.clone().err().unwrap_or_default();
            assert!(
                msg.contains("is not an email address we can deliver to") && msg.contains(words),
                "{raw:?} -> {err:?}"
            );
        }
        let long = format!("{}@x.y", "a".repeat(300));
        assert!(normalize_email(&long).is_err_and(|e| e.address.len() <= 100));
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
