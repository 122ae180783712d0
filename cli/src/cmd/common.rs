//! What several nouns share: the role value parser, a light email check, reading a
//! one-time token from a mail (invites, password resets), reading a new password,
//! durations (`15m`, `7d`, `1h30m`) and points in time (`--expires` of keys and automation
//! tokens, `--since` of the audit log), printing a secret that is shown once, CIDRs as the
//! server normalises them, reading a text file given as an argument (`-` for stdin), and
//! `--limit`/`--all` of the listings the server pages (members, keys) with their hint.

use crate::output::{Io, OutputFormat};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::builder::TypedValueParser as _;
use serde::Serialize;
use std::io::Read as _;
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wt_api::Role;
use zeroize::Zeroizing;

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

/// How many times a person may type a new password that is refused here (or not repeated
/// the same) before the command gives up.
const NEW_PASSWORD_TRIES: usize = 3;

/// Reads a new password: one stdin line with `from_stdin`, else a hidden prompt
/// (`--password-stdin` is named when prompting is impossible), then "Repeat to confirm".
///
/// Before it is repeated (or sent), the password goes through the server's own policy
/// (`wt_core::password::check_policy`) with what this command knows of the person in
/// `context` (org name and slug, email, name: whatever is known; see
/// `wt_core::password::context_words`), so they learn at once why it would be refused.
/// The role's MFA rule is not known here, so the shorter minimum (8) is used: the server
/// still decides, and may ask for 15. On a terminal a refused or mistyped password is asked
/// for again, [`NEW_PASSWORD_TRIES`] times in all; from stdin, it fails with exit 1.
pub fn read_new_password(io: &Io, from_stdin: bool, context: &[&str]) -> Result<Secret, CliError> {
    if from_stdin {
        let p = io.read_stdin_secret("the new password")?;
        check_new_password(&p, context)?;
        return Ok(p);
    }
    let mut tries = 0;
    loop {
        tries += 1;
        let last = tries >= NEW_PASSWORD_TRIES;
        let p = io.prompt_secret("New password", false, "a new password", "--password-stdin")?;
        if p.is_blank() {
            return Err(CliError::Usage("the new password must not be empty".into()));
        }
        if let Err(e) = check_new_password(&p, context) {
            if last {
                return Err(e);
            }
            io.eprintln(&format!("{e}. Try another."));
            continue;
        }
        let again = io.prompt_secret(
            "Repeat to confirm",
            false,
            "the new password again",
            "--password-stdin",
        )?;
        if again.expose() == p.expose() {
            return Ok(p);
        }
        if last {
            return Err(CliError::Other("the two entries do not match".into()));
        }
        io.eprintln("The two entries do not match. Try again.");
    }
}

/// The password policy, checked here before anything is sent (see [`read_new_password`]).
pub fn check_new_password(password: &Secret, context: &[&str]) -> Result<(), CliError> {
    wt_core::password::check_policy(password.expose(), true, context)
        .map_err(|e| CliError::PasswordRefused(e.to_string()))
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

/// The local check of an email address, by the same rule the server applies
/// (`wt_core::ids::normalize_email`: a plain deliverable `local@domain.tld`, no display
/// name, brackets, commas, quoted local part or IP-address domain). Returns the address
/// trimmed and lower-cased, or why it is not one.
pub fn check_email(raw: &str) -> Result<String, String> {
    wt_core::ids::normalize_email(raw).map_err(|e| e.to_string())
}

/// Parses a duration into whole seconds: the one duration grammar of every flag that takes
/// one (`--grace`, `--expires`, `--since`, `--until`), humantime's. A number and a unit
/// (`30s`, `15m`, `24h`, `7d`, `2w`; also long names such as `90 days`), several of them
/// added up (`1h30m`, `1h 30m`), decimals allowed (`1.5h`). `0` alone is zero. `None` for
/// anything else: no unit (`15`), a sign (`-5m`), a result that is not a whole number of
/// seconds (`500ms`, `0.5s`: a grace period must not round down to "now"), or one that
/// overflows.
pub fn parse_duration_secs(raw: &str) -> Option<u64> {
    let d = humantime::parse_duration(raw.trim()).ok()?;
    (d.subsec_nanos() == 0).then_some(d.as_secs())
}

/// Which side of now a duration points to: `--expires 90d` is later, `--since 2h` earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromNow {
    Later,
    Earlier,
}

/// Parses a point in time: RFC 3339 (any offset), or a duration ([`parse_duration_secs`])
/// before or after `now`, counted from `now` without its fraction of a second. Returns the
/// time in UTC; `None` when it is neither.
pub fn parse_point_in_time(raw: &str, now: OffsetDateTime, dir: FromNow) -> Option<OffsetDateTime> {
    let s = raw.trim();
    let at = match parse_duration_secs(s) {
        Some(secs) => {
            let span = time::Duration::seconds(i64::try_from(secs).ok()?);
            let base = now.replace_nanosecond(0).unwrap_or(now);
            match dir {
                FromNow::Later => base.checked_add(span)?,
                FromNow::Earlier => base.checked_sub(span)?,
            }
        }
        None => OffsetDateTime::parse(s, &Rfc3339).ok()?,
    };
    Some(at.to_offset(time::UtcOffset::UTC))
}

/// RFC 3339 text of a time (the form the server is sent).
pub fn rfc3339(at: OffsetDateTime) -> Option<String> {
    at.format(&Rfc3339).ok()
}

/// The clap value parser of `--expires`: relative to the clock at parse time.
pub fn parse_expires_arg(raw: &str) -> Result<String, String> {
    parse_expires_at(raw, OffsetDateTime::now_utc())
}

