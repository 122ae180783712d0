//! What several nouns share: the role value parser, a light email check, reading a
//! one-time token from a mail (invites, password resets), reading a new password,
//! durations (`15m`, `7d`), CIDRs as the server normalises them, and reading a text file
//! given as an argument (`-` for stdin).

use crate::CliError;
use crate::output::Io;
use crate::secret::Secret;
use clap::builder::TypedValueParser as _;
use std::io::Read as _;
use std::path::Path;
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

/// Reads the password of the account you are logged in as (a step-up: `wt mfa disable`,
/// allowed-IP edits): one stdin line with `from_stdin`, else a hidden prompt
/// (`--password-stdin` is named when prompting is impossible).
pub fn read_current_password(io: &Io, from_stdin: bool) -> Result<Secret, CliError> {
    if from_stdin {
        io.read_stdin_secret("the password")
    } else {
        io.prompt_secret("Password", false, "your password", "--password-stdin")
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

/// Parses a duration written as a whole number and one unit, `s`, `m`, `h` or `d`
/// (`30s`, `15m`, `24h`, `7d`), into seconds. `None` for anything else, including values
/// that overflow.
pub fn parse_duration_secs(raw: &str) -> Option<u64> {
    let s = raw.trim();
    let unit = s.chars().last()?;
    let digits = &s[..s.len() - unit.len_utf8()];
    let unit_secs: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(unit_secs)
}

/// Parses a network with the server's own rules (`wt_core::netaddr::parse_cidr`) and
/// returns its normalised text: `10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or
/// /128, host bits are dropped and IPv4-mapped IPv6 becomes IPv4. Used to refuse a typo
/// before anything is sent, and to find an entry by its CIDR.
pub fn normalize_cidr(raw: &str) -> Result<String, String> {
    wt_core::netaddr::parse_cidr(raw)
        .map(|n| n.to_string())
        .map_err(|e| e.to_string())
}

/// A clap value parser for CIDR arguments (`--allow`, `wt allowed-ips add CIDR`): checks
/// the network and keeps the text as typed (trimmed); the server normalises it.
pub fn cidr_arg(raw: &str) -> Result<String, String> {
    normalize_cidr(raw).map(|_| raw.trim().to_string())
}

/// Reads a text file named on the command line, `-` meaning stdin, at most `limit` bytes.
/// `what` names it in stdin errors ("the CSV").
pub fn read_input_file(io: &Io, path: &Path, what: &str, limit: u64) -> Result<String, CliError> {
    if path == Path::new("-") {
        return io.read_stdin_to_string(what, limit);
    }
    let context = format!("reading {}", path.display());
    let file = std::fs::File::open(path).map_err(|e| CliError::io(context.clone(), e))?;
    let mut buf = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| CliError::io(context, e))?;
    if buf.len() as u64 > limit {
        return Err(CliError::Usage(format!(
            "{} is larger than {limit} bytes: split it",
            path.display()
        )));
    }
    String::from_utf8(buf)
        .map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_a_whole_number_and_one_unit() {
        assert_eq!(parse_duration_secs("2s"), Some(2));
        assert_eq!(parse_duration_secs(" 15m "), Some(900));
        assert_eq!(parse_duration_secs("24h"), Some(86_400));
        assert_eq!(parse_duration_secs("7d"), Some(604_800));
        assert_eq!(parse_duration_secs("0s"), Some(0));
        for bad in [
            "",
            "0",
            "15",
            "m",
            "-5m",
            "+5m",
            "1.5h",
            "2w",
            "15 m",
            "5mm",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_duration_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn cidrs_are_normalised_like_the_server_does() {
        for (raw, want) in [
            ("10.0.0.0/8", "10.0.0.0/8"),
            (" 10.1.2.3/8 ", "10.0.0.0/8"),
            ("192.0.2.7", "192.0.2.7/32"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:DB8::1/32", "2001:db8::/32"),
            ("2001:db8::1", "2001:db8::1/128"),
            ("::/0", "::/0"),
            ("::ffff:1.2.3.4/120", "1.2.3.0/24"),
            ("::ffff:1.2.3.4", "1.2.3.4/32"),
        ] {
            assert_eq!(normalize_cidr(raw).as_deref(), Ok(want), "{raw}");
        }
        for bad in [
            "",
            "10.0.0.0/33",
            "2001:db8::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "example.com",
            "10.0.0.0 /8",
        ] {
            let e = normalize_cidr(bad).err().unwrap_or_default();
            assert!(e.contains("not an IPv4 or IPv6 network"), "{bad}: {e}");
        }
        assert_eq!(cidr_arg(" 10.1.2.3/8 ").as_deref(), Ok("10.1.2.3/8"));
    }

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
