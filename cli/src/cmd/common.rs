//! What several nouns share: the role value parser, a light email check, reading a
//! one-time token from a mail (invites, password resets), and reading a new password.

use crate::CliError;
use crate::output::Io;
use crate::secret::Secret;
use clap::builder::TypedValueParser as _;
use wt_api::Role;

/// The names `--role` / `ROLE` accept, highest first.
pub fn role_names() -> [&'static str; 5] {
    Role::ALL.map(Role::as_str)
}

/// A clap value parser for roles: the possible values show in `--help` and completions.
pub fn role_parser() -> impl clap::builder::TypedValueParser<Value = Role> {
    clap::builder::PossibleValuesParser::new(role_names())
        .try_map(|s: String| Role::parse(&s).ok_or_else(|| format!("unknown role `{s}`")))
}

/// Where a one-time token from a mail comes from, and what to call it.
pub struct TokenInput {
    /// Read line 1 of stdin instead of prompting.
    pub from_stdin: bool,
    /// The prompt text.
    pub prompt: &'static str,
    /// What it is, for error messages ("the invite token").
    pub what: &'static str,
}

/// Reads a token from stdin (one line) or a hidden prompt (`--token-stdin` is named when
/// prompting is impossible). A whole link may be pasted: see [`token_from_link`].
pub fn read_token(io: &Io, input: &TokenInput) -> Result<Secret, CliError> {
    let raw = if input.from_stdin {
        io.read_stdin_secret(input.what)?
    } else {
        let s = io.prompt_secret(input.prompt, false, input.what, "--token-stdin")?;
        if s.is_blank() {
            return Err(CliError::Usage(format!("{} must not be empty", input.what)));
        }
        s
    };
    Ok(token_from_link(&raw))
}

/// The token itself: surrounding whitespace trimmed, and when a whole `http(s)://` link
/// was pasted, the value of its `token=` parameter (query or fragment).
pub fn token_from_link(raw: &Secret) -> Secret {
    let s = raw.expose().trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let params = s.split(['?', '#', '&']).skip(1);
        for p in params {
            if let Some(v) = p.strip_prefix("token=")
                && !v.is_empty()
            {
                return Secret::new(v.to_string());
            }
        }
    }
    Secret::new(s.to_string())
}

/// Reads a new password: one stdin line with `from_stdin`, else a hidden prompt typed twice
/// (`--password-stdin` is named when prompting is impossible).
pub fn read_new_password(io: &Io, from_stdin: bool) -> Result<Secret, CliError> {
    if from_stdin {
        io.read_stdin_secret("the new password")
    } else {
        let p = io.prompt_secret("New password", true, "a new password", "--password-stdin")?;
        if p.is_blank() {
            return Err(CliError::Usage("the new password must not be empty".into()));
        }
        Ok(p)
    }
}

/// A light local check of an email address (the server has the last word): exactly one
/// `@` with something on both sides, no whitespace or control characters. Returns the
/// trimmed address, or why it is not one.
pub fn check_email(raw: &str) -> Result<String, String> {
    let email = raw.trim();
    if email.is_empty() {
        return Err("the email is empty".into());
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{email}` is not an email address (it contains spaces)"
        ));
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(email.to_string())
        }
        _ => Err(format!("`{email}` is not an email address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Secret {
        Secret::new(v.to_string())
    }

    #[test]
    fn a_pasted_link_yields_its_token_parameter() {
        assert_eq!(token_from_link(&s("  wti_abc  ")).expose(), "wti_abc");
        assert_eq!(
            token_from_link(&s("https://wt.example/invite?token=wti_abc&x=1")).expose(),
            "wti_abc"
        );
        assert_eq!(
            token_from_link(&s("https://wt.example/reset#token=wtr_xyz")).expose(),
            "wtr_xyz"
        );
        // A link without a token parameter is sent as typed (the server says it is invalid).
        assert_eq!(
            token_from_link(&s("https://wt.example/reset")).expose(),
            "https://wt.example/reset"
        );
    }

    #[test]
    fn emails_are_trimmed_and_checked_lightly() {
        assert_eq!(
            check_email(" bob@example.com ").ok().as_deref(),
            Some("bob@example.com")
        );
        for bad in [
            "",
            "bob",
            "@example.com",
            "bob@",
            "a@b@c",
            "bob smith@example.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_names_are_the_wire_names_highest_first() {
        assert_eq!(
            role_names(),
            ["owner", "admin", "risk_lead", "analyst", "viewer"]
        );
    }
}