/// Parses an expiry: RFC 3339 (any offset), or a duration from `now` (`90d`, `24h`, `30m`,
/// `1h30m`). Returns RFC 3339 in UTC, the form sent to the server. A time that is not in
/// the future is refused.
pub fn parse_expires_at(raw: &str, now: OffsetDateTime) -> Result<String, String> {
    let bad = || {
        format!(
            "`{raw}` is not an expiry: use RFC 3339 (2027-01-01T00:00:00Z) or a duration from now such as 90d, 24h or 30m"
        )
    };
    let at = parse_point_in_time(raw, now, FromNow::Later).ok_or_else(bad)?;
    if at <= now {
        return Err(format!(
            "`{raw}` is not in the future: an expiry must be later than now"
        ));
    }
    rfc3339(at).ok_or_else(bad)
}

/// Said after every secret printed in table output.
pub const SHOWN_ONCE: &str = "This secret is shown only once and cannot be retrieved later: store it now (e.g. in your secret manager).";

/// Prints a secret that was just issued. JSON: `value` (which carries it), its text wiped
/// after writing. Table: the secret ALONE on stdout, so `wt keys create ... > secret.txt`
/// (or `wt token create ... > token.txt`) captures exactly it; the `summary` lines and
/// [`SHOWN_ONCE`] go to stderr.
pub fn print_secret<T: Serialize>(
    ctx: &Ctx,
    value: &T,
    secret: &str,
    summary: &[String],
) -> Result<(), CliError> {
    match ctx.output {
        OutputFormat::Json => {
            let text = Zeroizing::new(
                serde_json::to_string_pretty(value)
                    .map_err(|e| CliError::Other(format!("cannot encode JSON output: {e}")))?,
            );
            ctx.io.println(&text)
        }
        OutputFormat::Table => {
            for line in summary {
                ctx.io.eprintln(line);
            }
            ctx.io.println(secret)?;
            ctx.io.eprintln(SHOWN_ONCE);
            Ok(())
        }
    }
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
    fn durations_are_humantime_in_whole_seconds() {
        for (raw, secs) in [
            ("2s", 2),
            (" 15m ", 900),
            ("24h", 86_400),
            ("7d", 604_800),
            ("90d", 7_776_000),
            ("0s", 0),
            ("0", 0),
            ("1h30m", 5_400),
            ("1h 30m", 5_400),
            ("15 m", 900),
            ("5 minutes", 300),
            ("2w", 1_209_600),
            ("1.5h", 5_400),
        ] {
            assert_eq!(parse_duration_secs(raw), Some(secs), "{raw}");
        }
        for bad in [
            "",
            "15",
            "m",
            "-5m",
            "+5m",
            "5mm",
            "1h-30m",
            "0.5s",
            "500ms",
            "1500ms",
            "tomorrow",
            "2026-01-01",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_duration_secs(bad), None, "{bad}");
        }
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-03-10 12:00:00.250 UTC)
    }

    #[test]
    fn relative_expiry_is_now_plus_the_duration_in_utc() {
        for (raw, want) in [
            ("90d", "2026-06-08T12:00:00Z"),
            ("24h", "2026-03-11T12:00:00Z"),
            ("30m", "2026-03-10T12:30:00Z"),
            ("1h30m", "2026-03-10T13:30:00Z"),
            ("2027-01-01T02:00:00+02:00", "2027-01-01T00:00:00Z"),
        ] {
            assert_eq!(parse_expires_at(raw, now()).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn expiries_in_the_past_or_malformed_are_refused() {
        for bad in ["0s", "0", "2025-01-01T00:00:00Z"] {
            let e = parse_expires_at(bad, now()).err().unwrap_or_default();
            assert!(e.contains("not in the future"), "{bad}: {e}");
        }
        for bad in [
            "",
            "tomorrow",
            "90",
            "-2w",
            "2027-01-01",
            "500ms",
            "99999999999d",
        ] {
            let e = parse_expires_at(bad, now()).err().unwrap_or_default();
            assert!(e.contains("RFC 3339") && e.contains("90d"), "{bad}: {e}");
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
            "a,b@acme.test",
            "x@[127.0.0.1]",
            "<x@acme.test>",
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

/// How many items a paged listing shows without `--limit` (gh's and stripe's lists show
/// a first page of tens, too).
pub const DEFAULT_LIMIT: u32 = 50;

/// `--limit N` and `--all` of a listing the server pages (`wt members list`, `wt keys
/// list`): the first N by default, every one with `--all`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct PageArgs {
    /// Show at most N (the first page); more are hinted on stderr
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Show every one (fetches every page; for scripts that need the whole list)
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
}

impl PageArgs {
    /// How many items to show: `None` for every one.
    pub fn want(&self) -> Option<usize> {
        (!self.all).then_some(self.limit as usize)
    }

    /// Items asked for per request: the wanted page itself when the server's items are
    /// all shown (the first page is one request of that page), else the largest page.
    pub fn page_size(&self, filtered_here: bool) -> u32 {
        if self.all || filtered_here {
            wt_api::PAGE_MAX
        } else {
            self.limit.min(wt_api::PAGE_MAX)
        }
    }
}

/// The stderr line after a listing that `--limit` cut short. `noun` is (one, many);
/// `filtered_here` when a filter applied by `wt` (the rest may hold no other match).
pub fn more_hint(shown: usize, noun: (&str, &str), filtered_here: bool) -> String {
    let what = if shown == 1 { noun.0 } else { noun.1 };
    if filtered_here {
        format!(
            "Showing {shown} matching {what}; more may match: --all to look through every one, \
             or a larger --limit"
        )
    } else {
        format!("Showing {shown} {what}; more exist: --all for every one, or a larger --limit")
    }
}
